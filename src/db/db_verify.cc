// DB::Verify reads every live file and checks every record; DB::GetStats.

#include <algorithm>
#include <chrono>
#include <mutex>

#include "codec/record_codec.h"
#include "db/db_impl.h"
#include "index/index_catalog.h"
#include "db/journal_replay.h"
#include "storage/filenames.h"
#include "storage/journal.h"
#include "storage/segment.h"
#include "util/json.h"
#include "util/parallel_for.h"

namespace spirapi {

Status DBImpl::Verify(VerifyReport* report, const std::function<bool(double)>& progress) {
  OpTimer timer(&metrics_, MetricOp::kVerify);
  const auto start = std::chrono::steady_clock::now();
  Status s = VerifyFiles(report, progress);
  // Recorded after VerifyFiles let go of bg_work_mu_: the record's write may
  // wait for a flush.
  if (s.ok()) {
    RecordVerify(*report,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return timer.Done(s);
}

namespace {

// What one file's check found, merged into the report in file order.
struct FileCheck {
  bool ran = false;
  uint64_t records_checked = 0;
  std::vector<Damage> damage;
  Status status;  // an I/O error: the check says nothing about the file
};

}  // namespace

Status DBImpl::VerifyFiles(VerifyReport* report, const std::function<bool(double)>& progress) {
  *report = VerifyReport();
  // No flush or compaction meanwhile: they delete the files being read.
  std::lock_guard<std::mutex> work(bg_work_mu_);
  std::vector<std::shared_ptr<DataFile>> files;
  uint32_t active_journal;
  uint64_t active_size;
  {
    std::lock_guard<std::mutex> l(mu_);
    report->damage = recovery_damage_;
    report->journal_tails = journal_tails_;
    active_journal = journal_number_;
    active_size = journal_size_;
    std::shared_lock<std::shared_mutex> fl(files_mu_);
    for (const auto& [number, f] : files_) files.push_back(f);
  }

  // Checks one file into *out; touches nothing shared but the file.
  auto check_file = [&](const DataFile& f, FileCheck* out) {
    auto damage = [&](uint64_t offset, const Component* c, std::string_view id,
                      const std::string& what) {
      out->damage.push_back(
          {f.rel_path, offset, c != nullptr ? ComponentName(*c) : "", std::string(id), what});
    };
    auto check_record = [&](uint64_t offset, std::string_view bytes, const Component* expected) {
      ++out->records_checked;
      RecordView r;
      if (!DecodeRecord(bytes, &r).ok()) {
        damage(offset, nullptr, "", "record does not decode");
      } else if (!ChecksumMatches(r) || (expected != nullptr && r.component != *expected)) {
        Component c = r.component;
        damage(offset, &c, r.id, "record SHA-256 checksum mismatch");
      }
    };
    uint64_t size = 0;
    Status s = fs_->GetFileSize(Path(f.rel_path), &size);
    // Beside a live writer, a file may be flushed or compacted away since this
    // read-only instance loaded it: not damage (its data is in newer files).
    if (s.IsNotFound() && options_.read_only) return;
    if (s.IsNotFound()) {
      damage(0, nullptr, "", "file is missing: " + s.message());
      return;
    }
    if (!s.ok()) {
      out->status = s;
      return;
    }
    if (f.is_journal && f.number == active_journal) size = std::min(size, active_size);
    std::string contents;
    s = f.file->Read(0, size, &contents);
    if (!s.ok()) {
      out->status = s;
      return;
    }
    if (f.is_journal) {
      JournalReplay replay;
      JournalScanOptions options;
      options.is_last = f.number == active_journal;
      options.check_every_checksum = true;
      ScanJournalFile(*f.file, f.number, size, cipher(), options, &replay);
      if (!replay.status.ok()) {
        out->status = replay.status;
        return;
      }
      out->records_checked += replay.records_checked;
      for (const Damage& d : replay.damage) {
        Component c;
        damage(d.offset, ParseComponent(d.component, &c).ok() ? &c : nullptr, d.id, d.what);
      }
      if (replay.tail_length > 0) {
        damage(replay.tail_offset, nullptr, "", "journal ends in bytes that do not check");
      }
      return;
    }
    Component c = f.component;
    std::vector<SegmentEntry> footer;
    s = ReadSegmentFooter(*f.file, size, cipher(), &footer);
    // An I/O error says nothing about the bytes: fail, rather than report
    // an intact file as damaged.
    if (s.IsIOError()) {
      out->status = s;
      return;
    }
    if (!s.ok()) damage(size, &c, "", s.message());
    std::vector<SegmentEntry> scanned;
    ScanSegmentBlocks(
        contents, cipher(), &scanned,
        [&](uint64_t offset, uint64_t end, const Status& bad) {
          // Name every record the footer places in the damaged region.
          bool named = false;
          for (const SegmentEntry& e : footer) {
            if (e.block_offset >= offset && e.block_offset < end) {
              damage(offset, &c, e.id, bad.message());
              named = true;
            }
          }
          if (!named) damage(offset, &c, "", bad.message());
        },
        [&](uint64_t offset, std::string_view record) { check_record(offset, record, &c); });
  };

  // Files are checked on several threads, each into its own FileCheck; the
  // progress callback is called under a mutex (one call at a time, fractions
  // never going back), before each file is started.
  std::vector<FileCheck> checks(files.size());
  std::mutex progress_mu;
  size_t done = 0;
  bool stopped = false, cancelled = false;
  ParallelFor(files.size(), BackgroundThreads(options_.background_threads), [&](size_t i) {
    {
      std::lock_guard<std::mutex> l(progress_mu);
      if (stopped) return false;
      if (progress && !progress(static_cast<double>(done) / static_cast<double>(files.size()))) {
        stopped = cancelled = true;
        return false;
      }
    }
    checks[i].ran = true;
    check_file(*files[i], &checks[i]);
    std::lock_guard<std::mutex> l(progress_mu);
    ++done;
    if (!checks[i].status.ok()) stopped = true;
    return !stopped;
  });

  // In file order, so that the report is the one a check of one file after
  // another gives. Damage found at open is already listed; do not report it
  // twice.
  auto damage = [&](Damage d) {
    for (const Damage& old : report->damage) {
      if (old.file == d.file && old.offset == d.offset && old.id == d.id) return;
    }
    report->damage.push_back(std::move(d));
  };
  for (FileCheck& check : checks) {
    if (!check.ran) continue;
    ++report->files_checked;
    if (!check.status.ok()) return check.status;
    report->records_checked += check.records_checked;
    for (Damage& d : check.damage) damage(std::move(d));
  }
  if (cancelled) {
    return Status::Cancelled("verify: cancelled by the progress callback after " +
                             std::to_string(report->files_checked) + " of " +
                             std::to_string(files.size()) + " files");
  }
  // Each ready index against its records. Damaged records were named above
  // and stop the comparison, which then has nothing to add.
  std::vector<IndexMismatch> mismatches;
  Status s = VerifyIndex(this, "", &mismatches);
  if (!s.ok() && !s.IsCorruption()) return s;
  std::shared_ptr<const IndexCatalogState> catalog = IndexCatalog();
  for (const IndexMismatch& m : mismatches) {
    const index::IndexDef* def = catalog->Find(m.index);
    Component c = def != nullptr ? def->spec.component : Component::kIndex;
    damage({"(index " + m.index + ")", 0, ComponentName(c), m.record_id,
            "index " + m.index + ": " + m.what + "; 'spirapi index rebuild " + m.index +
                "' repairs it"});
  }
  if (progress) progress(1.0);
  return Status::OK();
}

Status DBImpl::GetStats(DbStats* stats) {
  *stats = DbStats();
  {
    std::lock_guard<std::mutex> l(mu_);
    for (Component c : kAllComponents) {
      ComponentStats& cs = stats->components[static_cast<int>(c)];
      for (const SegmentMeta& m : manifest_.segments[static_cast<int>(c)]) {
        ++cs.segment_files;
        cs.segment_bytes += m.size;
      }
    }
    stats->journal_files = sealed_journals_.size() + 1;
    stats->journal_bytes = journal_size_;
    for (uint32_t j : sealed_journals_) {
      uint64_t size = 0;
      if (fs_->GetFileSize(Path(JournalRelPath(j)), &size).ok()) stats->journal_bytes += size;
    }
    stats->compression_codec = manifest_.codec;
    stats->compression_level = manifest_.compression_level;
    stats->optimized_for = manifest_.optimized_for;
    stats->max_file_size_mb = manifest_.max_file_size_mb;
    stats->block_size_kib = static_cast<int>(manifest_.block_size >> 10);
    stats->backup_interval_hours = manifest_.backup_interval_hours;
    stats->encrypted = manifest_.encrypted;
    stats->journal_tails = journal_tails_;
  }
  stats->total_disk_bytes = stats->journal_bytes;
  for (Component c : kAllComponents) {
    ComponentStats& cs = stats->components[static_cast<int>(c)];
    ComponentIndex& idx = index(c);
    std::shared_lock<std::shared_mutex> l(idx.mu);
    cs.live_records = idx.live_records();
    cs.stored_versions = idx.stored_versions();
    if (cs.stored_versions > 0) {
      cs.garbage_bytes = static_cast<uint64_t>(
          static_cast<double>(cs.segment_bytes) *
          std::min(1.0, static_cast<double>(idx.droppable_versions()) /
                            static_cast<double>(cs.stored_versions)));
    }
    stats->index_memory_bytes += idx.MemoryBytes();
    stats->total_disk_bytes += cs.segment_bytes;
  }
  stats->last_sequence = visible_seq_.load(std::memory_order_acquire);
  stats->commits = commits_.load();
  stats->journal_syncs = journal_syncs_.load();
  stats->flushes = flushes_.load();
  stats->compactions = compactions_.load();
  stats->block_cache_hits = cache_.hits();
  stats->block_cache_misses = cache_.misses();
  stats->block_cache_usage_bytes = cache_.usage_bytes();
  stats->block_cache_capacity_bytes = cache_.capacity_bytes();
  stats->block_cache_blocks_to_warm = blocks_to_warm_.load(std::memory_order_relaxed);
  stats->block_cache_blocks_warmed = blocks_warmed_.load(std::memory_order_relaxed);
  stats->block_cache_warming = warming_.load(std::memory_order_acquire);
  stats->checksums_verified = checksums_verified_.load(std::memory_order_relaxed);
  const ResultCacheAtomics& rc = result_cache_counters_;
  stats->result_cache = {rc.hits.load(),   rc.misses.load(),  rc.stale.load(),  rc.expired.load(),
                         rc.stored.load(), rc.removed.load(), rc.skipped.load()};
  FillBackupStats(stats);
  return Status::OK();
}

std::string DbStats::ToJson() const {
  auto kv = [](std::string* out, const char* key, uint64_t v, bool comma = true) {
    *out += std::string("\"") + key + "\":" + std::to_string(v) + (comma ? "," : "");
  };
  std::string out = "{\"components\":{";
  for (Component c : kAllComponents) {
    const ComponentStats& cs = components[static_cast<int>(c)];
    if (c != Component::kSequence) out += ",";
    out += std::string("\"") + ComponentName(c) + "\":{";
    kv(&out, "live_records", cs.live_records);
    kv(&out, "stored_versions", cs.stored_versions);
    kv(&out, "segment_files", cs.segment_files);
    kv(&out, "segment_bytes", cs.segment_bytes);
    kv(&out, "garbage_bytes", cs.garbage_bytes, false);
    out += "}";
  }
  out += "},";
  kv(&out, "journal_files", journal_files);
  kv(&out, "journal_bytes", journal_bytes);
  kv(&out, "total_disk_bytes", total_disk_bytes);
  kv(&out, "last_sequence", last_sequence);
  kv(&out, "commits", commits);
  kv(&out, "journal_syncs", journal_syncs);
  kv(&out, "flushes", flushes);
  kv(&out, "compactions", compactions);
  kv(&out, "block_cache_hits", block_cache_hits);
  kv(&out, "block_cache_misses", block_cache_misses);
  kv(&out, "block_cache_usage_bytes", block_cache_usage_bytes);
  kv(&out, "block_cache_capacity_bytes", block_cache_capacity_bytes);
  kv(&out, "block_cache_blocks_to_warm", block_cache_blocks_to_warm);
  kv(&out, "block_cache_blocks_warmed", block_cache_blocks_warmed);
  out += std::string("\"block_cache_warming\":") + (block_cache_warming ? "true" : "false") + ",";
  kv(&out, "checksums_verified", checksums_verified);
  kv(&out, "index_memory_bytes", index_memory_bytes);
  out += std::string("\"compression_codec\":\"") + CompressionCodecName(compression_codec) + "\",";
  kv(&out, "compression_level", static_cast<uint64_t>(compression_level));
  // One of three fixed names, or empty: nothing to escape.
  out += "\"optimized_for\":\"" + optimized_for + "\",";
  kv(&out, "max_file_size_mb", static_cast<uint64_t>(max_file_size_mb));
  kv(&out, "block_size_kib", static_cast<uint64_t>(block_size_kib));
  kv(&out, "backup_interval_hours", static_cast<uint64_t>(backup_interval_hours));
  out += std::string("\"encrypted\":") + (encrypted ? "true" : "false") + ",";
  out += "\"journal_tails\":[";
  for (size_t i = 0; i < journal_tails.size(); ++i) {
    const JournalTail& t = journal_tails[i];
    out += i > 0 ? ",{\"file\":" : "{\"file\":";
    AppendJsonString(&out, t.file);
    out += ",\"journal\":";
    AppendJsonString(&out, t.journal);
    out += ",";
    kv(&out, "offset", t.offset);
    kv(&out, "bytes", t.length, false);
    out += "}";
  }
  out += "],\"last_backup_id\":";
  AppendJsonString(&out, last_backup_id);
  out += ",\"last_backup_us\":" + std::to_string(last_backup_us) +
         ",\"last_backup_seconds\":" + std::to_string(last_backup_seconds) +
         ",\"last_backup_error\":";
  AppendJsonString(&out, last_backup_error);
  out += ",";
  kv(&out, "backups_failed", backups_failed);
  kv(&out, "journals_archived", journals_archived);
  out += "\"archive_error\":";
  AppendJsonString(&out, archive_error);
  out += ",\"result_cache\":" + result_cache.ToJson() + "}";
  return out;
}

std::string JournalTail::ToString() const {
  return journal + ": " + std::to_string(length) + " bytes after offset " +
         std::to_string(offset) + " do not check: a commit interrupted by a crash, or damage (" +
         (file.empty() ? "kept aside at the next open for writing" : "kept in " + file) + ")";
}

}  // namespace spirapi
