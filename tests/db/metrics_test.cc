// Operation metrics (include/spirapi/metrics.h): exact counts after known
// operations, the Prometheus text, and the history in METADATA.

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "db/db_impl.h"
#include "db/metrics_history.h"
#include "spirapi/db.h"
#include "spirapi/maintenance.h"
#include "spirapi/metrics.h"
#include "spirapi/query.h"
#include "support/temp_dir.h"

namespace spirapi {
namespace {

constexpr int64_t kHourUs = 3600LL * 1000000;
constexpr int64_t kDayUs = 24 * kHourUs;

std::unique_ptr<DB> OpenDb(const std::string& path, int interval = 0, bool record = true,
                           bool read_only = false) {
  Options o;
  o.metrics_interval_seconds = interval;
  o.record_metrics = record;
  o.read_only = read_only;
  o.background_work = false;
  std::unique_ptr<DB> db;
  Status s = DB::Open(o, path, &db);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return db;
}

Metrics MetricsOf(DB* db) {
  Metrics m;
  EXPECT_TRUE(db->GetMetrics(&m).ok());
  return m;
}

// Checks the text exposition format 0.0.4 line by line; returns the
// problems found (empty: valid) and fills *values (sample -> value).
std::vector<std::string> ValidatePrometheus(const std::string& text,
                                            std::map<std::string, double>* values) {
  static const std::regex kName("[a-zA-Z_:][a-zA-Z0-9_:]*");
  static const std::regex kSample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*")(,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*")*\})? (\S+))");
  static const std::set<std::string> kTypes = {"counter", "gauge", "summary", "histogram",
                                               "untyped"};
  std::vector<std::string> problems;
  std::map<std::string, std::string> types;
  std::set<std::string> helped;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    const std::string where = "line " + std::to_string(n) + ": " + line;
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
      std::istringstream words(line.substr(7));
      std::string name, rest;
      words >> name >> rest;
      if (!std::regex_match(name, kName) || rest.empty()) problems.push_back(where);
      if (line[2] == 'H') {
        if (!helped.insert(name).second) problems.push_back("HELP twice: " + where);
      } else {
        if (!kTypes.count(rest) || types.count(name)) problems.push_back(where);
        types[name] = rest;
      }
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    std::smatch m;
    if (!std::regex_match(line, m, kSample)) {
      problems.push_back("not a sample: " + where);
      continue;
    }
    std::string family = m[1];
    for (const char* suffix : {"_sum", "_count"}) {
      const std::string s = suffix;
      if (!types.count(family) && family.size() > s.size() &&
          family.compare(family.size() - s.size(), s.size(), s) == 0) {
        family.resize(family.size() - s.size());
      }
    }
    if (!types.count(family) || !helped.count(family)) {
      problems.push_back("no HELP/TYPE before: " + where);
    }
    if (types[family] == "counter" && m[1].str().size() > 6 &&
        m[1].str().compare(m[1].str().size() - 6, 6, "_total") != 0) {
      problems.push_back("counter without _total: " + where);
    }
    if (m[1].str().rfind("spirapi_", 0) != 0) problems.push_back("no spirapi_ prefix: " + where);
    const std::string value = m[5].str();  // outlives `end`, which points into it
    char* end = nullptr;
    const double v = std::strtod(value.c_str(), &end);
    if (end == nullptr || *end != '\0') problems.push_back("bad value: " + where);
    (*values)[m[1].str() + m[2].str()] = v;
  }
  return problems;
}

