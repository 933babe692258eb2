"""Cache warming from Python: the warm_cache_on_open option and the block
cache's figures in get_database_stats() (docs/CACHE.md)."""

import time

import pytest

import spirapi


def fill_and_heat(path):
    with spirapi.SpiraPiDatabase(path, sync=False, block_cache_bytes=4 << 20) as db:
        with db.transaction() as t:
            for i in range(1500):
                t.put("metadata", f"m{i:05d}", {"text": "x" * 900, "i": i})
        db.flush()
        for _ in range(2):
            for i in range(60):
                assert db.retrieve(f"m{i:05d}", "metadata") is not None


def wait_warmed(db):
    for _ in range(30000):
        stats = db.get_database_stats()
        if not stats["block_cache_warming"]:
            return stats
        time.sleep(0.001)
    pytest.fail("warming did not end")


def test_hot_blocks_are_loaded_at_open(tmp_path):
    path = tmp_path / "db"
    fill_and_heat(path)
    assert (path / "CACHE-WARM").exists()
    with spirapi.SpiraPiDatabase(path, block_cache_bytes=4 << 20) as db:
        stats = wait_warmed(db)
        assert stats["block_cache_blocks_to_warm"] > 0
        assert stats["block_cache_blocks_warmed"] == stats["block_cache_blocks_to_warm"]
        assert 0 < stats["block_cache_usage_bytes"] <= stats["block_cache_capacity_bytes"]
        assert stats["block_cache_capacity_bytes"] == 4 << 20
        for i in range(60):
            db.retrieve(f"m{i:05d}", "metadata")
        stats = db.get_database_stats()
        assert stats["block_cache_misses"] == 0 and stats["block_cache_hits"] == 60

    with spirapi.SpiraPiDatabase(path, warm_cache_on_open=False) as db:
        stats = db.get_database_stats()
        assert stats["block_cache_blocks_to_warm"] == 0
        assert stats["block_cache_warming"] is False


def test_damaged_warm_file_is_ignored(tmp_path):
    path = tmp_path / "db"
    fill_and_heat(path)
    (path / "CACHE-WARM").write_bytes(b"SPWARM01 and then garbage")
    with spirapi.SpiraPiDatabase(path) as db:
        stats = wait_warmed(db)
        assert stats["block_cache_blocks_to_warm"] == 0
        assert db.retrieve("m00001", "metadata") is not None


def test_bad_option_value(tmp_path):
    with pytest.raises(spirapi.InvalidArgumentError, match="warm_cache_on_open"):
        spirapi.SpiraPiDatabase(tmp_path / "db", warm_cache_on_open="yes")
    assert not (tmp_path / "db").exists()
