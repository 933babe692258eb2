"""Backups, the journal archive and point-in-time restore (docs/PYTHON.md,
"Backups and restores"; the engine's include/spirapi/backup.h).

A backup repository is a directory holding many backups of one database,
each file stored once by its SHA-256 however many backups share it, and,
with continuous archiving, every sealed journal, so that a restore can reach
any commit, not only the backup moments. None of these functions needs the
database open or its passphrase: a backup reads the database's files as a
read-only instance does, while the writing process goes on. One repository
takes one backup, archive, prune or restore at a time (BusyError for the
others); lists and verifies run alongside.

Times are seconds since the Unix epoch (floats), as everywhere in the
package.
"""

from __future__ import annotations

import datetime
import math
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Union

from spirapi import _checks, _spirapi
from spirapi._errors import InvalidArgumentError, InvalidTypeError

PathLike = Union[str, "os.PathLike[str]"]
Progress = Optional[Callable[[float], Optional[bool]]]
#: A restore point in time: a datetime (naive means UTC), ISO 8601 text
#: ("2026-12-07T19:05:12", optional fraction and Z or +hh:mm; none means
#: UTC) or epoch seconds as text, or epoch seconds as an int or float.
TimeLike = Union[datetime.datetime, str, int, float]

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
_INT64 = 2 ** 63


@dataclass
class BackupInfo:
    """One backup as the repository records it.

    ``id`` (e.g. "20261207T190512.004251Z"); ``created`` when its snapshot of
    the database was taken and ``finished`` when it was complete (seconds
    since the Unix epoch); ``commit`` the last transaction (sequence number)
    it holds; ``files`` and ``bytes`` the number and size of its files;
    ``new_bytes`` what it added to the repository (the rest was there
    already); ``encrypted`` whether the database is encrypted.
    """

    id: str
    created: float
    finished: float
    commit: int
    files: int
    bytes: int
    new_bytes: int
    encrypted: bool

    @classmethod
    def _from_dict(cls, d: Dict[str, Any]) -> "BackupInfo":
        return cls(id=d["id"], created=d["created_us"] / 1e6, finished=d["finished_us"] / 1e6,
                   commit=d["commit"], files=d["files"], bytes=d["bytes"],
                   new_bytes=d["new_bytes"], encrypted=d["encrypted"])


@dataclass
class ArchiveResult:
    """What archive_journals did: ``archived`` journals copied; ``gap`` True
    if a journal was flushed and deleted before it could be archived, so
    restores cannot pass it until the next backup."""

    archived: int
    gap: bool


@dataclass
class RestoreInfo:
    """What restore_backup wrote: ``backup_id`` the backup it started from,
    ``commit`` the last commit restored, ``journals_replayed`` archived
    journals used beyond the backup, ``bytes`` written."""

    backup_id: str
    commit: int
    journals_replayed: int
    bytes: int


