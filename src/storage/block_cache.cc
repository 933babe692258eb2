#include "storage/block_cache.h"

#include <algorithm>

namespace spirapi {

bool CachedBlock::IsDamaged(uint32_t inner_offset) const {
  return std::find(damaged.begin(), damaged.end(), inner_offset) != damaged.end();
}

BlockCache::BlockCache(size_t capacity_bytes) : shard_capacity_(capacity_bytes / kShards) {}

BlockCache::Block BlockCache::Lookup(uint64_t file_number, uint64_t offset) {
  Key k{file_number, offset};
  Shard& shard = ShardFor(k);
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.map.find(k);
  if (it == shard.map.end()) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  shard.lru.splice(shard.lru.begin(), shard.lru, it->second);
  hits_.fetch_add(1, std::memory_order_relaxed);
  return it->second->second;
}

void BlockCache::Insert(uint64_t file_number, uint64_t offset, Block block) {
  if (shard_capacity_ == 0) return;
  Key k{file_number, offset};
  Shard& shard = ShardFor(k);
  std::lock_guard<std::mutex> lock(shard.mu);
  if (shard.map.count(k) != 0) return;
  shard.bytes += block->raw.size();
  shard.lru.emplace_front(k, std::move(block));
  shard.map[k] = shard.lru.begin();
  while (shard.bytes > shard_capacity_ && shard.lru.size() > 1) {
    auto& victim = shard.lru.back();
    shard.bytes -= victim.second->raw.size();
    shard.map.erase(victim.first);
    shard.lru.pop_back();
  }
}

void BlockCache::EraseFile(uint64_t file_number) {
  for (Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mu);
    for (auto it = shard.lru.begin(); it != shard.lru.end();) {
      if (it->first.file == file_number) {
        shard.bytes -= it->second->raw.size();
        shard.map.erase(it->first);
        it = shard.lru.erase(it);
      } else {
        ++it;
      }
    }
  }
}

}  // namespace spirapi
