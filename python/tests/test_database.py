"""SpiraPiDatabase: records, components, scans, transactions, snapshots,
errors, options, threads and interruption."""

import _thread
import json
import math
import os
import subprocess
import sys
import threading

import pytest

import spirapi
from spirapi import StorageRecord, StorageType


@pytest.fixture
def db(tmp_path):
    with spirapi.SpiraPiDatabase(tmp_path / "db", sync=False) as d:
        yield d


AWKWARD_VALUES = [
    None, True, False, 0, -1, 2**64, -(2**200), 10**300, 0.1, -0.0, 1e308, 5e-324,
    1.7976931348623157e308, 3.0, "", "é ü ß 漢字 🎉", "quote \" backslash \\ nul \x00 tab \t",
    [], {}, [1, [2, [3, [4]]]], {"a": {"b": {"c": [None, {"d": "e"}]}}},
    {"unicode key é": 1, "": "empty key"}, (1, 2, 3),
]


@pytest.mark.parametrize("value", AWKWARD_VALUES, ids=range(len(AWKWARD_VALUES)))
def test_values_round_trip_exactly(db, value):
    db["cache"].put("k", value, {"m": value} if value is not None else None)
    got = db["cache"]["k"]
    expected = list(value) if isinstance(value, tuple) else value
    assert got.data == expected
    assert type(got.data) is type(expected)
    if isinstance(value, float):
        assert math.copysign(1, got.data) == math.copysign(1, value)
    if value is not None:
        assert got.metadata == {"m": expected}


def test_record_fields(db):
    db["sequence"].put("s1", {"x": 1}, {"by": "me"}, b"\x00\xff" * 10)
    db["sequence"].put("s1", {"x": 2})
    r = db["sequence"].get("s1")
    assert isinstance(r, StorageRecord)
    assert r.id == "s1" and r.data_type is StorageType.SEQUENCE
    assert r.data == {"x": 2} and r.metadata == {} and r.blob == b""
    assert r.version == 2 and len(r.checksum) == 64 and r.timestamp > 1.7e9
    old = db["sequence"].get_version("s1", 1)
    assert old.data == {"x": 1} and old.metadata == {"by": "me"}
    assert old.blob == b"\x00\xff" * 10
    assert db["sequence"].get_version("s1", 9) is None
    for blob in (bytearray(b"abc"), memoryview(b"abc")):
        db["cache"].put("b", 1, blob=blob)
        assert db["cache"]["b"].blob == b"abc"


def test_missing_records(db):
    c = db["cache"]
    assert c.get("nope") is None
    assert c.get("nope", 42) == 42
    with pytest.raises(spirapi.NotFoundError):
        c["nope"]
    with pytest.raises(KeyError):  # NotFoundError is a KeyError too
        c["nope"]
    assert "nope" not in c and 17 not in c
    assert c.delete("nope") is False
    c.put("yes", 1)
    assert c.delete("yes") is True and "yes" not in c


BAD_DATA = [
    ({1: "int key"}, "key 1"),
    ({None: 1}, "key None"),
    (float("nan"), "NaN"),
    (float("inf"), "NaN and infinity"),
    ({"a": [1, float("-inf")]}, "data.a[1]"),
    ({1, 2}, "set"),
    (b"bytes", "bytes"),
    (object(), "object"),
    ("lone \ud800 surrogate", "surrogate"),
    ({"k": {"\udfff": 1}}, "surrogate"),
]


@pytest.mark.parametrize("value,where", BAD_DATA, ids=range(len(BAD_DATA)))
def test_bad_data_is_refused_and_changes_nothing(db, value, where):
    db["cache"].put("k", "before")
    with pytest.raises(spirapi.InvalidArgumentError, match=where.replace("[", r"\[")):
        db["cache"].put("k", value)
    assert db["cache"]["k"].data == "before"
    assert db["cache"]["k"].version == 1


