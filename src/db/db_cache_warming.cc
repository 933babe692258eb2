// Cache warming: the block cache's hot set is recorded in CACHE-WARM every
// few minutes and at close, and loaded back on a low-priority thread after
// open, so that reads right after a restart find their blocks in memory.

#include <algorithm>
#include <chrono>
#include <set>

#include "db/db_impl.h"
#include "storage/cache_warm_file.h"
#include "storage/segment.h"
#include "util/thread_priority.h"

namespace spirapi {
namespace {

constexpr auto kRecordInterval = std::chrono::minutes(5);
// Blocks are read in batches sorted by file and offset (near-sequential
// reads), batch by batch from the hottest.
constexpr size_t kLoadBatch = 256;
// Neither a block nor the file can be this large: such a claim is not read.
constexpr uint32_t kMaxBlockBytes = 64u << 20;
constexpr uint64_t kMaxWarmFileBytes = 64u << 20;

}  // namespace

void DBImpl::StartCacheWarming() {
  if (cache_.capacity_bytes() == 0) return;
  if (options_.read_only && !options_.warm_cache_on_open) return;  // nothing to do
  warm_started_ = true;
  warming_.store(options_.warm_cache_on_open, std::memory_order_release);
  warm_thread_ = std::thread([this] { CacheWarmLoop(); });
}

void DBImpl::StopCacheWarming() {
  if (!warm_started_) return;
  {
    std::lock_guard<std::mutex> l(warm_mu_);
    warm_stop_ = true;
  }
  warm_cv_.notify_all();
  warm_thread_.join();
  if (!options_.read_only) RecordHotBlocks();
}

void DBImpl::CacheWarmLoop() {
  LowerThisThreadsPriority();
  // Without loading, the file is still read: its blocks are kept in the next
  // one (after this run's hot blocks), so that a short run, such as a CLI
  // command reading one record, does not replace a long run's hot set.
  LoadHotBlocks(options_.warm_cache_on_open);
  warming_.store(false, std::memory_order_release);
  if (options_.read_only) return;  // it may load the file, never write it
  std::unique_lock<std::mutex> l(warm_mu_);
  while (!warm_stop_) {
    if (warm_cv_.wait_for(l, kRecordInterval, [this] { return warm_stop_; })) break;
    l.unlock();
    RecordHotBlocks();
    l.lock();
  }
}

bool DBImpl::WarmingStopped() {
  std::lock_guard<std::mutex> l(warm_mu_);
  return warm_stop_;
}

void DBImpl::LoadHotBlocks(bool load) {
  std::vector<BlockCache::HotBlock> blocks;
  {
    std::unique_ptr<RandomAccessFile> file;
    uint64_t size = 0;
    std::string data;
    const std::string path = Path(kCacheWarmName);
    // Missing, unreadable or damaged: nothing to load, and nothing to report
    // (the file is a hint; the next close writes a new one).
    if (!fs_->GetFileSize(path, &size).ok() || size > kMaxWarmFileBytes) return;
    if (!fs_->NewRandomAccessFile(path, &file).ok() || !file->Read(0, size, &data).ok()) return;
    if (!DecodeCacheWarmFile(data, &blocks)) return;
  }
  for (size_t begin = 0; begin < blocks.size(); begin += kLoadBatch) {
    const size_t end = std::min(blocks.size(), begin + kLoadBatch);
    std::sort(blocks.begin() + begin, blocks.begin() + end, [](const auto& a, const auto& b) {
      return a.file_number != b.file_number ? a.file_number < b.file_number : a.offset < b.offset;
    });
  }
  {
    std::lock_guard<std::mutex> l(warm_mu_);
    warm_pending_ = blocks;
  }
  if (!load) return;
  blocks_to_warm_.store(blocks.size(), std::memory_order_relaxed);
  size_t done = 0;
  for (size_t begin = 0; begin < blocks.size(); begin += kLoadBatch) {
    const size_t end = std::min(blocks.size(), begin + kLoadBatch);
    std::shared_ptr<DataFile> file;
    for (size_t i = begin; i < end; ++i) {
      if (WarmingStopped()) {
        // What is not loaded yet is recorded again at close.
        std::lock_guard<std::mutex> l(warm_mu_);
        warm_pending_.erase(warm_pending_.begin(), warm_pending_.begin() + done);
        return;
      }
      ++done;
      const BlockCache::HotBlock& b = blocks[i];
      if (b.stored_length == 0 || b.stored_length > kMaxBlockBytes) continue;
      if (cache_.Contains(b.file_number, b.offset)) continue;
      if (file == nullptr || file->number != b.file_number) {
        file = FindFile(static_cast<uint32_t>(b.file_number));
      }
      // Gone since (compacted away): skipped. Journals are never cached.
      if (file == nullptr || file->is_journal) continue;
      std::string raw;
      bool content_checked = false;
      if (!ReadBlock(*file->file, b.offset, b.stored_length, cipher(), &raw, file->dictionary.get(),
                     &content_checked)
               .ok()) {
        continue;  // stale or damaged: a read by the application reports it
      }
      cache_.Insert(b.file_number, b.offset,
                    std::make_shared<const CachedBlock>(std::move(raw),
                                                        content_checked ? file->verified : nullptr,
                                                        b.offset, b.stored_length),
                    /*hot=*/true);
      blocks_warmed_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  std::lock_guard<std::mutex> l(warm_mu_);
  warm_pending_.clear();
}

void DBImpl::RecordHotBlocks() {
  std::vector<BlockCache::HotBlock> hot = cache_.HotBlocks();
  {
    // The blocks of the last file not loaded (a close during warming, or
    // warming off) are still hot: they follow this run's.
    std::lock_guard<std::mutex> l(warm_mu_);
    if (!warm_pending_.empty()) {
      std::set<std::pair<uint64_t, uint64_t>> present;
      size_t bytes = 0;  // stored sizes: a rough stand-in for the charge
      for (const BlockCache::HotBlock& b : hot) {
        present.insert({b.file_number, b.offset});
        bytes += b.stored_length;
      }
      for (const BlockCache::HotBlock& b : warm_pending_) {
        if (bytes + b.stored_length > cache_.capacity_bytes()) break;
        if (!present.insert({b.file_number, b.offset}).second) continue;
        bytes += b.stored_length;
        hot.push_back(b);
      }
    }
  }
  // Nothing read since open: keep the file there is.
  if (hot.empty()) return;
  const std::string tmp = Path(std::string(kCacheWarmName) + ".tmp");
  std::unique_ptr<WritableFile> file;
  // No fsync: the file is a hint, and a torn one fails its CRC and is ignored.
  Status s = fs_->NewWritableFile(tmp, &file);
  if (s.ok()) s = file->Append(EncodeCacheWarmFile(hot));
  if (s.ok()) s = file->Close();
  if (s.ok()) s = fs_->RenameFile(tmp, Path(kCacheWarmName));
  if (!s.ok()) fs_->RemoveFile(tmp);
}

}  // namespace spirapi
