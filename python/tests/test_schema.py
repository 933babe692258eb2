"""spirapi.schema: SchemaManager over the engine's schemas."""

import json
import threading
import time
import types

import pytest

import spirapi
from spirapi import _spirapi
from spirapi.pi import PiStore
from spirapi.schema import (UNSET, FieldType, MigrationReport, RollbackReport, Schema,
                            SchemaChange, SchemaField, SchemaManager, SchemaRecord, SchemaZone)


@pytest.fixture
def raw(tmp_path):
    db = _spirapi.Database(str(tmp_path / "db"), {})
    # Records are named by π identifiers; 10**5 digits of their source
    # spare each test the 10**6 the engine would compute on first use.
    PiStore(db).compute(100_000, "pi-ids")
    yield db
    db.close()


@pytest.fixture
def m(raw):
    return SchemaManager(raw)


def people(m, zone=SchemaZone.STRUCTURED):
    return m.create_schema("people", [
        SchemaField("name", FieldType.STRING, required=True, max_length=20),
        SchemaField("age", FieldType.INTEGER, min_value=0, max_value=150),
        SchemaField("email", "string", unique=True, pattern=r"[^@]+@[^@]+"),
    ], zone=zone)


# --- the model ---

def test_enums():
    assert [z.value for z in SchemaZone] == ["structured", "flexible", "emergent", "temporal",
                                             "relational"]
    assert FieldType.PI_SEQUENCE == "pi_sequence"
    assert [t.value for t in FieldType] == [
        "string", "integer", "float", "boolean", "datetime", "json", "blob", "pi_sequence",
        "spiral_coordinate", "reference"]


def test_field_definitions():
    assert SchemaField("a", FieldType.STRING).to_definition() == {"type": "string"}
    f = SchemaField("a", FieldType.INTEGER, required=True, unique=True, default=0,
                    min_value=0, max_value=9, enum=[0, 1, 9])
    assert f.to_definition() == {"type": "integer", "required": True, "unique": True,
                                 "default": 0, "min_value": 0, "max_value": 9,
                                 "enum": [0, 1, 9]}
    assert SchemaField("a", "json", default=None).to_definition() == {"type": "json",
                                                                      "default": None}
    assert SchemaField("a", "json").default is UNSET and repr(UNSET) == "UNSET"
    ref = SchemaField("p", FieldType.REFERENCE, references="t", on_delete="cascade")
    assert ref.to_definition() == {"type": "reference", "references": "t",
                                   "on_delete": "cascade"}
    assert SchemaField.from_definition("a", f.to_definition()) == f
    assert SchemaField.from_definition("x", {"type": "future"}).type == "future"
    with pytest.raises(spirapi.InvalidArgumentError, match="bogus"):
        SchemaField.from_definition("a", {"type": "string", "bogus": 1})
    with pytest.raises(spirapi.InvalidArgumentError, match="no type"):
        SchemaField.from_definition("a", {})


def test_create_and_read_schemas(m, raw):
    s = people(m)
    assert isinstance(s, Schema)
    assert (s.name, s.zone, s.version) == ("people", SchemaZone.STRUCTURED, 1)
    assert s.fields["name"] == {"type": "string", "required": True, "max_length": 20}
    assert s.fields["email"] == {"type": "string", "unique": True, "pattern": "[^@]+@[^@]+"}
    assert s.validation_rules == {} and s.evolution_history == []
    assert m.get_schema("people") == s
    assert m.get_schema("nobody") is None
    m.create_schema("animals", {"kind": {"type": "string"}})
    assert m.get_schema("animals").zone == SchemaZone.FLEXIBLE
    m.create_schema("log", {"at": {"type": "datetime"}}, "temporal")
    assert [x.name for x in m.list_schemas()] == ["animals", "log", "people"]
    # to_dict is the stored definition (less the engine's unique-key marker).
    stored = json.loads(_spirapi.SchemaManager(raw).get_schema("people"))
    stored.pop("unique_keys", None)
    assert s.to_dict() == stored


