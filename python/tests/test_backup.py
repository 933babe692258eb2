"""Backups from Python: spirapi.backup_database and friends, and
SpiraPiDatabase.backup_database and its open options. Round trips record
for record, incremental backups, point-in-time restores from the journal
archive, damage found by verify, prune, encrypted databases, and the
arguments a careless or hostile caller gives."""

import _thread
import datetime
import math
import os
import time

import pytest

import spirapi
from spirapi import StorageType

UTC = datetime.timezone.utc


@pytest.fixture(autouse=True)
def no_ambient_passphrase(monkeypatch):
    monkeypatch.delenv("SPIRAPI_PASSPHRASE", raising=False)


def open_db(path, **options):
    options.setdefault("max_file_size_mb", 1)
    return spirapi.SpiraPiDatabase(path, sync=False, **options)


def fill(db, prefix="r", n=20, size=100):
    """Records in several components, with overwrites, deletes and blobs."""
    for i in range(n):
        db["sequence"].put(f"{prefix}{i:04d}", {"i": i, "pad": os.urandom(size).hex()},
                           {"by": prefix}, os.urandom(8) if i % 3 == 0 else None)
        db["metadata"].put(f"{prefix}m{i}", [i, str(i), i / 7])
    for i in range(0, n, 4):
        db["sequence"].put(f"{prefix}{i:04d}", {"i": i, "again": True})
    for i in range(1, n, 5):
        db["metadata"].delete(f"{prefix}m{i}")


def contents(path, passphrase=None, skip_backup_records=False):
    """Every record of every component, with each retained older version."""
    out = {}
    with spirapi.SpiraPiDatabase(path, read_only=True, passphrase=passphrase) as db:
        for t in StorageType:
            for r in db.scan(t):
                if skip_backup_records and r.id.startswith("~backup/"):
                    continue
                older = [db[t].get_version(r.id, v) for v in range(1, r.version)]
                out[(int(t), r.id)] = (r, older)
    return out


def wait_for(predicate, seconds=30.0):
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_round_trip_record_for_record(tmp_path):
    src, repo, dst = tmp_path / "db", tmp_path / "repo", tmp_path / "restored"
    with open_db(src) as db:
        fill(db)
        db.flush()
        fill(db, "s", n=10)  # some in segments, some only in the journal
    before = contents(src)
    info = spirapi.backup_database(src, repo)
    assert isinstance(info, spirapi.BackupInfo)
    assert info.files > 0 and info.bytes > 0 and info.new_bytes > 0 and not info.encrypted
    assert info.commit > 0 and info.created <= info.finished
    assert abs(info.created - time.time()) < 60
    assert spirapi.list_backups(repo) == [info]
    restored = spirapi.restore_backup(repo, dst)
    assert restored.backup_id == info.id and restored.commit == info.commit
    assert contents(dst) == before
    assert len(before) > 30


def test_backup_of_an_open_database(tmp_path):
    src, repo, dst = tmp_path / "db", tmp_path / "repo", tmp_path / "restored"
    with open_db(src) as db:
        fill(db)
        before = contents_open(db)
        info = db.backup_database(repo)
        fill(db, "after", n=3)  # not in the backup
        stats = db.get_database_stats()
        assert stats["last_backup_id"] == info.id
        assert stats["last_backup_us"] == round(info.created * 1e6)
        assert stats["last_backup_error"] == "" and stats["backups_failed"] == 0
        assert stats["last_backup_seconds"] >= 0
        record = db["metadata"]["~backup/" + info.id]
        assert record.data["status"] == "ok" and record.data["commit"] == info.commit
    spirapi.restore_backup(repo, dst, backup_id=info.id)
    assert contents(dst) == before


def contents_open(db):
    out = {}
    for t in StorageType:
        for r in db.scan(t):
            older = [db[t].get_version(r.id, v) for v in range(1, r.version)]
            out[(int(t), r.id)] = (r, older)
    return out


