// `spirapi shell` (cli_shell.h): what sqlite3's shell is to SQLite. A line
// that starts with '{' begins a query, which may go on over more lines until
// its braces balance; a line that starts with '.' is a dot-command; '#'
// starts a comment. On a terminal lines are edited and remembered with
// libedit (BSD licence), rows print as aligned tables, and Ctrl-C stops a
// query; otherwise lines are read plainly and rows print as JSON lines.

#include "cli_shell.h"

#include <histedit.h>
#include <langinfo.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <clocale>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli_index.h"
#include "cli_input.h"
#include "cli_shell_output.h"
#include "cli_util.h"
#include "spirapi/query.h"
#include "spirapi/record.h"
#include "spirapi/schema.h"
#include "spirapi/version.h"

namespace spirapi::cli {
namespace {

// As `spirapi query -`: endless input ends in an error, not exhausted memory.
constexpr size_t kMaxQueryBytes = 16u << 20;
// .read files that read each other end here rather than in a stack overflow.
constexpr int kMaxReadDepth = 16;
constexpr int kHistorySize = 1000;

constexpr char kHelp[] =
    "Queries (docs/QUERY.md) are JSON objects: type one, over several lines if\n"
    "you like, e.g. {\"n\": {\"$gt\": 3}, \"$limit\": 10}. Lines starting with # are\n"
    "comments. Commands:\n"
    ".components               the six components and their live record counts\n"
    ".schemas                  the schemas, their zones and versions\n"
    ".indexes                  the secondary indexes, their state and size\n"
    ".use component NAME       query the records of this component\n"
    ".use schema NAME          query the records of this schema\n"
    ".use                      show what queries read\n"
    ".explain on|off           print each query's plan (on stderr) before its rows\n"
    ".timer on|off             print each query's time and row count (on stderr)\n"
    ".mode json|table|csv      how rows print (no argument: show the mode)\n"
    ".read FILE                run the lines of FILE\n"
    ".output [FILE]            write rows to FILE; without FILE, to stdout again\n"
    ".help                     this text\n"
    ".quit, .exit              leave (as does Ctrl-D or the end of input)\n";

// Set by Ctrl-C; the running query stops at its next row.
volatile std::sig_atomic_t g_interrupted = 0;

extern "C" void OnSigint(int) { g_interrupted = 1; }

// The Ctrl-C handler of an interactive session, and the one it replaced,
// put back at the end (RunCommandLine may run again in the same process).
class SigintHandler {
 public:
  SigintHandler() {
    struct sigaction action;
    std::memset(&action, 0, sizeof(action));
    action.sa_handler = OnSigint;
    sigemptyset(&action.sa_mask);
    // The engine's system calls during a query go on after Ctrl-C. At the
    // prompt libedit's own handler (EL_SIGNAL) interrupts its read() and
    // passes the signal on to this one, so that the line is abandoned.
    action.sa_flags = SA_RESTART;
    installed_ = sigaction(SIGINT, &action, &old_) == 0;
  }
  SigintHandler(const SigintHandler&) = delete;
  SigintHandler& operator=(const SigintHandler&) = delete;
  ~SigintHandler() {
    if (installed_) sigaction(SIGINT, &old_, nullptr);
  }

 private:
  struct sigaction old_;
  bool installed_ = false;
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' ||
                        s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// Follows the braces of a query's text, line by line, outside its strings:
// the query is complete when they balance.
class BraceBalance {
 public:
  void Feed(std::string_view text) {
    for (char c : text) {
      if (in_string_) {
        if (escaped_) {
          escaped_ = false;
        } else if (c == '\\') {
          escaped_ = true;
        } else if (c == '"') {
          in_string_ = false;
        }
      } else if (c == '"') {
        in_string_ = true;
      } else if (c == '{' || c == '[') {
        ++depth_;
      } else if (c == '}' || c == ']') {
        --depth_;
      }
    }
  }
  // Too many closing braces also "complete" it: the parser then names the fault.
  bool complete() const { return depth_ <= 0 && !in_string_; }
  void Reset() { *this = BraceBalance(); }

