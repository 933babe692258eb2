// Reads: point lookups, older versions, scans and counts, all at a snapshot.

#include "codec/record_codec.h"
#include "db/db_impl.h"
#include "storage/segment.h"
#include "util/coding.h"

namespace spirapi {

class SnapshotImpl : public Snapshot {
 public:
  explicit SnapshotImpl(uint64_t seq) : seq(seq) {}
  ~SnapshotImpl() override = default;
  const uint64_t seq;
};

uint64_t DBImpl::SnapshotSeq(const ReadOptions& ro) const {
  if (ro.snapshot != nullptr) return static_cast<const SnapshotImpl*>(ro.snapshot)->seq;
  return visible_seq_.load(std::memory_order_acquire);
}

uint64_t DBImpl::AcquireSnapshot() {
  std::lock_guard<std::mutex> l(mu_);
  uint64_t seq = visible_seq_.load(std::memory_order_acquire);
  snapshots_.insert(seq);
  return seq;
}

void DBImpl::ReleaseSnapshotSeq(uint64_t seq) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = snapshots_.find(seq);
  if (it != snapshots_.end()) snapshots_.erase(it);
}

const Snapshot* DBImpl::GetSnapshot() { return new SnapshotImpl(AcquireSnapshot()); }

void DBImpl::ReleaseSnapshot(const Snapshot* snapshot) {
  if (snapshot == nullptr) return;
  const auto* impl = static_cast<const SnapshotImpl*>(snapshot);
  ReleaseSnapshotSeq(impl->seq);
  delete impl;
}

std::shared_ptr<DataFile> DBImpl::FindFile(uint32_t number) {
  std::shared_lock<std::shared_mutex> l(files_mu_);
  auto it = files_.find(number);
  return it == files_.end() ? nullptr : it->second;
}

Status DBImpl::ReadBytes(Component c, std::string_view id, const VersionRef& v,
                         const std::shared_ptr<DataFile>& file, RecordBytes* out,
                         BlockMemo* memo) {
  auto where = [&]() {
    return "record '" + std::string(id) + "' in " + ComponentName(c) + " (" +
           (file ? file->rel_path : "file " + std::to_string(v.loc.file_number)) +
           " at offset " + std::to_string(v.loc.offset) + ")";
  };
  if (v.corrupt()) return Status::Corruption(where() + " is damaged");
  if (out->block == nullptr && file == nullptr) {
    return Status::Corruption(where() + ": its file is missing");
  }
  if (out->block == nullptr && file->is_journal) {
    std::string buffer;
    Status s = file->file->Read(v.loc.offset, v.loc.length, &buffer);
    if (!s.ok()) return s;
    if (buffer.size() != v.loc.length) return Status::Corruption(where() + " is truncated");
    if (cipher() != nullptr) {
      s = cipher_.Open(buffer, &out->owned);
      if (!s.ok()) return Status::Corruption(where() + ": " + s.message());
    } else {
      out->owned = std::move(buffer);
    }
    out->bytes = out->owned;
    out->verified = false;
    return Status::OK();
  }
  BlockCache::Block block = std::move(out->block);  // found by the caller, if set
  std::pair<uint64_t, BlockCache::Block>* memo_entry =
      memo != nullptr ? &memo->last_block[v.loc.file_number] : nullptr;
  const bool memo_hit = memo_entry != nullptr && memo_entry->second != nullptr &&
                        memo_entry->first == v.loc.offset;
  if (block == nullptr && !out->cache_missed) {
    block = memo_hit ? memo_entry->second : cache_.Lookup(v.loc.file_number, v.loc.offset);
  }
  if (block == nullptr) {
    std::string raw;
    bool content_checked = false;
    Status s = ReadBlock(*file->file, v.loc.offset, v.loc.length, cipher(), &raw,
                         file->dictionary.get(), &content_checked);
    if (!s.ok()) return s.IsCorruption() ? Status::Corruption(where() + ": " + s.message()) : s;
    // Records this process checked before stay checked only if the decoded
    // bytes are proven the same (a content checksum): not for LZMA blocks.
    block = std::make_shared<const CachedBlock>(
        std::move(raw), content_checked ? file->verified : nullptr, v.loc.offset, v.loc.length);
    if (memo_entry != nullptr) {
      *memo_entry = {v.loc.offset, block};
    } else {
      cache_.Insert(v.loc.file_number, v.loc.offset, block);
    }
  }
  std::atomic<uint8_t>* check = block->CheckOf(v.loc.inner_offset);
  if (check == nullptr ||
      static_cast<uint64_t>(v.loc.inner_offset) + v.loc.inner_length > block->raw().size()) {
    return Status::Corruption(where() + ": index points at no record of its block");
  }
  const uint8_t checked = check->load(std::memory_order_acquire);
  if (checked == CachedBlock::kDamaged) {
    return Status::Corruption(where() + ": SHA-256 checksum mismatch");
  }
  out->block = block;
  out->bytes = std::string_view(block->raw()).substr(v.loc.inner_offset, v.loc.inner_length);
  out->verified = checked == CachedBlock::kGood;
  out->check = check;
  return Status::OK();
}