def test_create_errors(m):
    people(m)
    with pytest.raises(spirapi.ConflictError):
        people(m)
    with pytest.raises(spirapi.InvalidArgumentError, match="nope"):
        m.create_schema("x", {"a": {"type": "nope"}})
    with pytest.raises(spirapi.InvalidArgumentError):
        m.create_schema("x", {"a": {"type": "integer", "min_value": 5, "max_value": 1}})
    with pytest.raises(spirapi.InvalidArgumentError):
        m.create_schema("bad name!", {})
    with pytest.raises(spirapi.InvalidArgumentError):
        m.create_schema("x", {}, zone="liquid")
    with pytest.raises(spirapi.InvalidArgumentError):
        m.create_schema("x", "a string")
    with pytest.raises(spirapi.InvalidArgumentError):
        m.create_schema("x", [SchemaField("a", "string"), SchemaField("a", "integer")])
    with pytest.raises(spirapi.InvalidArgumentError):
        m.create_schema("x", [{"a": {"type": "string"}}])
    with pytest.raises(spirapi.InvalidArgumentError):
        m.create_schema("x", {"a": {"type": "float", "default": float("nan")}})
    with pytest.raises(spirapi.InvalidArgumentError):
        m.create_schema("x", {1: {"type": "string"}})
    with pytest.raises(TypeError):
        m.create_schema(None, {})
    with pytest.raises(TypeError):
        m.create_schema("x", {}, zone=3)
    assert m.get_schema("x") is None


# --- evolution ---

def test_evolve(m):
    people(m)
    a = m.insert("people", {"name": "Ann", "age": 30})
    s = m.add_field("people", SchemaField("city", FieldType.STRING, default="Rome"),
                    reason="we moved")
    assert s.version == 2 and s.fields["city"] == {"type": "string", "default": "Rome"}
    change = s.evolution_history[-1]
    assert isinstance(change, SchemaChange)
    assert (change.action, change.field, change.version, change.reason) == ("add", "city", 2,
                                                                            "we moved")
    assert change.old_definition is None and change.new_definition == s.fields["city"]
    assert change.timestamp > 1.6e9
    assert m.get("people", a).data == {"name": "Ann", "age": 30, "city": "Rome"}
    s = m.rename_field("people", "city", "town")
    assert "town" in s.fields and "city" not in s.fields
    assert s.evolution_history[-1].new_name == "town"
    assert m.get("people", a).data["town"] == "Rome"
    s = m.alter_field("people", SchemaField("age", FieldType.INTEGER, min_value=18))
    assert s.fields["age"] == {"type": "integer", "min_value": 18}
    assert s.evolution_history[-1].old_definition == {"type": "integer", "min_value": 0,
                                                      "max_value": 150}
    s = m.drop_field("people", "town")
    assert "town" not in s.fields and m.get("people", a).data == {"name": "Ann", "age": 30}
    s = m.evolve("people", "add", definition=SchemaField("tag", "string"))
    assert s.version == 6 and "tag" in s.fields
    s = m.evolve("people", "add", "tag2", definition={"type": "string"}, reason="r")
    assert s.evolution_history[-1].to_dict() == {
        "action": "add", "field": "tag2", "old_definition": None,
        "new_definition": {"type": "string"}, "version": 7,
        "timestamp": s.evolution_history[-1].timestamp, "reason": "r"}


def test_evolve_errors(m):
    people(m)
    m.insert("people", {"name": "Kid", "age": 12})
    with pytest.raises(spirapi.InvalidArgumentError, match="violate"):
        m.alter_field("people", SchemaField("age", FieldType.INTEGER, min_value=18))
    with pytest.raises(spirapi.InvalidArgumentError):
        m.evolve("people", "frobnicate", "age")
    with pytest.raises(spirapi.InvalidArgumentError):
        m.drop_field("people", "nothing")
    with pytest.raises(spirapi.InvalidArgumentError):
        m.add_field("people", SchemaField("must", FieldType.STRING, required=True))
    with pytest.raises(spirapi.InvalidArgumentError):
        m.evolve("people", "add", "x", definition=["not", "a", "dict"])
    with pytest.raises(spirapi.NotFoundError):
        m.drop_field("nobody", "age")
    assert m.get_schema("people").version == 1