@dataclass
class BackupVerifyReport:
    """What verify_backups checked and found. ``damage`` has one line per
    problem, naming the backup or journal and the file; ``skipped`` the
    checks not made and why (the records of an encrypted backup without the
    passphrase). ``clean`` is True when ``damage`` is empty."""

    backups_checked: int
    files_checked: int
    records_checked: int
    bytes_checked: int
    damage: List[str] = field(default_factory=list)
    skipped: List[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """Whether no damage was found (skipped checks do not count)."""
        return not self.damage


@dataclass
class PruneResult:
    """What prune_backups removed (or, with dry_run, would remove):
    ``kept`` and ``removed`` backup ids, ``files_removed`` and
    ``bytes_removed`` the files no kept backup needs, ``journals_removed``
    archived journals older than the oldest kept backup."""

    kept: List[str]
    removed: List[str]
    files_removed: int
    bytes_removed: int
    journals_removed: int


def _path(value: Any, what: str) -> bytes:
    """A path argument as the OS's bytes (any path the OS accepts works)."""
    if isinstance(value, (str, os.PathLike)):
        p = os.fspath(value)
        if isinstance(p, str):
            if not p:
                raise InvalidArgumentError(f"{what} must not be empty")
            try:
                return os.fsencode(p)
            except UnicodeEncodeError:
                raise InvalidArgumentError(
                    f"{what} is not a valid path (a lone surrogate?): {p!r}") from None
    raise InvalidTypeError(f"{what} must be a str or a str path, not {type(value).__name__}")


def _text(value: Any, what: str) -> str:
    """A str argument that UTF-8 can hold (no lone surrogates)."""
    text = _checks.text(value, what)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidArgumentError(f"{what} is not valid Unicode (a lone surrogate?)") from None
    return text


def _optional_text(value: Any, what: str) -> str:
    return "" if value is None else _text(value, what)


def _passphrase(value: Any) -> str:
    """The given passphrase, else SPIRAPI_PASSPHRASE's, else none ("")."""
    if value is None:
        return os.environ.get("SPIRAPI_PASSPHRASE", "")
    return _text(value, "passphrase")


def _restore_time_us(value: TimeLike) -> int:
    """A restore time as microseconds since the Unix epoch."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return (value - _EPOCH) // datetime.timedelta(microseconds=1)
    if isinstance(value, str):
        us: int = _spirapi.parse_restore_time(value)
        return us
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidTypeError("to_time must be a datetime, a str or epoch seconds (int or "
                               f"float), not {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidArgumentError(f"to_time must be a finite number of seconds, not {value!r}")
    us = value * 1_000_000 if isinstance(value, int) else round(value * 1e6)
    if not -_INT64 <= us < _INT64:
        raise InvalidArgumentError(f"to_time is out of range: {value!r} seconds")
    return us


def backup_database(db_path: PathLike, repository: PathLike, *,
                    progress: Progress = None) -> BackupInfo:
    """Copies the database in directory ``db_path`` into ``repository`` (created
    if it holds none) as a new backup, and returns its BackupInfo. Only the
    files the repository does not hold yet are copied, so every backup after
    the first is incremental. Works while another process writes to the
    database, needs no passphrase (an encrypted database is copied as it is),
    and holds every commit complete in the journal when it began.

    ``progress(f)`` is called with the fraction done; returning False stops
    with CancelledError, as Ctrl-C does with KeyboardInterrupt (files copied
    so far stay for the next backup). Errors: InvalidArgumentError (not a
    database; a repository of another database), BusyError (the repository
    is in use), IOError (disk full: the new backup is absent and the earlier
    ones intact), CorruptionError. To back up a database open in this
    process, SpiraPiDatabase.backup_database also records it in its stats.
    """
    return BackupInfo._from_dict(_spirapi.backup_database(
        _path(db_path, "db_path"), _path(repository, "repository"), progress))


def archive_journals(db_path: PathLike, repository: PathLike, *,
                     progress: Progress = None) -> ArchiveResult:
    """Copies to ``repository`` every sealed journal of the database that it
    does not hold yet (the journal archive), so that restore_backup can reach
    the commits after the newest backup. Journals are sealed when they reach
    max_file_size_mb and by flush(). The ``archive_journals=True`` open
    option does this at each seal. Errors: as backup_database."""
    archived, gap = _spirapi.archive_journals(_path(db_path, "db_path"),
                                              _path(repository, "repository"), progress)
    return ArchiveResult(archived=archived, gap=gap)


def list_backups(repository: PathLike) -> List[BackupInfo]:
    """The repository's backups, oldest first. InvalidArgumentError if it is
    not a backup repository; CorruptionError if a backup's record does not
    check."""
    return [BackupInfo._from_dict(d)
            for d in _spirapi.list_backups(_path(repository, "repository"))]


def restore_backup(repository: PathLike, target: PathLike, backup_id: Optional[str] = None,
                   to_commit: Optional[int] = None, to_time: Optional[TimeLike] = None, *,
                   passphrase: Optional[str] = None,
                   progress: Progress = None) -> RestoreInfo:
    """Writes the database as it was at one point into ``target``, a
    directory that must not exist or be empty: every commit up to that point
    and none after, each record with its versions, timestamps and checksums.
    The point is at most one of ``backup_id`` (exactly that backup),
    ``to_commit`` (every commit with a sequence number <= it) and
    ``to_time`` (every commit made at or before it: a datetime, naive ones
    taken as UTC; ISO 8601 text, UTC without an offset; or epoch seconds);
    none means the newest backup. Commits after a backup come from the
    journal archive.

    ``passphrase`` (default: the SPIRAPI_PASSPHRASE environment variable) is
    needed to restore an encrypted database to a time, and lets the restored
    database be opened to check it. ``progress`` as for backup_database.
    Errors: InvalidArgumentError if target holds anything (nothing is
    written), for an unknown backup, a point before the first backup or
    beyond the last commit held (the message says which commits can be
    reached), or a time asked of an encrypted database without the
    passphrase; CorruptionError naming a file whose bytes do not check
    (target is then removed); BusyError; IOError.
    """
    given = [name for name, v in (("backup_id", backup_id), ("to_commit", to_commit),
                                  ("to_time", to_time)) if v is not None]
    if len(given) > 1:
        raise InvalidArgumentError("restore_backup: give at most one of backup_id, to_commit "
                                   "and to_time, not " + " and ".join(given))
    commit = 0
    if to_commit is not None:
        commit = _checks.uint64(to_commit, "to_commit")
        if commit == 0:
            raise InvalidArgumentError("to_commit must be >= 1 (commits are numbered from 1)")
    bid = _optional_text(backup_id, "backup_id")
    if backup_id is not None and not bid:
        raise InvalidArgumentError("backup_id must not be empty (None: the newest backup)")
    time_us = None if to_time is None else _restore_time_us(to_time)
    target_path = _path(target, "target")
    if os.path.lexists(target_path) and not os.path.isdir(target_path):
        # Checked here as well: the engine would remove such a file when
        # the restore then fails.
        raise InvalidArgumentError(f"{os.fsdecode(target_path)} is not a directory: a restore "
                                   "writes only into a new or empty directory")
    d = _spirapi.restore_backup(_path(repository, "repository"), target_path, bid,
                                commit, time_us, _passphrase(passphrase), progress)
    return RestoreInfo(backup_id=d["backup_id"], commit=d["commit"],
                       journals_replayed=d["journals_replayed"], bytes=d["bytes"])


def verify_backups(repository: PathLike, backup_id: Optional[str] = None, *,
                   passphrase: Optional[str] = None) -> BackupVerifyReport:
    """Checks every file of the backups (``backup_id``: that one only;
    None: all of them and the journal archive) against its SHA-256, that each
    backup is complete, and, by opening each backup read-only where it lies,
    every record's SHA-256; an encrypted backup's records only with the
    ``passphrase`` (default: SPIRAPI_PASSPHRASE), else ``skipped`` says so.
    Damage is reported in the result (``clean`` is False), not raised.
    Errors: InvalidArgumentError (not a repository, no such backup),
    IOError."""
    bid = _optional_text(backup_id, "backup_id")
    if backup_id is not None and not bid:
        raise InvalidArgumentError("backup_id must not be empty (None: every backup)")
    d = _spirapi.verify_backups(_path(repository, "repository"), bid, _passphrase(passphrase))
    return BackupVerifyReport(**d)


def prune_backups(repository: PathLike, keep_last: int = 0, keep_daily: int = 0,
                  keep_weekly: int = 0, *, dry_run: bool = False) -> PruneResult:
    """Deletes the backups no rule keeps, then the files and archived
    journals no kept backup needs. ``keep_last`` keeps the newest N backups,
    ``keep_daily`` the newest of each of the last N days (UTC) that have
    one, ``keep_weekly`` the newest of each of the last N ISO weeks that
    have one; a backup kept by any rule stays. At least one must be > 0
    (all zero would delete every backup). ``dry_run`` reports without
    deleting. A crash at any moment leaves every kept backup intact.
    Errors: InvalidArgumentError, BusyError, IOError."""
    counts = {}
    for name, value in (("keep_last", keep_last), ("keep_daily", keep_daily),
                        ("keep_weekly", keep_weekly)):
        counts[name] = _checks.c_int(value, name)
        if counts[name] < 0:
            raise InvalidArgumentError(f"{name} must be >= 0, not {counts[name]}")
    if not any(counts.values()):
        raise InvalidArgumentError("prune_backups: give keep_last, keep_daily or keep_weekly "
                                   "> 0 (keeping none would delete every backup)")
    if not isinstance(dry_run, bool):
        raise InvalidTypeError(f"dry_run must be a bool, not {type(dry_run).__name__}")
    d = _spirapi.prune_backups(_path(repository, "repository"), counts["keep_last"],
                               counts["keep_daily"], counts["keep_weekly"], dry_run)
    return PruneResult(**d)


def _database_backup(raw: Any, repository: PathLike, progress: Progress) -> BackupInfo:
    """SpiraPiDatabase.backup_database's call into the engine (DB::Backup)."""
    return BackupInfo._from_dict(_spirapi.database_backup(
        raw, _path(repository, "repository"), progress))


__all__ = ["BackupInfo", "ArchiveResult", "RestoreInfo", "BackupVerifyReport", "PruneResult",
           "backup_database", "archive_journals", "list_backups", "restore_backup",
           "verify_backups", "prune_backups"]
