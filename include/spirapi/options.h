// Options that control a database, and per-operation read and write options.

#ifndef SPIRAPI_OPTIONS_H_
#define SPIRAPI_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "spirapi/status.h"

namespace spirapi {

class FileSystem;
class Snapshot;

// Codecs of sealed segment files (Options::compression_codec).
enum class CompressionCodec { kNone = 0, kLzma = 1, kZstd = 2 };

// "none", "lzma" or "zstd".
SPIRAPI_EXPORT const char* CompressionCodecName(CompressionCodec codec);
// Parses a name CompressionCodecName gives; false for anything else.
SPIRAPI_EXPORT bool ParseCompressionCodec(std::string_view name, CompressionCodec* codec);

// What DB::OptimizeFor tunes a database for (the specification's
// optimize_for("speed" | "space" | "security")); docs/DESIGN.md, "Optimization goals", lists
// the settings of each.
enum class OptimizationGoal { kSpeed, kSpace, kSecurity };

// "speed", "space" or "security".
SPIRAPI_EXPORT const char* OptimizationGoalName(OptimizationGoal goal);
SPIRAPI_EXPORT bool ParseOptimizationGoal(std::string_view name, OptimizationGoal* goal);

struct Options {
  // Create the database if the directory holds none. Default: true.
  bool create_if_missing = true;

  // Fail with InvalidArgument if a database already exists. Default: false.
  bool error_if_exists = false;

  // The settings below are stored in the database when it is created. Left
  // unset, an existing database uses its stored value and a new one the
  // default. Set to a value that differs from the stored one, Open() fails
  // with InvalidArgument (so a typo cannot silently change a database).

  // The codec of sealed segment files, which hold every record once its
  // journal is flushed: kZstd (blocks compressed with a dictionary trained on
  // the segment's own records), kLzma (the specification's codec) or kNone.
  // Commits never wait for it: it runs in the background. Changing it (or
  // the level, or the block size) on an existing database is the work of
  // DB::OptimizeFor or DB::SetCompression; it applies to segments written
  // after, and DB::Compact rewrites the older ones.
  // Default at creation: kZstd. Databases created before it existed: kLzma.
  std::optional<CompressionCodec> compression_codec;

  // The codec's effort, 0 (none) to 9 (smallest, slowest to write; reading
  // is about as fast at every level). For zstd the levels map to zstd's 1, 2,
  // 3, 13, 14, 15, 16, 18 and 19; for LZMA they are its presets. Default at
  // creation: 3.
  std::optional<int> compression_level;

  // Journal and segment files are closed ("rotated") once they reach this
  // size, in MiB (1..4096). Default at creation: 64.
  std::optional<int> max_file_size_mb;

  // Segment files are written in blocks of this many KiB of records (4..4096),
  // each compressed (and encrypted) on its own. A read that misses the block
  // cache decodes one whole block, so smaller blocks make such reads faster
  // and compression weaker, much less so with zstd's dictionaries than with
  // LZMA (docs/BENCHMARKS.md has both measured). Default at creation: 4 with
  // zstd, 64 with LZMA or none.
  std::optional<int> block_size_kib;

  // How often, in hours, an open database with a backup_repository takes a
  // backup on its own (1..8760). Default at creation: 24.
  std::optional<int> backup_interval_hours;

  // A backup repository (include/spirapi/backup.h). Set, the open database
  // takes a backup there in the background, at low priority, whenever the
  // newest backup in it is backup_interval_hours old (so right after the
  // first open); a failed backup is retried ten minutes later. Each attempt
  // is recorded in METADATA (`~backup/<id>`) and in DbStats. Empty: none.
  // Not with read_only.
  std::string backup_repository;

  // Copy each journal to backup_repository once it is sealed, so that a
  // restore can reach every commit of a sealed journal (the journal
  // archive). Journals are sealed when they reach max_file_size_mb and by
  // DB::Flush. The copy runs on the backup thread; a flushed journal stays on
  // disk until it is copied (a close waits for the copies). A failure is
  // reported in DbStats::archive_error and retried at the next seal; past 64
  // flushed journals waiting, the oldest are deleted anyway, so the database
  // never stops or fills its disk for its backups (the archive then has a
  // gap until the next backup). Needs backup_repository. Default: false.
  bool archive_journals = false;

  // Encrypt everything that holds ids or data with AES-256-GCM under a key
  // derived from `passphrase` by scrypt (salt stored in the database). Fixed
  // at creation: opening an encrypted database without a passphrase, or a
  // plain one with encryption_enabled, fails with InvalidArgument.
  bool encryption_enabled = false;
  std::string passphrase;

