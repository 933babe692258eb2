// RepairDB: salvages what can be read from a damaged database into a clean
// one, and reports what was lost.
//
// Every journal and segment file is read block by block and frame by frame.
// Each record version that decodes, passes its SHA-256 checksum (and, if
// encrypted, its authentication) and belongs to a transaction whose journal
// frame is intact is written to a new database, with its component, id,
// data, metadata, blob, version and timestamp unchanged (so its checksum is
// the same), oldest commit first, one transaction per original transaction.
// A transaction whose journal frame is damaged is left out whole, never in
// part. The damaged database is not changed.
//
// Which files are read: with a readable MANIFEST, the segments it lists and
// the journals not yet flushed (exactly what Open reads). With a damaged
// MANIFEST, every segment and journal file found: then records deleted
// before the last compaction (whose tombstones compaction dropped) may
// reappear, and an encrypted database cannot be read at all (its key's salt
// is in the MANIFEST); the report says so.
//
// Memory: the surviving records are held in memory until written (about the
// database's uncompressed size).
//
// Thread safety: RepairDB takes the database's lock; it fails with Busy if
// the database is open.

#ifndef SPIRAPI_REPAIR_H_
#define SPIRAPI_REPAIR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "spirapi/db.h"
#include "spirapi/export.h"
#include "spirapi/options.h"
#include "spirapi/status.h"

namespace spirapi {

struct RepairOptions {
  // Where the clean database goes. Empty: in place. The clean database is
  // built beside the damaged one, which is then renamed to
  // "<path>.damaged-<UTC time>" (kept, never deleted) and the clean one
  // renamed to <path> ("-2", "-3", ... are appended to the time should
  // another repair have taken that name), unless no damage is found: then
  // nothing changes. Otherwise a directory that must not exist yet, in an
  // existing one; the damaged database stays where it is.
  std::string output;
};

struct RepairReport {
  bool manifest_damaged = false;
  uint64_t files_read = 0;
  uint64_t versions_salvaged = 0;     // record versions written (tombstones included)
  uint64_t transactions_salvaged = 0;
  uint64_t live_records = 0;          // ids whose newest salvaged version is not deleted
  // Every damaged place: file, offset, component and id when known.
  std::vector<Damage> damage;
  // Record versions known to be lost, "<component>/<id> version <v>": named
  // by a segment's footer index or a damaged frame's readable records.
  std::vector<std::string> lost;
  // No damage found. Then an in-place repair changes nothing: the database
  // is left where it is (repaired_path), and damaged_path stays empty.
  bool clean = false;
  std::string repaired_path;  // where the clean database is
  std::string damaged_path;   // in place: where the damaged one was moved
};

// Errors: InvalidArgument (not a SpiraPi database; the output exists or its
// parent directory does not; an encrypted database without its passphrase,
// or the wrong one), Busy (the database is open), IOError. Damage is not an
// error: it is reported.
SPIRAPI_EXPORT Status RepairDB(const Options& options, const std::string& path,
                const RepairOptions& repair_options, RepairReport* report);

}  // namespace spirapi

#endif  // SPIRAPI_REPAIR_H_