 private:
  long depth_ = 0;
  bool in_string_ = false;
  bool escaped_ = false;
};

// libedit decodes what is typed in the LC_CTYPE locale, which is "C" (ASCII
// only: an "é" typed would vanish) until the program adopts the user's.
// Queries are UTF-8 JSON, so a locale of another encoding gives way to
// C.UTF-8. The old locale comes back at the end (RunCommandLine may run
// again in the same process).
class Utf8Input {
 public:
  Utf8Input() {
    const char* old = std::setlocale(LC_CTYPE, nullptr);
    if (old != nullptr) old_ = old;
    const char* now = std::setlocale(LC_CTYPE, "");
    if (now == nullptr || std::strcmp(nl_langinfo(CODESET), "UTF-8") != 0) {
      std::setlocale(LC_CTYPE, "C.UTF-8");
    }
  }
  Utf8Input(const Utf8Input&) = delete;
  Utf8Input& operator=(const Utf8Input&) = delete;
  ~Utf8Input() {
    if (!old_.empty()) std::setlocale(LC_CTYPE, old_.c_str());
  }

 private:
  std::string old_;
};

// Line editing and history (libedit), for a terminal on stdin only.
class LineEditor {
 public:
  enum class Result { kLine, kInterrupted, kEnd };

  // Editing draws on `out`. `history_path` empty: no history file.
  LineEditor(std::FILE* out, std::string history_path)
      : history_path_(std::move(history_path)) {
    history_ = history_init();
    if (history_ != nullptr) {
      history(history_, &event_, H_SETSIZE, kHistorySize);
      history(history_, &event_, H_SETUNIQUE, 1);
      // A missing or unreadable history file is no reason to fail.
      if (!history_path_.empty()) history(history_, &event_, H_LOAD, history_path_.c_str());
    }
    editor_ = el_init("spirapi", stdin, out, stderr);
    if (editor_ == nullptr) return;
    el_set(editor_, EL_CLIENTDATA, this);
    el_set(editor_, EL_PROMPT, &LineEditor::Prompt);
    el_set(editor_, EL_EDITOR, "emacs");
    // libedit puts the terminal back as it was on Ctrl-Z and redraws on
    // resize; Ctrl-C still reaches OnSigint.
    el_set(editor_, EL_SIGNAL, 1);
    if (history_ != nullptr) el_set(editor_, EL_HIST, history, history_);
    el_source(editor_, nullptr);  // the user's ~/.editrc, as other libedit programs
  }
  LineEditor(const LineEditor&) = delete;
  LineEditor& operator=(const LineEditor&) = delete;
  ~LineEditor() {
    if (editor_ != nullptr) el_end(editor_);
    if (history_ != nullptr) {
      if (!history_path_.empty()) history(history_, &event_, H_SAVE, history_path_.c_str());
      history_end(history_);
    }
  }

  bool ok() const { return editor_ != nullptr; }

  // The next line, without its newline.
  Result Read(const char* prompt, std::string* line) {
    prompt_ = prompt;
    int count = 0;
    g_interrupted = 0;
    const char* text = el_gets(editor_, &count);
    if (g_interrupted != 0) {
      g_interrupted = 0;
      return Result::kInterrupted;
    }
    if (text == nullptr || count <= 0) return Result::kEnd;
    line->assign(text, static_cast<size_t>(count));
    while (!line->empty() && (line->back() == '\n' || line->back() == '\r')) line->pop_back();
    return Result::kLine;
  }

  void Remember(const std::string& entry) {
    if (history_ != nullptr && !entry.empty()) history(history_, &event_, H_ENTER, entry.c_str());
  }

 private:
  static char* Prompt(EditLine* editor) {
    void* data = nullptr;
    el_get(editor, EL_CLIENTDATA, &data);
    return const_cast<char*>(static_cast<LineEditor*>(data)->prompt_);
  }