def test_rollback_with_violations(m):
    m.create_schema("items", [SchemaField("name", FieldType.STRING, required=True)],
                    zone="structured")
    old = m.insert("items", {"name": "a"})
    m.add_field("items", SchemaField("size", FieldType.INTEGER))
    new = m.insert("items", {"name": "b", "size": 3})
    with pytest.raises(spirapi.InvalidArgumentError, match=new) as caught:
        m.rollback("items", 1)
    report = caught.value.report
    assert report == RollbackReport(1, 1, 0, [f"{new}: size: not in version 1"])
    assert m.get_schema("items").version == 2  # nothing changed
    s, report = m.rollback("items", 1, force=True)
    assert report == RollbackReport(1, 1, 1, [f"{new}: size: not in version 1"])
    assert s.version == 3 and set(s.fields) == {"name"}
    last = s.evolution_history[-1]
    assert (last.action, last.to_version) == ("rollback", 1)
    assert set(last.old_definition) == {"name", "size"} and set(last.new_definition) == {"name"}
    assert last.to_dict()["to_version"] == 1
    assert m.get("items", new).data == {"name": "b"}
    assert m.get("items", old).data == {"name": "a"}


def test_rollback_without_violations_and_errors(m):
    m.create_schema("items", {"name": {"type": "string"}}, "structured")
    m.add_field("items", SchemaField("size", FieldType.INTEGER))
    s, report = m.rollback("items", 1)
    assert report == RollbackReport(0, 0, 0, []) and set(s.fields) == {"name"}
    with pytest.raises(spirapi.InvalidArgumentError) as caught:
        m.rollback("items", 99)
    assert not hasattr(caught.value, "report")
    with pytest.raises(spirapi.NotFoundError):
        m.rollback("nobody", 1)
    with pytest.raises(spirapi.InvalidArgumentError):
        m.rollback("items", -1)


def test_migrate(m):
    m.create_schema("r", {"n": {"type": "string"}}, "structured")
    ids = [m.insert("r", {"n": str(i)}) for i in range(3)]
    m.rename_field("r", "n", "name")
    m.insert("r", {"name": "new"})
    assert m.migrate("r") == MigrationReport(rewritten=3, current=1)
    assert all(m.get("r", i).schema_version == 2 for i in ids)
    assert m.migrate("r") == MigrationReport(0, 4)
    with pytest.raises(spirapi.NotFoundError):
        m.migrate("nobody")


# --- export and import ---

def test_export_import_round_trip(m):
    people(m)
    text = m.export_schema("people")
    doc = json.loads(text)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert doc["required"] == ["name"] and doc["additionalProperties"] is False
    assert doc["properties"]["age"]["minimum"] == 0
    copy = m.import_schema("people2", doc)
    original = m.get_schema("people")
    assert (copy.zone, copy.fields) == (original.zone, original.fields)
    again = m.import_schema("people3", text)  # the JSON text works too
    assert again.fields == original.fields
    sql = m.export_schema("people", "sql")
    assert sql.startswith('CREATE TABLE "people"') and '"name" TEXT NOT NULL' in sql


def test_export_import_errors(m):
    people(m)
    with pytest.raises(spirapi.InvalidArgumentError, match="json_schema, sql"):
        m.export_schema("people", "xml")
    with pytest.raises(spirapi.NotFoundError):
        m.export_schema("nobody")
    with pytest.raises(spirapi.InvalidArgumentError, match="oneOf"):
        m.import_schema("x", {"type": "object", "properties": {}, "oneOf": []})
    with pytest.raises(spirapi.InvalidArgumentError):
        m.import_schema("x", "{not json")
    with pytest.raises(spirapi.InvalidArgumentError):
        m.import_schema("x", {"type": "object", "properties": {"a": {"maximum": float("inf")}}})
    with pytest.raises(spirapi.ConflictError):
        m.import_schema("people", json.loads(m.export_schema("people")))


