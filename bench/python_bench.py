"""python_bench: SpiraPi from Python beside sqlite3, lmdb and plyvel (issue 16).

One run drives four engines through the same workloads on the same records,
each through its ordinary Python API:

- SpiraPi through its public API (``spirapi.SpiraPiDatabase``: components,
  ``db.transaction()``, ``db.scan``), which takes and returns Python values;
- Python's ``sqlite3``: WAL, ``synchronous=FULL``, a table
  ``kv(id TEXT PRIMARY KEY, data TEXT)``;
- ``lmdb`` (py-lmdb), one unnamed database;
- ``plyvel`` (LevelDB, snappy).

Fair by construction:

- every engine gets the same records, ids, orders and random choices (one
  seed), as Python dicts: SpiraPi encodes and decodes JSON inside its API, the
  peers call ``json.dumps`` (compact separators, so they store the same bytes
  as SpiraPi's compact JSON) and ``json.loads`` in the loop being timed;
- every write workload is durable in every engine (a commit returns once it
  is on disk: SpiraPi ``sync=True``, SQLite ``synchronous=FULL``, LMDB
  ``sync=True``, LevelDB ``sync=True``);
- each engine's own cache gets the same budget (64 MiB; LMDB has none but the
  OS page cache, which is shared and unconstrained);
- each engine runs in its own child process (this script with ``--child``),
  in a fresh directory on the same disk, so no engine's memory or caches help
  or burden another and its peak RSS (VmHWM) is its own;
- with ``--runs`` above 1, runs interleave the engines and the median is
  reported.

Workloads (N records, default 100,000; ``--quick``: 2,000):

1. bulk store: all N in random id order, 1,000 per durable transaction;
   then each engine compacts (as spirapi_bench does: SpiraPi ``compact()``,
   SQLite ``VACUUM``, LMDB a compacting copy, LevelDB ``compact_range()``),
   so the reads run on a settled database, not beside a background flush;
2. durable single stores: N/50 records (at least 100), each its own durable
   commit, into a fresh database;
3. random reads: every record once in random order, decoded to a dict, after
   one untimed pass over all records (warm);
4. full scan: every record in id order, decoded;
5. range scans: 1,000 scans (N/100 with ``--quick``) of 100 records from
   random existing ids, decoded.

Then the per-call overhead of the binding: on 10,000 small records
(``{"v": 1}``) in the block cache, a get (and a put without sync) timed as the
engine's C++ loop alone (``_spirapi.time_gets``/``time_puts``, GIL released),
through the raw binding (``db._db.get``) and through the public API
(``db["cache"].get``), and the Python-side pieces of the public call.

Usage (Debian's python3, which has python3-lmdb and python3-plyvel)::

    PYTHONPATH=build/python /usr/bin/python3 bench/python_bench.py            # N=100,000
    PYTHONPATH=build/python /usr/bin/python3 bench/python_bench.py --quick    # CI smoke
    ... --records N --runs 3 --engines spirapi,sqlite --json out.json --dir PATH

Progress goes to stderr, the Markdown report to stdout.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import itertools
import json
import math
import os
import pickle
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from typing import Any, Callable, Dict, List, Optional, Tuple

SEED = 271828182845904
BATCH = 1_000          # records per transaction of the bulk store
SCAN_LENGTH = 100      # records per range scan
CACHE_BYTES = 64 << 20  # each engine's own cache (--cache-mib; set in each child)
LMDB_MAP_SIZE = 16 << 30  # address space only: the file grows as needed
VERIFIED_READS = 1_000  # reads checked against the data set (untimed)
OVERHEAD_RECORDS = 10_000
OVERHEAD_REPEATS = 5    # best of, as timeit reports

Record = Tuple[str, Dict[str, Any]]

ENGINES = {
    "spirapi": "SpiraPi",
    "sqlite": "sqlite3 (WAL, FULL)",
    "lmdb": "lmdb",
    "plyvel": "plyvel (LevelDB)",
}

WORKLOADS = [
    # key, label, what an op is
    ("bulk", "bulk store, 1,000 per durable transaction (records/s)", "records"),
    ("single", "durable single stores (commits/s)", "commits"),
    ("read", "random reads, warm, decoded (reads/s)", "reads"),
    ("scan", "full scan in id order, decoded (records/s)", "records"),
    ("range", "range scans of 100, decoded (scans/s)", "scans"),
]


def log(message: str) -> None:
    """Progress, on stderr."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# The peers' JSON encoding: compact, as SpiraPi stores it. The same text as
# json.dumps(value, separators=(",", ":")), from one encoder made once (that
# call would make a new JSONEncoder each time, ~0.5 µs the peers need not pay).
dumps = json.JSONEncoder(separators=(",", ":")).encode


# ---------------------------------------------------------------------------
# The data set: π-sequence records like bench/pi_records.h's (SpiraPi's seed
# data): 200 random digits and statistics really computed from them, about
# 1 KB of JSON each. Ids are "pi-" and 16 hex digits of a random 64-bit value
# (19 bytes), so the insertion order is random in id order.


