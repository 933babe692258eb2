// The spirapi tool's input: load from pipes and standard input, the bound on
// put's standard input, times given to datetime fields and find --as-of, and
// how messages echo what the user typed.

#include <string>
#include <utility>
#include <vector>

#include "tools/cli_test_util.h"

namespace spirapi {
namespace {

class CliInputTest : public CliTest {
 protected:
  // Three records a load reads, as a file in the test's directory.
  std::string WriteRecords() {
    const std::string file = dir_ + "/in.jsonl";
    WriteFile(file,
              "{\"id\":\"a\",\"data\":1}\n"
              "\n"
              "{\"id\":\"b\",\"data\":{\"n\":2}}\n"
              "{\"id\":\"c\",\"data\":[3]}");  // no newline at the end
    return file;
  }
};

TEST_F(CliInputTest, LoadReadsPipesAndStandardInputOnce) {
  // A pipe could be read only once, but load read its file twice: the check
  // consumed it and nothing was loaded, with exit code 0.
  Init();
  const std::string file = WriteRecords();
  const std::vector<std::string> all = {"a", "b", "c"};
  const std::string cat = "cat '" + file + "' | ";
  const std::string load = "\"$SPIRAPI\" load '" + db_ + "' ";
  for (const auto& [component, script] : std::vector<std::pair<std::string, std::string>>{
           {"sequence", cat + load + "sequence -"},
           {"cache", cat + load + "cache /dev/stdin"},
           {"index", cat + load + "index /dev/fd/3 3<&0"},  // as bash's <(...) names a pipe
           {"query", load + "query - < '" + file + "'"},
       }) {
    CliResult r = RunShell(script);
    EXPECT_EQ(r.exit_code, 0) << script << "\n" << r.err;
    EXPECT_EQ(r.out, "loaded 3 records into " + component + "\n") << script;
    EXPECT_EQ(ScanIds(RunOk({"scan", db_, component})), all) << script;
  }
  // Standard input that does not start at the file's beginning is loaded
  // from where it stands, also in the second pass.
  CliResult rest = RunShell("(read first; \"$SPIRAPI\" load '" + db_ + "' metadata -) < '" + file +
                            "'");
  EXPECT_EQ(rest.exit_code, 0) << rest.err;
  EXPECT_EQ(ScanIds(RunOk({"scan", db_, "metadata"})), (std::vector<std::string>{"b", "c"}));

  // Empty standard input loads nothing, and says so.
  CliResult empty = Run({"load", db_, "schema", "-"});
  EXPECT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_EQ(empty.out, "loaded 0 records into schema\n");
}

TEST_F(CliInputTest, LoadFromAPipeWithABadLineChangesNothing) {
  Init();
  const std::string file = dir_ + "/bad.jsonl";
  WriteFile(file, "{\"id\":\"a\",\"data\":1}\n{\"id\":\"b\",\"data\":2}\n{\"id\":\"c\"}\n");
  CliResult r =
      RunShell("cat '" + file + "' | \"$SPIRAPI\" load '" + db_ + "' sequence - --batch 1");
  EXPECT_EQ(r.exit_code, 2);
  ExpectOneErrorLine(r);
  EXPECT_NE(r.err.find("standard input: line 3: \"data\" is missing; nothing was loaded"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(RunOk({"scan", db_, "sequence"}), "");
}

TEST_F(CliInputTest, PutBoundsStandardInputWhileReading) {
  // put read all of standard input before checking its size: endless input
  // ended in std::bad_alloc.
  Init();
  CliResult r = RunWithStdin({"put", db_, "cache", "z"}, "/dev/zero");
  EXPECT_EQ(r.exit_code, 2);
  ExpectOneErrorLine(r);
  EXPECT_NE(r.err.find("standard input is larger than the limit of 33554432 bytes"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(Run({"get", db_, "cache", "z"}).exit_code, 1);
  // Input within the bound is still read to its end.
  RunOk({"put", db_, "cache", "z"}, "[\"" + std::string(1 << 20, 'x') + "\"]");
  EXPECT_GT(RunOk({"get", db_, "cache", "z"}).size(), 1u << 20);
}

TEST_F(CliInputTest, DatetimeFieldsRefuseTimesThatDoNotExist) {
  Init();
  RunOk({"schema", "create", db_, "events", "--zone", "structured", "--fields",
         R"({"at":{"type":"datetime"}})"});
  for (const char* good : {"2024-02-29", "2000-02-29T23:59:60Z", "2026-12-31T00:00:00+14:00",
                           "2026-01-01T12:00-23:59"}) {
    RunOk({"insert", db_, "events", std::string(R"({"at":")") + good + "\"}"});
  }
  const std::string before = RunOk({"dump", db_});
  for (const auto& [bad, why] : std::vector<std::pair<std::string, std::string>>{
           {"2026-02-30", "2026-02 has no day 30"},
           {"2023-02-29", "2023-02 has no day 29"},
           {"1900-02-29", "1900-02 has no day 29"},
           {"2026-04-31", "2026-04 has no day 31"},
           {"2026-13-01", "there is no month 13"},
           {"2026-01-01T24:00Z", "there is no time of day 24:00"},
           {"2026-01-01T10:00:61Z", "there is no second 61"},
           {"2026-01-01T10:00+25:00", "the UTC offset +25:00 is beyond -23:59..+23:59"},
           {"2026-01-01T10:00-00:60", "the UTC offset -00:60 is beyond -23:59..+23:59"},
       }) {
    CliResult r = Run({"insert", db_, "events", R"({"at":")" + bad + "\"}"});
    EXPECT_EQ(r.exit_code, 2) << bad;
    ExpectOneErrorLine(r);
    EXPECT_NE(r.err.find("is not an ISO 8601 date or datetime: " + why), std::string::npos)
        << r.err;
  }
  EXPECT_TRUE(RunOk({"dump", db_}) == before);
}

TEST_F(CliInputTest, FindAsOfTakesOnlyRealTimes) {
  Init();
  RunOk({"schema", "create", db_, "prices", "--zone", "temporal", "--fields",
         R"({"cents":{"type":"integer"}})"});
  RunOk({"insert", db_, "prices", R"({"cents":5})"});
  for (const char* good : {"0", "-5", "1700000000.25", "2026-01-01", "2026-01-01T10:00+01:00"}) {
    RunOk({"find", db_, "prices", "--as-of", good});
  }
  // strtod took "nan" and "inf"; an empty time was taken as no --as-of.
  for (const char* bad : {"", "nan", "NaN", "inf", "-infinity", "0x10", " 5", "5 ", "1e3", ".5",
                          "5.", "--5", "2026-02-30", "2026-01-01T10:00+25:00",
                          "1" "000000000000000000000000000000000000000000000000000000000000000000"
                          "000000000000000000000000000000000000000000000000000000000000000000"
                          "000000000000000000000000000000000000000000000000000000000000000000"
                          "000000000000000000000000000000000000000000000000000000000000000000"
                          "000000000000000000000000000000000000000000000000000000000000000000"}) {
    CliResult r = Run({"find", db_, "prices", "--as-of", bad});
    EXPECT_EQ(r.exit_code, 2) << "--as-of '" << bad << "'\n" << r.out;
    ExpectOneErrorLine(r);
    EXPECT_NE(r.err.find("--as-of takes an ISO 8601 time or seconds since the epoch"),
              std::string::npos)
        << r.err;
  }
}

TEST_F(CliInputTest, MessagesEscapeControlCharacters) {
  // Ids and field names were printed raw: a newline broke the one-line
  // error, a NUL cut the message short, an escape sequence reached the
  // terminal.
  Init();
  CliResult get = Run({"get", db_, "cache", "a\nb\x1b[2J\x7f\xc2\x9b"});
  EXPECT_EQ(get.exit_code, 1);
  ExpectOneErrorLine(get);
  EXPECT_NE(get.err.find("'a\\nb\\x1b[2J\\x7f\\u009b'"), std::string::npos) << get.err;

  RunOk({"schema", "create", db_, "people", "--zone", "structured", "--fields",
         R"({"name":{"type":"string"}})"});
  CliResult field = Run({"insert", db_, "people", R"({"na\u0000me\t":"x"})"});
  EXPECT_EQ(field.exit_code, 2);
  ExpectOneErrorLine(field);
  EXPECT_NE(field.err.find("na\\x00me\\t: not in schema"), std::string::npos) << field.err;

  CliResult component = Run({"scan", db_, "ca\rche"});
  EXPECT_EQ(component.exit_code, 2);
  ExpectOneErrorLine(component);
  EXPECT_NE(component.err.find("ca\\rche"), std::string::npos) << component.err;
}

TEST_F(CliInputTest, ParserMessagesInSpiraPisWords) {
  Init();
  for (const auto& [args, message] :
       std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"get", db_}, "get: missing COMPONENT; run 'spirapi get --help'"},
           {{"get", db_, "cache", "a", "b", "c"},
            "get: unexpected arguments 'b' 'c'; run 'spirapi get --help'"},
           {{"del", db_, "cache", "a", "b"},
            "del: unexpected argument 'b'; run 'spirapi del --help'"},
           {{"pi"}, "pi: missing a command (compute, get, search, stats, analyze, list, spiral, "
                    "ids, resolve, plot); run 'spirapi pi --help'"},
           {{"pi", "compute", db_},
            "pi compute: missing --digits; run 'spirapi pi compute --help'"},
           {{"pi", "spiral", db_, "pi-10", "--x", "a", "--y", "0"},
            "pi spiral: --x: 'a' is not a valid value; run 'spirapi pi spiral --help'"},
           {{"scan", db_, "cache", "--limit"},
            "scan: --limit needs a value; run 'spirapi scan --help'"},
           {{"get", db_, "cache", "a", "--passphrase-file", dir_ + "/nope"},
            "get: --passphrase-file: '" + dir_ + "/nope' does not exist; run 'spirapi get "
            "--help'"},
           {{"schema", "evolve", db_, "s", "--add", "f", "{}", "--drop", "g"},
            "schema evolve: --add and --drop cannot be given together; run 'spirapi schema "
            "evolve --help'"},
       }) {
    CliResult r = Run(args);
    EXPECT_EQ(r.exit_code, 2) << Join(args);
    EXPECT_EQ(r.err, "spirapi: " + message + "\n") << Join(args);
  }
}

}  // namespace
}  // namespace spirapi