# --- records ---

def test_insert_get_update_delete(m, raw):
    people(m)
    a = m.insert("people", {"name": "Ann", "age": 30, "email": "ann@x.org"})
    assert PiStore(raw).resolve_id(a).position > 0  # a π identifier
    r = m.get("people", a)
    assert isinstance(r, SchemaRecord)
    assert (r.id, r.data, r.schema_version) == (a, {"name": "Ann", "age": 30,
                                                     "email": "ann@x.org"}, 1)
    assert (r.valid_from, r.valid_to, r.deleted) == (0.0, 0.0, False)
    m.update("people", a, types.MappingProxyType({"name": "Ann B", "age": 31}))
    assert m.get("people", a).data == {"name": "Ann B", "age": 31}
    assert m.delete("people", a) == [f"people/{a}"]
    assert m.get("people", a) is None
    with pytest.raises(spirapi.NotFoundError):
        m.delete("people", a)
    with pytest.raises(spirapi.NotFoundError):
        m.update("people", a, {"name": "x"})
    with pytest.raises(spirapi.NotFoundError):
        m.get("nobody", a)
    with pytest.raises(spirapi.NotFoundError):
        m.insert("nobody", {})


def test_values_round_trip_exactly(m):
    m.create_schema("any", {})  # flexible: fields are added as they come
    value = {"big": 2 ** 63 - 1, "small": -2 ** 63, "u64": 2 ** 64 - 1, "tenth": 0.1,
             "tiny": 5e-324, "nested": {"list": [1, 2.5, None, True, "x"], "e": {}},
             "text": "é\u2603\U0001F600\n\"", "flag": False}
    r = m.get("any", m.insert("any", value))
    assert r.data == value
    assert type(r.data["big"]) is int and type(r.data["tenth"]) is float
    s = m.get_schema("any")
    assert s.fields["big"] == {"type": "integer"} and s.fields["nested"] == {"type": "json"}
    assert s.evolution_history[0].action == "add"


def test_strict_json(m):
    m.create_schema("any", {})
    for bad in [{"x": float("nan")}, {"x": float("inf")}, {"x": {1: "a"}}, {"x": {1, 2}},
                {"x": b"bytes"}, {"x": object()}, {"\ud800": 1}, {"x": "\udc00"}]:
        with pytest.raises(spirapi.InvalidArgumentError):
            m.insert("any", bad)
    for bad in [None, [1, 2], "{}", 42]:
        with pytest.raises(spirapi.InvalidArgumentError):
            m.insert("any", bad)
    deep = []
    for _ in range(600):
        deep = [deep]
    with pytest.raises(spirapi.InvalidArgumentError, match="deeper"):
        m.insert("any", {"x": deep})
    loop = {}
    loop["self"] = loop
    with pytest.raises(spirapi.InvalidArgumentError):
        m.insert("any", loop)
    assert m.find("any") == []


def test_validation(m):
    people(m)
    with pytest.raises(spirapi.InvalidArgumentError, match="name"):
        m.insert("people", {"age": 3})
    with pytest.raises(spirapi.InvalidArgumentError, match="age"):
        m.insert("people", {"name": "x", "age": 200})
    with pytest.raises(spirapi.InvalidArgumentError, match="email"):
        m.insert("people", {"name": "x", "email": "no at sign"})
    with pytest.raises(spirapi.InvalidArgumentError, match="extra: not in schema"):
        m.insert("people", {"name": "x", "extra": 1})
    m.insert("people", {"name": "x", "email": "a@b"})
    with pytest.raises(spirapi.InvalidArgumentError, match="already used"):
        m.insert("people", {"name": "y", "email": "a@b"})
    assert len(m.find("people")) == 1


