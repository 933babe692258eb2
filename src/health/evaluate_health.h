// The health checks' judgement, apart from their gathering: EvaluateHealth
// turns figures (HealthInputs, gathered by DBImpl::CheckHealth in
// src/db/db_health.cc) into findings, so that every finding and threshold
// can be tested with made-up figures.

#ifndef SPIRAPI_HEALTH_EVALUATE_HEALTH_H_
#define SPIRAPI_HEALTH_EVALUATE_HEALTH_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "spirapi/db.h"
#include "spirapi/health.h"
#include "spirapi/query_log.h"

namespace spirapi {

// The outcome of a completed DB::Verify, as the METADATA record
// `~verify/last` keeps it (see VerifyOutcomeToJson).
struct VerifyOutcome {
  int64_t time_us = 0;  // when it finished
  uint64_t files_checked = 0;
  uint64_t records_checked = 0;
  uint64_t damage = 0;       // damaged places found
  std::string first_damage;  // the first of them, described; empty if none
  uint64_t journal_tails = 0;
  double seconds = 0;  // how long it took
};

std::string VerifyOutcomeToJson(const VerifyOutcome& v);
// False if `json` is not such an object.
bool ParseVerifyOutcome(std::string_view json, VerifyOutcome* v);
VerifyOutcome MakeVerifyOutcome(const VerifyReport& report, int64_t time_us, double seconds);

// The database's total bytes at one moment (metrics history).
struct DiskSample {
  int64_t time_us = 0;
  uint64_t bytes = 0;
};

// Operations over the last hour (metrics history).
struct OperationCounts {
  uint64_t operations = 0;
  uint64_t errors = 0;   // operations that returned an error
  // Operations redone after a write conflict; none: not recorded (the metrics
  // history counts a conflict returned to the caller as an error only).
  std::optional<uint64_t> retries;
};

struct HealthInputs {
  int64_t now_us = 0;

  // Disk: the filesystem holding the database (statvfs); unknown if
  // disk_error says why.
  uint64_t disk_free_bytes = 0;  // available to this process
  uint64_t disk_total_bytes = 0;
  std::string disk_error;
  // The database's bytes over time, oldest first (the metrics history).
  std::vector<DiskSample> disk_samples;

  // Integrity.
  std::optional<VerifyOutcome> last_verify;  // none: never verified
  uint64_t damage_at_open = 0;               // found while opening
  std::string first_damage_at_open;
  uint64_t sample_requested = 0;  // HealthOptions::sample_records
  uint64_t sample_checked = 0;
  uint64_t sample_damaged = 0;
  std::string sample_first_damage;
  std::string sample_error;  // an I/O error that stopped the sample

  // Background work.
  uint64_t sealed_journals = 0;  // waiting to be flushed
  uint64_t journal_bytes = 0;
  uint64_t segment_bytes = 0;
  uint64_t garbage_bytes = 0;  // estimated bytes compaction would free
  std::string flush_error;     // the background flush stopped on this
  std::string write_error;     // every write fails with this until reopened
  std::vector<JournalTail> journal_tails;

  // Block cache.
  uint64_t cache_hits = 0;
  uint64_t cache_misses = 0;
  uint64_t cache_capacity_bytes = 0;             // Options::block_cache_bytes
  uint64_t ram_bytes = 0;                        // physical memory; 0: unknown
  std::optional<double> cache_hit_rate_day_ago;  // metrics history

  // Error and retry rates over the last hour (metrics history).
  std::optional<OperationCounts> last_hour;

  // Slow queries: the query history's entries of the last day.
  uint64_t queries_last_day = 0;
  uint64_t slow_queries_last_day = 0;
  std::vector<QueryLogEntry> slowest;  // slowest first, a few
  std::string query_log_error;

  // Backups.
  bool backup_repository_set = false;
  int backup_interval_hours = 24;
  std::string last_backup_id;  // of the newest success; empty: none
  int64_t last_backup_us = 0;
  std::string last_backup_error;  // of the last attempt, if it failed
  uint64_t backups_failed = 0;
  std::string archive_error;
};

// The slowest entries HealthInputs keeps.
inline constexpr size_t kSlowestQueriesKept = 3;

// Replaces report->findings with one finding per check, in a fixed order.
// Errors: InvalidArgument from thresholds.Validate().
Status EvaluateHealth(const HealthInputs& in, const HealthThresholds& thresholds,
                      HealthReport* report);

}  // namespace spirapi

#endif  // SPIRAPI_HEALTH_EVALUATE_HEALTH_H_
