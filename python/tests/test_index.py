"""Secondary indexes from Python: create, use, list, verify, drop."""

import pytest

import spirapi
from spirapi import StorageType


@pytest.fixture
def db(tmp_path):
    with spirapi.SpiraPiDatabase(str(tmp_path / "db")) as d:
        cache = d[StorageType.CACHE]
        for i in range(300):
            cache.put(f"r{i:03d}", {"n": i % 30, "s": f"v{i % 4}", "f": i / 7})
        yield d


def test_create_query_list_verify_drop(db):
    seen = []
    db.create_index("by_n", "n", StorageType.CACHE, progress=seen.append)
    assert seen and seen[-1] == 1.0
    db.create_index("by_s_n", ["s", "n"], "cache", type="hash")
    rows = list(db.query({"n": {"$gte": 3, "$lt": 5}, "$fields": ["@id"]}, StorageType.CACHE))
    assert len(rows) == 20
    assert rows == sorted(rows, key=lambda r: r["@id"])  # id order, as a scan gives
    plan = db.explain({"n": 3}, StorageType.CACHE)
    assert "by index by_n" in plan and "10 of 300 entries" in plan
    indexes = db.list_indexes()
    assert [i["name"] for i in indexes] == ["by_n", "by_s_n"]
    assert indexes[0]["state"] == "ready" and indexes[0]["entries"] == 300
    assert indexes[1]["type"] == "hash" and indexes[1]["fields"] == ["s", "n"]
    db[StorageType.CACHE].put("r001", {"n": 999})
    assert db[StorageType.CACHE].delete("r002")
    assert db.verify_indexes() == []
    assert [r["@id"] for r in db.query({"n": 999, "$fields": ["@id"]}, "cache")] == ["r001"]
    db.drop_index("by_s_n")
    assert [i["name"] for i in db.list_indexes()] == ["by_n"]


def test_errors(db):
    with pytest.raises(spirapi.InvalidArgumentError):
        db.create_index("bad/name", "n", "cache")
    with pytest.raises(spirapi.InvalidArgumentError):
        db.create_index("x", "n", "cache", type="rtree")
    with pytest.raises(spirapi.InvalidArgumentError):
        db.create_index("x", [], "cache")
    with pytest.raises(spirapi.InvalidTypeError):
        db.create_index("x", [1], "cache")
    with pytest.raises(spirapi.NotFoundError):
        db.drop_index("missing")
    with pytest.raises(spirapi.InvalidArgumentError):
        db[StorageType.INDEX].put("~ix/a/b", 1)
    assert db.list_indexes() == []


def test_cancelled_build_then_rebuild(db):
    cache = db[StorageType.CACHE]
    for i in range(2500):  # more than one build batch of 1000
        cache.put(f"x{i}", {"f": i})
    with pytest.raises(spirapi.CancelledError):
        db.create_index("by_f", "f", "cache", progress=lambda f: False)
    assert db.list_indexes()[0]["state"] == "building"
    db.rebuild_index("by_f")
    assert db.list_indexes()[0]["state"] == "ready"
    assert db.verify_indexes("by_f") == []


def test_spiral_index_answers_within(db):
    points = db[StorageType.SEQUENCE]
    for x in range(-10, 11):
        for y in range(-10, 11):
            points.put(f"p{x}_{y}", {"spiral_coordinate": [x, y]})
    box = {"spiral_coordinate": {"$within": {"box": [-2, -1, 2, 1]}}, "$count": True}
    disc = {"spiral_coordinate": {"$within": {"disc": [0, 0, 2]}}, "$count": True}
    before = (list(db.query(box, "sequence")), list(db.query(disc, "sequence")))
    db.create_index("at", "spiral_coordinate", "sequence", type="spiral")
    assert "by index at (spiral" in db.explain(box, "sequence")
    assert (list(db.query(box, "sequence")), list(db.query(disc, "sequence"))) == before
    assert before == ([{"count": 15}], [{"count": 13}])


def test_similarity_index_answers_contains_and_near(db):
    digits = db[StorageType.SEQUENCE]
    pi = "31415926535897932384626433832795028841971693993751058209749445923078164062862089986280"
    for i in range(200):
        digits.put(f"d{i:03d}", {"digits": pi[i % 60:i % 60 + 20] if i % 3 else f"{i * 7919:020d}"})
    queries = [
        {"digits": {"$contains": "26535"}, "$fields": ["@id"]},
        {"digits": {"$near": {"pattern": "9265358x", "distance": 1}}, "$fields": ["@id"]},
        {"digits": {"$near": {"pattern": "141", "distance": 0}}, "$count": True},
    ]
    before = [list(db.query(q, "sequence")) for q in queries]
    db.create_index("by_digits", "digits", "sequence", type="similarity")
    info = db.list_indexes()[0]
    assert info["type"] == "similarity" and info["entries"] > 200
    assert "by index by_digits (similarity on digits)" in db.explain(queries[0], "sequence")
    assert "needs patterns of at least 4 bytes" in db.explain(queries[2], "sequence")
    assert [list(db.query(q, "sequence")) for q in queries] == before
    assert before[0] and before[1] and before[2][0]["count"] > 0
    digits.put("d001", {"digits": "0000"})
    assert db.verify_indexes("by_digits") == []
    with pytest.raises(spirapi.InvalidArgumentError, match=r"\$near.distance"):
        list(db.query({"digits": {"$near": {"pattern": "31", "distance": 2}}}, "sequence"))


def test_advise_indexes(db):
    cache = db[StorageType.CACHE]
    for i in range(2000):
        cache.put(f"m{i:04d}", {"m": i})
    for _ in range(5):
        assert len(list(db.query({"m": 17}, "cache"))) == 1  # logged by default
    advice = db.advise_indexes(budget_mib=16)
    assert [s["fields"] for s in advice["create"]] == [["m"]]
    pick = advice["create"][0]
    assert pick["type"] == "btree" and pick["queries"] == 5
    assert advice["estimated_bytes"] <= advice["budget_bytes"]
    assert db.list_indexes() == []  # advice alone writes nothing
    assert db.advise_indexes(budget_mib=0.001)["create"] == []
    db.advise_indexes(budget_mib=16, apply=True)
    assert [i["name"] for i in db.list_indexes()] == [pick["name"]]
    assert "by index " + pick["name"] in db.explain({"m": 17}, StorageType.CACHE)
    with pytest.raises(spirapi.InvalidArgumentError):
        db.advise_indexes(budget_mib=-1)
    with pytest.raises(spirapi.InvalidTypeError):
        db.advise_indexes(budget_mib="big")


def test_schema_index(db):
    schemas = db.schemas
    schemas.create_schema("people", {"age": {"type": "integer"}}, zone="structured")
    for i in range(40):
        schemas.insert("people", {"age": i % 10})
    db.create_index("people_age", "age", schema="people")
    listed = [i for i in db.list_indexes() if i["name"] == "people_age"]
    assert listed[0]["schema"] == "people" and listed[0]["entries"] == 40
    assert "schema people by index people_age" in db.explain({"age": 3}, schema="people")
    rows = list(db.query({"age": 3}, schema="people"))
    assert len(rows) == 4 and all(r["data"]["age"] == 3 for r in rows)
    assert db.verify_indexes() == []