def test_bad_arguments(db):
    c = db["cache"]
    deep = []
    for _ in range(600):
        deep = [deep]
    with pytest.raises(spirapi.InvalidArgumentError, match="deeper"):
        c.put("k", deep)
    loop = []
    loop.append(loop)
    with pytest.raises(spirapi.InvalidArgumentError, match="contains itself"):
        c.put("k", loop)
    with pytest.raises(spirapi.InvalidArgumentError):
        c.put("", 1)
    with pytest.raises(spirapi.InvalidArgumentError):
        c.put("x" * 513, 1)
    with pytest.raises(spirapi.InvalidArgumentError, match="id"):
        c.put(17, 1)
    with pytest.raises(spirapi.InvalidArgumentError, match="id"):
        c.put("\ud800", 1)
    with pytest.raises(spirapi.InvalidArgumentError, match="metadata"):
        c.put("k", 1, ["not", "a", "dict"])
    with pytest.raises(spirapi.InvalidArgumentError, match="blob"):
        c.put("k", 1, None, "not bytes")
    with pytest.raises(spirapi.InvalidArgumentError, match="storage type"):
        db["nonsense"]
    with pytest.raises(spirapi.InvalidArgumentError):
        db[17]
    with pytest.raises(spirapi.InvalidArgumentError):
        db["cache"].put_json("k", "{not json")
    with pytest.raises((spirapi.InvalidArgumentError, TypeError, OverflowError)):
        c.get_version("k", 2**70)
    with pytest.raises(spirapi.InvalidArgumentError):
        list(db.scan("cache", limit=-1))
    assert db.count("cache") == 0


def test_numbers_beyond_doubles_are_refused(db):
    # The engine parses numbers as doubles to validate them: an integer past
    # 1.8e308 cannot be, and is refused rather than stored inexactly.
    with pytest.raises(spirapi.InvalidArgumentError, match="too big"):
        db["cache"].put("k", 10**400)
    assert "k" not in db["cache"]


def test_put_json_keeps_numbers_as_written(db):
    db["cache"].put_json("k", '{ "n": 1.50, "big": 123456789012345678901234567890 }')
    assert db["cache"]["k"].data == {"n": 1.5, "big": 123456789012345678901234567890}


def test_huge_values(db):
    big = "x" * (8 << 20)
    db["cache"].put("big", {"s": big})
    assert db["cache"]["big"].data["s"] == big
    with pytest.raises(spirapi.InvalidArgumentError):
        db["cache"].put("too-big", "y" * (17 << 20))
    assert "too-big" not in db["cache"]


def test_scan(db):
    c = db["index"]
    with db.transaction() as t:
        for i in range(1000):
            t.put("index", f"k{i:04d}", i)
        t.put("index", "other", "x")
    assert [r.data for r in c.scan(prefix="k00")][:3] == [0, 1, 2]
    assert len(list(c.scan(prefix="k00"))) == 100
    assert [r.id for r in c.scan(start="k0998")] == ["k0998", "k0999", "other"]
    assert [r.id for r in c.scan(stop="k0002")] == ["k0000", "k0001"]
    assert [r.data for r in c.scan(start="k0100", limit=300)] == list(range(100, 400))
    assert len(list(c)) == 1001 == len(c)
    assert list(c.scan(limit=0)) == []


def test_scan_is_lazy_and_sees_one_snapshot(db):
    c = db["cache"]
    with db.transaction() as t:
        for i in range(700):
            t.put("cache", f"{i:04d}", i)
    it = c.scan()
    first = next(it)
    assert first.id == "0000"
    c.put("0001", "changed")
    c.put("9999", "added")
    c.delete("0500")
    rest = list(it)
    assert len(rest) == 699 and rest[0].data == 1 and rest[-1].id == "0699"
    assert c["0001"].data == "changed" and len(c) == 700


