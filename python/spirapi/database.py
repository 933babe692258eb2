"""SpiraPiDatabase: the specification's high-level API on the C++ engine."""

from __future__ import annotations

import base64
import os
from typing import (TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Mapping, Optional,
                    Sequence, Union)

from spirapi import _checks, _spirapi
from spirapi._errors import InvalidArgumentError, InvalidTypeError
from spirapi._operations import PathLike, Progress, TypeLike, _at_least, _Operations
from spirapi.records import StorageRecord, StorageType, _loads

if TYPE_CHECKING:
    from spirapi.backup import BackupInfo
    from spirapi.dashboard import Dashboard
    from spirapi.pi import PiStore
    from spirapi.schema import SchemaManager


# The members of a query that are options rather than conditions.
_QUERY_OPTIONS = frozenset(["$sort", "$skip", "$limit", "$fields", "$count", "$group"])

_SCAN_PAGE = 256


def _id_text(id: Any, what: str = "id") -> str:
    if not isinstance(id, str):
        raise InvalidTypeError(f"{what} must be a str, not {type(id).__name__}")
    return id


def _bound(value: Optional[Union[str, bytes]], what: str) -> bytes:
    if value is None:
        return b""
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, bytes):
        return value
    raise InvalidArgumentError(f"{what} must be str or bytes, not {type(value).__name__}")


class Snapshot:
    """A consistent read view of the whole database, as of when it was taken.

    Pass it as ``snapshot=`` to reads and scans. Release it (or use it as a
    context manager) when done: a held snapshot keeps old versions from being
    compacted away.
    """

    def __init__(self, raw: Any) -> None:
        self._raw = raw

    def release(self) -> None:
        """Releases the view; later reads with it raise InvalidArgumentError."""
        self._raw.release()

    @property
    def released(self) -> bool:
        """Whether release() was called (or the database closed)."""
        return bool(self._raw.released)

    def __enter__(self) -> "Snapshot":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()


class Transaction:
    """A group of writes to any components, committed atomically.

    Use it as a context manager: the block's writes commit when it ends and
    roll back if it raises. Reads see the transaction's snapshot (taken when
    it began) plus its own writes. If another transaction committed a write to
    one of the same records first, commit raises ConflictError and nothing is
    written: run the whole block again. A transaction belongs to one thread at
    a time.
    """

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self._finished = False

    def put(self, data_type: TypeLike, id: str, data: Any,
            metadata: Optional[Mapping[str, Any]] = None,
            blob: Optional[Union[bytes, bytearray, memoryview]] = None) -> None:
        """Buffers a write of ``data`` (any JSON value) under ``id``."""
        self._raw.put(StorageType.parse(data_type), _id_text(id), data, metadata, blob)

    def get(self, data_type: TypeLike, id: str) -> Optional[StorageRecord]:
        """The record as this transaction sees it, or None."""
        t = self._raw.get(StorageType.parse(data_type), _id_text(id))
        return None if t is None else StorageRecord._from_tuple(t)

    def exists(self, data_type: TypeLike, id: str) -> bool:
        """Whether the record exists as this transaction sees it."""
        return bool(self._raw.exists(StorageType.parse(data_type), _id_text(id)))

    def delete(self, data_type: TypeLike, id: str) -> bool:
        """Buffers a delete; False if the record does not exist in this view."""
        return bool(self._raw.delete(StorageType.parse(data_type), _id_text(id)))

    def commit(self) -> None:
        """Commits every buffered write or none (ConflictError, IOError)."""
        self._finished = True
        self._raw.commit()

    def rollback(self) -> None:
        """Discards every buffered write."""
        self._finished = True
        self._raw.rollback()

    def __enter__(self) -> "Transaction":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if self._finished:
            return
        if exc_type is None:
            self.commit()
        else:
            self.rollback()


