"""StorageType and StorageRecord, the specification's record model."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from typing import Any, Dict, Tuple


class StorageType(enum.IntEnum):
    """The six components of a database, each a store of records."""

    SEQUENCE = 0  #: π sequences and mathematical data
    SCHEMA = 1    #: dynamic schemas and field definitions
    QUERY = 2     #: query history and execution logs
    METADATA = 3  #: system metadata and statistics
    INDEX = 4     #: search and lookup indexes
    CACHE = 5     #: cached results

    @classmethod
    def parse(cls, value: "StorageType | str | int") -> "StorageType":
        """A StorageType from itself, its name ("sequence", "CACHE") or its number."""
        if isinstance(value, StorageType):
            return value
        if isinstance(value, str):
            try:
                return cls[value.upper()]
            except KeyError:
                pass
        elif isinstance(value, int) and not isinstance(value, bool):
            try:
                return cls(value)
            except ValueError:
                pass
        from spirapi._errors import InvalidArgumentError
        raise InvalidArgumentError(
            f"{value!r} is not a storage type: one of "
            + ", ".join(t.name.lower() for t in cls))


@dataclass
class StorageRecord:
    """One stored record, as the specification defines it.

    ``data`` is any JSON value (dict, list, str, int, float, bool or None),
    ``metadata`` a dict. ``timestamp`` (commit time, seconds since the epoch),
    ``checksum`` (hex SHA-256, docs/FORMAT.md) and ``version`` (1 on first
    write, +1 on each overwrite) are set by the database: when you store a
    record they are ignored. ``blob`` is an optional binary attachment.
    """

    id: str
    data_type: StorageType
    data: Any
    metadata: Dict[str, Any] = field(default_factory=dict)
    timestamp: float = 0.0
    checksum: str = ""
    version: int = 0
    blob: bytes = b""

    @classmethod
    def _from_tuple(cls, t: Tuple[Any, ...]) -> "StorageRecord":
        return cls(t[0], StorageType(t[1]), json.loads(t[2]), json.loads(t[3]), t[4], t[5],
                   t[6], t[7])

    def to_dict(self) -> Dict[str, Any]:
        """The record as a dict (data_type as its lowercase name)."""
        return {"id": self.id, "data_type": self.data_type.name.lower(), "data": self.data,
                "metadata": self.metadata, "timestamp": self.timestamp,
                "checksum": self.checksum, "version": self.version, "blob": self.blob}
