// spirapi query: rows as JSON lines, --explain, --stats, errors, stdin.

#include <string>

#include "tools/cli_test_util.h"

namespace spirapi {
namespace {

TEST_F(CliTest, QueryPrintsRowsAsJsonLines) {
  Init();
  RunOk({"load", db_, "cache", "-"},
        "{\"id\":\"a\",\"data\":{\"n\":3,\"s\":\"x\"}}\n"
        "{\"id\":\"b\",\"data\":{\"n\":5.0,\"s\":\"y\"}}\n"
        "{\"id\":\"c\",\"data\":{\"n\":\"5\",\"s\":\"x\"}}\n");
  EXPECT_EQ(RunOk({"query", db_, "--component", "cache",
                   R"({"n":{"$gte":3},"$sort":{"n":"desc"},"$fields":["@id","n"]})"}),
            "{\"@id\":\"b\",\"n\":5.0}\n{\"@id\":\"a\",\"n\":3}\n");
  EXPECT_EQ(RunOk({"query", db_, "--component", "cache", "-"}, R"({"s":"x","$count":true})"),
            "{\"count\":2}\n");
  EXPECT_EQ(RunOk({"query", db_, "--component", "cache", R"({"$group":{"by":"s","k":{"$count":true}}})",
                   "--explain"}),
            "scan component cache (no index); group by s (one entry per group in memory)\n");
  CliResult stats = Run({"query", db_, "--component", "cache", "{\"n\":5}", "--stats"});
  EXPECT_EQ(stats.exit_code, 0) << stats.err;
  EXPECT_NE(stats.err.find("3 rows examined, 1 returned"), std::string::npos) << stats.err;
  // The whole record without $fields.
  EXPECT_NE(RunOk({"query", db_, "--component", "cache", "{\"@id\":\"c\"}"})
                .find("\"data\":{\"n\":\"5\",\"s\":\"x\"}"),
            std::string::npos);
}

TEST_F(CliTest, BadQueriesAreOneErrorLine) {
  Init();
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"query", db_, "--component", "cache", R"({"n":{"$gt":[1]}})"},
           {"query", db_, "--component", "cache", "{not json"},
           {"query", db_, "--component", "nope", "{}"},
           {"query", db_, "{}"},
           {"query", db_, "--component", "cache", "--schema", "s", "{}"},
           {"query", db_, "--schema", "missing", "{}"}}) {
    CliResult r = Run(args);
    EXPECT_EQ(r.exit_code, 2) << args[args.size() - 1] << ": " << r.err;
    ExpectOneErrorLine(r);
  }
  // Endless input on a pipe stops at 16 MiB with one line, not exhausted memory.
  CliResult huge = Run({"query", db_, "--component", "cache", "-"},
                       "{\"s\":\"" + std::string((16u << 20) + 10, 'x') + "\"}");
  EXPECT_EQ(huge.exit_code, 2) << huge.err;
  ExpectOneErrorLine(huge);
  EXPECT_NE(huge.err.find("over 16 MiB"), std::string::npos) << huge.err;
  CliResult r = Run({"query", db_, "--component", "cache", R"({"n":{"$gt":[1]}})"});
  EXPECT_NE(r.err.find("n.$gt: needs a number or a string, not an array"), std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace spirapi