  const std::string history_path_;
  History* history_ = nullptr;
  HistEvent event_;
  EditLine* editor_ = nullptr;
  const char* prompt_ = "";
};

class Shell {
 public:
  Shell(DB* db, QuerySource source)
      : db_(db), source_(std::move(source)),
        mode_(isatty(STDOUT_FILENO) == 1 ? ShellMode::kTable : ShellMode::kJson) {}
  Shell(const Shell&) = delete;
  Shell& operator=(const Shell&) = delete;
  ~Shell() { SetOutput(""); }

  // One line of input. `where` names it in error messages ("line 3",
  // "f.txt:3"); empty on a terminal, where the line is in plain sight.
  void Line(std::string_view line, const std::string& where);
  // The end of the current input: a query still open is an error.
  void EndOfInput(const std::string& what);
  // Runs the lines of `file`, named `name` in error messages (standard
  // input's lines are "line N", a file's "NAME:N").
  void RunLines(std::FILE* file, const std::string& name);

  bool quit() const { return quit_; }
  bool continuing() const { return !pending_.empty(); }
  void Abandon() {
    pending_.clear();
    balance_.Reset();
  }
  uint64_t errors() const { return errors_; }
  int first_error() const { return first_error_; }
  std::string Describe() const {
    return source_.schema.empty() ? std::string("component ") + ComponentName(source_.component)
                                  : "schema " + source_.schema;
  }

 private:
  void Error(int code, std::string_view message);
  void Query(const std::string& text);
  void Dot(std::string_view line);
  void Components();
  void Schemas();
  void Indexes();
  void Use(std::string_view args);
  bool OnOff(std::string_view command, std::string_view args, bool* flag);
  void Read(const std::string& path);
  void SetOutput(const std::string& path);
  // Writes informational text (help, settings) to the output.
  void Say(std::string_view text);
  // Ends a result: flushes it, and reports a failed write.
  void EndResult(bool written);
  Status OpenSchemas();