def test_second_backup_is_incremental(tmp_path):
    src, repo = tmp_path / "db", tmp_path / "repo"
    with open_db(src) as db:
        fill(db, n=400, size=1000)  # ~1 MB of incompressible data: several segments
        db.flush()
        first = db.backup_database(repo)
        db["cache"].put("one-more", {"small": True})
        db.flush()
        second = db.backup_database(repo)
    assert first.new_bytes > 500_000
    assert second.new_bytes * 10 < first.new_bytes
    assert second.bytes > first.new_bytes // 2  # it holds the old segments too
    assert [b.id for b in spirapi.list_backups(repo)] == [first.id, second.id]
    assert second.commit > first.commit


def test_point_in_time_restore_from_the_journal_archive(tmp_path):
    src, repo = tmp_path / "db", tmp_path / "repo"
    db = open_db(src, backup_repository=repo, archive_journals=True)
    # Opened with an empty repository, the database takes a backup at once.
    wait_for(lambda: db.get_database_stats()["last_backup_id"])
    fill(db, n=5)
    base = db.backup_database()  # the backup_repository option's
    for i in range(6):
        db["metadata"].put(f"after-{i}", {"i": i})
        time.sleep(0.002)
    stamps = [db["metadata"][f"after-{i}"].timestamp for i in range(6)]
    db.flush()  # seals the journal, which is archived before it is deleted
    wait_for(lambda: db.get_database_stats()["journals_archived"] >= 1)
    assert db.get_database_stats()["archive_error"] == ""
    db.close()

    def after_records(target):
        with spirapi.SpiraPiDatabase(target, read_only=True) as r:
            return sorted(rec.id for rec in r.scan("metadata", prefix="after-"))

    # The backup's commit, then its ~backup record, then one commit per put.
    first_after = base.commit + 2
    for k in (0, 3, 5):
        target = tmp_path / f"commit-{k}"
        info = spirapi.restore_backup(repo, target, to_commit=first_after + k)
        assert info.commit == first_after + k and info.backup_id == base.id
        # The archived copy extends the backup's copy of the same journal,
        # which journals_replayed does not count ("beyond the backup").
        assert info.commit > base.commit and info.journals_replayed >= 0
        assert after_records(target) == [f"after-{i}" for i in range(k + 1)]

    at = stamps[3]  # "at or before": after-3 is in, after-4 is not
    as_datetime = datetime.datetime.fromtimestamp(at, UTC)
    for n, when in enumerate([at, as_datetime, as_datetime.replace(tzinfo=None),
                              as_datetime.astimezone(datetime.timezone(
                                  datetime.timedelta(hours=5, minutes=30))),
                              as_datetime.isoformat(), as_datetime.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                              f"{at:.6f}"]):
        target = tmp_path / f"time-{n}"
        spirapi.restore_backup(repo, target, to_time=when)
        assert after_records(target) == [f"after-{i}" for i in range(4)], when

    # Beyond what the repository holds, or before its first backup.
    with pytest.raises(spirapi.InvalidArgumentError, match="commit"):
        spirapi.restore_backup(repo, tmp_path / "x1", to_commit=first_after + 1000)
    assert not (tmp_path / "x1").exists()
    with pytest.raises(spirapi.InvalidArgumentError, match="before"):
        spirapi.restore_backup(repo, tmp_path / "x2", to_time=datetime.datetime(2001, 1, 1))


def test_module_archive_journals(tmp_path):
    src, repo = tmp_path / "db", tmp_path / "repo"
    with open_db(src) as db:
        fill(db, n=5)
    spirapi.backup_database(src, repo)
    with open_db(src) as db:
        db["cache"].put("late", 1)
        # Sealed but not yet flushed away: flush() seals and deletes, so the
        # archive is taken from a journal the size limit sealed.
        fill(db, "big", n=300, size=2000)
        result = spirapi.archive_journals(src, repo)
        assert isinstance(result, spirapi.ArchiveResult)
        assert result.archived >= 1 and not result.gap
        again = spirapi.archive_journals(src, repo)
        assert again.archived == 0


