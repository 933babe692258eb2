// Background work: flushing sealed journals into per-component segment files
// (LZMA-compressed at the database's level), and compacting segments.
// Both write new files, make them durable, then switch the MANIFEST
// atomically; a crash at any point leaves either the old or the new files
// live, never a mix (files not in the MANIFEST are deleted at open).

#include <algorithm>
#include <mutex>
#include <unordered_set>

#include "codec/record_codec.h"
#include "db/db_impl.h"
#include "db/journal_replay.h"
#include "storage/filenames.h"
#include "storage/journal.h"
#include "storage/segment.h"
#include "util/parallel_for.h"
#include "util/thread_priority.h"

namespace spirapi {

DBImpl::~DBImpl() {
  // First, while every file is still open: warming stops at its next block.
  StopCacheWarming();
  // The last sample of the metrics history, while writes still work.
  StopMetricsHistory();
  // An automatic backup in progress stops at its next file (it writes no
  // record: an interrupted backup is absent).
  StopBackups();
  // An index build resumed at open stops at its next batch (it resumes at
  // the next open).
  stop_index_builds_.store(true);
  if (index_build_thread_.joinable()) index_build_thread_.join();
  {
    std::unique_lock<std::mutex> l(mu_);
    shutting_down_ = true;
    bg_cv_.notify_all();
  }
  if (bg_thread_.joinable()) bg_thread_.join();
  std::lock_guard<std::mutex> l(mu_);
  if (journal_ != nullptr) {
    if (write_error_.ok()) WriteCloseFrame();
    journal_->Close();
  }
}

void DBImpl::WriteCloseFrame() {
  // sync=false commits become durable at a clean close. Then the close frame
  // says so: after it, a frame that does not check can only be damage.
  if (journal_dirty_ && !journal_->Sync().ok()) return;
  journal_dirty_ = false;
  journal_synced_size_ = journal_size_;
  if (journal_ends_with_close_) return;
  std::string frame;
  AppendCloseFrame(last_seq_, journal_synced_size_, &frame);
  if (journal_->Append(frame).ok() && journal_->Sync().ok()) {
    journal_size_ += frame.size();
    journal_ends_with_close_ = true;
  }
}

void DBImpl::MaybeScheduleWork() {
  if (options_.background_work) bg_cv_.notify_all();
}

void DBImpl::BackgroundLoop() {
  // Flushes and compactions may use every core (SegmentWriter compresses on a
  // second thread, which inherits this thread's priority), but never at the
  // expense of the application's own reads and commits.
  LowerThisThreadsPriority();
  std::unique_lock<std::mutex> l(mu_);
  while (!shutting_down_) {
    bool compaction_due = false;
    for (Component c : kAllComponents) {
      compaction_due = compaction_due || (bg_error_.ok() && NeedsCompactionLocked(c));
    }
    if (sealed_journals_.empty() && !compaction_due) {
      bg_cv_.wait(l);
      continue;
    }
    bg_busy_ = true;
    l.unlock();
    {
      std::lock_guard<std::mutex> work(bg_work_mu_);
      Status s;
      while (s.ok()) {
        {
          std::lock_guard<std::mutex> g(mu_);
          if (sealed_journals_.empty() || shutting_down_) break;
        }
        s = FlushOldestJournal();
      }
      for (Component c : kAllComponents) {
        if (s.ok() && NeedsCompaction(c)) s = CompactComponent(c, false);
      }
      std::lock_guard<std::mutex> g(mu_);
      bg_error_ = s;
    }
    l.lock();
    bg_busy_ = false;
    bg_done_cv_.notify_all();
    if (!bg_error_.ok() && !shutting_down_) {
      // Do not spin on a persistent failure: retry when new work arrives.
      // (The shutdown check: a close that began while this thread was busy
      // has notified already, and waiting would never end.)
      bg_cv_.wait(l);
    }
  }
}

uint64_t DBImpl::OldestSnapshot() {
  uint64_t visible = visible_seq_.load(std::memory_order_acquire);
  return snapshots_.empty() ? visible : std::min(visible, *snapshots_.begin());
}

void DBImpl::DropFile(uint32_t number, bool remove) {
  std::shared_ptr<DataFile> f;
  {
    std::unique_lock<std::shared_mutex> l(files_mu_);
    auto it = files_.find(number);
    if (it == files_.end()) return;
    f = it->second;
    files_.erase(it);
  }
  cache_.EraseFile(number);
  // Readers holding the file keep reading their open descriptor.
  if (remove) fs_->RemoveFile(Path(f->rel_path));
}

bool DBImpl::NeedsCompaction(Component c) {
  std::lock_guard<std::mutex> l(mu_);
  return NeedsCompactionLocked(c);
}

bool DBImpl::NeedsCompactionLocked(Component c) {
  const auto& segments = manifest_.segments[static_cast<int>(c)];
  if (segments.empty()) return false;
  // Many small flush outputs: merge them. Compaction leaves at most one
  // segment under half the size limit, so this cannot trigger itself again.
  uint64_t half_limit = (static_cast<uint64_t>(manifest_.max_file_size_mb) << 20) / 2;
  size_t small = 0;
  for (const SegmentMeta& m : segments) small += m.size < half_limit ? 1 : 0;
  if (small >= 8) return true;
  ComponentIndex& idx = index(c);
  std::shared_lock<std::shared_mutex> l(idx.mu);
  uint64_t stored = idx.stored_versions();
  return stored >= 1024 &&
         static_cast<double>(idx.droppable_versions()) >=
             options_.compaction_garbage_ratio * static_cast<double>(stored);
}

Status DBImpl::WriteSegments(
    Component c, const RecordSource& next, std::vector<SegmentMeta>* metas,
    std::vector<std::pair<uint32_t, std::vector<SegmentEntry>>>* outputs) {
  SegmentSettings settings;
  uint64_t max_bytes;
  {
    std::lock_guard<std::mutex> l(mu_);
    settings.codec = manifest_.codec;
    settings.level = manifest_.compression_level;
    settings.block_size = manifest_.block_size;
    max_bytes = static_cast<uint64_t>(manifest_.max_file_size_mb) << 20;
  }
  std::string_view record;
  bool end = false;
  Status s = next(&record, &end);
  while (s.ok() && !end) {
    uint32_t number;
    {
      std::lock_guard<std::mutex> l(mu_);
      number = static_cast<uint32_t>(next_file_number_++);
    }
    std::string path = Path(SegmentRelPath(c, number));
    std::unique_ptr<WritableFile> file;
    s = fs_->NewWritableFile(path, &file);
    if (!s.ok()) break;
    // Record the output before writing so a failure cleans it up.
    metas->push_back({number, 0});
    SegmentWriter writer(file.get(), settings, cipher());
    while (s.ok() && !end && writer.EstimatedSize() < max_bytes) {
      RecordView r;
      DecodeRecord(record, &r);
      s = writer.Add(r.id, r.seq, r.version, r.flags, record);
      if (s.ok()) s = next(&record, &end);
    }
    if (s.ok()) s = writer.Finish();
    if (s.ok()) s = file->Sync();
    if (s.ok()) s = file->Close();
    if (!s.ok()) break;
    metas->back().size = writer.size();
    outputs->emplace_back(number, writer.entries());
  }
  if (s.ok()) s = fs_->SyncDir(Path(ComponentName(c)));
  if (!s.ok()) {
    for (const SegmentMeta& m : *metas) fs_->RemoveFile(Path(SegmentRelPath(c, m.file_number)));
    metas->clear();
    outputs->clear();
  }
  return s;
}

Status DBImpl::ManifestWriteFailed(const Status& s) {
  // The rename may or may not have happened, so either MANIFEST may be the one
  // on disk: keep every file both name, and stop writing until reopened (the
  // next open removes whatever the surviving MANIFEST does not list).
  // REQUIRES: mu_ held.
  if (write_error_.ok()) write_error_ = s;
  return s;
}

Status DBImpl::InstallManifest(const Manifest& next) {
  Manifest m = next;
  m.next_file_number = next_file_number_;
  m.last_sequence = visible_seq_.load(std::memory_order_acquire);
  // Whatever this MANIFEST drops (a tombstone compacted away) was committed
  // at or below these.
  m.has_change_floors = true;
  for (int c = 0; c < kNumComponents; ++c) {
    m.change_floors[c] = change_seq_[c].load(std::memory_order_acquire);
  }
  Status s = WriteManifest(fs_, path_, m);
  if (!s.ok()) return ManifestWriteFailed(s);
  manifest_ = std::move(m);
  return Status::OK();
}

Status DBImpl::InstallFailed(const Status& s) {
  // The new MANIFEST is in place but a new segment cannot be opened (e.g. no
  // file descriptors left). The old files still back the index, and a reopen
  // recovers from what is on disk; until then, accept no writes.
  std::lock_guard<std::mutex> l(mu_);
  if (write_error_.ok()) write_error_ = s;
  return s;
}

Status DBImpl::FlushOldestJournal() {
  OpTimer timer(&metrics_, MetricOp::kFlush);
  return timer.Done(FlushOldestJournalUntimed());
}

Status DBImpl::FlushOldestJournalUntimed() {
  uint32_t number;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (sealed_journals_.empty()) return Status::OK();
    number = sealed_journals_.front();
  }
  std::shared_ptr<DataFile> jf = FindFile(number);
  if (jf == nullptr) return Status::Corruption("sealed journal " + JournalRelPath(number) + " is not open");
  uint64_t size = 0;
  Status s = fs_->GetFileSize(Path(jf->rel_path), &size);
  if (!s.ok()) return s;

