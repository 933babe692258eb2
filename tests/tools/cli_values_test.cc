// The spirapi binary on equal values and on the π identifier source: unique
// fields and `find --where` compare values as their type makes them equal,
// and `pi compute` cannot cut `pi-ids` short of the identifiers handed out.

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "support/temp_dir.h"

extern char** environ;  // the environment spirapi runs with (SPIRAPI_CLI_PATH: CMake)

namespace spirapi {
namespace {

class CliValuesTest : public ::testing::Test {
 protected:
  struct Outcome {
    int exit_code = -1;
    std::string out, err;
  };

  // spirapi with `args`, stdin empty, stdout and stderr captured in files.
  Outcome Spirapi(std::vector<std::string> args) {
    args.insert(args.begin(), SPIRAPI_CLI_PATH);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string out_path = dir_.Sub("out"), err_path = dir_.Sub("err");
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    posix_spawn_file_actions_addopen(&files, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&files, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    posix_spawn_file_actions_addopen(&files, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    Outcome outcome;
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, argv[0], &files, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&files);
    EXPECT_EQ(rc, 0) << "posix_spawn " << argv[0];
    int status = 0;
    if (rc == 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status)) {
      outcome.exit_code = WEXITSTATUS(status);
    }
    outcome.out = Contents(out_path);
    outcome.err = Contents(err_path);
    return outcome;
  }
  std::string Ok(const std::vector<std::string>& args) {
    Outcome r = Spirapi(args);
    EXPECT_EQ(r.exit_code, 0) << args[0] << " " << (args.size() > 1 ? args[1] : "") << ": "
                              << r.err;
    return r.out;
  }
  // A refusal: exit 2, one "spirapi: " line naming `why`.
  void Refused(const std::vector<std::string>& args, const std::string& why) {
    Outcome r = Spirapi(args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(r.err.rfind("spirapi: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(why), std::string::npos) << r.err;
  }
  static std::string Contents(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  static size_t Lines(const std::string& text) {
    return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
  }

  test::TempDir dir_;
  const std::string db_ = dir_.Sub("db");
};

TEST_F(CliValuesTest, UniqueValuesAndFindCompareAsTheirType) {
  Ok({"init", db_});
  Ok({"schema", "create", db_, "m", "--zone", "structured", "--fields",
      R"({"x": {"type": "float", "unique": true}})"});
  Ok({"insert", db_, "m", R"({"x": 3})"});
  Refused({"insert", db_, "m", R"({"x": 3.0})"}, "already used");
  Ok({"insert", db_, "m", R"({"x": 0})"});
  Refused({"insert", db_, "m", R"({"x": -0.0})"}, "already used");
  Ok({"insert", db_, "m", R"({"x": 2.50})"});
  Refused({"insert", db_, "m", R"({"x": 2.5})"}, "already used");
  EXPECT_EQ(Lines(Ok({"find", db_, "m"})), 3u);
  EXPECT_EQ(Lines(Ok({"find", db_, "m", "--where", "x=3.00"})), 1u);
  EXPECT_EQ(Lines(Ok({"find", db_, "m", "--where", "x=-0"})), 1u);

  Ok({"schema", "create", db_, "e", "--zone", "emergent", "--fields",
      R"({"a": {"type": "integer", "unique": true}})"});
  Ok({"insert", db_, "e", R"({"a": 5})"});
  Refused({"insert", db_, "e", R"({"a": "5"})"}, "already used");
  Ok({"insert", db_, "e", R"({"a": "6"})"});
  EXPECT_EQ(Lines(Ok({"find", db_, "e", "--where", R"(a="5")"})), 1u);
  EXPECT_EQ(Lines(Ok({"find", db_, "e", "--where", "a=6"})), 0u);  // a number is not "6"
}

TEST_F(CliValuesTest, PiIdsCannotBeComputedShorterThanTheIdsHandedOut) {
  Ok({"init", db_});
  const std::string ids = Ok({"pi", "ids", db_, "--count", "200"});
  const std::string last = ids.substr(ids.rfind('\n', ids.size() - 2) + 1);
  const std::string before = Ok({"pi", "stats", db_, "pi-ids", "--json"});
  Refused({"pi", "compute", db_, "--id", "pi-ids", "--digits", "100"}, "position 200");
  EXPECT_EQ(Ok({"pi", "stats", db_, "pi-ids", "--json"}), before);
  Ok({"pi", "resolve", db_, last.substr(0, last.size() - 1)});
  // One id per process moves the counter by one.
  for (int i = 0; i < 5; ++i) Ok({"pi", "ids", db_, "--count", "1"});
  EXPECT_EQ(Ok({"pi", "ids", db_, "--count", "1"}).substr(13), "206\n");
}

}  // namespace
}  // namespace spirapi
