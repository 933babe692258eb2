"""SpiraPiDatabase.plot_metric: charts of the metrics history as SVG text,
PNG bytes or files; unknown names, no history and bad arguments raise and
write nothing (docs/PLOTS.md, "The metrics history")."""

import datetime
import struct
import time
import xml.etree.ElementTree as ElementTree

import pytest

import spirapi

SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def history_path(tmp_path_factory):
    """A database whose writer stored at least one sample of 3 puts and a get."""
    path = tmp_path_factory.mktemp("plot_metric") / "db"
    with spirapi.SpiraPiDatabase(path, sync=False, metrics_interval_seconds=1) as d:
        for i in range(3):
            d["sequence"].put(f"k{i}", {"i": i})
        d["sequence"].get("k1")
        deadline = time.time() + 30
        while not d.metrics_history() and time.time() < deadline:
            time.sleep(0.05)
        assert d.metrics_history()
    return path


@pytest.fixture
def db(history_path):
    with spirapi.SpiraPiDatabase(history_path, read_only=True) as d:
        yield d


def texts(svg):
    return [t.text for t in ElementTree.fromstring(svg).iter(SVG_NS + "text")]


def test_names():
    assert "read_latency" in spirapi.METRIC_PLOT_NAMES
    assert "write_latency" in spirapi.METRIC_PLOT_NAMES
    assert "verify_throughput" in spirapi.METRIC_PLOT_NAMES
    assert len(set(spirapi.METRIC_PLOT_NAMES)) == len(spirapi.METRIC_PLOT_NAMES)


def test_svg_text_png_bytes_and_files(db, tmp_path):
    svg = db.plot_metric("read_latency")
    assert isinstance(svg, str)
    labels = texts(svg)
    assert "Read latency (get)" in labels
    assert "p50" in labels and "p99" in labels
    assert any(t and t.startswith("time (UTC), from ") for t in labels)
    n = len(db.metrics_history())
    assert len(db.metrics_history(since=datetime.timedelta(days=1))) == n
    assert any(t and t.startswith(f"{n} sample") for t in labels)

    png = db.plot_metric("put_throughput", format="png", width=640, height=300)
    assert isinstance(png, bytes)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (640, 300)

    assert db.plot_metric("disk_bytes", tmp_path / "disk.svg") is None
    assert "Disk use" in texts((tmp_path / "disk.svg").read_text())
    assert db.plot_metric("throughput", str(tmp_path / "t.png"), since=datetime.timedelta(hours=1),
                          resolution="hour") is None
    assert (tmp_path / "t.png").read_bytes()[:4] == b"\x89PNG"


def test_every_name_draws(db):
    for name in spirapi.METRIC_PLOT_NAMES:
        ElementTree.fromstring(db.plot_metric(name))


def test_no_history_in_range_is_not_found(db, tmp_path):
    target = tmp_path / "none.svg"
    with pytest.raises(spirapi.NotFoundError, match="no metrics history"):
        db.plot_metric("errors", target, since=time.time() + 3600)
    with pytest.raises(spirapi.NotFoundError):
        db.plot_metric("errors", since=datetime.timedelta(0))
    assert not target.exists()


def test_no_history_at_all(tmp_path):
    with spirapi.SpiraPiDatabase(tmp_path / "empty", metrics_interval_seconds=0) as d:
        with pytest.raises(spirapi.NotFoundError):
            d.plot_metric("read_latency", tmp_path / "r.svg")
    assert not (tmp_path / "r.svg").exists()


def test_bad_arguments_write_nothing(db, tmp_path):
    with pytest.raises(spirapi.InvalidArgumentError, match="unknown metric 'bogus'.*read_latency"):
        db.plot_metric("bogus", tmp_path / "b.svg")
    with pytest.raises(spirapi.InvalidArgumentError, match="any, minute, hour, day"):
        db.plot_metric("read_latency", tmp_path / "b.svg", resolution="week")
    with pytest.raises(spirapi.InvalidArgumentError, match=r"\.svg or \.png"):
        db.plot_metric("read_latency", tmp_path / "b.jpg")
    with pytest.raises(spirapi.InvalidArgumentError, match="pixels"):
        db.plot_metric("read_latency", tmp_path / "b.svg", width=10)
    with pytest.raises(spirapi.InvalidTypeError):
        db.plot_metric(5)
    with pytest.raises(spirapi.InvalidTypeError):
        db.plot_metric("read_latency", since="yesterday")
    assert list(tmp_path.iterdir()) == []
