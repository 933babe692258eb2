// The fixture of the spirapi command-line tests (cli_test.cc,
// cli_input_test.cc): each test runs the built binary (SPIRAPI_CLI_PATH) in a
// fresh temporary directory and checks its stdout, stderr and exit code.

#ifndef SPIRAPI_TESTS_TOOLS_CLI_TEST_UTIL_H_
#define SPIRAPI_TESTS_TOOLS_CLI_TEST_UTIL_H_

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "support/temp_dir.h"

#ifndef SPIRAPI_CLI_PATH
#error "SPIRAPI_CLI_PATH must name the built spirapi binary"
#endif

extern char** environ;

namespace spirapi {

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

inline std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

inline rapidjson::Document ParseJson(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  EXPECT_FALSE(doc.HasParseError()) << "not JSON: " << text;
  return doc;
}

// The string member `name` of each object of JSON-lines output, in order.
inline std::vector<std::string> StringMembers(const std::string& out, const char* name) {
  std::vector<std::string> values;
  for (const std::string& line : SplitLines(out)) {
    rapidjson::Document doc = ParseJson(line);
    if (doc.IsObject() && doc.HasMember(name) && doc[name].IsString()) {
      values.push_back(doc[name].GetString());
    }
  }
  return values;
}

// The ids of a scan's JSON-lines output, in order.
inline std::vector<std::string> ScanIds(const std::string& out) { return StringMembers(out, "id"); }

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_.path();
    db_ = dir_ + "/db";
  }

  // Runs spirapi with `args`, feeding `input` on stdin. SPIRAPI_PASSPHRASE is
  // removed from the environment unless given in `env` ("NAME=value").
  CliResult Run(const std::vector<std::string>& args, const std::string& input = "",
                const std::vector<std::string>& env = {}) {
    const std::string in_path = dir_ + "/.stdin";
    WriteFile(in_path, input);
    return RunWithStdin(args, in_path, env);
  }

  // As Run, with stdin opened from `stdin_path` (e.g. /dev/zero).
  CliResult RunWithStdin(const std::vector<std::string>& args, const std::string& stdin_path,
                         const std::vector<std::string>& env = {}) {
    std::vector<std::string> argv = {SPIRAPI_CLI_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    return Spawn(argv, stdin_path, env);
  }

  // Runs `script` with /bin/sh, in which $SPIRAPI names the binary: for
  // input through pipes ("cat f | $SPIRAPI load db cache -").
  CliResult RunShell(const std::string& script) {
    const std::string in_path = dir_ + "/.stdin";
    WriteFile(in_path, "");
    return Spawn({"/bin/sh", "-c", script}, in_path,
                 {std::string("SPIRAPI=") + SPIRAPI_CLI_PATH});
  }

  CliResult Spawn(std::vector<std::string> argv_strings, const std::string& in_path,
                  const std::vector<std::string>& env) {
    const std::string out_path = dir_ + "/.stdout";
    const std::string err_path = dir_ + "/.stderr";

    // Everything the child needs is built before fork(), so the child calls
    // only async-signal-safe functions.
    std::vector<std::string> envs;
    for (char** e = environ; *e != nullptr; ++e) {
      if (std::strncmp(*e, "SPIRAPI_PASSPHRASE=", 19) != 0) envs.push_back(*e);
    }
    envs.insert(envs.end(), env.begin(), env.end());
    std::vector<char*> envp;
    for (std::string& e : envs) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::vector<char*> argv;
    for (std::string& a : argv_strings) argv.push_back(a.data());
    argv.push_back(nullptr);

    CliResult result;
    const pid_t pid = fork();
    if (pid < 0) {
      ADD_FAILURE() << "fork: " << std::strerror(errno);
      return result;
    }
    if (pid == 0) {
      const int in_fd = open(in_path.c_str(), O_RDONLY);
      const int out_fd = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      const int err_fd = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (in_fd < 0 || out_fd < 0 || err_fd < 0) _exit(126);
      dup2(in_fd, STDIN_FILENO);
      dup2(out_fd, STDOUT_FILENO);
      dup2(err_fd, STDERR_FILENO);
      execve(argv[0], argv.data(), envp.data());
      _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result.out = ReadFile(out_path);
    result.err = ReadFile(err_path);
    return result;
  }

  // Runs a command that must succeed, and returns its stdout.
  std::string RunOk(const std::vector<std::string>& args, const std::string& input = "",
                    const std::vector<std::string>& env = {}) {
    CliResult r = Run(args, input, env);
    EXPECT_EQ(r.exit_code, 0) << "spirapi " << Join(args) << "\nstderr: " << r.err;
    return r.out;
  }

  static std::string Join(const std::vector<std::string>& args) {
    std::string joined;
    for (const std::string& a : args) joined += a + " ";
    return joined;
  }

  // Failures must print exactly one "spirapi: " line on stderr.
  static void ExpectOneErrorLine(const CliResult& r) {
    EXPECT_EQ(r.err.rfind("spirapi: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }

  // A command that must be refused: exit `code`, one error line containing
  // `says`, nothing on stdout.
  struct Refusal {
    std::vector<std::string> args;
    int code;
    const char* says;
  };
  void ExpectRefusals(const std::vector<Refusal>& cases) {
    for (const Refusal& c : cases) {
      CliResult r = Run(c.args);
      EXPECT_EQ(r.exit_code, c.code) << Join(c.args) << ": " << r.err;
      ExpectOneErrorLine(r);
      EXPECT_NE(r.err.find(c.says), std::string::npos) << Join(c.args) << ": " << r.err;
      EXPECT_EQ(r.out, "");
    }
  }

  // dir_ holds db_, the `others` and the runner's dot files, nothing else.
  void ExpectNothingWrittenBut(const std::vector<std::string>& others) {
    for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
      const std::string name = entry.path().filename().string();
      EXPECT_TRUE(name == "db" || name[0] == '.' ||
                  std::find(others.begin(), others.end(), name) != others.end())
          << name;
    }
  }

  void Init() { RunOk({"init", db_}); }

  // Creates db_ with 300 records, "k1000".."k1299", in segment files of
  // small blocks, then flips a byte in the middle of a segment: the records
  // of one block, a few, are damaged.
  void InitDamaged() {
    RunOk({"init", db_, "--block-size-kib", "4"});
    std::string lines;
    for (int i = 0; i < 300; ++i) {
      lines += "{\"id\":\"k" + std::to_string(1000 + i) + "\",\"data\":{\"i\":" +
               std::to_string(i) + ",\"pad\":\"" + std::string(100, 'a' + i % 26) + "\"}}\n";
    }
    WriteFile(dir_ + "/in.jsonl", lines);
    RunOk({"load", db_, "sequence", dir_ + "/in.jsonl"});
    RunOk({"compact", db_});  // moves the records into segment files
    std::string segment;
    for (const auto& entry : std::filesystem::directory_iterator(db_ + "/sequence")) {
      if (entry.is_regular_file() && entry.file_size() > 1024) segment = entry.path();
    }
    ASSERT_FALSE(segment.empty()) << "no segment file to damage";
    std::string bytes = ReadFile(segment);
    bytes[bytes.size() / 2] ^= 0x5a;
    WriteFile(segment, bytes);
  }

  test::TempDir temp_;
  std::string dir_;
  std::string db_;
};

}  // namespace spirapi

#endif  // SPIRAPI_TESTS_TOOLS_CLI_TEST_UTIL_H_
