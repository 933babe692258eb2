// spirapi compact --recompress and spirapi cleanup (records by age, journal
// tails by age).

#include <sys/time.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <string>
#include <thread>

#include "tools/cli_test_util.h"

namespace spirapi {
namespace {

TEST_F(CliTest, CompactRecompressStoresTheSettingsAndReportsSizes) {
  RunOk({"init", db_, "--compression-codec", "none", "--compression-level", "0"});
  std::string lines;
  for (int i = 0; i < 500; ++i) {
    lines += "{\"id\":\"k" + std::to_string(i) + "\",\"data\":{\"i\":" + std::to_string(i) +
             ",\"digits\":\"31415926535897932384626433\"}}\n";
  }
  RunOk({"load", db_, "sequence", "-"}, lines);
  const std::string out =
      RunOk({"compact", db_, "--recompress", "--codec", "zstd", "--level", "9"});
  // "segments: B bytes (..) before, A bytes (..) after, zstd level 9"
  ASSERT_EQ(out.rfind("segments: ", 0), 0u) << out;
  EXPECT_NE(out.find("after, zstd level 9"), std::string::npos) << out;
  const uint64_t before = std::stoull(out.substr(10));
  const uint64_t after = std::stoull(out.substr(out.find("before, ") + 8));
  EXPECT_GT(before, 0u);
  EXPECT_LT(after * 2, before) << out;
  rapidjson::Document stats = ParseJson(RunOk({"stats", db_, "--json"}));
  EXPECT_STREQ(stats["compression_codec"].GetString(), "zstd");
  EXPECT_EQ(stats["compression_level"].GetUint64(), 9u);
  EXPECT_NE(RunOk({"get", db_, "sequence", "k321"}).find("\"i\":321"), std::string::npos);
  RunOk({"verify", db_});
  // Without settings: rewrites at the stored ones.
  EXPECT_NE(RunOk({"compact", db_, "--recompress"}).find("zstd level 9"), std::string::npos);
  // Plain compact prints nothing.
  EXPECT_EQ(RunOk({"compact", db_}), "");

  for (const auto& bad :
       std::vector<std::vector<std::string>>{{"compact", db_, "--level", "3"},
                                             {"compact", db_, "--recompress", "--level", "10"},
                                             {"compact", db_, "--recompress", "--codec", "brotli"},
                                             {"compact", db_, "--recompress", "--level", "-1"}}) {
    CliResult r = Run(bad);
    EXPECT_EQ(r.exit_code, 2) << bad[2] << " " << r.err;
    ExpectOneErrorLine(r);
  }
  stats = ParseJson(RunOk({"stats", db_, "--json"}));
  EXPECT_EQ(stats["compression_level"].GetUint64(), 9u);
}

TEST_F(CliTest, CleanupDeletesOldRecordsOnly) {
  Init();
  RunOk({"put", db_, "cache", "old", "{\"a\":1}"});
  RunOk({"put", db_, "metadata", "pi-ids/next-position", "{\"next_position\":1}"});
  RunOk({"index", "create", db_, "--component", "cache", "--field", "a"});
  // "old" is 5 s older than "new", and the cutoff 4.5 s before each cleanup:
  // the two cleanups run right after "new" was written, well within 4.5 s
  // even under a sanitizer (a CLI run under ASan takes about a second; a
  // 0.17 s margin once failed there).
  std::this_thread::sleep_for(std::chrono::seconds(5));
  RunOk({"put", db_, "cache", "new", "{\"a\":2}"});
  const std::string cutoff_days = "0.0000521";  // 4.5 s
  CliResult dry = Run({"cleanup", db_, "--older-than", cutoff_days, "--dry-run", "--json"});
  const std::string out =
      RunOk({"cleanup", db_, "--older-than", cutoff_days, "--component", "cache"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  rapidjson::Document d = ParseJson(dry.out);
  EXPECT_TRUE(d["dry_run"].GetBool());
  EXPECT_EQ(d["deleted"].GetUint64(), 1u);
  EXPECT_EQ(d["components"]["cache"].GetUint64(), 1u);
  EXPECT_EQ(out.rfind("deleted 1 records committed before ", 0), 0u) << out;
  EXPECT_NE(out.find("(cache 1)"), std::string::npos) << out;
  EXPECT_EQ(Run({"get", db_, "cache", "old"}).exit_code, 1);
  RunOk({"get", db_, "cache", "new"});
  RunOk({"get", db_, "metadata", "pi-ids/next-position"});
  RunOk({"index", "verify", db_});
  RunOk({"verify", db_});

  for (const auto& bad : std::vector<std::vector<std::string>>{
           {"cleanup", db_},
           {"cleanup", db_, "--older-than", "0"},
           {"cleanup", db_, "--older-than", "-2"},
           {"cleanup", db_, "--older-than", "abc"},
           {"cleanup", db_, "--older-than", "1", "--component", "nope"},
           {"cleanup", db_, "--older-than", "1", "--batch", "0"},
           {"cleanup", db_, "--component", "cache"},
           {"cleanup", db_, "--remove-tails-older-than", "0"}}) {
    CliResult r = Run(bad);
    EXPECT_EQ(r.exit_code, 2) << bad.back() << " " << r.err;
    ExpectOneErrorLine(r);
  }
}

TEST_F(CliTest, CleanupRemovesOldJournalTailsOnly) {
  Init();
  const std::string old_tail = db_ + "/journal/000001-64.tail";
  const std::string young_tail = db_ + "/journal/000001-9.tail";
  WriteFile(old_tail, "abc");
  WriteFile(young_tail, "abcd");
  struct timeval times[2];
  times[0].tv_sec = times[1].tv_sec = time(nullptr) - 40 * 86400;
  times[0].tv_usec = times[1].tv_usec = 0;
  ASSERT_EQ(::utimes(old_tail.c_str(), times), 0);

  std::string out = RunOk({"cleanup", db_, "--remove-tails-older-than", "30", "--dry-run"});
  EXPECT_EQ(out.rfind("would remove journal/000001-64.tail (3 bytes, modified ", 0), 0u) << out;
  EXPECT_TRUE(std::filesystem::exists(old_tail));
  out = RunOk({"cleanup", db_, "--remove-tails-older-than", "30", "--json"});
  rapidjson::Document d = ParseJson(out);
  ASSERT_EQ(d["tails"].Size(), 1u);
  EXPECT_STREQ(d["tails"][0]["file"].GetString(), "journal/000001-64.tail");
  EXPECT_FALSE(std::filesystem::exists(old_tail));
  EXPECT_TRUE(std::filesystem::exists(young_tail));
  EXPECT_EQ(RunOk({"cleanup", db_, "--remove-tails-older-than", "30"}), "");
}

}  // namespace
}  // namespace spirapi
