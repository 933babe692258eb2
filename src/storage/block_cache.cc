#include "storage/block_cache.h"

#include <algorithm>
#include <mutex>

namespace spirapi {

CachedBlock::CachedBlock(std::string raw, std::shared_ptr<VerifiedRecords> verified,
                         uint64_t block_offset)
    : raw_(std::move(raw)), verified_(std::move(verified)), block_offset_(block_offset) {
  // The record layout, without decoding the records: lengths only.
  size_t pos = 0;
  while (raw_.size() - pos >= 4) {
    const auto* p = reinterpret_cast<const unsigned char*>(raw_.data() + pos);
    const uint32_t len = p[0] | (p[1] << 8) | (p[2] << 16) | (uint32_t{p[3]} << 24);
    if (len > raw_.size() - pos - 4) break;
    offsets_.push_back(static_cast<uint32_t>(pos + 4));
    pos += 4 + size_t{len};
  }
  checks_ = std::make_unique<std::atomic<uint8_t>[]>(offsets_.size());
  const uint64_t known = verified_ != nullptr ? verified_->BitsOf(block_offset_) : 0;
  for (size_t i = 0; i < offsets_.size(); ++i) {
    const bool good = i < VerifiedRecords::kMaxRecordsPerBlock && ((known >> i) & 1) != 0;
    checks_[i].store(good ? kGood : kUnchecked);
  }
}

void CachedBlock::SetCheck(std::atomic<uint8_t>* slot, bool good) const {
  slot->store(good ? kGood : kDamaged, std::memory_order_release);
  if (good && verified_ != nullptr) {
    verified_->Mark(block_offset_, static_cast<int>(slot - checks_.get()));
  }
}

std::atomic<uint8_t>* CachedBlock::CheckOf(uint32_t inner_offset) const {
  auto it = std::lower_bound(offsets_.begin(), offsets_.end(), inner_offset);
  if (it == offsets_.end() || *it != inner_offset) return nullptr;
  return &checks_[it - offsets_.begin()];
}

size_t CachedBlock::Charge() const {
  // With the shared pointer's control block and the cache's table slot.
  return raw_.capacity() + sizeof(CachedBlock) + offsets_.capacity() * 5 + 64;
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
  size_t size = block->Charge();
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
      shard.bytes -= it->second->Charge();
      shard.map.erase(it++);
    }
  }
}

void BlockCache::EraseFile(uint64_t file_number) {
  for (Shard& shard : shards_) {
    std::unique_lock<std::shared_mutex> lock(shard.mu);
    for (auto it = shard.map.begin(); it != shard.map.end();) {
      if (it->first.file == file_number) {
        shard.bytes -= it->second->Charge();
        shard.map.erase(it++);
      } else {
        ++it;
      }
    }
  }
}

}  // namespace spirapi
