// MetricsRecorder: the per-operation counters and latency histograms of one
// DBImpl (include/spirapi/metrics.h). Recording is lock-free: each
// operation adds to the stripe of its thread (util/histogram.h).

#ifndef SPIRAPI_DB_METRICS_RECORDER_H_
#define SPIRAPI_DB_METRICS_RECORDER_H_

#include <array>
#include <atomic>
#include <cstdint>

#include "spirapi/metrics.h"
#include "spirapi/status.h"
#include "util/cycle_clock.h"
#include "util/histogram.h"

namespace spirapi {

// Sets out's count, percentiles, max, mean and sum from a latency histogram
// in nanoseconds.
void FillLatency(const HistogramData& latency, OpMetrics* out);

class MetricsRecorder {
 public:
  explicit MetricsRecorder(bool enabled) : enabled_(enabled) {
    if (enabled) CycleClock::Calibrate();
  }

  bool enabled() const { return enabled_; }

  void Record(MetricOp op, uint64_t nanos, const Status& s, uint64_t bytes_read,
              uint64_t bytes_written) {
    const int stripe = Histogram::Stripe();
    Kind& k = kinds_[static_cast<int>(op)];
    k.latency.Record(nanos, stripe);
    Counters& c = k.counters[stripe];
    if (bytes_read != 0) c.bytes_read.fetch_add(bytes_read, std::memory_order_relaxed);
    if (bytes_written != 0) c.bytes_written.fetch_add(bytes_written, std::memory_order_relaxed);
    if (!s.ok()) {
      (s.IsNotFound() ? c.not_found : c.errors).fetch_add(1, std::memory_order_relaxed);
    }
  }

  // The totals since open of one kind (the OpMetrics counters, sums and
  // percentiles; ops_per_second is the caller's), and its histogram.
  void Read(MetricOp op, OpMetrics* out, HistogramData* latency) const;

  // Operations of this thread are not recorded while one is alive: the
  // metrics history's own reads and writes are not the application's.
  class Pause {
   public:
    Pause() { ++paused_; }
    ~Pause() { --paused_; }
    Pause(const Pause&) = delete;
    Pause& operator=(const Pause&) = delete;
  };
  static bool paused() { return paused_ != 0; }

 private:
  struct alignas(64) Counters {
    std::atomic<uint64_t> errors{0};
    std::atomic<uint64_t> not_found{0};
    std::atomic<uint64_t> bytes_read{0};
    std::atomic<uint64_t> bytes_written{0};
  };
  struct Kind {
    Histogram latency;
    std::array<Counters, Histogram::kStripes> counters;
  };

  static thread_local int paused_;
  const bool enabled_;
  std::array<Kind, kNumMetricOps> kinds_;
};

// Times one operation from construction to Done, which records it (when the
// recorder is enabled and this thread is not paused) and passes its status
// through: `return timer.Done(s, read, written);`.
class OpTimer {
 public:
  OpTimer(MetricsRecorder* recorder, MetricOp op)
      : recorder_(recorder->enabled() && !MetricsRecorder::paused() ? recorder : nullptr),
        op_(op) {
    if (recorder_ != nullptr) start_ = CycleClock::Now();
  }

  Status Done(Status s, uint64_t bytes_read = 0, uint64_t bytes_written = 0) {
    if (recorder_ != nullptr) {
      const uint64_t end = CycleClock::Now();
      // A thread moved to another core may read a counter a little behind.
      const uint64_t nanos = end > start_ ? CycleClock::ToNanos(end - start_) : 0;
      recorder_->Record(op_, nanos, s, bytes_read, bytes_written);
    }
    return s;
  }
  bool active() const { return recorder_ != nullptr; }

 private:
  MetricsRecorder* const recorder_;
  const MetricOp op_;
  uint64_t start_ = 0;
};

}  // namespace spirapi

#endif  // SPIRAPI_DB_METRICS_RECORDER_H_
