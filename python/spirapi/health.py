"""Health checks (docs/HEALTH.md; the engine's include/spirapi/health.h).

``SpiraPiDatabase.check_health()`` checks an open database;
``check_health(path)`` opens one read-only (so it works beside the process
that writes it), checks it and closes it. Both return a dict::

    {"overall": "ok" | "warning" | "critical",
     "time": seconds since the Unix epoch,
     "findings": [{"check", "severity", "message", "recommendation"}, ...]}

with one finding per check; "overall" is the worst severity.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Optional, Union

from spirapi import _spirapi
from spirapi._errors import InvalidArgumentError, InvalidTypeError

PathLike = Union[str, "os.PathLike[str]"]

#: The severities, best first.
SEVERITIES = ("ok", "warning", "critical")


def _sample_count(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidTypeError(f"sample_records must be an int, not {type(value).__name__}")
    if not 0 <= value < 2 ** 64:
        raise InvalidArgumentError(f"sample_records must be >= 0, not {value}")
    return value


def _database_health(db: Any, sample_records: Any) -> Dict[str, Any]:
    report: Dict[str, Any] = json.loads(_spirapi.check_health(db, _sample_count(sample_records)))
    report["time"] = report.pop("time_us") / 1e6
    return report


def check_health(path: PathLike, sample_records: int = 0, *,
                 passphrase: Optional[str] = None) -> Dict[str, Any]:
    """Opens the database in ``path`` read-only, runs the health checks and
    closes it. ``sample_records``: also read that many records at random
    from disk and check their SHA-256 (0: none). The passphrase of an
    encrypted database comes from ``passphrase`` or SPIRAPI_PASSPHRASE.
    Errors as SpiraPiDatabase(path, read_only=True)."""
    from spirapi.database import SpiraPiDatabase
    count = _sample_count(sample_records)
    with SpiraPiDatabase(path, passphrase=passphrase, read_only=True,
                         create_if_missing=False) as db:
        return db.check_health(count)
