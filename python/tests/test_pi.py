"""spirapi.pi: PiStore over the engine's π store, checked against known
digits of π."""

import _thread
import hashlib
import os
import signal
import sys
import threading

import pytest

import spirapi
from spirapi import _spirapi
from spirapi.pi import (MAX_SEQUENCE_DIGITS, MAX_SEQUENCE_ID_BYTES, SEQUENCE_CHUNK_DIGITS,
                        PatternMatch, PatternResult, PiIdInfo, PiStore, SequenceInfo,
                        SpiralDigit)

PI_50 = "14159265358979323846264338327950288419716939937510"
N = 100_000
# The digit counts of the first 100,000 digits of π (0 to 9).
COUNTS_100K = [9999, 10137, 9908, 10025, 9971, 10026, 10029, 10025, 9978, 9902]


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """A database with pi-100000 computed once, for the read-only tests."""
    raw = _spirapi.Database(str(tmp_path_factory.mktemp("pi") / "db"), {})
    store = PiStore(raw)
    store.compute(N)
    yield store
    raw.close()


@pytest.fixture
def fresh(tmp_path):
    """An empty database, for the tests that write."""
    raw = _spirapi.Database(str(tmp_path / "db"), {})
    yield PiStore(raw), raw
    raw.close()


# --- compute, store, retrieve, search ---

def test_compute_describes_the_sequence(shared):
    info = shared.retrieve_sequence("pi-100000")
    assert isinstance(info, SequenceInfo)
    assert info.id == "pi-100000"
    assert info.sequence == "3." + PI_50 + "..."
    assert info.precision == N
    assert info.algorithm == "chudnovsky"
    assert info.verified is True
    assert info.computation_time > 0
    assert 0 < info.uniqueness_score <= 1
    assert info.chunks == 1
    assert info.stored_at > 1.6e9
    digits = shared.read_digits("pi-100000")
    assert info.digits_sha256 == hashlib.sha256(digits.encode()).hexdigest()
    assert info.mathematical_properties["digit_distribution"]["counts"] == COUNTS_100K


def test_compute_returns_what_is_stored(fresh):
    store, _ = fresh
    info = store.compute(1000, "mine", verify=False, threads=1)
    assert info.id == "mine" and info.precision == 1000 and info.verified is False
    assert store.retrieve_sequence("mine") == info


def test_to_dict_is_the_specifications_record(shared):
    info = shared.retrieve_sequence("pi-100000")
    d = info.to_dict()
    assert list(d) == ["id", "sequence", "precision", "algorithm", "computation_time",
                       "verified", "uniqueness_score", "mathematical_properties",
                       "digits_sha256", "chunks", "stored_at"]
    assert d["precision"] == N and d["mathematical_properties"] is info.mathematical_properties


def test_store_sequence(fresh):
    store, _ = fresh
    info = store.store_sequence("short", "3.14159", algorithm="typed", computation_time=1.5,
                                verified=True)
    assert (info.id, info.sequence, info.precision) == ("short", "3.14159", 5)
    assert (info.algorithm, info.computation_time, info.verified) == ("typed", 1.5, True)
    assert info.digits_sha256 == hashlib.sha256(b"14159").hexdigest()
    assert store.read_digits("short") == "14159"
    # Replacing keeps the id and takes the new digits.
    info = store.store_sequence("short", "2718")
    assert info.precision == 4 and info.algorithm == "imported" and info.verified is False
    assert store.read_digits("short") == "2718"


def test_retrieve_missing_is_none(fresh):
    store, _ = fresh
    assert store.retrieve_sequence("nothing") is None