def test_restore_refuses_a_non_empty_directory(tmp_path):
    src, repo, dst = tmp_path / "db", tmp_path / "repo", tmp_path / "busy"
    with open_db(src) as db:
        fill(db, n=3)
    spirapi.backup_database(src, repo)
    dst.mkdir()
    (dst / "precious.txt").write_text("mine")
    with pytest.raises(spirapi.InvalidArgumentError, match="not empty"):
        spirapi.restore_backup(repo, dst)
    assert os.listdir(dst) == ["precious.txt"]
    assert (dst / "precious.txt").read_text() == "mine"
    # A file where the directory should be, or a link to one, stays.
    with pytest.raises(spirapi.InvalidArgumentError, match="not a directory"):
        spirapi.restore_backup(repo, dst / "precious.txt")
    assert (dst / "precious.txt").read_text() == "mine"
    os.symlink(dst / "precious.txt", tmp_path / "link")
    with pytest.raises(spirapi.InvalidArgumentError, match="not a directory"):
        spirapi.restore_backup(repo, tmp_path / "link")
    os.symlink(tmp_path / "nowhere", tmp_path / "dangling")
    with pytest.raises(spirapi.InvalidArgumentError, match="not a directory"):
        spirapi.restore_backup(repo, tmp_path / "dangling")
    assert (dst / "precious.txt").read_text() == "mine"
    assert os.path.islink(tmp_path / "link") and os.path.islink(tmp_path / "dangling")
    # An empty directory is fine.
    (tmp_path / "empty").mkdir()
    spirapi.restore_backup(repo, tmp_path / "empty")


def object_files(repo):
    return [os.path.join(d, f) for d, _, files in os.walk(os.path.join(repo, "objects"))
            for f in files]


def test_verify_finds_a_flipped_byte(tmp_path):
    src, repo = tmp_path / "db", tmp_path / "repo"
    with open_db(src) as db:
        fill(db, n=50)
        db.flush()
    info = spirapi.backup_database(src, repo)
    report = spirapi.verify_backups(repo)
    assert isinstance(report, spirapi.BackupVerifyReport)
    assert report.clean and report.damage == [] and report.skipped == []
    assert report.backups_checked == 1 and report.files_checked >= info.files
    assert report.records_checked > 0 and report.bytes_checked >= info.bytes
    assert spirapi.verify_backups(repo, info.id).clean

    victim = max(object_files(repo), key=os.path.getsize)
    with open(victim, "r+b") as f:
        f.seek(os.path.getsize(victim) // 2)
        byte = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0x01]))
    report = spirapi.verify_backups(repo)
    assert not report.clean and report.damage
    assert any(os.path.basename(victim) in line for line in report.damage), report.damage
    # A restore that needs the file refuses, and leaves nothing behind.
    with pytest.raises(spirapi.CorruptionError):
        spirapi.restore_backup(repo, tmp_path / "restored")
    assert not (tmp_path / "restored").exists()


def test_prune_keep_last(tmp_path):
    src, repo = tmp_path / "db", tmp_path / "repo"
    infos = []
    with open_db(src) as db:
        for n in range(3):
            fill(db, f"g{n}-", n=30, size=500)
            db.flush()
            infos.append(db.backup_database(repo))
        newest = contents_open(db)
    dry = spirapi.prune_backups(repo, keep_last=1, dry_run=True)
    assert isinstance(dry, spirapi.PruneResult)
    assert dry.kept == [infos[2].id] and sorted(dry.removed) == sorted(i.id for i in infos[:2])
    assert len(spirapi.list_backups(repo)) == 3
    result = spirapi.prune_backups(repo, keep_last=1)
    assert result.removed == dry.removed and result.kept == dry.kept
    assert result.files_removed > 0 and result.bytes_removed > 0
    assert [b.id for b in spirapi.list_backups(repo)] == [infos[2].id]
    assert spirapi.verify_backups(repo).clean
    spirapi.restore_backup(repo, tmp_path / "restored")
    restored = contents(tmp_path / "restored")
    # The newest backup precedes its own ~backup record.
    assert restored == {k: v for k, v in newest.items() if k[1] != "~backup/" + infos[2].id}
    with pytest.raises(spirapi.InvalidArgumentError):
        spirapi.restore_backup(repo, tmp_path / "gone", backup_id=infos[0].id)


