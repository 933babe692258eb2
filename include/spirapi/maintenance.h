// Cleanup (the specification's "cleanup and optimization"): deleting records
// by age, and removing the journal tails a crash left aside once they are
// old enough. Compression optimization is DB::SetCompression + DB::Compact.
//
// What cleanup never deletes. SpiraPi and its layers keep their own state in
// ordinary records of the six components; deleting one of them behind the
// layer's back would break it (a schema record without its unique and
// reference keys, an index entry without its record, a π sequence without
// its chunks). These ids are internal and kept whatever their age:
//   sequence  "seq/", "digits/"                (π store, docs/FORMAT.md)
//   schema    "def/", "rec/", "hist/"          (schema layer, docs/SCHEMA.md)
//   query     "~log/"                          (query history; see
//                                               PruneQueryLog for its age limit)
//   metadata  "~index" (IsIndexRecord), "schema-migrate/", "schema-rollback/",
//             "pi-ids/", "~verify/" (the last DB::Verify, for CheckHealth),
//             "~metrics/" (metrics history, metrics.h), "~backup/" (backups taken)
//   index     "~ix/" (IsIndexRecord), "unique/", "ref/", "refs/", "pattern/"
// Every other live record, written by the application with Put or a
// transaction, is cleanup's to delete. IsInternalRecord tells the two apart.
// The result cache's entries (CACHE "~result/", result_cache.h) are
// disposable and deliberately not internal: cleanup may delete them.
//
// Thread safety: the functions may be called from any number of threads
// while others read and write the database.

#ifndef SPIRAPI_MAINTENANCE_H_
#define SPIRAPI_MAINTENANCE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spirapi/db.h"
#include "spirapi/export.h"
#include "spirapi/status.h"

namespace spirapi {

// True for the ids cleanup keeps whatever their age (see above).
SPIRAPI_EXPORT bool IsInternalRecord(Component c, std::string_view id);

struct CleanupOptions {
  // Delete live records committed more than this many days before `now_us`
  // (StorageRecord::timestamp, the commit time of the newest version).
  // Must be > 0; fractions are fine (0.5: twelve hours).
  double older_than_days = 0;
  // The time the age counts back from, µs since the Unix epoch; 0: now.
  int64_t now_us = 0;
  // Only this component; unset: all six. Internal records are kept either way.
  std::optional<Component> component;
  // Deletes per transaction (>= 1). Each batch commits on its own, so an
  // error stops the cleanup with the earlier batches deleted.
  size_t batch = 1000;
  // Count what would be deleted, and delete nothing. Works on a read-only
  // instance.
  bool dry_run = false;
  // Wait for each batch to reach the disk.
  bool sync = true;
};

struct CleanupResult {
  int64_t cutoff_us = 0;  // records committed before this were old enough
  uint64_t deleted = 0;   // with dry_run: how many would be
  uint64_t deleted_per_component[kNumComponents] = {};
  // Old when first seen, but rewritten (so no longer old) or deleted by
  // another writer before their batch committed, or still conflicting with
  // other writers after a few retries of their batch. Never deleted.
  uint64_t skipped = 0;
};

// Deletes the live records committed more than options.older_than_days ago,
// except the internal ones, through the normal write path: secondary index
// entries go with their records. Each batch is a transaction that reads
// every record again and deletes it only if it is still old; a record
// another writer rewrites in the meantime makes the commit fail with
// Conflict, and the batch is retried, so a new version is never deleted.
// *result holds the counts so far, also on error.
// Errors: InvalidArgument (older_than_days not > 0, batch 0); NotSupported
// on a read-only instance unless dry_run; Corruption if a record it scans is
// damaged (stops there); IOError.
SPIRAPI_EXPORT Status CleanupOlderThan(DB* db, const CleanupOptions& options,
                                       CleanupResult* result);

// One journal tail (see JournalTail in db.h).
struct JournalTailFile {
  std::string file;  // relative to the database directory: journal/NNNNNN-O.tail
  uint64_t bytes = 0;
  int64_t modified_us = 0;  // the file's modification time, µs since the epoch
};

// Removes the journal tails of the database in `path` whose files were last
// modified more than `older_than_days` (> 0) before now, and lists them in
// *removed (with dry_run, lists them and removes nothing). Nothing else is
// ever removed: not journals, segments, the copies repair keeps
// (DB.damaged-<time>, beside the database), nor younger tails. The tails
// are the only bytes of a commit a crash may have interrupted: the age
// leaves time to look at them. Takes the database's lock, so the database
// must not be open for writing, in this process or another, unless dry_run.
// Errors: InvalidArgument (older_than_days not > 0, `path` holds no
// database); Busy (open for writing elsewhere); IOError.
SPIRAPI_EXPORT Status RemoveJournalTails(const std::string& path, double older_than_days,
                                         bool dry_run, std::vector<JournalTailFile>* removed);

}  // namespace spirapi

#endif  // SPIRAPI_MAINTENANCE_H_
