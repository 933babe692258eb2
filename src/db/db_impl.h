// DBImpl: the engine behind spirapi::DB. See docs/DESIGN.md for the design:
// a shared commit journal with group commit, an in-memory index of version
// chains per component, background flushes of sealed journals into
// per-component segment files, and compaction of those segments.
//
// Locking (acquire in this order, never the reverse):
//   bg_work_mu_  serializes flushes, compactions and Verify (DB::Compact
//                compacts several components at once under it); in a
//                read-only instance, CatchUps too
//   catch_up_mu_ read-only instances only: shared by every read, exclusive
//                while CatchUp swaps in a new index
//   mu_          writer queue, sequence counters, manifest_, journal state,
//                snapshots, sealed journal list
//   index_[c].mu per component: shared to read, exclusive to change
//   files_mu_    the table of open files
// The write leader releases mu_ while it writes and syncs the journal; only
// the leader touches journal_ then (the other writers wait in the queue).

#ifndef SPIRAPI_DB_DB_IMPL_H_
#define SPIRAPI_DB_DB_IMPL_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "codec/cipher.h"
#include "codec/record_codec.h"
#include "codec/zstd_codec.h"
#include <absl/container/flat_hash_map.h>

#include "spirapi/db.h"
#include "db/metrics_recorder.h"
#include "spirapi/file_system.h"
#include "storage/block_cache.h"
#include "storage/index.h"
#include "storage/manifest.h"
#include "storage/segment.h"

namespace spirapi {

// Bytes a record adds to a journal frame besides its id, data, metadata and
// blob (an upper bound: header fields, length prefixes, checksum, seal).
inline constexpr size_t kRecordOverheadBytes = 128;

struct WriteOp {
  Component component = Component::kSequence;
  std::string id;
  bool is_delete = false;
  std::string data;      // normalized JSON
  std::string metadata;  // normalized JSON object
  std::string blob;      // binary attachment; empty: none
  // Repair only: the version and timestamp the record had (0: assigned as
  // for any write), so that it keeps its checksum.
  uint64_t restore_version = 0;
  int64_t restore_timestamp_us = 0;
  // A secondary index's entry, added by the write path (db_indexes.cc): its
  // delete needs no live record, as an index being built may lack it.
  bool index_entry = false;

  // What the op counts towards WriteBatch::bytes.
  size_t bytes() const {
    return kRecordOverheadBytes + id.size() + data.size() + metadata.size() + blob.size();
  }
};

struct WriteBatch {
  std::vector<WriteOp> ops;
  size_t bytes = 0;  // the sum of WriteOp::bytes()
  // Written by SpiraPi itself (repair, index builds): may use the reserved
  // ids, and gets no index entries added.
  bool internal = false;
};

// An open journal or segment file. Shared by readers so that a file deleted
// by a flush or compaction stays readable until its last reader is done.
struct DataFile {
  uint32_t number = 0;
  bool is_journal = false;
  Component component = Component::kSequence;  // segments only
  std::string rel_path;
  std::unique_ptr<RandomAccessFile> file;
  // A segment's zstd dictionary, if it has one. If its block is damaged this
  // is null, and reads of the blocks that need it report Corruption.
  std::shared_ptr<const ZstdDictionary> dictionary;
  // The records of the segment this process has checked (see
  // storage/verified_records.h).
  std::shared_ptr<VerifiedRecords> verified = std::make_shared<VerifiedRecords>();
};

struct JournalReplay;
struct HealthInputs;
namespace index {
struct Catalog;
}
// DBImpl's index(c) hides the namespace inside the class.
using IndexCatalogState = index::Catalog;

class DBImpl : public DB {
 public:
  DBImpl(const Options& options, std::string path);
  ~DBImpl() override;

  Status OpenOrCreate();

