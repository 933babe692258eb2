// spirapi shell: driven through a pseudo-terminal (prompt, tables, Ctrl-C,
// history, .quit) and through pipes (JSON lines, CSV, tables, multi-line
// queries, errors, .read, .output, .use, .explain, .timer).

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "tools/cli_test_util.h"

namespace spirapi {
namespace {

// The shell on the other side of a pseudo-terminal, as a person types to it.
class PtySession {
 public:
  PtySession(const std::vector<std::string>& args, const std::string& home) {
    std::vector<std::string> argv_strings = {SPIRAPI_CLI_PATH};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<std::string> envs = {"TERM=xterm", "HOME=" + home, "PATH=/usr/bin:/bin"};
    // Built before fork(): the child calls only async-signal-safe functions.
    std::vector<char*> argv, envp;
    for (std::string& a : argv_strings) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (std::string& e : envs) envp.push_back(e.data());
    envp.push_back(nullptr);
    struct winsize size = {};
    size.ws_row = 40;
    size.ws_col = 200;
    pid_ = forkpty(&fd_, nullptr, nullptr, &size);
    if (pid_ == 0) {
      execve(argv[0], argv.data(), envp.data());
      _exit(127);
    }
  }
  PtySession(const PtySession&) = delete;
  PtySession& operator=(const PtySession&) = delete;
  ~PtySession() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0) close(fd_);
  }

  bool started() const { return pid_ > 0 && fd_ >= 0; }

  void Type(const std::string& keys) {
    ASSERT_EQ(write(fd_, keys.data(), keys.size()), static_cast<ssize_t>(keys.size()));
  }

  // Types a control key (Ctrl-C, Ctrl-D) once the line editor has the
  // terminal: typed before, in the terminal's line mode, the kernel would
  // act on it alone (Ctrl-D as the end of a line that nobody reads).
  void TypeControl(char key) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    struct termios mode = {};
    // On Linux the master reports the terminal's mode.
    while (tcgetattr(fd_, &mode) == 0 && (mode.c_lflag & ICANON) != 0 &&
           std::chrono::steady_clock::now() < deadline) {
      usleep(10000);
    }
    Type(std::string(1, key));
  }

  // Reads until `text` has appeared since the last WaitFor (10 s at most).
  bool WaitFor(const std::string& text) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
      const size_t found = screen_.find(text, seen_);
      if (found != std::string::npos) {
        seen_ = found + text.size();
        return true;
      }
      if (std::chrono::steady_clock::now() > deadline || !ReadSome()) return false;
    }
  }

  // The exit code once the shell has ended (10 s at most), else -1.
  int Wait() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      ReadSome();  // a full terminal buffer would block the shell's last lines
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
    }
    return -1;
  }

  const std::string& screen() const { return screen_; }

 private:
  // False at the end of the terminal's output (the shell has exited).
  bool ReadSome() {
    struct pollfd p = {fd_, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) return true;
    char buffer[4096];
    const ssize_t n = read(fd_, buffer, sizeof(buffer));
    if (n <= 0) return false;
    screen_.append(buffer, static_cast<size_t>(n));
    return true;
  }

  pid_t pid_ = -1;
  int fd_ = -1;
  bool exited_ = false;
  std::string screen_;
  size_t seen_ = 0;
};

class ShellTest : public CliTest {
 protected:
  // A database with three cache records.
  void InitWithRecords() {
    Init();
    RunOk({"load", db_, "cache", "-"},
          "{\"id\":\"a\",\"data\":{\"n\":3,\"s\":\"x\"}}\n"
          "{\"id\":\"b\",\"data\":{\"n\":5.0,\"s\":\"y, \\\"z\\\"\"}}\n"
          "{\"id\":\"c\",\"data\":{\"n\":\"5\",\"t\":[1,2]}}\n");
  }

  CliResult Shell(const std::string& input) {
    return Run({"shell", db_, "--component", "cache"}, input);
  }
};

