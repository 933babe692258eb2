"""The result cache from Python: query(cache_ttl=...), pi.analyze(),
cache_stats(), purge_cache() and the counters in get_database_stats()
(docs/RESULT_CACHE.md)."""

import pytest

import spirapi
from spirapi import InvalidArgumentError, NotFoundError, NotSupportedError


@pytest.fixture
def db(tmp_path):
    with spirapi.SpiraPiDatabase(tmp_path / "db", sync=False) as d:
        yield d


def fill(db, n=10):
    for i in range(n):
        db["sequence"].put(f"r{i}", {"n": i})


def test_cached_query_is_served_until_the_component_changes(db):
    fill(db)
    q = {"n": {"$gte": 5}, "$sort": {"n": "desc"}}
    plain = list(db.query(q, "sequence", log=False))
    first = db.query(q, "sequence", cache_ttl=60)
    assert list(first) == plain
    assert not first.stats()["plan"].startswith("cached: ")
    second = db.query(q, "sequence", cache_ttl=60)
    assert list(second) == plain
    assert second.stats()["plan"].startswith("cached: ")
    db["metadata"].put("unrelated", 1)
    third = db.query(q, "sequence", cache_ttl=60)
    assert list(third) == plain and third.stats()["plan"].startswith("cached: ")
    db["sequence"].put("r99", {"n": 99})
    fresh = list(db.query(q, "sequence", cache_ttl=60))
    assert fresh[0]["data"] == {"n": 99}
    counters = db.get_database_stats()["result_cache"]
    assert counters["hits"] >= 2 and counters["stale"] == 1 and counters["stored"] == 2
    assert 0 < counters["hit_rate"] < 1


def test_cache_stats_and_purge(db):
    fill(db)
    list(db.query({"$count": True}, "sequence", cache_ttl=60))
    list(db.query({"$limit": 2}, "sequence", cache_ttl=60))
    stats = db.cache_stats()
    assert len(stats["entries"]) == 2
    entry = stats["entries"][0]
    assert entry["kind"] == "query" and not entry["stale"] and not entry["expired"]
    assert entry["inputs"][0]["component"] == "sequence"
    assert stats["counters"]["stored"] == 2
    assert db.purge_cache() == 0
    db["sequence"].put("x", 1)
    assert all(e["stale"] for e in db.cache_stats()["entries"])
    assert db.purge_cache(expired_only=True) == 0
    assert db.purge_cache() == 2
    assert db.cache_stats()["entries"] == []
    list(db.query({"$count": True}, "sequence", cache_ttl=60))
    assert db.purge_cache(all=True) == 1
    with pytest.raises(InvalidArgumentError):
        db.purge_cache(expired_only=True, all=True)


def test_bad_ttl_is_refused(db):
    with pytest.raises(InvalidArgumentError):
        db.query({}, "sequence", cache_ttl=-1)
    with pytest.raises(spirapi.InvalidTypeError):
        db.query({}, "sequence", cache_ttl="soon")
    assert db.cache_stats()["entries"] == []


def test_pi_analysis_is_cached(db):
    db.pi.compute(3000, "p")
    a = db.pi.analyze("p", 100, 1000, kgram=3)
    assert a["cached"] is False and a["count"] == 1000 and a["first"] == 100
    assert "digit_distribution" in a and "uniqueness" in a
    b = db.pi.analyze("p", 100, 1000, kgram=3)
    assert b["cached"] is True
    assert {k: v for k, v in a.items() if k != "cached"} == \
        {k: v for k, v in b.items() if k != "cached"}
    assert db.pi.analyze("p", 100, 1000, kgram=3, cache=False)["cached"] is False
    db.pi.compute(3000, "p")  # stored again: stale
    assert db.pi.analyze("p", 100, 1000, kgram=3)["cached"] is False
    with pytest.raises(NotFoundError):
        db.pi.analyze("nope")
    with pytest.raises(InvalidArgumentError):
        db.pi.analyze("p", 2999, 10)
    with pytest.raises(InvalidArgumentError):
        db.pi.analyze("p", count=0)


def test_read_only_serves_but_does_not_store(tmp_path):
    with spirapi.SpiraPiDatabase(tmp_path / "db", sync=False) as w:
        fill(w)
        list(w.query({"$count": True}, "sequence", cache_ttl=60))
    with spirapi.SpiraPiDatabase(tmp_path / "db", read_only=True) as r:
        hit = r.query({"$count": True}, "sequence", cache_ttl=60)
        assert list(hit) == [{"count": 10}] and hit.stats()["plan"].startswith("cached: ")
        assert list(r.query({"$limit": 1}, "sequence", cache_ttl=60))
        counters = r.cache_stats()["counters"]
        assert counters["hits"] == 1 and counters["stored"] == 0 and counters["skipped"] == 1
        assert len(r.cache_stats()["entries"]) == 1
        with pytest.raises(NotSupportedError):
            r.purge_cache()
