// DB::OptimizeFor: the specification's optimize_for("speed" | "space" |
// "security"), as stored settings that later flushes, compactions, reads and
// commits follow.

#include "db/db_impl.h"

namespace spirapi {

void DBImpl::ApplyStoredGoal() {
  const bool security = manifest_.optimized_for == OptimizationGoalName(OptimizationGoal::kSecurity);
  verify_every_read_.store(security, std::memory_order_relaxed);
  sync_every_write_.store(security, std::memory_order_relaxed);
}

Status DBImpl::OptimizeFor(OptimizationGoal goal) {
  if (options_.read_only) return ReadOnlyError();
  std::lock_guard<std::mutex> l(mu_);
  if (!write_error_.ok()) return write_error_;
  Manifest next = manifest_;
  switch (goal) {
    case OptimizationGoal::kSpeed:
      // zstd 1 writes about twice as fast as zstd 3 and reads as fast; 4 KiB
      // blocks make a block cache miss cost a few microseconds.
      next.codec = CompressionCodec::kZstd;
      next.compression_level = 1;
      next.block_size = 4 * 1024;
      break;
    case OptimizationGoal::kSpace:
      // zstd 19 with the dictionary over 16 KiB blocks: the smallest files
      // measured (docs/BENCHMARKS.md), at ~10 µs per block cache miss.
      next.codec = CompressionCodec::kZstd;
      next.compression_level = 9;
      next.block_size = 16 * 1024;
      break;
    case OptimizationGoal::kSecurity:
      if (!manifest_.encrypted) {
        return Status::InvalidArgument(
            "optimize for security needs an encrypted database, and this one is not: create "
            "one with encryption_enabled and load a dump of this one into it");
      }
      break;
  }
  next.optimized_for = OptimizationGoalName(goal);
  Status s = InstallManifest(next);
  if (!s.ok()) return s;
  ApplyStoredGoal();
  return Status::OK();
}

}  // namespace spirapi
