// The spirapi tool's read commands open the database read-only: they work
// while another process (here: this one) has it open for writing, and change
// nothing. Runs the built binary through the shell.

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <vector>

#include "spirapi/db.h"
#include "support/temp_dir.h"

#ifndef SPIRAPI_CLI_PATH
#error "SPIRAPI_CLI_PATH must name the built spirapi binary"
#endif

namespace spirapi {
namespace {

struct Outcome {
  int exit_code;
  std::string out;
  std::string err;
};

class CliReadOnlyTest : public ::testing::Test {
 protected:
  // `command` is appended to the binary's path; stdin is empty.
  Outcome Spirapi(const std::string& command) {
    const std::string err_path = dir_.Sub("stderr");
    const std::string line =
        std::string(SPIRAPI_CLI_PATH) + " " + command + " </dev/null 2>" + err_path;
    Outcome o{-1, "", ""};
    std::FILE* pipe = ::popen(line.c_str(), "r");
    if (pipe == nullptr) return o;
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof(buf), pipe)) > 0;) o.out.append(buf, n);
    const int status = ::pclose(pipe);
    o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream err(err_path);
    std::stringstream ss;
    ss << err.rdbuf();
    o.err = ss.str();
    return o;
  }
  std::string Ok(const std::string& command) {
    Outcome o = Spirapi(command);
    EXPECT_EQ(o.exit_code, 0) << command << "\n" << o.err;
    return o.out;
  }

  test::TempDir dir_;
  std::string db_ = dir_.Sub("db");
};

TEST_F(CliReadOnlyTest, ReadCommandsWorkWhileTheDatabaseIsOpen) {
  Ok("init " + db_);
  Ok("put " + db_ + " sequence a '{\"v\":1}'");
  Ok("pi compute " + db_ + " --digits 500 --id p");
  Ok("schema create " + db_ + " people --zone flexible --fields '{\"name\":{\"type\":\"string\"}}'");
  Ok("insert " + db_ + " people '{\"name\":\"Ada\"}'");

  std::unique_ptr<DB> app;
  ASSERT_TRUE(DB::Open(Options(), db_, &app).ok());
  ASSERT_TRUE(app->Put(WriteOptions(), Component::kSequence, "b", "{\"v\":2}").ok());

  EXPECT_NE(Ok("get " + db_ + " sequence b").find("\"v\":2"), std::string::npos);
  EXPECT_NE(Ok("scan " + db_ + " sequence").find("\"id\":\"a\""), std::string::npos);
  EXPECT_NE(Ok("dump " + db_).find("\"id\":\"b\""), std::string::npos);
  EXPECT_NE(Ok("stats " + db_ + " --json").find("\"live_records\":2"), std::string::npos);
  EXPECT_NE(Ok("verify " + db_).find("no damage found"), std::string::npos);
  EXPECT_EQ(Ok("pi get " + db_ + " p --from 1 --count 5"), "14159\n");
  EXPECT_NE(Ok("pi search " + db_ + " p 26535").find("\"count\":1"), std::string::npos);
  EXPECT_NE(Ok("pi search " + db_ + " p 26535 --read-only").find("\"count\":1"),
            std::string::npos);
  EXPECT_NE(Ok("pi stats " + db_ + " p").size(), 0u);
  EXPECT_NE(Ok("pi list " + db_).find("p"), std::string::npos);
  EXPECT_NE(Ok("schema list " + db_).find("people"), std::string::npos);
  EXPECT_NE(Ok("schema show " + db_ + " people").find("name"), std::string::npos);
  EXPECT_NE(Ok("find " + db_ + " people").find("Ada"), std::string::npos);
  EXPECT_EQ(Spirapi("get " + db_ + " sequence missing").exit_code, 1);

  // Writes still need the lock.
  Outcome put = Spirapi("put " + db_ + " sequence c '{\"v\":3}'");
  EXPECT_EQ(put.exit_code, 4) << put.err;
  EXPECT_NE(put.err.find("another process"), std::string::npos) << put.err;
}

// pi search stores the pattern index it builds when it can write, and keeps
// it in memory with --read-only (or when the database is held).
TEST_F(CliReadOnlyTest, PiSearchStoresItsIndexOnlyWhenItMayWrite) {
  Ok("init " + db_);
  Ok("pi compute " + db_ + " --digits 500 --id p");
  const auto index_records = [&] { return Ok("scan " + db_ + " index"); };
  const std::string before = index_records();
  EXPECT_NE(Ok("pi search " + db_ + " p 26535 --read-only").find("\"count\":1"),
            std::string::npos);
  EXPECT_EQ(index_records(), before);
  {
    std::unique_ptr<DB> app;
    ASSERT_TRUE(DB::Open(Options(), db_, &app).ok());
    EXPECT_NE(Ok("pi search " + db_ + " p 26535").find("\"count\":1"), std::string::npos);
  }
  EXPECT_EQ(index_records(), before);
  EXPECT_NE(Ok("pi search " + db_ + " p 26535").find("\"count\":1"), std::string::npos);
  EXPECT_NE(index_records(), before) << "a search that may write stores the index";
}

}  // namespace
}  // namespace spirapi