def test_search_sequences(fresh):
    store, _ = fresh
    store.store_sequence("a", "1" * 10)
    store.store_sequence("b", "2" * 100, algorithm="other", computation_time=2.0)
    store.compute(1000, "c")
    ids = lambda found: [i.id for i in found]  # noqa: E731
    assert ids(store.search_sequences()) == ["a", "b", "c"]
    assert ids(store.search_sequences(min_precision=100)) == ["b", "c"]
    assert ids(store.search_sequences(max_precision=100)) == ["a", "b"]
    assert ids(store.search_sequences(algorithm="chudnovsky")) == ["c"]
    assert ids(store.search_sequences(min_computation_time=1.0)) == ["b"]
    assert ids(store.search_sequences(max_computation_time=0.0)) == ["a"]
    assert ids(store.search_sequences(limit=2)) == ["a", "b"]
    assert store.search_sequences(limit=0) == []
    c = store.retrieve_sequence("c")
    assert ids(store.search_sequences(min_uniqueness=c.uniqueness_score,
                                      max_uniqueness=c.uniqueness_score)) == ["c"]
    assert ids(store.search_sequences(stored_after=c.stored_at)) == ["c"]
    assert ids(store.search_sequences(stored_before=c.stored_at - 1e6)) == []


def test_search_with_damaged_descriptions(fresh):
    store, raw = fresh
    for id in ["a", "c"]:
        store.store_sequence(id, "123")
    # A description that does not decode, as a damaged one would.
    raw.put(int(spirapi.StorageType.SEQUENCE), "seq/b", '{"bogus":1}', None, None, False,
            as_json=True)
    with pytest.raises(spirapi.CorruptionError, match="seq/b"):
        store.search_sequences()
    seen = []
    found = store.search_sequences(on_damaged=lambda id, e: seen.append((id, e)))
    assert [i.id for i in found] == ["a", "c"]
    assert [id for id, _ in seen] == ["b"] and isinstance(seen[0][1], spirapi.CorruptionError)
    assert [i.id for i in store.search_sequences(on_damaged=lambda id, e: False)] == ["a"]
    with pytest.raises(TypeError):
        store.search_sequences(on_damaged=1)


def test_statistics(shared, fresh):
    stats = shared.statistics("pi-100000")
    assert stats["digit_distribution"]["total"] == N
    assert stats["digit_distribution"]["counts"] == COUNTS_100K
    runs = {r["digit"]: r for r in stats["pattern_analysis"]["longest_runs"]}
    assert runs[9] == {"digit": 9, "length": 6, "position": 762}  # the Feynman point
    with pytest.raises(spirapi.NotFoundError):
        fresh[0].statistics("nothing")


def test_delete_sequence(fresh):
    store, _ = fresh
    store.store_sequence("gone", "123")
    store.build_pattern_index("gone")
    assert store.delete_sequence("gone") is True
    assert store.retrieve_sequence("gone") is None
    assert store.delete_sequence("gone") is False
    with pytest.raises(spirapi.NotFoundError):
        store.read_digits("gone")


# --- reading digits ---

def test_read_digits(shared):
    assert shared.read_digits("pi-100000", 1, 20) == "14159265358979323846"
    assert shared.read_digits("pi-100000", 762, 6) == "999999"
    assert shared.read_digits("pi-100000", N, 1) == shared.read_digits("pi-100000", N)
    assert len(shared.read_digits("pi-100000", 99_991)) == 10
    whole = shared.read_digits("pi-100000")
    assert len(whole) == N and whole.startswith(PI_50)


def test_read_digits_array(shared):
    np = pytest.importorskip("numpy")
    arr = shared.read_digits_array("pi-100000", 1, 20)
    assert arr.dtype == np.uint8 and arr.shape == (20,)
    assert arr.tolist() == [int(c) for c in "14159265358979323846"]
    # The array is a view on the engine's buffer, which a capsule owns.
    assert arr.base is not None and arr.flags.owndata is False
    whole = shared.read_digits_array("pi-100000")
    assert whole.shape == (N,)
    assert np.bincount(whole, minlength=10).tolist() == COUNTS_100K