class Component:
    """One component of a database seen as a mapping of ids to records.

    ``db[StorageType.CACHE]`` (or ``db["cache"]``). ``len()``, ``in``,
    ``[id]`` (KeyError-compatible NotFoundError), iteration over records in id
    order, and put/get/delete with the database's default durability.
    """

    def __init__(self, db: "SpiraPiDatabase", data_type: StorageType) -> None:
        self._db = db
        self.data_type = data_type

    def put(self, id: str, data: Any, metadata: Optional[Mapping[str, Any]] = None,
            blob: Optional[Union[bytes, bytearray, memoryview]] = None, *,
            sync: Optional[bool] = None) -> None:
        """Writes one record in its own transaction (version = previous + 1).

        ``data`` is any JSON value; ``metadata`` a dict; ``blob`` bytes.
        ``sync`` (default: the database's) waits until it is on disk.
        Raises InvalidArgumentError for a bad id or a value JSON cannot hold.
        """
        self._db._raw().put(self.data_type, _id_text(id), data, metadata, blob,
                            self._db._sync if sync is None else sync)

    def put_json(self, id: str, data_json: Union[str, bytes],
                 metadata_json: Optional[Union[str, bytes]] = None, *,
                 sync: Optional[bool] = None) -> None:
        """As put, with data and metadata given as JSON text (stored compacted,
        numbers exactly as written)."""
        self._db._raw().put(self.data_type, _id_text(id), data_json, metadata_json, None,
                            self._db._sync if sync is None else sync, True)

    def get(self, id: str, default: Any = None, *,
            snapshot: Optional[Snapshot] = None) -> Any:
        """The record, or ``default`` if there is none (CorruptionError if damaged)."""
        t = self._db._raw().get(self.data_type, _id_text(id),
                                None if snapshot is None else snapshot._raw)
        return default if t is None else StorageRecord._from_tuple(t)

    def get_version(self, id: str, version: int, *,
                    snapshot: Optional[Snapshot] = None) -> Optional[StorageRecord]:
        """An older version of the record while it is retained, or None."""
        t = self._db._raw().get_version(self.data_type, _id_text(id), version,
                                        None if snapshot is None else snapshot._raw)
        return None if t is None else StorageRecord._from_tuple(t)

    def delete(self, id: str, *, sync: Optional[bool] = None) -> bool:
        """Deletes the record; False if there was none."""
        return bool(self._db._raw().delete(self.data_type, _id_text(id),
                                           self._db._sync if sync is None else sync))

    def scan(self, prefix: Optional[str] = None, start: Optional[str] = None,
             stop: Optional[str] = None, limit: Optional[int] = None, *,
             snapshot: Optional[Snapshot] = None) -> Iterator[StorageRecord]:
        """See SpiraPiDatabase.scan."""
        return self._db.scan(self.data_type, prefix=prefix, start=start, stop=stop,
                             limit=limit, snapshot=snapshot)

    def count(self, *, snapshot: Optional[Snapshot] = None) -> int:
        """Number of live records."""
        return int(self._db._raw().count(self.data_type,
                                         None if snapshot is None else snapshot._raw))

    def __len__(self) -> int:
        return self.count()

    def __contains__(self, id: object) -> bool:
        return isinstance(id, str) and bool(self._db._raw().exists(self.data_type, id))

    def __getitem__(self, id: str) -> StorageRecord:
        r = self.get(id)
        if r is None:
            from spirapi._errors import NotFoundError
            raise NotFoundError(f"{self.data_type.name.lower()}: no record {id!r}")
        return r

    def __iter__(self) -> Iterator[StorageRecord]:
        return self.scan()

    def __repr__(self) -> str:
        return f"<spirapi.Component {self.data_type.name.lower()} of {self._db.path!r}>"


