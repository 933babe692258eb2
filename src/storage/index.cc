#include "storage/index.h"

#include <algorithm>
#include <new>

namespace spirapi {

IndexEntry* IndexEntry::New(std::string_view id) {
  void* mem = ::operator new(sizeof(IndexEntry) + id.size());
  auto* e = new (mem) IndexEntry(static_cast<uint32_t>(id.size()));
  std::memcpy(reinterpret_cast<char*>(e + 1), id.data(), id.size());
  return e;
}

void IndexEntry::Delete(IndexEntry* e) {
  e->~IndexEntry();
  ::operator delete(e);
}

ComponentIndex::~ComponentIndex() {
  for (const Slot& s : order_) IndexEntry::Delete(s.entry);
  for (const Slot& s : pending_) IndexEntry::Delete(s.entry);
}

void ComponentIndex::Swap(ComponentIndex& other) {
  order_.swap(other.order_);
  std::swap(bulk_, other.bulk_);
  pending_.swap(other.pending_);
  hash_.swap(other.hash_);
  std::swap(live_, other.live_);
  std::swap(versions_, other.versions_);
  std::swap(droppable_, other.droppable_);
  std::swap(id_bytes_, other.id_bytes_);
  std::swap(max_seq_, other.max_seq_);
}

const VersionRef* ComponentIndex::Visible(const VersionChain& chain, uint64_t snapshot) {
  for (const VersionRef& v : chain) {
    if (v.seq <= snapshot) return &v;
  }
  return nullptr;
}

const VersionChain* ComponentIndex::Find(std::string_view id) const {
  IndexEntry* e = FindMutable(id);
  return e == nullptr ? nullptr : &e->chain;
}

IndexEntry* ComponentIndex::FindMutable(std::string_view id) const {
  auto it = hash_.find(id);
  return it == hash_.end() ? nullptr : *it;
}

void ComponentIndex::Add(std::string_view id, const VersionRef& v, int max_versions_kept) {
  // One probe of the hash table whether the id is new or not.
  bool inserted = false;
  auto it = hash_.lazy_emplace(id, [&](const auto& construct) {
    construct(IndexEntry::New(id));
    inserted = true;
  });
  IndexEntry* e = *it;
  if (inserted) AddToOrder(e);
  AddTo(&e->chain, v, max_versions_kept);
}

void ComponentIndex::AddToOrder(IndexEntry* e) {
  std::string_view id = e->id();
  Slot slot{PrefixOf(id), e};
  id_bytes_ += id.size();
  if (bulk_) {
    pending_.push_back(slot);
    return;
  }
  // Appending past the largest id (a segment footer, ascending ids) needs no
  // search from the root.
  if (!order_.empty() && SlotLess()(*order_.rbegin(), slot)) {
    order_.insert(order_.end(), slot);
  } else {
    order_.insert(slot);
  }
}

void ComponentIndex::FinishBulkLoad() {
  bulk_ = false;
  if (pending_.empty()) return;
  std::sort(pending_.begin(), pending_.end(), SlotLess());
  if (order_.empty()) {
    for (const Slot& s : pending_) order_.insert(order_.end(), s);
  } else {
    // One pass over both sorted runs, appending to a fresh tree.
    Order merged;
    auto old = order_.begin();
    for (const Slot& s : pending_) {
      while (old != order_.end() && SlotLess()(*old, s)) merged.insert(merged.end(), *old++);
      merged.insert(merged.end(), s);
    }
    while (old != order_.end()) merged.insert(merged.end(), *old++);
    order_ = std::move(merged);
  }
  pending_.clear();
  pending_.shrink_to_fit();
}

void ComponentIndex::AddTo(VersionChain* found, const VersionRef& v, int max_versions_kept) {
  VersionChain& chain = *found;
  bool was_live = HeadLive(chain);
  max_seq_ = std::max(max_seq_, v.seq);
  auto pos = chain.begin();
  while (pos != chain.end() && pos->seq > v.seq) ++pos;
  if (pos != chain.end() && pos->seq == v.seq) {
    *pos = v;  // the same version seen twice (journal and segment): keep one
  } else {
    chain.insert(pos, v);
    ++versions_;
    if (v.tombstone()) {
      droppable_ += chain.size();
    } else if (chain.size() > static_cast<size_t>(max_versions_kept)) {
      ++droppable_;
    }
  }
  bool is_live = HeadLive(chain);
  if (is_live && !was_live) ++live_;
  if (!is_live && was_live) --live_;
}

void ComponentIndex::Remove(std::string_view id, uint64_t seq, uint32_t file_number) {
  IndexEntry* e = FindMutable(id);
  if (e == nullptr) return;
  VersionChain& chain = e->chain;
  bool was_live = HeadLive(chain);
  for (auto pos = chain.begin(); pos != chain.end(); ++pos) {
    if (pos->seq == seq && pos->loc.file_number == file_number) {
      chain.erase(pos);
      --versions_;
      break;
    }
  }
  bool is_live = HeadLive(chain);
  if (is_live && !was_live) ++live_;
  if (!is_live && was_live) --live_;
  if (chain.empty()) {
    id_bytes_ -= id.size();
    hash_.erase(id);
    order_.erase(Probe{PrefixOf(id), id});
    IndexEntry::Delete(e);
  }
}

void ComponentIndex::Relocate(std::string_view id, uint64_t seq, uint32_t old_file,
                              const Location& loc) {
  IndexEntry* e = FindMutable(id);
  if (e == nullptr) return;
  for (VersionRef& v : e->chain) {
    if (v.seq == seq && v.loc.file_number == old_file) {
      v.loc = loc;
      return;
    }
  }
}

uint64_t ComponentIndex::MemoryBytes() const {
  // An entry: the chain with one version inline and the id bytes, plus about
  // 16 bytes of malloc overhead; versions beyond the first live in a heap
  // array. The B-tree holds a 16-byte slot per id in nodes about 3/4 full;
  // the hash set an 8-byte slot and a control byte per id, at up to 7/8 load.
  const uint64_t ids = order_.size();
  const uint64_t entry_bytes = sizeof(IndexEntry) + 16;
  const uint64_t order_bytes = ids * sizeof(Slot) * 4 / 3;
  const uint64_t hash_bytes = static_cast<uint64_t>(hash_.capacity()) * (sizeof(void*) + 1);
  uint64_t extra_versions = versions_ > ids ? versions_ - ids : 0;
  return ids * entry_bytes + id_bytes_ + order_bytes + hash_bytes +
         extra_versions * sizeof(VersionRef);
}

}  // namespace spirapi
