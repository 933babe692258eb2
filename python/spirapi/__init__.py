"""SpiraPi: an embedded database for mathematical sequences and evolving records."""

from spirapi._errors import (BusyError, CancelledError, ConflictError, CorruptionError, Error,
                             InvalidArgumentError, IOError, NotFoundError, NotSupportedError)
from spirapi.records import StorageRecord, StorageType

__all__ = [
    "Error", "NotFoundError", "CorruptionError", "InvalidArgumentError", "IOError",
    "ConflictError", "BusyError", "NotSupportedError", "CancelledError",
    "StorageRecord", "StorageType",
]
