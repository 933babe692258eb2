"""SpiraPiDatabase's upkeep and monitoring: statistics of the result cache,
metrics and their history, compression, flush, compaction, verify, health
checks, catching up, the dashboard, backups and cleanup. A mixin of
SpiraPiDatabase (database.py), kept apart so that each file reads in one
sitting; the methods are documented as SpiraPiDatabase's own.
"""

from __future__ import annotations

import datetime
import math
import os
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Union

from spirapi import _spirapi
from spirapi._errors import (CancelledError, InvalidArgumentError, InvalidTypeError, IOError,
                             NotSupportedError)
from spirapi.records import StorageType

if TYPE_CHECKING:
    from spirapi.backup import BackupInfo
    from spirapi.dashboard import Dashboard

PathLike = Union[str, "os.PathLike[str]"]
TypeLike = Union[StorageType, str, int]
Progress = Optional[Callable[[float], Optional[bool]]]


def _at_least(value: Optional[int], least: int, what: str) -> int:
    """An int limit >= least, or None for none (0 to the engine)."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise InvalidArgumentError(f"{what} must be an int >= {least} or None, not {value!r}")
    return value


def _time_us(t: Any, default: int) -> int:
    """A time bound of the metrics history in microseconds since the epoch:
    a datetime (naive means UTC), Unix seconds, a timedelta (that long
    before now), or None (`default`)."""
    if t is None:
        return default
    if isinstance(t, datetime.timedelta):
        ago = time.time_ns() // 1000 - t // datetime.timedelta(microseconds=1)
        return max(0, min(ago, 2**63 - 1))
    if isinstance(t, datetime.datetime):
        if t.tzinfo is None:
            t = t.replace(tzinfo=datetime.timezone.utc)
        return max(0, int(t.timestamp() * 1_000_000))
    if isinstance(t, (int, float)) and not isinstance(t, bool):
        if isinstance(t, float) and not math.isfinite(t):
            raise InvalidArgumentError("since/until must be a finite number")
        return max(0, min(int(t * 1_000_000), 2**63 - 1))
    raise InvalidTypeError(
        f"since/until must be a datetime, a timedelta or Unix seconds, not {type(t).__name__}")


class _Operations:
    _db: Any
    _sync: bool
    _backup_repository: Optional[PathLike]
    path: str

    def cache_stats(self) -> Dict[str, Any]:
        """The result cache (docs/RESULT_CACHE.md): ``entries`` (each a dict
        with kind, key, created_us, expires_us, value_bytes, inputs, expired,
        stale) and this process's lookups, ``counters`` (hits, misses, stale,
        expired, stored, removed, skipped, hit_rate)."""
        import json
        return {"entries": [json.loads(e) for e in _spirapi.cache_entries(self._db)],
                "counters": json.loads(_spirapi.cache_counters(self._db))}

    def purge_cache(self, expired_only: bool = False, all: bool = False) -> int:
        """Deletes the result cache's entries no lookup would serve (expired
        or stale); ``expired_only``: only the expired ones; ``all``: every
        entry. Returns how many. NotSupportedError on a read-only database."""
        if expired_only and all:
            raise InvalidArgumentError("purge_cache: expired_only and all exclude each other")
        mode = "all" if all else "expired" if expired_only else "unusable"
        return int(_spirapi.purge_cache(self._db, mode))

    def metrics(self) -> Dict[str, Any]:
        """This instance's operation metrics since it was opened: per kind
        ("get", "put", "delete", "commit", "scan", "query", "flush",
        "compaction", "backup", "verify") count, errors, not_found, bytes and
        latency percentiles in seconds; block cache, memory, open files,
        background work, disk bytes and records now (docs/MONITORING.md)."""
        import json
        result: Dict[str, Any] = json.loads(self._db.metrics_json())
        return result

    def metrics_prometheus(self) -> str:
        """metrics() in the Prometheus text exposition format (version
        0.0.4), names prefixed spirapi_."""
        text: str = self._db.metrics_prometheus()
        return text

    def metrics_history(self, since: Any = None, until: Any = None,
                        resolution: str = "any") -> List[Dict[str, Any]]:
        """The stored metrics samples overlapping [since, until), oldest
        first, as dicts (docs/MONITORING.md). since / until: a datetime
        (naive means UTC), Unix seconds, or a timedelta (that long ago); None:
        no bound. resolution: "any" (as stored: a sample per interval for a
        day, per hour for 30 days, per day after), or "minute", "hour", "day"
        to merge finer samples."""
        import json
        if not isinstance(resolution, str):
            raise InvalidTypeError(f"resolution must be a str, not {type(resolution).__name__}")
        text = self._db.metrics_history_json(_time_us(since, 0), _time_us(until, 2**63 - 1),
                                             resolution)
        return [json.loads(line) for line in text.splitlines() if line]

    def plot_metric(self, name: str, path: Optional[PathLike] = None, since: Any = None,
                    resolution: Optional[str] = None, *, format: Optional[str] = None,
                    width: int = 800, height: int = 400) -> Union[str, bytes, None]:
        """A line chart of the metrics history (docs/PLOTS.md, "The metrics
        history"): ``name`` is one of spirapi.METRIC_PLOT_NAMES, e.g.
        "read_latency", "write_latency", "throughput", "errors",
        "cache_hit_rate", "disk_bytes" or "<op>_latency". ``since`` as for
        metrics_history (a timedelta: the last that long); ``resolution``
        "any" (None), "minute", "hour" or "day". ``width`` 200..4000,
        ``height`` 150..4000 pixels.

        Without ``path``: the SVG text (``format`` "svg", the default) or the
        PNG bytes ("png"). With ``path``: written there atomically in the
        format of its extension, returns None. InvalidArgumentError for an
        unknown name (its message lists the known ones) or a bad argument,
        NotFoundError when no sample lies in the range; nothing is written
        then."""
        from spirapi import _checks
        from spirapi.plot import _format_for, _path_of, _result
        _checks.text(name, "name")
        res = "any" if resolution is None else _checks.text(resolution, "resolution")
        file = _path_of(path)
        fmt = _format_for(file, format)
        args = (name, _time_us(since, 0), 2**63 - 1, res, _checks.c_int(width, "width"),
                _checks.c_int(height, "height"))
        if file is None:
            return _result(_spirapi.plot_metric(self._db, *args, fmt), fmt)
        _spirapi.plot_metric_file(self._db, *args, file)
        return None

    def optimize_for(self, goal: str) -> None:
        """Tunes the database for "speed", "space" or "security" and stores
        the choice (docs/DESIGN.md, "Optimization goals"); compact() rewrites
        existing data to it. "security" needs an encrypted database."""
        if not isinstance(goal, str):
            raise InvalidTypeError(f"goal must be a str, not {type(goal).__name__}")
        self._db.optimize_for(goal)

    def set_compression(self, level: Optional[int] = None, codec: Optional[str] = None) -> None:
        """Stores a new compression level (0..9) and/or codec ("zstd", "lzma"
        or "none") for the segment files; None keeps the stored one. Segments
        written from then on use them; compact() (or recompress()) rewrites
        the older ones. Forgets an optimize_for("speed"/"space") goal, whose
        settings these replace. InvalidArgumentError for a bad level or codec
        (nothing changes); NotSupportedError on a read_only database."""
        import json
        if codec is not None and not isinstance(codec, str):
            raise InvalidTypeError(f"codec must be a str, not {type(codec).__name__}")
        if level is not None and (not isinstance(level, int) or isinstance(level, bool)):
            raise InvalidTypeError(f"level must be an int, not {type(level).__name__}")
        if level is not None and not 0 <= level <= 9:
            raise InvalidArgumentError(f"compression level {level} is not in 0..9")
        stats = json.loads(self._db.stats_json())
        _spirapi.set_compression(self._db, stats["compression_codec"] if codec is None else codec,
                                 stats["compression_level"] if level is None else level)

    def recompress(self, level: Optional[int] = None, codec: Optional[str] = None,
                   progress: Progress = None) -> Dict[str, Any]:
        """The specification's compression optimization: set_compression()
        when ``level`` or ``codec`` is given, then compact() rewrites every
        segment with the stored settings. Returns {"before_bytes",
        "after_bytes", "codec", "level"}: the segments' size before (the
        journal flushed first) and after."""
        import json
        self.flush()
        before = json.loads(self._db.stats_json())
        if level is not None or codec is not None:
            self.set_compression(level=level, codec=codec)
        self.compact(progress)
        after = json.loads(self._db.stats_json())

        def segment_bytes(stats: Dict[str, Any]) -> int:
            return sum(c["segment_bytes"] for c in stats["components"].values())
        return {"before_bytes": segment_bytes(before), "after_bytes": segment_bytes(after),
                "codec": after["compression_codec"], "level": after["compression_level"]}

    def flush(self) -> None:
        """Writes the journal into the components' compressed segment files."""
        self._db.flush()

    def compact(self, progress: Progress = None) -> None:
        """Rewrites every component without overwritten or deleted records,
        with the current compression settings. Readers and writers go on.
        ``progress(f)`` is called with the fraction done; returning False
        stops with CancelledError, as Ctrl-C does with KeyboardInterrupt (the
        component being rewritten is left as it was; crash-safe throughout)."""
        self._db.compact(progress)

    def verify(self, progress: Progress = None) -> Dict[str, Any]:
        """Reads and checks every file and record. Returns {"clean": bool,
        "files_checked", "records_checked", "damage": [{"file", "offset",
        "component", "id", "what"}], "journal_tails": [...]}. ``progress(f)``
        is called with the fraction done; returning False stops with
        CancelledError. Ctrl-C stops it too (KeyboardInterrupt)."""
        result: Dict[str, Any] = self._db.verify(progress)
        return result

    def check_health(self, sample_records: int = 0) -> Dict[str, Any]:
        """Runs the health checks (docs/HEALTH.md): disk space and days
        until full, the last verify, damage, background work, the block
        cache, slow queries, backups. Returns {"overall": "ok", "warning"
        or "critical", "time", "findings": [{"check", "severity",
        "message", "recommendation"}]}. ``sample_records``: also read that
        many records at random from disk and check their SHA-256. Works on
        a read_only database; writes nothing."""
        from spirapi.health import _database_health
        return _database_health(self._db, sample_records)

    def catch_up(self) -> None:
        """Read-only instances: see every commit the writer has made since."""
        self._db.catch_up()

    def serve_dashboard(self, port: int = 8080, *, bind: str = "127.0.0.1",
                        token: Optional[str] = None,
                        refresh_seconds: float = 10) -> "Dashboard":
        """Serves the read-only web dashboard of this database (overview and
        health, performance charts, components, schemas, pi sequences, query
        history, /metrics and a JSON API) on its own threads, and returns a
        spirapi.dashboard.Dashboard (a context manager; ``.url``, ``.stop()``).
        ``port`` 0 picks a free one. Any ``bind`` but a loopback address needs
        ``token`` (16 characters or more), which every request must then carry
        (docs/DASHBOARD.md). InvalidArgumentError for a bad port, bind or
        token; IOError when the address cannot be bound (e.g. port in use)."""
        from spirapi.dashboard import Dashboard
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise InvalidArgumentError(f"port must be an int 0..65535, not {port!r}")
        if not isinstance(bind, str):
            raise InvalidTypeError(f"bind must be a str, not {type(bind).__name__}")
        if token is not None and not isinstance(token, str):
            raise InvalidTypeError(f"token must be a str or None, not {type(token).__name__}")
        if (isinstance(refresh_seconds, bool) or not isinstance(refresh_seconds, (int, float))
                or not refresh_seconds >= 0):
            raise InvalidArgumentError(f"refresh_seconds must be a number >= 0, "
                                       f"not {refresh_seconds!r}")
        return Dashboard(_spirapi.start_dashboard(self._db, bind, port, token or "",
                                                  float(refresh_seconds), str(self.path)))

    def backup_database(self, repository: Optional[PathLike] = None, *,
                        progress: Progress = None) -> "BackupInfo":
        """Takes a backup of this database into ``repository`` (default: the
        ``backup_repository`` option) while reads and writes go on, and
        returns its BackupInfo (spirapi.backup). Also on a read-only
        instance. The result, or the error, shows in get_database_stats()
        ("last_backup_id"...) and, unless read-only, in a METADATA record
        ``~backup/<id>`` committed after the backup. ``progress`` and errors
        as spirapi.backup_database."""
        from spirapi.backup import _database_backup
        if repository is None:
            repository = self._backup_repository
            if repository is None:
                raise InvalidArgumentError(
                    "backup_database: give a repository (the database has no "
                    "backup_repository option)")
        return _database_backup(self._db, repository, progress)

    def cleanup_database(self, older_than_days: float = 30,
                         component: Optional[TypeLike] = None, *, batch: int = 1000,
                         dry_run: bool = False) -> Dict[str, Any]:
        """Deletes the live records committed more than ``older_than_days``
        days ago (> 0, may be fractional), of ``component`` or of all six,
        ``batch`` deletes per transaction. SpiraPi's internal records (index
        entries and definitions, schema definitions and records, pi
        sequences, the query history...; docs/PYTHON.md lists them) are never
        deleted. A record rewritten by another writer meanwhile is kept and
        counted as skipped. Returns {"deleted", "skipped", "cutoff" (seconds
        since the epoch), "dry_run", "components": {name: deleted}}; with
        ``dry_run``, "deleted" counts what would be. NotSupportedError on a
        read_only database unless dry_run."""
        if (not isinstance(older_than_days, (int, float)) or isinstance(older_than_days, bool)
                or not older_than_days > 0):
            raise InvalidArgumentError(f"older_than_days must be a number > 0, "
                                       f"not {older_than_days!r}")
        number = -1 if component is None else int(StorageType.parse(component))
        n = _at_least(batch, 1, "batch")
        if not isinstance(dry_run, bool):
            raise InvalidTypeError(f"dry_run must be a bool, not {type(dry_run).__name__}")
        result: Dict[str, Any] = _spirapi.cleanup(self._db, float(older_than_days), number, n,
                                                  dry_run, self._sync)
        return result
