// spirapi backup, backup list|verify|prune, restore: output, exit codes and
// the one error line of every refusal.

#include <filesystem>
#include <fstream>
#include <string>

#include "tools/cli_test_util.h"

namespace spirapi {
namespace {

std::string Records(int from, int to) {
  std::string lines;
  for (int i = from; i < to; ++i) {
    lines += "{\"id\":\"k" + std::to_string(i) + "\",\"data\":{\"i\":" + std::to_string(i) + "}}\n";
  }
  return lines;
}

TEST_F(CliTest, BackupListVerifyRestoreRoundTrip) {
  Init();
  RunOk({"load", db_, "sequence", "-"}, Records(0, 200));
  const std::string repo = dir_ + "/repo";
  rapidjson::Document first = ParseJson(RunOk({"backup", db_, repo, "--json"}));
  EXPECT_EQ(first["commit"].GetUint64(), 1u);
  EXPECT_GT(first["new_bytes"].GetUint64(), 0u);
  RunOk({"load", db_, "sequence", "-"}, Records(200, 300));
  rapidjson::Document second = ParseJson(RunOk({"backup", db_, repo, "--json"}));
  EXPECT_EQ(second["commit"].GetUint64(), 2u);
  const std::vector<std::string> list = SplitLines(RunOk({"backup", "list", repo}));
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].rfind(first["id"].GetString(), 0), 0u) << list[0];
  RunOk({"backup", "verify", repo});

  // The first backup and the newest come back as they were.
  RunOk({"restore", repo, dir_ + "/r1", "--backup", first["id"].GetString()});
  EXPECT_EQ(SplitLines(RunOk({"scan", dir_ + "/r1", "sequence"})).size(), 200u);
  RunOk({"restore", repo, dir_ + "/r2"});
  EXPECT_EQ(SplitLines(RunOk({"scan", dir_ + "/r2", "sequence"})).size(), 300u);
  RunOk({"verify", dir_ + "/r2"});

  // Retention.
  RunOk({"backup", "prune", repo, "--keep-last", "1"});
  EXPECT_EQ(SplitLines(RunOk({"backup", "list", repo})).size(), 1u);
  RunOk({"backup", "verify", repo});
}

TEST_F(CliTest, BackupRefusalsAreOneLineAndChangeNothing) {
  Init();
  RunOk({"load", db_, "sequence", "-"}, Records(0, 10));
  const std::string repo = dir_ + "/repo";
  RunOk({"backup", db_, repo});
  struct Case {
    std::vector<std::string> args;
    int code;
    const char* says;
  };
  const std::vector<Case> cases = {
      {{"backup", dir_ + "/absent", dir_ + "/repo2"}, 2, "not a SpiraPi database"},
      {{"backup", db_}, 2, "give DB and REPOSITORY"},
      {{"backup", "list", db_}, 2, "not a SpiraPi backup repository"},
      {{"backup", "prune", repo}, 2, "needs a rule"},
      {{"restore", repo, db_}, 2, "not empty"},
      {{"restore", repo, dir_ + "/r", "--backup", "nope"}, 2, "no backup nope"},
      {{"restore", repo, dir_ + "/r", "--to-time", "soon"}, 2, "is not a time"},
      {{"restore", repo, dir_ + "/r", "--to-commit", "0"}, 2, "at least 1"},
      {{"restore", repo, dir_ + "/r", "--to-commit", "99"}, 2, "reaches commit 1"},
      {{"restore", repo, dir_ + "/r", "--to-time", "1970-01-01T00:00:01Z"}, 2, "before the oldest"},
  };
  for (const Case& c : cases) {
    CliResult r = Run(c.args);
    EXPECT_EQ(r.exit_code, c.code) << Join(c.args) << ": " << r.err;
    ExpectOneErrorLine(r);
    EXPECT_NE(r.err.find(c.says), std::string::npos) << Join(c.args) << ": " << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/r"));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/repo2"));
  EXPECT_EQ(SplitLines(RunOk({"backup", "list", repo})).size(), 1u);
}

TEST_F(CliTest, BackupVerifyExitsThreeNamingTheDamage) {
  Init();
  RunOk({"load", db_, "sequence", "-"}, Records(0, 100));
  const std::string repo = dir_ + "/repo";
  RunOk({"backup", db_, repo});
  std::string victim;
  for (const auto& e : std::filesystem::recursive_directory_iterator(repo + "/objects")) {
    if (e.is_regular_file() && e.file_size() > 100) victim = e.path().string();
  }
  ASSERT_FALSE(victim.empty());
  {
    std::fstream f(victim, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(50);
    f.put('\x7f');
  }
  CliResult r = Run({"backup", "verify", repo});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.out.find(std::filesystem::path(victim).filename().string()), std::string::npos)
      << r.out;
  r = Run({"restore", repo, dir_ + "/r"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  ExpectOneErrorLine(r);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/r"));
}

}  // namespace
}  // namespace spirapi
