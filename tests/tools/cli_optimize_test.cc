// spirapi init --compression-codec, spirapi optimize, and the settings line
// of spirapi stats.

#include <string>

#include "tools/cli_test_util.h"

namespace spirapi {
namespace {


TEST_F(CliTest, InitTakesACodecAndStatsShowsIt) {
  RunOk({"init", db_, "--compression-codec", "lzma"});
  rapidjson::Document stats = ParseJson(RunOk({"stats", db_, "--json"}));
  EXPECT_STREQ(stats["compression_codec"].GetString(), "lzma");
  EXPECT_EQ(stats["block_size_kib"].GetUint64(), 64u);
  EXPECT_NE(RunOk({"stats", db_}).find("lzma level 3, blocks of 64 KiB"), std::string::npos);

  CliResult bad = Run({"init", dir_ + "/other", "--compression-codec", "brotli"});
  EXPECT_EQ(bad.exit_code, 2);
  ExpectOneErrorLine(bad);
}

TEST_F(CliTest, OptimizeStoresTheGoalAndCompactRewrites) {
  Init();
  std::string lines;
  for (int i = 0; i < 500; ++i) {
    lines += "{\"id\":\"k" + std::to_string(i) + "\",\"data\":{\"i\":" + std::to_string(i) +
             ",\"digits\":\"31415926535897932384626433\"}}\n";
  }
  RunOk({"load", db_, "sequence", "-"}, lines);
  RunOk({"optimize", db_, "space", "--compact"});
  rapidjson::Document stats = ParseJson(RunOk({"stats", db_, "--json"}));
  EXPECT_STREQ(stats["optimized_for"].GetString(), "space");
  EXPECT_EQ(stats["compression_level"].GetUint64(), 9u);
  EXPECT_EQ(stats["block_size_kib"].GetUint64(), 16u);
  EXPECT_NE(RunOk({"stats", db_}).find("optimized for space"), std::string::npos);
  EXPECT_NE(RunOk({"get", db_, "sequence", "k321"}).find("\"i\":321"), std::string::npos);
  RunOk({"verify", db_});

  CliResult unknown = Run({"optimize", db_, "fast"});
  EXPECT_EQ(unknown.exit_code, 2);
  ExpectOneErrorLine(unknown);
  // Security needs encryption: refused with one line, nothing changed.
  CliResult security = Run({"optimize", db_, "security"});
  EXPECT_EQ(security.exit_code, 2) << security.err;
  ExpectOneErrorLine(security);
  EXPECT_NE(security.err.find("encrypted"), std::string::npos) << security.err;
  stats = ParseJson(RunOk({"stats", db_, "--json"}));
  EXPECT_STREQ(stats["optimized_for"].GetString(), "space");
}

}  // namespace
}  // namespace spirapi