  DB* const db_;
  QuerySource source_;
  ShellMode mode_;
  bool explain_ = false;
  bool timer_ = false;
  std::FILE* out_ = stdout;
  std::string out_path_;  // empty: stdout
  std::unique_ptr<SchemaManager> schemas_;
  std::string where_;
  std::string pending_;  // the lines of a query not yet complete
  std::string pending_where_;  // where it began
  BraceBalance balance_;
  int read_depth_ = 0;
  bool quit_ = false;
  uint64_t errors_ = 0;
  int first_error_ = kExitOk;
};

void Shell::Error(int code, std::string_view message) {
  ++errors_;
  if (first_error_ == kExitOk) first_error_ = code;
  std::fflush(out_);  // the rows before the error come first on a terminal
  std::string line = "Error: ";
  if (!where_.empty()) line += where_ + ": ";
  line += OneLine(message) + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
}

void Shell::Say(std::string_view text) {
  EndResult(std::fwrite(text.data(), 1, text.size(), out_) == text.size());
}

void Shell::EndResult(bool written) {
  if (std::fflush(out_) != 0 || !written) {
    const std::string name = out_path_.empty() ? "standard output" : "'" + out_path_ + "'";
    Error(kExitIoError, "cannot write to " + name + ": " + std::strerror(errno));
    // A closed pipe would fail again on each command: stop here.
    if (out_path_.empty()) quit_ = true;
  }
}

void Shell::Line(std::string_view line, const std::string& where) {
  where_ = where;
  if (!pending_.empty()) {
    if (pending_.size() + line.size() > kMaxQueryBytes) {
      Abandon();
      Error(kExitUsage, "the query is over 16 MiB; it was dropped");
      return;
    }
    pending_ += '\n';
    pending_ += line;
    balance_.Feed(line);
    if (balance_.complete()) {
      std::string text = std::move(pending_);
      Abandon();
      Query(text);
    }
    return;
  }
  const std::string_view trimmed = Trim(line);
  if (trimmed.empty() || trimmed.front() == '#') return;
  if (trimmed.front() == '.') return Dot(trimmed);
  if (trimmed.front() != '{') {
    return Error(kExitUsage,
                 "not a query or a command: '" + std::string(trimmed.substr(0, 40)) +
                     "' (a query starts with '{', a command with '.'; .help lists them)");
  }
  balance_.Feed(trimmed);
  if (balance_.complete()) {
    balance_.Reset();
    return Query(std::string(trimmed));
  }
  pending_.assign(trimmed);
  pending_where_ = where_;
}

void Shell::EndOfInput(const std::string& what) {
  if (pending_.empty()) return;
  Abandon();
  where_ = pending_where_;
  Error(kExitUsage, "a query begun here is incomplete at the end of " + what +
                        " (its braces do not balance)");
}

void Shell::RunLines(std::FILE* file, const std::string& name) {
  const bool is_stdin = file == stdin;
  LineReader reader(file, kMaxQueryBytes);
  std::string line;
  uint64_t number = 0;
  while (!quit_) {
    const LineReader::Result r = reader.Next(&line);
    ++number;
    const std::string where = (is_stdin ? "line " : name + ":") + std::to_string(number);
    if (r == LineReader::Result::kEnd) break;
    if (r != LineReader::Result::kLine) {
      where_ = where;
      if (r == LineReader::Result::kTooLong) {
        Error(kExitUsage, "a line over 16 MiB; the rest of " + name + " is not read");
      } else {
        Error(kExitIoError, "cannot read " + name + ": " + std::strerror(errno));
      }
      Abandon();
      return;
    }
    Line(line, where);
  }
  EndOfInput(name);
}

void Shell::Query(const std::string& text) {
  if (explain_) {
    std::string plan;
    Status s = ExplainQuery(source_, text, &plan);
    if (!s.ok()) return Error(kExitUsage, s.message());
    std::fflush(out_);
    std::fprintf(stderr, "Plan: %s\n", OneLine(plan).c_str());
  }
  const auto start = std::chrono::steady_clock::now();
  RowPrinter printer(out_, mode_);
  bool written = true;
  bool interrupted = false;
  g_interrupted = 0;
  Status s = RunQuery(db_, source_, text, QueryOptions(), [&](std::string_view row) {
    if (g_interrupted != 0) {
      interrupted = true;
      return false;
    }
    written = printer.Add(row);
    return written;
  });
  written = printer.Finish() && written;
  EndResult(written);
  if (!s.ok()) {
    // As in `spirapi query`: an unknown schema is bad input.
    const int code = s.IsNotFound() ? kExitUsage : ExitCodeFor(s);
    return Error(code, s.message().empty() ? s.ToString() : s.message());
  }
  if (interrupted) return Error(kExitIoError, "interrupted");
  if (timer_) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "Run Time: %.3f s, %llu rows\n", seconds,
                 static_cast<unsigned long long>(printer.rows()));
  }
}

void Shell::Dot(std::string_view line) {
  const size_t end = line.find_first_of(" \t");
  const std::string_view name = line.substr(0, end);
  const std::string_view args = end == std::string_view::npos ? "" : Trim(line.substr(end));
  const auto no_args = [&] {
    if (args.empty()) return true;
    Error(kExitUsage, std::string(name) + " takes no arguments");
    return false;
  };
  if (name == ".help") {
    if (no_args()) Say(kHelp);
  } else if (name == ".quit" || name == ".exit") {
    if (no_args()) quit_ = true;
  } else if (name == ".components") {
    if (no_args()) Components();
  } else if (name == ".schemas") {
    if (no_args()) Schemas();
  } else if (name == ".indexes") {
    if (no_args()) Indexes();
  } else if (name == ".use") {
    Use(args);
  } else if (name == ".explain") {
    OnOff(name, args, &explain_);
  } else if (name == ".timer") {
    OnOff(name, args, &timer_);
  } else if (name == ".mode") {
    if (args.empty()) return Say(std::string(ShellModeName(mode_)) + "\n");
    if (!ParseShellMode(args, &mode_)) {
      Error(kExitUsage, ".mode: unknown mode '" + std::string(args) + "' (json, table or csv)");
    }
  } else if (name == ".read") {
    if (args.empty()) return Error(kExitUsage, ".read needs a FILE");
    Read(std::string(args));
  } else if (name == ".output") {
    SetOutput(std::string(args));
  } else {
    Error(kExitUsage, "unknown command '" + std::string(name) + "'; .help lists the commands");
  }
}

void Shell::Components() {
  RowPrinter printer(out_, mode_);
  bool written = true;
  Status s;
  for (Component c : kAllComponents) {
    uint64_t count = 0;
    s = db_->Count(ReadOptions(), c, &count);
    if (!s.ok()) break;
    written = printer.Add(std::string("{\"component\":\"") + ComponentName(c) +
                          "\",\"records\":" + std::to_string(count) + "}");
    if (!written) break;
  }
  written = printer.Finish() && written;
  EndResult(written);
  if (!s.ok()) Error(ExitCodeFor(s), ".components: " + s.message());
}

void Shell::Indexes() {
  std::vector<IndexInfo> list;
  Status s = ListIndexes(db_, &list);
  if (!s.ok()) return Error(ExitCodeFor(s), ".indexes: " + s.message());
  RowPrinter printer(out_, mode_);
  bool written = true;
  for (const IndexInfo& info : list) {
    written = printer.Add(IndexInfoToJson(info));
    if (!written) break;
  }
  EndResult(printer.Finish() && written);
}

Status Shell::OpenSchemas() {
  if (schemas_ != nullptr) return Status::OK();
  return SchemaManager::Open(db_, &schemas_);
}

void Shell::Schemas() {
  std::vector<SchemaInfo> list;
  Status s = OpenSchemas();
  if (s.ok()) s = schemas_->ListSchemas(&list);
  if (!s.ok()) return Error(ExitCodeFor(s), ".schemas: " + s.message());
  RowPrinter printer(out_, mode_);
  bool written = true;
  for (const SchemaInfo& info : list) {
    written = printer.Add("{\"schema\":" + JsonQuote(info.name) + ",\"zone\":\"" +
                          SchemaZoneName(info.zone) + "\",\"version\":" +
                          std::to_string(info.version) + "}");
    if (!written) break;
  }
  EndResult(printer.Finish() && written);
}

void Shell::Use(std::string_view args) {
  if (args.empty()) return Say("queries read " + Describe() + "\n");
  const size_t space = args.find_first_of(" \t");
  const std::string_view kind = args.substr(0, space);
  const std::string name(space == std::string_view::npos ? "" : Trim(args.substr(space)));
  if (name.empty() || (kind != "component" && kind != "schema")) {
    return Error(kExitUsage, ".use component NAME or .use schema NAME");
  }
  if (kind == "component") {
    Component c;
    Status s = ParseComponent(name, &c);
    if (!s.ok()) return Error(kExitUsage, ".use: " + s.message());
    source_.component = c;
    source_.schema.clear();
    return;
  }
  // Checked now, so that a typo shows here and not at each query.
  std::vector<SchemaInfo> list;
  Status s = OpenSchemas();
  if (s.ok()) s = schemas_->ListSchemas(&list);
  if (!s.ok()) return Error(ExitCodeFor(s), ".use: " + s.message());
  for (const SchemaInfo& info : list) {
    if (info.name == name) {
      source_.schema = name;
      return;
    }
  }
  Error(kExitUsage, ".use: no schema '" + name + "' (.schemas lists them)");
}

bool Shell::OnOff(std::string_view command, std::string_view args, bool* flag) {
  if (args == "on" || args == "off") {
    *flag = args == "on";
    return true;
  }
  Error(kExitUsage, std::string(command) + " on|off");
  return false;
}

void Shell::Read(const std::string& path) {
  if (read_depth_ >= kMaxReadDepth) {
    return Error(kExitUsage, ".read: files read each other more than " +
                                 std::to_string(kMaxReadDepth) + " deep");
  }
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    const int code = errno == ENOENT || errno == EISDIR ? kExitUsage : kExitIoError;
    return Error(code, ".read: cannot read '" + path + "': " + std::strerror(errno));
  }
  const std::string where = where_;
  ++read_depth_;
  RunLines(file, path);
  --read_depth_;
  std::fclose(file);
  where_ = where;
}

