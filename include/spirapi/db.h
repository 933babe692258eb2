// SpiraPi: an embedded, transactional, compressed and optionally encrypted
// store of JSON records in six components.
//
// Thread safety: a DB may be used from any number of threads at once without
// external synchronization. A Transaction belongs to one thread at a time.
// One process at a time may open a database for writing; a second such
// Open() of the same directory fails with Busy. Any number of instances
// opened with Options::read_only, in any process, may read it meanwhile.
//
// Every function returns a Status. Besides the codes listed per function, any
// function that touches files can return IOError, and after an I/O error on
// the write path (a failed write or fdatasync) every later write fails with
// that same IOError until the database is reopened: a failed fsync is never
// retried and trusted.

#ifndef SPIRAPI_DB_H_
#define SPIRAPI_DB_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "spirapi/backup.h"
#include "spirapi/export.h"
#include "spirapi/health.h"
#include "spirapi/metrics.h"
#include "spirapi/options.h"
#include "spirapi/record.h"
#include "spirapi/status.h"

namespace spirapi {

// A consistent read view of the whole database (all components).
class SPIRAPI_EXPORT Snapshot {
 protected:
  virtual ~Snapshot() = default;
};

// A group of writes to one or more components, committed atomically.
// Reads inside the transaction see its snapshot (taken at BeginTransaction)
// plus its own uncommitted writes. Commit fails with Conflict if another
// transaction committed a write to one of the same records after this
// transaction's snapshot (snapshot isolation, first committer wins); the
// transaction is then discarded and may be retried from the start.
class SPIRAPI_EXPORT Transaction {
 public:
  virtual ~Transaction() = default;  // rolls back if neither committed nor rolled back

  // Buffers a write. InvalidArgument for a bad id or invalid JSON (the
  // transaction stays usable); metadata must be a JSON object. The record
  // has no blob (replacing one buffered or stored earlier).
  virtual Status Put(Component c, std::string_view id, std::string_view data_json,
                     std::string_view metadata_json = "{}") = 0;
  // Buffers a write of a record with a binary attachment (empty: none). As
  // Put, and InvalidArgument for a blob over kMaxBlobBytes. Commit fails with
  // InvalidArgument if the transaction's ids, JSON and blobs exceed 256 MiB.
  virtual Status PutWithBlob(Component c, std::string_view id, std::string_view data_json,
                             std::string_view metadata_json, std::string_view blob) = 0;
  // Buffers a delete. NotFound if the record does not exist in this view.
  virtual Status Delete(Component c, std::string_view id) = 0;
  // NotFound, Corruption.
  virtual Status Get(Component c, std::string_view id, StorageRecord* record) = 0;
  virtual Status Exists(Component c, std::string_view id, bool* exists) = 0;