class QueryResult:
    """The rows of a running query, as dicts, read lazily (see
    SpiraPiDatabase.query). ``stats()`` tells rows examined and returned, the
    time and the plan once the query has run to its end."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor
        self._page: List[str] = []
        self._at = 0
        self._ended = False

    def __iter__(self) -> "QueryResult":
        return self

    def __next__(self) -> Dict[str, Any]:
        if self._at == len(self._page):
            if self._ended:
                raise StopIteration
            self._page = self._cursor.next_page()
            self._at = 0
            if not self._page:
                self._ended = True
                raise StopIteration
        row = self._page[self._at]
        self._at += 1
        value: Dict[str, Any] = _loads(row)
        return value

    def stats(self) -> Dict[str, Any]:
        """{"rows_examined", "rows_returned", "seconds", "plan", "done"}."""
        result: Dict[str, Any] = self._cursor.stats()
        return result


def _record_from_row(row: Mapping[str, Any]) -> StorageRecord:
    blob = row.get("blob_base64")
    return StorageRecord(row["id"], StorageType.parse(row["data_type"]), row["data"],
                         row["metadata"], row["timestamp"], row["checksum"], row["version"],
                         base64.b64decode(blob) if blob else b"")


class SpiraPiDatabase(_Operations):
    """An open SpiraPi database: six components of checksummed, compressed,
    optionally encrypted JSON records with ACID transactions.

    ``SpiraPiDatabase(path, compression_level=6, encryption_enabled=True,
    backup_interval_hours=24, max_file_size_mb=100)`` opens the database in
    directory ``path``, creating it if needed. Settings stored at creation
    (compression, file size, encryption...) may be left out when reopening;
    given, they must match, or InvalidArgumentError says which differs.

    The passphrase of an encrypted database comes from ``passphrase`` or the
    ``SPIRAPI_PASSPHRASE`` environment variable. Other ``options``:
    compression_codec ("zstd", "lzma", "none"), block_size_kib,
    create_if_missing, error_if_exists, read_only, verify_checksums,
    block_cache_bytes, warm_cache_on_open, max_versions_kept, background_work,
    compaction_garbage_ratio, background_threads (threads of verify and
    compact; 0: one per core), backup_repository and archive_journals
    (automatic backups every backup_interval_hours and the journal archive,
    see backup_database), record_metrics and metrics_interval_seconds (see
    metrics()), and ``sync`` (default True: each write returns
    once on disk; False: once the OS has it, which a power cut may lose).

    Thread-safe: share one instance between threads; calls release the GIL
    while the engine works. One process at a time may open a database for
    writing (BusyError otherwise); any number may open it read_only.
    Use it as a context manager, or call close().
    """

    def __init__(self, path: PathLike, compression_level: Optional[int] = None,
                 encryption_enabled: bool = False, passphrase: Optional[str] = None,
                 backup_interval_hours: Optional[int] = None,
                 max_file_size_mb: Optional[int] = None, *, sync: bool = True,
                 **options: Any) -> None:
        self.path = os.fspath(path)
        if not isinstance(self.path, str):
            raise InvalidArgumentError("path must be a str or a str path")
        if not isinstance(sync, bool):
            raise InvalidArgumentError(f"option sync: {sync!r} is not a bool")
        self._sync = sync
        opts: Dict[str, Any] = dict(options)
        opts.update(compression_level=compression_level, encryption_enabled=encryption_enabled,
                    backup_interval_hours=backup_interval_hours,
                    max_file_size_mb=max_file_size_mb)
        if passphrase is None:
            # The environment's passphrase is ambient: it opens encrypted
            # databases and creates them when asked, but does not turn the
            # creation of a plain database into an error.
            passphrase = os.environ.get("SPIRAPI_PASSPHRASE")
            creating_plain = not encryption_enabled and not os.path.exists(
                os.path.join(self.path, "MANIFEST"))
            if creating_plain:
                passphrase = None
        if passphrase is not None:
            opts["passphrase"] = passphrase
        self._backup_repository = self._backup_option(opts)
        self._db: Any = None
        self._db = _spirapi.Database(self.path, opts)
        self._pi: Optional["PiStore"] = None
        self._schemas: Optional["SchemaManager"] = None

    @staticmethod
    def _backup_option(opts: Dict[str, Any]) -> Optional[PathLike]:
        """The backup_repository option, made the OS's bytes in ``opts``."""
        repository: Optional[PathLike] = opts.get("backup_repository")
        if repository is not None:
            from spirapi.backup import _path
            opts["backup_repository"] = _path(repository, "option backup_repository")
        return repository

    # -- life cycle -------------------------------------------------------

    def close(self) -> None:
        """Waits for calls in flight, rolls back open transactions, releases
        snapshots, and closes. Later calls raise InvalidArgumentError."""
        if self._db is not None:
            self._db.close()

    @property
    def closed(self) -> bool:
        """Whether close() was called."""
        return self._db is None or bool(self._db.closed)

    def __enter__(self) -> "SpiraPiDatabase":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<spirapi.SpiraPiDatabase {self.path!r} ({state})>"

    def _raw(self) -> Any:
        return self._db

    # -- records ------------------------------------------------------------

    def __getitem__(self, data_type: TypeLike) -> Component:
        """The component ``data_type`` as a mapping-like view."""
        return Component(self, StorageType.parse(data_type))

    def component(self, data_type: TypeLike) -> Component:
        """Same as ``db[data_type]``."""
        return self[data_type]

    def store(self, record: StorageRecord) -> str:
        """Writes ``record`` (its id, data_type, data, metadata and blob; the
        database sets timestamp, checksum and version). A record without an
        id gets a new π identifier. Returns the id."""
        if not isinstance(record, StorageRecord):
            raise InvalidArgumentError(
                f"store() takes a StorageRecord, not {type(record).__name__}")
        data_type = StorageType.parse(record.data_type)
        id = record.id or self.pi.new_ids(1)[0]
        self._db.put(data_type, _id_text(id), record.data, record.metadata,
                     record.blob or None, self._sync)
        return id

    def retrieve(self, id: str, data_type: TypeLike) -> Optional[StorageRecord]:
        """The record ``id`` of component ``data_type``, or None."""
        record: Optional[StorageRecord] = self[data_type].get(id)
        return record

    def delete(self, id: str, data_type: TypeLike) -> bool:
        """Deletes record ``id`` of ``data_type``; False if there was none."""
        return self[data_type].delete(id)

    def search(self, criteria: Mapping[str, Any], data_type: TypeLike,
               limit: Optional[int] = None) -> List[StorageRecord]:
        """Records of ``data_type`` matching ``criteria``, in id order.

        Criteria are a query (docs/QUERY.md): ``{"field": value}`` means
        equality (dotted paths "a.b" reach into nested objects; ``@id``,
        ``@version``, ``@timestamp``, ``@metadata.key`` the record's own
        fields), and operators, sorting and limits may be added:
        ``{"n": {"$gte": 3}, "$sort": {"n": "desc"}}``. Equality is by JSON
        value: 3 equals 3.0, True does not equal 1, a str never equals a
        number. See query() for a lazy iterator.
        """
        if not isinstance(criteria, Mapping):
            raise InvalidTypeError(f"criteria must be a dict, not {type(criteria).__name__}")
        q = dict(criteria)
        if limit is not None:
            q["$limit"] = limit
        return [_record_from_row(row) for row in self.query(q, data_type)]

    def query(self, query: Union[Mapping[str, Any], str], data_type: Optional[TypeLike] = None,
              *, schema: Optional[str] = None, log: bool = True,
              cache_ttl: float = 0) -> "QueryResult":
        """Runs a query (docs/QUERY.md) over the records of ``data_type``, or
        of ``schema``, and returns a lazy iterator of its rows as dicts:

        - the whole record ({"id", "data_type", "data", "metadata",
          "timestamp", "checksum", "version"}; for a schema {"id",
          "schema_version", "data"}), or with ``$fields`` the named paths;
        - with ``$count``, one row {"count": n}; with ``$group``, one row per
          group with its aggregates.

        The query reads one snapshot while the rows are consumed, holding
        only a bounded queue of them in memory (and, to sort without a
        limit, the matching rows). A bad query raises InvalidArgumentError
        naming the place at once; errors met while running (a damaged
        record) are raised by the iteration. With ``log`` (the default) the
        query goes into the query history (query_log()) when it ends,
        unless the database is read-only.

        With ``cache_ttl`` > 0 (seconds) the rows come from the result cache
        while the source has not changed since they were stored there, and
        are stored for that long otherwise (docs/RESULT_CACHE.md); 0 (the
        default): no caching.
        """
        component = None if data_type is None else int(StorageType.parse(data_type))
        ttl = _checks.number(cache_ttl, "cache_ttl")
        return QueryResult(_spirapi.query(self._db, component, schema, query, bool(log), ttl))

    def explain(self, query: Union[Mapping[str, Any], str], data_type: Optional[TypeLike] = None,
                *, schema: Optional[str] = None) -> str:
        """The plan query() would run, one line."""
        component = None if data_type is None else int(StorageType.parse(data_type))
        plan: str = _spirapi.explain(self._db, component, schema, query)
        return plan

    def create_index(self, name: str, fields: Union[str, Sequence[str]],
                     data_type: TypeLike = StorageType.SEQUENCE, *, type: str = "btree",
                     progress: Progress = None, schema: Optional[str] = None) -> None:
        """Creates a secondary index (docs/QUERY.md, "Indexes") named ``name``
        (1..40 of [A-Za-z0-9_-]) over 1..4 paths of ``data_type``'s records
        ("precision", "stats.mean", "@metadata.source"); ``type`` "btree"
        (ranges, prefixes, sorts), "hash" (equality), "spiral" (one field
        of points [x, y], for $within boxes and discs) or "similarity" (one
        string field, for $contains and $near). Writes the entries of
        the existing records first, calling ``progress(fraction)`` if given
        (returning False cancels with CancelledError: the index then stays
        "building" until rebuild_index finishes it). Every later write keeps
        it current; queries use it when it helps. With ``schema`` it indexes
        that schema's records instead (``data_type`` is ignored), by their
        data as the schema presents them, for queries over the schema."""
        if schema is not None and not isinstance(schema, str):
            raise InvalidTypeError("schema must be a str")
        if isinstance(fields, str):
            fields = [fields]
        if not isinstance(fields, Sequence) or not all(isinstance(f, str) for f in fields):
            raise InvalidTypeError("fields must be a str or a list of str")
        if not isinstance(name, str) or not isinstance(type, str):
            raise InvalidTypeError("name and type must be str")
        _spirapi.create_index(self._db, name, int(StorageType.parse(data_type)), list(fields),
                              type, progress, schema or "")

    def drop_index(self, name: str) -> None:
        """Removes an index and its entries; NotFoundError if there is none."""
        if not isinstance(name, str):
            raise InvalidTypeError("name must be a str")
        _spirapi.drop_index(self._db, name)

    def rebuild_index(self, name: str,
                      progress: Progress = None) -> None:
        """Writes an index's entries again from the records (or finishes an
        interrupted build); ``progress`` as for create_index."""
        if not isinstance(name, str):
            raise InvalidTypeError("name must be a str")
        _spirapi.rebuild_index(self._db, name, progress)

    def list_indexes(self) -> List[Dict[str, Any]]:
        """One dict per index, by name: {"name", "data_type", ("schema" for
        an index over a schema's records), "fields", "type",
        "state" ("building" or "ready"), "created_us", "entries", "key_bytes",
        "queries" (queries of this process that used it)}."""
        indexes: List[Dict[str, Any]] = _spirapi.list_indexes(self._db)
        return indexes

    def verify_indexes(self, name: Optional[str] = None) -> List[Dict[str, Any]]:
        """Checks that an index (default: every ready one) holds exactly one
        entry per record, with its values; returns the mismatches found, each
        {"index", "id", "what"} (empty: all match)."""
        if name is not None and not isinstance(name, str):
            raise InvalidTypeError("name must be a str")
        found: List[Dict[str, Any]] = _spirapi.verify_indexes(self._db, name or "")
        return found

    def advise_indexes(self, budget_mib: float = 64, write_weight: float = 1.0,
                       apply: bool = False, max_queries: int = 10000,
                       seed: int = 1) -> Dict[str, Any]:
        """Suggests indexes for the logged queries (docs/QUERY.md, "Index
        advisor") whose entries fit in ``budget_mib`` MiB, one index entry
        write costing ``write_weight`` rows examined; ``apply=True`` creates
        them. Returns {"create": [...], "candidates": [...], "unused": [...],
        "estimated_gain", "estimated_write_cost", "estimated_bytes",
        "budget_bytes", "queries_read", "queries_considered",
        "schema_queries_skipped", "anneal_energy", "greedy_energy", "notes"};
        each suggestion {"name", "component", "type", "fields", "bytes",
        "gain", "write_cost", "queries", "why"}."""
        for value, what in ((budget_mib, "budget_mib"), (write_weight, "write_weight")):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise InvalidTypeError(what + " must be a number")
        for count, what in ((max_queries, "max_queries"), (seed, "seed")):
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise InvalidTypeError(what + " must be an int >= 0")
        if not isinstance(apply, bool):
            raise InvalidTypeError("apply must be a bool")
        import json
        text = _spirapi.advise_indexes(self._db, float(budget_mib), float(write_weight),
                                       max_queries, seed, apply)
        advice: Dict[str, Any] = json.loads(text)
        return advice

    def query_log(self, slow: Union[None, bool, float] = None, limit: Optional[int] = None,
                  newest_first: bool = True) -> List[Dict[str, Any]]:
        """The query history (docs/QUERY.md, "Query history"), newest first:
        one dict per query run, {"id", "time" (ISO 8601 UTC), "time_us",
        "seconds", "rows_examined", "rows_returned", "source", "status" ("ok"
        or the error), "plan", "query"}, and "query_bytes" when the stored
        text was cut. ``slow=True`` keeps the queries that ran 0.1 s or
        more, a number those that ran at least that many seconds; ``limit``
        keeps the first that many. Reads one snapshot; works read_only."""
        if slow is None or slow is False:
            min_seconds = 0.0
        elif slow is True:
            min_seconds = _spirapi.DEFAULT_SLOW_QUERY_SECONDS
        elif isinstance(slow, (int, float)) and slow >= 0:
            min_seconds = float(slow)
        else:
            raise InvalidArgumentError(f"slow must be True or a number of seconds >= 0, "
                                       f"not {slow!r}")
        n = _at_least(limit, 0, "limit")
        if not isinstance(newest_first, bool):
            raise InvalidTypeError(f"newest_first must be a bool, not {type(newest_first).__name__}")
        if limit == 0:
            return []  # as scan(limit=0); the engine's 0 means no limit
        rows = _spirapi.query_log(self._db, min_seconds, n, newest_first)
        return [_loads(row) for row in rows]

    def prune_query_log(self, max_entries: Optional[int] = 10000,
                        max_age_days: Optional[float] = 30) -> int:
        """Deletes the query history's entries that started more than
        ``max_age_days`` ago, then the oldest past ``max_entries`` (None: no
        such limit). Returns how many were deleted. The engine applies the
        same limits, in batches, as it writes the history; this applies them
        exactly, now. NotSupportedError on a read_only database."""
        entries = _at_least(max_entries, 1, "max_entries")
        if max_age_days is None:
            days = 0.0
        elif (isinstance(max_age_days, (int, float)) and not isinstance(max_age_days, bool)
              and max_age_days > 0):
            days = float(max_age_days)
        else:
            raise InvalidArgumentError(f"max_age_days must be a number > 0 or None, "
                                       f"not {max_age_days!r}")
        return int(_spirapi.prune_query_log(self._db, entries, days))

    def scan(self, data_type: TypeLike, prefix: Optional[str] = None,
             start: Optional[str] = None, stop: Optional[str] = None,
             limit: Optional[int] = None, *,
             snapshot: Optional[Snapshot] = None) -> Iterator[StorageRecord]:
        """A lazy iterator over the live records of ``data_type`` in id order
        (bytewise), from ``start`` (inclusive) to ``stop`` (exclusive), with
        ids starting with ``prefix``, at most ``limit`` of them.

        It reads one page of records at a time from one snapshot (its own,
        taken at the first next(), unless ``snapshot`` is given), so it never
        holds the whole result and never sees later writes. CorruptionError
        names a damaged record when the iteration reaches it.
        """
        t = StorageType.parse(data_type)
        first = _bound(start, "start")
        end = _bound(stop, "stop")
        pre = _bound(prefix, "prefix")
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)
                                  or limit < 0):
            raise InvalidArgumentError(f"limit must be an int >= 0, not {limit!r}")
        return self._scan(t, first, end, pre, limit, snapshot)

    def _scan(self, t: StorageType, start: bytes, stop: bytes, prefix: bytes,
              limit: Optional[int], snapshot: Optional[Snapshot]) -> Iterator[StorageRecord]:
        raw = self._db
        own = snapshot is None
        snap = raw.snapshot() if own else snapshot._raw  # type: ignore[union-attr]
        try:
            left = limit
            while left is None or left > 0:
                n = _SCAN_PAGE if left is None else min(left, _SCAN_PAGE)
                page = raw.scan_page(t, start, stop, prefix, n, snap)
                for row in page:
                    yield StorageRecord._from_tuple(row)
                if len(page) < n:
                    return
                if left is not None:
                    left -= len(page)
                start = page[-1][0].encode("utf-8") + b"\0"
        finally:
            if own:
                snap.release()

    def count(self, data_type: TypeLike, *, snapshot: Optional[Snapshot] = None) -> int:
        """Number of live records of ``data_type``."""
        return self[data_type].count(snapshot=snapshot)

    def transaction(self, sync: Optional[bool] = None) -> Transaction:
        """A new transaction; use it as ``with db.transaction() as txn:``."""
        return Transaction(self._db.begin_transaction(self._sync if sync is None else sync))

    def snapshot(self) -> Snapshot:
        """A consistent read view; use it as ``with db.snapshot() as snap:``."""
        return Snapshot(self._db.snapshot())

    # -- the specification's operations -----------------------------------

    @property
    def pi(self) -> "PiStore":
        """The π engine of this database (spirapi.pi.PiStore)."""
        if self._pi is None:
            from spirapi.pi import PiStore
            self._pi = PiStore(self._db)
        return self._pi

    @property
    def schemas(self) -> "SchemaManager":
        """The schema manager of this database (spirapi.schema.SchemaManager)."""
        if self._schemas is None:
            from spirapi.schema import SchemaManager
            self._schemas = SchemaManager(self._db)
        return self._schemas

    def store_sequence(self, data: Mapping[str, Any]) -> str:
        """Stores a π digit sequence, the specification's sequence record:
        ``{"sequence": "3.14159...", "algorithm": ..., "computation_time": ...,
        "verified": ..., "id": ...}``. Only the digits and those fields are
        taken: precision, uniqueness score, mathematical properties and the
        digits' SHA-256 are computed from the digits, never trusted from the
        input. Without an id it gets a new π identifier. Returns the id."""
        if not isinstance(data, Mapping):
            raise InvalidTypeError(f"data must be a dict, not {type(data).__name__}")
        known = {"id", "sequence", "algorithm", "computation_time", "verified", "precision",
                 "uniqueness_score", "mathematical_properties", "digits_sha256", "stored_at",
                 "chunks"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidArgumentError("store_sequence: unknown field(s) " + ", ".join(unknown))
        digits = data.get("sequence")
        if not isinstance(digits, str):
            raise InvalidArgumentError("store_sequence: 'sequence' must be a str of digits")
        precision = len(digits) - 2 if digits.startswith("3.") else len(digits)
        given = data.get("precision", precision)
        if isinstance(given, bool) or not isinstance(given, (int, float)) or given != precision:
            raise InvalidArgumentError(
                f"store_sequence: 'precision' says {data['precision']!r} but the sequence has "
                f"{precision} digits after \"3.\"")
        id = data.get("id") or self.pi.new_ids(1)[0]
        info = self.pi.store_sequence(
            _id_text(id), digits, algorithm=data.get("algorithm", "imported"),
            computation_time=data.get("computation_time", 0.0),
            verified=data.get("verified", False))
        return info.id

    def retrieve_sequence(self, id: str) -> Optional[Dict[str, Any]]:
        """The sequence record ``id`` as a dict, or None."""
        info = self.pi.retrieve_sequence(id)
        return None if info is None else info.to_dict()

    def search_sequences(self, criteria: Optional[Mapping[str, Any]] = None,
                         **kwargs: Any) -> List[Dict[str, Any]]:
        """Sequence records matching every criterion, in id order: algorithm,
        precision (exact), min_precision, max_precision, min_computation_time,
        max_computation_time, min_uniqueness, max_uniqueness, stored_after,
        stored_before (seconds since the epoch), limit."""
        c: Dict[str, Any] = dict(criteria or {})
        c.update(kwargs)
        if "precision" in c:
            p = c.pop("precision")
            c["min_precision"] = p
            c["max_precision"] = p
        return [info.to_dict() for info in self.pi.search_sequences(**c)]

    def store_schema(self, data: Mapping[str, Any]) -> str:
        """Creates or evolves a schema from ``{"name": ..., "zone": ...,
        "fields": {...}}``. A new name creates the schema; an existing one is
        evolved to the given fields, one recorded change per added, dropped
        or altered field (each a new version). Returns the name."""
        if not isinstance(data, Mapping) or not isinstance(data.get("name"), str):
            raise InvalidArgumentError("store_schema: data must be a dict with a str 'name'")
        name: str = data["name"]
        fields = data.get("fields", {})
        if not isinstance(fields, Mapping):
            raise InvalidArgumentError("store_schema: 'fields' must be a dict")
        unknown = sorted(set(data) - {"name", "zone", "fields"})
        if unknown:
            raise InvalidArgumentError("store_schema: unknown field(s) " + ", ".join(unknown))
        current = self.schemas.get_schema(name)
        if current is None:
            self.schemas.create_schema(name, fields, data.get("zone", "flexible"))
            return name
        if "zone" in data and str(getattr(data["zone"], "value", data["zone"])) != \
                current.zone.value:
            raise InvalidArgumentError(
                f"store_schema: schema {name!r} is {current.zone.value}; a zone cannot change")
        for field in sorted(set(current.fields) - set(fields)):
            self.schemas.evolve(name, "drop", field, reason="store_schema")
        for field, definition in fields.items():
            if field not in current.fields:
                self.schemas.evolve(name, "add", field, definition=definition,
                                    reason="store_schema")
            elif current.fields[field] != definition:
                self.schemas.evolve(name, "alter", field, definition=definition,
                                    reason="store_schema")
        return name

    def retrieve_schema(self, name: str) -> Optional[Dict[str, Any]]:
        """The schema ``name`` as stored (fields, rules, evolution history), or None."""
        schema = self.schemas.get_schema(name)
        return None if schema is None else schema.to_dict()

    def store_query(self, data: Mapping[str, Any], metadata: Optional[Mapping[str, Any]] = None
                    ) -> str:
        """Stores a query record (any dict; its "id" if it has one, else a new
        π identifier) in the QUERY component. Returns the id."""
        if not isinstance(data, Mapping):
            raise InvalidTypeError(f"data must be a dict, not {type(data).__name__}")
        id = data.get("id") or self.pi.new_ids(1)[0]
        self[StorageType.QUERY].put(_id_text(id), dict(data), metadata)
        return id

    def retrieve_query(self, id: str) -> Optional[Dict[str, Any]]:
        """The query record ``id``'s data, or None."""
        record = self[StorageType.QUERY].get(id)
        return None if record is None else record.data

    def search_queries(self, criteria: Mapping[str, Any],
                       limit: Optional[int] = None) -> List[Dict[str, Any]]:
        """Data of the query records matching ``criteria`` (as search()); the
        query history's entries (query_log()) are not among them."""
        if not isinstance(criteria, Mapping):
            raise InvalidTypeError(f"criteria must be a dict, not {type(criteria).__name__}")
        options = {k: v for k, v in criteria.items() if k in _QUERY_OPTIONS}
        conditions = {k: v for k, v in criteria.items() if k not in _QUERY_OPTIONS}
        q = {"$and": [conditions, {"@metadata.kind": {"$ne": "query_log"}}], **options}
        return [r.data for r in self.search(q, StorageType.QUERY, limit)]

    def get_database_stats(self) -> Dict[str, Any]:
        """Counts, sizes, cache and checksum figures, and the stored settings,
        for the whole database and each component (docs/PYTHON.md lists them)."""
        import json
        stats: Dict[str, Any] = json.loads(self._db.stats_json())
        hits = stats["block_cache_hits"]
        misses = stats["block_cache_misses"]
        stats["cache_hit_rate"] = hits / (hits + misses) if hits + misses else 0.0
        stats["total_records"] = sum(c["live_records"] for c in stats["components"].values())
        stats["path"] = self.path
        stats["indexes"] = self.list_indexes()
        stats["metrics"] = self.metrics()
        return stats