def _pi_record(rng: random.Random) -> Dict[str, Any]:
    n = 200
    digits = "".join(rng.choices("0123456789", k=n))
    values = [ord(c) - 48 for c in digits]
    counts = [digits.count(str(d)) for d in range(10)]
    mean = sum(values) / n
    expected = n / 10
    chi_square = sum((c - expected) ** 2 / expected for c in counts)
    entropy = -sum(c / n * math.log2(c / n) for c in counts if c)
    variance = sum((x - mean) ** 2 for x in values) / n

    # Longest run of one repeated digit.
    run_digit, run_length, run_start, start = values[0], 1, 0, 0
    for i in range(1, n):
        if digits[i] != digits[i - 1]:
            start = i
        if i - start + 1 > run_length:
            run_length, run_start, run_digit = i - start + 1, start, values[i]

    # 3-grams seen more than once, most frequent first (ties: first seen).
    kgram_count: Dict[str, int] = {}
    kgram_first: Dict[str, int] = {}
    for i in range(n - 2):
        k = digits[i:i + 3]
        if k not in kgram_count:
            kgram_count[k] = 0
            kgram_first[k] = i
        kgram_count[k] += 1
    repeated = sorted((k for k, c in kgram_count.items() if c >= 2),
                      key=lambda k: (-kgram_count[k], kgram_first[k]))[:3]

    # Serial correlation at lags 1-3.
    correlation = []
    for lag in (1, 2, 3):
        cov = sum((values[i] - mean) * (values[i + lag] - mean) for i in range(n - lag))
        cov /= n - lag
        correlation.append(round(cov / variance, 6) + 0.0 if variance > 0 else 0.0)

    return {
        "sequence": digits,
        "precision": n,
        "algorithm": "chudnovsky",
        "computation_time": round(0.0005 + rng.random() * 0.05, 6),
        "uniqueness_score": round(len(kgram_count) / (n - 2), 6),
        "mathematical_properties": {
            "digit_distribution": {str(d): counts[d] for d in range(10)},
            "mean": round(mean, 4),
            "variance": round(variance, 6),
            "chi_square": round(chi_square, 4),
            "entropy_bits": round(entropy, 6),
            "pattern_analysis": {
                "longest_run": {"digit": str(run_digit), "length": run_length,
                                "start": run_start},
                "repeated_kgrams": [{"kgram": k, "count": kgram_count[k],
                                     "first": kgram_first[k]} for k in repeated],
                "serial_correlation": correlation,
            },
        },
        "source": {"generator": "python_bench", "offset": rng.randrange(1_000_000_000),
                   "length": n, "verified": True},
    }


