// EvaluateHealth: one finding per check, from the figures alone.

#include "health/evaluate_health.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "util/human_units.h"

namespace spirapi {
namespace {

constexpr double kMicrosPerDay = 86400.0 * 1e6;
constexpr double kMicrosPerHour = 3600.0 * 1e6;

std::string Fixed(double v, int digits) {
  char text[48];
  std::snprintf(text, sizeof(text), "%.*f", digits, v);
  return text;
}

// 0.412 -> "41%"; shares just under a threshold must not print as it, so
// whole percents are truncated, not rounded.
std::string Percent(double share) { return Fixed(std::floor(share * 100 + 1e-9), 0) + "%"; }

std::string Days(double days) {
  return Fixed(days, 1) + (days >= 0.95 && days < 1.05 ? " day" : " days");
}

std::string Age(int64_t now_us, int64_t then_us) {
  const double us = static_cast<double>(now_us - then_us);
  if (us < kMicrosPerDay) return Fixed(std::max(0.0, us / kMicrosPerHour), 1) + " hours ago";
  return Days(us / kMicrosPerDay) + " ago";
}

// The smallest power of two >= n (n >= 1).
uint64_t NextPowerOfTwo(uint64_t n) {
  uint64_t p = 1;
  while (p < n && p < (1ull << 62)) p <<= 1;
  return p;
}

// The largest power of two <= n (n >= 1).
uint64_t PowerOfTwoAtMost(uint64_t n) {
  uint64_t p = 1;
  while (p <= n / 2) p <<= 1;
  return p;
}

HealthSeverity Level(double value, double warning, double critical) {
  if (value >= critical) return HealthSeverity::kCritical;
  if (value >= warning) return HealthSeverity::kWarning;
  return HealthSeverity::kOk;
}

class Findings {
 public:
  explicit Findings(std::vector<HealthFinding>* out) : out_(out) {}
  void Add(const char* check, HealthSeverity severity, std::string message,
           std::string recommendation = "") {
    out_->push_back({check, severity, std::move(message), std::move(recommendation)});
  }