  // Gather every record of the journal, per component, in id order. A
  // journal with damage is not flushed: the damaged versions would be
  // dropped and older ones would stand in for them, silently.
  JournalReplay replay;
  JournalScanOptions options;
  options.is_last = false;  // sealed: synced whole before the next journal began
  ScanJournalFile(*jf->file, number, size, cipher(), options, &replay);
  if (!replay.status.ok()) return replay.status;
  if (!replay.damage.empty() || replay.tail_length > 0) {
    const Damage d = replay.damage.empty()
                         ? Damage{"", replay.tail_offset, "", "", "journal ends in damage"}
                         : replay.damage.front();
    return Status::Corruption(
        "flush of " + jf->rel_path + " stopped, nothing changed: " + d.what + " at offset " +
        std::to_string(d.offset) + (d.id.empty() ? "" : " (" + d.component + " '" + d.id + "')") +
        "; run spirapi repair");
  }
  // Views into the replay's copy of the journal: no record is copied.
  std::vector<std::pair<std::string_view, std::string_view>> per_component[kNumComponents];
  for (const JournalReplay::Version& v : replay.versions) {
    per_component[static_cast<int>(v.component)].emplace_back(v.id, v.plain);
  }

  std::vector<SegmentMeta> metas[kNumComponents];
  std::vector<std::pair<uint32_t, std::vector<SegmentEntry>>> outputs[kNumComponents];
  for (Component c : kAllComponents) {
    auto& recs = per_component[static_cast<int>(c)];
    if (recs.empty()) continue;
    // Newest version of an id first, as in compaction output.
    std::stable_sort(recs.begin(), recs.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (size_t lo = 0; lo < recs.size();) {
      size_t hi = lo;
      while (hi < recs.size() && recs[hi].first == recs[lo].first) ++hi;
      std::reverse(recs.begin() + static_cast<long>(lo), recs.begin() + static_cast<long>(hi));
      lo = hi;
    }
    size_t i = 0;
    auto next = [&](std::string_view* record, bool* end) {
      *end = i == recs.size();
      if (!*end) *record = recs[i++].second;
      return Status::OK();
    };
    s = WriteSegments(c, next, &metas[static_cast<int>(c)], &outputs[static_cast<int>(c)]);
    if (!s.ok()) break;
  }
  auto remove_outputs = [&] {
    for (Component c : kAllComponents) {
      for (const SegmentMeta& m : metas[static_cast<int>(c)]) {
        fs_->RemoveFile(Path(SegmentRelPath(c, m.file_number)));
      }
    }
  };
  if (!s.ok()) {
    remove_outputs();
    return s;
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    Manifest next = manifest_;
    for (Component c : kAllComponents) {
      for (const SegmentMeta& m : metas[static_cast<int>(c)]) {
        next.segments[static_cast<int>(c)].push_back(m);
      }
    }
    next.journal_floor = number + 1;
    s = InstallManifest(next);
    if (!s.ok()) return s;
  }
  for (Component c : kAllComponents) {
    for (const auto& [file_number, entries] : outputs[static_cast<int>(c)]) {
      s = InstallFile(file_number, false, c, SegmentRelPath(c, file_number));
      if (!s.ok()) return InstallFailed(s);
      ComponentIndex& idx = index(c);
      std::unique_lock<std::shared_mutex> l(idx.mu);
      for (const SegmentEntry& e : entries) {
        Location loc{file_number, e.block_length, e.block_offset, e.inner_offset, e.inner_length};
        idx.Relocate(e.id, e.seq, number, loc);
      }
    }
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    sealed_journals_.pop_front();
    bg_done_cv_.notify_all();  // writers waiting for the backlog to shrink
  }
  // With the journal archive, the backup thread deletes it once archived.
  DropFile(number, /*remove=*/!options_.archive_journals);
  if (options_.archive_journals) RequestArchive();
  flushes_.fetch_add(1, std::memory_order_relaxed);
  return Status::OK();
}

Status DBImpl::CompactComponent(Component c, bool force,
                                const std::function<bool(double)>& progress) {
  OpTimer timer(&metrics_, MetricOp::kCompaction);
  return timer.Done(CompactComponentUntimed(c, force, progress));
}

Status DBImpl::CompactComponentUntimed(Component c, bool force,
                                const std::function<bool(double)>& progress) {
  if (!force && !NeedsCompaction(c)) return Status::OK();
  std::vector<SegmentMeta> inputs;
  uint64_t cutoff;
  {
    std::lock_guard<std::mutex> l(mu_);
    inputs = manifest_.segments[static_cast<int>(c)];
    cutoff = OldestSnapshot();
  }
  if (inputs.empty()) return Status::OK();
  std::unordered_set<uint32_t> input_set;
  for (const SegmentMeta& m : inputs) input_set.insert(static_cast<uint32_t>(m.file_number));

  struct Planned {
    std::string id;
    VersionRef ref;
  };
  std::vector<Planned> keep, drop;
  const int max_kept = options_.max_versions_kept;
  ComponentIndex& idx = index(c);
  {
    std::shared_lock<std::shared_mutex> l(idx.mu);
    for (const auto& [id, chain] : idx.ordered()) {
      // Every snapshot that can still be taken is at or after the cutoff, so
      // it sees either a version newer than the cutoff or the newest one at or
      // below it; older versions are kept only for GetVersion, up to max_kept.
      bool deleted = !chain.empty() && chain.front().tombstone() && chain.front().seq <= cutoff;
      bool below_cutoff_seen = false;
      int kept = 0;
      for (const VersionRef& v : chain) {
        bool needed = v.seq > cutoff || !below_cutoff_seen;
        bool keep_it;
        if (deleted) {
          keep_it = false;
        } else if (v.tombstone()) {
          keep_it = needed;
        } else {
          keep_it = needed || kept < max_kept;
          if (keep_it) ++kept;
        }
        if (v.seq <= cutoff) below_cutoff_seen = true;
        if (input_set.count(v.loc.file_number) == 0) continue;
        (keep_it ? keep : drop).push_back({std::string(id), v});
      }
    }
  }

  // Copy what is kept, one record at a time (memory: the output's entries,
  // not its records). A damaged record stops the compaction: its only copy
  // must not be deleted, and it must not be copied as if it were good.
  BlockMemo memo;
  size_t k = 0;
  std::string encoded;
  std::shared_ptr<DataFile> file;
  auto next = [&](std::string_view* record, bool* end) {
    *end = k == keep.size();
    if (*end) return Status::OK();
    if (progress && k % 256 == 0 &&
        !progress(static_cast<double>(k) / static_cast<double>(keep.size()))) {
      return Status::Cancelled(std::string("compaction of ") + ComponentName(c) +
                               " cancelled by the progress callback; it is left as it was");
    }
    const Planned& p = keep[k++];
    if (file == nullptr || file->number != p.ref.loc.file_number) {
      file = FindFile(p.ref.loc.file_number);
    }
    Status s = ReadEncoded(c, p.id, p.ref, file, &encoded, &memo);
    if (!s.ok()) {
      // Keep an I/O error one: a failing read is not a damaged record.
      std::string what = std::string("compaction of ") + ComponentName(c) + " stopped: " +
                         s.message();
      return s.IsIOError() ? Status::IOError(what) : Status::Corruption(what);
    }
    *record = encoded;
    return Status::OK();
  };
  std::vector<SegmentMeta> metas;
  std::vector<std::pair<uint32_t, std::vector<SegmentEntry>>> outputs;
  Status s = WriteSegments(c, next, &metas, &outputs);
  file.reset();
  if (!s.ok()) return s;
  {
    std::lock_guard<std::mutex> l(mu_);
    Manifest next = manifest_;
    auto& list = next.segments[static_cast<int>(c)];
    list.erase(std::remove_if(list.begin(), list.end(),
                              [&](const SegmentMeta& m) {
                                return input_set.count(static_cast<uint32_t>(m.file_number)) != 0;
                              }),
               list.end());
    list.insert(list.begin(), metas.begin(), metas.end());
    s = InstallManifest(next);
    if (!s.ok()) return s;
  }
  for (const auto& [file_number, entries] : outputs) {
    s = InstallFile(file_number, false, c, SegmentRelPath(c, file_number));
    if (!s.ok()) return InstallFailed(s);
  }
  {
    std::unique_lock<std::shared_mutex> l(idx.mu);
    size_t planned = 0;
    for (const auto& [file_number, entries] : outputs) {
      for (const SegmentEntry& e : entries) {
        const Planned& p = keep[planned++];
        Location loc{file_number, e.block_length, e.block_offset, e.inner_offset, e.inner_length};
        idx.Relocate(p.id, p.ref.seq, p.ref.loc.file_number, loc);
      }
    }
    for (const Planned& p : drop) idx.Remove(p.id, p.ref.seq, p.ref.loc.file_number);
    idx.set_droppable_versions(0);
  }
  for (uint32_t number : input_set) DropFile(number);
  fs_->SyncDir(Path(ComponentName(c)));
  compactions_.fetch_add(1, std::memory_order_relaxed);
  return Status::OK();
}

Status DBImpl::Flush() {
  // Seal the active journal through the writer queue, so that it happens
  // between two commit groups.
  Status s = Write(WriteOptions(), nullptr, Conditions());
  if (!s.ok()) return s;
  std::lock_guard<std::mutex> work(bg_work_mu_);
  while (true) {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (sealed_journals_.empty()) return Status::OK();
    }
    s = FlushOldestJournal();
    if (!s.ok()) return s;
  }
}

