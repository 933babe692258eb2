// Histogram: a lock-free latency histogram with log-scaled buckets, cheap
// enough to record on every read and write (docs/MONITORING.md).
//
// Values are unsigned integers (nanoseconds for latencies). Below 8 each
// value has its own bucket; above, every power of two is split into 8
// sub-buckets, so a bucket is at most 1/8 of its lower bound wide and a
// percentile is within 6.25% of the true value (its bucket's midpoint).
// Values past the last bucket (2^45 ns, about 9.8 hours) count in it.
//
// Record() takes no lock: counters are relaxed atomics, spread over a few
// cache-line-aligned stripes picked per thread, so two threads recording at
// once rarely write the same cache line. Reads (Snapshot) sum the stripes;
// a snapshot taken while others record may miss the newest values, never
// count one twice.

#ifndef SPIRAPI_UTIL_HISTOGRAM_H_
#define SPIRAPI_UTIL_HISTOGRAM_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace spirapi {

// Plain (non-atomic) histogram counts: a Histogram's snapshot, a merge of
// several, or one read back from a stored sample.
struct HistogramData {
  static constexpr int kSubBits = 3;  // 8 sub-buckets per power of two
  static constexpr int kMaxExponent = 44;
  static constexpr int kNumBuckets = (kMaxExponent - kSubBits + 2) << kSubBits;

  std::vector<uint64_t> buckets = std::vector<uint64_t>(kNumBuckets, 0);
  uint64_t count = 0;
  uint64_t sum = 0;
  uint64_t max = 0;

  static int BucketOf(uint64_t value);
  // The smallest value of bucket i, and the smallest past it.
  static uint64_t BucketLow(int i);
  static uint64_t BucketHigh(int i);

  void Add(uint64_t value);
  void Merge(const HistogramData& other);
  // The value below which fraction p (0..1) of the values lie, estimated as
  // its bucket's midpoint and never above Max(); 0 when empty.
  double Percentile(double p) const;
  double Mean() const { return count == 0 ? 0.0 : static_cast<double>(sum) / count; }
};

class Histogram {
 public:
  static constexpr int kStripes = 4;

  Histogram() = default;
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  void Record(uint64_t value) { Record(value, Stripe()); }
  // As Record, into a stripe the caller chose (MetricsRecorder picks one per
  // operation for several counters).
  void Record(uint64_t value, int stripe);
  // Adds other's counts (read with Snapshot) into stripe 0.
  void Merge(const Histogram& other);
  HistogramData Snapshot() const;

  uint64_t Count() const;
  uint64_t Sum() const;
  uint64_t Max() const;
  double Percentile(double p) const { return Snapshot().Percentile(p); }

  // This thread's stripe, fixed for its life.
  static int Stripe();

 private:
  struct alignas(64) Lane {
    std::atomic<uint64_t> sum{0};
    std::atomic<uint64_t> max{0};
    std::array<std::atomic<uint64_t>, HistogramData::kNumBuckets> buckets{};
  };
  std::array<Lane, kStripes> lanes_;
};

}  // namespace spirapi

#endif  // SPIRAPI_UTIL_HISTOGRAM_H_