def test_transactions(db):
    with db.transaction() as t:
        t.put("sequence", "a", 1)
        t.put("cache", "b", {"x": 2}, {"m": 1}, b"blob")
        assert t.get("sequence", "a").data == 1
        assert t.exists("cache", "b")
        assert db["sequence"].get("a") is None  # not committed yet
    assert db["sequence"]["a"].data == 1 and db["cache"]["b"].blob == b"blob"

    with pytest.raises(RuntimeError):
        with db.transaction() as t:
            t.put("sequence", "a", 99)
            assert t.delete("cache", "b") is True
            raise RuntimeError("boom")
    assert db["sequence"]["a"].data == 1 and "b" in db["cache"]

    t = db.transaction()
    t.put("cache", "c", 3)
    t.commit()
    with pytest.raises(spirapi.InvalidArgumentError, match="finished"):
        t.put("cache", "d", 4)
    with pytest.raises(spirapi.InvalidArgumentError):
        with db.transaction() as t:
            t.put("cache", "ok", 1)
            t.put("cache", "bad", float("nan"))
    assert "ok" not in db["cache"]


def test_conflict_and_retry(db):
    db["cache"].put("counter", 0)
    t1 = db.transaction()
    t2 = db.transaction()
    t1.put("cache", "counter", t1.get("cache", "counter").data + 1)
    t2.put("cache", "counter", t2.get("cache", "counter").data + 1)
    t1.commit()
    with pytest.raises(spirapi.ConflictError):
        t2.commit()
    for _ in range(3):  # the retry loop the documentation shows
        try:
            with db.transaction() as t:
                t.put("cache", "counter", t.get("cache", "counter").data + 1)
            break
        except spirapi.ConflictError:
            continue
    assert db["cache"]["counter"].data == 2


def test_snapshots(db):
    db["cache"].put("k", "old")
    with db.snapshot() as snap:
        db["cache"].put("k", "new")
        db["cache"].put("k2", "added")
        assert db["cache"].get("k", snapshot=snap).data == "old"
        assert db["cache"].get("k2", snapshot=snap) is None
        assert db.count("cache", snapshot=snap) == 1
        assert [r.data for r in db.scan("cache", snapshot=snap)] == ["old"]
    assert snap.released
    with pytest.raises(spirapi.InvalidArgumentError, match="released"):
        db["cache"].get("k", snapshot=snap)


def test_close_and_reopen(tmp_path):
    path = tmp_path / "db"
    db = spirapi.SpiraPiDatabase(path, compression_level=6, max_file_size_mb=100,
                                 backup_interval_hours=24)
    db["cache"].put("k", 1)
    t = db.transaction()
    t.put("cache", "pending", 1)
    snap = db.snapshot()
    it = db.scan("cache")
    db.close()
    assert db.closed
    for call in (lambda: db["cache"].get("k"), lambda: t.commit(), lambda: next(it),
                 lambda: db["cache"].put("x", 1)):
        with pytest.raises(spirapi.InvalidArgumentError, match="closed"):
            call()
    snap.release()
    db.close()  # twice is fine
    with spirapi.SpiraPiDatabase(str(path)) as again:
        assert again["cache"]["k"].data == 1 and "pending" not in again["cache"]
        stats = again.get_database_stats()
        assert stats["compression_level"] == 6 and stats["max_file_size_mb"] == 100
    with pytest.raises(spirapi.InvalidArgumentError, match="compression_level"):
        spirapi.SpiraPiDatabase(path, compression_level=2)


