"""The query history from Python: SpiraPiDatabase.query_log() and
prune_query_log() (docs/QUERY.md, "Query history")."""

import time

import pytest

import spirapi
from spirapi import _spirapi

DAY_US = 86_400_000_000


def append(db, query, seconds=0.01, time_us=0, status="ok", max_entries=0, max_age_days=0.0):
    """Writes one entry, as the engine does for each query it runs."""
    _spirapi.append_query_log(db._raw(), query, "component sequence", "scan", seconds, 10, 2,
                              time_us, status, max_entries, max_age_days)


@pytest.fixture
def db(tmp_path):
    with spirapi.SpiraPiDatabase(tmp_path / "db", sync=False) as d:
        yield d


def now_us():
    return int(time.time() * 1_000_000)


def test_entries_newest_first_with_filters(db):
    t = now_us() - 10_000
    append(db, '{"a":1}', 0.01, t)
    append(db, '{"b":1}', 0.5, t + 1)
    append(db, '{"c":', 0.2, t + 2, status="InvalidArgument: query: not JSON")
    log = db.query_log()
    assert [e["query"] for e in log] == ['{"c":', '{"b":1}', '{"a":1}']
    b = log[1]
    assert b["seconds"] == 0.5 and b["rows_examined"] == 10 and b["rows_returned"] == 2
    assert b["source"] == "component sequence" and b["plan"] == "scan" and b["status"] == "ok"
    assert b["time_us"] == t + 1 and b["time"].endswith("Z") and b["id"].startswith("~log/")
    assert log[0]["status"] == "InvalidArgument: query: not JSON"
    assert [e["query"] for e in db.query_log(slow=True)] == ['{"c":', '{"b":1}']
    assert [e["query"] for e in db.query_log(slow=0.3)] == ['{"b":1}']
    assert [e["query"] for e in db.query_log(limit=1, newest_first=False)] == ['{"a":1}']
    assert db.query_log(limit=0) == []
    for bad in (dict(slow=-1), dict(slow="x"), dict(slow=float("nan")), dict(limit=-1),
                dict(limit=True), dict(limit=1.5)):
        with pytest.raises(spirapi.InvalidArgumentError):
            db.query_log(**bad)
    with pytest.raises(spirapi.InvalidTypeError):
        db.query_log(newest_first=1)


def test_retention_by_count_and_age(db):
    t = now_us()
    for i in range(25):
        append(db, str(i), time_us=t - 1000 + i, max_entries=10)
        assert len(db.query_log()) <= 10
    assert [e["query"] for e in db.query_log()] == [str(i) for i in range(24, 14, -1)]
    append(db, "40 days", time_us=t - 40 * DAY_US)
    append(db, "20 days", time_us=t - 20 * DAY_US)
    append(db, "new", max_age_days=30)
    assert "40 days" not in [e["query"] for e in db.query_log()]
    assert db.prune_query_log(max_entries=None, max_age_days=10) == 1
    assert db.prune_query_log(max_entries=3, max_age_days=None) == 8
    assert [e["query"] for e in db.query_log()] == ["new", "24", "23"]
    assert db.prune_query_log() == 0
    for bad in (dict(max_entries=0), dict(max_entries=-1), dict(max_age_days=0),
                dict(max_age_days="1"), dict(max_age_days=True)):
        with pytest.raises(spirapi.InvalidArgumentError):
            db.prune_query_log(**bad)


def test_store_query_records_are_never_listed_or_pruned(db):
    db.store_query({"id": "abc", "query": "mine"})
    db.store_query({"id": "~log/x", "query": "mine too"})
    pi_id = db.store_query({"query": "with a pi id"})
    append(db, "logged", time_us=now_us() - 5)
    assert [e["query"] for e in db.query_log()] == ["logged"]
    assert db.prune_query_log(max_entries=None, max_age_days=1e-9) == 1
    assert db.query_log() == []
    for id in ("abc", "~log/x", pi_id):
        assert db.retrieve_query(id) is not None


def test_read_only_lists_but_cannot_write(tmp_path):
    path = tmp_path / "db"
    with spirapi.SpiraPiDatabase(path) as d:
        append(d, "q", 0.2, now_us() - 5)
    with spirapi.SpiraPiDatabase(path, read_only=True) as ro:
        assert [e["query"] for e in ro.query_log(slow=True)] == ["q"]
        with pytest.raises(spirapi.NotSupportedError):
            ro.prune_query_log()
        with pytest.raises(spirapi.NotSupportedError):
            append(ro, "r")


def test_encrypted_database(tmp_path):
    path = tmp_path / "enc"
    with spirapi.SpiraPiDatabase(path, encryption_enabled=True, passphrase="pw") as d:
        append(d, '{"secret":1}', 0.25, now_us() - 5)
    with spirapi.SpiraPiDatabase(path, passphrase="pw") as d:
        assert [(e["query"], e["seconds"]) for e in d.query_log()] == [('{"secret":1}', 0.25)]


def test_closed_database_raises(tmp_path):
    d = spirapi.SpiraPiDatabase(tmp_path / "db")
    d.close()
    with pytest.raises(spirapi.InvalidArgumentError):
        d.query_log()


def test_queries_are_logged_unless_asked_not_to(tmp_path):
    with spirapi.SpiraPiDatabase(str(tmp_path / "logged")) as db:
        db.store_query({"id": "q1", "text": "mine"})
        list(db.query({"text": "mine"}, "query"))
        list(db.query({"text": "other"}, "query", log=False))
        entries = db.query_log()
        assert len(entries) == 1
        assert entries[0]["source"] == "component query"
        assert entries[0]["rows_returned"] == 1
        # The history's entries are not the user's query records.
        assert db.search_queries({}) == [{"id": "q1", "text": "mine"}]
        assert db.search_queries({"$limit": 5, "text": "mine"}) == [{"id": "q1", "text": "mine"}]
