"""The specification's "Storage Settings", as written there.

Run from any directory: it creates ./project_name. Encryption needs a
passphrase, taken from SPIRAPI_PASSPHRASE (set it before running).
"""

from spirapi import SpiraPiDatabase

# Initialize with custom settings
db = SpiraPiDatabase(
    "project_name",
    compression_level=6,        # 0-9, higher = more compression
    encryption_enabled=True,    # Enable data encryption
    backup_interval_hours=24,  # Automatic backup frequency
    max_file_size_mb=100       # Maximum individual file size
)

stats = db.get_database_stats()
print("encrypted:", stats["encrypted"], "- compression level", stats["compression_level"],
      "- files of", stats["max_file_size_mb"], "MiB - backups every",
      stats["backup_interval_hours"], "hours")
db.close()
