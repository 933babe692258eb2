// spirapi index advise: suggestions from the logged queries, the budget,
// --json and --apply.

#include <string>

#include "tools/cli_test_util.h"

namespace spirapi {
namespace {

TEST_F(CliTest, IndexAdviseSuggestsAndApplies) {
  Init();
  std::string lines;
  for (int i = 0; i < 1000; ++i) {
    lines += "{\"id\":\"r" + std::to_string(i) + "\",\"data\":{\"n\":" + std::to_string(i) +
             ",\"s\":\"v" + std::to_string(i % 4) + "\"}}\n";
  }
  RunOk({"load", db_, "cache", "-"}, lines);
  EXPECT_EQ(RunOk({"index", "advise", db_}),
            "0 logged queries read, 0 of components considered; budget 64.0 MiB\n"
            "no index to suggest\n");
  for (int i = 0; i < 3; ++i) RunOk({"query", db_, "--component", "cache", "--log", R"({"n":5})"});
  const std::string text = RunOk({"index", "advise", db_});
  EXPECT_NE(text.find("create ix_cache_n: "), std::string::npos) << text;
  EXPECT_NE(text.find("saves 2997 rows examined"), std::string::npos) << text;
  const std::string json = RunOk({"index", "advise", db_, "--json"});
  EXPECT_EQ(json.rfind("{\"create\":[{\"name\":\"ix_cache_n\",\"component\":\"cache\","
                       "\"type\":\"btree\",\"fields\":[\"n\"],", 0), 0u) << json;
  // Too small a budget: nothing.
  EXPECT_NE(RunOk({"index", "advise", db_, "--budget-mib", "0.0001"}).find("no index to suggest"),
            std::string::npos);
  CliResult bad = Run({"index", "advise", db_, "--budget-mib", "-3"});
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_EQ(RunOk({"index", "list", db_}), "");  // advice alone writes nothing
  CliResult applied = Run({"index", "advise", db_, "--apply"});
  EXPECT_EQ(applied.exit_code, 0) << applied.err;
  EXPECT_NE(applied.err.find("created index ix_cache_n"), std::string::npos) << applied.err;
  EXPECT_NE(RunOk({"query", db_, "--component", "cache", R"({"n":5})", "--explain"})
                .find("by index ix_cache_n"),
            std::string::npos);
}

}  // namespace
}  // namespace spirapi
