"""Every public method called with hostile arguments: the only outcomes
allowed are a result, a spirapi.Error, a TypeError or NotImplementedError
(backups) -- never a crash, a hang or another exception type."""

import inspect
import itertools
import math
import random

import pytest

import spirapi

ODD_VALUES = [None, -1, 0, 2**64, 2**70, -(2**70), math.nan, math.inf, "", "\ud800", "a/b",
              "x" * 600, b"\xff\xfe", bytearray(b"ab"), [], {}, {1: 2}, {"k": math.nan},
              object(), True, 1.5, "pi-1", ("t",)]
ALLOWED = (spirapi.Error, TypeError, NotImplementedError)
SKIP = {"close", "backup_database"}


def public_methods(obj):
    for name, member in inspect.getmembers(type(obj)):
        if name.startswith("_") or name in SKIP or not callable(member):
            continue
        yield name, getattr(obj, name)


def required_arity(fn):
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return 1
    return sum(1 for p in sig.parameters.values()
               if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY,
                                                      p.POSITIONAL_OR_KEYWORD))


@pytest.fixture
def targets(tmp_path):
    db = spirapi.SpiraPiDatabase(tmp_path / "db", sync=False)
    db.pi.compute(20_000, id="pi-ids")
    db.pi.store_sequence("pi-1", "14159265358979")
    db.schemas.create_schema("s", {"a": {"type": "integer"}}, "flexible")
    db["cache"].put("k", {"v": 1})
    yield [db, db["cache"], db.pi, db.schemas]
    db.close()


def test_hostile_arguments_raise_only_spirapi_errors(targets):
    rng = random.Random(16)
    calls = 0
    for target in targets:
        for name, method in public_methods(target):
            n = required_arity(method)
            combos = list(itertools.product(ODD_VALUES, repeat=min(n, 2)))
            rng.shuffle(combos)
            for combo in combos[:60]:
                args = list(combo) + [rng.choice(ODD_VALUES) for _ in range(n - len(combo))]
                calls += 1
                try:
                    result = method(*args)
                    if inspect.isgenerator(result) or hasattr(result, "__next__"):
                        for _ in itertools.islice(result, 3):
                            pass
                except ALLOWED:
                    pass
                except Exception as e:  # pragma: no cover - the failure report
                    pytest.fail(f"{type(target).__name__}.{name}{tuple(args)!r} raised "
                                f"{type(e).__name__}: {e}")
    assert calls > 500
    # The database is intact afterwards.
    db = targets[0]
    assert db["cache"]["k"].data == {"v": 1}
    assert db.verify()["clean"]
