"""Cleanup by age (cleanup_database) and compression optimization
(set_compression, recompress)."""

import time

import pytest

import spirapi


@pytest.fixture
def db(tmp_path):
    with spirapi.SpiraPiDatabase(tmp_path / "db", sync=False) as d:
        yield d


def test_cleanup_deletes_old_user_records_and_keeps_internal_ones(db):
    db.create_index("cache_n", "n", "cache")
    for i in range(30):
        db["cache"].put(f"old{i}", {"n": i})
    db["sequence"].put("seq/pi-9", {})  # the pi store's layout: internal
    db.schemas.create_schema("s", {"a": {"type": "integer"}}, "flexible")
    time.sleep(1.0)  # a margin that a loaded machine cannot eat
    db["cache"].put("new", {"n": 100})
    db["cache"].put("old3", {"n": 3})  # rewritten: young again
    days = 0.5 / 86400

    dry = db.cleanup_database(older_than_days=days, dry_run=True)
    assert dry["dry_run"] is True
    assert dry["deleted"] == 29
    assert db.count("cache") == 31

    result = db.cleanup_database(days, "cache", batch=4)
    assert result["deleted"] == 29
    assert result["components"]["cache"] == 29
    assert result["skipped"] == 0
    assert result["cutoff"] < time.time()
    assert sorted(r.id for r in db.scan("cache")) == ["new", "old3"]
    assert db["sequence"].get("seq/pi-9") is not None
    assert db.schemas.get_schema("s") is not None
    assert db.verify_indexes("cache_n") == []
    assert len(list(db.query({"n": {"$gte": 0}}, "cache"))) == 2  # served by the index

    # Everything is internal or young now.
    assert db.cleanup_database(days)["deleted"] == 0


@pytest.mark.parametrize("bad", [0, -1, float("nan"), "1", None, True])
def test_cleanup_rejects_bad_ages(db, bad):
    with pytest.raises(spirapi.InvalidArgumentError):
        db.cleanup_database(older_than_days=bad)


def test_cleanup_bad_arguments(db):
    with pytest.raises(spirapi.InvalidArgumentError):
        db.cleanup_database(1, batch=0)
    with pytest.raises(spirapi.Error):
        db.cleanup_database(1, "nope")


def test_recompress_changes_settings_and_keeps_records(tmp_path):
    path = tmp_path / "db"
    with spirapi.SpiraPiDatabase(path, compression_level=0, sync=False) as d:
        for i in range(1000):
            d["sequence"].put(f"k{i}", {"i": i, "digits": "31415926535897932384626433"})
        d.set_compression(codec="none")
        d.compact()
        out = d.recompress(level=9, codec="zstd")
        assert out["codec"] == "zstd" and out["level"] == 9
        assert out["after_bytes"] * 2 < out["before_bytes"]
        assert d["sequence"].get("k777").data["i"] == 777
        with pytest.raises(spirapi.InvalidArgumentError):
            d.set_compression(level=10)
        with pytest.raises(spirapi.InvalidArgumentError):
            d.set_compression(codec="brotli")
        stats = d.get_database_stats()
        assert (stats["compression_codec"], stats["compression_level"]) == ("zstd", 9)
        again = d.recompress()
        assert again["level"] == 9
    with spirapi.SpiraPiDatabase(path) as d:
        stats = d.get_database_stats()
        assert (stats["compression_codec"], stats["compression_level"]) == ("zstd", 9)
        assert d.verify()["clean"]


def test_read_only_refuses_but_dry_run_works(tmp_path):
    path = tmp_path / "db"
    with spirapi.SpiraPiDatabase(path) as d:
        d["cache"].put("k", {})
    with spirapi.SpiraPiDatabase(path, read_only=True) as d:
        with pytest.raises(spirapi.NotSupportedError):
            d.cleanup_database(1)
        with pytest.raises(spirapi.NotSupportedError):
            d.set_compression(level=5)
        assert d.cleanup_database(1, dry_run=True)["deleted"] == 0