  Status Put(const WriteOptions& wo, Component c, std::string_view id, std::string_view data_json,
             std::string_view metadata_json) override;
  Status PutWithBlob(const WriteOptions& wo, Component c, std::string_view id,
                     std::string_view data_json, std::string_view metadata_json,
                     std::string_view blob) override;
  Status Delete(const WriteOptions& wo, Component c, std::string_view id) override;
  Status Get(const ReadOptions& ro, Component c, std::string_view id,
             StorageRecord* record) override;
  Status GetVersion(const ReadOptions& ro, Component c, std::string_view id, uint64_t version,
                    StorageRecord* record) override;
  Status Exists(const ReadOptions& ro, Component c, std::string_view id, bool* exists) override;
  Status Scan(const ReadOptions& ro, Component c, const ScanOptions& so,
              const std::function<bool(const StorageRecord&)>& fn) override;
  Status Count(const ReadOptions& ro, Component c, uint64_t* count) override;
  Status BeginTransaction(const WriteOptions& wo, std::unique_ptr<Transaction>* txn) override;
  const Snapshot* GetSnapshot() override;
  void ReleaseSnapshot(const Snapshot* snapshot) override;
  Status Flush() override;
  Status Compact(const std::function<bool(double)>& progress) override;
  Status OptimizeFor(OptimizationGoal goal) override;
  Status SetCompression(CompressionCodec codec, int level) override;
  Status GetPinned(const ReadOptions& ro, Component c, std::string_view id,
                   PinnedRecord* record) override;
  // Sets the flags the stored goal implies. REQUIRES: mu_ held, or no other
  // thread yet.
  void ApplyStoredGoal();
  Status Verify(VerifyReport* report, const std::function<bool(double)>& progress) override;
  Status GetStats(DbStats* stats) override;
  Status CheckHealth(const HealthOptions& options, HealthReport* report) override;
  Status GetMetrics(Metrics* metrics) override;
  // Record bytes of a read, as the metrics count them.
  static uint64_t RecordBytesOf(const StorageRecord& r) {
    return r.id.size() + r.data.size() + r.metadata.size() + r.blob.size();
  }
  // The recorder operations outside DBImpl (RunQuery) record into.
  MetricsRecorder* metrics_recorder() { return &metrics_; }
  // Stores a sample of the metrics history now (db_metrics.cc) and then
  // merges the samples old enough (DownsampleMetricsHistory).
  // Not on a read-only instance (NotSupported).
  Status WriteMetricsSample();
  Status CatchUp() override;
  // The result cache's counters (src/cache/result_cache.cc).
  struct ResultCacheAtomics {
    std::atomic<uint64_t> hits{0}, misses{0}, stale{0}, expired{0}, stored{0}, removed{0},
        skipped{0};
  };
  ResultCacheAtomics& result_cache_counters() { return result_cache_counters_; }
  Status ComponentChangeSequence(Component c, uint64_t* seq) override;
  // The commit sequence of id's newest version at the current state (its
  // tombstone's if deleted), 0 if the index holds none. No I/O.
  uint64_t RecordChangeSequence(Component c, std::string_view id);
  Status Backup(const std::string& repository, const BackupOptions& options,
                BackupInfo* info) override;

  // For transactions.
  struct Conditions {
    bool check_conflicts = false;  // fail if a written id changed after `snapshot`
    uint64_t snapshot = 0;
    bool require_exists = false;   // deletes of absent ids fail with NotFound
    // Set by Write: the index catalog the batch's entries were computed
    // with; a batch that touches indexed components fails with Conflict if
    // the catalog changed before it commits.
    bool guard_catalog = false;
    uint64_t catalog_epoch = 0;
    // Records read but not written that must not have changed after
    // `snapshot` (Conflict otherwise): the schema that presented a schema
    // index's values, or, with `prefix`, every record of a schema whose
    // index entries a schema change recomputed (db_schema_indexes.cc).
    struct Guard {
      Component component;
      std::string id;
      bool prefix = false;
    };
    std::vector<Guard> unchanged;
  };
  Status Write(const WriteOptions& wo, WriteBatch* batch, const Conditions& cond);
  Status GetAt(uint64_t snapshot, Component c, std::string_view id, StorageRecord* record);
  // GetAt without the copy: fn sees the record as views into the decoded
  // block, valid until it returns. Errors: as GetAt.
  Status ViewAt(uint64_t snapshot, Component c, std::string_view id,
                const std::function<void(const RecordView&)>& fn);
  // ViewAt for each of `ids` in turn until fn returns false, faster: the
  // ids are looked up in batches, prefetching, under one hold of the index
  // lock a batch, and records sharing a cached block share its lookup.
  // Errors: as GetAt; on NotFound, *missing is the index in ids of the id.
  Status ViewMany(uint64_t snapshot, Component c, const std::vector<std::string>& ids,
                  const std::function<bool(const RecordView&)>& fn, size_t* missing);
  // Scan without the copies: fn's views are valid until it returns.
  Status ScanViews(const ReadOptions& ro, Component c, const ScanOptions& so,
                   const std::function<bool(const RecordView&)>& fn);
  bool ExistsAt(uint64_t snapshot, Component c, std::string_view id);
  uint64_t AcquireSnapshot();
  void ReleaseSnapshotSeq(uint64_t seq);
  // Validates and normalizes a put.
  static Status MakePut(Component c, std::string_view id, std::string_view data_json,
                        std::string_view metadata_json, std::string_view blob, WriteOp* op);
  static Status CheckId(std::string_view id);
  // InvalidArgument for ids SpiraPi reserves (index entries and definitions).
  static Status CheckReserved(Component c, std::string_view id);

