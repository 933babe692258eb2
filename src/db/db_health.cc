// DB::CheckHealth: gathers HealthInputs from this instance, its files, the
// filesystem and METADATA, and leaves the judgement to EvaluateHealth
// (src/health/evaluate_health.h). Also the record of the last Verify.

#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>
#include <unordered_set>

#include "codec/record_codec.h"
#include "db/db_impl.h"
#include "health/evaluate_health.h"
#include "spirapi/metrics.h"
#include "spirapi/query_log.h"

namespace spirapi {
namespace {

constexpr char kLastVerifyId[] = "~verify/last";
constexpr int64_t kMicrosPerDay = 86400LL * 1000000;
// Ids walked per hold of a component's index lock while sampling, so that
// writers never wait long behind a sample of a large component.
constexpr int kSampleWalkChunk = 4096;

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// n distinct numbers in [0, total), sorted (Floyd's algorithm: n draws).
std::vector<uint64_t> DistinctRanks(uint64_t n, uint64_t total, std::mt19937_64* rng) {
  std::vector<uint64_t> out;
  if (n >= total) {
    out.resize(total);
    for (uint64_t i = 0; i < total; ++i) out[i] = i;
    return out;
  }
  std::unordered_set<uint64_t> chosen;
  chosen.reserve(n);
  for (uint64_t j = total - n; j < total; ++j) {
    const uint64_t t = std::uniform_int_distribution<uint64_t>(0, j)(*rng);
    chosen.insert(chosen.count(t) ? j : t);
  }
  out.assign(chosen.begin(), chosen.end());
  std::sort(out.begin(), out.end());
  return out;
}

void GatherSlowQueries(DB* db, const HealthThresholds& t, HealthInputs* in) {
  const int64_t since = in->now_us - kMicrosPerDay;
  QueryLogFilter filter;
  filter.newest_first = true;
  Status s = ReadQueryLog(db, filter, [&](const QueryLogEntry& e) {
    if (e.time_us < since) return false;
    ++in->queries_last_day;
    if (e.seconds < t.slow_query_seconds) return true;
    ++in->slow_queries_last_day;
    in->slowest.push_back(e);
    std::sort(in->slowest.begin(), in->slowest.end(),
              [](const QueryLogEntry& a, const QueryLogEntry& b) { return a.seconds > b.seconds; });
    if (in->slowest.size() > kSlowestQueriesKept) in->slowest.pop_back();
    return true;
  });
  if (!s.ok()) in->query_log_error = s.ToString();
}

}  // namespace

void DBImpl::RecordVerify(const VerifyReport& report, double seconds) {
  const std::string json = VerifyOutcomeToJson(MakeVerifyOutcome(report, NowMicros(), seconds));
  {
    std::lock_guard<std::mutex> l(verify_mu_);
    last_verify_json_ = json;
  }
  if (options_.read_only) return;
  // Best effort, as a backup's record: a database that takes no writes
  // (a full disk) was verified all the same, and this instance says so.
  Put(WriteOptions(), Component::kMetadata, kLastVerifyId, json, "{}");
}

void DBImpl::SampleRecords(uint64_t n, HealthInputs* in) {
  in->sample_requested = n;
  auto pin = PinIndex();
  const uint64_t snapshot = AcquireSnapshot();
  uint64_t sizes[kNumComponents];
  uint64_t total = 0;
  for (Component c : kAllComponents) {
    std::shared_lock<std::shared_mutex> l(index(c).mu);
    sizes[static_cast<int>(c)] = index(c).ordered().size();
    total += sizes[static_cast<int>(c)];
  }
  std::mt19937_64 rng(std::random_device{}());
  const std::vector<uint64_t> ranks = DistinctRanks(n, total, &rng);
  struct Pick {
    Component component;
    std::string id;
    VersionRef ref;
    std::shared_ptr<DataFile> file;
  };
  std::vector<Pick> picks;
  size_t next = 0;  // in ranks
  uint64_t base = 0;
  for (Component c : kAllComponents) {
    const uint64_t end = base + sizes[static_cast<int>(c)];
    ComponentIndex& idx = index(c);
    uint64_t pos = base;
    std::string resume;
    bool started = false;
    while (next < ranks.size() && ranks[next] < end) {
      std::shared_lock<std::shared_mutex> l(idx.mu);
      const ComponentIndex::OrderedView view = idx.ordered();
      auto it = started ? view.upper_bound(resume) : view.begin();
      std::string_view last;
      for (int steps = 0;
           it != view.end() && steps < kSampleWalkChunk && next < ranks.size() && ranks[next] < end;
           ++it, ++steps, ++pos) {
        const auto [id, chain] = *it;
        last = id;
        if (pos != ranks[next]) continue;
        ++next;
        const VersionRef* v = ComponentIndex::Visible(chain, snapshot);
        if (v == nullptr || v->tombstone()) continue;
        picks.push_back({c, std::string(id), *v, FindFile(v->loc.file_number)});
      }
      if (it == view.end()) break;  // the component shrank meanwhile
      resume.assign(last);
      started = true;
    }
    while (next < ranks.size() && ranks[next] < end) ++next;
    base = end;
  }
  // Read from disk, past the block cache (whose copy may be older than the
  // damage) and without filling it; every record is hashed, whatever an
  // earlier read found.
  BlockMemo memo;
  for (const Pick& p : picks) {
    RecordBytes bytes;
    bytes.cache_missed = true;
    Status s = ReadBytes(p.component, p.id, p.ref, p.file, &bytes, &memo);
    std::string damage;
    if (s.IsCorruption()) {
      damage = s.message();
    } else if (!s.ok()) {
      in->sample_error = s.ToString();
      break;
    } else {
      const std::string where = std::string(ComponentName(p.component)) + " '" + p.id + "'";
      RecordView r;
      if (!DecodeRecord(bytes.bytes, &r).ok()) {
        damage = where + " does not decode";
      } else if (r.id != p.id || r.component != p.component || r.seq != p.ref.seq) {
        damage = where + ": the stored record is a different one";
      } else {
        checksums_verified_.fetch_add(1, std::memory_order_relaxed);
        if (!ChecksumMatches(r)) damage = where + ": SHA-256 checksum mismatch";
      }
    }
    ++in->sample_checked;
    if (damage.empty()) continue;
    if (in->sample_damaged++ == 0) in->sample_first_damage = damage;
  }
  ReleaseSnapshotSeq(snapshot);
}

namespace {

// What the metrics history (metrics.h) tells: the database's size over the
// last week, operations and errors over the last hour, and the block cache's
// hit rate now and a day ago. A writer stores it; a read-only instance (the
// CLI's) reads the writer's, since its own counters have seen almost nothing.
void GatherHistory(DB* db, HealthInputs* in) {
  constexpr int64_t kHourUs = int64_t{3600} * 1000000;
  MetricsHistoryQuery query;
  query.from_us = in->now_us - 7 * 24 * kHourUs;
  std::vector<MetricsSample> samples;
  if (!ReadMetricsHistory(db, query, &samples).ok()) return;
  OperationCounts hour;
  bool any_in_hour = false;
  uint64_t hour_hits = 0, hour_misses = 0, day_hits = 0, day_misses = 0;
  for (const MetricsSample& s : samples) {
    in->disk_samples.push_back({s.end_us, s.total_disk_bytes});
    if (s.end_us > in->now_us - kHourUs) {
      any_in_hour = true;
      for (const OpMetrics& op : s.ops) {
        hour.operations += op.count;
        hour.errors += op.errors;
      }
      hour_hits += s.block_cache_hits;
      hour_misses += s.block_cache_misses;
    }
    if (s.end_us > in->now_us - 25 * kHourUs && s.end_us <= in->now_us - 23 * kHourUs) {
      day_hits += s.block_cache_hits;
      day_misses += s.block_cache_misses;
    }
  }
  if (any_in_hour) in->last_hour = hour;
  if (day_hits + day_misses > 0) {
    in->cache_hit_rate_day_ago = static_cast<double>(day_hits) / (day_hits + day_misses);
  }
  if (hour_hits + hour_misses > in->cache_hits + in->cache_misses) {
    in->cache_hits = hour_hits;
    in->cache_misses = hour_misses;
  }
}

}  // namespace

void DBImpl::GatherHealth(const HealthOptions& options, HealthInputs* in) {
  in->now_us = NowMicros();
  DbStats stats;
  GetStats(&stats);  // always OK
  in->sealed_journals = stats.journal_files > 0 ? stats.journal_files - 1 : 0;
  in->journal_bytes = stats.journal_bytes;
  for (const ComponentStats& c : stats.components) {
    in->segment_bytes += c.segment_bytes;
    in->garbage_bytes += c.garbage_bytes;
  }
  in->journal_tails = stats.journal_tails;
  in->cache_hits = stats.block_cache_hits;
  in->cache_misses = stats.block_cache_misses;
  in->cache_capacity_bytes = options_.block_cache_bytes;
  in->backup_repository_set = !options_.backup_repository.empty();
  in->backup_interval_hours = stats.backup_interval_hours;
  in->last_backup_id = stats.last_backup_id;
  in->last_backup_us = stats.last_backup_us;
  in->last_backup_error = stats.last_backup_error;
  in->backups_failed = stats.backups_failed;
  in->archive_error = stats.archive_error;

  struct statvfs fs;
  if (statvfs(path_.c_str(), &fs) == 0) {
    in->disk_free_bytes = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
    in->disk_total_bytes = static_cast<uint64_t>(fs.f_blocks) * fs.f_frsize;
  } else {
    in->disk_error = std::string("statvfs: ") + std::strerror(errno);
  }
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && page_size > 0) {
    in->ram_bytes = static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size);
  }

  {
    std::lock_guard<std::mutex> l(mu_);
    if (!write_error_.ok()) in->write_error = write_error_.ToString();
    if (!bg_error_.ok()) in->flush_error = bg_error_.ToString();
    in->damage_at_open = recovery_damage_.size();
    if (!recovery_damage_.empty()) {
      VerifyReport first;
      first.damage.push_back(recovery_damage_[0]);
      in->first_damage_at_open = MakeVerifyOutcome(first, 0, 0).first_damage;
    }
  }

  // The last verify: this instance's, or the record's if that is newer (a
  // writer's, seen by this read-only instance).
  VerifyOutcome outcome;
  std::string json;
  {
    std::lock_guard<std::mutex> l(verify_mu_);
    json = last_verify_json_;
  }
  if (!json.empty() && ParseVerifyOutcome(json, &outcome)) in->last_verify = outcome;
  StorageRecord record;
  bool found;
  {
    auto pin = PinIndex();
    found = GetAt(SnapshotOf(ReadOptions()), Component::kMetadata, kLastVerifyId, &record).ok();
  }
  if (found && ParseVerifyOutcome(record.data, &outcome) &&
      (!in->last_verify || outcome.time_us > in->last_verify->time_us)) {
    in->last_verify = outcome;
  }

  GatherHistory(this, in);
  if (options.sample_records > 0) SampleRecords(options.sample_records, in);
  GatherSlowQueries(this, options.thresholds, in);
}

Status DBImpl::CheckHealth(const HealthOptions& options, HealthReport* report) {
  *report = HealthReport();
  Status s = options.thresholds.Validate();
  if (!s.ok()) return s;
  HealthInputs in;
  GatherHealth(options, &in);
  return EvaluateHealth(in, options.thresholds, report);
}

}  // namespace spirapi
