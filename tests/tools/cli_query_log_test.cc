// spirapi query-log: the history as a table and as JSON lines, --slow,
// --limit, --oldest-first, --prune, encrypted and busy databases, errors.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "spirapi/query_log.h"
#include "tools/cli_test_util.h"

namespace spirapi {
namespace {

class CliQueryLogTest : public CliTest {
 protected:
  // Creates db_ (with `o`) holding a user record "abc" in QUERY and entries
  // "q0".."q4", a second apart ending a minute ago, q3 and q4 slow, q4
  // failed; leaves it open in db (if given).
  void Fill(Options o = Options(), std::unique_ptr<DB>* keep_open = nullptr) {
    std::unique_ptr<DB> db;
    o.create_if_missing = true;
    ASSERT_TRUE(DB::Open(o, db_, &db).ok());
    ASSERT_TRUE(db->Put(WriteOptions(), Component::kQuery, "abc", R"({"query":"mine"})").ok());
    const int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    for (int i = 0; i < 5; ++i) {
      QueryLogEntry e;
      e.query = "q" + std::to_string(i);
      e.source = i % 2 == 0 ? "component sequence" : "schema people";
      e.plan = "scan";
      e.seconds = i < 3 ? 0.01 : 1.5;
      e.rows_examined = 100 + i;
      e.rows_returned = i;
      e.time_us = now - 60'000'000 + i * 1'000'000;
      if (i == 4) e.status = "InvalidArgument: query: bad\nthing";
      ASSERT_TRUE(AppendQueryLog(db.get(), e).ok());
    }
    if (keep_open != nullptr) *keep_open = std::move(db);
  }

  // The "query" of each JSON line.
  static std::vector<std::string> Queries(const std::string& out) {
    return StringMembers(out, "query");
  }
};

TEST_F(CliQueryLogTest, PrintsATableOrJsonLines) {
  Fill();
  const std::vector<std::string> table = SplitLines(RunOk({"query-log", db_}));
  ASSERT_EQ(table.size(), 6u);
  EXPECT_EQ(table[0].rfind("time (UTC)", 0), 0u) << table[0];
  EXPECT_NE(table[0].find("seconds"), std::string::npos);
  // Newest first; the failed query's error, escaped, after its text.
  EXPECT_NE(table[1].find("1.500"), std::string::npos) << table[1];
  EXPECT_NE(table[1].find("104          4  component sequence    q4"), std::string::npos) << table[1];
  EXPECT_NE(table[1].find("q4  [InvalidArgument: query: bad\\nthing]"), std::string::npos)
      << table[1];
  EXPECT_EQ(table[1][10], 'T');
  EXPECT_EQ(table[1][23], 'Z');
  EXPECT_NE(table[5].find("component sequence    q0"), std::string::npos) << table[5];
  // Columns line up.
  for (const std::string& row : table) EXPECT_EQ(row.find(" q"), table[1].find(" q")) << row;

  const std::string json = RunOk({"query-log", db_, "--json"});
  EXPECT_EQ(Queries(json), (std::vector<std::string>{"q4", "q3", "q2", "q1", "q0"}));
  rapidjson::Document first = ParseJson(SplitLines(json)[0]);
  EXPECT_EQ(first["rows_examined"].GetUint64(), 104u);
  EXPECT_EQ(first["seconds"].GetDouble(), 1.5);
  EXPECT_EQ(std::string(first["id"].GetString()).rfind("~log/", 0), 0u);
  EXPECT_TRUE(first.HasMember("time") && first.HasMember("time_us") && first.HasMember("plan"));

  EXPECT_EQ(Queries(RunOk({"query-log", db_, "--json", "--slow"})),
            (std::vector<std::string>{"q4", "q3"}));
  EXPECT_EQ(Queries(RunOk({"query-log", db_, "--slow", "2", "--json"})),
            std::vector<std::string>{});
  EXPECT_EQ(Queries(RunOk({"query-log", db_, "--slow", "0", "--json", "--limit", "2"})),
            (std::vector<std::string>{"q4", "q3"}));
  EXPECT_EQ(Queries(RunOk({"query-log", db_, "--json", "--oldest-first", "--limit", "2"})),
            (std::vector<std::string>{"q0", "q1"}));
  EXPECT_EQ(SplitLines(RunOk({"query-log", db_, "--slow", "5"})),
            std::vector<std::string>{"no queries in the history"});
}

TEST_F(CliQueryLogTest, PruneAppliesRetention) {
  Fill();
  EXPECT_EQ(RunOk({"query-log", db_, "--prune", "--max-entries", "3"}), "removed 2 entries\n");
  EXPECT_EQ(Queries(RunOk({"query-log", db_, "--json"})),
            (std::vector<std::string>{"q4", "q3", "q2"}));
  EXPECT_EQ(RunOk({"query-log", db_, "--prune", "--json"}), "{\"removed\":0}\n");
  // A day's age keeps them; an age under a minute removes them all.
  EXPECT_EQ(RunOk({"query-log", db_, "--prune", "--max-age-days", "1"}), "removed 0 entries\n");
  EXPECT_EQ(RunOk({"query-log", db_, "--prune", "--max-age-days", "0.0001"}),
            "removed 3 entries\n");
  EXPECT_EQ(RunOk({"query-log", db_, "--json"}), "");
  // The user's own record in QUERY stays.
  EXPECT_EQ(ScanIds(RunOk({"scan", db_, "query"})), std::vector<std::string>{"abc"});
}

TEST_F(CliQueryLogTest, ReadsWhileAnotherProcessWritesButCannotPruneThen) {
  std::unique_ptr<DB> db;
  Fill(Options(), &db);
  EXPECT_EQ(Queries(RunOk({"query-log", db_, "--json", "--limit", "1"})),
            std::vector<std::string>{"q4"});
  CliResult r = Run({"query-log", db_, "--prune"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  ExpectOneErrorLine(r);
}

TEST_F(CliQueryLogTest, EncryptedDatabase) {
  Options o;
  o.encryption_enabled = true;
  o.passphrase = "pw";
  Fill(o);
  CliResult no_passphrase = Run({"query-log", db_});
  EXPECT_EQ(no_passphrase.exit_code, 2);
  ExpectOneErrorLine(no_passphrase);
  EXPECT_EQ(Queries(RunOk({"query-log", db_, "--json", "--slow"}, "", {"SPIRAPI_PASSPHRASE=pw"})),
            (std::vector<std::string>{"q4", "q3"}));
}

TEST_F(CliQueryLogTest, BadUsageIsOneErrorLine) {
  Fill();
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"query-log", db_, "--slow", "-1"},
           {"query-log", db_, "--slow", "nan"},
           {"query-log", db_, "--limit", "x"},
           {"query-log", db_, "--max-entries", "3"},
           {"query-log", db_, "--prune", "--slow"},
           {"query-log", db_, "--prune", "--max-age-days", "-2"},
           {"query-log", dir_ + "/missing"},
           {"query-log"}}) {
    CliResult r = Run(args);
    EXPECT_EQ(r.exit_code, 2) << Join(args) << ": " << r.err;
    ExpectOneErrorLine(r);
  }
}

}  // namespace
}  // namespace spirapi