TEST(MetricsTest, CountsAreExactAfterKnownOperations) {
  test::TempDir dir;
  auto db = OpenDb(dir.path());
  WriteOptions wo;
  wo.sync = false;
  uint64_t written = 0;
  for (int i = 0; i < 10; ++i) {
    const std::string id = "r" + std::to_string(i), data = "{\"i\":" + std::to_string(i) + "}";
    ASSERT_TRUE(db->Put(wo, Component::kSequence, id, data).ok());
    written += id.size() + data.size() + 2;  // metadata "{}"
  }
  EXPECT_TRUE(db->Put(wo, Component::kSequence, "", "{}").IsInvalidArgument());
  StorageRecord r;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(db->Get(ReadOptions(), Component::kSequence, "r1", &r).ok());
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(db->Get(ReadOptions(), Component::kSequence, "missing", &r).IsNotFound());
  }
  bool exists;
  ASSERT_TRUE(db->Exists(ReadOptions(), Component::kSequence, "r2", &exists).ok());
  ASSERT_TRUE(db->Delete(wo, Component::kSequence, "r9").ok());
  EXPECT_TRUE(db->Delete(wo, Component::kSequence, "r9").IsNotFound());
  std::unique_ptr<Transaction> txn;
  ASSERT_TRUE(db->BeginTransaction(wo, &txn).ok());
  ASSERT_TRUE(txn->Put(Component::kMetadata, "t", "{}").ok());
  ASSERT_TRUE(txn->Commit().ok());
  uint64_t seen = 0;
  ASSERT_TRUE(db->Scan(ReadOptions(), Component::kSequence, ScanOptions(), [&](const StorageRecord&) {
                  ++seen;
                  return true;
                }).ok());
  ASSERT_TRUE(db->Flush().ok());

  const Metrics m = MetricsOf(db.get());
  EXPECT_TRUE(m.recording);
  EXPECT_EQ(m.op(MetricOp::kPut).count, 11u);
  EXPECT_EQ(m.op(MetricOp::kPut).errors, 1u);  // the empty id
  EXPECT_EQ(m.op(MetricOp::kPut).bytes_written, written);  // of the puts that succeeded
  EXPECT_EQ(m.op(MetricOp::kGet).count, 9u);   // 5 + 3 + Exists
  EXPECT_EQ(m.op(MetricOp::kGet).errors, 0u);  // NotFound is no error...
  EXPECT_EQ(m.op(MetricOp::kGet).not_found, 3u);  // ...but a miss
  EXPECT_EQ(m.op(MetricOp::kGet).bytes_read, 5u * (2 + 7 + 2));  // "r1", {"i":1}, {}
  EXPECT_EQ(m.op(MetricOp::kDelete).count, 2u);
  EXPECT_EQ(m.op(MetricOp::kDelete).bytes_written, 2u);
  EXPECT_EQ(m.op(MetricOp::kDelete).not_found, 1u);
  EXPECT_EQ(m.op(MetricOp::kCommit).count, 1u);
  EXPECT_EQ(m.op(MetricOp::kCommit).bytes_written, 1u + 2 + 2);
  EXPECT_EQ(m.op(MetricOp::kScan).count, 1u);
  EXPECT_EQ(seen, 9u);
  EXPECT_EQ(m.op(MetricOp::kFlush).count, 1u);  // one journal
  EXPECT_EQ(m.op(MetricOp::kQuery).count, 0u);
  const OpMetrics& get = m.op(MetricOp::kGet);
  EXPECT_GT(get.max_seconds, 0);
  EXPECT_LE(get.p50_seconds, get.p99_seconds);
  EXPECT_LE(get.p99_seconds, get.max_seconds);
  EXPECT_GT(get.ops_per_second, 0);
  EXPECT_EQ(m.records[static_cast<int>(Component::kSequence)], 9u);
  EXPECT_GT(m.total_disk_bytes, 0u);
  EXPECT_GT(m.index_memory_bytes, 0u);
  EXPECT_GT(m.open_files_database, 0u);
  EXPECT_EQ(m.block_cache_capacity_bytes, Options().block_cache_bytes);
}

TEST(MetricsTest, QueriesAreOneOperationEach) {
  test::TempDir dir;
  auto db = OpenDb(dir.path());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(db->Put(WriteOptions(), Component::kQuery, "q" + std::to_string(i),
                        "{\"n\":" + std::to_string(i) + "}")
                    .ok());
  }
  QuerySource source;
  source.component = Component::kQuery;
  uint64_t rows = 0, bytes = 0;
  ASSERT_TRUE(RunQuery(db.get(), source, R"({"n":{"$gte":2}})", QueryOptions(),
                       [&](std::string_view row) {
                         ++rows;
                         bytes += row.size();
                         return true;
                       })
                  .ok());
  EXPECT_FALSE(RunQuery(db.get(), source, "{bad", QueryOptions(), nullptr).ok());
  const Metrics m = MetricsOf(db.get());
  EXPECT_EQ(rows, 3u);
  EXPECT_EQ(m.op(MetricOp::kQuery).count, 2u);
  EXPECT_EQ(m.op(MetricOp::kQuery).errors, 1u);
  EXPECT_EQ(m.op(MetricOp::kQuery).bytes_read, bytes);
  EXPECT_EQ(m.op(MetricOp::kScan).count, 0u);  // the query's reads are its own
  EXPECT_EQ(m.op(MetricOp::kGet).count, 0u);
}