  // Conflict, IOError; InvalidArgument if its writes hold more than 256 MiB
  // (ids, JSON and blobs). After Commit or Rollback the transaction is
  // finished and further calls return InvalidArgument.
  virtual Status Commit() = 0;
  virtual Status Rollback() = 0;
};

struct ComponentStats {
  uint64_t live_records = 0;     // ids whose newest version is not deleted
  uint64_t stored_versions = 0;  // versions and tombstones the index holds
  uint64_t segment_files = 0;
  uint64_t segment_bytes = 0;
  uint64_t garbage_bytes = 0;    // estimated bytes compaction would free
};

// Bytes at the end of the last journal that did not check when the database
// was opened after a crash: a commit the crash interrupted (never
// acknowledged), or damage to one that was; nothing can tell which. Open
// moves them into a file of their own (journal/NNNNNN-OFFSET.tail) and never
// overwrites or deletes it: keep it until you have decided it holds nothing
// you need, then delete it. docs/RELIABILITY.md has the whole contract.
struct SPIRAPI_EXPORT JournalTail {
  // Where the bytes are kept, relative to the database directory; empty in a
  // read-only instance that found them still in the journal.
  std::string file;
  std::string journal;  // the journal they were cut from
  uint64_t offset = 0;  // where in that journal they began
  uint64_t length = 0;  // how many bytes
  // "journal J: N bytes after offset O do not check: a commit interrupted by
  // a crash, or damage (kept in F)"
  std::string ToString() const;
};

// The result cache's lookups by this instance since open
// (include/spirapi/result_cache.h).
struct SPIRAPI_EXPORT ResultCacheCounters {
  uint64_t hits = 0;
  uint64_t misses = 0;   // every lookup that served nothing, the two below included
  uint64_t stale = 0;    // an input had changed since the entry was stored
  uint64_t expired = 0;  // its TTL had passed
  uint64_t stored = 0;   // entries written
  uint64_t removed = 0;  // entries deleted (lazily or by a purge)
  uint64_t skipped = 0;  // results not stored: too large, or a read-only instance
  double hit_rate() const {
    return hits + misses == 0 ? 0.0
                              : static_cast<double>(hits) / static_cast<double>(hits + misses);
  }
  std::string ToJson() const;  // the fields above and "hit_rate"
};

struct SPIRAPI_EXPORT DbStats {
  ComponentStats components[kNumComponents];
  uint64_t journal_files = 0;
  uint64_t journal_bytes = 0;
  uint64_t total_disk_bytes = 0;
  uint64_t last_sequence = 0;
  uint64_t commits = 0;            // since open
  uint64_t journal_syncs = 0;      // fdatasyncs of the journal since open
  uint64_t flushes = 0;            // journal files written to segments since open
  uint64_t compactions = 0;
  uint64_t block_cache_hits = 0;
  uint64_t block_cache_misses = 0;
  uint64_t block_cache_usage_bytes = 0;     // charged by the blocks cached now
  uint64_t block_cache_capacity_bytes = 0;  // Options::block_cache_bytes
  // Cache warming since open (Options::warm_cache_on_open): the blocks the
  // warm file listed, and those loaded so far (blocks already cached, of
  // deleted files, or unreadable are not loaded).
  uint64_t block_cache_blocks_to_warm = 0;
  uint64_t block_cache_blocks_warmed = 0;
  bool block_cache_warming = false;  // the loading is under way
  // Records whose SHA-256 was computed to check a read, since open. A
  // segment record is hashed on its first read in this process (on every
  // read with optimized_for "security", and on every read from disk of an
  // LZMA block); a journal record on every read.
  uint64_t checksums_verified = 0;
  uint64_t index_memory_bytes = 0; // estimate of the in-memory index
  CompressionCodec compression_codec = CompressionCodec::kZstd;
  int compression_level = 0;
  std::string optimized_for;       // the last DB::OptimizeFor goal, empty if none
  int max_file_size_mb = 0;
  int block_size_kib = 0;
  int backup_interval_hours = 0;
  bool encrypted = false;
  std::vector<JournalTail> journal_tails;  // kept aside at open (see JournalTail)
  // Backups by this instance (DB::Backup, automatic, the journal archive).
  std::string last_backup_id;       // of the last backup that succeeded; empty: none
  int64_t last_backup_us = 0;       // when it was taken
  double last_backup_seconds = 0;   // how long it took
  std::string last_backup_error;    // of the last attempt, if it failed
  uint64_t backups_failed = 0;      // since open
  uint64_t journals_archived = 0;   // since open
  std::string archive_error;        // of the last archive attempt, if it failed
  ResultCacheCounters result_cache;  // in ToJson as "result_cache": {...}
  std::string ToJson() const;
};

// One damaged place found by DB::Verify.
struct Damage {
  // Path relative to the database directory; "(index NAME)" for an index
  // entry missing or astray (include/spirapi/index.h, VerifyIndex).
  std::string file;
  uint64_t offset = 0;    // byte offset in that file
  std::string component;  // component name, empty if unknown
  std::string id;         // record id, empty if unreadable
  std::string what;       // e.g. "record checksum mismatch"
};

struct VerifyReport {
  uint64_t files_checked = 0;
  uint64_t records_checked = 0;
  std::vector<Damage> damage;
  // Not damage for certain, so clean() does not count them; reported all the same.
  std::vector<JournalTail> journal_tails;
  bool clean() const { return damage.empty(); }
};

class SPIRAPI_EXPORT DB {
 public:
  // Opens (or creates, see Options) the database in directory `path`.
  // Errors: InvalidArgument (not a SpiraPi database, bad option, option that
  // differs from the stored one, wrong passphrase), NotSupported (written by a
  // newer format version), Busy (open for writing in another process; or,
  // read-only, the database kept changing while it was read, see CatchUp),
  // Corruption (a damaged manifest), IOError.
  static Status Open(const Options& options, const std::string& path, std::unique_ptr<DB>* db);

  DB() = default;
  DB(const DB&) = delete;
  DB& operator=(const DB&) = delete;
  virtual ~DB() = default;  // waits for background work, then closes