def test_insert_many(m, raw):
    people(m)
    first = m.insert("people", {"name": "Ann"})
    rows = ({"name": f"p{i}", "age": i, "email": f"p{i}@x"} for i in range(25))
    ids = m.insert_many("people", rows, batch=10)  # a generator, read once
    assert len(ids) == 25 and len(set(ids)) == 25
    positions = [PiStore(raw).resolve_id(i).position for i in [first] + ids]
    assert positions == sorted(positions)  # taken in order
    for i, id in enumerate(ids):
        assert m.get("people", id).data == {"name": f"p{i}", "age": i, "email": f"p{i}@x"}
    assert m.insert_many("people", []) == []
    assert m.insert_many("people", [types.MappingProxyType({"name": "M"})]) != []
    assert len(m.find("people")) == 27


def test_insert_many_stops_at_a_refused_record(m):
    people(m)
    rows = [{"name": f"p{i}", "email": f"p{i}@x"} for i in range(7)]
    rows[5]["age"] = -1
    with pytest.raises(spirapi.InvalidArgumentError,
                       match=r"^record 5: record rejected by schema 'people': age: -1") as e:
        m.insert_many("people", rows, batch=2)
    assert e.value.index == 5
    assert len(e.value.inserted) == 4  # the batches before it; its own is not
    assert {r.data["name"] for r in m.find("people")} == {"p0", "p1", "p2", "p3"}
    del rows[5]["age"]
    assert len(m.insert_many("people", rows[len(e.value.inserted):])) == 3
    # Unique values are checked between the records of a batch too.
    with pytest.raises(spirapi.InvalidArgumentError,
                       match="record 1: .* is already used by record 0 of this batch"):
        m.insert_many("people", [{"name": "a", "email": "z@x"}, {"name": "b", "email": "z@x"}])
    # Values JSON cannot hold, and records that are not dicts, are named.
    with pytest.raises(spirapi.InvalidArgumentError, match="record 1"):
        m.insert_many("people", [{"name": "a"}, {"name": float("nan")}])
    with pytest.raises(spirapi.InvalidArgumentError, match="record 2 must be a dict"):
        m.insert_many("people", [{"name": "a"}, {"name": "b"}, [1]])
    with pytest.raises(TypeError):
        m.insert_many("people", {"name": "a"})
    with pytest.raises(spirapi.InvalidArgumentError):
        m.insert_many("people", [{"name": "a"}], batch=0)
    with pytest.raises(spirapi.NotFoundError):
        m.insert_many("nobody", [{}])
    assert len(m.find("people")) == 7


def test_insert_many_zones(m):
    m.create_schema("notes", {"title": {"type": "string"}})  # flexible
    a, b = m.insert_many("notes", [{"title": "t", "tag": "x"}, {"tag": "y", "n": 1}])
    s = m.get_schema("notes")
    assert s.version == 3 and s.fields["tag"] == {"type": "string"}
    assert [c.reason for c in s.evolution_history] == [f"record {a} has tag = \"x\"",
                                                       f"record {b} has n = 1"]
    m.create_schema("prices", {"cents": {"type": "integer"}}, SchemaZone.TEMPORAL)
    ids = m.insert_many("prices", [{"cents": 1}, {"cents": 2}])
    assert [len(m.history("prices", i)) for i in ids] == [1, 1]
    m.create_schema("parent", {"n": {"type": "string"}}, "relational")
    m.create_schema("child", [SchemaField("p", FieldType.REFERENCE, references="parent")],
                    "relational")
    p = m.insert("parent", {"n": "x"})
    with pytest.raises(spirapi.InvalidArgumentError, match="record 1: .*does not exist"):
        m.insert_many("child", [{"p": p}, {"p": "141592653589-999"}])
    m.insert_many("child", [{"p": p}, {"p": p}])
    with pytest.raises(spirapi.InvalidArgumentError):
        m.delete("parent", p)  # restricted by both