Status DBImpl::CheckRecord(Component c, std::string_view id, const VersionRef& v,
                           const RecordBytes& bytes, RecordView* r) {
  auto where = [&]() {
    return "record '" + std::string(id) + "' in " + ComponentName(c) + " (file " +
           std::to_string(v.loc.file_number) + " at offset " + std::to_string(v.loc.offset) + ")";
  };
  if (!DecodeRecord(bytes.bytes, r).ok()) return Status::Corruption(where() + " does not decode");
  if (r->id != id || r->seq != v.seq || r->component != c) {
    return Status::Corruption(where() + ": the stored record is a different one");
  }
  const bool every_read = verify_every_read_.load(std::memory_order_relaxed);
  if ((!bytes.verified || every_read) && (options_.verify_checksums || every_read)) {
    const bool good = ChecksumMatches(*r);
    checksums_verified_.fetch_add(1, std::memory_order_relaxed);
    // Remembered with the cached block: the next read of it need not hash.
    if (bytes.check != nullptr) bytes.block->SetCheck(bytes.check, good);
    if (!good) return Status::Corruption(where() + ": SHA-256 checksum mismatch");
  }
  return Status::OK();
}

Status DBImpl::ReadEncoded(Component c, std::string_view id, const VersionRef& v,
                           const std::shared_ptr<DataFile>& file, std::string* encoded,
                           BlockMemo* memo) {
  RecordBytes bytes;
  RecordView r;
  Status s = ReadBytes(c, id, v, file, &bytes, memo);
  if (s.ok()) s = CheckRecord(c, id, v, bytes, &r);
  if (s.ok()) encoded->assign(bytes.bytes);
  return s;
}

Status DBImpl::ReadRecord(Component c, std::string_view id, const VersionRef& v,
                          const std::shared_ptr<DataFile>& file, RecordBytes* bytes,
                          StorageRecord* record) {
  RecordView r;
  Status s = ReadBytes(c, id, v, file, bytes);
  if (s.ok()) s = CheckRecord(c, id, v, *bytes, &r);
  if (s.ok()) ToStorageRecord(r, record);
  return s;
}

Status DBImpl::Locate(uint64_t snapshot, Component c, std::string_view id, VersionRef* v,
                      std::shared_ptr<DataFile>* file, RecordBytes* bytes) {
  ComponentIndex& idx = index(c);
  std::shared_lock<std::shared_mutex> l(idx.mu);
  const VersionChain* chain = idx.Find(id);
  const VersionRef* found = chain ? ComponentIndex::Visible(*chain, snapshot) : nullptr;
  if (found == nullptr || found->tombstone()) {
    return Status::NotFound("no record '" + std::string(id) + "' in " + ComponentName(c));
  }
  *v = *found;
  // Resolve the block or the file under the index lock: a flush or
  // compaction drops a file (and its cached blocks) only after relocating
  // its versions under the exclusive lock. A cached block needs no file,
  // which spares readers a shared count on it. (Journal records, with no
  // inner length, are never in the block cache.)
  if (v->loc.inner_length != 0) {
    bytes->block = cache_.Lookup(v->loc.file_number, v->loc.offset);
    bytes->cache_missed = bytes->block == nullptr;
  }
  if (bytes->block == nullptr) *file = FindFile(v->loc.file_number);
  return Status::OK();
}

Status DBImpl::GetAt(uint64_t snapshot, Component c, std::string_view id, StorageRecord* record) {
  VersionRef v;
  std::shared_ptr<DataFile> file;
  RecordBytes bytes;
  Status s = Locate(snapshot, c, id, &v, &file, &bytes);
  if (!s.ok()) return s;
  return ReadRecord(c, id, v, file, &bytes, record);
}