  // Writes one record in its own transaction. The record's version becomes
  // the previous version + 1 (1 for a new id). It has no blob, even if an
  // earlier version had one.
  // Errors: InvalidArgument (empty or over-long id, invalid JSON, metadata not
  // an object, record over kMaxValueBytes, an id reserved for indexes, see
  // IsIndexRecord in index.h); Conflict, in a component with indexes only,
  // if other writers changed the same record 64 times in a row while this
  // write computed its index entries (it is redone each time).
  virtual Status Put(const WriteOptions& wo, Component c, std::string_view id,
                     std::string_view data_json, std::string_view metadata_json = "{}") = 0;
  // As Put, with `blob` (any bytes; empty: none) stored as the record's
  // binary attachment, returned by reads in StorageRecord::blob.
  // Errors: as Put, and InvalidArgument for a blob over kMaxBlobBytes
  // (nothing is written).
  virtual Status PutWithBlob(const WriteOptions& wo, Component c, std::string_view id,
                             std::string_view data_json, std::string_view metadata_json,
                             std::string_view blob) = 0;
  // Errors: NotFound if the id has no live record; InvalidArgument and
  // Conflict as for Put.
  virtual Status Delete(const WriteOptions& wo, Component c, std::string_view id) = 0;

  // Errors: NotFound; Corruption naming the record and file.
  virtual Status Get(const ReadOptions& ro, Component c, std::string_view id,
                     StorageRecord* record) = 0;
  // As Get, without copying the record: *record pins the database's decoded
  // copy (see PinnedRecord). The same checks as Get. Errors: as Get.
  virtual Status GetPinned(const ReadOptions& ro, Component c, std::string_view id,
                           PinnedRecord* record) = 0;
  // An older version of a live or deleted record, while retained (see
  // Options::max_versions_kept). Errors: NotFound, Corruption.
  virtual Status GetVersion(const ReadOptions& ro, Component c, std::string_view id,
                            uint64_t version, StorageRecord* record) = 0;
  virtual Status Exists(const ReadOptions& ro, Component c, std::string_view id,
                        bool* exists) = 0;
  // Calls fn for each live record in id order (bytewise) until fn returns
  // false. Sees one snapshot throughout. Errors: Corruption (stops the scan).
  virtual Status Scan(const ReadOptions& ro, Component c, const ScanOptions& so,
                      const std::function<bool(const StorageRecord&)>& fn) = 0;
  // Number of live records (of the snapshot, if one is given).
  virtual Status Count(const ReadOptions& ro, Component c, uint64_t* count) = 0;

  virtual Status BeginTransaction(const WriteOptions& wo, std::unique_ptr<Transaction>* txn) = 0;

  virtual const Snapshot* GetSnapshot() = 0;
  virtual void ReleaseSnapshot(const Snapshot* snapshot) = 0;

  // Writes all journal data to the components' segment files.
  // Errors: Corruption if a journal holds damage (Verify names it): a flush
  // would drop the damaged versions and let older ones stand in for them, so
  // it stops and changes nothing; RepairDB is the way forward. IOError.
  // The background flushes stop the same way (later writes still succeed).
  virtual Status Flush() = 0;
  // Flushes, then rewrites every component's segments without overwritten
  // (beyond retention) or deleted records, with the database's current
  // codec, level and block size (so it also recompresses segments written
  // before an OptimizeFor). Readers and writers continue meanwhile.
  // Crash-safe at every step. Memory: about one segment's entries, not its
  // records. Components are rewritten Options::background_threads / 2 at a time.
  // `progress`, if given, is called with the fraction done (every few
  // hundred records copied), from the threads doing the work but one call at
  // a time, the fraction never going back; returning false stops the
  // compaction with Cancelled: components already rewritten stay so, those
  // in progress are left as they were. A failure stops the others the same
  // way. Errors: as Flush; Corruption if a record it must copy is damaged;
  // Cancelled.
  virtual Status Compact(const std::function<bool(double)>& progress = nullptr) = 0;

