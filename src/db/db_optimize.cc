// DB::OptimizeFor: the specification's optimize_for("speed" | "space" |
// "security"), and DB::SetCompression, its "compression optimization": stored
// settings that later flushes, compactions, reads and commits follow.

#include "db/db_impl.h"

namespace spirapi {

void DBImpl::ApplyStoredGoal() {
  const bool security =
      manifest_.optimized_for == OptimizationGoalName(OptimizationGoal::kSecurity);
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

Status DBImpl::SetCompression(CompressionCodec codec, int level) {
  if (options_.read_only) return ReadOnlyError();
  if (level < 0 || level > 9) {
    return Status::InvalidArgument("compression level " + std::to_string(level) +
                                   " is not in 0..9");
  }
  if (codec != CompressionCodec::kNone && codec != CompressionCodec::kLzma &&
      codec != CompressionCodec::kZstd) {
    return Status::InvalidArgument("unknown compression codec");
  }
  std::lock_guard<std::mutex> l(mu_);
  if (!write_error_.ok()) return write_error_;
  Manifest next = manifest_;
  next.codec = codec;
  next.compression_level = level;
  // "speed" and "space" name compression settings these replace, and
  // stats would claim a goal the database no longer follows. "security"
  // sets no compression, so it stays.
  if (next.optimized_for != OptimizationGoalName(OptimizationGoal::kSecurity)) {
    next.optimized_for.clear();
  }
  if (next.codec == manifest_.codec && next.compression_level == manifest_.compression_level &&
      next.optimized_for == manifest_.optimized_for) {
    return Status::OK();  // nothing to store: spare a MANIFEST write
  }
  return InstallManifest(next);
}

}  // namespace spirapi
