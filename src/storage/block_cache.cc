#include "storage/block_cache.h"

#include <algorithm>
#include <mutex>

namespace spirapi {

bool CachedBlock::IsDamaged(uint32_t inner_offset) const {
  return std::find(damaged.begin(), damaged.end(), inner_offset) != damaged.end();
}

BlockCache::BlockCache(size_t capacity_bytes) : shard_capacity_(capacity_bytes / kShards) {}

BlockCache::Block BlockCache::Lookup(uint64_t file_number, uint64_t offset) {
  Key k{file_number, offset};
  Shard& shard = ShardFor(k);
  std::shared_lock<std::shared_mutex> lock(shard.mu);
  auto it = shard.map.find(k);
  if (it == shard.map.end()) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  if (!it->second->referenced.load(std::memory_order_relaxed)) {
    it->second->referenced.store(true, std::memory_order_relaxed);
  }
  hits_.fetch_add(1, std::memory_order_relaxed);
  return it->second;
}

void BlockCache::Insert(uint64_t file_number, uint64_t offset, Block block) {
  if (shard_capacity_ == 0) return;
  Key k{file_number, offset};
  Shard& shard = ShardFor(k);
  std::unique_lock<std::shared_mutex> lock(shard.mu);
  size_t size = block->raw.size();
  auto [it, inserted] = shard.map.try_emplace(k);
  if (!inserted) return;
  it->second = std::move(block);
  shard.bytes += size;
  Evict(shard, k);
}

void BlockCache::Evict(Shard& shard, const Key& keep) {
  // Sweep: clear the flag of recently used blocks, drop the others. Two
  // passes over the shard at most, since the first clears every flag.
  for (int pass = 0; pass < 2 && shard.bytes > shard_capacity_ && shard.map.size() > 1; ++pass) {
    for (auto it = shard.map.begin(); it != shard.map.end() && shard.bytes > shard_capacity_;) {
      if (it->first == keep || it->second->referenced.exchange(false, std::memory_order_relaxed)) {
        ++it;
        continue;
      }
      shard.bytes -= it->second->raw.size();
      shard.map.erase(it++);
    }
  }
}

void BlockCache::EraseFile(uint64_t file_number) {
  for (Shard& shard : shards_) {
    std::unique_lock<std::shared_mutex> lock(shard.mu);
    for (auto it = shard.map.begin(); it != shard.map.end();) {
      if (it->first.file == file_number) {
        shard.bytes -= it->second->raw.size();
        shard.map.erase(it++);
      } else {
        ++it;
      }
    }
  }
}

}  // namespace spirapi