  // Tunes the database for a goal, the specification's optimize_for, and
  // stores the choice in the MANIFEST so that every later open keeps it:
  //   kSpeed:    zstd at level 1 (zstd's 1), 4 KiB blocks;
  //   kSpace:    zstd at level 9 (zstd's 19), 16 KiB blocks;
  //   kSecurity: every read checks its record's SHA-256, block cache hits
  //              included, and every commit is synced (WriteOptions::sync
  //              false is treated as true); compression is left as it is.
  //              The database must be encrypted.
  // New settings apply to segments written from then on; Compact() rewrites
  // the older ones. A later open must leave compression_codec, _level and
  // block_size_kib unset or give the new values.
  // Errors: InvalidArgument for kSecurity on a database that is not
  // encrypted (nothing changes); NotSupported on a read-only instance;
  // IOError if the MANIFEST cannot be written (the database then takes no
  // more writes until reopened, as after any failed MANIFEST write).
  virtual Status OptimizeFor(OptimizationGoal goal) = 0;
  // Changes the stored codec and level of segment files (the
  // specification's "compression optimization"), keeping the block size, and
  // stores them in the MANIFEST as OptimizeFor does. Segments written from
  // then on use them; Compact() rewrites the older ones. A stored goal of
  // kSpeed or kSpace, whose settings these replace, is forgotten; kSecurity
  // stays (it is not about compression). A later open must leave
  // compression_codec and _level unset or give the new values.
  // Errors: InvalidArgument for a level outside 0..9 (nothing changes);
  // NotSupported on a read-only instance; IOError as for OptimizeFor.
  virtual Status SetCompression(CompressionCodec codec, int level) = 0;
  // Reads and checks every file and record, and that every ready secondary
  // index (index.h) matches its records. Returns OK with the findings in
  // *report (damage is reported there, not as an error status). Files are
  // checked Options::background_threads at a time; the report is the same
  // whatever the number (damage in file order). `progress`, if given, is
  // called with the fraction of files done, before each file is started and
  // at the end, from the threads doing the work but one call at a time, the
  // fraction never going back; returning false starts no more files and
  // returns Cancelled (*report then holds what the files started found).
  // A completed check (not cancelled, no error status) is recorded: in this
  // instance, and, unless read-only, in the METADATA record `~verify/last`
  // (its own commit; cleanup keeps it), which CheckHealth reads.
  virtual Status Verify(VerifyReport* report,
                        const std::function<bool(double)>& progress = nullptr) = 0;
  virtual Status GetStats(DbStats* stats) = 0;
  // Runs the health checks (include/spirapi/health.h; docs/HEALTH.md lists
  // them): *report gets one finding per check, the problems among them
  // included (an unreadable query history or filesystem is a finding, not
  // an error). With options.sample_records, reads that many records at
  // random from disk and checks them. Works on read-only instances, beside a
  // live writer; writes nothing. Thread safe. Errors: InvalidArgument for
  // bad thresholds (HealthThresholds::Validate).
  virtual Status CheckHealth(const HealthOptions& options, HealthReport* report) = 0;
  // This instance's operation metrics since it was opened, and its cache,
  // memory, open files and background work now (include/spirapi/metrics.h).
  // Another process's figures are in the history it stores
  // (ReadMetricsHistory). Errors: none besides IOError.
  virtual Status GetMetrics(Metrics* metrics) = 0;

  // Takes a backup into `repository` (include/spirapi/backup.h,
  // BackupDatabase) while reads and writes go on: writers are never blocked
  // by it. Also allowed on a read-only instance. The result (or the error)
  // is recorded in DbStats and, unless read-only, in a METADATA record
  // `~backup/<id>` (its own commit, after the backup's). Errors: as
  // BackupDatabase.
  virtual Status Backup(const std::string& repository, const BackupOptions& options,
                        BackupInfo* info) = 0;

  // Read-only instances (Options::read_only): brings this instance up to the
  // database's latest state, i.e. every commit complete in the journal now,
  // while the writing process keeps going. It reads the MANIFEST, segment
  // footers and journals again, builds a new index aside and swaps it in:
  // reads running meanwhile see the old state or the new one, never a mix,
  // and files the old state uses stay readable even if the writer deletes
  // them. Should the writer flush or compact (and delete files) while this
  // reads, it starts over with the newer MANIFEST, a few times at most.
  // Errors: Busy when a Snapshot of this instance is held (release it first),
  // or when the database kept changing over every attempt (try again);
  // Corruption, IOError as for Open. On error the instance keeps the state
  // it had. Thread safe; must not be called from a Scan callback. On a
  // writable instance, which is always current, it does nothing and returns
  // OK.
  virtual Status CatchUp() = 0;

  // The commit sequence number of the last commit that changed a record of
  // component c (0 if none ever did), for caches of results derived from
  // it (include/spirapi/result_cache.h): equal numbers at two moments mean
  // the component did not change in between. It may be higher than the
  // last such commit (after a reopen of a database written by an older
  // SpiraPi, or a write to c that failed after reaching the journal), never
  // lower: it survives reopen and crashes (the MANIFEST keeps a floor, the
  // journals the rest). A writer's commit is counted before Put or Commit
  // returns. Writes to other components leave it unchanged. Cheap: no I/O,
  // no lock. Errors: InvalidArgument for a component out of range.
  virtual Status ComponentChangeSequence(Component c, uint64_t* seq) = 0;
};

}  // namespace spirapi

#endif  // SPIRAPI_DB_H_