void Shell::SetOutput(const std::string& path) {
  if (out_ != stdout) {
    const bool closed = std::fclose(out_) == 0;
    out_ = stdout;
    if (!closed) {
      Error(kExitIoError, "cannot write to '" + out_path_ + "': " + std::strerror(errno));
    }
  }
  out_path_.clear();
  if (path.empty()) return;
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    const int code = errno == ENOENT || errno == EISDIR ? kExitUsage : kExitIoError;
    return Error(code, ".output: cannot write '" + path + "': " + std::strerror(errno));
  }
  out_ = file;
  out_path_ = path;
}

// $HOME/.spirapi_history, or empty when there is no $HOME.
std::string HistoryPath() {
  const char* home = std::getenv("HOME");
  if (home == nullptr || home[0] == '\0') return std::string();
  return std::string(home) + "/.spirapi_history";
}

void RunInteractive(Shell* shell) {
  // The editor draws on the terminal: stdout, or stderr when stdout is
  // redirected, so that the prompts stay out of the rows.
  std::FILE* screen = isatty(STDOUT_FILENO) == 1 ? stdout : stderr;
  SigintHandler sigint;
  Utf8Input utf8;
  LineEditor editor(screen, HistoryPath());
  if (!editor.ok()) {
    shell->RunLines(stdin, "standard input");
    return;
  }
  std::fprintf(screen, "SpiraPi %d.%d.%d shell; queries read %s; .help lists the commands\n",
               SPIRAPI_VERSION_MAJOR, SPIRAPI_VERSION_MINOR, SPIRAPI_VERSION_PATCH,
               shell->Describe().c_str());
  std::fflush(screen);
  std::string line;
  std::string entry;  // the history entry of a query over several lines
  while (!shell->quit()) {
    const LineEditor::Result r =
        editor.Read(shell->continuing() ? "   ...> " : "spirapi> ", &line);
    if (r == LineEditor::Result::kInterrupted) {
      // As in a Unix shell: the line, or the query begun, is dropped.
      shell->Abandon();
      entry.clear();
      std::fputs("^C\n", screen);
      std::fflush(screen);
      continue;
    }
    if (r == LineEditor::Result::kEnd) {
      std::fputc('\n', screen);
      break;
    }
    // A query over several lines is one entry; its line breaks are only
    // spacing, which recalling it on one line keeps valid.
    if (!entry.empty()) entry += ' ';
    entry += Trim(line);
    shell->Line(line, "");
    if (!shell->continuing()) {
      editor.Remember(entry);
      entry.clear();
    }
  }
  shell->EndOfInput("input");
}

}  // namespace