Status DBImpl::Compact(const std::function<bool(double)>& progress) {
  Status s = Flush();
  if (!s.ok()) return s;
  std::lock_guard<std::mutex> work(bg_work_mu_);
  // Components are compacted at once, which is safe: a component's
  // compaction plans and re-points under its own index lock, reads and
  // drops only its own files (the inputs its MANIFEST list names), writes
  // only into its own directory, and takes file numbers under mu_; it
  // changes the MANIFEST by copying manifest_, replacing its own list and
  // writing it, all in one hold of mu_, so two compactions' switches are
  // serialised and neither undoes the other's. The file table and the block
  // cache have their own locks; the journal is not touched.
  //
  // The progress callback sees the sum of the components' fractions, each
  // only growing, under a mutex: one call at a time, never going back. A
  // failure or a cancellation stops the others at their next check (they
  // are left as they were), as the component after a failure is never
  // started in a one-by-one compaction.
  Status results[kNumComponents];
  double fractions[kNumComponents] = {};
  std::mutex progress_mu;
  bool stopped = false;
  // Each compaction keeps two threads busy (its SegmentWriter compresses on
  // a second one): half as many components as threads. On 2 cores, one at a
  // time was as fast as two (docs/BENCHMARKS.md).
  const int at_once = std::max(1, BackgroundThreads(options_.background_threads) / 2);
  ParallelFor(kNumComponents, at_once, [&](size_t i) {
    {
      std::lock_guard<std::mutex> l(progress_mu);
      if (stopped) return false;
    }
    auto share = [&, i](double f) {
      std::lock_guard<std::mutex> l(progress_mu);
      if (stopped) return false;
      fractions[i] = std::max(fractions[i], f);
      double total = 0;
      for (double done : fractions) total += done;
      if (progress && !progress(total / kNumComponents)) stopped = true;
      return !stopped;
    };
    results[i] = CompactComponent(kAllComponents[i], /*force=*/true, share);
    std::lock_guard<std::mutex> l(progress_mu);
    fractions[i] = 1.0;
    if (!results[i].ok()) stopped = true;
    return !stopped;
  });
  // The first failure in component order; a Cancelled only if nothing failed
  // (the others stopped because of it).
  for (const Status& r : results) {
    if (!r.ok() && !r.IsCancelled()) return r;
  }
  for (const Status& r : results) {
    if (!r.ok()) return r;
  }
  if (progress) progress(1.0);
  return Status::OK();
}

}  // namespace spirapi
