"""SpiraPi: an embedded database for mathematical sequences and evolving records."""

from spirapi._errors import (BusyError, CancelledError, ConflictError, CorruptionError, Error,
                             InvalidArgumentError, InvalidTypeError, IOError, NotFoundError,
                             NotSupportedError)
from spirapi.backup import (ArchiveResult, BackupInfo, BackupVerifyReport, PruneResult,
                            RestoreInfo, archive_journals, backup_database, list_backups,
                            prune_backups, restore_backup, verify_backups)
from spirapi.health import check_health
from spirapi.dashboard import Dashboard
from spirapi.database import Component, QueryResult, Snapshot, SpiraPiDatabase, Transaction
from spirapi.pi import PatternMatch, PatternResult, PiIdInfo, PiStore, SequenceInfo, SpiralDigit
from spirapi.plot import METRIC_PLOT_NAMES, plot_sequence, render_line_chart
from spirapi.records import StorageRecord, StorageType
from spirapi.schema import (UNSET, FieldType, MigrationReport, RollbackReport, Schema,
                            SchemaChange, SchemaField, SchemaManager, SchemaRecord, SchemaZone)
from spirapi._spirapi import FORMAT_VERSION, __version__

__all__ = [
    "Error", "NotFoundError", "CorruptionError", "InvalidArgumentError", "InvalidTypeError",
    "IOError",
    "ConflictError", "BusyError", "NotSupportedError", "CancelledError",
    "StorageRecord", "StorageType", "SpiraPiDatabase", "Transaction", "Snapshot", "Component",
    "QueryResult",
    "FORMAT_VERSION", "__version__",
    "PiStore", "SequenceInfo", "PatternMatch", "PatternResult", "SpiralDigit", "PiIdInfo",
    "SchemaManager", "Schema", "SchemaField", "SchemaChange", "SchemaRecord", "SchemaZone",
    "FieldType", "RollbackReport", "MigrationReport", "UNSET",
    "BackupInfo", "ArchiveResult", "RestoreInfo", "BackupVerifyReport", "PruneResult",
    "backup_database", "archive_journals", "list_backups", "restore_backup", "verify_backups",
    "prune_backups", "check_health",
    "plot_sequence", "render_line_chart", "METRIC_PLOT_NAMES",
    "Dashboard",
]