 private:
  std::vector<HealthFinding>* out_;
};

void CheckDisk(const HealthInputs& in, const HealthThresholds& t, Findings* f) {
  if (!in.disk_error.empty() || in.disk_total_bytes == 0) {
    f->Add("disk_space", HealthSeverity::kWarning,
           "free disk space unknown: " + (in.disk_error.empty() ? "no size" : in.disk_error),
           "check that the database directory is on a mounted, readable filesystem");
    return;
  }
  const uint64_t free = std::min(in.disk_free_bytes, in.disk_total_bytes);
  const double used = 1.0 - static_cast<double>(free) / static_cast<double>(in.disk_total_bytes);
  const HealthSeverity sev = Level(used, t.disk_used_warning, t.disk_used_critical);
  std::string rec;
  if (sev != HealthSeverity::kOk) {
    rec = "free space on the filesystem or move the database to a larger one";
    if (in.garbage_bytes > 0) {
      rec += "; spirapi compact would free about " + FormatBytes(in.garbage_bytes);
    }
  }
  f->Add("disk_space", sev,
         "disk " + Percent(used) + " full: " + FormatBytes(free) + " free of " +
             FormatBytes(in.disk_total_bytes),
         rec);
}

void CheckGrowth(const HealthInputs& in, const HealthThresholds& t, Findings* f) {
  const std::vector<DiskSample>& s = in.disk_samples;
  // Days since the first sample: small numbers keep the fit exact enough.
  auto day = [&](const DiskSample& d) {
    return static_cast<double>(d.time_us - s.front().time_us) / kMicrosPerDay;
  };
  double t_mean = 0, b_mean = 0;
  for (const DiskSample& d : s) {
    t_mean += day(d);
    b_mean += static_cast<double>(d.bytes);
  }
  double sxy = 0, sxx = 0;
  if (s.size() >= 2) {
    t_mean /= static_cast<double>(s.size());
    b_mean /= static_cast<double>(s.size());
    for (const DiskSample& d : s) {
      const double dt = day(d) - t_mean;
      sxy += dt * (static_cast<double>(d.bytes) - b_mean);
      sxx += dt * dt;
    }
  }
  if (s.size() < 2 || !(sxx > 0)) {
    f->Add("disk_growth", HealthSeverity::kOk,
           "not enough history to tell the growth rate (" + std::to_string(s.size()) +
               " samples of the database's size)");
    return;
  }
  const double per_day = sxy / sxx;  // least squares slope, bytes a day
  const double span = static_cast<double>(s.back().time_us - s.front().time_us) / kMicrosPerDay;
  const std::string over =
      " (least squares over " + std::to_string(s.size()) + " samples in " + Days(span) + ")";
  if (!(per_day > 0)) {
    f->Add("disk_growth", HealthSeverity::kOk, "the database is not growing" + over);
    return;
  }
  const std::string rate = FormatBytes(static_cast<uint64_t>(per_day)) + "/day";
  if (!in.disk_error.empty() || in.disk_total_bytes == 0) {
    f->Add("disk_growth", HealthSeverity::kOk,
           "growing " + rate + over + "; free disk space unknown");
    return;
  }
  const double days = static_cast<double>(in.disk_free_bytes) / per_day;
  // Fewer days is worse: compare the negated figures.
  const HealthSeverity sev = Level(-days, -t.days_until_full_warning, -t.days_until_full_critical);
  f->Add("disk_growth", sev, Days(days) + " until the disk is full at " + rate + over,
         sev == HealthSeverity::kOk ? ""
                                    : "free space or move the database before it fills (" +
                                          FormatBytes(in.disk_free_bytes) + " free)");
}

void CheckIntegrity(const HealthInputs& in, const HealthThresholds& t, Findings* f) {
  if (!in.last_verify) {
    f->Add("last_verify", HealthSeverity::kOk, "never verified",
           "run spirapi verify --record DB (or DB::Verify) now and then: it reads every record");
  } else {
    const VerifyOutcome& v = *in.last_verify;
    const std::string when = "last verify " + Age(in.now_us, v.time_us);
    const std::string checked = std::to_string(v.files_checked) + " files, " +
                                std::to_string(v.records_checked) + " records";
    const double age_days = static_cast<double>(in.now_us - v.time_us) / kMicrosPerDay;
    if (v.damage > 0) {
      f->Add("last_verify", HealthSeverity::kCritical,
             when + " found " + std::to_string(v.damage) + " damaged places in " + checked +
                 "; first: " + v.first_damage,
             "run spirapi verify DB to list them, then spirapi repair DB to salvage the rest");
    } else if (age_days >= t.verify_age_warning_days) {
      f->Add("last_verify", HealthSeverity::kWarning,
             when + " (" + checked + ", no damage); older than " + Days(t.verify_age_warning_days),
             "run spirapi verify --record DB");
    } else {
      f->Add("last_verify", HealthSeverity::kOk, when + ": " + checked + ", no damage");
    }
  }
  if (in.damage_at_open > 0) {
    f->Add("damage_at_open", HealthSeverity::kCritical,
           "opening the database found " + std::to_string(in.damage_at_open) +
               " damaged places; first: " + in.first_damage_at_open,
           "run spirapi verify DB to list them, then spirapi repair DB");
  } else {
    f->Add("damage_at_open", HealthSeverity::kOk, "opening the database found no damage");
  }
  if (in.sample_requested == 0) {
    f->Add("sampled_verify", HealthSeverity::kOk,
           "no records sampled (spirapi health --sample N reads N at random)");
  } else if (!in.sample_error.empty()) {
    f->Add("sampled_verify", HealthSeverity::kCritical,
           "reading records at random failed after " + std::to_string(in.sample_checked) + ": " +
               in.sample_error,
           "check the disk (kernel log, SMART), then run spirapi verify DB");
  } else if (in.sample_damaged > 0) {
    f->Add("sampled_verify", HealthSeverity::kCritical,
           std::to_string(in.sample_damaged) + " of " + std::to_string(in.sample_checked) +
               " records read at random are damaged; first: " + in.sample_first_damage,
           "run spirapi verify DB to find all damage, then spirapi repair DB");
  } else {
    f->Add("sampled_verify", HealthSeverity::kOk,
           std::to_string(in.sample_checked) + " records read at random: no damage" +
               (in.sample_checked < in.sample_requested ? " (all the database holds)" : ""));
  }
}

void CheckBackground(const HealthInputs& in, const HealthThresholds& t, Findings* f) {
  if (!in.write_error.empty()) {
    f->Add("write_errors", HealthSeverity::kCritical, "writes fail: " + in.write_error,
           "fix the cause (a full disk, an I/O error), then reopen the database");
  } else if (!in.flush_error.empty()) {
    f->Add("write_errors", HealthSeverity::kCritical,
           "background flushes and compactions stopped: " + in.flush_error,
           "run spirapi verify DB; damage needs spirapi repair DB, a full disk more space");
  } else {
    f->Add("write_errors", HealthSeverity::kOk, "no write or background errors");
  }

  const HealthSeverity backlog =
      Level(static_cast<double>(in.sealed_journals), static_cast<double>(t.journal_backlog_warning),
            static_cast<double>(t.journal_backlog_critical));
  f->Add("journal_backlog", backlog,
         std::to_string(in.sealed_journals) + " sealed journals wait to be flushed (" +
             FormatBytes(in.journal_bytes) + " of journal in all)",
         backlog == HealthSeverity::kOk
             ? ""
             : "flushes fall behind the writes (writers wait at " +
                   std::to_string(t.journal_backlog_critical) +
                   "): check write_errors and the disk's speed; spirapi compact DB flushes now");

  const double share = in.segment_bytes == 0 ? 0.0
                                             : static_cast<double>(in.garbage_bytes) /
                                                   static_cast<double>(in.segment_bytes);
  const HealthSeverity debt =
      in.garbage_bytes < t.compaction_debt_min_bytes
          ? HealthSeverity::kOk
          : Level(share, t.compaction_debt_warning, t.compaction_debt_critical);
  f->Add("compaction_debt", debt,
         "compaction debt " + FormatBytes(in.garbage_bytes) + " (" + Percent(share) + " of " +
             FormatBytes(in.segment_bytes) + " of segments)",
         debt == HealthSeverity::kOk ? "" : "run spirapi compact DB");

  if (in.journal_tails.empty()) {
    f->Add("journal_tails", HealthSeverity::kOk, "no journal tails kept aside");
  } else {
    uint64_t bytes = 0;
    for (const JournalTail& tail : in.journal_tails) bytes += tail.length;
    f->Add("journal_tails", HealthSeverity::kWarning,
           std::to_string(in.journal_tails.size()) + " journal tails kept aside (" +
               FormatBytes(bytes) + "); first: " + in.journal_tails[0].ToString(),
           "inspect them (docs/RELIABILITY.md), then remove them with spirapi cleanup DB "
           "--remove-tails-older-than DAYS");
  }
}

void CheckCache(const HealthInputs& in, const HealthThresholds& t, Findings* f) {
  const uint64_t lookups = in.cache_hits + in.cache_misses;
  const double rate =
      lookups == 0 ? 0.0 : static_cast<double>(in.cache_hits) / static_cast<double>(lookups);
  const std::string figures = "cache hit rate " + Percent(rate) + " over " +
                              std::to_string(lookups) + " block cache lookups";
  if (lookups < t.cache_min_lookups) {
    f->Add("cache_hit_rate", HealthSeverity::kOk,
           std::to_string(lookups) + " block cache lookups: too few to judge the hit rate");
  } else if (rate >= t.cache_hit_rate_warning) {
    f->Add("cache_hit_rate", HealthSeverity::kOk, figures);
  } else {
    // A cache that holds the segments' share that misses would have hit.
    const double miss_share = 1.0 - rate;
    const auto wanted = static_cast<uint64_t>(static_cast<double>(in.segment_bytes) * miss_share);
    uint64_t size = NextPowerOfTwo(std::max<uint64_t>(wanted, 1));
    const uint64_t cap = in.ram_bytes == 0 ? 0 : PowerOfTwoAtMost(in.ram_bytes / 2);
    const bool capped = cap != 0 && size > cap;
    if (capped) size = cap;
    const std::string now = " (now " + FormatBytes(in.cache_capacity_bytes) + ")";
    if (size > in.cache_capacity_bytes) {
      f->Add("cache_hit_rate", HealthSeverity::kWarning, figures,
             "raise block_cache_bytes to " + FormatBytes(size) + now +
                 (capped ? ", half the RAM; the data read does not fit in memory" : ""));
    } else if (capped) {
      f->Add("cache_hit_rate", HealthSeverity::kWarning, figures,
             "the data read does not fit in half the RAM (" + FormatBytes(cap) +
                 "): add memory or read less of the data at random");
    } else {
      // The cache could hold everything that missed: the misses are first
      // reads since open, not a lack of room.
      f->Add("cache_hit_rate", HealthSeverity::kOk,
             figures + "; the cache of " + FormatBytes(in.cache_capacity_bytes) +
                 " can hold the data read: the misses are first reads");
    }
  }

  if (!in.cache_hit_rate_day_ago) {
    f->Add("cache_trend", HealthSeverity::kOk, "not enough history to compare the hit rate");
  } else if (lookups < t.cache_min_lookups) {
    f->Add("cache_trend", HealthSeverity::kOk,
           "too few block cache lookups to compare the hit rate with a day ago (" +
               Percent(*in.cache_hit_rate_day_ago) + ")");
  } else {
    const double then = *in.cache_hit_rate_day_ago;
    const bool fell = then - rate > t.cache_hit_rate_drop;
    f->Add("cache_trend", fell ? HealthSeverity::kWarning : HealthSeverity::kOk,
           "cache hit rate " + Percent(rate) + " now, " + Percent(then) + " a day ago",
           fell ? "the data read grew or changed: see cache_hit_rate; large scans (dump, "
                  "full queries) also displace the hot blocks"
                : "");
  }
}

void CheckRates(const HealthInputs& in, const HealthThresholds& t, Findings* f) {
  if (!in.last_hour) {
    f->Add("error_rate", HealthSeverity::kOk, "not enough history to tell the error rate");
    f->Add("retry_rate", HealthSeverity::kOk, "not enough history to tell the retry rate");
    return;
  }
  const OperationCounts& c = *in.last_hour;
  if (c.operations < t.rate_min_operations) {
    const std::string few = std::to_string(c.operations) + " operations in the last hour: ";
    f->Add("error_rate", HealthSeverity::kOk, few + "too few to judge the error rate");
    f->Add("retry_rate", HealthSeverity::kOk, few + "too few to judge the retry rate");
    return;
  }
  const double ops = static_cast<double>(c.operations);
  const double errors = static_cast<double>(c.errors) / ops;
  const HealthSeverity e = Level(errors, t.error_rate_warning, t.error_rate_critical);
  f->Add("error_rate", e,
         std::to_string(c.errors) + " of " + std::to_string(c.operations) +
             " operations failed in the last hour (" + Fixed(errors * 100, 1) + "%)",
         e == HealthSeverity::kOk
             ? ""
             : "see which operations fail in spirapi stats DB --json; I/O errors point at the "
               "disk, Corruption at damage (spirapi verify DB)");
  if (!c.retries) {
    f->Add("retry_rate", HealthSeverity::kOk,
           "retries after write conflicts are not recorded; conflicts returned to callers count "
           "as errors above");
    return;
  }
  const double retries = static_cast<double>(*c.retries) / ops;
  const bool many = retries >= t.retry_rate_warning;
  f->Add("retry_rate", many ? HealthSeverity::kWarning : HealthSeverity::kOk,
         std::to_string(*c.retries) + " of " + std::to_string(c.operations) +
             " operations were retried after a write conflict in the last hour (" +
             Fixed(retries * 100, 1) + "%)",
         many ? "writers contend for the same records: write hot records in fewer, shorter "
                "transactions, or spread them over more ids"
              : "");
}

void CheckQueries(const HealthInputs& in, const HealthThresholds& t, Findings* f) {
  if (!in.query_log_error.empty()) {
    f->Add("slow_queries", HealthSeverity::kWarning,
           "the query history cannot be read: " + in.query_log_error, "run spirapi verify DB");
    return;
  }
  std::string message = std::to_string(in.slow_queries_last_day) + " of " +
                        std::to_string(in.queries_last_day) + " queries in the last day ran " +
                        Fixed(t.slow_query_seconds, 3) + " s or longer";
  for (size_t i = 0; i < in.slowest.size(); ++i) {
    const QueryLogEntry& q = in.slowest[i];
    message += (i == 0 ? "; slowest: " : ", ") + Fixed(q.seconds, 3) + " s (" + q.source + ")";
  }
  const bool slow = in.slow_queries_last_day >= t.slow_queries_warning;
  f->Add("slow_queries", slow ? HealthSeverity::kWarning : HealthSeverity::kOk, message,
         slow ? "spirapi query-log DB --slow lists them; spirapi index advise DB suggests "
                "indexes for them"
              : "");
}

void CheckBackups(const HealthInputs& in, const HealthThresholds& t, Findings* f) {
  HealthSeverity sev = HealthSeverity::kOk;
  std::string message;
  std::string rec;
  const double interval_us =
      static_cast<double>(std::max(in.backup_interval_hours, 1)) * kMicrosPerHour;
  if (in.last_backup_id.empty()) {
    message = "no backup taken";
    if (in.backup_repository_set) {
      sev = HealthSeverity::kWarning;
      rec =
          "backup_repository is set but no backup succeeded: run spirapi backup DB REPO to "
          "see why";
    } else {
      rec =
          "take backups with spirapi backup DB REPO, or set the backup_repository option "
          "to take them every backup_interval_hours";
    }
  } else {
    const double intervals = static_cast<double>(in.now_us - in.last_backup_us) / interval_us;
    sev = Level(intervals, t.backup_age_warning, t.backup_age_critical);
    message = "last backup " + in.last_backup_id + " " + Age(in.now_us, in.last_backup_us) +
              " (backup interval " + std::to_string(in.backup_interval_hours) + " h)";
    if (sev != HealthSeverity::kOk) rec = "take a backup now: spirapi backup DB REPO";
  }
  if (!in.last_backup_error.empty()) {
    sev = std::max(sev, HealthSeverity::kWarning);
    message += "; the last attempt failed (" + std::to_string(in.backups_failed) +
               " failures since open): " + in.last_backup_error;
    rec = "check the repository (spirapi backup verify REPO), then spirapi backup DB REPO";
  }
  f->Add("backups", sev, message, rec);
  if (in.archive_error.empty()) {
    f->Add("journal_archive", HealthSeverity::kOk, "no journal archive errors");
  } else {
    f->Add("journal_archive", HealthSeverity::kWarning, "journal archive: " + in.archive_error,
           "check the repository's disk; the next backup closes any gap in the archive");
  }
}

}  // namespace

Status EvaluateHealth(const HealthInputs& in, const HealthThresholds& thresholds,
                      HealthReport* report) {
  Status s = thresholds.Validate();
  if (!s.ok()) return s;
  report->time_us = in.now_us;
  report->findings.clear();
  Findings f(&report->findings);
  CheckDisk(in, thresholds, &f);
  CheckGrowth(in, thresholds, &f);
  CheckIntegrity(in, thresholds, &f);
  CheckBackground(in, thresholds, &f);
  CheckCache(in, thresholds, &f);
  CheckRates(in, thresholds, &f);
  CheckQueries(in, thresholds, &f);
  CheckBackups(in, thresholds, &f);
  return Status::OK();
}

}  // namespace spirapi