def test_digit_array_outlives_the_database(tmp_path):
    raw = _spirapi.Database(str(tmp_path / "db"), {})
    store = PiStore(raw)
    store.store_sequence("s", "0123456789" * 100)
    arr = store.read_digits_array("s", 5)
    raw.close()
    del store, raw
    assert arr[:6].tolist() == [4, 5, 6, 7, 8, 9] and int(arr.sum()) == 4500 - (0 + 1 + 2 + 3)


def test_read_digits_array_without_numpy(shared, monkeypatch):
    monkeypatch.setitem(sys.modules, "numpy", None)  # makes "import numpy" fail
    with pytest.raises(ImportError, match="NumPy"):
        shared.read_digits_array("pi-100000", 1, 5)


def test_read_digits_errors(shared):
    with pytest.raises(spirapi.NotFoundError):
        shared.read_digits("nothing", 1, 1)
    for first, count in [(0, 5), (N, 2), (N + 1, None), (1, 0)]:
        with pytest.raises(spirapi.InvalidArgumentError):
            shared.read_digits("pi-100000", first, count)
    with pytest.raises(spirapi.InvalidArgumentError):
        shared.read_digits("pi-100000", 1, -1)
    with pytest.raises(spirapi.InvalidArgumentError):
        shared.read_digits("pi-100000", 2 ** 64)
    with pytest.raises(spirapi.InvalidArgumentError):
        shared.read_digits("pi-100000", 2, 2 ** 64 - 1)  # first + count overflows
    with pytest.raises(spirapi.InvalidArgumentError):
        shared.read_digits_array("pi-100000", 0)
    with pytest.raises(TypeError):
        shared.read_digits(None)
    with pytest.raises(TypeError):
        shared.read_digits("pi-100000", 1.0)


# --- the Ulam spiral ---

def test_digit_at(shared):
    assert shared.digit_at("pi-100000", 0, 0) == SpiralDigit(0, 0, 1, 1)
    assert shared.digit_at("pi-100000", 1, 0) == SpiralDigit(1, 0, 2, 4)
    assert shared.digit_at("pi-100000", 1, 1) == SpiralDigit(1, 1, 3, 1)
    assert shared.digit_at("pi-100000", 1000, 1000) is None  # beyond the precision
    with pytest.raises(spirapi.NotFoundError):
        shared.digit_at("nothing", 0, 0)
    with pytest.raises(spirapi.InvalidArgumentError):
        shared.digit_at("pi-100000", 2 ** 63, 0)


def test_digits_in_window_and_disc(shared):
    window = shared.digits_in_window("pi-100000", 0, 0, 1, 1)
    assert window == [SpiralDigit(0, 0, 1, 1), SpiralDigit(1, 0, 2, 4),
                      SpiralDigit(1, 1, 3, 1), SpiralDigit(0, 1, 4, 5)]
    # A 3x3 square around the origin holds positions 1..9, the first ring.
    square = shared.digits_in_window("pi-100000", -1, -1, 1, 1)
    assert [d.position for d in square] == list(range(1, 10))
    assert "".join(str(d.digit) for d in square) == PI_50[:9]
    disc = shared.digits_in_disc("pi-100000", 0, 0, 1)
    assert [(d.x, d.y) for d in disc] == [(0, 0), (1, 0), (0, 1), (-1, 0), (0, -1)]
    assert all(d.digit == int(PI_50[d.position - 1]) for d in disc)
    big = shared.digits_in_disc("pi-100000", 0, 0, 5)
    assert len(big) == sum(1 for x in range(-5, 6) for y in range(-5, 6)
                           if x * x + y * y <= 25)
    with pytest.raises(spirapi.InvalidArgumentError):
        shared.digits_in_disc("pi-100000", 0, 0, -1)
    with pytest.raises(spirapi.InvalidArgumentError):
        shared.digits_in_window("pi-100000", 1, 0, 0, 0)
    with pytest.raises(spirapi.InvalidArgumentError):
        shared.digits_in_window("pi-100000", 0, 0, 10 ** 6, 10 ** 6)  # over 10**7 cells
    with pytest.raises(spirapi.NotFoundError):
        shared.digits_in_disc("nothing", 0, 0, 1)