  // Secondary indexes (db_indexes.cc).
  std::shared_ptr<const IndexCatalogState> IndexCatalog() const;
  // Calls fn with each id of component c in [from, to) (to empty: no end)
  // live at snapshot, in order or, reverse, in reverse order, until fn
  // returns false. Reads the in-memory index only.
  Status WalkIds(uint64_t snapshot, Component c, std::string_view from, std::string_view to,
                 bool reverse, const std::function<bool(std::string_view id)>& fn);
  // The number of ids WalkIds would pass, counting no further than cap + 1.
  uint64_t CountIds(uint64_t snapshot, Component c, std::string_view from, std::string_view to,
                    uint64_t cap);
  uint64_t SnapshotOf(const ReadOptions& ro) const { return SnapshotSeq(ro); }
  // What every write to a read-only instance returns.
  static Status ReadOnlyError() {
    return Status::NotSupported("the database was opened read-only");
  }

 private:
  struct Writer;
  struct PendingState {
    uint64_t seq;
    uint64_t version;
    bool tombstone;
  };
  // A write the leader made durable and must add to the index. `id` views
  // the writer's batch, which outlives the group.
  struct Applied {
    Component component;
    std::string_view id;
    VersionRef ref;
  };
  // The state an earlier batch of the same group gave each record it wrote.
  using PendingMap = absl::flat_hash_map<std::pair<Component, std::string_view>, PendingState>;

  // Open / recovery (db_open.cc).
  Status Create();
  Status Recover();
  Status CheckSettings();
  Status RemoveOrphans();
  // A segment or journal found at open, and its size then.
  struct RecoveryFile {
    Component component;  // segments only
    std::shared_ptr<DataFile> file;
    uint64_t size;
  };
  struct FooterRead {
    Status status;
    std::vector<SegmentEntry> entries;
  };
  // Opens the segments the manifest lists and sizes the index for them.
  Status InstallSegments(std::vector<RecoveryFile>* segments);
  // Opens the journals, oldest first.
  Status InstallJournals(std::vector<RecoveryFile>* journals);
  // Adds a segment's versions given its footer (read on another thread).
  Status LoadSegment(const RecoveryFile& segment, FooterRead* footer);

  // Read-only instances (db_catch_up.cc).
  Status OpenReadOnly();
  // Loads the database's current state into a fresh instance, retrying when
  // the writer replaces files meanwhile.
  Status LoadLatest(std::unique_ptr<DBImpl>* fresh);
  // Takes over the state `fresh` loaded; `fresh` gets the old one.
  // Busy if a snapshot is held.
  Status AdoptState(DBImpl* fresh);  // REQUIRES: bg_work_mu_ held
  // Held by every read of a read-only instance, so that CatchUp never swaps
  // the index under it; empty (no lock) for a writable instance.
  std::shared_lock<std::shared_mutex> PinIndex();

