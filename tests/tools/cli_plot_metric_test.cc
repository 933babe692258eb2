// spirapi plot DB --metric NAME --out FILE: charts of the metrics history as
// files, written while another process holds the database; no history and
// every refusal are one error line, after which no file exists and the
// database is as it was.

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "db/db_impl.h"
#include "spirapi/db.h"
#include "tools/cli_test_util.h"

namespace spirapi {
namespace {

class CliPlotMetricTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    Init();
  }
  std::string Out(const std::string& name) const { return dir_ + "/" + name; }

  // Stores one sample of 3 puts and a get, as a long-running writer would.
  void StoreSample() {
    Options o;
    o.metrics_interval_seconds = 0;
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(o, db_, &db).ok());
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(
          db->Put(WriteOptions(), Component::kSequence, "k" + std::to_string(i), "{}").ok());
    }
    StorageRecord r;
    ASSERT_TRUE(db->Get(ReadOptions(), Component::kSequence, "k1", &r).ok());
    ASSERT_TRUE(static_cast<DBImpl*>(db.get())->WriteMetricsSample().ok());
  }

  // The database's files and their sizes.
  std::map<std::string, uintmax_t> DbFiles() const {
    std::map<std::string, uintmax_t> files;
    for (const auto& e : std::filesystem::recursive_directory_iterator(db_)) {
      if (e.is_regular_file()) files[e.path().string()] = e.file_size();
    }
    return files;
  }
};

TEST_F(CliPlotMetricTest, WritesSvgAndPngOfTheStoredHistory) {
  StoreSample();
  StoreSample();
  const std::string svg = Out("read.svg");
  const std::string said = RunOk({"plot", db_, "--metric", "read_latency", "--out", svg});
  EXPECT_EQ(said.rfind("wrote " + svg + " (", 0), 0u) << said;
  const std::string text = ReadFile(svg);
  EXPECT_EQ(text.rfind("<?xml", 0), 0u);
  EXPECT_NE(text.find(">Read latency (get)</text>"), std::string::npos);
  EXPECT_NE(text.find(">2 samples, "), std::string::npos);
  EXPECT_NE(text.find(">p99</text>"), std::string::npos);
  EXPECT_NE(text.find(">time (UTC), from "), std::string::npos);

  RunOk({"plot", db_, "--metric", "put_throughput", "--out", Out("put.PNG"), "--since", "1h",
         "--resolution", "hour", "--width", "640", "--height", "300"});
  const std::string png = ReadFile(Out("put.PNG"));
  ASSERT_GT(png.size(), 24u);
  EXPECT_EQ(png.substr(0, 8), "\x89PNG\r\n\x1a\n");
  EXPECT_EQ(png.substr(16, 8), std::string("\0\0\x02\x80\0\0\x01\x2c", 8));  // 640 x 300
}

TEST_F(CliPlotMetricTest, WorksWhileAnotherProcessHoldsTheDatabase) {
  StoreSample();
  std::unique_ptr<DB> held;
  Options o;
  o.metrics_interval_seconds = 0;
  ASSERT_TRUE(DB::Open(o, db_, &held).ok());
  RunOk({"plot", db_, "--metric", "disk_bytes", "--out", Out("disk.svg")});
  EXPECT_NE(ReadFile(Out("disk.svg")).find(">Disk use</text>"), std::string::npos);
}

TEST_F(CliPlotMetricTest, NoHistoryIsExitOneAndNoFile) {
  CliResult r = Run({"plot", db_, "--metric", "errors", "--out", Out("e.svg")});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  ExpectOneErrorLine(r);
  EXPECT_NE(r.err.find("no metrics history"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(Out("e.svg")));
  // A sample, but none in the range asked for (the last 0 seconds).
  StoreSample();
  r = Run({"plot", db_, "--metric", "errors", "--out", Out("e.svg"), "--since", "0s"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_FALSE(std::filesystem::exists(Out("e.svg")));
}

TEST_F(CliPlotMetricTest, RefusalsAreOneLineAndChangeNothing) {
  StoreSample();
  std::filesystem::create_directory(Out("dir.svg"));
  const auto before = DbFiles();
  ExpectRefusals({
      {{"plot", db_, "--metric", "bogus", "--out", Out("a.svg")}, 2, "unknown metric 'bogus'"},
      {{"plot", db_, "--metric", "get", "--out", Out("a.svg")}, 2, "read_latency, write_latency"},
      {{"plot", db_, "--metric", "read_latency", "--out", Out("a.jpg")},
       2,
       "must end in .svg or .png"},
      {{"plot", db_, "--metric", "read_latency", "--out", Out("no/such/a.svg")},
       2,
       "does not exist"},
      {{"plot", db_, "--metric", "read_latency", "--out", Out("dir.svg")}, 2, "is a directory"},
      {{"plot", db_, "--metric", "read_latency", "--out", Out("a.svg"), "--since", "soon"},
       2,
       "needs an age"},
      {{"plot", db_, "--metric", "read_latency", "--out", Out("a.svg"), "--resolution", "week"},
       2,
       "any, minute, hour or day"},
      {{"plot", db_, "--metric", "read_latency", "--out", Out("a.svg"), "--width", "100"},
       2,
       "200..4000"},
      {{"plot", db_, "--metric", "read_latency"}, 2, "--out"},
      {{"plot", db_, "--out", Out("a.svg")}, 2, "--metric"},
      {{"plot", dir_ + "/nodb", "--metric", "read_latency", "--out", Out("a.svg")},
       2,
       "does not exist"},
  });
  ExpectNothingWrittenBut({"dir.svg"});
  EXPECT_EQ(DbFiles(), before);
}

}  // namespace
}  // namespace spirapi