TEST(MetricsTest, RecordingOffCountsNothing) {
  test::TempDir dir;
  auto db = OpenDb(dir.path(), 0, /*record=*/false);
  ASSERT_TRUE(db->Put(WriteOptions(), Component::kSequence, "a", "{}").ok());
  StorageRecord r;
  ASSERT_TRUE(db->Get(ReadOptions(), Component::kSequence, "a", &r).ok());
  const Metrics m = MetricsOf(db.get());
  EXPECT_FALSE(m.recording);
  for (const OpMetrics& o : m.ops) EXPECT_EQ(o.count, 0u);
  EXPECT_EQ(m.records[static_cast<int>(Component::kSequence)], 1u);  // gauges still there
}

TEST(MetricsTest, PrometheusTextIsValid) {
  test::TempDir dir;
  auto db = OpenDb(dir.path());
  ASSERT_TRUE(db->Put(WriteOptions(), Component::kSequence, "a", "{}").ok());
  StorageRecord r;
  EXPECT_TRUE(db->Get(ReadOptions(), Component::kSequence, "zz", &r).IsNotFound());
  std::map<std::string, double> values;
  const Metrics m = MetricsOf(db.get());
  auto problems = ValidatePrometheus(m.ToPrometheus(), &values);
  EXPECT_TRUE(problems.empty()) << problems.front();
  EXPECT_EQ(values["spirapi_operations_total{op=\"put\"}"], 1);
  EXPECT_EQ(values["spirapi_operation_not_found_total{op=\"get\"}"], 1);
  EXPECT_EQ(values["spirapi_operation_duration_seconds_count{op=\"get\"}"], 1);
  EXPECT_TRUE(values.count("spirapi_operation_duration_seconds{op=\"get\",quantile=\"0.99\"}"));
  EXPECT_EQ(values["spirapi_records{component=\"sequence\"}"], 1);

  MetricsSample sample;
  sample.start_us = 1;
  sample.end_us = 60000001;
  sample.ops[0].count = 3;
  sample.latency[0].buckets = {{100, 3}};
  FinishMetricsSample(&sample);
  problems = ValidatePrometheus(sample.ToPrometheus(), &values);
  EXPECT_TRUE(problems.empty()) << problems.front();
  EXPECT_EQ(values["spirapi_sample_operations{op=\"get\"}"], 3);
  // The validator itself catches a sample before its TYPE and a bad name.
  EXPECT_EQ(ValidatePrometheus("spirapi_x 1\n", &values).size(), 1u);
  EXPECT_FALSE(ValidatePrometheus("# HELP 9x h\n# TYPE 9x gauge\n", &values).empty());
}

TEST(MetricsTest, JsonParses) {
  test::TempDir dir;
  auto db = OpenDb(dir.path());
  ASSERT_TRUE(db->Put(WriteOptions(), Component::kSequence, "a", "{}").ok());
  rapidjson::Document doc;
  doc.Parse(MetricsOf(db.get()).ToJson().c_str());
  ASSERT_FALSE(doc.HasParseError());
  EXPECT_EQ(doc["ops"]["put"]["count"].GetUint64(), 1u);
  EXPECT_TRUE(doc["background"].HasMember("compaction_debt_bytes"));
  EXPECT_EQ(doc["records"]["sequence"].GetUint64(), 1u);
}

TEST(MetricsTest, HistorySurvivesReopenAndIsNotCountedAsOperations) {
  test::TempDir dir;
  {
    auto db = OpenDb(dir.path());
    for (int i = 0; i < 4; ++i) {
      ASSERT_TRUE(db->Put(WriteOptions(), Component::kSequence, "a" + std::to_string(i), "{}").ok());
    }
    ASSERT_TRUE(static_cast<DBImpl*>(db.get())->WriteMetricsSample().ok());
    ASSERT_TRUE(db->Put(WriteOptions(), Component::kSequence, "b", "{}").ok());
    ASSERT_TRUE(static_cast<DBImpl*>(db.get())->WriteMetricsSample().ok());
    // The samples' own writes count as nothing.
    EXPECT_EQ(MetricsOf(db.get()).op(MetricOp::kPut).count, 5u);
    EXPECT_TRUE(IsInternalRecord(Component::kMetadata, MetricsSampleId(MetricsResolution::kMinute, 1)));
  }
  auto db = OpenDb(dir.path(), 0, true, /*read_only=*/true);
  std::vector<MetricsSample> samples;
  ASSERT_TRUE(ReadMetricsHistory(db.get(), MetricsHistoryQuery(), &samples).ok());
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[0].op(MetricOp::kPut).count, 4u);
  EXPECT_EQ(samples[1].op(MetricOp::kPut).count, 1u);  // the interval only
  EXPECT_EQ(samples[0].end_us, samples[1].start_us);
  EXPECT_EQ(samples[1].records[static_cast<int>(Component::kSequence)], 5u);
  EXPECT_GT(samples[1].total_disk_bytes, 0u);
  EXPECT_GT(samples[0].op(MetricOp::kPut).p99_seconds, 0);
  EXPECT_EQ(samples[0].resolution, MetricsResolution::kMinute);
  // A read-only instance stores nothing.
  EXPECT_TRUE(static_cast<DBImpl*>(db.get())->WriteMetricsSample().IsNotSupported());
  MetricsHistoryQuery bad;
  bad.from_us = 2;
  bad.to_us = 1;
  EXPECT_TRUE(ReadMetricsHistory(db.get(), bad, &samples).IsInvalidArgument());
}

