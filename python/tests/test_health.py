"""Health checks: db.check_health() and spirapi.check_health(path)."""

import json
import os
import subprocess

import pytest

import spirapi

CHECKS = ["disk_space", "disk_growth", "last_verify", "damage_at_open", "sampled_verify",
          "write_errors", "journal_backlog", "compaction_debt", "journal_tails",
          "cache_hit_rate", "cache_trend", "error_rate", "retry_rate", "slow_queries",
          "backups", "journal_archive"]


@pytest.fixture
def db(tmp_path):
    with spirapi.SpiraPiDatabase(tmp_path / "db", sync=False) as d:
        yield d


def finding(report, check):
    return next(f for f in report["findings"] if f["check"] == check)


def test_report_shape(db):
    for i in range(20):
        db["sequence"].put(f"r{i}", {"i": i})
    report = db.check_health()
    assert [f["check"] for f in report["findings"]] == CHECKS
    assert report["overall"] in spirapi.health.SEVERITIES
    worst = max(spirapi.health.SEVERITIES.index(f["severity"]) for f in report["findings"])
    assert report["overall"] == spirapi.health.SEVERITIES[worst]
    assert isinstance(report["time"], float) and report["time"] > 1.7e9
    for f in report["findings"]:
        assert set(f) == {"check", "severity", "message", "recommendation"}
        assert f["message"]
    assert finding(report, "last_verify")["message"] == "never verified"
    assert finding(report, "sampled_verify")["message"].startswith("no records sampled")


def test_verify_is_recorded_and_sampling(db):
    for i in range(30):
        db["cache"].put(f"r{i}", {"i": i})
    db.flush()
    result = db.verify()
    f = finding(db.check_health(), "last_verify")
    assert f["severity"] == "ok"
    assert f"{result['records_checked']} records, no damage" in f["message"]
    assert db["metadata"].get("~verify/last") is not None
    sampled = finding(db.check_health(sample_records=10), "sampled_verify")
    assert sampled["message"] == "10 records read at random: no damage"


def test_module_level_check_beside_a_writer(db):
    db["sequence"].put("a", {"x": 1})
    report = spirapi.check_health(db.path, sample_records=5)
    assert [f["check"] for f in report["findings"]] == CHECKS
    assert "records read at random" in finding(report, "sampled_verify")["message"]


def test_bad_arguments(db, tmp_path):
    with pytest.raises(spirapi.InvalidTypeError):
        db.check_health(sample_records="3")
    with pytest.raises(spirapi.InvalidTypeError):
        db.check_health(sample_records=True)
    with pytest.raises(spirapi.InvalidArgumentError):
        db.check_health(sample_records=-1)
    with pytest.raises(spirapi.InvalidArgumentError):
        spirapi.check_health(tmp_path / "nothing-here")


def test_closed_database_raises(tmp_path):
    d = spirapi.SpiraPiDatabase(tmp_path / "db")
    d.close()
    with pytest.raises(spirapi.InvalidArgumentError):
        d.check_health()


def test_cli_agrees(db):
    cli = os.environ.get("SPIRAPI_CLI")
    if not cli:
        pytest.skip("SPIRAPI_CLI is not set")
    db["sequence"].put("a", {"x": 1})
    run = subprocess.run([cli, "health", db.path, "--json"], capture_output=True, text=True,
                         check=False)
    assert run.returncode in (0, 5, 6), run.stderr
    report = json.loads(run.stdout)
    assert [f["check"] for f in report["findings"]] == CHECKS
    assert run.returncode == {"ok": 0, "warning": 5, "critical": 6}[report["overall"]]
