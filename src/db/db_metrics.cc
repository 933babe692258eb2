// DBImpl's metrics: GetMetrics, and the history thread that stores a sample
// every Options::metrics_interval_seconds (include/spirapi/metrics.h).

#include <dirent.h>

#include <algorithm>
#include <chrono>

#include "db/db_impl.h"
#include "db/metrics_history.h"
#include "index/index_catalog.h"
#include "storage/filenames.h"

namespace spirapi {
namespace {

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The block cache's bytes in use, once it tells them (usage_bytes()).
template <typename Cache>
uint64_t CacheUsage(const Cache& cache) {
  if constexpr (requires { cache.usage_bytes(); }) {
    return cache.usage_bytes();
  } else {
    return 0;
  }
}

// The process's open file descriptors, where /proc tells them.
uint64_t ProcessOpenFiles() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  uint64_t n = 0;
  while (const dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(dir);
  return n > 0 ? n - 1 : 0;  // less the directory being read
}

// The interval's share of a running total.
uint64_t Delta(uint64_t now, uint64_t before) { return now >= before ? now - before : now; }

}  // namespace

Status DBImpl::GetMetrics(Metrics* m) {
  *m = Metrics();
  m->time_us = NowMicros();
  m->uptime_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - opened_).count();
  m->recording = metrics_.enabled();
  for (int i = 0; i < kNumMetricOps; ++i) {
    HistogramData latency;
    metrics_.Read(static_cast<MetricOp>(i), &m->ops[i], &latency);
    m->ops[i].ops_per_second =
        m->uptime_seconds > 0 ? static_cast<double>(m->ops[i].count) / m->uptime_seconds : 0;
  }
  DbStats stats;
  Status s = GetStats(&stats);
  if (!s.ok()) return s;
  m->block_cache_hits = stats.block_cache_hits;
  m->block_cache_misses = stats.block_cache_misses;
  m->block_cache_capacity_bytes = options_.block_cache_bytes;
  m->block_cache_memory_bytes = CacheUsage(cache_);
  m->index_memory_bytes = stats.index_memory_bytes;
  m->total_disk_bytes = stats.total_disk_bytes;
  for (Component c : kAllComponents) {
    const ComponentStats& cs = stats.components[static_cast<int>(c)];
    m->records[static_cast<int>(c)] = cs.live_records;
    m->queue.compaction_debt_bytes += cs.garbage_bytes;
  }
  m->queue.journal_bytes_to_flush = stats.journal_bytes;
  uint64_t floor = 0;
  {
    std::lock_guard<std::mutex> l(mu_);
    m->queue.journals_to_flush = sealed_journals_.size();
    floor = manifest_.journal_floor;
  }
  if (options_.archive_journals) {
    // Flushed journals (below the floor) stay on disk until archived.
    std::vector<std::string> names;
    if (fs_->GetChildren(Path(kJournalDir), &names).ok()) {
      for (const std::string& n : names) {
        uint64_t number;
        if (ParseNumberedName(n, "log", &number) && number < floor) ++m->queue.journals_to_archive;
      }
    }
  }
  for (const auto& def : IndexCatalog()->defs) {
    if (!def->ready) ++m->queue.index_builds;
  }
  m->open_files_process = ProcessOpenFiles();
  {
    std::shared_lock<std::shared_mutex> l(files_mu_);
    m->open_files_database = files_.size();
  }
  return Status::OK();
}