TEST_F(ShellTest, ShellOnATerminalPrintsTablesAndKeepsHistory) {
  InitWithRecords();
  PtySession pty({"shell", db_, "--component", "cache"}, dir_);
  ASSERT_TRUE(pty.started());
  ASSERT_TRUE(pty.WaitFor("spirapi> ")) << pty.screen();
  pty.Type("{\"$fields\": [\"@id\", \"n\"], \"$sort\": [\"@id\"]}\r");
  // A table on a terminal: aligned columns, numbers to the right.
  ASSERT_TRUE(pty.WaitFor("@id  n\r\n---  ---\r\na      3\r\nb    5.0\r\nc    5")) << pty.screen();
  ASSERT_TRUE(pty.WaitFor("spirapi> ")) << pty.screen();
  pty.Type(".components\r");
  ASSERT_TRUE(pty.WaitFor("cache" + std::string(12, ' ') + "3")) << pty.screen();
  // A query over two lines; Ctrl-C drops it and gives a fresh prompt.
  pty.Type("{\"n\":\r");
  ASSERT_TRUE(pty.WaitFor("   ...> ")) << pty.screen();
  pty.TypeControl('\x03');
  ASSERT_TRUE(pty.WaitFor("spirapi> ")) << pty.screen();
  pty.Type("{\"n\":\r");
  ASSERT_TRUE(pty.WaitFor("   ...> ")) << pty.screen();
  pty.Type(" 3, \"$fields\": [\"s\"]}\r");
  ASSERT_TRUE(pty.WaitFor("s\r\n-\r\nx\r\n")) << pty.screen();
  pty.Type(".nonsense\r");
  ASSERT_TRUE(pty.WaitFor("Error: unknown command '.nonsense'")) << pty.screen();
  pty.Type(".quit\r");
  EXPECT_EQ(pty.Wait(), 0) << pty.screen();
  // The history: one line per entry, the two-line query as one.
  const std::string history = ReadFile(dir_ + "/.spirapi_history");
  EXPECT_NE(history.find(".components"), std::string::npos) << history;
  EXPECT_NE(history.find("$fields"), std::string::npos) << history;
}

TEST_F(ShellTest, UnicodeAndCtrlDOnATerminal) {
  InitWithRecords();
  RunOk({"put", db_, "sequence", "u", "{\"s\":\"\xc3\xbc\"}"});
  // No history file where $HOME cannot hold one: the shell runs all the same.
  // The environment names no locale: what is typed is read as UTF-8 anyway.
  PtySession pty({"shell", db_}, dir_ + "/missing");
  ASSERT_TRUE(pty.started());
  ASSERT_TRUE(pty.WaitFor("queries read component sequence")) << pty.screen();
  ASSERT_TRUE(pty.WaitFor("spirapi> ")) << pty.screen();
  pty.Type("{\"s\": \"\xc3\xbc\", \"$fields\": [\"@id\"]}\r");
  ASSERT_TRUE(pty.WaitFor("@id\r\n---\r\nu\r\n")) << pty.screen();
  ASSERT_TRUE(pty.WaitFor("spirapi> ")) << pty.screen();
  pty.TypeControl('\x04');
  EXPECT_EQ(pty.Wait(), 0) << pty.screen();
}

TEST_F(ShellTest, CtrlCStopsAQueryOnATerminal) {
  Init();
  std::string lines;
  for (int i = 0; i < 5000; ++i) {
    lines += "{\"id\":\"k" + std::to_string(10000 + i) + "\",\"data\":{\"i\":" +
             std::to_string(i) + "}}\n";
  }
  RunOk({"load", db_, "cache", "-"}, lines);
  PtySession pty({"shell", db_, "--component", "cache"}, dir_);
  ASSERT_TRUE(pty.started());
  ASSERT_TRUE(pty.WaitFor("spirapi> ")) << pty.screen();
  pty.Type(".mode json\r{}\r");
  // Rows are far more than the terminal holds until they are read, so the
  // query is still running while nothing is read here.
  ASSERT_TRUE(pty.WaitFor("\"id\":\"k10000\"")) << pty.screen();
  pty.Type("\x03");
  ASSERT_TRUE(pty.WaitFor("Error: interrupted\r\n")) << pty.screen();
  EXPECT_EQ(pty.screen().find("k14999"), std::string::npos);
  ASSERT_TRUE(pty.WaitFor("spirapi> ")) << pty.screen();
  pty.Type("{\"$count\": true}\r");
  ASSERT_TRUE(pty.WaitFor("{\"count\":5000}")) << pty.screen();
  pty.Type(".quit\r");
  EXPECT_EQ(pty.Wait(), 0) << pty.screen();
}