Status DBImpl::ViewAt(uint64_t snapshot, Component c, std::string_view id,
                      const std::function<void(const RecordView&)>& fn) {
  VersionRef v;
  std::shared_ptr<DataFile> file;
  RecordBytes bytes;
  RecordView r;
  Status s = Locate(snapshot, c, id, &v, &file, &bytes);
  if (s.ok()) s = ReadBytes(c, id, v, file, &bytes);
  if (s.ok()) s = CheckRecord(c, id, v, bytes, &r);
  if (s.ok()) fn(r);
  return s;
}

Status DBImpl::ViewMany(uint64_t snapshot, Component c, const std::vector<std::string>& ids,
                        const std::function<bool(const RecordView&)>& fn, size_t* missing) {
  // A batch holds the index lock from writers for about 10 µs.
  constexpr size_t kBatch = 64;
  constexpr size_t kAhead = 8;  // hash probes in flight
  struct Found {
    VersionRef v;
    std::shared_ptr<DataFile> file;
    BlockCache::Block block;
  };
  std::vector<Found> found;
  found.reserve(kBatch);
  for (size_t begin = 0; begin < ids.size(); begin += kBatch) {
    const size_t end = std::min(ids.size(), begin + kBatch);
    size_t absent = end;  // the first id not found
    found.clear();
    {
      ComponentIndex& idx = index(c);
      std::shared_lock<std::shared_mutex> l(idx.mu);
      for (size_t i = begin; i < std::min(end, begin + kAhead); ++i) idx.Prefetch(ids[i]);
      for (size_t i = begin; i < end; ++i) {
        if (i + kAhead < end) idx.Prefetch(ids[i + kAhead]);
        const VersionChain* chain = idx.Find(ids[i]);
        const VersionRef* v = chain ? ComponentIndex::Visible(*chain, snapshot) : nullptr;
        if (v == nullptr || v->tombstone()) {
          absent = i;
          break;
        }
        Found f{*v, nullptr, nullptr};
        // As Locate: the block or the file is resolved under the lock.
        if (v->loc.inner_length != 0) {
          const Found* last = found.empty() ? nullptr : &found.back();
          if (last != nullptr && last->block != nullptr &&
              last->v.loc.file_number == v->loc.file_number &&
              last->v.loc.offset == v->loc.offset) {
            f.block = last->block;
          } else {
            f.block = cache_.Lookup(v->loc.file_number, v->loc.offset);
          }
        }
        if (f.block == nullptr) f.file = FindFile(v->loc.file_number);
        found.push_back(std::move(f));
      }
    }
    for (size_t k = 0; k < found.size(); ++k) {
      const std::string& id = ids[begin + k];
      Found& f = found[k];
      RecordBytes bytes;
      bytes.block = std::move(f.block);
      bytes.cache_missed = bytes.block == nullptr && f.v.loc.inner_length != 0;
      RecordView r;
      Status s = ReadBytes(c, id, f.v, f.file, &bytes);
      if (s.ok()) s = CheckRecord(c, id, f.v, bytes, &r);
      if (!s.ok()) return s;
      if (!fn(r)) return Status::OK();
      // A later record of the same block finds it here, not in the cache.
      if (k + 1 < found.size() && found[k + 1].block == nullptr && found[k + 1].file != nullptr &&
          bytes.block != nullptr && found[k + 1].v.loc.file_number == f.v.loc.file_number &&
          found[k + 1].v.loc.offset == f.v.loc.offset) {
        found[k + 1].block = bytes.block;
      }
    }
    if (absent != end) {
      *missing = absent;
      return Status::NotFound("no record '" + ids[absent] + "' in " + ComponentName(c));
    }
  }
  return Status::OK();
}

Status DBImpl::GetPinned(const ReadOptions& ro, Component c, std::string_view id,
                         PinnedRecord* record) {
  OpTimer timer(&metrics_, MetricOp::kGet);
  Status s = GetPinnedUntimed(ro, c, id, record);
  if (!timer.active()) return s;
  return timer.Done(s, s.ok() ? record->id().size() + record->data().size() +
                                    record->metadata().size() + record->blob().size()
                              : 0);
}