int ShellCommand::Run(const OpenFn& open) {
  QuerySource source;
  source.schema = schema_;
  if (!component_.empty()) {
    Status s = ParseComponent(component_, &source.component);
    if (!s.ok()) return Fail(kExitUsage, s.message());
  }
  std::unique_ptr<DB> db;
  if (int rc = open(&db); rc != kExitOk) return rc;
  if (!schema_.empty()) {
    std::unique_ptr<SchemaManager> schemas;
    std::vector<SchemaInfo> list;
    Status s = SchemaManager::Open(db.get(), &schemas);
    if (s.ok()) s = schemas->ListSchemas(&list);
    if (!s.ok()) return FailStatus("shell", s);
    bool found = false;
    for (const SchemaInfo& info : list) found = found || info.name == schema_;
    if (!found) return Fail(kExitUsage, "shell: no schema '" + schema_ + "'");
  }
  const bool interactive = isatty(STDIN_FILENO) == 1;
  Shell shell(db.get(), std::move(source));
  if (interactive) {
    RunInteractive(&shell);
    // The user saw each error as it came: leaving is a success.
    return kExitOk;
  }
  shell.RunLines(stdin, "standard input");
  if (shell.errors() == 0) return kExitOk;
  // The exit code of the first error; the count tells whether there were more.
  const uint64_t n = shell.errors();
  return Fail(shell.first_error(), "shell: " + std::to_string(n) + (n == 1 ? " error" : " errors") +
                                       " (each on an \"Error:\" line above)");
}

}  // namespace spirapi::cli