# --- pattern search ---

def test_find_pattern(shared):
    r = shared.find_pattern("pi-100000", "999999")
    assert r == PatternResult(1, [PatternMatch(762, 0)])
    r = shared.find_pattern("pi-100000", "14159")
    assert r.matches[0] == PatternMatch(1, 0)
    everything = shared.find_pattern("pi-100000", "26", limit=10 ** 6)
    assert everything.total == len(everything.matches) > 900
    positions = [m.position for m in everything.matches]
    assert positions == sorted(positions) and positions[0] == 6
    page = shared.find_pattern("pi-100000", "26", skip=5, limit=3)
    assert page.total == everything.total and page.matches == everything.matches[5:8]
    near = shared.find_pattern("pi-100000", "1415", max_mismatches=1, limit=1000)
    assert near.matches[0] == PatternMatch(1, 0)
    assert {m.mismatches for m in near.matches} == {0, 1}
    assert near.total == len(near.matches) > 100
    for m in near.matches[:50]:
        window = shared.read_digits("pi-100000", m.position, 4)
        assert sum(a != b for a, b in zip(window, "1415")) == m.mismatches
    assert shared.find_pattern("pi-100000", "0123456789").total == 0


def test_find_pattern_errors(shared):
    for pattern in ["", "12a", "1" * 65]:
        with pytest.raises(spirapi.InvalidArgumentError):
            shared.find_pattern("pi-100000", pattern)
    with pytest.raises(spirapi.InvalidArgumentError):
        shared.find_pattern("pi-100000", "123", max_mismatches=4)
    with pytest.raises(spirapi.InvalidArgumentError):
        shared.find_pattern("pi-100000", "123", max_mismatches=-1)
    with pytest.raises(spirapi.InvalidArgumentError):
        shared.find_pattern("pi-100000", "123", skip=-1)
    with pytest.raises(spirapi.NotFoundError):
        shared.find_pattern("nothing", "1")


def test_find_patterns(shared):
    results = shared.find_patterns("pi-100000", ["999999", "14159", "0123456789"], 2)
    assert results[0] == PatternResult(1, [PatternMatch(762, 0)])
    assert results[1].matches[0] == PatternMatch(1, 0)
    assert results[2] == PatternResult(0, [])
    one = shared.find_pattern("pi-100000", "26", limit=4)
    many = shared.find_patterns("pi-100000", ("26",), max_positions=4)[0]
    assert many == one
    with pytest.raises(TypeError):
        shared.find_patterns("pi-100000", "123")
    with pytest.raises(TypeError):
        shared.find_patterns("pi-100000", ["1", 2])
    with pytest.raises(spirapi.InvalidArgumentError):
        shared.find_patterns("pi-100000", [])
    with pytest.raises(spirapi.InvalidArgumentError, match="1"):
        shared.find_patterns("pi-100000", ["1", "x"])


def test_build_pattern_index(fresh):
    store, _ = fresh
    store.compute(N, "p")
    with pytest.raises(spirapi.CancelledError):
        store.build_pattern_index("p", progress=lambda f: False)
    seen = []
    store.build_pattern_index("p", progress=seen.append)
    assert seen == [0.0, 1.0]
    assert store.find_pattern("p", "999999").matches == [PatternMatch(762, 0)]
    with pytest.raises(spirapi.NotFoundError):
        store.build_pattern_index("nothing")
    with pytest.raises(TypeError):
        store.build_pattern_index("p", progress=42)


