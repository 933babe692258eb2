// `spirapi insert DB SCHEMA --file FILE`: records of a schema from a
// JSON-lines file, one transaction per batch.

#include <string>
#include <utility>
#include <vector>

#include "tools/cli_test_util.h"

namespace spirapi {
namespace {

class CliInsertTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    Init();
    RunOk({"schema", "create", db_, "users", "--zone", "structured", "--fields",
           R"({"email":{"type":"string","unique":true,"required":true},)"
           R"("age":{"type":"integer","min_value":0}})"});
  }
  // Lines "{"email":"u<i>@x","age":<i>}" for i in [from, to).
  static std::string Users(int from, int to) {
    std::string lines;
    for (int i = from; i < to; ++i) {
      lines += R"({"email":"u)" + std::to_string(i) + R"(@x","age":)" + std::to_string(i) + "}\n";
    }
    return lines;
  }
  size_t Count() { return SplitLines(RunOk({"find", db_, "users"})).size(); }
};

TEST_F(CliInsertTest, InsertsAFileInBatchesAndPrintsTheIds) {
  WriteFile(dir_ + "/in.jsonl", Users(0, 5) + "\n  \n" + Users(5, 10));
  CliResult r = Run({"insert", db_, "users", "--file", dir_ + "/in.jsonl", "--batch", "3",
                     "--ids"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "inserted 10 records into schema 'users'\n");
  const std::vector<std::string> ids = SplitLines(r.out);
  ASSERT_EQ(ids.size(), 10u);
  // The ids in input order: the record with age i has the i-th.
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(RunOk({"find", db_, "users", "--where", "age=" + std::to_string(i)}),
              R"({"id":")" + ids[i] + R"(","schema_version":1,"record":{"email":"u)" +
                  std::to_string(i) + R"(@x","age":)" + std::to_string(i) + "}}\n");
  }
  // Without --ids, stdout stays empty.
  WriteFile(dir_ + "/more.jsonl", Users(10, 12));
  r = Run({"insert", db_, "users", "--file", dir_ + "/more.jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(Count(), 12u);
}

TEST_F(CliInsertTest, ReadsStandardInputFromAPipe) {
  WriteFile(dir_ + "/in.jsonl", Users(0, 2500));
  CliResult r = RunShell("cat '" + dir_ + "/in.jsonl' | $SPIRAPI insert '" + db_ +
                         "' users --file - --ids");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(SplitLines(r.out).size(), 2500u);
  EXPECT_EQ(r.err, "inserted 2500 records into schema 'users'\n");
  EXPECT_EQ(Count(), 2500u);
}

TEST_F(CliInsertTest, EmptyInputInsertsNothing) {
  WriteFile(dir_ + "/empty.jsonl", "");
  WriteFile(dir_ + "/blank.jsonl", "\n \n\t\r\n");
  for (const std::string& file : {dir_ + "/empty.jsonl", dir_ + "/blank.jsonl"}) {
    CliResult r = Run({"insert", db_, "users", "--file", file});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, "inserted 0 records into schema 'users'\n");
  }
  CliResult r = Run({"insert", db_, "users", "--file", "-"}, "");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Count(), 0u);
}