TEST_F(ShellTest, PipedQueriesPrintJsonLines) {
  InitWithRecords();
  CliResult r = Shell("{\"n\":{\"$gte\":3},\"$fields\":[\"@id\",\"n\"]}\n"
                      "\n"
                      "# a comment\n"
                      "{\"$count\":true}\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "{\"@id\":\"a\",\"n\":3}\n{\"@id\":\"b\",\"n\":5.0}\n{\"count\":3}\n");
  EXPECT_EQ(r.err, "");
  // The default source is the sequence component.
  EXPECT_EQ(RunOk({"shell", db_}, "{\"$count\":true}\n"), "{\"count\":0}\n");
}

TEST_F(ShellTest, QueryOverSeveralLines) {
  InitWithRecords();
  CliResult r = Shell("{\n"
                      "  \"s\": \"{ not a brace\",\n"
                      "  \"$fields\": [\"@id\"]\n"
                      "}\n"
                      "{\"$count\":\n"
                      "true}\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "{\"count\":3}\n");
  // Input that ends inside a query: one error, naming where it began.
  r = Shell("{\"$count\":true}\n{\"n\":\n  3\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "{\"count\":3}\n");
  EXPECT_EQ(r.err,
            "Error: line 2: a query begun here is incomplete at the end of standard input "
            "(its braces do not balance)\n"
            "spirapi: shell: 1 error (each on an \"Error:\" line above)\n");
}

TEST_F(ShellTest, ErrorsAreOneLineEachAndTheShellGoesOn) {
  InitWithRecords();
  CliResult r = Shell("{\"n\":{\"$gt\":[1]}}\n"
                      ".frobnicate\n"
                      "select * from t\n"
                      "{\"$count\":true}\n"
                      ".mode xml\n"
                      ".use component nope\n"
                      ".use schema nope\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "{\"count\":3}\n");
  const std::vector<std::string> lines = SplitLines(r.err);
  ASSERT_EQ(lines.size(), 7u) << r.err;
  EXPECT_EQ(lines[0], "Error: line 1: query: n.$gt: needs a number or a string, not an array");
  EXPECT_EQ(lines[1], "Error: line 2: unknown command '.frobnicate'; .help lists the commands");
  EXPECT_EQ(lines[2].rfind("Error: line 3: not a query or a command: 'select * from t'", 0), 0u)
      << lines[2];
  EXPECT_EQ(lines[3].rfind("Error: line 5: .mode: unknown mode 'xml'", 0), 0u) << lines[3];
  EXPECT_EQ(lines[4].rfind("Error: line 6: .use: ", 0), 0u) << lines[4];
  EXPECT_EQ(lines[5], "Error: line 7: .use: no schema 'nope' (.schemas lists them)");
  EXPECT_EQ(lines[6], "spirapi: shell: 6 errors (each on an \"Error:\" line above)");
}

TEST_F(ShellTest, CsvAndTableModes) {
  InitWithRecords();
  CliResult r = Shell(".mode csv\n"
                      "{\"$fields\":[\"@id\",\"n\",\"s\",\"t\"]}\n"
                      ".mode\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // RFC 4180: a header, CRLF line ends, quoted fields with doubled quotes.
  // Columns are the keys of the rows in the order first seen; absent ones
  // are empty; strings bare, other values as JSON.
  EXPECT_EQ(r.out,
            "@id,n,s,t\r\n"
            "a,3,x,\r\n"
            "b,5.0,\"y, \"\"z\"\"\",\r\n"
            "c,5,,\"[1,2]\"\r\n"
            "csv\n");

  const std::string wide(70, 'w');
  RunOk({"put", db_, "cache", "d", "{\"n\":-12,\"s\":\"" + wide + "\"}"});
  r = Shell(".mode table\n{\"$fields\":[\"@id\",\"n\",\"s\"]}\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> lines = SplitLines(r.out);
  ASSERT_EQ(lines.size(), 6u) << r.out;
  // Cells wider than 60 characters end in an ellipsis.
  EXPECT_EQ(lines[0], "@id  n    s");
  EXPECT_EQ(lines[1], "---  ---  " + std::string(60, '-'));
  EXPECT_EQ(lines[2], "a      3  x");
  EXPECT_EQ(lines[4], "c    5");  // a string is left-aligned, also when it looks like a number
  EXPECT_EQ(lines[5], "d    -12  " + std::string(59, 'w') + "\xe2\x80\xa6");
  // No rows: no header either.
  EXPECT_EQ(RunOk({"shell", db_}, ".mode table\n{\"$limit\":1}\n"), "");
}

TEST_F(ShellTest, ComponentsSchemasAndUse) {
  InitWithRecords();
  RunOk({"schema", "create", db_, "people", "--fields", R"({"name":{"type":"string"}})"});
  RunOk({"insert", db_, "people", R"({"name":"Ada"})"});
  CliResult r = Shell(".components\n"
                      ".schemas\n"
                      ".use schema people\n"
                      ".use\n"
                      "{\"$fields\":[\"name\"]}\n"
                      ".use component cache\n"
                      "{\"$count\":true}\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // The schema's own bookkeeping is records too (in sequence and metadata).
  EXPECT_EQ(r.out,
            "{\"component\":\"sequence\",\"records\":2}\n"
            "{\"component\":\"schema\",\"records\":2}\n"
            "{\"component\":\"query\",\"records\":0}\n"
            "{\"component\":\"metadata\",\"records\":1}\n"
            "{\"component\":\"index\",\"records\":0}\n"
            "{\"component\":\"cache\",\"records\":3}\n"
            "{\"schema\":\"people\",\"zone\":\"flexible\",\"version\":1}\n"
            "queries read schema people\n"
            "{\"name\":\"Ada\"}\n"
            "{\"count\":3}\n");
  // --schema on the command line, checked at the start.
  EXPECT_EQ(RunOk({"shell", db_, "--schema", "people"}, "{\"$count\":true}\n"), "{\"count\":1}\n");
  CliResult missing = Run({"shell", db_, "--schema", "nobody"}, "");
  EXPECT_EQ(missing.exit_code, 2);
  ExpectOneErrorLine(missing);
  CliResult no_db = Run({"shell", dir_ + "/nowhere"}, "");
  EXPECT_EQ(no_db.exit_code, 2);
  ExpectOneErrorLine(no_db);
}

TEST_F(ShellTest, ExplainAndTimerGoToStderr) {
  InitWithRecords();
  CliResult r = Shell(".explain on\n.timer on\n{\"$count\":true}\n.explain off\n.timer off\n"
                      "{\"$count\":true}\n.timer maybe\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "{\"count\":3}\n{\"count\":3}\n");
  const std::vector<std::string> lines = SplitLines(r.err);
  ASSERT_EQ(lines.size(), 4u) << r.err;
  EXPECT_EQ(lines[0], "Plan: scan component cache (no index); count");
  EXPECT_EQ(lines[1].rfind("Run Time: ", 0), 0u) << lines[1];
  EXPECT_NE(lines[1].find(" s, 1 rows"), std::string::npos) << lines[1];
  EXPECT_EQ(lines[2], "Error: line 7: .timer on|off");
}

TEST_F(ShellTest, ReadAndOutput) {
  InitWithRecords();
  const std::string script = dir_ + "/script.txt";
  WriteFile(script,
            "# counts\n"
            "{\"$count\":\n"
            " true}\n"
            ".nope\n");
  const std::string out = dir_ + "/out.jsonl";
  CliResult r = Shell(".read " + script + "\n"
                      ".output " + out + "\n"
                      "{\"@id\":\"a\",\"$fields\":[\"@id\"]}\n"
                      ".read " + script + "\n"
                      ".output\n"
                      "{\"@id\":\"b\",\"$fields\":[\"@id\"]}\n"
                      ".read " + dir_ + "/absent.txt\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "{\"count\":3}\n{\"@id\":\"b\"}\n");
  EXPECT_EQ(ReadFile(out), "{\"@id\":\"a\"}\n{\"count\":3}\n");
  const std::vector<std::string> lines = SplitLines(r.err);
  ASSERT_EQ(lines.size(), 4u) << r.err;
  // Errors in a file name the file and its line.
  EXPECT_EQ(lines[0], "Error: " + script + ":4: unknown command '.nope'; .help lists the commands");
  EXPECT_EQ(lines[1], lines[0]);
  EXPECT_EQ(lines[2].rfind("Error: line 7: .read: cannot read '" + dir_ + "/absent.txt'", 0), 0u)
      << lines[2];

  // A file that reads itself stops at a depth, with errors, not a crash.
  WriteFile(script, ".read " + script + "\n");
  r = Shell(".read " + script + "\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("more than 16 deep"), std::string::npos) << r.err;

  // .quit ends the input; .output to a directory that does not exist fails.
  r = Shell(".output " + dir_ + "/no/such/file\n.quit\n{\"$count\":true}\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(SplitLines(r.err).size(), 2u) << r.err;
}

TEST_F(ShellTest, IndexesListsTheIndexes) {
  InitWithRecords();
  EXPECT_EQ(RunOk({"shell", db_}, ".indexes\n"), "");
  RunOk({"index", "create", db_, "--component", "cache", "--field", "n", "--name", "by_n"});
  const std::string out = RunOk({"shell", db_}, ".indexes\n");
  EXPECT_EQ(out.rfind(R"({"name":"by_n","component":"cache","type":"btree","fields":["n"],"state":"ready","entries":3,)", 0), 0u) << out;
}

TEST_F(ShellTest, HelpListsTheCommands) {
  Init();
  const std::string help = RunOk({"shell", db_}, ".help\n");
  for (const char* command : {".components", ".schemas", ".indexes", ".use", ".explain",
                              ".timer", ".mode", ".read", ".output", ".help", ".quit"}) {
    EXPECT_NE(help.find(command), std::string::npos) << command;
  }
}

}  // namespace
}  // namespace spirapi
