#include "util/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace spirapi {

int HistogramData::BucketOf(uint64_t value) {
  constexpr uint64_t kDirect = uint64_t{1} << kSubBits;
  if (value < kDirect) return static_cast<int>(value);
  const int exponent = 63 - std::countl_zero(value);
  if (exponent > kMaxExponent) return kNumBuckets - 1;
  const int sub = static_cast<int>((value >> (exponent - kSubBits)) & (kDirect - 1));
  return ((exponent - kSubBits + 1) << kSubBits) + sub;
}

uint64_t HistogramData::BucketLow(int i) {
  constexpr int kDirect = 1 << kSubBits;
  if (i < kDirect) return static_cast<uint64_t>(i);
  const int exponent = (i >> kSubBits) + kSubBits - 1;
  const uint64_t sub = static_cast<uint64_t>(i & (kDirect - 1));
  return (uint64_t{1} << exponent) + (sub << (exponent - kSubBits));
}

uint64_t HistogramData::BucketHigh(int i) {
  if (i + 1 >= kNumBuckets) return UINT64_MAX;
  return BucketLow(i + 1);
}

void HistogramData::Add(uint64_t value) {
  ++buckets[BucketOf(value)];
  ++count;
  sum += value;
  max = std::max(max, value);
}

void HistogramData::Merge(const HistogramData& other) {
  for (int i = 0; i < kNumBuckets; ++i) buckets[i] += other.buckets[i];
  count += other.count;
  sum += other.sum;
  max = std::max(max, other.max);
}

double HistogramData::Percentile(double p) const {
  if (count == 0) return 0.0;
  p = std::clamp(p, 0.0, 1.0);
  // The rank of the value wanted, 1-based: the smallest that covers p.
  const uint64_t rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(p * count)));
  uint64_t seen = 0;
  for (int i = 0; i < kNumBuckets; ++i) {
    seen += buckets[i];
    if (seen < rank) continue;
    // The last bucket is open-ended: its values are known only by the max.
    if (i + 1 >= kNumBuckets) return static_cast<double>(max);
    const uint64_t low = BucketLow(i);
    const uint64_t high = BucketHigh(i);
    // A one-value bucket holds exactly its value.
    const double mid = high - low <= 1 ? static_cast<double>(low)
                                       : static_cast<double>(low) + (high - low) / 2.0;
    return std::min(mid, static_cast<double>(max));
  }
  return static_cast<double>(max);
}

int Histogram::Stripe() {
  static std::atomic<unsigned> next{0};
  thread_local const int stripe =
      static_cast<int>(next.fetch_add(1, std::memory_order_relaxed) % kStripes);
  return stripe;
}

void Histogram::Record(uint64_t value, int stripe) {
  Lane& lane = lanes_[stripe];
  lane.buckets[HistogramData::BucketOf(value)].fetch_add(1, std::memory_order_relaxed);
  lane.sum.fetch_add(value, std::memory_order_relaxed);
  uint64_t seen = lane.max.load(std::memory_order_relaxed);
  while (value > seen &&
         !lane.max.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
  }
}

void Histogram::Merge(const Histogram& other) {
  const HistogramData data = other.Snapshot();
  Lane& lane = lanes_[0];
  for (int i = 0; i < HistogramData::kNumBuckets; ++i) {
    if (data.buckets[i] != 0) lane.buckets[i].fetch_add(data.buckets[i], std::memory_order_relaxed);
  }
  lane.sum.fetch_add(data.sum, std::memory_order_relaxed);
  uint64_t seen = lane.max.load(std::memory_order_relaxed);
  while (data.max > seen &&
         !lane.max.compare_exchange_weak(seen, data.max, std::memory_order_relaxed)) {
  }
}

HistogramData Histogram::Snapshot() const {
  HistogramData data;
  for (const Lane& lane : lanes_) {
    // The count is the buckets' sum, so that it always agrees with them.
    for (int i = 0; i < HistogramData::kNumBuckets; ++i) {
      const uint64_t n = lane.buckets[i].load(std::memory_order_relaxed);
      data.buckets[i] += n;
      data.count += n;
    }
    data.sum += lane.sum.load(std::memory_order_relaxed);
    data.max = std::max(data.max, lane.max.load(std::memory_order_relaxed));
  }
  return data;
}

uint64_t Histogram::Count() const { return Snapshot().count; }

uint64_t Histogram::Sum() const {
  uint64_t sum = 0;
  for (const Lane& lane : lanes_) sum += lane.sum.load(std::memory_order_relaxed);
  return sum;
}

uint64_t Histogram::Max() const {
  uint64_t max = 0;
  for (const Lane& lane : lanes_) max = std::max(max, lane.max.load(std::memory_order_relaxed));
  return max;
}

}  // namespace spirapi