class DataSet:
    """The records and every random choice of a run, the same for all engines."""

    def __init__(self, n: int, quick: bool) -> None:
        rng = random.Random(SEED)
        ids = set()
        self.records: List[Record] = []
        while len(self.records) < n:
            id = f"pi-{rng.getrandbits(64):016x}"
            if id in ids:
                continue
            ids.add(id)
            self.records.append((id, _pi_record(rng)))
        self.records.sort()  # id order; index i is the i-th id
        order = list(range(n))
        rng.shuffle(order)
        self.fill_order = order  # the bulk store's order: random in id order
        self.read_order = list(range(n))
        rng.shuffle(self.read_order)
        scans = max(1, n // 100) if quick else 1_000
        self.scan_starts = [rng.randrange(n) for _ in range(scans)]
        self.single = [self.records[i] for i in order[:max(100, n // 50)]]
        self.json_bytes = sum(len(dumps(d)) for _, d in self.records)
        self.id_bytes = sum(len(id) for id, _ in self.records)

    def batches(self) -> List[List[Record]]:
        """The bulk store's transactions, in fill order."""
        rs = [self.records[i] for i in self.fill_order]
        return [rs[i:i + BATCH] for i in range(0, len(rs), BATCH)]


# ---------------------------------------------------------------------------
# The engines behind one small interface. Each method is a whole workload's
# loop, written as a user of that library would write it, so the timing adds
# nothing but the loop itself.


class Engine:
    """One engine's workloads; open() before, close() after."""

    def open(self, path: str) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def bulk(self, batches: List[List[Record]]) -> None:
        """Each batch in one durable transaction."""
        raise NotImplementedError

    def compact(self) -> None:
        """Rewrites the data compactly and lets background work finish."""
        raise NotImplementedError

    def single(self, records: List[Record]) -> None:
        """Each record in its own durable commit."""
        raise NotImplementedError

    def read(self, ids: List[str]) -> int:
        """Reads and decodes each id's record; returns how many were found."""
        raise NotImplementedError

    def get(self, id: str) -> Any:
        """One record's data, decoded (for verification, untimed)."""
        raise NotImplementedError

    def scan(self) -> int:
        """Reads and decodes every record in id order; returns the count."""
        raise NotImplementedError

    def ranges(self, starts: List[str], length: int) -> int:
        """A scan of ``length`` records from each start; returns the records seen."""
        raise NotImplementedError


class SpiraPiEngine(Engine):
    """SpiraPi through its public API: durable by default (sync=True)."""

    def open(self, path: str) -> None:
        import spirapi
        self.spirapi = spirapi
        self.db = spirapi.SpiraPiDatabase(path, block_cache_bytes=CACHE_BYTES)
        self.seq = self.db[spirapi.StorageType.SEQUENCE]

    def close(self) -> None:
        self.db.close()

    def bulk(self, batches: List[List[Record]]) -> None:
        seq = self.spirapi.StorageType.SEQUENCE
        for batch in batches:
            with self.db.transaction() as txn:
                for id, data in batch:
                    txn.put(seq, id, data)

    def compact(self) -> None:
        self.db.compact()

    def single(self, records: List[Record]) -> None:
        put = self.seq.put
        for id, data in records:
            put(id, data)

    def read(self, ids: List[str]) -> int:
        get = self.seq.get
        found = 0
        for id in ids:
            record = get(id)
            if record is not None:
                record.data
                found += 1
        return found

    def get(self, id: str) -> Any:
        return self.seq[id].data

    def scan(self) -> int:
        n = 0
        for record in self.seq.scan():
            record.data
            n += 1
        return n

    def ranges(self, starts: List[str], length: int) -> int:
        scan = self.seq.scan
        n = 0
        for start in starts:
            for record in scan(start=start, limit=length):
                record.data
                n += 1
        return n


class SqliteEngine(Engine):
    """sqlite3 in autocommit mode with explicit BEGIN/COMMIT; WAL, synchronous=FULL."""

    def open(self, path: str) -> None:
        import sqlite3
        os.makedirs(path, exist_ok=True)
        self.con = sqlite3.connect(os.path.join(path, "bench.sqlite"), isolation_level=None)
        if self.con.execute("PRAGMA journal_mode=WAL").fetchone()[0] != "wal":
            raise RuntimeError("SQLite refused WAL")
        self.con.execute("PRAGMA synchronous=FULL")
        self.con.execute(f"PRAGMA cache_size=-{CACHE_BYTES // 1024}")
        self.con.execute("CREATE TABLE IF NOT EXISTS kv(id TEXT PRIMARY KEY, data TEXT)")

    def close(self) -> None:
        self.con.close()

    def bulk(self, batches: List[List[Record]]) -> None:
        execute, executemany = self.con.execute, self.con.executemany
        for batch in batches:
            execute("BEGIN")
            executemany("INSERT OR REPLACE INTO kv(id, data) VALUES(?, ?)",
                        [(id, dumps(data)) for id, data in batch])
            execute("COMMIT")

    def compact(self) -> None:
        self.con.execute("VACUUM")
        self.con.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def single(self, records: List[Record]) -> None:
        execute = self.con.execute
        for id, data in records:
            execute("INSERT OR REPLACE INTO kv(id, data) VALUES(?, ?)", (id, dumps(data)))

    def read(self, ids: List[str]) -> int:
        execute, loads = self.con.execute, json.loads
        found = 0
        for id in ids:
            row = execute("SELECT data FROM kv WHERE id = ?", (id,)).fetchone()
            if row is not None:
                loads(row[0])
                found += 1
        return found

    def get(self, id: str) -> Any:
        return json.loads(self.con.execute("SELECT data FROM kv WHERE id = ?", (id,)).fetchone()[0])

    def scan(self) -> int:
        loads = json.loads
        n = 0
        for id, data in self.con.execute("SELECT id, data FROM kv ORDER BY id"):
            loads(data)
            n += 1
        return n

    def ranges(self, starts: List[str], length: int) -> int:
        execute, loads = self.con.execute, json.loads
        n = 0
        for start in starts:
            for id, data in execute("SELECT id, data FROM kv WHERE id >= ? ORDER BY id LIMIT ?",
                                    (start, length)):
                loads(data)
                n += 1
        return n


class LmdbEngine(Engine):
    """py-lmdb: sync=True (a commit fsyncs); one read transaction per get or scan,
    as each SpiraPi, SQLite and LevelDB read is its own consistent read."""

    def open(self, path: str) -> None:
        import lmdb
        self.path = path
        self.env = lmdb.open(path, map_size=LMDB_MAP_SIZE, sync=True, metasync=True)

    def compact(self) -> None:
        # LMDB reuses free pages but never shrinks its file: its compaction
        # is a compacting copy put in place (as spirapi_bench does).
        copy = self.path + ".compact"
        os.makedirs(copy)
        self.env.copy(copy, compact=True)
        self.env.close()
        os.replace(os.path.join(copy, "data.mdb"), os.path.join(self.path, "data.mdb"))
        shutil.rmtree(copy)
        self.open(self.path)

    def close(self) -> None:
        self.env.close()

    def bulk(self, batches: List[List[Record]]) -> None:
        begin = self.env.begin
        for batch in batches:
            with begin(write=True) as txn:
                put = txn.put
                for id, data in batch:
                    put(id.encode(), dumps(data).encode())

    def single(self, records: List[Record]) -> None:
        begin = self.env.begin
        for id, data in records:
            with begin(write=True) as txn:
                txn.put(id.encode(), dumps(data).encode())

    def read(self, ids: List[str]) -> int:
        begin, loads = self.env.begin, json.loads
        found = 0
        for id in ids:
            with begin() as txn:
                value = txn.get(id.encode())
            if value is not None:
                loads(value)
                found += 1
        return found

    def get(self, id: str) -> Any:
        with self.env.begin() as txn:
            return json.loads(txn.get(id.encode()))

    def scan(self) -> int:
        loads = json.loads
        n = 0
        with self.env.begin() as txn:
            for key, value in txn.cursor():
                key.decode()
                loads(value)
                n += 1
        return n

    def ranges(self, starts: List[str], length: int) -> int:
        begin, loads, islice = self.env.begin, json.loads, itertools.islice
        n = 0
        for start in starts:
            with begin() as txn:
                cursor = txn.cursor()
                if cursor.set_range(start.encode()):
                    for key, value in islice(cursor, length):
                        key.decode()
                        loads(value)
                        n += 1
        return n


class PlyvelEngine(Engine):
    """plyvel (LevelDB, snappy): WriteBatch(sync=True) and put(sync=True)."""

    def open(self, path: str) -> None:
        import plyvel
        self.db = plyvel.DB(path, create_if_missing=True, lru_cache_size=CACHE_BYTES)

    def close(self) -> None:
        self.db.close()

    def bulk(self, batches: List[List[Record]]) -> None:
        write_batch = self.db.write_batch
        for batch in batches:
            with write_batch(sync=True) as wb:
                put = wb.put
                for id, data in batch:
                    put(id.encode(), dumps(data).encode())

    def compact(self) -> None:
        self.db.compact_range()

    def single(self, records: List[Record]) -> None:
        put = self.db.put
        for id, data in records:
            put(id.encode(), dumps(data).encode(), sync=True)

    def read(self, ids: List[str]) -> int:
        get, loads = self.db.get, json.loads
        found = 0
        for id in ids:
            value = get(id.encode())
            if value is not None:
                loads(value)
                found += 1
        return found

    def get(self, id: str) -> Any:
        return json.loads(self.db.get(id.encode()))

    def scan(self) -> int:
        loads = json.loads
        n = 0
        with self.db.iterator() as it:
            for key, value in it:
                key.decode()
                loads(value)
                n += 1
        return n

    def ranges(self, starts: List[str], length: int) -> int:
        iterator, loads, islice = self.db.iterator, json.loads, itertools.islice
        n = 0
        for start in starts:
            with iterator(start=start.encode()) as it:
                for key, value in islice(it, length):
                    key.decode()
                    loads(value)
                    n += 1
        return n


ENGINE_CLASSES = {"spirapi": SpiraPiEngine, "sqlite": SqliteEngine, "lmdb": LmdbEngine,
                  "plyvel": PlyvelEngine}


# ---------------------------------------------------------------------------
# Measuring.


def rss_bytes(field: str = "VmRSS") -> int:
    """This process's resident set now (VmRSS) or at its peak (VmHWM)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def directory_bytes(path: str) -> int:
    """Bytes allocated on disk under ``path`` (st_blocks, as du counts)."""
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_blocks * 512
            except FileNotFoundError:
                pass  # a file the engine removed meanwhile
    return total


def timed(fn: Callable[[], Any]) -> Tuple[float, Any]:
    """(seconds, result) of fn(), with the garbage collector off meanwhile,
    for every engine alike (its pauses would land on whoever is running)."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        result = fn()
        return time.perf_counter() - start, result
    finally:
        gc.enable()


def fdatasync_per_second(directory: str, writes: int = 200) -> float:
    """The disk's rate of fdatasync'd 1 KB appends: the ceiling of durable
    commits without group commit."""
    path = os.path.join(directory, "fdatasync-probe")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        block = b"x" * 1024
        start = time.perf_counter()
        for _ in range(writes):
            os.write(fd, block)
            os.fdatasync(fd)
        return writes / (time.perf_counter() - start)
    finally:
        os.close(fd)
        os.unlink(path)


# ---------------------------------------------------------------------------
# A child: one engine's workloads, or the per-call overhead.


def run_engine(key: str, ds: DataSet, base: str) -> Dict[str, Any]:
    """Every workload on engine ``key`` in fresh directories under ``base``."""
    out: Dict[str, Any] = {"ops": {}, "seconds": {}}
    baseline = rss_bytes()  # the data set, loaded before any engine work

    def record(workload: str, ops: int, seconds: float) -> None:
        out["ops"][workload] = ops / seconds
        out["seconds"][workload] = seconds
        log(f"  {key} {workload}: {ops / seconds:,.0f}/s ({seconds:.2f} s)")

    engine = ENGINE_CLASSES[key]()
    n = len(ds.records)
    ids = [id for id, _ in ds.records]

    # 1. Bulk store.
    path = os.path.join(base, "load")
    engine.open(path)
    batches = ds.batches()
    seconds, _ = timed(lambda: engine.bulk(batches))
    record("bulk", n, seconds)
    batches.clear()
    out["bytes_after_load"] = directory_bytes(path)

    # Compaction, as spirapi_bench does before its reads: every engine's
    # data rewritten compactly and its background work over, so the reads
    # below measure the settled database, not a race with a flush.
    seconds, _ = timed(engine.compact)
    out["compact_seconds"] = seconds
    out["bytes_after_compaction"] = directory_bytes(path)
    log(f"  {key} compaction: {seconds:.2f} s")

    # One untimed pass over every record, so the reads are warm.
    if engine.scan() != n:
        raise RuntimeError(f"{key}: the warm-up scan did not see {n} records")

    # 3. Random reads of every record; the first are checked (untimed).
    read_ids = [ids[i] for i in ds.read_order]
    for i in ds.read_order[:VERIFIED_READS]:
        if engine.get(ids[i]) != ds.records[i][1]:
            raise RuntimeError(f"{key}: record {ids[i]} reads back different")
    seconds, found = timed(lambda: engine.read(read_ids))
    if found != n:
        raise RuntimeError(f"{key}: random reads found {found} of {n}")
    record("read", n, seconds)

    # 4. Full scan.
    seconds, seen = timed(engine.scan)
    if seen != n:
        raise RuntimeError(f"{key}: the scan saw {seen} of {n}")
    record("scan", n, seconds)

    # 5. Range scans from random existing ids.
    starts = [ids[i] for i in ds.scan_starts]
    expected = sum(min(SCAN_LENGTH, n - i) for i in ds.scan_starts)
    seconds, seen = timed(lambda: engine.ranges(starts, SCAN_LENGTH))
    if seen != expected:
        raise RuntimeError(f"{key}: range scans saw {seen} records, not {expected}")
    record("range", len(starts), seconds)

    engine.close()

    # 2. Durable single stores, into a fresh database.
    single_path = os.path.join(base, "single")
    engine.open(single_path)
    seconds, _ = timed(lambda: engine.single(ds.single))
    record("single", len(ds.single), seconds)
    engine.close()
    shutil.rmtree(single_path)

    out["baseline_rss"] = baseline
    # The peak of this process's own memory since its exec. Not wait4's
    # ru_maxrss (nor RUSAGE_CHILDREN's): Linux keeps the high-water mark of
    # the child's image before exec, a copy of the parent's, so every engine
    # would show at least the parent's peak (measured: a parent holding
    # 300 MiB gives a child whose VmHWM is 8 MiB a ru_maxrss of 310 MiB).
    out["peak_rss"] = rss_bytes("VmHWM")

    # SpiraPi only, after the peak is taken: where the time of a read goes.
    if key == "spirapi":
        engine.open(path)
        out["spirapi_reads"] = spirapi_read_breakdown(engine, read_ids)
        engine.close()
    shutil.rmtree(path)
    return out


def spirapi_read_breakdown(engine: SpiraPiEngine, ids: List[str]) -> Dict[str, float]:
    """Seconds per warm read of the 1 KB records: the engine's C++ loop
    (GetPinned), the raw binding (JSON text, no decoding) and the public get
    (decoded), on the ids of the random reads."""
    from spirapi import _spirapi
    raw = engine.db._db
    c = int(engine.spirapi.StorageType.SEQUENCE)
    ids = ids[:20_000]
    engine.read(ids)  # warm (the database was just reopened)
    out: Dict[str, float] = {"ids": len(ids)}
    out["cpp"] = min(_spirapi.time_gets(raw, c, ids, 1) for _ in range(3)) / len(ids)

    def raw_loop() -> None:
        get = raw.get
        for id in ids:
            get(c, id)

    out["binding"] = best_per_op(raw_loop, len(ids), 3)
    out["public"] = best_per_op(lambda: engine.read(ids), len(ids), 3)
    return out


def best_per_op(fn: Callable[[], Any], ops: int, repeats: int = OVERHEAD_REPEATS) -> float:
    """The best of ``repeats`` timings of fn(), per op, in seconds (as timeit
    reports: the least disturbed run)."""
    return min(timed(fn)[0] for _ in range(repeats)) / ops


def run_overhead(base: str) -> Dict[str, Any]:
    """The binding's per-call overhead on small records in the block cache."""
    import spirapi
    from spirapi import _spirapi, database, records
    path = os.path.join(base, "overhead")
    db = spirapi.SpiraPiDatabase(path, sync=False, block_cache_bytes=CACHE_BYTES)
    cache = db["cache"]
    c = int(spirapi.StorageType.CACHE)
    raw = db._db
    ids = [f"k{i:08d}" for i in range(OVERHEAD_RECORDS)]
    value = {"v": 1}
    for id in ids:
        cache.put(id, value)
    db.flush()  # into segment files, read through the block cache
    for id in ids:  # warm: every block cached, every record's checksum checked once
        cache.get(id)
    n = len(ids)
    rounds = 20
    out: Dict[str, Any] = {"records": n}

    # Gets.
    def raw_gets() -> None:
        get = raw.get
        for id in ids:
            get(c, id)

    def public_gets() -> None:
        get = cache.get
        for id in ids:
            get(id)

    def empty_loop() -> None:
        for id in ids:
            pass

    out["get_cpp"] = min(_spirapi.time_gets(raw, c, ids, rounds)
                         for _ in range(OVERHEAD_REPEATS)) / (n * rounds)
    out["get_cpp_per_call"] = min(_spirapi.time_gets(raw, c, ids, rounds, True)
                                  for _ in range(OVERHEAD_REPEATS)) / (n * rounds)
    out["get_binding"] = best_per_op(raw_gets, n)
    out["get_public"] = best_per_op(public_gets, n)
    out["loop"] = best_per_op(empty_loop, n)

    # The Python pieces of a public get, each timed alone.
    t = raw.get(c, ids[0])
    record = database.StorageRecord._from_tuple(t)
    fast = hasattr(records, "_loads")  # False when run against the code before issue 16
    pieces: Dict[str, Tuple[str, Dict[str, Any]]] = {
        "a bound method's call and frame (as Component.get's)": (
            "f(i)", {"f": (lambda self, i: None).__get__(cache), "i": ids[0]}),
        "_id_text(id)": ("f(i)", {"f": database._id_text, "i": ids[0]}),
        "self._db._raw()": ("d._raw()", {"d": db}),
        "raw get, `db._db.get(StorageType.CACHE, id, None)`": (
            "g(e, i, None)", {"g": raw.get, "e": spirapi.StorageType.CACHE, "i": ids[0]}),
        "StorageRecord._from_tuple(t), in all": (
            "f(t)", {"f": records.StorageRecord._from_tuple, "t": t}),
        "· StorageRecord(...) (the dataclass's __init__)": (
            "R(t[0], e, d, m, t[4], t[5], t[6], t[7])",
            {"R": records.StorageRecord, "t": t, "e": record.data_type, "d": record.data,
             "m": record.metadata}),
        "· StorageType(t[1]) (before)": ("S(t[1])", {"S": records.StorageType, "t": t}),
        "· json.loads(data) (before)": ("loads(s)", {"loads": json.loads, "s": t[2]}),
        "· json.loads(metadata), metadata \"{}\" (before)": (
            "loads(s)", {"loads": json.loads, "s": t[3]}),
    }
    if fast:
        pieces["· _TYPES[t[1]] (now)"] = ("T[t[1]]", {"T": records._TYPES, "t": t})
        pieces["· records._loads(data) (now)"] = ("loads(s)", {"loads": records._loads,
                                                               "s": t[2]})
    out["pieces"] = {}
    for name, (stmt, names) in pieces.items():
        timer = timeit.Timer(stmt, globals=names)
        loops = 200_000
        out["pieces"][name] = min(timer.repeat(OVERHEAD_REPEATS, loops)) / loops

    # Puts without sync: the same records again (each an overwrite).
    data_json = dumps(value)

    def raw_puts() -> None:
        put = raw.put
        for id in ids:
            put(c, id, value, None, None, False)

    def raw_puts_json() -> None:
        put = raw.put
        for id in ids:
            put(c, id, data_json, None, None, False, True)

    def public_puts() -> None:
        put = cache.put
        for id in ids:
            put(id, value, sync=False)

    put_rounds = 2
    out["put_cpp"] = min(_spirapi.time_puts(raw, c, ids, data_json, put_rounds)
                         for _ in range(OVERHEAD_REPEATS)) / (n * put_rounds)
    out["put_cpp_per_call"] = min(_spirapi.time_puts(raw, c, ids, data_json, put_rounds,
                                                     per_call=True)
                                  for _ in range(OVERHEAD_REPEATS)) / (n * put_rounds)
    out["put_binding"] = best_per_op(raw_puts, n)
    out["put_binding_json"] = best_per_op(raw_puts_json, n)
    out["put_public"] = best_per_op(public_puts, n)
    db.close()
    shutil.rmtree(path)
    return out


def child_main(args: argparse.Namespace) -> None:
    """The --child entry point: prints its results as one JSON line."""
    base = args.child_dir
    if args.child == "overhead":
        result = run_overhead(base)
    else:
        gc.disable()  # the collector would walk the growing data set again and again
        with open(args.data, "rb") as f:
            ds: DataSet = pickle.load(f)
        gc.enable()
        gc.freeze()  # the data set lives to the end: keep it out of every collection
        result = run_engine(args.child, ds, base)
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()


def run_child(what: str, data_file: str, base: str) -> Dict[str, Any]:
    """Runs this script as a child for ``what`` (an engine key or
    "overhead"); returns its results (with its own peak RSS, VmHWM)."""
    directory = tempfile.mkdtemp(prefix=f"{what}-", dir=base)
    command = [sys.executable, os.path.abspath(__file__), "--child", what,
               "--data", data_file, "--child-dir", directory,
               "--cache-mib", str(CACHE_BYTES >> 20)]
    start = time.perf_counter()
    child = subprocess.run(command, stdout=subprocess.PIPE)
    shutil.rmtree(directory, ignore_errors=True)
    if child.returncode != 0:
        raise SystemExit(f"python_bench: the {what} child failed ({child.returncode})")
    result: Dict[str, Any] = json.loads(child.stdout.decode().strip().splitlines()[-1])
    result["wall_seconds"] = time.perf_counter() - start
    return result


# ---------------------------------------------------------------------------
# The report.


def machine() -> Dict[str, Any]:
    """What the figures were measured on."""
    import lmdb
    import plyvel
    import sqlite3
    import spirapi
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = 0
    try:
        with open("/proc/meminfo") as f:
            memory = int(f.readline().split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    distro = ""
    try:
        with open("/etc/debian_version") as f:
            distro = "Debian " + f.read().strip()
    except OSError:
        pass
    return {
        "cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(memory / 2**30, 1),
        "os": f"{distro} (Linux {platform.release()})".strip(),
        "python": platform.python_version(), "spirapi": spirapi.__version__,
        "sqlite": sqlite3.sqlite_version, "lmdb": ".".join(map(str, lmdb.version())),
        "py_lmdb": lmdb.__version__, "leveldb": plyvel.__leveldb_version__,
        "plyvel": plyvel.__version__,
    }


def filesystem(path: str) -> str:
    """The file system type holding ``path`` (from /proc/mounts)."""
    best, kind = "", "?"
    try:
        with open("/proc/mounts") as f:
            for line in f:
                fields = line.split()
                mount = fields[1]
                if (path == mount or path.startswith(mount.rstrip("/") + "/")) and \
                        len(mount) >= len(best):
                    best, kind = mount, fields[2]
    except OSError:
        pass
    return kind


def rate(x: Optional[float]) -> str:
    return "—" if x is None else f"{x:,.0f}"


def ns(seconds: float) -> str:
    return f"{seconds * 1e9:,.0f} ns"


def mib(b: float) -> str:
    return f"{b / 2**20:,.0f} MiB"


def engine_table(results: Dict[str, Any]) -> List[str]:
    """The workloads' table: ops/s per engine, memory and bytes."""
    engines: List[str] = results["engines"]
    per: Dict[str, Dict[str, Any]] = results["per_engine"]
    peers = [e for e in engines if e != "spirapi"]
    show_ratio = "spirapi" in engines and bool(peers)
    header = "| workload | " + " | ".join(ENGINES[e] for e in engines) + " |"
    rule = "|---|" + "---:|" * len(engines)
    if show_ratio:
        header += " SpiraPi ÷ best peer |"
        rule += "---:|"
    lines = [header, rule]
    for key, label, _ in WORKLOADS:
        values = {e: per[e]["ops"][key] for e in engines}
        row = f"| {label} | " + " | ".join(rate(values[e]) for e in engines) + " |"
        if show_ratio:
            row += f" {values['spirapi'] / max(values[e] for e in peers):.2f}× |"
        lines.append(row)
    end = " | |" if show_ratio else " |"
    lines.append("| peak RSS (of which the data set) | " + " | ".join(
        f"{mib(per[e]['peak_rss'])} ({mib(per[e]['baseline_rss'])})" for e in engines) + end)
    lines.append("| peak RSS above the data set | " + " | ".join(
        mib(per[e]["peak_rss"] - per[e]["baseline_rss"]) for e in engines) + end)
    lines.append("| bytes on disk after the bulk store ÷ raw JSON and ids | " + " | ".join(
        f"{per[e]['bytes_after_load'] / results['raw_bytes']:.2f}" for e in engines) + end)
    lines.append("| bytes on disk after compaction ÷ raw JSON and ids | " + " | ".join(
        f"{per[e]['bytes_after_compaction'] / results['raw_bytes']:.2f}" for e in engines) + end)
    lines.append("| compaction time | " + " | ".join(
        f"{per[e]['compact_seconds']:.2f} s" for e in engines) + end)
    lines.append("")
    if results["runs"] > 1:
        # The spread says how far to trust a difference on a shared machine.
        lines += [f"Slowest and fastest of the {results['runs']} runs:", "",
                  "| workload | " + " | ".join(ENGINES[e] for e in engines) + " |",
                  "|---|" + "---:|" * len(engines)]
        for key, label, _ in WORKLOADS:
            cells = []
            for e in engines:
                values = [r["ops"][key] for r in per[e]["runs"]]
                cells.append(f"{rate(min(values))}–{rate(max(values))}")
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        lines.append("")
    return lines


def report(results: Dict[str, Any]) -> str:
    """The Markdown report of a run."""
    m = results["machine"]
    per: Dict[str, Dict[str, Any]] = results["per_engine"]
    lines = [
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, {m['os']}; "
        f"data on {results['filesystem']}.",
        f"Python {m['python']}; SpiraPi {m['spirapi']}, SQLite {m['sqlite']}, LMDB {m['lmdb']} "
        f"(py-lmdb {m['py_lmdb']}), LevelDB {m['leveldb']} (plyvel {m['plyvel']}).",
        f"Date: {results['date']} (run took {results['wall_seconds'] / 60:.1f} min).",
        f"Command: `{results['command']}`",
    ]
    if results["engines"]:
        lines.append(
            f"Records: {results['records']:,} π-sequence dicts, "
            f"{results['json_bytes_per_record']:.0f} bytes of JSON each on average, "
            f"{results['id_bytes_per_record']:.0f}-byte ids; {results['runs']} run(s) per engine"
            + (", interleaved, median" if results["runs"] > 1 else "")
            + f"; {results.get('cache_mib', 64)} MiB cache per engine.")
    lines += [
        f"Conditions: load average {results['load_before']:.2f} before, "
        f"{results['load_after']:.2f} after; fdatasync'd 1 KB appends: "
        f"{results['fdatasync_before']:,.0f}/s before, {results['fdatasync_after']:,.0f}/s after.",
        "",
    ]
    if results["engines"]:
        lines += engine_table(results)

    if "spirapi" in per and "spirapi_reads" in per["spirapi"]:
        r = per["spirapi"]["spirapi_reads"]
        lines += [
            "SpiraPi's warm random read of a 1 KB record, per read (best of 3 passes over "
            f"{r['ids']:,.0f} of the ids): engine alone (C++ `GetPinned` loop) "
            f"{ns(r['cpp'])}; raw binding (`db._db.get`, JSON text out) {ns(r['binding'])}; "
            f"public `get` (decoded `StorageRecord`) {ns(r['public'])}.",
            "",
        ]

    o = results.get("overhead")
    if o:
        lines += [
            f"Per-call overhead on {o['records']:,} small records (`{{\"v\": 1}}`) in the block "
            f"cache, best of {OVERHEAD_REPEATS}:",
            "",
            "| per call | get | put (sync=False) |",
            "|---|---:|---:|",
            f"| (a) engine alone: C++ loop, GIL released, lock held once | {ns(o['get_cpp'])} | "
            f"{ns(o['put_cpp'])} |",
            f"| (a′) C++ loop releasing the GIL and taking the lock per call | "
            f"{ns(o['get_cpp_per_call'])} | {ns(o['put_cpp_per_call'])} |",
            f"| (b) raw binding `db._db.get` / `put` from a Python loop | {ns(o['get_binding'])} | "
            f"{ns(o['put_binding'])} |",
            f"| (b′) raw binding `put` of JSON text (`as_json=True`: no encoding) | — | "
            f"{ns(o['put_binding_json'])} |",
            f"| (c) public `db[\"cache\"].get(id)` / `put(id, v, sync=False)` | "
            f"{ns(o['get_public'])} | {ns(o['put_public'])} |",
            f"| binding overhead (b − a) | {ns(o['get_binding'] - o['get_cpp'])} | "
            f"{ns(o['put_binding'] - o['put_cpp'])} |",
            f"| public API overhead (c − a) | {ns(o['get_public'] - o['get_cpp'])} | "
            f"{ns(o['put_public'] - o['put_cpp'])} |",
            f"| of which the Python layer (c − b) | {ns(o['get_public'] - o['get_binding'])} | "
            f"{ns(o['put_public'] - o['put_binding'])} |",
            "",
            f"An empty Python `for` loop over the ids costs {ns(o['loop'])} per iteration "
            "(included in (b) and (c)). The Python pieces of a public get, each timed alone:",
            "",
            "| piece | per call |",
            "|---|---:|",
        ]
        lines += [f"| {name} | {ns(t)} |" for name, t in o["pieces"].items()]
        lines.append("")
    return "\n".join(lines)


def median_results(runs: List[Dict[str, Any]]) -> Dict[str, Any]:
    """One engine's runs folded into their medians (ops, RSS, bytes)."""
    if len(runs) == 1:
        return runs[0]
    out = dict(runs[-1])
    out["ops"] = {k: statistics.median(r["ops"][k] for r in runs) for k in runs[0]["ops"]}
    for k in ("peak_rss", "baseline_rss", "bytes_after_load", "bytes_after_compaction",
              "compact_seconds"):
        out[k] = statistics.median(r[k] for r in runs)
    if "spirapi_reads" in runs[0]:
        out["spirapi_reads"] = {k: statistics.median(r["spirapi_reads"][k] for r in runs)
                                for k in runs[0]["spirapi_reads"]}
    out["runs"] = runs
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description="SpiraPi from Python beside sqlite3, lmdb and plyvel (issue 16).")
    parser.add_argument("--quick", action="store_true",
                        help="CI smoke test: 2,000 records, 20 range scans")
    parser.add_argument("--records", type=int, help="records (default 100,000; --quick 2,000)")
    parser.add_argument("--runs", type=int, default=1,
                        help="runs per engine, interleaved, median reported (default 1)")
    parser.add_argument("--engines", default=",".join(ENGINES),
                        help="comma-separated subset of " + ",".join(ENGINES))
    parser.add_argument("--no-overhead", action="store_true",
                        help="skip the per-call overhead measurement")
    parser.add_argument("--overhead-only", action="store_true",
                        help="only the per-call overhead measurement")
    parser.add_argument("--dir", default=".",
                        help="where the scratch directory is made (default: here; keep it on "
                             "the disk being measured, not a tmpfs)")
    parser.add_argument("--cache-mib", type=int, default=64,
                        help="each engine's own cache (default 64, as spirapi_bench; LMDB has "
                             "none but the OS page cache; SpiraPi's own default is 256)")
    parser.add_argument("--json", help="also write the figures as JSON to this file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--child-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    global CACHE_BYTES
    CACHE_BYTES = max(1, args.cache_mib) << 20
    if args.child:
        child_main(args)
        return

    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = [e for e in engines if e not in ENGINES]
    if unknown or not engines:
        parser.error("--engines: unknown " + ",".join(unknown) + "; known: " + ",".join(ENGINES))
    engines = [e for e in ENGINES if e in engines]  # report order
    if args.overhead_only:
        engines = []
    n = args.records or (2_000 if args.quick else 100_000)
    if n < 1 or args.runs < 1:
        parser.error("--records and --runs must be at least 1")

    started = time.perf_counter()
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    base = tempfile.mkdtemp(prefix=".python-bench-", dir=os.path.abspath(args.dir))
    try:
        results: Dict[str, Any] = {
            "date": date, "machine": machine(), "filesystem": filesystem(base),
            "command": " ".join(["bench/python_bench.py"] + sys.argv[1:]),
            "records": n, "runs": args.runs, "engines": engines, "cache_mib": args.cache_mib,
            "load_before": os.getloadavg()[0], "fdatasync_before": fdatasync_per_second(base),
        }
        data_file = os.path.join(base, "dataset.pickle")
        if engines:
            log(f"generating {n:,} records")
            ds = DataSet(n, args.quick)
            results["json_bytes_per_record"] = ds.json_bytes / n
            results["id_bytes_per_record"] = ds.id_bytes / n
            results["raw_bytes"] = ds.json_bytes + ds.id_bytes
            with open(data_file, "wb") as f:
                pickle.dump(ds, f, protocol=pickle.HIGHEST_PROTOCOL)
            del ds

        runs: Dict[str, List[Dict[str, Any]]] = {e: [] for e in engines}
        for run in range(args.runs):
            for e in engines:
                log(f"run {run + 1}/{args.runs}: {e}")
                runs[e].append(run_child(e, data_file, base))
        results["per_engine"] = {e: median_results(runs[e]) for e in engines}
        if ("spirapi" in engines and not args.no_overhead) or args.overhead_only:
            log("per-call overhead")
            results["overhead"] = run_child("overhead", data_file, base)
        results["load_after"] = os.getloadavg()[0]
        results["fdatasync_after"] = fdatasync_per_second(base)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    results["wall_seconds"] = time.perf_counter() - started
    text = report(results)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