def test_find(m):
    people(m)
    ids = [m.insert("people", {"name": n, "age": a})
           for n, a in [("Ann", 30), ("Bob", 30), ("Cid", 40)]]
    assert [r.id for r in m.find("people")] == sorted(ids)
    assert [r.data["name"] for r in m.find("people", {"age": 30})] == ["Ann", "Bob"]
    assert [r.data["name"] for r in m.find("people", age=30.0)] == ["Ann", "Bob"]
    assert [r.data["name"] for r in m.find("people", {"age": 30}, name="Bob")] == ["Bob"]
    assert m.find("people", {"age": "30"}) == []  # a string never equals a number
    assert m.find("people", where={"name": "Zed"}) == []
    with pytest.raises(spirapi.InvalidArgumentError, match="nope"):
        m.find("people", nope=1)
    with pytest.raises(spirapi.InvalidArgumentError):
        m.find("people", age=float("nan"))
    with pytest.raises(spirapi.InvalidArgumentError):
        m.find("people", ["age", 30])
    with pytest.raises(spirapi.NotFoundError):
        m.find("nobody")


def test_zones(m):
    m.create_schema("e", {"v": {"type": "integer"}}, SchemaZone.EMERGENT)
    m.insert("e", {"v": 1})
    m.insert("e", {"v": "x"})
    change = m.get_schema("e").evolution_history[-1]
    assert (change.action, change.old_definition, change.new_definition) == (
        "widen", {"type": "integer"}, {"type": "string"})
    assert sorted(r.data["v"] for r in m.find("e")) == ["1", "x"]
    m.create_schema("parent", {"n": {"type": "string"}}, "relational")
    m.create_schema("child", [SchemaField("p", FieldType.REFERENCE, references="parent",
                                          on_delete="cascade")], "relational")
    m.create_schema("pet", [SchemaField("owner", FieldType.REFERENCE, references="parent")],
                    "relational")
    p = m.insert("parent", {"n": "x"})
    c = m.insert("child", {"p": p})
    with pytest.raises(spirapi.InvalidArgumentError):
        m.insert("child", {"p": "141592653589-999"})  # no such parent
    assert m.delete("parent", p) == [f"parent/{p}", f"child/{c}"]
    q = m.insert("parent", {"n": "y"})
    m.insert("pet", {"owner": q})
    with pytest.raises(spirapi.InvalidArgumentError):
        m.delete("parent", q)  # restricted


def test_temporal(m):
    m.create_schema("hist", {"v": {"type": "integer"}}, SchemaZone.TEMPORAL)
    before = time.time() - 60
    i = m.insert("hist", {"v": 1})
    time.sleep(0.01)
    m.update("hist", i, {"v": 2})
    time.sleep(0.01)
    assert m.delete("hist", i) == [f"hist/{i}"]
    versions = m.history("hist", i)
    assert [(v.data, v.deleted) for v in versions] == [({"v": 1}, False), ({"v": 2}, False),
                                                      ({}, True)]
    assert versions[0].valid_to == versions[1].valid_from > versions[0].valid_from
    assert versions[1].valid_to == versions[2].valid_from and versions[2].valid_to == 0.0
    first = (versions[0].valid_from + versions[0].valid_to) / 2
    second = (versions[1].valid_from + versions[1].valid_to) / 2
    assert m.get_as_of("hist", i, first).data == {"v": 1}
    assert m.get_as_of("hist", i, second).data == {"v": 2}
    assert m.get_as_of("hist", i, time.time() + 1) is None  # deleted by then
    assert m.get_as_of("hist", i, before) is None  # not yet written
    assert m.get("hist", i) is None
    assert [r.data for r in m.find_as_of("hist", {"v": 1}, first)] == [{"v": 1}]
    assert m.find_as_of("hist", {"v": 1}, second) == []
    assert [r.data for r in m.find_as_of("hist", None, second)] == [{"v": 2}]
    with pytest.raises(spirapi.NotFoundError):
        m.get_as_of("nobody", i, first)
    with pytest.raises(spirapi.InvalidArgumentError):
        m.get_as_of("hist", i, float("nan"))
    with pytest.raises(spirapi.InvalidArgumentError):
        m.get_as_of("hist", i, 10 ** 400)
    with pytest.raises(TypeError):
        m.find_as_of("hist", None, "now")
    people(m)
    with pytest.raises(spirapi.InvalidArgumentError, match="temporal"):
        m.history("people", i)
    with pytest.raises(spirapi.InvalidArgumentError, match="temporal"):
        m.find_as_of("people", {}, first)