Status DBImpl::GetPinnedUntimed(const ReadOptions& ro, Component c, std::string_view id,
                                PinnedRecord* record) {
  record->Reset();
  Status s = CheckId(id);
  if (!s.ok()) return s;
  auto pin = PinIndex();
  VersionRef v;
  std::shared_ptr<DataFile> file;
  RecordBytes bytes;
  s = Locate(SnapshotSeq(ro), c, id, &v, &file, &bytes);
  if (s.ok()) s = ReadBytes(c, id, v, file, &bytes);
  if (!s.ok()) return s;
  std::shared_ptr<const void> holder;
  if (bytes.block != nullptr) {
    holder = bytes.block;
  } else {
    // A journal record: its buffer becomes the pinned copy.
    auto owned = std::make_shared<const std::string>(std::move(bytes.owned));
    bytes.bytes = *owned;
    holder = std::move(owned);
  }
  RecordView r;
  s = CheckRecord(c, id, v, bytes, &r);
  if (!s.ok()) return s;
  record->pin_ = std::move(holder);
  record->id_ = r.id;
  record->data_ = r.data;
  record->metadata_ = r.metadata;
  record->blob_ = r.blob;
  record->data_type_ = r.component;
  record->timestamp_us_ = r.timestamp_us;
  record->version_ = r.version;
  record->checksum_ = r.checksum;
  return Status::OK();
}

Status DBImpl::Get(const ReadOptions& ro, Component c, std::string_view id,
                   StorageRecord* record) {
  OpTimer timer(&metrics_, MetricOp::kGet);
  Status s = CheckId(id);
  if (s.ok()) {
    auto pin = PinIndex();
    s = GetAt(SnapshotSeq(ro), c, id, record);
  }
  if (!timer.active()) return s;
  return timer.Done(s, s.ok() ? RecordBytesOf(*record) : 0);
}

Status DBImpl::GetVersion(const ReadOptions& ro, Component c, std::string_view id,
                          uint64_t version, StorageRecord* record) {
  OpTimer timer(&metrics_, MetricOp::kGet);
  Status s = GetVersionUntimed(ro, c, id, version, record);
  if (!timer.active()) return s;
  return timer.Done(s, s.ok() ? RecordBytesOf(*record) : 0);
}

Status DBImpl::GetVersionUntimed(const ReadOptions& ro, Component c, std::string_view id,
                                 uint64_t version, StorageRecord* record) {
  Status s = CheckId(id);
  if (!s.ok()) return s;
  auto pin = PinIndex();
  uint64_t snapshot = SnapshotSeq(ro);
  VersionRef v;
  std::shared_ptr<DataFile> file;
  {
    ComponentIndex& idx = index(c);
    std::shared_lock<std::shared_mutex> l(idx.mu);
    const VersionChain* chain = idx.Find(id);
    const VersionRef* found = nullptr;
    if (chain != nullptr) {
      for (const VersionRef& ref : *chain) {
        if (ref.seq <= snapshot && ref.version == version && !ref.tombstone()) {
          found = &ref;
          break;
        }
      }
    }
    if (found == nullptr) {
      return Status::NotFound("no version " + std::to_string(version) + " of record '" +
                              std::string(id) + "' in " + ComponentName(c) +
                              " (never written, or dropped by compaction)");
    }
    v = *found;
    file = FindFile(v.loc.file_number);
  }
  RecordBytes bytes;
  return ReadRecord(c, id, v, file, &bytes, record);
}

bool DBImpl::ExistsAt(uint64_t snapshot, Component c, std::string_view id) {
  ComponentIndex& idx = index(c);
  std::shared_lock<std::shared_mutex> l(idx.mu);
  const VersionChain* chain = idx.Find(id);
  const VersionRef* found = chain ? ComponentIndex::Visible(*chain, snapshot) : nullptr;
  return found != nullptr && !found->tombstone();
}

Status DBImpl::ComponentChangeSequence(Component c, uint64_t* seq) {
  if (static_cast<uint8_t>(c) >= kNumComponents) return Status::InvalidArgument("bad component");
  *seq = change_seq_[static_cast<int>(c)].load(std::memory_order_acquire);
  return Status::OK();
}

uint64_t DBImpl::RecordChangeSequence(Component c, std::string_view id) {
  auto pin = PinIndex();
  const uint64_t visible = visible_seq_.load(std::memory_order_acquire);
  ComponentIndex& idx = index(c);
  std::shared_lock<std::shared_mutex> l(idx.mu);
  const VersionChain* chain = idx.Find(id);
  const VersionRef* found = chain ? ComponentIndex::Visible(*chain, visible) : nullptr;
  return found != nullptr ? found->seq : 0;
}

Status DBImpl::Exists(const ReadOptions& ro, Component c, std::string_view id, bool* exists) {
  OpTimer timer(&metrics_, MetricOp::kGet);
  Status s = CheckId(id);
  if (s.ok()) {
    auto pin = PinIndex();
    *exists = ExistsAt(SnapshotSeq(ro), c, id);
  }
  return timer.Done(s);
}