Status DBImpl::WriteMetricsSample() {
  if (options_.read_only) return ReadOnlyError();
  MetricsRecorder::Pause pause;  // the sample's own writes are not counted
  std::lock_guard<std::mutex> l(metrics_mu_);
  const int64_t now = NowMicros();
  MetricsSample sample;
  sample.resolution = MetricsResolution::kMinute;
  sample.start_us = last_sample_us_;
  sample.end_us = std::max(now, last_sample_us_ + 1);
  OpMetrics totals[kNumMetricOps];
  HistogramData latency[kNumMetricOps];
  for (int i = 0; i < kNumMetricOps; ++i) {
    metrics_.Read(static_cast<MetricOp>(i), &totals[i], &latency[i]);
    OpMetrics& o = sample.ops[i];
    const OpMetrics& before = last_ops_[i];
    o.errors = Delta(totals[i].errors, before.errors);
    o.not_found = Delta(totals[i].not_found, before.not_found);
    o.bytes_read = Delta(totals[i].bytes_read, before.bytes_read);
    o.bytes_written = Delta(totals[i].bytes_written, before.bytes_written);
    HistogramData interval = latency[i];
    const HistogramData& prev = last_latency_[i];
    for (int b = 0; b < HistogramData::kNumBuckets; ++b) {
      interval.buckets[b] = Delta(interval.buckets[b], prev.buckets[b]);
      if (interval.buckets[b] != 0) sample.latency[i].buckets.emplace_back(b, interval.buckets[b]);
    }
    sample.latency[i].sum_ns = Delta(interval.sum, prev.sum);
    // The maximum since open is all there is: an interval's own is not
    // kept. It is the interval's when it grew in it, else its largest bucket's.
    if (interval.max > prev.max) {
      sample.latency[i].max_ns = interval.max;
    } else if (!sample.latency[i].buckets.empty()) {
      sample.latency[i].max_ns = std::min(
          interval.max, HistogramData::BucketHigh(sample.latency[i].buckets.back().first) - 1);
    }
  }
  DbStats stats;
  Status s = GetStats(&stats);
  if (!s.ok()) return s;
  sample.block_cache_hits = Delta(stats.block_cache_hits, last_cache_hits_);
  sample.block_cache_misses = Delta(stats.block_cache_misses, last_cache_misses_);
  sample.total_disk_bytes = stats.total_disk_bytes;
  for (Component c : kAllComponents) {
    sample.records[static_cast<int>(c)] = stats.components[static_cast<int>(c)].live_records;
  }
  FinishMetricsSample(&sample);
  s = StoreMetricsSample(this, sample);
  if (!s.ok()) return s;  // the next sample covers this interval too
  last_sample_us_ = sample.end_us;
  std::copy(std::begin(totals), std::end(totals), std::begin(last_ops_));
  for (int i = 0; i < kNumMetricOps; ++i) last_latency_[i] = std::move(latency[i]);
  last_cache_hits_ = stats.block_cache_hits;
  last_cache_misses_ = stats.block_cache_misses;
  return DownsampleMetricsHistory(this, now);
}

void DBImpl::StartMetricsHistory() {
  {
    std::lock_guard<std::mutex> l(metrics_mu_);
    last_sample_us_ = NowMicros();
  }
  if (options_.read_only || options_.metrics_interval_seconds <= 0) return;
  metrics_thread_ = std::thread([this] { MetricsHistoryLoop(); });
}

void DBImpl::MetricsHistoryLoop() {
  const auto interval = std::chrono::seconds(options_.metrics_interval_seconds);
  std::unique_lock<std::mutex> l(metrics_mu_);
  while (!metrics_cv_.wait_for(l, interval, [this] { return stop_metrics_; })) {
    l.unlock();
    // A failure (a full disk, a read-only database) is retried next time.
    WriteMetricsSample();
    l.lock();
  }
}

void DBImpl::StopMetricsHistory() {
  if (!metrics_thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> l(metrics_mu_);
    stop_metrics_ = true;
    metrics_cv_.notify_all();
  }
  metrics_thread_.join();
  // A last sample of the time since the previous one, unless the instance
  // lived under a second, too briefly to be worth a record (most CLI
  // commands: a script running thousands would double their commits).
  if (std::chrono::steady_clock::now() - opened_ >= std::chrono::seconds(1)) WriteMetricsSample();
}

}  // namespace spirapi
