"""Queries from Python: db.query(), db.explain(), search() on the engine's
query language (docs/QUERY.md)."""

import threading

import pytest

import spirapi
from spirapi import StorageType


@pytest.fixture
def db(tmp_path):
    with spirapi.SpiraPiDatabase(tmp_path / "db", sync=False) as d:
        with d.transaction() as t:
            for i in range(3000):
                t.put("sequence", f"s{i:05d}", {"i": i, "even": i % 2 == 0,
                                                  "algo": ["chudnovsky", "bbp", "imported"][i % 3],
                                                  "score": i / 3000},
                      {"by": "me" if i < 10 else "you"})
        yield d


def test_rows_filters_sorting_projection(db):
    rows = list(db.query({"i": {"$lt": 5}, "$fields": ["@id", "i"]}, StorageType.SEQUENCE))
    assert rows == [{"@id": f"s{i:05d}", "i": i} for i in range(5)]
    top = list(db.query({"algo": "bbp", "$sort": {"score": "desc"}, "$limit": 2,
                         "$fields": ["i"]}, "sequence"))
    assert top == [{"i": 2998}, {"i": 2995}]
    whole = next(db.query({"@id": "s00007"}, "sequence"))
    assert whole["data"]["i"] == 7 and whole["metadata"] == {"by": "me"}
    assert whole["data_type"] == "sequence" and whole["version"] == 1
    assert list(db.query({"$count": True, "even": True}, "sequence")) == [{"count": 1500}]
    groups = list(db.query({"$group": {"by": "algo", "n": {"$count": True},
                                       "top": {"$max": "i"}}}, "sequence"))
    assert groups == [{"algo": "bbp", "n": 1000, "top": 2998},
                      {"algo": "chudnovsky", "n": 1000, "top": 2997},
                      {"algo": "imported", "n": 1000, "top": 2999}]
    assert list(db.query('{"i": 3, "$fields": ["i"]}', "sequence")) == [{"i": 3}]


def test_search_uses_the_query_language(db):
    found = db.search({"@metadata.by": "me", "i": {"$gte": 8}}, StorageType.SEQUENCE)
    assert [r.id for r in found] == ["s00008", "s00009"]
    assert found[0].data["i"] == 8 and found[0].metadata == {"by": "me"}
    assert len(db.search({"even": True}, "sequence", limit=3)) == 3
    db["cache"].put("b", {"x": 1}, blob=b"\x00\xff")
    assert db.search({"x": 1}, "cache")[0].blob == b"\x00\xff"


def test_bad_queries_raise_at_the_call(db):
    with pytest.raises(spirapi.InvalidArgumentError, match=r"i\.\$gt: needs a number"):
        db.query({"i": {"$gt": [1]}}, "sequence")
    with pytest.raises(spirapi.InvalidArgumentError, match="NaN"):
        db.query({"i": float("nan")}, "sequence")
    with pytest.raises(spirapi.InvalidArgumentError, match="key 1"):
        db.query({1: 2}, "sequence")
    with pytest.raises(spirapi.InvalidArgumentError, match="not both"):
        db.query({}, "sequence", schema="x")
    with pytest.raises(spirapi.InvalidArgumentError):
        db.query(["not", "a", "dict"], "sequence")
    it = db.query({}, schema="no-such-schema")
    with pytest.raises(spirapi.NotFoundError):
        next(it)


def test_explain_and_stats(db):
    assert db.explain({"i": 1, "$sort": ["-i"], "$limit": 3}, "sequence") == \
        "scan component sequence (no index); filter 1 condition; sort by i desc, top 3 in " \
        "memory; limit 3"
    result = db.query({"even": True, "$limit": 10}, "sequence")
    assert len(list(result)) == 10
    stats = result.stats()
    assert stats["done"] and stats["rows_returned"] == 10 and stats["rows_examined"] >= 19


def test_streams_from_one_snapshot(db):
    it = db.query({"$fields": ["@id"]}, "sequence")
    first = next(it)
    assert first == {"@id": "s00000"}
    db["sequence"].put("zzz", {"late": True})
    rest = list(it)
    assert len(rest) == 2999  # the late write is not seen


def test_abandoned_and_closed_queries(tmp_path):
    db = spirapi.SpiraPiDatabase(tmp_path / "db", sync=False)
    with db.transaction() as t:
        for i in range(5000):
            t.put("cache", f"k{i:05d}", i)
    abandoned = db.query({}, "cache")
    next(abandoned)
    del abandoned  # the worker stops; nothing leaks or hangs
    running = db.query({}, "cache")
    next(running)
    db.close()  # cancels the query rather than waiting for it to be read
    with pytest.raises(spirapi.InvalidArgumentError, match="closed"):
        list(running)


def test_schema_queries_and_threads(tmp_path):
    with spirapi.SpiraPiDatabase(tmp_path / "db") as db:
        db.pi.compute(20_000, id="pi-ids")
        db.schemas.create_schema("people", {"name": {"type": "string"},
                                            "age": {"type": "integer"}}, "structured")
        for name, age in [("Ada", 36), ("Bob", 17), ("Cy", 52)]:
            db.schemas.insert("people", {"name": name, "age": age})
        adults = [r["data"]["name"] for r in
                  db.query({"age": {"$gte": 18}, "$sort": {"age": 1}}, schema="people")]
        assert adults == ["Ada", "Cy"]
        results = []

        def run():
            results.append(list(db.query({"$count": True}, schema="people")))
        threads = [threading.Thread(target=run) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == [[{"count": 3}]] * 4