# --- threads, lifetime, bad input ---

def test_inserts_from_threads(m):
    m.create_schema("t", [SchemaField("n", FieldType.INTEGER, unique=True),
                          SchemaField("k", FieldType.STRING, unique=True)], "structured")
    results, refused, failures = [], [], []

    def work(seed):
        try:
            for i in range(20):
                results.append(m.insert("t", {"n": seed * 1000 + i}))
                try:  # every thread tries the same unique value: one wins
                    m.insert("t", {"k": f"shared-{i}"})
                except spirapi.InvalidArgumentError:
                    refused.append(i)
        except Exception as e:  # noqa: BLE001 - reported below
            failures.append(repr(e))

    threads = [threading.Thread(target=work, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert len(set(results)) == 80
    assert len(refused) == 20 * 3
    assert len(m.find("t")) == 80 + 20
    assert all(len(m.find("t", k=f"shared-{i}")) == 1 for i in range(20))


def test_bad_arguments(m):
    people(m)
    with pytest.raises(TypeError):
        m.get("people", None)
    with pytest.raises(TypeError):
        m.insert(None, {})
    with pytest.raises(TypeError):
        m.evolve("people", "add", 5)
    with pytest.raises(TypeError):
        m.add_field("people", {"name": "x", "type": "string"})
    with pytest.raises(TypeError):
        m.alter_field("people", "age")
    with pytest.raises(TypeError):
        m.delete("people", 141592653589)
    with pytest.raises(TypeError):
        m.rollback("people", "1")
    with pytest.raises(spirapi.InvalidArgumentError):
        m.rollback("people", 2 ** 64)


def test_needs_a_database():
    with pytest.raises(TypeError):
        SchemaManager(None)
    with pytest.raises(TypeError):
        _spirapi.SchemaManager(object())


def test_closed_database(tmp_path):
    db = _spirapi.Database(str(tmp_path / "db"), {})
    manager = SchemaManager(db)
    manager.create_schema("s", {})
    db.close()
    with pytest.raises(spirapi.InvalidArgumentError, match="closed"):
        manager.get_schema("s")
    with pytest.raises(spirapi.InvalidArgumentError, match="closed"):
        manager.rollback("s", 1)


def test_reopen_sees_the_schemas(tmp_path):
    db = _spirapi.Database(str(tmp_path / "db"), {})
    PiStore(db).compute(100_000, "pi-ids")
    manager = SchemaManager(db)
    people(manager)
    a = manager.insert("people", {"name": "Ann"})
    db.close()
    db = _spirapi.Database(str(tmp_path / "db"), {})
    try:
        manager = SchemaManager(db)
        assert manager.get("people", a).data == {"name": "Ann"}
        assert manager.get_schema("people").fields["name"]["required"] is True
    finally:
        db.close()


def test_integers_beyond_64_bits_are_refused_not_rounded(m):
    # A schema record's values are typed (integers are 64-bit): a bigger
    # integer would have been stored as the nearest double, another number.
    m.create_schema("big", {"j": {"type": "json"}, "n": {"type": "integer"}},
                    SchemaZone.FLEXIBLE)
    for record in ({"j": {"x": 2**70}}, {"n": -(2**63) - 1}, {"extra": [2**64]}):
        with pytest.raises(spirapi.InvalidArgumentError, match="does not fit in 64 bits"):
            m.insert("big", record)
    assert m.find("big") == []
    rid = m.insert("big", {"j": {"x": 2**63 - 1, "f": 0.1}, "n": -(2**63)})
    got = m.get("big", rid)
    assert got.data == {"j": {"x": 2**63 - 1, "f": 0.1}, "n": -(2**63)}