def test_encrypted_database_backs_up_without_its_passphrase(tmp_path, monkeypatch):
    src, repo = tmp_path / "db", tmp_path / "repo"
    with open_db(src, encryption_enabled=True, passphrase="correct horse") as db:
        fill(db, n=10)
        stamp = db["metadata"]["rm0"].timestamp
    before = contents(src, passphrase="correct horse")
    info = spirapi.backup_database(src, repo)  # no passphrase anywhere
    assert info.encrypted

    report = spirapi.verify_backups(repo)
    assert report.clean and report.records_checked == 0
    assert report.skipped and "passphrase" in " ".join(report.skipped)
    report = spirapi.verify_backups(repo, passphrase="correct horse")
    assert report.clean and report.records_checked > 0 and report.skipped == []
    monkeypatch.setenv("SPIRAPI_PASSPHRASE", "correct horse")  # the ambient one counts
    assert spirapi.verify_backups(repo).records_checked > 0
    monkeypatch.delenv("SPIRAPI_PASSPHRASE")

    with pytest.raises(spirapi.InvalidArgumentError, match="passphrase"):
        spirapi.restore_backup(repo, tmp_path / "t1", to_time=stamp + 3600)
    assert not (tmp_path / "t1").exists()
    with pytest.raises(spirapi.InvalidArgumentError, match="passphrase"):
        spirapi.restore_backup(repo, tmp_path / "t2", to_time=stamp + 3600, passphrase="wrong")
    spirapi.restore_backup(repo, tmp_path / "t3")  # copied as is, not opened
    assert contents(tmp_path / "t3", passphrase="correct horse") == before
    spirapi.restore_backup(repo, tmp_path / "t4", passphrase="correct horse")
    assert contents(tmp_path / "t4", passphrase="correct horse") == before


def test_progress_and_cancel(tmp_path):
    src, repo = tmp_path / "db", tmp_path / "repo"
    with open_db(src) as db:
        fill(db, n=100, size=1000)
        db.flush()
    seen = []
    with pytest.raises(spirapi.CancelledError):
        spirapi.backup_database(src, repo, progress=lambda f: seen.append(f) or False)
    assert seen
    assert spirapi.list_backups(repo) == []
    seen.clear()
    info = spirapi.backup_database(src, repo, progress=seen.append)
    assert seen and all(0 <= f <= 1 for f in seen)
    with pytest.raises(ZeroDivisionError):  # the callback's own exception
        spirapi.restore_backup(repo, tmp_path / "r", progress=lambda f: 1 / 0)
    assert not (tmp_path / "r").exists()
    assert spirapi.restore_backup(repo, tmp_path / "r2").backup_id == info.id

    def ctrl_c(f):
        _thread.interrupt_main()  # as if Ctrl-C arrived during the backup
    with open_db(src) as db:
        db["cache"].put("more", 1)
        with pytest.raises(KeyboardInterrupt):
            db.backup_database(repo, progress=ctrl_c)
        assert db.get_database_stats()["backups_failed"] == 1
        assert "ancelled" in db.get_database_stats()["last_backup_error"]
        with pytest.raises(spirapi.CancelledError):
            db.backup_database(repo, progress=lambda f: False)
        seen.clear()
        second = db.backup_database(repo, progress=seen.append)
        assert seen[-1] == 1.0 and seen == sorted(seen)
    with pytest.raises(KeyboardInterrupt):
        spirapi.restore_backup(repo, tmp_path / "r3", progress=ctrl_c)
    assert not (tmp_path / "r3").exists()
    assert [b.id for b in spirapi.list_backups(repo)] == [info.id, second.id]