def test_options(tmp_path):
    with pytest.raises(spirapi.InvalidArgumentError, match="unknown option.*colour"):
        spirapi.SpiraPiDatabase(tmp_path / "a", colour="blue")
    with pytest.raises(spirapi.InvalidArgumentError, match="compression_level"):
        spirapi.SpiraPiDatabase(tmp_path / "b", compression_level="high")
    with pytest.raises(spirapi.InvalidArgumentError, match="compression_level"):
        spirapi.SpiraPiDatabase(tmp_path / "c", compression_level=True)
    with pytest.raises(spirapi.InvalidArgumentError):
        spirapi.SpiraPiDatabase(tmp_path / "d", compression_level=12)
    with pytest.raises(spirapi.InvalidArgumentError, match="compression_codec"):
        spirapi.SpiraPiDatabase(tmp_path / "e", compression_codec="gzip")
    with pytest.raises(spirapi.InvalidArgumentError):
        spirapi.SpiraPiDatabase(tmp_path / "f", create_if_missing=False)
    assert not (tmp_path / "f").exists() or not os.listdir(tmp_path / "f")
    with spirapi.SpiraPiDatabase(tmp_path / "g", compression_codec="lzma", block_size_kib=16,
                                 max_versions_kept=2, block_cache_bytes=1 << 20,
                                 background_work=False, verify_checksums=True,
                                 background_threads=2) as db:
        stats = db.get_database_stats()
        assert stats["compression_codec"] == "lzma" and stats["block_size_kib"] == 16
    with pytest.raises(spirapi.InvalidArgumentError, match="background_threads"):
        spirapi.SpiraPiDatabase(tmp_path / "h", background_threads=-1)
    with pytest.raises(spirapi.InvalidArgumentError, match="already holds"):
        spirapi.SpiraPiDatabase(tmp_path / "g", error_if_exists=True)


def test_busy_and_read_only(tmp_path):
    path = tmp_path / "db"
    with spirapi.SpiraPiDatabase(path) as writer:
        writer["cache"].put("k", 1)
        with pytest.raises(spirapi.BusyError):
            spirapi.SpiraPiDatabase(path)
        with spirapi.SpiraPiDatabase(path, read_only=True) as reader:
            assert reader["cache"]["k"].data == 1
            writer["cache"].put("k", 2)
            reader.catch_up()
            assert reader["cache"]["k"].data == 2
            with pytest.raises(spirapi.NotSupportedError):
                reader["cache"].put("x", 1)


def test_another_process_reads_a_live_database(tmp_path):
    cli = os.environ.get("SPIRAPI_CLI")
    if not cli:
        pytest.skip("SPIRAPI_CLI (the spirapi binary) not given")
    path = tmp_path / "db"
    with spirapi.SpiraPiDatabase(path) as db:
        db["sequence"].put("pi-1", {"sequence": "3.14159", "big": 2**70})
        out = subprocess.run([cli, "get", str(path), "sequence", "pi-1"], check=True,
                             capture_output=True, text=True).stdout
        assert json.loads(out)["data"] == {"sequence": "3.14159", "big": 2**70}
    subprocess.run([cli, "put", str(path), "cache", "from-cli", '{"x":[1,2]}'], check=True)
    with spirapi.SpiraPiDatabase(path) as db:
        assert db["cache"]["from-cli"].data == {"x": [1, 2]}


def test_encryption(tmp_path, monkeypatch):
    path = tmp_path / "db"
    with pytest.raises(spirapi.InvalidArgumentError):
        spirapi.SpiraPiDatabase(path, encryption_enabled=True)  # no passphrase
    monkeypatch.setenv("SPIRAPI_PASSPHRASE", "correct horse")
    with spirapi.SpiraPiDatabase(path, encryption_enabled=True) as db:
        db["cache"].put("secret", "plain text that must not be on disk")
        db.flush()
        db.optimize_for("security")
        assert db.get_database_stats()["optimized_for"] == "security"
    for root, _, files in os.walk(path):
        for f in files:
            with open(os.path.join(root, f), "rb") as fh:
                assert b"must not be on disk" not in fh.read()
    # The environment's passphrase opens it, and does not stop the creation
    # of a plain database.
    with spirapi.SpiraPiDatabase(path) as db:
        assert db["cache"]["secret"].data.startswith("plain")
    with spirapi.SpiraPiDatabase(tmp_path / "plain") as db:
        assert not db.get_database_stats()["encrypted"]
    monkeypatch.delenv("SPIRAPI_PASSPHRASE")
    with pytest.raises(spirapi.InvalidArgumentError, match="passphrase is required"):
        spirapi.SpiraPiDatabase(path)
    with pytest.raises(spirapi.InvalidArgumentError):
        spirapi.SpiraPiDatabase(path, passphrase="wrong")
    with spirapi.SpiraPiDatabase(path, passphrase="correct horse") as db:
        assert db["cache"]["secret"].data.startswith("plain")


