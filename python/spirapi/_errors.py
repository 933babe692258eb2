"""The exceptions SpiraPi raises: every one is a :class:`spirapi.Error`.

Each carries the engine's message, one line that says what and where, e.g.
``CorruptionError("sequence/000012.seg block at 4096: checksum mismatch")``.
Where a built-in exception has the same meaning, the SpiraPi class is also a
subclass of it, so ``except KeyError`` or ``except ValueError`` work too.
"""

import builtins


class Error(Exception):
    """Base class of every SpiraPi error."""


class NotFoundError(Error, KeyError):
    """The record, version, schema, sequence or database does not exist."""

    def __str__(self) -> str:  # KeyError would print the message's repr
        return str(self.args[0]) if self.args else ""


class CorruptionError(Error):
    """Stored bytes fail a checksum or do not decode; the message names the
    file, offset, component and id. Damaged data is never returned."""


class InvalidArgumentError(Error, ValueError):
    """Bad input from the caller (a bad id, a value JSON cannot hold, an
    unknown option, a record a schema rejects...); nothing was changed."""


class InvalidTypeError(InvalidArgumentError, TypeError):
    """An argument of the wrong type (a str where an int belongs...): both
    ``except TypeError`` and ``except spirapi.InvalidArgumentError`` catch it."""


class IOError(Error, builtins.OSError):  # noqa: A001 - the engine's name for it
    """The operating system reported a failure (disk full, permissions...).
    After a failed write the database takes no more writes until reopened."""


class ConflictError(Error):
    """A concurrent transaction committed a write to the same record first;
    the transaction was discarded and may be retried from the start."""


class BusyError(Error):
    """Another process has the database open for writing (or, read-only, it
    kept changing while it was read: try again)."""


class NotSupportedError(Error):
    """Not possible here: a write to a read-only database, a database of a
    newer format version..."""


class CancelledError(Error):
    """A progress callback returned False."""


__all__ = [
    "Error", "NotFoundError", "CorruptionError", "InvalidArgumentError", "InvalidTypeError",
    "IOError",
    "ConflictError", "BusyError", "NotSupportedError", "CancelledError",
]
