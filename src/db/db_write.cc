// The write path. Writers queue up; the writer at the front becomes the
// leader, takes the queue's batches as one group, checks conflicts, assigns
// sequence numbers and versions, and appends one journal frame per batch
// with a single write and a single fdatasync for the group (group commit).
// Only then are the new versions added to the index and made visible.

#include <algorithm>
#include <chrono>

#include "codec/record_codec.h"
#include "db/db_impl.h"
#include "storage/filenames.h"
#include "storage/journal.h"
#include "util/json.h"

namespace spirapi {

struct DBImpl::Writer {
  WriteBatch* batch = nullptr;
  bool sync = true;
  bool rotate = false;  // seal the journal after this group (DB::Flush)
  Conditions cond;
  Status status;
  bool done = false;
};

namespace {

constexpr size_t kMaxGroupBytes = 4u << 20;
// The longest a write leader waits for the rest of its group (GatherWriters).
constexpr int64_t kMaxGatherMicros = 1000;
// With kRecordOverheadBytes counted per record, a transaction's frame stays
// well under kMaxFramePayload (1 GiB), whatever the mix of record sizes.
constexpr size_t kMaxBatchBytes = 256u << 20;
// Sealed journals waiting for a flush before new writes wait for it.
constexpr size_t kMaxSealedJournals = 8;

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Status DBImpl::CheckId(std::string_view id) {
  if (id.empty()) return Status::InvalidArgument("the id is empty");
  if (id.size() > kMaxIdBytes) {
    return Status::InvalidArgument("the id is " + std::to_string(id.size()) +
                                   " bytes; the limit is " + std::to_string(kMaxIdBytes));
  }
  if (!IsValidUtf8(id)) return Status::InvalidArgument("the id is not valid UTF-8");
  return Status::OK();
}

Status DBImpl::MakePut(Component c, std::string_view id, std::string_view data_json,
                       std::string_view metadata_json, std::string_view blob, WriteOp* op) {
  Status s = CheckId(id);
  if (s.ok()) s = CheckReserved(c, id);
  if (!s.ok()) return s;
  if (static_cast<uint8_t>(c) >= kNumComponents) return Status::InvalidArgument("bad component");
  if (blob.size() > kMaxBlobBytes) {
    return Status::InvalidArgument("the blob is " + std::to_string(blob.size()) +
                                   " bytes; the limit is " + std::to_string(kMaxBlobBytes));
  }
  if (data_json.size() + metadata_json.size() > 2 * kMaxValueBytes) {
    return Status::InvalidArgument("the record is larger than the limit of " +
                                   std::to_string(kMaxValueBytes) + " bytes");
  }
  s = NormalizeJson(data_json, JsonKind::kAnyValue, "data", &op->data);
  if (!s.ok()) return s;
  if (metadata_json.empty()) {
    op->metadata = "{}";
  } else {
    s = NormalizeJson(metadata_json, JsonKind::kObject, "metadata", &op->metadata);
    if (!s.ok()) return s;
  }
  if (op->data.size() + op->metadata.size() > kMaxValueBytes) {
    return Status::InvalidArgument("the record is " +
                                   std::to_string(op->data.size() + op->metadata.size()) +
                                   " bytes of JSON; the limit is " +
                                   std::to_string(kMaxValueBytes));
  }
  op->component = c;
  op->id.assign(id);
  op->is_delete = false;
  op->blob.assign(blob);
  return Status::OK();
}

Status DBImpl::Put(const WriteOptions& wo, Component c, std::string_view id,
                   std::string_view data_json, std::string_view metadata_json) {
  return PutWithBlob(wo, c, id, data_json, metadata_json, {});
}

Status DBImpl::PutWithBlob(const WriteOptions& wo, Component c, std::string_view id,
                           std::string_view data_json, std::string_view metadata_json,
                           std::string_view blob) {
  OpTimer timer(&metrics_, MetricOp::kPut);
  WriteBatch batch;
  batch.ops.emplace_back();
  Status s = MakePut(c, id, data_json, metadata_json, blob, &batch.ops.back());
  if (s.ok()) {
    batch.bytes = batch.ops.back().bytes();
    s = Write(wo, &batch, Conditions());
  }
  return timer.Done(s, 0,
                    s.ok() ? id.size() + data_json.size() + metadata_json.size() + blob.size() : 0);
}

Status DBImpl::Delete(const WriteOptions& wo, Component c, std::string_view id) {
  OpTimer timer(&metrics_, MetricOp::kDelete);
  Status s = CheckId(id);
  if (s.ok()) s = CheckReserved(c, id);
  if (s.ok()) {
    WriteBatch batch;
    batch.ops.push_back({c, std::string(id), true, "", "", ""});
    batch.bytes = batch.ops.back().bytes();
    Conditions cond;
    cond.require_exists = true;
    s = Write(wo, &batch, cond);
  }
  return timer.Done(s, 0, s.ok() ? id.size() : 0);
}

Status DBImpl::Commit(const WriteOptions& wo, WriteBatch* batch, const Conditions& cond) {
  if (options_.read_only) return ReadOnlyError();
  if (batch != nullptr && batch->bytes > kMaxBatchBytes) {
    return Status::InvalidArgument("the transaction holds " + std::to_string(batch->bytes) +
                                   " bytes; the limit is " + std::to_string(kMaxBatchBytes));
  }
  Writer w;
  w.batch = batch;
  w.sync = wo.sync || sync_every_write_.load(std::memory_order_relaxed);
  w.rotate = batch == nullptr;
  w.cond = cond;

  std::unique_lock<std::mutex> l(mu_);
  if (batch != nullptr) WaitForFlushBacklog(&l);
  writers_.push_back(&w);
  // Wake a gathering leader only when its group is complete: on two cores
  // every needless wake-up is a context switch in the commit path.
  if (leader_gathering_ && writers_.size() >= last_sync_group_) gather_cv_.notify_one();
  while (!w.done && &w != writers_.front()) writers_cv_.wait(l);
  if (w.done) return w.status;
  GatherWriters(&l);

  // This thread leads a group: itself and the writers queued behind it.
  std::vector<Writer*> group;
  size_t group_bytes = 0;
  for (Writer* g : writers_) {
    size_t bytes = g->batch != nullptr ? g->batch->bytes : 0;
    if (!group.empty() && group_bytes + bytes > kMaxGroupBytes) break;
    group.push_back(g);
    group_bytes += bytes;
  }

  std::string& frames = group_frames_;
  frames.clear();
  std::vector<Applied> applied;
  PendingMap pending;
  bool sync = false;
  bool rotate = false;
  bool any_write = false;
  for (size_t i = 0; i < group.size(); ++i) {
    Writer* g = group[i];
    rotate = rotate || g->rotate;
    if (!write_error_.ok()) {
      g->status = write_error_;
      continue;
    }
    if (g->batch == nullptr || g->batch->ops.empty()) continue;
    g->status = Prepare(g, &frames, &applied, &pending, i + 1 < group.size());
    if (g->status.ok()) {
      any_write = true;
      sync = sync || g->sync;
    }
  }

  Status io;
  if (any_write) {
    // Only the leader touches the journal, so it may write without mu_ and
    // let new writers queue up meanwhile.
    l.unlock();
    io = journal_->Append(frames);
    if (io.ok() && sync) {
      const auto sync_start = std::chrono::steady_clock::now();
      io = journal_->Sync();
      journal_syncs_.fetch_add(1, std::memory_order_relaxed);
      last_sync_micros_ = std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::steady_clock::now() - sync_start)
                              .count();
    }
    l.lock();
    last_sync_group_ = sync ? group.size() : 0;
    if (io.ok()) {
      journal_size_ += frames.size();
      journal_dirty_ = !sync;
      journal_ends_with_close_ = false;
      if (sync) journal_synced_size_ = journal_size_;
      ApplyToIndex(applied);
      visible_seq_.store(last_seq_, std::memory_order_release);
      for (const Applied& a : applied) {
        change_seq_[static_cast<int>(a.component)].store(last_seq_, std::memory_order_release);
      }
      PublishCatalog();
      for (Writer* g : group) {
        if (g->status.ok() && g->batch != nullptr && !g->batch->ops.empty()) {
          commits_.fetch_add(1, std::memory_order_relaxed);
        }
      }
    } else {
      // Never retry or trust a failed write or fdatasync: the bytes may or
      // may not be on disk. Refuse every later write until reopened.
      write_error_ = io;
      for (Writer* g : group) {
        if (g->status.ok()) g->status = io;
      }
    }
  }
  // Keep the buffer for the next group unless one huge batch inflated it.
  if (frames.capacity() > kMaxGroupBytes * 2) std::string().swap(frames);
  if (write_error_.ok() &&
      (journal_size_ >= (static_cast<uint64_t>(manifest_.max_file_size_mb) << 20) ||
       (rotate && journal_size_ > 0))) {
    Status s = RotateJournal();
    if (!s.ok()) {
      write_error_ = s;
      if (w.rotate) w.status = s;
    }
  }

