"""db.serve_dashboard(): pages over HTTP, the token rule, stopping."""

import json
import urllib.error
import urllib.request

import pytest

import spirapi


def fetch(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read().decode("utf-8")


@pytest.fixture
def db(tmp_path):
    database = spirapi.SpiraPiDatabase(tmp_path / "db")
    database.pi.compute(1000, "pi-1000")
    yield database
    database.close()


def test_pages_and_api_answer(db):
    with db.serve_dashboard(port=0, refresh_seconds=0) as dashboard:
        assert dashboard.running
        assert dashboard.url.startswith("http://127.0.0.1:")
        status, html = fetch(dashboard.url)
        assert status == 200 and "live records" in html
        status, html = fetch(dashboard.url + "sequences/pi-1000")
        assert status == 200 and "Digit distribution" in html
        status, body = fetch(dashboard.url + "api/sequences")
        assert [s["id"] for s in json.loads(body)] == ["pi-1000"]
        with pytest.raises(urllib.error.HTTPError) as err:
            fetch(dashboard.url + "sequences/absent")
        assert err.value.code == 404
    assert not dashboard.running
    with pytest.raises(urllib.error.URLError):
        fetch(dashboard.url)


def test_other_addresses_need_a_token(db):
    with pytest.raises(spirapi.InvalidArgumentError, match="needs a token"):
        db.serve_dashboard(port=0, bind="0.0.0.0")
    with pytest.raises(spirapi.InvalidArgumentError, match="16 characters"):
        db.serve_dashboard(port=0, token="short")
    token = "0123456789abcdef-python"
    with db.serve_dashboard(port=0, token=token) as dashboard:
        with pytest.raises(urllib.error.HTTPError) as err:
            fetch(dashboard.url)
        assert err.value.code == 401
        status, _ = fetch(dashboard.url, {"Authorization": "Bearer " + token})
        assert status == 200


def test_bad_arguments_change_nothing(db):
    for port in (-1, 65536, "80", True):
        with pytest.raises(spirapi.InvalidArgumentError):
            db.serve_dashboard(port=port)
    with pytest.raises(spirapi.InvalidTypeError):
        db.serve_dashboard(port=0, bind=1)
    with pytest.raises(spirapi.InvalidArgumentError):
        db.serve_dashboard(port=0, refresh_seconds=-1)


def test_busy_port_is_an_io_error(db):
    with db.serve_dashboard(port=0) as first:
        with pytest.raises(spirapi.IOError):
            db.serve_dashboard(port=first.port)


def test_closing_the_database_stops_it(tmp_path):
    database = spirapi.SpiraPiDatabase(tmp_path / "db")
    dashboard = database.serve_dashboard(port=0)
    assert fetch(dashboard.url)[0] == 200
    database.close()
    assert not dashboard.running
    with pytest.raises(urllib.error.URLError):
        fetch(dashboard.url)
    dashboard.stop()