def test_optimize_flush_compact_verify_stats(db):
    with db.transaction() as t:
        for i in range(2000):
            t.put("sequence", f"s{i:05d}", {"digits": str(i) * 50, "i": i})
    db.flush()
    db.optimize_for("space")
    with pytest.raises(spirapi.InvalidArgumentError, match="encrypted"):
        db.optimize_for("security")
    with pytest.raises(spirapi.InvalidArgumentError, match="speed, space, security"):
        db.optimize_for("fast")
    db.compact()
    stats = db.get_database_stats()
    assert stats["optimized_for"] == "space"
    assert stats["components"]["sequence"]["live_records"] == 2000
    assert stats["total_records"] == 2000 and 0 <= stats["cache_hit_rate"] <= 1
    seen = []
    report = db.verify(progress=seen.append)
    assert report["clean"] and report["records_checked"] >= 2000 and report["damage"] == []
    assert seen and seen[-1] == 1.0


def test_verify_cancel_and_interrupt(db):
    for i in range(3):
        db["cache"].put(f"k{i}", i)
        db.flush()  # a few files, so that verify calls back between them
    with pytest.raises(spirapi.CancelledError):
        db.verify(progress=lambda f: False)

    def raising(f):
        raise ZeroDivisionError("from the callback")
    with pytest.raises(ZeroDivisionError):
        db.verify(progress=raising)

    def ctrl_c(f):
        _thread.interrupt_main()  # as if Ctrl-C arrived during the check
    with pytest.raises(KeyboardInterrupt):
        db.verify(progress=ctrl_c)
    assert db.verify()["clean"]  # the database is fine afterwards


def test_compact_progress_cancel_and_interrupt(db):
    with db.transaction() as t:
        for i in range(3000):
            t.put("cache", f"k{i:05d}", {"i": i})
    with pytest.raises(spirapi.CancelledError):
        db.compact(progress=lambda f: False)

    def ctrl_c(f):
        _thread.interrupt_main()
    with pytest.raises(KeyboardInterrupt):
        db.compact(progress=ctrl_c)
    assert len(db["cache"]) == 3000 and db["cache"]["k02999"].data == {"i": 2999}
    seen = []
    db.compact(progress=seen.append)
    assert seen[-1] == 1.0 and seen == sorted(seen)
    assert db.verify()["clean"]


def test_corruption_is_reported_not_returned(tmp_path):
    path = tmp_path / "db"
    with spirapi.SpiraPiDatabase(path) as db:
        db["cache"].put("k", {"payload": "A" * 5000})
        db.flush()
    segs = [os.path.join(r, f) for r, _, fs in os.walk(path / "cache") for f in fs
            if f.endswith(".seg")]
    assert segs
    middle = os.path.getsize(segs[0]) // 2
    with open(segs[0], "r+b") as f:
        f.seek(middle)
        b = f.read(1)
        f.seek(middle)
        f.write(bytes([b[0] ^ 0x40]))
    with spirapi.SpiraPiDatabase(path) as db:
        with pytest.raises(spirapi.CorruptionError, match="cache"):
            db["cache"].get("k")
        report = db.verify()
        assert not report["clean"] and report["damage"][0]["component"] == "cache"


def test_threads(db):
    errors = []

    def worker(n):
        try:
            c = db["cache"]
            for i in range(300):
                c.put(f"t{n}-{i}", {"n": n, "i": i})
                assert c[f"t{n}-{i}"].data == {"n": n, "i": i}
            for attempt in range(50):
                try:
                    with db.transaction() as t:
                        r = t.get("metadata", "total")
                        t.put("metadata", "total", (r.data if r else 0) + 1)
                    break
                except spirapi.ConflictError:
                    continue
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(db["cache"]) == 1200
    assert db["metadata"]["total"].data == 4


