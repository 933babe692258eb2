// EvaluateHealth with made-up figures: every check, each side of every
// threshold, and the figures in the messages and recommendations.

#include "health/evaluate_health.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cmath>
#include <limits>
#include <string>

namespace spirapi {
namespace {

constexpr int64_t kNow = 1'800'000'000'000'000;  // µs, 2027
constexpr int64_t kHour = 3600LL * 1000000;
constexpr int64_t kDay = 24 * kHour;
constexpr uint64_t kMiB = 1ull << 20;
constexpr uint64_t kGiB = 1ull << 30;

const char* const kChecks[] = {
    "disk_space",     "disk_growth",    "last_verify",     "damage_at_open",
    "sampled_verify", "write_errors",   "journal_backlog", "compaction_debt",
    "journal_tails",  "cache_hit_rate", "cache_trend",     "error_rate",
    "retry_rate",     "slow_queries",   "backups",         "journal_archive"};

// A database with nothing to report.
HealthInputs Healthy() {
  HealthInputs in;
  in.now_us = kNow;
  in.disk_free_bytes = 500 * kGiB;
  in.disk_total_bytes = 1000 * kGiB;
  VerifyOutcome v;
  v.time_us = kNow - kDay;
  v.files_checked = 12;
  v.records_checked = 3456;
  in.last_verify = v;
  in.segment_bytes = 4 * kGiB;
  in.garbage_bytes = 100 * kMiB;
  in.cache_hits = 9000;
  in.cache_misses = 1000;
  in.cache_capacity_bytes = 256 * kMiB;
  in.ram_bytes = 16 * kGiB;
  in.last_backup_id = "20270115T080000.000000Z";
  in.last_backup_us = kNow - kHour;
  return in;
}

HealthReport Evaluate(const HealthInputs& in, const HealthThresholds& t = HealthThresholds()) {
  HealthReport report;
  Status s = EvaluateHealth(in, t, &report);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return report;
}

HealthFinding Find(const HealthReport& report, const std::string& check) {
  for (const HealthFinding& f : report.findings) {
    if (f.check == check) return f;
  }
  ADD_FAILURE() << "no finding " << check;
  return HealthFinding();
}

HealthSeverity SeverityOf(const HealthInputs& in, const std::string& check,
                          const HealthThresholds& t = HealthThresholds()) {
  return Find(Evaluate(in, t), check).severity;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(EvaluateHealthTest, HealthyInputsGiveOneOkFindingPerCheck) {
  const HealthReport report = Evaluate(Healthy());
  ASSERT_EQ(report.findings.size(), std::size(kChecks));
  for (size_t i = 0; i < report.findings.size(); ++i) {
    EXPECT_EQ(report.findings[i].check, kChecks[i]);
    EXPECT_EQ(report.findings[i].severity, HealthSeverity::kOk) << report.findings[i].message;
    EXPECT_FALSE(report.findings[i].message.empty());
  }
  EXPECT_EQ(report.overall(), HealthSeverity::kOk);
  EXPECT_EQ(report.time_us, kNow);
}

TEST(EvaluateHealthTest, DiskSpaceBoundaries) {
  HealthInputs in = Healthy();
  in.disk_total_bytes = 100 * kGiB;
  in.disk_free_bytes = 15 * kGiB + 1;  // just under 85% used
  EXPECT_EQ(SeverityOf(in, "disk_space"), HealthSeverity::kOk);
  in.disk_free_bytes = 15 * kGiB;
  HealthFinding f = Find(Evaluate(in), "disk_space");
  EXPECT_EQ(f.severity, HealthSeverity::kWarning);
  EXPECT_TRUE(Contains(f.message, "disk 85% full: 15.0 GiB free of 100.0 GiB")) << f.message;
  EXPECT_TRUE(Contains(f.recommendation, "spirapi compact would free about 100.0 MiB"))
      << f.recommendation;
  in.disk_free_bytes = 5 * kGiB + 1;
  EXPECT_EQ(SeverityOf(in, "disk_space"), HealthSeverity::kWarning);
  in.disk_free_bytes = 5 * kGiB;
  EXPECT_EQ(SeverityOf(in, "disk_space"), HealthSeverity::kCritical);
  in.disk_error = "statvfs: No such file or directory";
  f = Find(Evaluate(in), "disk_space");
  EXPECT_EQ(f.severity, HealthSeverity::kWarning);
  EXPECT_TRUE(Contains(f.message, "No such file")) << f.message;
}

TEST(EvaluateHealthTest, DiskGrowthNeedsTwoSamplesAtDifferentTimes) {
  HealthInputs in = Healthy();
  EXPECT_TRUE(Contains(Find(Evaluate(in), "disk_growth").message, "not enough history"));
  in.disk_samples = {{kNow - kDay, kGiB}};
  EXPECT_TRUE(Contains(Find(Evaluate(in), "disk_growth").message, "not enough history"));
  in.disk_samples = {{kNow, kGiB}, {kNow, 2 * kGiB}};
  EXPECT_TRUE(Contains(Find(Evaluate(in), "disk_growth").message, "not enough history"));
  in.disk_samples = {{kNow - kDay, 2 * kGiB}, {kNow, kGiB}};
  const HealthFinding f = Find(Evaluate(in), "disk_growth");
  EXPECT_EQ(f.severity, HealthSeverity::kOk);
  EXPECT_TRUE(Contains(f.message, "not growing")) << f.message;
}

TEST(EvaluateHealthTest, DaysUntilFullFromALeastSquaresFit) {
  HealthInputs in = Healthy();
  // Sizes 0, 3, 1, 2 GiB a day apart: the fitted slope is 0.4 GiB a day
  // (the end points alone would say 2/3).
  for (int i = 0; i < 4; ++i) {
    const uint64_t sizes[] = {0, 3, 1, 2};
    in.disk_samples.push_back({kNow - (3 - i) * kDay, sizes[i] * kGiB});
  }
  in.disk_free_bytes = 4 * kGiB;  // 10 days
  HealthFinding f = Find(Evaluate(in), "disk_growth");
  EXPECT_EQ(f.severity, HealthSeverity::kWarning);
  EXPECT_TRUE(Contains(f.message, "10.0 days until the disk is full at 409.6 MiB/day"))
      << f.message;
  EXPECT_TRUE(Contains(f.message, "4 samples in 3.0 days")) << f.message;
  EXPECT_TRUE(Contains(f.recommendation, "4.0 GiB free")) << f.recommendation;
}

TEST(EvaluateHealthTest, DaysUntilFullBoundaries) {
  HealthInputs in = Healthy();
  in.disk_samples = {{kNow - kDay, 10 * kGiB}, {kNow, 11 * kGiB}};  // 1 GiB a day
  in.disk_free_bytes = 30 * kGiB + kMiB;
  EXPECT_EQ(SeverityOf(in, "disk_growth"), HealthSeverity::kOk);
  in.disk_free_bytes = 30 * kGiB;
  EXPECT_EQ(SeverityOf(in, "disk_growth"), HealthSeverity::kWarning);
  in.disk_free_bytes = 7 * kGiB + kMiB;
  EXPECT_EQ(SeverityOf(in, "disk_growth"), HealthSeverity::kWarning);
  in.disk_free_bytes = 7 * kGiB;
  EXPECT_EQ(SeverityOf(in, "disk_growth"), HealthSeverity::kCritical);
  in.disk_free_bytes = static_cast<uint64_t>(3.1 * static_cast<double>(kGiB));
  const HealthFinding f = Find(Evaluate(in), "disk_growth");
  EXPECT_TRUE(Contains(f.message, "3.1 days until the disk is full at 1.0 GiB/day")) << f.message;
}

TEST(EvaluateHealthTest, LastVerify) {
  HealthInputs in = Healthy();
  HealthFinding f = Find(Evaluate(in), "last_verify");
  EXPECT_TRUE(Contains(f.message, "last verify 1.0 day ago: 12 files, 3456 records, no damage"))
      << f.message;
  in.last_verify.reset();
  f = Find(Evaluate(in), "last_verify");
  EXPECT_EQ(f.severity, HealthSeverity::kOk);
  EXPECT_EQ(f.message, "never verified");
  EXPECT_TRUE(Contains(f.recommendation, "spirapi verify --record DB"));

  in = Healthy();
  in.last_verify->time_us = kNow - 30 * kDay + 1;
  EXPECT_EQ(SeverityOf(in, "last_verify"), HealthSeverity::kOk);
  in.last_verify->time_us = kNow - 45 * kDay;
  f = Find(Evaluate(in), "last_verify");
  EXPECT_EQ(f.severity, HealthSeverity::kWarning);
  EXPECT_TRUE(Contains(f.message, "last verify 45.0 days ago")) << f.message;
  EXPECT_EQ(f.recommendation, "run spirapi verify --record DB");
  HealthThresholds t;
  t.verify_age_warning_days = 60;
  EXPECT_EQ(SeverityOf(in, "last_verify", t), HealthSeverity::kOk);

  in.last_verify->damage = 2;
  in.last_verify->first_damage = "sequence/000012.seg offset 4096: record checksum mismatch";
  f = Find(Evaluate(in), "last_verify");
  EXPECT_EQ(f.severity, HealthSeverity::kCritical);
  EXPECT_TRUE(Contains(f.message, "found 2 damaged places")) << f.message;
  EXPECT_TRUE(Contains(f.message, "000012.seg offset 4096")) << f.message;
  EXPECT_TRUE(Contains(f.recommendation, "spirapi repair"));
}

TEST(EvaluateHealthTest, DamageAtOpen) {
  HealthInputs in = Healthy();
  in.damage_at_open = 3;
  in.first_damage_at_open = "journal/000004.log offset 77: frame checksum mismatch";
  const HealthFinding f = Find(Evaluate(in), "damage_at_open");
  EXPECT_EQ(f.severity, HealthSeverity::kCritical);
  EXPECT_TRUE(Contains(f.message, "found 3 damaged places; first: journal/000004.log offset 77"))
      << f.message;
}

TEST(EvaluateHealthTest, SampledVerify) {
  HealthInputs in = Healthy();
  EXPECT_TRUE(Contains(Find(Evaluate(in), "sampled_verify").message, "no records sampled"));
  in.sample_requested = 100;
  in.sample_checked = 100;
  HealthFinding f = Find(Evaluate(in), "sampled_verify");
  EXPECT_EQ(f.severity, HealthSeverity::kOk);
  EXPECT_EQ(f.message, "100 records read at random: no damage");
  in.sample_requested = 1000;
  EXPECT_TRUE(Contains(Find(Evaluate(in), "sampled_verify").message, "all the database holds"));
  in.sample_damaged = 1;
  in.sample_first_damage = "schema 'a': SHA-256 checksum mismatch";
  f = Find(Evaluate(in), "sampled_verify");
  EXPECT_EQ(f.severity, HealthSeverity::kCritical);
  EXPECT_TRUE(Contains(f.message, "1 of 100 records read at random are damaged; first: schema"))
      << f.message;
  in.sample_error = "IOError: read failed";
  f = Find(Evaluate(in), "sampled_verify");
  EXPECT_EQ(f.severity, HealthSeverity::kCritical);
  EXPECT_TRUE(Contains(f.message, "read failed")) << f.message;
}

TEST(EvaluateHealthTest, WriteAndFlushErrors) {
  HealthInputs in = Healthy();
  in.flush_error = "Corruption: journal 7 damaged";
  HealthFinding f = Find(Evaluate(in), "write_errors");
  EXPECT_EQ(f.severity, HealthSeverity::kCritical);
  EXPECT_TRUE(Contains(f.message, "journal 7 damaged")) << f.message;
  in.write_error = "IOError: No space left on device";
  f = Find(Evaluate(in), "write_errors");
  EXPECT_EQ(f.severity, HealthSeverity::kCritical);
  EXPECT_TRUE(Contains(f.message, "No space left")) << f.message;
  EXPECT_TRUE(Contains(f.recommendation, "reopen"));
}

TEST(EvaluateHealthTest, JournalBacklogBoundaries) {
  HealthInputs in = Healthy();
  in.sealed_journals = 3;
  EXPECT_EQ(SeverityOf(in, "journal_backlog"), HealthSeverity::kOk);
  in.sealed_journals = 4;
  in.journal_bytes = 300 * kMiB;
  const HealthFinding f = Find(Evaluate(in), "journal_backlog");
  EXPECT_EQ(f.severity, HealthSeverity::kWarning);
  EXPECT_TRUE(Contains(f.message, "4 sealed journals wait to be flushed (300.0 MiB")) << f.message;
  EXPECT_TRUE(Contains(f.recommendation, "spirapi compact")) << f.recommendation;
  in.sealed_journals = 7;
  EXPECT_EQ(SeverityOf(in, "journal_backlog"), HealthSeverity::kWarning);
  in.sealed_journals = 8;
  EXPECT_EQ(SeverityOf(in, "journal_backlog"), HealthSeverity::kCritical);
}

TEST(EvaluateHealthTest, CompactionDebtBoundaries) {
  HealthInputs in = Healthy();
  in.segment_bytes = 100 * kMiB;
  in.garbage_bytes = 60 * kMiB;  // 60%, but under the 64 MiB floor
  EXPECT_EQ(SeverityOf(in, "compaction_debt"), HealthSeverity::kOk);
  in.segment_bytes = 4600 * kMiB;
  in.garbage_bytes = 2300 * kMiB;  // 50%
  HealthFinding f = Find(Evaluate(in), "compaction_debt");
  EXPECT_EQ(f.severity, HealthSeverity::kWarning);
  EXPECT_TRUE(Contains(f.message, "compaction debt 2.2 GiB (50% of 4.5 GiB of segments)"))
      << f.message;
  EXPECT_EQ(f.recommendation, "run spirapi compact DB");
  in.garbage_bytes = 2300 * kMiB - 1;
  EXPECT_EQ(SeverityOf(in, "compaction_debt"), HealthSeverity::kOk);
  in.garbage_bytes = 3680 * kMiB;  // 80%
  EXPECT_EQ(SeverityOf(in, "compaction_debt"), HealthSeverity::kCritical);
}

TEST(EvaluateHealthTest, JournalTails) {
  HealthInputs in = Healthy();
  JournalTail tail;
  tail.file = "journal/000007-81920.tail";
  tail.journal = "journal/000007.log";
  tail.offset = 81920;
  tail.length = 312;
  in.journal_tails = {tail};
  const HealthFinding f = Find(Evaluate(in), "journal_tails");
  EXPECT_EQ(f.severity, HealthSeverity::kWarning);
  EXPECT_TRUE(Contains(f.message, "1 journal tails kept aside (312 B)")) << f.message;
  EXPECT_TRUE(Contains(f.message, "000007-81920.tail")) << f.message;
  EXPECT_TRUE(Contains(f.recommendation, "spirapi cleanup DB --remove-tails-older-than"));
}

TEST(EvaluateHealthTest, CacheHitRateAndTheSuggestedSize) {
  HealthInputs in = Healthy();
  in.cache_hits = 410;
  in.cache_misses = 590;  // 41%
  in.segment_bytes = kGiB;
  in.cache_capacity_bytes = 256 * kMiB;
  HealthFinding f = Find(Evaluate(in), "cache_hit_rate");
  EXPECT_EQ(f.severity, HealthSeverity::kWarning);
  EXPECT_TRUE(Contains(f.message, "cache hit rate 41% over 1000 block cache lookups")) << f.message;
  // 59% of 1 GiB, to the next power of two.
  EXPECT_TRUE(Contains(f.recommendation, "raise block_cache_bytes to 1.0 GiB (now 256.0 MiB)"))
      << f.recommendation;
  // Capped at half the RAM.
  in.ram_bytes = kGiB;
  f = Find(Evaluate(in), "cache_hit_rate");
  EXPECT_TRUE(Contains(f.recommendation, "raise block_cache_bytes to 512.0 MiB"))
      << f.recommendation;
  EXPECT_TRUE(Contains(f.recommendation, "half the RAM")) << f.recommendation;
  in.cache_capacity_bytes = 512 * kMiB;
  f = Find(Evaluate(in), "cache_hit_rate");
  EXPECT_EQ(f.severity, HealthSeverity::kWarning);
  EXPECT_TRUE(Contains(f.recommendation, "does not fit in half the RAM")) << f.recommendation;
  // A cache larger than what missed: first reads, nothing to change.
  in.ram_bytes = 16 * kGiB;
  in.cache_capacity_bytes = 2 * kGiB;
  f = Find(Evaluate(in), "cache_hit_rate");
  EXPECT_EQ(f.severity, HealthSeverity::kOk);
  EXPECT_TRUE(Contains(f.message, "first reads")) << f.message;
  // The boundaries: 60% is fine; under 1000 lookups nothing is judged.
  in = Healthy();
  in.cache_hits = 600;
  in.cache_misses = 400;
  EXPECT_EQ(SeverityOf(in, "cache_hit_rate"), HealthSeverity::kOk);
  in.cache_hits = 599;
  in.cache_misses = 401;
  EXPECT_EQ(SeverityOf(in, "cache_hit_rate"), HealthSeverity::kWarning);
  in.cache_hits = 0;
  in.cache_misses = 999;
  f = Find(Evaluate(in), "cache_hit_rate");
  EXPECT_EQ(f.severity, HealthSeverity::kOk);
  EXPECT_TRUE(Contains(f.message, "too few")) << f.message;
}

TEST(EvaluateHealthTest, CacheTrend) {
  HealthInputs in = Healthy();  // 90% now
  EXPECT_TRUE(Contains(Find(Evaluate(in), "cache_trend").message, "not enough history"));
  in.cache_hit_rate_day_ago = 1.0;  // a fall of exactly 10 points
  EXPECT_EQ(SeverityOf(in, "cache_trend"), HealthSeverity::kOk);
  HealthThresholds t;
  t.cache_hit_rate_drop = 0.09;
  EXPECT_EQ(SeverityOf(in, "cache_trend", t), HealthSeverity::kWarning);
  in.cache_hits = 610;
  in.cache_misses = 390;
  in.cache_hit_rate_day_ago = 0.92;
  const HealthFinding f = Find(Evaluate(in), "cache_trend");
  EXPECT_EQ(f.severity, HealthSeverity::kWarning);
  EXPECT_EQ(f.message, "cache hit rate 61% now, 92% a day ago");
  in.cache_hits = 0;
  in.cache_misses = 10;
  EXPECT_EQ(SeverityOf(in, "cache_trend"), HealthSeverity::kOk);
}

TEST(EvaluateHealthTest, ErrorAndRetryRates) {
  HealthInputs in = Healthy();
  EXPECT_TRUE(Contains(Find(Evaluate(in), "error_rate").message, "not enough history"));
  EXPECT_TRUE(Contains(Find(Evaluate(in), "retry_rate").message, "not enough history"));
  in.last_hour = OperationCounts{99, 50, 50};
  EXPECT_EQ(SeverityOf(in, "error_rate"), HealthSeverity::kOk);
  EXPECT_EQ(SeverityOf(in, "retry_rate"), HealthSeverity::kOk);
  in.last_hour = OperationCounts{1000, 9, 49};
  EXPECT_EQ(SeverityOf(in, "error_rate"), HealthSeverity::kOk);
  EXPECT_EQ(SeverityOf(in, "retry_rate"), HealthSeverity::kOk);
  in.last_hour = OperationCounts{1000, 10, 50};
  HealthFinding f = Find(Evaluate(in), "error_rate");
  EXPECT_EQ(f.severity, HealthSeverity::kWarning);
  EXPECT_TRUE(Contains(f.message, "10 of 1000 operations failed in the last hour (1.0%)"))
      << f.message;
  f = Find(Evaluate(in), "retry_rate");
  EXPECT_EQ(f.severity, HealthSeverity::kWarning);
  EXPECT_TRUE(Contains(f.message, "50 of 1000 operations were retried")) << f.message;
  in.last_hour = OperationCounts{1000, 100, 0};
  EXPECT_EQ(SeverityOf(in, "error_rate"), HealthSeverity::kCritical);
  // The metrics history records no retries: the finding says so, not "0".
  in.last_hour = OperationCounts{1000, 0, std::nullopt};
  f = Find(Evaluate(in), "retry_rate");
  EXPECT_EQ(f.severity, HealthSeverity::kOk);
  EXPECT_TRUE(Contains(f.message, "not recorded")) << f.message;
}

TEST(EvaluateHealthTest, SlowQueries) {
  HealthInputs in = Healthy();
  in.queries_last_day = 500;
  in.slow_queries_last_day = 9;
  EXPECT_EQ(SeverityOf(in, "slow_queries"), HealthSeverity::kOk);
  in.slow_queries_last_day = 10;
  QueryLogEntry q;
  q.seconds = 2.31;
  q.source = "schema people";
  in.slowest = {q};
  const HealthFinding f = Find(Evaluate(in), "slow_queries");
  EXPECT_EQ(f.severity, HealthSeverity::kWarning);
  EXPECT_TRUE(Contains(f.message, "10 of 500 queries in the last day ran 0.100 s or longer"))
      << f.message;
  EXPECT_TRUE(Contains(f.message, "slowest: 2.310 s (schema people)")) << f.message;
  EXPECT_TRUE(Contains(f.recommendation, "spirapi index advise DB"));
  in.query_log_error = "Corruption: record '~log/1' does not decode";
  EXPECT_EQ(SeverityOf(in, "slow_queries"), HealthSeverity::kWarning);
}

TEST(EvaluateHealthTest, Backups) {
  HealthInputs in = Healthy();
  in.last_backup_id.clear();
  HealthFinding f = Find(Evaluate(in), "backups");
  EXPECT_EQ(f.severity, HealthSeverity::kOk);  // information only
  EXPECT_EQ(f.message, "no backup taken");
  EXPECT_TRUE(Contains(f.recommendation, "spirapi backup DB REPO"));
  in.backup_repository_set = true;
  EXPECT_EQ(SeverityOf(in, "backups"), HealthSeverity::kWarning);

  in = Healthy();
  in.backup_interval_hours = 24;
  in.last_backup_us = kNow - 36 * kHour + 1;  // just under 1.5 intervals
  EXPECT_EQ(SeverityOf(in, "backups"), HealthSeverity::kOk);
  in.last_backup_us = kNow - 36 * kHour;
  f = Find(Evaluate(in), "backups");
  EXPECT_EQ(f.severity, HealthSeverity::kWarning);
  EXPECT_TRUE(Contains(f.message, "1.5 days ago (backup interval 24 h)")) << f.message;
  in.last_backup_us = kNow - 72 * kHour;
  EXPECT_EQ(SeverityOf(in, "backups"), HealthSeverity::kCritical);

  in = Healthy();
  in.last_backup_error = "IOError: repository is full";
  in.backups_failed = 2;
  f = Find(Evaluate(in), "backups");
  EXPECT_EQ(f.severity, HealthSeverity::kWarning);
  EXPECT_TRUE(Contains(f.message, "the last attempt failed (2 failures since open)")) << f.message;
  EXPECT_TRUE(Contains(f.recommendation, "spirapi backup verify REPO"));

  in = Healthy();
  in.archive_error = "IOError: disk full (3 flushed journals wait for the archive)";
  f = Find(Evaluate(in), "journal_archive");
  EXPECT_EQ(f.severity, HealthSeverity::kWarning);
  EXPECT_TRUE(Contains(f.message, "3 flushed journals wait")) << f.message;
}

TEST(EvaluateHealthTest, OverallIsTheWorstAndTheReportRenders) {
  HealthInputs in = Healthy();
  in.sealed_journals = 5;
  HealthReport report = Evaluate(in);
  EXPECT_EQ(report.overall(), HealthSeverity::kWarning);
  in.damage_at_open = 1;
  report = Evaluate(in);
  EXPECT_EQ(report.overall(), HealthSeverity::kCritical);

  rapidjson::Document doc;
  const std::string json = report.ToJson();
  doc.Parse(json.c_str());
  ASSERT_FALSE(doc.HasParseError()) << json;
  EXPECT_STREQ(doc["overall"].GetString(), "critical");
  EXPECT_EQ(doc["time_us"].GetInt64(), kNow);
  ASSERT_EQ(doc["findings"].Size(), std::size(kChecks));
  EXPECT_STREQ(doc["findings"][0]["check"].GetString(), "disk_space");
  EXPECT_STREQ(doc["findings"][0]["severity"].GetString(), "ok");

  const std::string text = report.ToText();
  EXPECT_EQ(text.rfind("health: critical (1 critical, 1 warnings, 14 ok)\n", 0), 0u) << text;
  // Worst first, recommendations on their own line.
  EXPECT_LT(text.find("critical damage_at_open"), text.find("warning  journal_backlog")) << text;
  EXPECT_LT(text.find("warning  journal_backlog"), text.find("ok       disk_space")) << text;
  EXPECT_TRUE(Contains(text, "\n         -> flushes fall behind")) << text;
}

TEST(EvaluateHealthTest, ToTextKeepsEachFindingOnOneLine) {
  HealthReport report;
  report.findings.push_back({"x", HealthSeverity::kWarning, "id 'a\nb'", "do\rthis"});
  const std::string text = report.ToText();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3) << text;
  EXPECT_TRUE(Contains(text, "id 'a\\nb'")) << text;
}

TEST(EvaluateHealthTest, BadThresholdsAreRefused) {
  HealthReport report;
  HealthThresholds t;
  t.disk_used_warning = 1.5;
  Status s = EvaluateHealth(Healthy(), t, &report);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_TRUE(Contains(s.message(), "disk_used_warning")) << s.message();
  t = HealthThresholds();
  t.cache_hit_rate_warning = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(EvaluateHealth(Healthy(), t, &report).IsInvalidArgument());
  t = HealthThresholds();
  t.days_until_full_warning = std::numeric_limits<double>::infinity();
  EXPECT_TRUE(EvaluateHealth(Healthy(), t, &report).IsInvalidArgument());
  t = HealthThresholds();
  t.journal_backlog_warning = 9;
  EXPECT_TRUE(EvaluateHealth(Healthy(), t, &report).IsInvalidArgument());
  t = HealthThresholds();
  t.error_rate_warning = 0.5;
  t.error_rate_critical = 0.2;
  EXPECT_TRUE(EvaluateHealth(Healthy(), t, &report).IsInvalidArgument());
  t = HealthThresholds();
  t.backup_age_warning = -1;
  EXPECT_TRUE(EvaluateHealth(Healthy(), t, &report).IsInvalidArgument());
  EXPECT_TRUE(HealthThresholds().Validate().ok());
}

TEST(EvaluateHealthTest, VerifyOutcomeRecordRoundTrips) {
  VerifyReport report;
  report.files_checked = 7;
  report.records_checked = 700;
  report.damage.push_back(
      {"schema/000003.seg", 8192, "schema", "rec/x", "record SHA-256 checksum mismatch"});
  report.damage.push_back({"journal/000009.log", 12, "", "", "frame damaged"});
  const VerifyOutcome v = MakeVerifyOutcome(report, kNow, 1.5);
  EXPECT_EQ(v.damage, 2u);
  EXPECT_EQ(
      v.first_damage,
      "schema/000003.seg offset 8192, record schema 'rec/x': record SHA-256 checksum mismatch");
  VerifyOutcome back;
  ASSERT_TRUE(ParseVerifyOutcome(VerifyOutcomeToJson(v), &back));
  EXPECT_EQ(back.time_us, kNow);
  EXPECT_EQ(back.files_checked, 7u);
  EXPECT_EQ(back.records_checked, 700u);
  EXPECT_EQ(back.damage, 2u);
  EXPECT_EQ(back.first_damage, v.first_damage);
  EXPECT_DOUBLE_EQ(back.seconds, 1.5);
  EXPECT_FALSE(ParseVerifyOutcome("{}", &back));
  EXPECT_FALSE(ParseVerifyOutcome("[1]", &back));
  EXPECT_FALSE(ParseVerifyOutcome("{\"time_us\":\"x\"}", &back));
  EXPECT_FALSE(ParseVerifyOutcome("not json", &back));
}

}  // namespace
}  // namespace spirapi
