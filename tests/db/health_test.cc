// DB::CheckHealth on real databases: a fresh one, the record of the last
// Verify, damage found by a sampled verify, a journal tail, slow queries,
// read-only instances beside a writer.

#include "spirapi/health.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>

#include "db/db_impl.h"
#include "spirapi/db.h"
#include "spirapi/maintenance.h"
#include "spirapi/query_log.h"
#include "support/temp_dir.h"

namespace spirapi {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
}

// The machine's own disk must not decide these tests.
HealthOptions IgnoringTheDisk() {
  HealthOptions o;
  o.thresholds.disk_used_warning = 1;
  o.thresholds.disk_used_critical = 1;
  return o;
}

HealthFinding Find(const HealthReport& report, const std::string& check) {
  for (const HealthFinding& f : report.findings) {
    if (f.check == check) return f;
  }
  ADD_FAILURE() << "no finding " << check;
  return HealthFinding();
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class HealthTest : public ::testing::Test {
 protected:
  void Open(const Options& options = Options()) {
    db_.reset();
    Status s = DB::Open(options, path_, &db_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void Fill(int n, Component c = Component::kSequence) {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(db_->Put(WriteOptions(), c, "id" + std::to_string(i),
                           R"({"marker":"HEALTHMARK)" + std::to_string(i) + R"("})")
                      .ok());
    }
  }
  HealthReport Check(DB* db, HealthOptions options = IgnoringTheDisk()) {
    HealthReport report;
    Status s = db->CheckHealth(options, &report);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return report;
  }

  test::TempDir temp_;
  const std::string path_ = temp_.Sub("db");
  std::unique_ptr<DB> db_;
};

TEST_F(HealthTest, RatesAndGrowthComeFromTheMetricsHistory) {
  Options options;
  options.create_if_missing = true;
  Open(options);
  HealthReport before = Check(db_.get());
  EXPECT_NE(Find(before, "disk_growth").message.find("not enough history"), std::string::npos);
  EXPECT_NE(Find(before, "error_rate").message.find("not enough history"), std::string::npos);
  auto* impl = dynamic_cast<DBImpl*>(db_.get());
  ASSERT_NE(impl, nullptr);
  for (int round = 0; round < 3; ++round) {
    Fill(100);
    ASSERT_TRUE(impl->WriteMetricsSample().ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  // A read-only instance, as `spirapi health` opens it, reads the writer's.
  Options ro;
  ro.read_only = true;
  std::unique_ptr<DB> reader;
  ASSERT_TRUE(DB::Open(ro, path_, &reader).ok());
  HealthReport after = Check(reader.get());
  EXPECT_EQ(Find(after, "disk_growth").message.find("not enough history"), std::string::npos)
      << Find(after, "disk_growth").message;
  const HealthFinding errors = Find(after, "error_rate");
  EXPECT_EQ(errors.message.rfind("0 of ", 0), 0u) << errors.message;
  EXPECT_NE(errors.message.find("operations failed in the last hour"), std::string::npos)
      << errors.message;
  EXPECT_NE(Find(after, "retry_rate").message.find("not recorded"), std::string::npos);
}

TEST_F(HealthTest, FreshDatabaseIsHealthy) {
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_NO_FATAL_FAILURE(Fill(20));
  const HealthReport report = Check(db_.get());
  EXPECT_EQ(report.overall(), HealthSeverity::kOk) << report.ToText();
  EXPECT_EQ(report.findings.size(), 16u);
  EXPECT_EQ(Find(report, "last_verify").message, "never verified");
  EXPECT_EQ(Find(report, "backups").message, "no backup taken");
  EXPECT_TRUE(Contains(Find(report, "disk_space").message, "free of")) << report.ToText();
  EXPECT_TRUE(Contains(Find(report, "disk_growth").message, "not enough history"));
  EXPECT_GT(report.time_us, 0);
}

TEST_F(HealthTest, VerifyIsRecordedAndItsAgeReported) {
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_NO_FATAL_FAILURE(Fill(30));
  VerifyReport verify;
  ASSERT_TRUE(db_->Verify(&verify).ok());
  HealthFinding f = Find(Check(db_.get()), "last_verify");
  EXPECT_EQ(f.severity, HealthSeverity::kOk);
  EXPECT_TRUE(Contains(f.message, "last verify 0.0 hours ago: ")) << f.message;
  EXPECT_TRUE(Contains(f.message, std::to_string(verify.records_checked) + " records, no damage"))
      << f.message;

  // Kept in METADATA, for later processes, and never cleaned up.
  StorageRecord r;
  ASSERT_TRUE(db_->Get(ReadOptions(), Component::kMetadata, "~verify/last", &r).ok());
  EXPECT_TRUE(Contains(r.data, "\"records_checked\":" + std::to_string(verify.records_checked)))
      << r.data;
  EXPECT_TRUE(IsInternalRecord(Component::kMetadata, "~verify/last"));
  CleanupOptions cleanup;
  cleanup.older_than_days = 1;
  cleanup.now_us = static_cast<int64_t>(r.timestamp * 1e6) + 2LL * 86400 * 1000000;
  CleanupResult removed;
  ASSERT_TRUE(CleanupOlderThan(db_.get(), cleanup, &removed).ok());
  EXPECT_EQ(removed.deleted, 30u);
  ASSERT_NO_FATAL_FAILURE(Open());
  f = Find(Check(db_.get()), "last_verify");
  EXPECT_TRUE(Contains(f.message, "last verify 0.0 hours ago")) << f.message;

  // A record 45 days old is a warning.
  const int64_t old_us = static_cast<int64_t>(r.timestamp * 1e6) - 45LL * 86400 * 1000000;
  ASSERT_TRUE(db_->Put(WriteOptions(), Component::kMetadata, "~verify/last",
                       "{\"time_us\":" + std::to_string(old_us) +
                           ",\"files_checked\":3,\"records_checked\":90,\"damage\":0}")
                  .ok());
  f = Find(Check(db_.get()), "last_verify");
  EXPECT_EQ(f.severity, HealthSeverity::kWarning);
  EXPECT_TRUE(Contains(f.message, "last verify 45.0 days ago")) << f.message;
  EXPECT_EQ(f.recommendation, "run spirapi verify --record DB");
}

TEST_F(HealthTest, SampledVerifyFindsAFlippedByteInASegment) {
  Options options;
  options.compression_codec = CompressionCodec::kNone;
  ASSERT_NO_FATAL_FAILURE(Open(options));
  ASSERT_NO_FATAL_FAILURE(Fill(200));
  ASSERT_TRUE(db_->Flush().ok());
  db_.reset();
  std::string segment;
  for (const auto& e : fs::directory_iterator(path_ + "/sequence")) {
    if (e.path().extension() == ".seg") segment = e.path().string();
  }
  ASSERT_FALSE(segment.empty());
  std::string contents = ReadFile(segment);
  const size_t at = contents.find("HEALTHMARK117");
  ASSERT_NE(at, std::string::npos);
  contents[at + 4] ^= 0x20;
  WriteFile(segment, contents);

  ASSERT_NO_FATAL_FAILURE(Open());
  // Without a sample the damage is not seen: no read touched it.
  EXPECT_EQ(Find(Check(db_.get()), "sampled_verify").severity, HealthSeverity::kOk);
  HealthOptions sample = IgnoringTheDisk();
  sample.sample_records = 1000;  // more than there are: every record
  HealthReport report = Check(db_.get(), sample);
  HealthFinding f = Find(report, "sampled_verify");
  EXPECT_EQ(f.severity, HealthSeverity::kCritical) << f.message;
  EXPECT_TRUE(Contains(f.message, "of 200 records read at random are damaged")) << f.message;
  EXPECT_TRUE(Contains(f.message, "sequence")) << f.message;
  EXPECT_EQ(report.overall(), HealthSeverity::kCritical);

  // As seen by a read-only instance, too.
  Options ro;
  ro.read_only = true;
  std::unique_ptr<DB> reader;
  ASSERT_TRUE(DB::Open(ro, path_, &reader).ok());
  EXPECT_EQ(Find(Check(reader.get(), sample), "sampled_verify").severity,
            HealthSeverity::kCritical);
}

TEST_F(HealthTest, SampleOfAnIntactDatabase) {
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_NO_FATAL_FAILURE(Fill(50, Component::kSchema));
  ASSERT_NO_FATAL_FAILURE(Fill(50, Component::kCache));
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_NO_FATAL_FAILURE(Fill(10, Component::kQuery));  // in the journal
  HealthOptions sample = IgnoringTheDisk();
  sample.sample_records = 40;
  HealthFinding f = Find(Check(db_.get(), sample), "sampled_verify");
  EXPECT_EQ(f.severity, HealthSeverity::kOk);
  EXPECT_EQ(f.message, "40 records read at random: no damage");
  sample.sample_records = 5000;
  f = Find(Check(db_.get(), sample), "sampled_verify");
  EXPECT_EQ(f.message, "110 records read at random: no damage (all the database holds)");
  // An empty database has nothing to sample.
  db_.reset();
  fs::remove_all(path_);
  ASSERT_NO_FATAL_FAILURE(Open());
  f = Find(Check(db_.get(), sample), "sampled_verify");
  EXPECT_EQ(f.severity, HealthSeverity::kOk);
  EXPECT_TRUE(Contains(f.message, "0 records read at random")) << f.message;
}

TEST_F(HealthTest, JournalTailIsAWarning) {
  Options options;
  options.background_work = false;
  ASSERT_NO_FATAL_FAILURE(Open(options));
  ASSERT_NO_FATAL_FAILURE(Fill(10));
  // Every commit was synced: a copy now is what a crash leaves.
  const std::string crashed = temp_.Sub("crashed");
  fs::copy(path_, crashed, fs::copy_options::recursive);
  db_.reset();
  std::string journal;
  for (const auto& e : fs::directory_iterator(crashed + "/journal")) {
    if (e.path().extension() == ".log" && e.path().string() > journal) journal = e.path().string();
  }
  ASSERT_FALSE(journal.empty());
  std::string contents = ReadFile(journal);
  contents[contents.size() - 10] ^= 0x01;
  WriteFile(journal, contents);
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(options, crashed, &db).ok());
  const HealthReport report = Check(db.get());
  const HealthFinding f = Find(report, "journal_tails");
  EXPECT_EQ(f.severity, HealthSeverity::kWarning);
  EXPECT_TRUE(Contains(f.message, "1 journal tails kept aside")) << f.message;
  EXPECT_TRUE(Contains(f.recommendation, "--remove-tails-older-than")) << f.recommendation;
  EXPECT_EQ(report.overall(), HealthSeverity::kWarning) << report.ToText();
}

TEST_F(HealthTest, SlowQueriesOfTheLastDay) {
  ASSERT_NO_FATAL_FAILURE(Open());
  QueryLogEntry e;
  e.query = R"({"where":{}})";
  e.source = "component sequence";
  for (int i = 0; i < 12; ++i) {
    e.seconds = i < 10 ? 0.5 + i : 0.01;
    ASSERT_TRUE(AppendQueryLog(db_.get(), e).ok());
  }
  e.seconds = 100;  // two days ago: not counted
  e.time_us = (Check(db_.get()).time_us) - 2LL * 86400 * 1000000;
  ASSERT_TRUE(AppendQueryLog(db_.get(), e).ok());
  const HealthFinding f = Find(Check(db_.get()), "slow_queries");
  EXPECT_EQ(f.severity, HealthSeverity::kWarning);
  EXPECT_TRUE(Contains(f.message, "10 of 12 queries in the last day ran 0.100 s or longer"))
      << f.message;
  EXPECT_TRUE(Contains(f.message, "slowest: 9.500 s (component sequence), 8.500 s")) << f.message;
}

TEST_F(HealthTest, ReadOnlyInstanceBesideAWriter) {
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_NO_FATAL_FAILURE(Fill(20));
  Options ro;
  ro.read_only = true;
  std::unique_ptr<DB> reader;
  ASSERT_TRUE(DB::Open(ro, path_, &reader).ok());
  HealthReport report = Check(reader.get());
  EXPECT_EQ(report.overall(), HealthSeverity::kOk) << report.ToText();
  EXPECT_EQ(Find(report, "last_verify").message, "never verified");

  // The reader's own verify counts for the reader (it cannot write a record).
  VerifyReport verify;
  ASSERT_TRUE(reader->Verify(&verify).ok());
  EXPECT_TRUE(Contains(Find(Check(reader.get()), "last_verify").message, "last verify"));
  EXPECT_EQ(Find(Check(db_.get()), "last_verify").message, "never verified");
  StorageRecord r;
  EXPECT_TRUE(db_->Get(ReadOptions(), Component::kMetadata, "~verify/last", &r).IsNotFound());

  // The writer's, once the reader catches up.
  ASSERT_TRUE(db_->Verify(&verify).ok());
  ASSERT_TRUE(reader->CatchUp().ok());
  EXPECT_TRUE(Contains(Find(Check(reader.get()), "last_verify").message,
                       std::to_string(verify.records_checked) + " records"));
}

TEST_F(HealthTest, BadThresholdsAreRefused) {
  ASSERT_NO_FATAL_FAILURE(Open());
  HealthOptions o;
  o.thresholds.cache_hit_rate_warning = 2;
  HealthReport report;
  Status s = db_->CheckHealth(o, &report);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_TRUE(report.findings.empty());
}

}  // namespace
}  // namespace spirapi