def test_close_while_other_threads_work(tmp_path):
    db = spirapi.SpiraPiDatabase(tmp_path / "db", sync=False)
    stop = threading.Event()
    outcomes = []

    def reader():
        while not stop.is_set():
            try:
                db["cache"].put("k", 1)
                db["cache"].get("k")
            except spirapi.InvalidArgumentError as e:
                outcomes.append(str(e))
                return

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    db.close()
    stop.set()
    for t in threads:
        t.join()
    assert all("closed" in o for o in outcomes)


def test_generic_spec_api(db):
    rid = db.store(StorageRecord("r1", StorageType.METADATA, {"kind": "run", "n": 3},
                                 {"by": "test"}))
    assert rid == "r1"
    got = db.retrieve("r1", StorageType.METADATA)
    assert got.data == {"kind": "run", "n": 3} and got.version == 1
    assert db.retrieve("r1", "cache") is None
    db.store(StorageRecord("r2", StorageType.METADATA, {"kind": "run", "n": 3.0}))
    db.store(StorageRecord("r3", StorageType.METADATA, {"kind": "other", "n": True}))
    assert [r.id for r in db.search({"kind": "run"}, StorageType.METADATA)] == ["r1", "r2"]
    assert [r.id for r in db.search({"n": 3}, "metadata")] == ["r1", "r2"]
    assert [r.id for r in db.search({"n": 1}, "metadata")] == []  # True is not 1
    assert [r.id for r in db.search({"@metadata.by": "test"}, "metadata")] == ["r1"]
    assert [r.id for r in db.search({"@id": "r3"}, "metadata")] == ["r3"]
    assert db.search({"kind": "run"}, "metadata", limit=1)[0].id == "r1"
    with pytest.raises(spirapi.InvalidArgumentError):
        db.search({"@nonsense": 1}, "metadata")
    with pytest.raises(spirapi.InvalidArgumentError):
        db.store({"id": "x"})
    assert db.delete("r1", StorageType.METADATA) is True
    assert db.delete("r1", StorageType.METADATA) is False
    with pytest.raises(spirapi.InvalidArgumentError, match="give a repository"):
        db.backup_database()  # no backup_repository option: test_backup.py has the rest


def test_error_tree():
    for name in ("NotFoundError", "CorruptionError", "InvalidArgumentError", "IOError",
                 "ConflictError", "BusyError", "NotSupportedError", "CancelledError"):
        assert issubclass(getattr(spirapi, name), spirapi.Error)
    assert issubclass(spirapi.NotFoundError, KeyError)
    assert issubclass(spirapi.InvalidTypeError, TypeError)
    assert issubclass(spirapi.InvalidTypeError, spirapi.InvalidArgumentError)
    assert issubclass(spirapi.InvalidArgumentError, ValueError)
    assert issubclass(spirapi.IOError, OSError)
    assert str(spirapi.NotFoundError("no record 'x'")) == "no record 'x'"


def test_storage_type():
    assert [t.name for t in StorageType] == ["SEQUENCE", "SCHEMA", "QUERY", "METADATA",
                                             "INDEX", "CACHE"]
    assert StorageType.parse("Cache") is StorageType.CACHE
    assert StorageType.parse(0) is StorageType.SEQUENCE
    with pytest.raises(spirapi.InvalidArgumentError):
        StorageType.parse(True)


def test_every_public_name_is_documented():
    missing = []
    for name in spirapi.__all__:
        obj = getattr(spirapi, name)
        if callable(obj) and not (obj.__doc__ or "").strip():
            missing.append(name)
        if isinstance(obj, type):
            for attr, member in vars(obj).items():
                if attr.startswith("_") or not callable(member) and not isinstance(
                        member, property):
                    continue
                if not (getattr(member, "__doc__", "") or "").strip():
                    missing.append(f"{name}.{attr}")
    assert missing == []
    assert "store_sequence" in (spirapi.SpiraPiDatabase.__doc__ or "") or \
        spirapi.SpiraPiDatabase.store_sequence.__doc__


def test_version():
    assert spirapi.__version__.count(".") == 2 and spirapi.FORMAT_VERSION >= 4
    assert sys.version_info >= (3, 9)