TEST(MetricsTest, IntervalThreadAndCloseStoreSamples) {
  test::TempDir dir;
  {
    auto db = OpenDb(dir.path(), /*interval=*/1);
    ASSERT_TRUE(db->Put(WriteOptions(), Component::kSequence, "a", "{}").ok());
    std::vector<MetricsSample> samples;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (samples.empty() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      ASSERT_TRUE(ReadMetricsHistory(db.get(), MetricsHistoryQuery(), &samples).ok());
    }
    ASSERT_FALSE(samples.empty());
    EXPECT_EQ(samples[0].op(MetricOp::kPut).count, 1u);
  }
  std::vector<MetricsSample> before;
  {
    auto db = OpenDb(dir.path(), 0, true, true);
    ASSERT_TRUE(ReadMetricsHistory(db.get(), MetricsHistoryQuery(), &before).ok());
  }
  {
    // Open beyond a second: the close stores a last sample.
    auto db = OpenDb(dir.path(), /*interval=*/60);
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  }
  {
    // A read-only instance stores none at close.
    auto db = OpenDb(dir.path(), 1, true, true);
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  }
  auto db = OpenDb(dir.path(), 0, true, true);
  std::vector<MetricsSample> after;
  ASSERT_TRUE(ReadMetricsHistory(db.get(), MetricsHistoryQuery(), &after).ok());
  EXPECT_EQ(after.size(), before.size() + 1);
}

MetricsSample Synthetic(int64_t start_us, uint64_t gets, int bucket, uint64_t disk) {
  MetricsSample s;
  s.start_us = start_us;
  s.end_us = start_us + 60 * 1000000;
  s.ops[static_cast<int>(MetricOp::kGet)].errors = 1;
  s.latency[static_cast<int>(MetricOp::kGet)].buckets = {{bucket, gets}};
  s.latency[static_cast<int>(MetricOp::kGet)].sum_ns = gets * HistogramData::BucketLow(bucket);
  s.latency[static_cast<int>(MetricOp::kGet)].max_ns = HistogramData::BucketLow(bucket);
  s.block_cache_hits = gets;
  s.total_disk_bytes = disk;
  FinishMetricsSample(&s);
  return s;
}