def test_open_options_and_stats(tmp_path):
    repo = tmp_path / "repo"
    with open_db(tmp_path / "db", backup_repository=str(repo), backup_interval_hours=1) as db:
        wait_for(lambda: db.get_database_stats()["last_backup_id"])
        stats = db.get_database_stats()
        assert stats["backup_interval_hours"] == 1
        for key in ("last_backup_id", "last_backup_us", "last_backup_seconds",
                    "last_backup_error", "backups_failed", "journals_archived",
                    "archive_error"):
            assert key in stats
        assert [b.id for b in spirapi.list_backups(repo)] == [stats["last_backup_id"]]
    with pytest.raises(spirapi.InvalidArgumentError):
        open_db(tmp_path / "db2", archive_journals=True)  # needs a repository
    with pytest.raises(spirapi.InvalidArgumentError, match="archive_journals"):
        open_db(tmp_path / "db3", backup_repository=repo, archive_journals="yes")
    with pytest.raises(spirapi.InvalidArgumentError):
        open_db(tmp_path / "db", read_only=True, backup_repository=repo)
    with pytest.raises(spirapi.InvalidTypeError, match="backup_repository"):
        open_db(tmp_path / "db4", backup_repository=42)
    with open_db(tmp_path / "db5") as db:
        with pytest.raises(spirapi.InvalidArgumentError, match="repository"):
            db.backup_database()  # no option, no argument
    with pytest.raises(spirapi.InvalidArgumentError, match="closed"):
        db.backup_database(repo)


