// Health checks (DB::CheckHealth, `spirapi health`): disk space and days
// until full, integrity (the last DB::Verify, a sampled verify on demand,
// damage found at open), background work falling behind (journal backlog,
// compaction debt, journal tails, a stopped flush), the block cache's hit
// rate, error and retry rates, slow queries and backups. Each finding has a
// severity and, when something should be done, a concrete recommendation
// with figures. docs/HEALTH.md lists every check and its thresholds.

#ifndef SPIRAPI_HEALTH_H_
#define SPIRAPI_HEALTH_H_

#include <cstdint>
#include <string>
#include <vector>

#include "spirapi/export.h"
#include "spirapi/status.h"

namespace spirapi {

// Ordered: the worse, the greater.
enum class HealthSeverity : int { kOk = 0, kWarning = 1, kCritical = 2 };

// "ok", "warning", "critical".
SPIRAPI_EXPORT const char* HealthSeverityName(HealthSeverity severity);

struct HealthFinding {
  std::string check;  // a stable name, e.g. "disk_space" (docs/HEALTH.md)
  HealthSeverity severity = HealthSeverity::kOk;
  std::string message;         // one line with the figures
  std::string recommendation;  // what to do; empty when nothing need be done
};

struct SPIRAPI_EXPORT HealthReport {
  int64_t time_us = 0;  // when the checks ran, µs since the Unix epoch
  std::vector<HealthFinding> findings;

  // The worst severity of the findings (kOk for none).
  HealthSeverity overall() const;
  // {"overall": "ok", "time_us": N, "findings": [{"check", "severity",
  // "message", "recommendation"}, ...]}
  std::string ToJson() const;
  // A summary line, then one line per finding, worst first, each followed by
  // its recommendation on a line of its own.
  std::string ToText() const;
};

// When a finding becomes a warning or critical. The defaults are what
// docs/HEALTH.md documents; Validate() refuses nonsense.
struct SPIRAPI_EXPORT HealthThresholds {
  // Disk: the share of the filesystem holding the database in use.
  double disk_used_warning = 0.85;
  double disk_used_critical = 0.95;
  // Disk: days until the filesystem is full at the recent growth rate.
  double days_until_full_warning = 30;
  double days_until_full_critical = 7;
  // Integrity: a last verify older than this many days.
  double verify_age_warning_days = 30;
  // Background work: sealed journals waiting to be flushed (writers wait at
  // 8 until the flushes catch up).
  uint64_t journal_backlog_warning = 4;
  uint64_t journal_backlog_critical = 8;
  // Background work: compaction debt (bytes compaction would free) as a
  // share of the segments' bytes, once it exceeds compaction_debt_min_bytes.
  double compaction_debt_warning = 0.5;
  double compaction_debt_critical = 0.8;
  uint64_t compaction_debt_min_bytes = 64ull << 20;
  // Block cache: a hit rate below this, over at least cache_min_lookups
  // lookups; or fallen by more than cache_hit_rate_drop (0..1, points/100)
  // since a day ago.
  double cache_hit_rate_warning = 0.6;
  double cache_hit_rate_drop = 0.15;
  uint64_t cache_min_lookups = 1000;
  // Operations of the last hour that failed, and that were retried (write
  // conflicts), as shares of at least rate_min_operations operations.
  double error_rate_warning = 0.01;
  double error_rate_critical = 0.1;
  double retry_rate_warning = 0.05;
  uint64_t rate_min_operations = 100;
  // Queries of the last day that ran at least slow_query_seconds: a warning
  // from slow_queries_warning of them.
  double slow_query_seconds = 0.1;  // query_log.h's kDefaultSlowQuerySeconds
  uint64_t slow_queries_warning = 10;
  // Backups: the newest successful one older than this many backup
  // intervals (the stored backup_interval_hours).
  double backup_age_warning = 1.5;
  double backup_age_critical = 3;

  // InvalidArgument naming the first bad field: shares outside [0, 1],
  // negative or non-finite numbers, a warning level worse than its critical
  // one.
  Status Validate() const;
};

struct HealthOptions {
  // Read this many records, chosen at random across the components, from
  // disk (not the block cache) and check their SHA-256: a quick sample of
  // what a full DB::Verify would find. 0: no sample.
  uint64_t sample_records = 0;
  HealthThresholds thresholds;
};

}  // namespace spirapi

#endif  // SPIRAPI_HEALTH_H_