TEST(MetricsTest, DownsamplingMergesByAge) {
  test::TempDir dir;
  auto db = OpenDb(dir.path());
  const int64_t now = 1000 * kDayUs + 5 * kHourUs + 123;
  const int64_t old_hour = now - 2 * kDayUs - 5 * kHourUs + 3 * kHourUs;  // an hour 2 days ago
  // Three minutes of an old hour, one of the hour after it, one recent.
  ASSERT_TRUE(StoreMetricsSample(db.get(), Synthetic(old_hour, 10, 100, 1000)).ok());
  ASSERT_TRUE(StoreMetricsSample(db.get(), Synthetic(old_hour + 60000000, 20, 200, 2000)).ok());
  ASSERT_TRUE(StoreMetricsSample(db.get(), Synthetic(old_hour + 120000000, 30, 150, 3000)).ok());
  ASSERT_TRUE(StoreMetricsSample(db.get(), Synthetic(old_hour + kHourUs, 5, 100, 4000)).ok());
  ASSERT_TRUE(StoreMetricsSample(db.get(), Synthetic(now - kHourUs, 7, 100, 5000)).ok());
  ASSERT_TRUE(DownsampleMetricsHistory(db.get(), now).ok());

  std::vector<MetricsSample> samples;
  ASSERT_TRUE(ReadMetricsHistory(db.get(), MetricsHistoryQuery(), &samples).ok());
  ASSERT_EQ(samples.size(), 3u);
  const MetricsSample& hour = samples[0];
  EXPECT_EQ(hour.resolution, MetricsResolution::kHour);
  EXPECT_EQ(hour.op(MetricOp::kGet).count, 60u);
  EXPECT_EQ(hour.op(MetricOp::kGet).errors, 3u);
  EXPECT_EQ(hour.block_cache_hits, 60u);
  EXPECT_EQ(hour.total_disk_bytes, 3000u);  // the last part's
  EXPECT_EQ(hour.start_us, old_hour);
  EXPECT_EQ(hour.end_us, old_hour + 180000000);
  // Percentiles of the merged histogram, not averages of the parts'.
  HistogramData expected;
  expected.buckets[100] = 10;
  expected.buckets[200] = 20;
  expected.buckets[150] = 30;
  expected.count = 60;
  expected.max = HistogramData::BucketLow(200);
  EXPECT_DOUBLE_EQ(hour.op(MetricOp::kGet).p50_seconds, expected.Percentile(0.5) * 1e-9);
  EXPECT_DOUBLE_EQ(hour.op(MetricOp::kGet).p99_seconds, expected.Percentile(0.99) * 1e-9);
  EXPECT_EQ(samples[1].resolution, MetricsResolution::kHour);  // the next hour, alone
  EXPECT_EQ(samples[2].resolution, MetricsResolution::kMinute);  // recent: kept as it is

  // Merging again changes nothing; a minute arriving late for a merged
  // hour joins it.
  ASSERT_TRUE(StoreMetricsSample(db.get(), Synthetic(old_hour + 300000000, 40, 100, 6000)).ok());
  ASSERT_TRUE(DownsampleMetricsHistory(db.get(), now).ok());
  ASSERT_TRUE(ReadMetricsHistory(db.get(), MetricsHistoryQuery(), &samples).ok());
  ASSERT_EQ(samples.size(), 3u);
  EXPECT_EQ(samples[0].op(MetricOp::kGet).count, 100u);

  // A month later the hours become a day; reading at hour resolution merges
  // minutes on the fly.
  ASSERT_TRUE(DownsampleMetricsHistory(db.get(), now + 40 * kDayUs).ok());
  ASSERT_TRUE(ReadMetricsHistory(db.get(), MetricsHistoryQuery(), &samples).ok());
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[0].resolution, MetricsResolution::kDay);
  EXPECT_EQ(samples[0].op(MetricOp::kGet).count, 105u);
  EXPECT_EQ(samples[1].resolution, MetricsResolution::kDay);
  MetricsHistoryQuery q;
  q.from_us = now + 30 * kDayUs;
  ASSERT_TRUE(ReadMetricsHistory(db.get(), q, &samples).ok());
  EXPECT_TRUE(samples.empty());
}

TEST(MetricsTest, ReadingAtACoarserResolutionMerges) {
  test::TempDir dir;
  auto db = OpenDb(dir.path());
  const int64_t hour = 500 * kDayUs + 7 * kHourUs;
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(StoreMetricsSample(db.get(), Synthetic(hour + i * 60000000LL, 1, 10, i)).ok());
  }
  ASSERT_TRUE(StoreMetricsSample(db.get(), Synthetic(hour + kHourUs, 1, 10, 9)).ok());
  MetricsHistoryQuery q;
  q.resolution = MetricsResolution::kHour;
  std::vector<MetricsSample> samples;
  ASSERT_TRUE(ReadMetricsHistory(db.get(), q, &samples).ok());
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[0].op(MetricOp::kGet).count, 4u);
  EXPECT_EQ(samples[0].resolution, MetricsResolution::kHour);
  q.resolution = MetricsResolution::kDay;
  ASSERT_TRUE(ReadMetricsHistory(db.get(), q, &samples).ok());
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].total_disk_bytes, 9u);
  q.from_us = hour + kHourUs + 1;
  q.resolution = MetricsResolution::kAny;
  ASSERT_TRUE(ReadMetricsHistory(db.get(), q, &samples).ok());
  ASSERT_EQ(samples.size(), 1u);  // only the one overlapping
}

TEST(MetricsTest, BadIntervalIsRefused) {
  test::TempDir dir;
  Options o;
  o.metrics_interval_seconds = -1;
  std::unique_ptr<DB> db;
  EXPECT_TRUE(DB::Open(o, dir.path(), &db).IsInvalidArgument());
}

}  // namespace
}  // namespace spirapi