def test_bad_arguments(tmp_path):
    src, repo = tmp_path / "db", tmp_path / "repo"
    with open_db(src) as db:
        fill(db, n=3)
    spirapi.backup_database(src, repo)
    target = tmp_path / "t"

    def invalid(match, fn, *args, **kwargs):
        with pytest.raises(spirapi.InvalidArgumentError, match=match):
            fn(*args, **kwargs)
        assert not target.exists()

    for name in ("keep_last", "keep_daily", "keep_weekly"):
        invalid(f"{name} must be >= 0", spirapi.prune_backups, repo, **{name: -1})
    invalid("keep_last", spirapi.prune_backups, repo, keep_last=2 ** 40)
    invalid("delete every backup", spirapi.prune_backups, repo)
    with pytest.raises(spirapi.InvalidTypeError, match="keep_last"):
        spirapi.prune_backups(repo, keep_last="1")
    with pytest.raises(spirapi.InvalidTypeError, match="keep_last"):
        spirapi.prune_backups(repo, keep_last=True)
    with pytest.raises(spirapi.InvalidTypeError, match="dry_run"):
        spirapi.prune_backups(repo, keep_last=1, dry_run="no")
    assert len(spirapi.list_backups(repo)) == 1

    invalid("at most one of backup_id, to_commit and to_time", spirapi.restore_backup, repo,
            target, to_commit=3, to_time=time.time())
    invalid("backup_id and to_commit", spirapi.restore_backup, repo, target, backup_id="x",
            to_commit=3)
    invalid("yesterday", spirapi.restore_backup, repo, target, to_time="yesterday")
    invalid("'' is not a time", spirapi.restore_backup, repo, target, to_time="")
    invalid("2026-13-45", spirapi.restore_backup, repo, target, to_time="2026-13-45T99:00:00")
    invalid("finite", spirapi.restore_backup, repo, target, to_time=math.nan)
    invalid("finite", spirapi.restore_backup, repo, target, to_time=math.inf)
    invalid("out of range", spirapi.restore_backup, repo, target, to_time=10 ** 30)
    invalid("to_commit must be >= 1", spirapi.restore_backup, repo, target, to_commit=0)
    invalid("to_commit", spirapi.restore_backup, repo, target, to_commit=-1)
    invalid("to_commit", spirapi.restore_backup, repo, target, to_commit=2 ** 64)
    invalid("no backup nope", spirapi.restore_backup, repo, target, backup_id="nope")
    invalid("backup_id must not be empty", spirapi.restore_backup, repo, target, backup_id="")
    for bad in (True, [1], datetime.date(2026, 1, 1), b"2026-01-01"):
        with pytest.raises(spirapi.InvalidTypeError, match="to_time"):
            spirapi.restore_backup(repo, target, to_time=bad)
    with pytest.raises(spirapi.InvalidTypeError, match="backup_id"):
        spirapi.restore_backup(repo, target, backup_id=5)
    with pytest.raises(spirapi.InvalidTypeError, match="passphrase"):
        spirapi.restore_backup(repo, target, passphrase=b"pw")
    assert not target.exists()

    with pytest.raises(spirapi.InvalidTypeError, match="repository"):
        spirapi.list_backups(None)
    with pytest.raises(spirapi.InvalidTypeError, match="db_path"):
        spirapi.backup_database(b"/tmp/db", repo)
    invalid("empty", spirapi.list_backups, "")
    invalid("", spirapi.list_backups, tmp_path)  # a directory, not a repository
    invalid("", spirapi.list_backups, tmp_path / "nowhere")
    invalid("", spirapi.verify_backups, tmp_path / "nowhere")
    invalid("no backup nope", spirapi.verify_backups, repo, "nope")
    invalid("", spirapi.backup_database, tmp_path / "not-a-db", tmp_path / "repo2")
    invalid("", spirapi.backup_database, src, src)  # a database is not a repository
    invalid("", spirapi.archive_journals, tmp_path / "not-a-db", repo)

    other = tmp_path / "other"
    with open_db(other) as db:
        db["cache"].put("x", 1)
    invalid("", spirapi.backup_database, other, repo)  # the repository is src's
    assert len(spirapi.list_backups(repo)) == 1

    # A name that is not UTF-8 is a path like any other.
    odd = os.fsdecode(os.path.join(os.fsencode(str(tmp_path)), b"r\xffepo"))
    info = spirapi.backup_database(src, odd)
    assert spirapi.list_backups(odd) == [info]


ODD = [None, -1, 0, 2**64, math.nan, math.inf, "", "\ud800", "x" * 5000, b"\xff", [], {},
       object(), True, 1.5]


def test_hostile_values_raise_only_spirapi_errors(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # relative paths land here
    src, repo = tmp_path / "db", tmp_path / "repo"
    with open_db(src) as db:
        fill(db, n=3)
    spirapi.backup_database(src, repo)
    good = {"db_path": src, "repository": repo, "target": None, "backup_id": None,
            "to_commit": None, "to_time": None, "passphrase": None, "keep_last": 1,
            "keep_daily": 0, "keep_weekly": 0, "dry_run": True, "progress": None}
    for fn in (spirapi.backup_database, spirapi.archive_journals, spirapi.list_backups,
               spirapi.restore_backup, spirapi.verify_backups, spirapi.prune_backups):
        names = fn.__code__.co_varnames[:fn.__code__.co_argcount + fn.__code__.co_kwonlyargcount]
        for name in names:
            for n, value in enumerate(ODD):
                kwargs = {k: good[k] for k in names}
                if "target" in kwargs:
                    kwargs["target"] = tmp_path / f"t-{fn.__name__}-{name}-{n}"
                kwargs[name] = value
                try:
                    fn(**kwargs)
                except (spirapi.Error, TypeError):
                    pass
    assert spirapi.list_backups(repo)  # None as progress is valid: more backups
    assert spirapi.verify_backups(repo).clean