def test_find_pattern_from_threads(shared):
    expected = {p: shared.find_pattern("pi-100000", p, limit=50)
                for p in ["14159", "999999", "26", "314", "2718"]}
    failures = []

    def work(seed):
        try:
            for i in range(60):
                p = list(expected)[(seed + i) % len(expected)]
                if shared.find_pattern("pi-100000", p, limit=50) != expected[p]:
                    failures.append(p)
        except Exception as e:  # noqa: BLE001 - reported below
            failures.append(repr(e))

    threads = [threading.Thread(target=work, args=(s,)) for s in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


# --- progress and cancellation ---

def test_progress_is_reported(fresh):
    store, _ = fresh
    seen = []
    store.compute(N, "p", progress=seen.append)
    assert len(seen) > 10 and seen[-1] == 1.0
    assert all(0.0 <= f <= 1.0 for f in seen) and seen == sorted(seen)


@pytest.mark.parametrize("stop_at", [0.0, 0.5, 0.85])
def test_progress_returning_false_cancels(fresh, stop_at):
    store, _ = fresh
    seen = []

    def progress(f):
        seen.append(f)
        return f < stop_at

    with pytest.raises(spirapi.CancelledError):
        store.compute(N, "p", progress=progress)
    # The callback sees every report, so the work stops at the first one
    # that answered False.
    assert seen[-1] >= stop_at and all(f < stop_at for f in seen[:-1])
    assert store.retrieve_sequence("p") is None
    # The store still works after a cancellation.
    assert store.compute(1000, "small", progress=lambda f: True).precision == 1000


def test_progress_exception_propagates(fresh):
    store, _ = fresh

    def boom(f):
        raise ZeroDivisionError("from the callback")

    with pytest.raises(ZeroDivisionError, match="from the callback"):
        store.compute(N, "big", progress=boom)
    assert store.retrieve_sequence("big") is None


def test_ctrl_c_stops_a_computation(fresh):
    store, _ = fresh

    def interrupt(f):  # a real SIGINT; conftest.py installs Python's handler
        os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(KeyboardInterrupt):
        store.compute(N, "big", progress=interrupt)
    assert store.retrieve_sequence("big") is None

    def interrupt_build(f):
        _thread.interrupt_main()

    store.compute(1000, "small")
    with pytest.raises(KeyboardInterrupt):
        store.build_pattern_index("small", progress=interrupt_build)


# --- π identifiers ---

def test_new_ids_and_resolve(fresh):
    store, _ = fresh
    store.compute(N, "pi-ids")  # so that new_ids need not compute 10**6 digits
    ids = store.new_ids(3)
    assert ids == ["141592653589-1", "415926535897-2", "159265358979-3"]
    assert store.new_ids(1, 4) == ["5926-4"]
    assert store.resolve_id("141592653589-1") == PiIdInfo(1, 0, 0)
    assert store.resolve_id("415926535897-2") == PiIdInfo(2, 1, 0)
    assert store.resolve_id("5926-4") == PiIdInfo(4, 0, 1)
    # Positions are reserved in blocks; a call that needs more than the rest
    # of one starts a new block, skipping that rest.
    many = store.new_ids(100, 8)
    positions = [int(i.split("-")[1]) for i in many]
    assert positions == list(range(positions[0], positions[0] + 100)) and positions[0] > 4
    digits = store.read_digits("pi-ids", positions[0], 8)
    assert many[0] == f"{digits}-{positions[0]}"
    assert store.resolve_id(many[-1]).position == positions[-1]
    for bad in ["141592653580-1", "nonsense", "1415-"]:
        with pytest.raises(spirapi.InvalidArgumentError):
            store.resolve_id(bad)
    for count, width in [(0, 12), (1, 3), (1, 33), (-1, 12), (10 ** 7 + 1, 12)]:
        with pytest.raises(spirapi.InvalidArgumentError):
            store.new_ids(count, width)


# --- bad input and lifetime ---

def test_bad_arguments(fresh):
    store, _ = fresh
    store.store_sequence("s", "123")
    with pytest.raises(spirapi.InvalidArgumentError):
        store.compute(0)
    assert (MAX_SEQUENCE_DIGITS, SEQUENCE_CHUNK_DIGITS, MAX_SEQUENCE_ID_BYTES) == (
        2 ** 31 - 1, 1_000_002, 128)
    with pytest.raises(spirapi.InvalidArgumentError):
        store.compute(MAX_SEQUENCE_DIGITS + 1)
    store.store_sequence("x" * MAX_SEQUENCE_ID_BYTES, "1")
    with pytest.raises(spirapi.InvalidArgumentError):
        store.compute(-5)
    with pytest.raises(spirapi.InvalidArgumentError):
        store.compute(10, "bad id!")
    with pytest.raises(spirapi.InvalidArgumentError):
        store.compute(10, threads=0)
    with pytest.raises(spirapi.InvalidArgumentError):
        store.compute(10, threads=2 ** 40)
    with pytest.raises(TypeError):
        store.compute(10, progress="not callable")
    with pytest.raises(TypeError):
        store.compute("10")
    for digits in ["", "12x", "3.", "1" * 10 + "\u0661"]:
        with pytest.raises(spirapi.InvalidArgumentError):
            store.store_sequence("t", digits)
    with pytest.raises(spirapi.InvalidArgumentError):
        store.store_sequence("x" * (MAX_SEQUENCE_ID_BYTES + 1), "1")
    with pytest.raises(spirapi.InvalidArgumentError):
        store.store_sequence("t", "1", computation_time=float("nan"))
    with pytest.raises(spirapi.InvalidArgumentError):
        store.store_sequence("t", "1", computation_time=10 ** 400)
    with pytest.raises(TypeError):
        store.store_sequence("t", None)
    with pytest.raises(TypeError):
        store.store_sequence("t", "1", algorithm=b"bytes")
    with pytest.raises(spirapi.InvalidArgumentError):
        store.search_sequences(min_uniqueness=float("nan"))
    with pytest.raises(spirapi.InvalidArgumentError):
        store.search_sequences(min_precision=-1)
    with pytest.raises(TypeError):
        store.search_sequences(limit=True)
    with pytest.raises(TypeError):
        store.retrieve_sequence("\ud800")  # a lone surrogate: not UTF-8
    assert store.retrieve_sequence("t") is None  # nothing was stored


def test_needs_a_database():
    with pytest.raises(TypeError):
        PiStore(None)
    with pytest.raises(TypeError):
        _spirapi.PiStore("path")


def test_keeps_its_database_alive(tmp_path):
    store = PiStore(_spirapi.Database(str(tmp_path / "db"), {}))
    assert store.store_sequence("s", "42").precision == 2
    assert store.read_digits("s") == "42"


def test_closed_database(tmp_path):
    raw = _spirapi.Database(str(tmp_path / "db"), {})
    store = PiStore(raw)
    store.store_sequence("s", "123")
    raw.close()
    with pytest.raises(spirapi.InvalidArgumentError, match="closed"):
        store.read_digits("s")
    with pytest.raises(spirapi.InvalidArgumentError, match="closed"):
        store.compute(10, progress=lambda f: None)


def test_close_while_threads_search(tmp_path):
    raw = _spirapi.Database(str(tmp_path / "db"), {})
    store = PiStore(raw)
    store.compute(10_000, "s")
    store.build_pattern_index("s")
    errors = []
    stop = threading.Event()

    def work():
        while not stop.is_set():
            try:
                store.find_pattern("s", "26")
            except spirapi.InvalidArgumentError as e:
                errors.append(str(e))
                return

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    raw.close()
    stop.set()
    for t in threads:
        t.join()
    assert all("closed" in e for e in errors)


def test_reopen_sees_the_sequences(tmp_path):
    raw = _spirapi.Database(str(tmp_path / "db"), {})
    PiStore(raw).store_sequence("kept", PI_50)
    raw.close()
    raw = _spirapi.Database(str(tmp_path / "db"), {})
    try:
        store = PiStore(raw)
        assert store.read_digits("kept", 41, 10) == PI_50[40:]
        assert store.find_pattern("kept", "2653").matches == [PatternMatch(6, 0)]
    finally:
        raw.close()
