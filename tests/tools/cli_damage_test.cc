// The spirapi tool on damaged databases: dump and pi list go on past damaged
// records, repair leaves a clean database alone and never reuses a name, and
// a component folder removed by hand is corruption.

#include <ctime>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "tools/cli_test_util.h"

namespace spirapi {
namespace {

class CliDamageTest : public CliTest {
 protected:
  // The entries of the test's directory whose names start with `prefix`.
  std::set<std::string> Siblings(const std::string& prefix) {
    std::set<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
      const std::string name = entry.path().filename();
      if (name.rfind(prefix, 0) == 0) names.insert(name);
    }
    return names;
  }
};

TEST_F(CliDamageTest, DumpGoesOnPastDamagedRecords) {
  // dump stopped at the first damaged record, losing every record after it.
  InitDamaged();
  CliResult r = Run({"dump", db_, "sequence"});
  EXPECT_EQ(r.exit_code, 3);
  const std::vector<std::string> err = SplitLines(r.err);
  ASSERT_GE(err.size(), 2u) << r.err;
  std::set<std::string> ids;
  for (size_t i = 0; i + 1 < err.size(); ++i) {
    // What and where: the record, its component, file and offset.
    EXPECT_EQ(err[i].rfind("damaged: record 'k", 0), 0u) << err[i];
    EXPECT_NE(err[i].find("' in sequence ("), std::string::npos) << err[i];
    EXPECT_NE(err[i].find(" at offset "), std::string::npos) << err[i];
    ids.insert(err[i].substr(17, 5));
  }
  EXPECT_EQ(err.back(), "spirapi: dump skipped " + std::to_string(err.size() - 1) +
                            " damaged records (listed above); the others were printed");
  for (const std::string& id : ScanIds(r.out)) {
    EXPECT_TRUE(ids.insert(id).second) << id << " both dumped and damaged";
  }
  EXPECT_EQ(ids.size(), 300u);  // every record either dumped or named
}

TEST_F(CliDamageTest, PiListGoesOnPastMalformedRecords) {
  // One malformed sequence description failed the whole list.
  Init();
  RunOk({"pi", "compute", db_, "--digits", "50"});
  RunOk({"put", db_, "sequence", "seq/broken", R"({"not":"a description"})"});
  RunOk({"pi", "compute", db_, "--digits", "60"});
  CliResult r = Run({"pi", "list", db_});
  EXPECT_EQ(r.exit_code, 3);
  const std::vector<std::string> listed = ScanIds(r.out);
  EXPECT_EQ(listed, (std::vector<std::string>{"pi-50", "pi-60"}));
  const std::vector<std::string> err = SplitLines(r.err);
  ASSERT_EQ(err.size(), 2u) << r.err;
  EXPECT_EQ(err[0].rfind("damaged: record seq/broken: ", 0), 0u) << err[0];
  EXPECT_EQ(err[1], "spirapi: pi list skipped 1 damaged records (listed above); the others "
                    "were printed");
}

TEST_F(CliDamageTest, RepairLeavesACleanDatabaseAlone) {
  Init();
  RunOk({"put", db_, "cache", "a", "1"});
  const std::string before = RunOk({"dump", db_});
  const std::string out = RunOk({"repair", db_});
  EXPECT_EQ(out.rfind("no damage found in ", 0), 0u) << out;
  EXPECT_NE(out.find("'" + db_ + "' is left as it is"), std::string::npos) << out;
  EXPECT_EQ(Siblings("db."), std::set<std::string>()) << "a backup or copy was made";
  EXPECT_EQ(RunOk({"dump", db_}), before);
  // Asked for a copy, repair still writes one.
  const std::string copy = RunOk({"repair", db_, "--output", dir_ + "/copy"});
  EXPECT_EQ(copy.rfind("no damage found; repaired: ", 0), 0u) << copy;
  EXPECT_EQ(RunOk({"dump", dir_ + "/copy"}), before);
}

TEST_F(CliDamageTest, RepairNamesNeverCollide) {
  // Two repairs within one second took the same backup directory name, and
  // the second failed. Names taken for the next seconds force the collision.
  InitDamaged();
  std::set<std::string> taken;
  const std::time_t now = std::time(nullptr);
  for (std::time_t t = now; t < now + 30; ++t) {
    std::tm tm;
    gmtime_r(&t, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    for (const char* infix : {".damaged-", ".repair-"}) {
      const std::string name = std::string("db") + infix + stamp;
      std::filesystem::create_directory(dir_ + "/" + name);
      WriteFile(dir_ + "/" + name + "/keep", "an earlier repair's");
      taken.insert(name);
    }
  }
  const std::string out = RunOk({"repair", db_});
  EXPECT_NE(out.find("damaged one kept at '" + db_ + ".damaged-"), std::string::npos) << out;
  std::set<std::string> added = Siblings("db.");
  for (const std::string& name : taken) {
    EXPECT_EQ(ReadFile(dir_ + "/" + name + "/keep"), "an earlier repair's") << name;
    added.erase(name);
  }
  ASSERT_EQ(added.size(), 1u);
  EXPECT_EQ(added.begin()->substr(added.begin()->size() - 2), "-2") << *added.begin();
  EXPECT_EQ(RunOk({"verify", db_}).rfind("ok: ", 0), 0u);
}

TEST_F(CliDamageTest, ExitCodesOfMissingDirectories) {
  Init();
  RunOk({"put", db_, "cache", "a", "1"});
  // --output in a directory that does not exist is bad usage (was 1, not
  // found), and nothing is made.
  CliResult output = Run({"repair", db_, "--output", dir_ + "/nonexistent/dir"});
  EXPECT_EQ(output.exit_code, 2);
  ExpectOneErrorLine(output);
  EXPECT_NE(output.err.find("'" + dir_ + "/nonexistent' does not exist"), std::string::npos)
      << output.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/nonexistent"));

  // A component folder removed by hand is damage (was 2, bad usage), named.
  std::filesystem::remove_all(db_ + "/cache");
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"get", db_, "cache", "a"}, {"verify", db_}, {"dump", db_}}) {
    CliResult r = Run(args);
    EXPECT_EQ(r.exit_code, 3) << Join(args);
    ExpectOneErrorLine(r);
    EXPECT_NE(r.err.find("the folder cache/ is missing"), std::string::npos) << r.err;
  }
  std::filesystem::remove_all(db_ + "/journal");
  CliResult journal = Run({"stats", db_});
  EXPECT_EQ(journal.exit_code, 3);
  EXPECT_NE(journal.err.find("the folder "), std::string::npos) << journal.err;
}

TEST_F(CliDamageTest, RepairRestoresARemovedFolder) {
  Init();
  RunOk({"put", db_, "sequence", "a", "1"});
  std::filesystem::remove_all(db_ + "/cache");
  const std::string out = RunOk({"repair", db_});
  EXPECT_NE(out.find("damaged: cache offset 0: the folder is missing"), std::string::npos) << out;
  EXPECT_EQ(ScanIds(RunOk({"scan", db_, "sequence"})), std::vector<std::string>{"a"});
  EXPECT_EQ(RunOk({"verify", db_}).rfind("ok: ", 0), 0u);
}

}  // namespace
}  // namespace spirapi