// A bad line stops the run: the batches before it stay, the rest of its
// batch does not, and the message says how far it got and how to go on.
TEST_F(CliInsertTest, ABadLineStopsWithItsNumberAndTheWayToResume) {
  const std::string good = Users(0, 4);
  const std::string path = dir_ + "/in.jsonl";
  WriteFile(path, good + "\n" + R"({"email":"bad@x","age":-5})" + "\n" + Users(4, 6));
  CliResult r = Run({"insert", db_, "users", "--file", path, "--batch", "2"});
  EXPECT_EQ(r.exit_code, 2);
  ExpectOneErrorLine(r);
  EXPECT_EQ(r.err, "spirapi: " + path + ": line 6: record rejected by schema 'users': age: -5 is "
                   "below min_value 0; 4 records were inserted before it, from the lines up to "
                   "4; once it is fixed, --skip 4 goes on after them\n");
  EXPECT_EQ(Count(), 4u);
  // Fixed, and resumed after the lines already in.
  WriteFile(path, good + "\n" + R"({"email":"bad@x","age":5})" + "\n" + Users(4, 6));
  r = Run({"insert", db_, "users", "--file", path, "--batch", "2", "--skip", "4"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "inserted 3 records into schema 'users'\n");
  EXPECT_EQ(Count(), 7u);
  // A repeat inside one batch, and one of a record stored before.
  for (const auto& [lines, error] : std::vector<std::pair<std::string, std::string>>{
           {Users(10, 11) + Users(10, 11),
            ": line 2: record rejected by schema 'users': email: \"u10@x\" is already used by "
            "record 0 of this batch; no record was inserted\n"},
           {Users(1, 2), ": line 1: record rejected by schema 'users': email: \"u1@x\" is "
                         "already used by record "}}) {
    WriteFile(path, lines);
    r = Run({"insert", db_, "users", "--file", path});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find(error), std::string::npos) << r.err;
  }
  EXPECT_EQ(Count(), 7u);
}

TEST_F(CliInsertTest, MalformedLinesAreNamed) {
  const std::string path = dir_ + "/in.jsonl";
  const std::string big(17u << 20, 'a');
  struct Case {
    std::string line;
    std::string error;
  };
  for (const Case& c : std::vector<Case>{
           {"not json", ": line 3: the record is not accepted: "},
           {"[1,2]", ": line 3: a record must be a JSON object; "},
           {"{\"email\":\"\xc3\x28\"}", ": line 3: not valid UTF-8; "},
           {R"({"email":"\udc00"})", ": line 3: record rejected by schema 'users': the record is "
                                     "not valid UTF-8"},
           {R"({"email":")" + big + R"("})", ": line 3: longer than the largest record (16 MiB); "},
       }) {
    WriteFile(path, Users(100, 102) + c.line + "\n" + Users(102, 103));
    CliResult r = Run({"insert", db_, "users", "--file", path});
    EXPECT_EQ(r.exit_code, 2) << c.error;
    ExpectOneErrorLine(r);
    EXPECT_NE(r.err.find(c.error), std::string::npos) << r.err.substr(0, 300);
    EXPECT_NE(r.err.find("; no record was inserted"), std::string::npos) << r.err.substr(0, 300);
  }
  EXPECT_EQ(Count(), 0u);
  // A long line can be skipped over.
  WriteFile(path, R"({"email":")" + big + "\"}\n" + Users(0, 1));
  CliResult r = Run({"insert", db_, "users", "--file", path, "--skip", "1"});
  EXPECT_EQ(r.exit_code, 0) << r.err.substr(0, 300);
  EXPECT_EQ(Count(), 1u);
}

TEST_F(CliInsertTest, UsageErrors) {
  WriteFile(dir_ + "/in.jsonl", Users(0, 1));
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"insert", db_, "users"},
           {"insert", db_, "users", "{}", "--file", dir_ + "/in.jsonl"},
           {"insert", db_, "nope", "--file", dir_ + "/in.jsonl"},
           {"insert", db_, "users", "--file", dir_ + "/missing.jsonl"},
           {"insert", db_, "users", "--file", dir_},
           {"insert", db_, "users", "--file", dir_ + "/in.jsonl", "--batch", "0"},
           {"insert", db_, "users", "--file", dir_ + "/in.jsonl", "--batch", "-1"},
       }) {
    CliResult r = Run(args);
    EXPECT_EQ(r.exit_code, 2) << Join(args) << "\n" << r.err;
    ExpectOneErrorLine(r);
    EXPECT_EQ(r.out, "");
  }
  EXPECT_EQ(Count(), 0u);
}

}  // namespace
}  // namespace spirapi
