#include "storage/block_cache.h"

#include <algorithm>
#include <mutex>

namespace spirapi {

CachedBlock::CachedBlock(std::string raw, std::shared_ptr<VerifiedRecords> verified,
                         uint64_t block_offset, uint32_t stored_length)
    : raw_(std::move(raw)),
      verified_(std::move(verified)),
      block_offset_(block_offset),
      stored_length_(stored_length) {
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
  // With the shared pointer's control block, the cache's table slot and
  // its FIFO place.
  return raw_.capacity() + sizeof(CachedBlock) + offsets_.capacity() * 5 + 96;
}

namespace {

constexpr uint8_t kMaxFreq = 3;
// S3-FIFO's small FIFO: this share of a shard's bytes.
constexpr size_t kSmallPercent = 10;

std::atomic<BlockCachePolicy> default_policy{BlockCachePolicy::kScanResistant};

int ShardCount(size_t capacity, int wanted) {
  if (wanted > 0) return wanted;
  // At least ~256 KiB per shard, so that a shard holds dozens of blocks
  // (4-64 KiB each): FIFO orders mean little in a shard of two blocks.
  const size_t by_size = capacity / (256 << 10);
  return static_cast<int>(std::clamp<size_t>(by_size, 1, 16));
}

}  // namespace

BlockCachePolicy DefaultBlockCachePolicy() { return default_policy.load(); }
void SetDefaultBlockCachePolicy(BlockCachePolicy policy) { default_policy.store(policy); }

BlockCache::BlockCache(size_t capacity_bytes, BlockCachePolicy policy, int shards)
    : capacity_(capacity_bytes),
      policy_(policy),
      num_shards_(ShardCount(capacity_bytes, shards)),
      shards_(std::make_unique<Shard[]>(num_shards_)),
      shard_capacity_(capacity_bytes / num_shards_) {}

BlockCache::Block BlockCache::Lookup(uint64_t file_number, uint64_t offset) {
  const Key k{file_number, offset};
  Shard& shard = ShardFor(k);
  if (policy_ == BlockCachePolicy::kLru) {
    // A hit moves the block to the back: the lock is exclusive.
    std::unique_lock<std::shared_mutex> lock(shard.mu);
    auto it = shard.map.find(k);
    if (it == shard.map.end()) {
      misses_.fetch_add(1, std::memory_order_relaxed);
      return nullptr;
    }
    hits_.fetch_add(1, std::memory_order_relaxed);
    Block b = it->second.block;
    Place(shard, k, it->second, true);
    DropStaleSlots(shard);
    return b;
  }
  std::shared_lock<std::shared_mutex> lock(shard.mu);
  auto it = shard.map.find(k);
  if (it == shard.map.end()) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  // Concurrent hits may lose an increment: the count is a hint.
  std::atomic<uint8_t>& freq = it->second.block->freq;
  const uint8_t f = freq.load(std::memory_order_relaxed);
  if (f < kMaxFreq) freq.store(f + 1, std::memory_order_relaxed);
  hits_.fetch_add(1, std::memory_order_relaxed);
  return it->second.block;
}

bool BlockCache::Contains(uint64_t file_number, uint64_t offset) {
  const Key k{file_number, offset};
  Shard& shard = ShardFor(k);
  std::shared_lock<std::shared_mutex> lock(shard.mu);
  return shard.map.contains(k);
}

void BlockCache::Place(Shard& shard, const Key& k, Entry& e, bool main) {
  e.stamp = next_stamp_.fetch_add(1, std::memory_order_relaxed);
  (main ? shard.main : shard.small).push_back({k, e.stamp});
  if (e.in_main != main) {
    (e.in_main ? shard.main_bytes : shard.small_bytes) -= e.charge;
    (main ? shard.main_bytes : shard.small_bytes) += e.charge;
    e.in_main = main;
  }
}

void BlockCache::Insert(uint64_t file_number, uint64_t offset, Block block, bool hot) {
  const size_t charge = block->Charge();
  if (charge > shard_capacity_) return;
  const Key k{file_number, offset};
  Shard& shard = ShardFor(k);
  std::unique_lock<std::shared_mutex> lock(shard.mu);
  auto [it, inserted] = shard.map.try_emplace(k);
  if (!inserted) return;
  Entry& e = it->second;
  e.block = std::move(block);
  e.charge = charge;
  bool main = policy_ == BlockCachePolicy::kLru || hot;
  if (!main) {
    const uint64_t h = KeyHash()(k);
    auto g = shard.ghost.find(h);
    // Evicted from the small FIFO not long ago, and wanted again.
    main = g != shard.ghost.end();
  }
  e.in_main = main;
  (main ? shard.main_bytes : shard.small_bytes) += charge;
  shard.bytes += charge;
  usage_.fetch_add(charge, std::memory_order_relaxed);
  Place(shard, k, e, main);
  Evict(shard, k);
  DropStaleSlots(shard);
}

void BlockCache::Remove(Shard& shard, const Key& k) {
  auto it = shard.map.find(k);
  const Entry& e = it->second;
  (e.in_main ? shard.main_bytes : shard.small_bytes) -= e.charge;
  shard.bytes -= e.charge;
  usage_.fetch_sub(e.charge, std::memory_order_relaxed);
  shard.map.erase(it);
}

void BlockCache::RememberGhost(Shard& shard, uint64_t h) {
  ++shard.ghost[h];
  shard.ghost_fifo.push_back(h);
  // As many keys as the shard holds blocks: a block read again within about
  // one turn of the cache counts as wanted.
  const size_t limit = std::max<size_t>(shard.map.size(), 64);
  while (shard.ghost_fifo.size() > limit) {
    auto g = shard.ghost.find(shard.ghost_fifo.front());
    if (--g->second == 0) shard.ghost.erase(g);
    shard.ghost_fifo.pop_front();
  }
}

BlockCache::Entry* BlockCache::PopLive(Shard& shard, std::deque<Slot>& fifo, Slot* s) {
  while (!fifo.empty()) {
    *s = fifo.front();
    fifo.pop_front();
    auto it = shard.map.find(s->key);
    if (it != shard.map.end() && it->second.stamp == s->stamp) return &it->second;
  }
  return nullptr;
}

bool BlockCache::EvictSmall(Shard& shard, const Key& keep) {
  Slot s;
  if (Entry* e = PopLive(shard, shard.small, &s)) {
    if (s.key == keep) {
      // Only the block just inserted is left here: it stays, main gives way.
      shard.small.push_front(s);
      return false;
    }
    if (e->block->freq.load(std::memory_order_relaxed) > 0) {
      // Proven in probation: main, where it must be hit again to stay long.
      e->block->freq.store(0, std::memory_order_relaxed);
      Place(shard, s.key, *e, true);
      return true;
    }
    RememberGhost(shard, KeyHash()(s.key));
    Remove(shard, s.key);
    return true;
  }
  return false;
}

bool BlockCache::EvictMain(Shard& shard, const Key& keep) {
  Slot s;
  while (Entry* found = PopLive(shard, shard.main, &s)) {
    Entry& e = *found;
    const uint8_t f = e.block->freq.load(std::memory_order_relaxed);
    if (s.key == keep || (policy_ == BlockCachePolicy::kScanResistant && f > 0)) {
      // Another round: hits since the last one buy it (at most 3 rounds).
      if (s.key != keep) e.block->freq.store(f - 1, std::memory_order_relaxed);
      Place(shard, s.key, e, true);
      if (s.key == keep && shard.main.size() == 1) return false;
      continue;
    }
    Remove(shard, s.key);
    return true;
  }
  return false;
}

void BlockCache::Evict(Shard& shard, const Key& keep) {
  const size_t small_target = shard_capacity_ * kSmallPercent / 100;
  while (shard.bytes > shard_capacity_) {
    const bool from_small = policy_ == BlockCachePolicy::kScanResistant &&
                            (shard.small_bytes > small_target || shard.main_bytes == 0);
    if (from_small && EvictSmall(shard, keep)) continue;
    if (EvictMain(shard, keep)) continue;
    if (!from_small && EvictSmall(shard, keep)) continue;
    break;  // only `keep` is left
  }
}

void BlockCache::DropStaleSlots(Shard& shard) {
  // Stale places pile up with moves and erasures; keep them under the live
  // ones' count, at amortized O(1) per operation.
  if (shard.small.size() + shard.main.size() <= 2 * shard.map.size() + 64) return;
  auto live = [&shard](const Slot& s) {
    auto it = shard.map.find(s.key);
    return it != shard.map.end() && it->second.stamp == s.stamp;
  };
  std::erase_if(shard.small, [&](const Slot& s) { return !live(s); });
  std::erase_if(shard.main, [&](const Slot& s) { return !live(s); });
}

void BlockCache::EraseFile(uint64_t file_number) {
  for (size_t i = 0; i < num_shards_; ++i) {
    Shard& shard = shards_[i];
    std::unique_lock<std::shared_mutex> lock(shard.mu);
    std::vector<Key> doomed;
    for (const auto& [k, e] : shard.map) {
      if (k.file == file_number) doomed.push_back(k);
    }
    for (const Key& k : doomed) Remove(shard, k);
    DropStaleSlots(shard);
  }
}

std::vector<BlockCache::HotBlock> BlockCache::HotBlocks() {
  struct Ranked {
    HotBlock block;
    size_t charge;
    int rank;  // higher is hotter
    uint64_t stamp;
  };
  std::vector<Ranked> all;
  for (size_t i = 0; i < num_shards_; ++i) {
    Shard& shard = shards_[i];
    std::shared_lock<std::shared_mutex> lock(shard.mu);
    for (const auto& [k, e] : shard.map) {
      const uint32_t length = e.block->stored_length();
      if (length == 0) continue;
      int rank = 0;
      if (policy_ == BlockCachePolicy::kScanResistant) {
        const int f = e.block->freq.load(std::memory_order_relaxed);
        if (!e.in_main && f == 0) continue;  // on probation, never hit
        // Main's blocks before probation's, each by hits.
        rank = (e.in_main ? 4 : 0) + f;
      }
      all.push_back({{k.file, k.offset, length}, e.charge, rank, e.stamp});
    }
  }
  std::sort(all.begin(), all.end(), [](const Ranked& a, const Ranked& b) {
    return a.rank != b.rank ? a.rank > b.rank : a.stamp > b.stamp;
  });
  std::vector<HotBlock> out;
  size_t bytes = 0;
  for (const Ranked& r : all) {
    if (bytes + r.charge > capacity_) break;
    bytes += r.charge;
    out.push_back(r.block);
  }
  return out;
}

}  // namespace spirapi