  // Sizes the index for the journals, estimated from the first one.
  void ReserveForJournals(const JournalReplay& first, uint64_t journal_bytes);
  Status ApplyJournal(const JournalReplay& replay);
  // Moves the tail of the last journal aside into a file of its own, so that
  // appends continue after the last frame and its bytes are never lost.
  Status KeepTailAside(const JournalReplay& replay);
  // Lists the tails kept aside (*.tail under journal/) into journal_tails_.
  Status FindJournalTails();
  Status OpenActiveJournal(uint64_t number, bool append);
  Status NewJournal();  // REQUIRES: mu_ held, called by the write leader or at open

  // Secondary indexes (db_indexes.cc).
  // Reads the definitions from METADATA into catalog_.
  Status LoadIndexCatalog();
  // Starts index_build_thread_ if an index is still "building".
  void ResumeIndexBuilds();
  // Adds to batch the entry changes its writes make, reading each record's
  // previous version at `snapshot`.
  // Records whose entries depend on what the batch does not write go to
  // cond->unchanged.
  Status AddIndexEntries(const IndexCatalogState& catalog, Conditions* cond, WriteBatch* batch);
  // AddIndexEntries' part for the indexes over a schema's records
  // (db_schema_indexes.cc).
  Status AddSchemaIndexEntries(const IndexCatalogState& catalog, Conditions* cond,
                               WriteBatch* batch);
  // Adds to batch the deletion of the entries only *before holds and the
  // puts of those only *after holds (both sorted; their strings move),
  // data_of giving a put's data.
  static void AddEntryDiff(std::vector<std::string>* before, std::vector<std::string>* after,
                           const std::function<std::string(std::string_view entry)>& data_of,
                           WriteBatch* batch);
  // Conflict if a record of cond.unchanged changed after cond.snapshot.
  Status CheckUnchanged(const Conditions& cond, const PendingMap& pending);  // REQUIRES: mu_ held
  // Conflict if the catalog changed since w's batch was prepared for it.
  Status CheckCatalog(const WriteBatch& batch, const Conditions& cond) const;  // REQUIRES: mu_ held
  // Stages the definitions the batch (committed as seq) writes in
  // pending_catalog_; PublishCatalog makes them catalog_ once the batch is
  // visible, so that no reader sees an index ready before its entries.
  void ApplyCatalogChanges(const WriteBatch& batch, uint64_t seq);  // REQUIRES: mu_ held
  void PublishCatalog();  // REQUIRES: mu_ held
  // The group commit itself (Write adds index entries first).
  Status Commit(const WriteOptions& wo, WriteBatch* batch, const Conditions& cond);

  // Write path (db_write.cc).
  // Appends w's batch as a frame to *frames. Its writes are recorded in
  // *pending only when later batches of the group need to see them.
  Status Prepare(Writer* w, std::string* frames, std::vector<Applied>* applied,
                 PendingMap* pending, bool later_batches);
  // Lets a new leader wait briefly for the writers of the last group.
  void GatherWriters(std::unique_lock<std::mutex>* l);  // REQUIRES: mu_ held, leader
  // Waits while the background thread is kMaxSealedJournals journals behind.
  void WaitForFlushBacklog(std::unique_lock<std::mutex>* l);  // REQUIRES: mu_ held
  void ApplyToIndex(const std::vector<Applied>& applied);
  Status RotateJournal();  // REQUIRES: mu_ held, leader

