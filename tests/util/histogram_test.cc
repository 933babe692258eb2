#include "util/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <thread>
#include <vector>

namespace spirapi {
namespace {

// The exact value of rank ceil(p * n) in sorted values, the definition
// HistogramData::Percentile estimates.
uint64_t Oracle(const std::vector<uint64_t>& sorted, double p) {
  size_t rank = std::max<size_t>(1, static_cast<size_t>(std::ceil(p * sorted.size())));
  return sorted[rank - 1];
}

void ExpectWithinBucket(double estimate, uint64_t exact) {
  // Half a bucket: a bucket is at most 1/8 of its lower bound wide.
  EXPECT_LE(std::abs(estimate - static_cast<double>(exact)), exact / 16.0 + 0.5)
      << "estimate " << estimate << " exact " << exact;
}

TEST(HistogramTest, BucketsCoverEveryValueInOrder) {
  for (int i = 0; i + 1 < HistogramData::kNumBuckets; ++i) {
    EXPECT_LT(HistogramData::BucketLow(i), HistogramData::BucketHigh(i));
    EXPECT_EQ(HistogramData::BucketOf(HistogramData::BucketLow(i)), i);
    EXPECT_EQ(HistogramData::BucketOf(HistogramData::BucketHigh(i) - 1), i);
  }
  EXPECT_EQ(HistogramData::BucketOf(0), 0);
  EXPECT_EQ(HistogramData::BucketOf(UINT64_MAX), HistogramData::kNumBuckets - 1);
}

TEST(HistogramTest, PercentilesMatchSortedOracle) {
  std::mt19937_64 rng(7);
  // Latency-like: log-normal around 2 µs, with a tail.
  std::lognormal_distribution<double> dist(std::log(2000.0), 1.2);
  Histogram h;
  std::vector<uint64_t> values;
  for (int i = 0; i < 100000; ++i) {
    const uint64_t v = static_cast<uint64_t>(dist(rng));
    values.push_back(v);
    h.Record(v);
  }
  std::sort(values.begin(), values.end());
  for (double p : {0.0, 0.01, 0.5, 0.9, 0.99, 0.999, 1.0}) {
    ExpectWithinBucket(h.Percentile(p), Oracle(values, p));
  }
  EXPECT_EQ(h.Count(), values.size());
  EXPECT_EQ(h.Max(), values.back());
  uint64_t sum = 0;
  for (uint64_t v : values) sum += v;
  EXPECT_EQ(h.Sum(), sum);
}

TEST(HistogramTest, SmallValuesAreExact) {
  Histogram h;
  for (uint64_t v : {1, 2, 3, 4, 5, 6, 7}) h.Record(v);
  EXPECT_EQ(h.Percentile(0.5), 4);
  EXPECT_EQ(h.Percentile(1.0), 7);
  EXPECT_EQ(h.Percentile(0.0), 1);
}

TEST(HistogramTest, EmptyIsZero) {
  Histogram h;
  EXPECT_EQ(h.Count(), 0u);
  EXPECT_EQ(h.Percentile(0.99), 0.0);
  EXPECT_EQ(h.Snapshot().Mean(), 0.0);
}

TEST(HistogramTest, HugeValuesLandInTheLastBucketWithTheirMax) {
  Histogram h;
  h.Record(uint64_t{1} << 60);
  EXPECT_EQ(h.Max(), uint64_t{1} << 60);
  EXPECT_EQ(h.Percentile(0.5), static_cast<double>(uint64_t{1} << 60));
}

TEST(HistogramTest, MergeEqualsRecordingEverythingInOne) {
  std::mt19937_64 rng(3);
  Histogram a, b, all;
  HistogramData da, db;
  for (int i = 0; i < 20000; ++i) {
    const uint64_t v = rng() % 1000000;
    (i % 3 == 0 ? a : b).Record(v);
    (i % 3 == 0 ? da : db).Add(v);
    all.Record(v);
  }
  a.Merge(b);
  const HistogramData merged = a.Snapshot(), expected = all.Snapshot();
  EXPECT_EQ(merged.buckets, expected.buckets);
  EXPECT_EQ(merged.count, expected.count);
  EXPECT_EQ(merged.sum, expected.sum);
  EXPECT_EQ(merged.max, expected.max);
  da.Merge(db);
  EXPECT_EQ(da.buckets, expected.buckets);
  EXPECT_EQ(da.Percentile(0.99), expected.Percentile(0.99));
}

TEST(HistogramTest, ConcurrentRecordsAreAllCounted) {
  Histogram h;
  constexpr int kThreads = 4, kPerThread = 50000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&h, t] {
      for (int i = 0; i < kPerThread; ++i) h.Record(static_cast<uint64_t>(t * 1000 + i % 1000));
    });
  }
  // Reading while others record is allowed: it sees a prefix of each stripe.
  for (int i = 0; i < 10; ++i) EXPECT_LE(h.Count(), uint64_t{kThreads} * kPerThread);
  for (auto& th : threads) th.join();
  EXPECT_EQ(h.Count(), uint64_t{kThreads} * kPerThread);
  EXPECT_EQ(h.Max(), uint64_t{(kThreads - 1) * 1000 + 999});
}

}  // namespace
}  // namespace spirapi
