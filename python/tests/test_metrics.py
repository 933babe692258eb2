"""Operation metrics from Python: metrics(), metrics_prometheus(),
metrics_history() and the "metrics" member of get_database_stats()
(docs/MONITORING.md)."""

import datetime
import re
import time

import pytest

import spirapi

SAMPLE = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"]*"'
                    r'(,[a-zA-Z_][a-zA-Z0-9_]*="[^"]*")*\})? \S+$')


@pytest.fixture
def db(tmp_path):
    with spirapi.SpiraPiDatabase(tmp_path / "db", sync=False, metrics_interval_seconds=0) as d:
        yield d


def test_counts_after_known_operations(db):
    seq = db["sequence"]
    for i in range(5):
        seq.put(f"r{i}", {"i": i})
    seq.get("r1")
    assert seq.get("missing") is None
    m = db.metrics()
    assert m["ops"]["put"]["count"] == 5
    assert m["ops"]["put"]["errors"] == 0
    assert m["ops"]["get"]["count"] == 2
    assert m["ops"]["get"]["not_found"] == 1
    assert m["ops"]["get"]["errors"] == 0
    assert m["ops"]["get"]["p99_seconds"] <= m["ops"]["get"]["max_seconds"]
    assert m["records"]["sequence"] == 5
    assert m["recording"] is True
    stats = db.get_database_stats()
    assert stats["metrics"]["ops"]["put"]["count"] == 5


def test_prometheus_text_lines(db):
    db["sequence"].put("a", {})
    text = db.metrics_prometheus()
    typed = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            typed.add(line.split()[2])
            continue
        if line.startswith("#"):
            continue
        assert SAMPLE.match(line), line
        name = line.split("{")[0].split(" ")[0]
        assert name.startswith("spirapi_")
        assert name in typed or re.sub(r"_(sum|count)$", "", name) in typed, line
    assert 'spirapi_operations_total{op="put"} 1' in text


def test_recording_off(tmp_path):
    with spirapi.SpiraPiDatabase(tmp_path / "db", record_metrics=False,
                                 metrics_interval_seconds=0) as d:
        d["sequence"].put("a", {})
        assert d.metrics()["ops"]["put"]["count"] == 0
        assert d.metrics()["recording"] is False


def test_history_at_close_survives_reopen(tmp_path):
    path = tmp_path / "db"
    with spirapi.SpiraPiDatabase(path, sync=False, metrics_interval_seconds=1) as d:
        d["sequence"].put("a", {})
        deadline = time.time() + 10
        while not d.metrics_history() and time.time() < deadline:
            time.sleep(0.05)
        assert d.metrics_history()
    with spirapi.SpiraPiDatabase(path, read_only=True) as d:
        history = d.metrics_history()
        assert history[0]["ops"]["put"]["count"] == 1
        assert history[0]["resolution"] == "minute"
        assert history[-1]["records"]["sequence"] == 1
        hours = d.metrics_history(resolution="hour")
        assert all(s["resolution"] == "hour" for s in hours)
        assert sum(s["ops"].get("put", {}).get("count", 0) for s in hours) == 1
        assert d.metrics_history(since=time.time() + 3600) == []
        assert d.metrics_history(until=datetime.datetime(1971, 1, 1)) == []


def test_bad_arguments(db):
    with pytest.raises(spirapi.InvalidArgumentError):
        db.metrics_history(resolution="week")
    with pytest.raises(spirapi.InvalidTypeError):
        db.metrics_history(since="yesterday")
    with pytest.raises(spirapi.InvalidArgumentError):
        db.metrics_history(since=float("nan"))
    with pytest.raises(spirapi.InvalidArgumentError):
        db.metrics_history(since=10, until=5)


def test_bad_interval_option(tmp_path):
    with pytest.raises(spirapi.InvalidArgumentError):
        spirapi.SpiraPiDatabase(tmp_path / "db", metrics_interval_seconds=-5)