  // Reads (db_read.cc).
  // GetPinned and GetVersion, which their public versions time.
  Status GetPinnedUntimed(const ReadOptions& ro, Component c, std::string_view id,
                          PinnedRecord* record);
  Status GetVersionUntimed(const ReadOptions& ro, Component c, std::string_view id,
                           uint64_t version, StorageRecord* record);
  // A record's plaintext bytes, either in a cached block or read directly.
  struct RecordBytes {
    // Keeps the cached block alive. Also an input of ReadBytes: a caller that
    // already found the block in the cache sets it, saving a second lookup.
    BlockCache::Block block;
    // Input: the caller looked the block up and missed, so ReadBytes reads
    // it without looking (and counting a miss) again.
    bool cache_missed = false;
    std::string owned;
    std::string_view bytes;
    bool verified = false;    // checksum checked by an earlier read
    // Where the check's result is kept (segment records only).
    std::atomic<uint8_t>* check = nullptr;
  };
  // The last block a sequential reader (compaction) decoded in each file. Such
  // a reader passes one so that it neither fills the block cache with blocks
  // nobody will read again nor decodes a block once per record. One block per
  // file: a merge in id order alternates between its input files, and reads
  // each of them in order.
  struct BlockMemo {
    std::unordered_map<uint32_t, std::pair<uint64_t, BlockCache::Block>> last_block;
  };
  Status ReadBytes(Component c, std::string_view id, const VersionRef& v,
                   const std::shared_ptr<DataFile>& file, RecordBytes* out,
                   BlockMemo* memo = nullptr);
  // Finds the version of id visible at snapshot, and its cached block (in
  // bytes->block) or else its file. NotFound if there is none.
  Status Locate(uint64_t snapshot, Component c, std::string_view id, VersionRef* v,
                std::shared_ptr<DataFile>* file, RecordBytes* bytes);
  // Decodes, checks it is the record the index meant, and its checksum.
  Status CheckRecord(Component c, std::string_view id, const VersionRef& v,
                     const RecordBytes& bytes, RecordView* r);
  // ReadBytes, CheckRecord, and the copy into *record. *bytes as for
  // ReadBytes (a block the caller found may be passed in; the one read stays).
  Status ReadRecord(Component c, std::string_view id, const VersionRef& v,
                    const std::shared_ptr<DataFile>& file, RecordBytes* bytes,
                    StorageRecord* record);
  // The record's plaintext encoded bytes (checksum verified).
  Status ReadEncoded(Component c, std::string_view id, const VersionRef& v,
                     const std::shared_ptr<DataFile>& file, std::string* encoded,
                     BlockMemo* memo);
  std::shared_ptr<DataFile> FindFile(uint32_t number);
  uint64_t SnapshotSeq(const ReadOptions& ro) const;

  // Backups (db_backup.cc).
  // The journal archive (Options::archive_journals), on the backup thread:
  // copies the sealed journals to the repository, then deletes those a
  // flush has left for it (a flush keeps its journal until it is archived,
  // so that archiving never holds up flushes, nor flushes the archive).
  void ArchiveFlushedJournals();
  // Wakes the backup thread to archive.
  void RequestArchive();
  // The automatic backups' thread (Options::backup_repository).
  void BackupLoop();
  void StopBackups();
  // Records an attempt in the stats and, if writable, in METADATA.
  void RecordBackup(const Status& s, const BackupInfo& info, double seconds);
  // The backup fields of DbStats: this instance's, else the newest
  // `~backup/` records in METADATA (an earlier process's backups).
  void FillBackupStats(DbStats* stats);

  // Verify's checks (db_verify.cc); Verify adds the record of the outcome.
  Status VerifyFiles(VerifyReport* report, const std::function<bool(double)>& progress);
  // Health checks (db_health.cc).
  void RecordVerify(const VerifyReport& report, double seconds);
  void GatherHealth(const HealthOptions& options, HealthInputs* in);
  void SampleRecords(uint64_t n, HealthInputs* in);
  // Metrics history (db_metrics.cc): the thread that stores a sample every
  // Options::metrics_interval_seconds, and the final sample at close.
  void StartMetricsHistory();
  void StopMetricsHistory();
  void MetricsHistoryLoop();

