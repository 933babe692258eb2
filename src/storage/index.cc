#include "storage/index.h"

namespace spirapi {

const VersionRef* ComponentIndex::Visible(const VersionChain& chain, uint64_t snapshot) {
  for (const VersionRef& v : chain) {
    if (v.seq <= snapshot) return &v;
  }
  return nullptr;
}

const VersionChain* ComponentIndex::Find(std::string_view id) const {
  auto it = hash_.find(id);
  return it == hash_.end() ? nullptr : it->second;
}

VersionChain* ComponentIndex::FindMutable(std::string_view id) {
  auto it = hash_.find(id);
  return it == hash_.end() ? nullptr : it->second;
}

void ComponentIndex::Add(std::string_view id, const VersionRef& v, int max_versions_kept) {
  VersionChain* chain = FindMutable(id);
  AddTo(chain != nullptr ? chain : Insert(std::string(id)), v, max_versions_kept);
}

void ComponentIndex::AddOwned(std::string&& id, const VersionRef& v, int max_versions_kept) {
  VersionChain* chain = FindMutable(id);
  AddTo(chain != nullptr ? chain : Insert(std::move(id)), v, max_versions_kept);
}

VersionChain* ComponentIndex::Insert(std::string&& id) {
  // The hint is right when ids come in ascending order; otherwise
  // emplace_hint falls back to an ordinary search. Appending past the largest
  // id is the common case (a footer): hint end() directly, since
  // incrementing the rightmost node climbs to the root.
  auto hint = map_.end();
  if (last_added_ != map_.end() && !(map_.rbegin()->first < id)) hint = std::next(last_added_);
  auto it = map_.emplace_hint(hint, std::move(id), VersionChain());
  last_added_ = it;
  hash_.emplace(std::string_view(it->first), &it->second);
  key_bytes_ += it->first.size();
  return &it->second;
}

void ComponentIndex::AddTo(VersionChain* found, const VersionRef& v, int max_versions_kept) {
  VersionChain& chain = *found;
  bool was_live = HeadLive(chain);
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
  auto it = map_.find(id);
  if (it == map_.end()) return;
  VersionChain& chain = it->second;
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
    key_bytes_ -= it->first.size();
    hash_.erase(std::string_view(it->first));
    if (it == last_added_) last_added_ = map_.end();
    map_.erase(it);
  }
}

void ComponentIndex::Relocate(std::string_view id, uint64_t seq, uint32_t old_file,
                              const Location& loc) {
  auto* chain = FindMutable(id);
  if (chain == nullptr) return;
  for (VersionRef& v : *chain) {
    if (v.seq == seq && v.loc.file_number == old_file) {
      v.loc = loc;
      return;
    }
  }
}

uint64_t ComponentIndex::MemoryBytes() const {
  // A std::map node: tree links (32), the key string (32, plus a heap buffer
  // for keys over 15 bytes) and the chain with one version inline; versions
  // beyond the first live in a heap array. The flat hash table holds a 24-byte
  // slot and a control byte per id, at up to 7/8 load.
  const uint64_t node_bytes = 32 + 32 + sizeof(VersionChain) + 16;  // +16: malloc
  const uint64_t hash_bytes = static_cast<uint64_t>(hash_.capacity()) * (24 + 1);
  uint64_t extra_versions = versions_ > map_.size() ? versions_ - map_.size() : 0;
  return map_.size() * node_bytes + hash_bytes + key_bytes_ +
         extra_versions * sizeof(VersionRef);
}

}  // namespace spirapi
