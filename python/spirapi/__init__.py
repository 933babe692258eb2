"""SpiraPi: an embedded database for mathematical sequences and evolving records."""

from spirapi._errors import (BusyError, CancelledError, ConflictError, CorruptionError, Error,
                             InvalidArgumentError, IOError, NotFoundError, NotSupportedError)
from spirapi.database import Component, Snapshot, SpiraPiDatabase, Transaction
from spirapi.records import StorageRecord, StorageType
from spirapi._spirapi import FORMAT_VERSION, __version__

__all__ = [
    "Error", "NotFoundError", "CorruptionError", "InvalidArgumentError", "IOError",
    "ConflictError", "BusyError", "NotSupportedError", "CancelledError",
    "StorageRecord", "StorageType", "SpiraPiDatabase", "Transaction", "Snapshot", "Component",
    "FORMAT_VERSION", "__version__",
]