  // Background work (db_background.cc).
  void BackgroundLoop();
  void MaybeScheduleWork();
  Status FlushOldestJournal();   // REQUIRES: bg_work_mu_
  Status FlushOldestJournalUntimed();  // REQUIRES: bg_work_mu_
  // Appends a close frame to the active journal and syncs it.
  void WriteCloseFrame();        // REQUIRES: mu_ held, no writers
  Status ManifestWriteFailed(const Status& s);  // REQUIRES: mu_ held
  // Writes `next` and makes it manifest_; on failure, ManifestWriteFailed.
  Status InstallManifest(const Manifest& next);  // REQUIRES: mu_ held
  Status InstallFailed(const Status& s);        // REQUIRES: mu_ not held
  // `progress` as Compact's, for this component's share of the work.
  Status CompactComponent(Component c, bool force,
                          const std::function<bool(double)>& progress = nullptr);  // REQUIRES: bg_work_mu_
  Status CompactComponentUntimed(Component c, bool force,
                                 const std::function<bool(double)>& progress);  // REQUIRES: bg_work_mu_
  bool NeedsCompaction(Component c);
  bool NeedsCompactionLocked(Component c);  // REQUIRES: mu_ held
  // Where WriteSegments takes its records from, one at a time, in file
  // order: each call sets *record (valid until the next call), or *end.
  using RecordSource = std::function<Status(std::string_view* record, bool* end)>;
  Status WriteSegments(Component c, const RecordSource& next, std::vector<SegmentMeta>* metas,
                       std::vector<std::pair<uint32_t, std::vector<SegmentEntry>>>* out);
  uint64_t OldestSnapshot();     // REQUIRES: mu_ held
  Status InstallFile(uint32_t number, bool is_journal, Component c, const std::string& rel);
  // Closes a file for good and (remove) deletes it.
  void DropFile(uint32_t number, bool remove = true);

  std::string Path(const std::string& rel) const { return path_ + "/" + rel; }
  ComponentIndex& index(Component c) { return index_[static_cast<int>(c)]; }
  const Cipher* cipher() const { return cipher_.enabled() ? &cipher_ : nullptr; }

  const Options options_;
  const std::string path_;
  FileSystem* const fs_;
  std::unique_ptr<FileLock> lock_;
  Cipher cipher_;
  BlockCache cache_;

  std::mutex bg_work_mu_;
  std::shared_mutex catch_up_mu_;
  std::mutex mu_;
  std::condition_variable bg_cv_;
  std::condition_variable bg_done_cv_;
  std::deque<Writer*> writers_;              // guarded by mu_
  std::condition_variable writers_cv_;       // a writer is done or leads next
  Manifest manifest_;                        // guarded by mu_
  uint64_t last_seq_ = 0;                    // guarded by mu_: assigned
  std::atomic<uint64_t> visible_seq_{0};     // published after apply
  uint64_t next_file_number_ = 1;            // guarded by mu_
  std::unique_ptr<WritableFile> journal_;    // guarded by mu_ / leader
  std::string group_frames_;                 // the leader's buffer, reused
  std::condition_variable gather_cv_;        // a writer queued (GatherWriters)
  bool leader_gathering_ = false;            // guarded by mu_
  size_t last_sync_group_ = 0;               // guarded by mu_: writers in the last fsync
  int64_t last_sync_micros_ = 0;             // guarded by mu_ / leader
  uint32_t journal_number_ = 0;              // guarded by mu_
  uint64_t journal_size_ = 0;                // guarded by mu_ / leader
  // How much of the active journal the last completed fdatasync covered:
  // each frame states it (durable_end), so that damage before it is told
  // from a torn write after a crash.
  uint64_t journal_synced_size_ = 0;         // guarded by mu_ / leader
  bool journal_dirty_ = false;               // unsynced appends
  // The active journal ends with a close frame: a close without commits
  // since open need not add another.
  bool journal_ends_with_close_ = false;     // guarded by mu_ / leader
  // Journal tails kept aside at this or an earlier open (ApplyJournal).
  std::vector<JournalTail> journal_tails_;   // guarded by mu_
  std::deque<uint32_t> sealed_journals_;     // guarded by mu_, oldest first
  std::multiset<uint64_t> snapshots_;        // guarded by mu_
  Status write_error_;                       // guarded by mu_: sticky
  Status bg_error_;                          // guarded by mu_: last background failure
  bool shutting_down_ = false;               // guarded by mu_
  bool bg_busy_ = false;                     // guarded by mu_
  std::thread bg_thread_;

  ComponentIndex index_[kNumComponents];
  std::shared_mutex files_mu_;
  std::map<uint32_t, std::shared_ptr<DataFile>> files_;  // guarded by files_mu_
  std::vector<Damage> recovery_damage_;                  // guarded by mu_
  struct DamagedVersion {
    Component component;
    std::string id;
    VersionRef ref;
  };
  std::vector<DamagedVersion> damaged_versions_;         // during Recover() only

