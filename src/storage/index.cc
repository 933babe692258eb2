#include "storage/index.h"

namespace spirapi {

const VersionRef* ComponentIndex::Visible(const VersionChain& chain, uint64_t snapshot) {
  for (const VersionRef& v : chain) {
    if (v.seq <= snapshot) return &v;
  }
  return nullptr;
}

const VersionChain* ComponentIndex::Find(std::string_view id) const {
  auto it = map_.find(id);
  return it == map_.end() ? nullptr : &it->second;
}

void ComponentIndex::Add(std::string_view id, const VersionRef& v, int max_versions_kept) {
  auto it = map_.find(id);
  if (it == map_.end()) {
    it = map_.emplace(std::string(id), VersionChain()).first;
    key_bytes_ += id.size();
  }
  VersionChain& chain = it->second;
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
    map_.erase(it);
  }
}

void ComponentIndex::Relocate(std::string_view id, uint64_t seq, uint32_t old_file,
                              const Location& loc, bool plain_block) {
  auto it = map_.find(id);
  if (it == map_.end()) return;
  for (VersionRef& v : it->second) {
    if (v.seq == seq && v.loc.file_number == old_file) {
      v.loc = loc;
      v.flags = static_cast<uint8_t>((v.flags & ~kVersionPlainBlock) |
                                     (plain_block ? kVersionPlainBlock : 0));
      return;
    }
  }
}

uint64_t ComponentIndex::MemoryBytes() const {
  // A std::map node holds the key string (32 bytes, plus a heap buffer for
  // keys over 15 bytes), the vector header (24) and 32 bytes of tree links.
  constexpr uint64_t kNodeBytes = 32 + 32 + 24 + 16;  // +16: allocator overhead
  return map_.size() * kNodeBytes + key_bytes_ + versions_ * (sizeof(VersionRef) + 8);
}

}  // namespace spirapi