  for (Writer* g : group) {
    writers_.pop_front();
    if (g != &w) g->done = true;
  }
  Status result = w.status;
  // Wake the group and the next leader after unlocking, so that they do not
  // wake only to wait for mu_. The condition variable is the DB's: a woken
  // follower may return and free its Writer before notify_all runs.
  l.unlock();
  writers_cv_.notify_all();
  return result;
}

void DBImpl::WaitForFlushBacklog(std::unique_lock<std::mutex>* l) {
  // Flushes run at a lower priority than commits, so a sustained write load
  // can outrun them: journals then pile up without bound, and every open must
  // replay them all (spirapi_stress --kill-loop found 179 after 120 cycles,
  // each open slower than the last). So new writes wait while the backlog is
  // large, unless the background thread is failing (the journal then grows
  // rather than writes hanging) or there is none (DB::Flush's job then).
  while (options_.background_work && sealed_journals_.size() >= kMaxSealedJournals &&
         bg_error_.ok() && write_error_.ok() && !shutting_down_) {
    bg_cv_.notify_all();
    // Timed: a flush by DB::Flush() does not signal, and bg_error_ may change.
    bg_done_cv_.wait_for(*l, std::chrono::milliseconds(10));
  }
}

void DBImpl::GatherWriters(std::unique_lock<std::mutex>* l) {
  // Writers that shared the last fsync go back to their callers when it ends
  // and commit again a few microseconds later; the writer that queued during
  // that fsync leads next. Taking the queue at once would give it a group of
  // one, then a full group, and so on: half the fsyncs carry one commit. So
  // wait, for a fraction of an fsync at most, until as many writers as last
  // time are queued. A group that times out is smaller, and so is the next
  // wait's goal: a writer on its own never waits.
  if (last_sync_group_ <= 1 || writers_.size() >= last_sync_group_) return;
  if (!writers_.front()->sync) return;
  const auto deadline =
      std::chrono::steady_clock::now() +
      std::chrono::microseconds(std::min<int64_t>(last_sync_micros_ / 2, kMaxGatherMicros));
  leader_gathering_ = true;
  while (writers_.size() < last_sync_group_ &&
         gather_cv_.wait_until(*l, deadline) != std::cv_status::timeout) {
  }
  leader_gathering_ = false;
}

Status DBImpl::Prepare(Writer* w, std::string* frames, std::vector<Applied>* applied,
                       PendingMap* pending, bool later_batches) {
  const WriteBatch& batch = *w->batch;
  // Where each record stands before this batch: an earlier batch of the group
  // (not yet in the index) or the index.
  std::vector<PendingState> current(batch.ops.size());
  std::vector<bool> present(batch.ops.size(), false);
  for (size_t i = 0; i < batch.ops.size(); ++i) {
    const WriteOp& op = batch.ops[i];
    auto it = pending->empty() ? pending->end() : pending->find({op.component, op.id});
    if (it != pending->end()) {
      current[i] = it->second;
      present[i] = true;
    } else {
      ComponentIndex& idx = index(op.component);
      std::shared_lock<std::shared_mutex> l(idx.mu);
      const VersionChain* chain = idx.Find(op.id);
      if (chain != nullptr && !chain->empty()) {
        const VersionRef& head = chain->front();
        current[i] = {head.seq, head.version, head.tombstone()};
        present[i] = true;
      }
    }
    if (w->cond.check_conflicts && present[i] && current[i].seq > w->cond.snapshot) {
      return Status::Conflict("record '" + op.id + "' in " + ComponentName(op.component) +
                              " was changed by another transaction after this one began");
    }
    if (op.is_delete && w->cond.require_exists && !op.index_entry &&
        (!present[i] || current[i].tombstone)) {
      return Status::NotFound("no record '" + op.id + "' in " + ComponentName(op.component));
    }
  }

  if (!w->cond.unchanged.empty()) {
    Status s = CheckUnchanged(w->cond, *pending);
    if (!s.ok()) return s;
  }
  if (w->cond.guard_catalog) {
    Status s = CheckCatalog(batch, w->cond);
    if (!s.ok()) return s;
  }

  const uint64_t seq = last_seq_ + 1;
  const int64_t now = NowMicros();
  const size_t frame_start = frames->size();
  const size_t first_applied = applied->size();
  std::vector<DirectoryEntry> entries;
  entries.reserve(batch.ops.size());
  for (const WriteOp& op : batch.ops) entries.push_back({op.component, op.id});
  std::string directory;
  Status sealed_ok = EncodeFrameDirectory(seq, entries, cipher(), &directory);
  if (!sealed_ok.ok()) return sealed_ok;
  FrameBuilder frame(FrameKind::kCommit, seq, journal_synced_size_, directory, frames);
  std::string encoded, sealed;
  for (size_t i = 0; i < batch.ops.size(); ++i) {
    const WriteOp& op = batch.ops[i];
    uint64_t previous = present[i] ? current[i].version : 0;
    RecordView r;
    r.component = op.component;
    r.flags = op.is_delete ? kRecordTombstone : 0;
    r.seq = seq;
    r.version = op.restore_version != 0 ? op.restore_version
                : op.is_delete            ? previous
                                          : previous + 1;
    r.timestamp_us = op.restore_timestamp_us != 0 ? op.restore_timestamp_us : now;
    r.id = op.id;
    r.data = op.data;
    r.metadata = op.metadata;
    r.blob = op.blob;
    uint32_t length;
    if (cipher() == nullptr) {
      EncodeRecord(r, frame.BeginRecord());
      length = frame.EndRecord();
    } else {
      encoded.clear();
      EncodeRecord(r, &encoded);
      sealed.clear();
      Status s = cipher_.Seal(encoded, &sealed);
      if (!s.ok()) {
        frames->resize(frame_start);  // nothing of this batch is kept
        applied->resize(first_applied);
        return s;
      }
      length = frame.AddRecord(sealed);
    }
    Applied a;
    a.component = op.component;
    a.id = op.id;
    a.ref.seq = seq;
    a.ref.version = r.version;
    a.ref.flags = r.flags;
    a.ref.loc.file_number = journal_number_;
    a.ref.loc.length = length;
    applied->push_back(a);
  }
  last_seq_ = seq;
  ApplyCatalogChanges(batch, seq);
  std::vector<uint32_t> offsets;
  frame.Finish(&offsets);
  const uint64_t frame_offset = journal_size_ + frame_start;
  for (size_t i = 0; i < offsets.size(); ++i) {
    Applied& a = (*applied)[first_applied + i];
    a.ref.loc.offset = frame_offset + offsets[i];
    if (later_batches) {
      (*pending)[{a.component, a.id}] = {seq, a.ref.version, a.ref.tombstone()};
    }
  }
  return Status::OK();
}

void DBImpl::ApplyToIndex(const std::vector<Applied>& applied) {
  size_t i = 0;
  while (i < applied.size()) {
    // Take each component's lock once per run of records for it.
    Component c = applied[i].component;
    ComponentIndex& idx = index(c);
    std::unique_lock<std::shared_mutex> l(idx.mu);
    for (; i < applied.size() && applied[i].component == c; ++i) {
      idx.Add(applied[i].id, applied[i].ref, options_.max_versions_kept);
    }
  }
}

Status DBImpl::RotateJournal() {
  if (journal_dirty_) {
    Status s = journal_->Sync();
    if (!s.ok()) return s;
    journal_dirty_ = false;
  }
  Status s = journal_->Close();
  if (!s.ok()) return s;
  sealed_journals_.push_back(journal_number_);
  s = NewJournal();
  if (s.ok()) MaybeScheduleWork();
  return s;
}

}  // namespace spirapi