  // Verify each record's SHA-256 when it is read. A segment record is
  // hashed on its first read in this process; the result is remembered, and
  // holds for later reads as long as the bytes are proven the same: a block
  // read again from disk passes its CRC-32 (and GCM tag when encrypted) and,
  // for zstd blocks, zstd's checksum of the decoded bytes (LZMA blocks have
  // none, so their records are hashed again). Records read from the journal
  // are hashed on every read. Turning this off saves about 0.75 µs per KiB
  // hashed; segment blocks still pass their CRC (and GCM tag), but records
  // read from the journal are then unchecked unless the database is
  // encrypted. DbStats::checksums_verified counts the hashes.
  bool verify_checksums = true;

  // Bytes of decompressed/decrypted segment blocks kept in memory. Default 256 MiB.
  size_t block_cache_bytes = 256u << 20;

  // After open, load the blocks that were hot in the block cache when the
  // database was last closed (or at its last periodic record, every 5
  // minutes; the CACHE-WARM file), on a low-priority background thread, so
  // that reads right after a restart find them in memory. A close stops the
  // loading at its next block. A missing, damaged or stale file loads
  // nothing, silently. Writable instances record the hot set whatever this
  // says; read-only ones never write it. docs/CACHE.md. Default: true.
  bool warm_cache_on_open = true;

  // Older versions of a record stay readable (DB::GetVersion) until compaction;
  // compaction keeps the newest `max_versions_kept` versions of every live id
  // (at least 1) and drops every version of a deleted id. Default: 4.
  int max_versions_kept = 4;

  // Run journal flushes and compactions on a background thread. When false
  // they run only inside DB::Compact() and DB::Flush(). Default: true.
  bool background_work = true;

  // Threads that DB::Verify and DB::Compact use: Verify checks that many
  // files at once, Compact rewrites half that many components at once (at
  // least one; each component's segment writer compresses on a second
  // thread). The reports
  // and the records are the same whatever the number; 1 does the work on
  // the calling thread alone. 0: std::thread::hardware_concurrency().
  // docs/DESIGN.md, "Background work". Default: 0.
  int background_threads = 0;

  // Compact a component in the background once this fraction of its stored
  // versions could be dropped (overwritten beyond max_versions_kept, or
  // deleted), or once it has 8 segments under half of max_file_size_mb.
  // Default: 0.5.
  double compaction_garbage_ratio = 0.5;

  // Open the database for reading only, alongside the process that has it
  // open for writing (if any), or on a read-only directory or mount. Such an
  // instance takes no lock and writes nothing at all: it never creates a
  // database (a directory without one is InvalidArgument, whatever
  // create_if_missing says), never recovers, truncates, upgrades or removes a
  // file, and runs no background thread (background_work is ignored). It sees
  // every commit that was complete in the journal when it opened; a commit
  // still being written by the live writer becomes visible at DB::CatchUp().
  // Put, Delete, BeginTransaction, Flush and Compact fail with NotSupported.
  // Combined with error_if_exists: InvalidArgument. Default: false.
  bool read_only = false;

  // Time every read, write, scan, query, flush, compaction, backup and
  // verify, and count its errors and bytes (DB::GetMetrics,
  // include/spirapi/metrics.h). It costs under 2% of throughput
  // (docs/BENCHMARKS.md, "Metrics overhead"); false turns the recording off,
  // and the per-operation figures then stay zero. Default: true.
  bool record_metrics = true;

  // Every this many seconds a writable instance stores a sample of its
  // metrics in METADATA (records `~metrics/...`), and one more at close (if
  // it was open at least a second), so
  // that their history survives restarts (ReadMetricsHistory). Samples are
  // merged with age: those of the finest tier are kept a day, then merged
  // into one per hour, kept 30 days, then into one per day, kept for good
  // (docs/MONITORING.md). 0: no history. Read-only instances never store.
  // Default: 60.
  int metrics_interval_seconds = 60;

  // Where files are read and written. nullptr: FileSystem::Default().
  FileSystem* file_system = nullptr;
};

struct WriteOptions {
  // true: Commit returns once the transaction is on stable storage (fdatasync
  // of the journal, and of the directory for a new journal file). Concurrent
  // committers share one fdatasync (group commit).
  // false: Commit returns once the operating system has the bytes. A process
  // crash loses nothing, but a power failure or kernel crash may lose the
  // latest commits (never part of one: a commit is all or nothing either way).
  bool sync = true;
};

struct ReadOptions {
  // Read the state as of this snapshot (DB::GetSnapshot). nullptr: the latest
  // committed state.
  const Snapshot* snapshot = nullptr;
};

struct ScanOptions {
  std::string from;    // first id included (inclusive); empty: from the start
  std::string to;      // first id excluded (exclusive); empty: to the end
  std::string prefix;  // only ids starting with this
  uint64_t limit = 0;  // at most this many records; 0: no limit
  // Unset, a record that cannot be read because it is damaged stops the scan
  // with Corruption. Set, such a record is passed here (its id, and the
  // Corruption naming file and offset) and the scan goes on with the next,
  // as long as this returns true, so that a dump saves what is readable.
  std::function<bool(std::string_view id, const Status& damage)> on_damaged;
};

}  // namespace spirapi

#endif  // SPIRAPI_OPTIONS_H_
