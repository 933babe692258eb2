// spirapi index create / list / drop / rebuild / verify, and queries using
// what they create.

#include <algorithm>
#include <string>

#include "tools/cli_test_util.h"

namespace spirapi {
namespace {

TEST_F(CliTest, IndexCommandsCreateListVerifyDrop) {
  Init();
  std::string lines;
  for (int i = 0; i < 300; ++i) {
    lines += "{\"id\":\"r" + std::to_string(i) + "\",\"data\":{\"n\":" + std::to_string(i % 30) +
             ",\"s\":\"v" + std::to_string(i % 4) + "\"}}\n";
  }
  RunOk({"load", db_, "cache", "-"}, lines);
  CliResult created = Run({"index", "create", db_, "--component", "cache", "--field", "n"});
  EXPECT_EQ(created.exit_code, 0) << created.err;
  EXPECT_NE(created.err.find("created index cache_n: 300 entries"), std::string::npos)
      << created.err;
  RunOk({"index", "create", db_, "--component", "cache", "--field", "s", "--field", "n",
         "--type", "hash", "--name", "by_s_n"});
  const std::string list = RunOk({"index", "list", db_, "--json"});
  EXPECT_NE(list.find(R"({"name":"by_s_n","component":"cache","type":"hash","fields":["s","n"],"state":"ready","entries":300,)"),
            std::string::npos)
      << list;
  EXPECT_EQ(RunOk({"query", db_, "--component", "cache", R"({"n":{"$in":[3,4]},"$count":true})"}),
            "{\"count\":20}\n");
  EXPECT_EQ(RunOk({"query", db_, "--component", "cache", R"({"n":3})", "--explain"}),
            "component cache by index cache_n (btree on n): 1 range, 10 of 300 entries; "
            "filter 1 condition\n");
  RunOk({"index", "verify", db_});
  RunOk({"index", "rebuild", db_, "cache_n"});
  RunOk({"index", "drop", db_, "by_s_n"});
  EXPECT_EQ(RunOk({"index", "list", db_, "--json"}).find("by_s_n"), std::string::npos);
}

TEST_F(CliTest, SimilarityIndexServesContainsAndNear) {
  Init();
  auto digits = [](uint64_t i) {
    return std::to_string(100000000000 + i * 2654435761 % 899999999999);
  };
  std::string lines;
  for (uint64_t i = 0; i < 100; ++i) {
    lines +=
        "{\"id\":\"r" + std::to_string(i) + "\",\"data\":{\"d\":\"" + digits(i) + "\"}}\n";
  }
  RunOk({"load", db_, "cache", "-"}, lines);
  std::string pattern = digits(17).substr(2, 8);
  pattern[5] = pattern[5] == '0' ? '1' : '0';  // one byte off
  const std::string q =
      R"({"d":{"$near":{"pattern":")" + pattern + R"(","distance":1}},"$fields":["@id"]})";
  EXPECT_EQ(RunOk({"query", db_, "--component", "cache", q}), "{\"@id\":\"r17\"}\n");
  RunOk({"index", "create", db_, "--component", "cache", "--field", "d", "--type", "similarity",
         "--name", "sim"});
  EXPECT_NE(RunOk({"index", "list", db_}).find("sim                  cache      similarity ready"),
            std::string::npos);
  EXPECT_EQ(RunOk({"query", db_, "--component", "cache", q}), "{\"@id\":\"r17\"}\n");
  const std::string plan = RunOk({"query", db_, "--component", "cache", q, "--explain"});
  EXPECT_NE(plan.find("by index sim (similarity on d): 2 ranges"), std::string::npos) << plan;
  RunOk({"index", "verify", db_, "sim"});
}

TEST_F(CliTest, IndexCommandsRefuseBadInputWithOneLine) {
  Init();
  auto ExpectUsageError = [&](const std::vector<std::string>& args) {
    CliResult r = Run(args);
    EXPECT_EQ(r.exit_code, 2) << Join(args) << "\n" << r.err;
    ExpectOneErrorLine(r);
  };
  ExpectUsageError({"index", "create", db_, "--component", "cache"});  // no --field
  ExpectUsageError({"index", "create", db_, "--component", "nope", "--field", "n"});
  ExpectUsageError({"index", "create", db_, "--component", "cache", "--field", "n", "--type",
                    "rtree"});
  ExpectUsageError({"index", "create", db_, "--component", "cache", "--field", "a..b"});
  ExpectUsageError({"index", "create", db_, "--component", "index", "--field", "a"});
  ExpectUsageError({"index", "drop", db_, "missing"});
  ExpectUsageError({"index", "rebuild", db_, "missing"});
  ExpectUsageError({"index"});
  // Reserved ids cannot be written around the API.
  ExpectUsageError({"put", db_, "index", "~ix/a/b", "1"});
  EXPECT_EQ(RunOk({"index", "list", db_}), "");
}

}  // namespace
}  // namespace spirapi

namespace spirapi {
namespace {

TEST_F(CliTest, QueryLogAppendsToTheHistory) {
  Init();
  RunOk({"load", db_, "cache", "-"}, "{\"id\":\"a\",\"data\":{\"n\":1}}\n");
  RunOk({"query", db_, "--component", "cache", R"({"n":1})"});  // not logged
  RunOk({"query", db_, "--component", "cache", R"({"n":1})", "--log"});
  const std::string log = RunOk({"query-log", db_, "--json"});
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 1) << log;
  EXPECT_NE(log.find(R"("rows_returned":1)"), std::string::npos) << log;
}

}  // namespace
}  // namespace spirapi

namespace spirapi {
namespace {

TEST_F(CliTest, DumpLeavesIndexesOutSoThatLoadTakesItBack) {
  Init();
  RunOk({"load", db_, "cache", "-"}, "{\"id\":\"a\",\"data\":{\"n\":1}}\n");
  RunOk({"index", "create", db_, "--component", "cache", "--field", "n"});
  const std::string dump = RunOk({"dump", db_});
  EXPECT_EQ(dump.find("~ix/"), std::string::npos) << dump;
  EXPECT_EQ(dump.find("~index"), std::string::npos) << dump;
  const std::string copy = dir_ + "/copy";
  RunOk({"init", copy});
  RunOk({"load", copy, "cache", "-"}, RunOk({"dump", db_, "cache"}));
  const std::string got = RunOk({"get", copy, "cache", "a"});
  EXPECT_NE(got.find("\"n\":1"), std::string::npos) << got;
  const std::string stats = RunOk({"stats", db_, "--json"});
  EXPECT_NE(stats.find(R"("indexes":[{"name":"cache_n")"), std::string::npos) << stats;
  EXPECT_NE(RunOk({"stats", db_}).find("index cache_n (btree on cache): ready, 1 entries"),
            std::string::npos);
}

}  // namespace
}  // namespace spirapi
