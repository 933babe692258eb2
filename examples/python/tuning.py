"""The specification's "Performance Tuning", as written there, on the
database configuration.py created (./project_name, encrypted: set
SPIRAPI_PASSPHRASE). Each goal is stored in the database and used by every
later flush and compaction; the last one called stays in force.

Opened without settings: a database keeps what it was created with, and
optimize_for changes compression, so reopening it with the creation's
compression_level=6 after optimize_for("space") (level 9) is refused with
a message that says so."""

from spirapi import SpiraPiDatabase

db = SpiraPiDatabase("project_name")

# Optimize for specific use case
db.optimize_for("speed")       # Prioritize performance
db.optimize_for("space")       # Prioritize storage efficiency
db.optimize_for("security")    # Prioritize data protection

stats = db.get_database_stats()
print("optimized for", stats["optimized_for"], "- compression level",
      stats["compression_level"], "- blocks of", stats["block_size_kib"], "KiB")
db.compact()  # rewrites what was stored before with the current settings
db.close()