Status DBImpl::Scan(const ReadOptions& ro, Component c, const ScanOptions& so,
                    const std::function<bool(const StorageRecord&)>& fn) {
  OpTimer timer(&metrics_, MetricOp::kScan);
  StorageRecord record;
  uint64_t bytes = 0;
  Status s = ScanViews(ro, c, so, [&](const RecordView& r) {
    ToStorageRecord(r, &record);
    bytes += RecordBytesOf(record);
    return fn(record);
  });
  return timer.Done(s, bytes);
}

Status DBImpl::ScanViews(const ReadOptions& ro, Component c, const ScanOptions& so,
                         const std::function<bool(const RecordView&)>& fn) {
  // The scan reads in chunks so that writers are never blocked for long; a
  // registered snapshot keeps the versions it needs from being compacted away.
  // A read-only instance's CatchUp waits until the scan is done.
  auto pin = PinIndex();
  bool own_snapshot = ro.snapshot == nullptr;
  uint64_t snapshot = own_snapshot ? AcquireSnapshot() : SnapshotSeq(ro);
  struct Item {
    std::string id;
    VersionRef ref;
    std::shared_ptr<DataFile> file;
  };
  std::string cursor = std::max(so.from, so.prefix);
  bool inclusive = true;
  uint64_t emitted = 0;
  Status status;
  bool done = false;
  std::vector<Item> chunk;
  BlockCache::Block last_block;
  uint32_t last_file = 0;
  uint64_t last_offset = 0;
  while (!done && status.ok()) {
    chunk.clear();
    {
      ComponentIndex& idx = index(c);
      std::shared_lock<std::shared_mutex> l(idx.mu);
      const ComponentIndex::OrderedView ids = idx.ordered();
      auto it = inclusive ? ids.lower_bound(cursor) : ids.upper_bound(cursor);
      std::shared_ptr<DataFile> file;  // most neighbours share a file
      for (; it != ids.end() && chunk.size() < 256; ++it) {
        const auto [id, chain] = *it;
        if (!so.prefix.empty() && id.compare(0, so.prefix.size(), so.prefix) != 0) break;
        if (!so.to.empty() && id >= so.to) break;
        const VersionRef* v = ComponentIndex::Visible(chain, snapshot);
        if (v == nullptr || v->tombstone()) continue;
        if (file == nullptr || file->number != v->loc.file_number) {
          file = FindFile(v->loc.file_number);
        }
        chunk.push_back({std::string(id), *v, file});
      }
      done = it == ids.end() || chunk.size() < 256;
      if (!done && !chunk.empty()) {
        cursor = chunk.back().id;
        inclusive = false;
      }
    }
    for (const Item& item : chunk) {
      if (so.limit != 0 && emitted >= so.limit) {
        done = true;
        break;
      }
      // Neighbours in id order share blocks: keep the last one at hand rather
      // than look it up in the cache again.
      RecordBytes bytes;
      const Location& loc = item.ref.loc;
      if (last_block != nullptr && loc.inner_length != 0 && loc.file_number == last_file &&
          loc.offset == last_offset) {
        bytes.block = last_block;
      }
      RecordView record;
      status = ReadBytes(c, item.id, item.ref, item.file, &bytes);
      if (status.ok()) status = CheckRecord(c, item.id, item.ref, bytes, &record);
      if (status.ok()) {
        if (bytes.block != nullptr) {
          last_block = std::move(bytes.block);
          last_file = loc.file_number;
          last_offset = loc.offset;
        }
      }
      if (status.IsCorruption() && so.on_damaged) {
        done = !so.on_damaged(item.id, status);
        status = Status::OK();
        if (done) break;
        continue;
      }
      if (!status.ok()) break;
      ++emitted;
      if (!fn(record)) {
        done = true;
        break;
      }
    }
    if (chunk.empty()) break;
  }
  if (own_snapshot) ReleaseSnapshotSeq(snapshot);
  return status;
}

Status DBImpl::Count(const ReadOptions& ro, Component c, uint64_t* count) {
  auto pin = PinIndex();
  ComponentIndex& idx = index(c);
  std::shared_lock<std::shared_mutex> l(idx.mu);
  if (ro.snapshot == nullptr) {
    *count = idx.live_records();
    return Status::OK();
  }
  uint64_t snapshot = SnapshotSeq(ro);
  uint64_t n = 0;
  for (const auto& [id, chain] : idx.ordered()) {
    const VersionRef* v = ComponentIndex::Visible(chain, snapshot);
    if (v != nullptr && !v->tombstone()) ++n;
  }
  *count = n;
  return Status::OK();
}

}  // namespace spirapi