  // What the MANIFEST's optimized_for "security" asks of reads and commits
  // (set at open and by OptimizeFor; see ApplyStoredGoal).
  std::atomic<bool> verify_every_read_{false};
  // The index definitions; replaced whole (under catalog_mu_) by the write
  // leader when a batch changes one, read by writers and queries.
  mutable std::mutex catalog_mu_;
  std::shared_ptr<const IndexCatalogState> catalog_;
  // The catalog with the changes of batches prepared but not yet visible
  // (the same as catalog_ otherwise); write batches are checked against it.
  std::shared_ptr<const IndexCatalogState> pending_catalog_;  // guarded by mu_
  // Finishes the index builds a crash or a close interrupted (db_indexes.cc).
  std::thread index_build_thread_;
  std::atomic<bool> stop_index_builds_{false};

  // Cache warming (db_cache_warming.cc): loads CACHE-WARM's blocks after
  // open, and (writable instances) records the hot set every few minutes
  // and at close.
  void StartCacheWarming();  // after a successful open
  void StopCacheWarming();   // at close: stops loading, records the hot set
  void CacheWarmLoop();
  void LoadHotBlocks(bool load);  // !load: only reads the file into warm_pending_
  void RecordHotBlocks();
  bool WarmingStopped();
  bool warm_started_ = false;
  std::thread warm_thread_;
  std::mutex warm_mu_;
  std::condition_variable warm_cv_;
  bool warm_stop_ = false;  // guarded by warm_mu_
  // The loaded file's blocks not loaded yet (kept in the next file).
  std::vector<BlockCache::HotBlock> warm_pending_;  // guarded by warm_mu_
  std::atomic<uint64_t> blocks_to_warm_{0};
  std::atomic<uint64_t> blocks_warmed_{0};
  std::atomic<bool> warming_{false};  // from open until the loading ends
  std::atomic<bool> sync_every_write_{false};
  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> checksums_verified_{0};
  std::atomic<uint64_t> journal_syncs_{0};
  std::atomic<uint64_t> flushes_{0};
  std::atomic<uint64_t> compactions_{0};
  // ComponentChangeSequence: raised by the write leader under mu_ after a
  // group is visible (so a reader that sees a number also sees its commit),
  // set at open from the MANIFEST's floors and the index.
  std::atomic<uint64_t> change_seq_[kNumComponents] = {};
  ResultCacheAtomics result_cache_counters_;

  // Backups: one at a time in this process (DB::Backup, automatic, archive).
  std::mutex backup_mu_;
  std::mutex backup_state_mu_;               // the fields below
  std::condition_variable backup_cv_;        // close wakes the backup thread
  std::atomic<bool> stop_backups_{false};
  bool archive_pending_ = false;             // journals wait for the archive
  // No flushed journal was deleted unarchived (after the archive failed too
  // long) since the archive last caught up.
  bool archive_chain_intact_ = true;
  std::string last_backup_id_;
  int64_t last_backup_us_ = 0;
  double last_backup_seconds_ = 0;
  std::string last_backup_error_;
  uint64_t backups_failed_ = 0;
  uint64_t journals_archived_ = 0;
  std::string archive_error_;
  std::thread backup_thread_;

  // The last Verify of this instance (VerifyOutcomeToJson), so that a
  // read-only instance, which cannot write `~verify/last`, reports it too.
  std::mutex verify_mu_;
  std::string last_verify_json_;  // guarded by verify_mu_
  // Metrics (include/spirapi/metrics.h, db_metrics.cc).
  MetricsRecorder metrics_;
  const std::chrono::steady_clock::time_point opened_ = std::chrono::steady_clock::now();
  std::mutex metrics_mu_;                    // the fields below; one sample at a time
  std::condition_variable metrics_cv_;       // close wakes the history thread
  bool stop_metrics_ = false;
  // The totals the last stored sample ended at, so that a sample holds its
  // interval only.
  int64_t last_sample_us_ = 0;
  OpMetrics last_ops_[kNumMetricOps];
  HistogramData last_latency_[kNumMetricOps];
  uint64_t last_cache_hits_ = 0;
  uint64_t last_cache_misses_ = 0;
  std::thread metrics_thread_;
};

}  // namespace spirapi

#endif  // SPIRAPI_DB_DB_IMPL_H_
