// spirapi metrics [--history], and the metrics parts of spirapi stats.

#include <memory>
#include <string>

#include "db/db_impl.h"
#include "spirapi/db.h"
#include "tools/cli_test_util.h"

namespace spirapi {
namespace {

// Stores one sample of a few puts and gets, as a long-running writer would.
void StoreSample(const std::string& path) {
  Options o;
  o.metrics_interval_seconds = 0;
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(o, path, &db).ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(db->Put(WriteOptions(), Component::kSequence, "k" + std::to_string(i), "{}").ok());
  }
  StorageRecord r;
  ASSERT_TRUE(db->Get(ReadOptions(), Component::kSequence, "k1", &r).ok());
  ASSERT_TRUE(static_cast<DBImpl*>(db.get())->WriteMetricsSample().ok());
}

TEST_F(CliTest, MetricsPrintsPrometheusAndTheStoredSample) {
  Init();
  std::string out = RunOk({"metrics", db_});
  EXPECT_NE(out.find("# TYPE spirapi_operations_total counter"), std::string::npos) << out;
  EXPECT_NE(out.find("no stored metrics sample"), std::string::npos) << out;
  StoreSample(db_);
  out = RunOk({"metrics", db_});
  EXPECT_NE(out.find("spirapi_sample_operations{op=\"put\"} 3"), std::string::npos) << out;
  EXPECT_NE(out.find("spirapi_records{component=\"sequence\"} 3"), std::string::npos) << out;
  rapidjson::Document doc = ParseJson(RunOk({"metrics", db_, "--json"}));
  EXPECT_EQ(doc["last_sample"]["ops"]["put"]["count"].GetUint64(), 3u);
  EXPECT_TRUE(doc["this_process"]["ops"].HasMember("get"));
}

TEST_F(CliTest, MetricsHistoryAndStats) {
  Init();
  EXPECT_EQ(RunOk({"metrics", db_, "--history"}), "no stored metrics samples\n");
  StoreSample(db_);
  StoreSample(db_);
  const auto lines = SplitLines(RunOk({"metrics", db_, "--history", "--json"}));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(ParseJson(lines[0])["ops"]["get"]["count"].GetUint64(), 1u);
  // Both samples fall in one hour, or in two when the test crossed one.
  const auto hours = SplitLines(RunOk({"metrics", db_, "--history", "--resolution", "hour", "--json"}));
  ASSERT_GE(hours.size(), 1u);
  EXPECT_EQ(ParseJson(hours[0])["resolution"].GetString(), std::string("hour"));
  EXPECT_EQ(SplitLines(RunOk({"metrics", db_, "--history", "--since", "1h"})).size(), 3u);
  rapidjson::Document stats = ParseJson(RunOk({"stats", db_, "--json"}));
  EXPECT_TRUE(stats["metrics"]["ops"].HasMember("put"));
  EXPECT_EQ(stats["metrics_last_sample"]["ops"]["put"]["count"].GetUint64(), 3u);
  const std::string text = RunOk({"stats", db_});
  EXPECT_NE(text.find("latency (stored sample ending"), std::string::npos) << text;
  EXPECT_NE(text.find("  put "), std::string::npos) << text;
}

TEST_F(CliTest, MetricsRefusalsAreOneLine) {
  Init();
  struct Case {
    std::vector<std::string> args;
    const char* says;
  };
  const std::vector<Case> cases = {
      {{"metrics", db_, "--since", "1h"}, "go with --history"},
      {{"metrics", db_, "--history", "--since", "soon"}, "needs an age"},
      {{"metrics", db_, "--history", "--since", "5y"}, "needs an age"},
      {{"metrics", db_, "--history", "--resolution", "week"}, "any, minute, hour or day"},
      {{"metrics", dir_ + "/absent"}, "does not exist"},
  };
  for (const Case& c : cases) {
    CliResult r = Run(c.args);
    EXPECT_EQ(r.exit_code, 2) << Join(c.args) << ": " << r.err;
    ExpectOneErrorLine(r);
    EXPECT_NE(r.err.find(c.says), std::string::npos) << Join(c.args) << ": " << r.err;
  }
}

}  // namespace
}  // namespace spirapi
