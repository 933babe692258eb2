"""Equality criteria over records, as the specification's search() takes them.

Issue 17 brings operators, indexes and a planner; until then a criterion is
``{"path": value}``, compared by JSON value.
"""

from __future__ import annotations

from typing import Any, Mapping

from spirapi._errors import InvalidArgumentError
from spirapi.records import StorageRecord

_MISSING = object()


def json_equal(a: Any, b: Any) -> bool:
    """Equality of JSON values: 3 == 3.0, but True != 1 and "1" != 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and bool(a == b)


def _walk(value: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return _MISSING
    return value


def field_of(record: StorageRecord, path: str) -> Any:
    """The value at ``path`` (dotted, into data; @id, @version, @timestamp,
    @checksum, @metadata.x for the record's own fields), or a sentinel."""
    if not path.startswith("@"):
        return _walk(record.data, path)
    head, _, rest = path[1:].partition(".")
    if head == "metadata":
        return _walk(record.metadata, rest) if rest else record.metadata
    if rest:
        return _MISSING
    if head in ("id", "version", "timestamp", "checksum"):
        return getattr(record, head)
    raise InvalidArgumentError(
        f"criteria: {path!r}: record fields are @id, @version, @timestamp, @checksum, "
        "@metadata")


def matches_criteria(record: StorageRecord, criteria: Mapping[str, Any]) -> bool:
    """Whether every criterion holds for ``record``."""
    for path, want in criteria.items():
        if not isinstance(path, str) or not path:
            raise InvalidArgumentError(f"criteria: {path!r} is not a field path")
        got = field_of(record, path)
        if got is _MISSING or not json_equal(got, want):
            return False
    return True
