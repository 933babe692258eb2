// Fuzzes the whole `spirapi` command line in-process: argument parsing
// (CLI11 and ours) and every command behind it, run by RunCommandLine
// (tools/cli_main.h) on a copy of a small database.
//
// Input: the arguments after "spirapi", separated by NUL bytes ("a\0b" is
// two arguments, "a\0\0b" three, the middle one empty, and the empty input
// one empty argument). An argument that is the single byte 0xff (never a
// useful argument: it is not UTF-8) ends the arguments; the bytes after it
// and its NUL are written to the file `in`, so that `load db sequence in`,
// `--blob-file in`, `--passphrase-file in`, `--patterns-file in` and
// `schema import db s in` read them. Without it there is no file `in`.
//
// Each run: a fresh working directory, a copy of a template made once at
// start (`db`: records with metadata, versions, a blob and a tombstone in
// five components, partly flushed to segments; the structured schema
// `people` at version 2 and the temporal schema `events`, a record each; the
// π sequences `pi-1000`, with its pattern index, and `pi-ids`, the source of
// π identifiers). The harness chdirs there, runs RunCommandLine with stdin
// from /dev/null and stdout and stderr redirected (at the fd level) to
// files, restores the fds and the directory, and checks:
//  * the exit code is 0, 1 (not found) or 2 (bad usage or input): never 3
//    (corruption) on this clean database, and never 4 (I/O error, busy,
//    conflict, internal error), which nothing here can cause;
//  * exit code 0 printed nothing on stderr; any other printed exactly one
//    line, starting with "spirapi: ";
//  * `db` still opens and DB::Verify finds no damage;
//  * exit codes 1 and 2 changed nothing: every live record of every
//    component (id, version, timestamp, checksum, data, metadata, blob) and
//    the last sequence number are the template's, and the working directory
//    holds the same entries (a refused `init new ...` leaves no `new`);
//  * and, as everywhere, no crash, hang, leak or sanitizer report.
//
// Skipped inputs (not run; libFuzzer moves on): those that name a path
// outside the working directory (an argument, or the value of --opt=VALUE,
// that starts with '/' or has a ".." component), which could touch the
// machine's files; and those with a number from 20,000 up to 10^18, read
// as CLI11 reads integers (strtoll/strtoull with base 0: decimal, 0x hex,
// 0 octal, a sign) or as DecimalNumber does (decimal, leading zeros
// ignored). Such numbers ask legitimately for long work (`pi compute
// --digits`, `pi ids --count`); below the bound one execution stays well
// under a second under ASan. So are `--radius` values from 600 (the grid
// `pi spiral` prints grows with the square of the radius). Numbers of 10^18
// and more are run: every option must refuse them, also those that
// overflow 64 bits.
//
// The corpus and artifact paths given to this target must be absolute
// (scripts/fuzz.sh passes them so), since a crash is written while the
// working directory is the run's. Sanitizer reports go to the real stderr;
// libFuzzer's own lines about a crash inside a run go to the captured
// stderr, <tmp>/spirapi-cli-args-<pid>/stderr.

#include <fcntl.h>
#include <sanitizer/common_interface_defs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "cli_main.h"
#include "cli_util.h"
#include "fuzz_util.h"
#include "spirapi/db.h"
#include "spirapi/pi.h"
#include "spirapi/schema.h"

namespace spirapi::fuzz {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kSkipFrom = 20'000;
constexpr uint64_t kSkipTo = 1'000'000'000'000'000'000;  // 10^18, exclusive
// `pi spiral --radius R` prints a grid of 2R + 1 rows of 4R + 1 characters:
// at R = 1784, the largest accepted, one run takes about a second.
constexpr uint64_t kSkipRadiusFrom = 600;
constexpr std::string_view kFileMarker = "\xff";
// `pi ids --count N` (N < kSkipFrom) and schema inserts read π digits from
// "pi-ids" up to about position 1025 + N + 32 (the template's inserts
// reserved the first 1024): so much is computed ahead, or runs would
// compute a million digits each.
constexpr uint64_t kPiIdsDigits = kSkipFrom + 4096;

struct CliInput {
  std::vector<std::string> args;
  bool has_file = false;
  std::string file;
};

CliInput ParseInput(std::string_view input) {
  CliInput out;
  while (true) {
    const size_t nul = input.find('\0');
    const std::string_view arg = input.substr(0, nul);
    if (arg == kFileMarker) {
      out.has_file = true;
      if (nul != std::string_view::npos) out.file.assign(input.substr(nul + 1));
      return out;
    }
    out.args.emplace_back(arg);
    if (nul == std::string_view::npos) return out;
    input.remove_prefix(nul + 1);
  }
}

// The input that runs `spirapi ARGS`, with the file `in` holding *file if
// given; for the seeds.
std::string MakeInput(const std::vector<std::string>& args, const std::string* file = nullptr) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) out.push_back('\0');
    out += args[i];
  }
  if (file != nullptr) {
    if (!args.empty()) out.push_back('\0');
    out += kFileMarker;
    out.push_back('\0');
    out += *file;
  }
  return out;
}

bool LeavesWorkDir(std::string_view path) {
  if (path.starts_with('/')) return true;
  std::string_view rest = path;
  while (true) {
    const size_t slash = rest.find('/');
    if (rest.substr(0, slash) == "..") return true;
    if (slash == std::string_view::npos) return false;
    rest.remove_prefix(slash + 1);
  }
}

// Whether `text`, read as CLI11 or DecimalNumber reads a number, is in
// [from, kSkipTo).
bool LongRunningNumber(const std::string& text, uint64_t from) {
  const auto in_range = [from](uint64_t value) { return value >= from && value < kSkipTo; };
  if (text.empty()) return false;
  const char* begin = text.c_str();
  const char* end = begin + text.size();
  char* parsed = nullptr;
  errno = 0;
  const long long signed_value = std::strtoll(begin, &parsed, 0);
  const uint64_t magnitude = signed_value < 0 ? 0 - static_cast<uint64_t>(signed_value)
                                              : static_cast<uint64_t>(signed_value);
  if (parsed == end && errno != ERANGE && in_range(magnitude)) return true;
  errno = 0;
  const unsigned long long unsigned_value = std::strtoull(begin, &parsed, 0);
  if (parsed == end && errno != ERANGE && in_range(unsigned_value)) return true;
  if (text.find_first_not_of("0123456789") != std::string::npos) return false;
  const size_t first = text.find_first_not_of('0');
  if (first == std::string::npos || text.size() - first > 18) return false;
  return in_range(std::strtoull(begin + first, nullptr, 10));
}

bool Skipped(const CliInput& in) {
  bool radius_next = false;
  for (const std::string& arg : in.args) {
    if (LeavesWorkDir(arg) || LongRunningNumber(arg, radius_next ? kSkipRadiusFrom : kSkipFrom)) {
      return true;
    }
    radius_next = arg == "--radius";
    const size_t eq = arg.find('=');
    if (arg.starts_with('-') && eq != std::string::npos) {
      const std::string value = arg.substr(eq + 1);
      const bool radius = arg.compare(0, eq, "--radius") == 0;
      if (LeavesWorkDir(value) || LongRunningNumber(value, radius ? kSkipRadiusFrom : kSkipFrom)) {
        return true;
      }
    }
  }
  return false;
}

void Must(const Status& s, const char* what) {
  if (s.ok()) return;
  std::fprintf(stderr, "cli_args template: %s: %s\n", what, s.ToString().c_str());
  std::abort();
}

std::string ReadWhole(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Printable, for reporting a failed check.
std::string Escaped(std::string_view bytes) {
  std::string out;
  for (const char ch : bytes) {
    const auto u = static_cast<unsigned char>(ch);
    if (u >= 0x20 && u < 0x7f && ch != '\\') {
      out.push_back(ch);
    } else {
      char hex[5];
      std::snprintf(hex, sizeof(hex), "\\x%02x", u);
      out += hex;
    }
  }
  return out;
}

// The template database: a little of everything the commands read.
void BuildTemplate(const fs::path& db_path) {
  Options options;
  options.error_if_exists = true;
  std::unique_ptr<DB> db;
  Must(DB::Open(options, db_path.string(), &db), "open");
  const WriteOptions wo;
  Must(db->Put(wo, Component::kSequence, "a", R"({"n":1})", R"({"by":"fuzz"})"), "put a");
  Must(db->Put(wo, Component::kSequence, "a", R"({"n":2.50})", R"({"by":"fuzz"})"), "put a");
  Must(db->PutWithBlob(wo, Component::kQuery, "q1", "\"text\"", "{}",
                       std::string_view("\0\x01\xff", 3)),
       "put q1");
  Must(db->Put(wo, Component::kMetadata, "m", "[1,2.50]"), "put m");
  Must(db->Put(wo, Component::kIndex, "gone", "null"), "put gone");
  Must(db->Delete(wo, Component::kIndex, "gone"), "delete gone");
  Must(db->Put(wo, Component::kCache, "\xc3\xa9t\xc3\xa9", R"({"x":true})"), "put été");

  std::unique_ptr<PiStore> pi;
  Must(PiStore::Open(db.get(), &pi), "pi store");
  ComputeOptions compute;
  compute.digits = 1000;
  compute.id = "pi-1000";
  SequenceInfo info;
  Must(pi->ComputeSequence(compute, &info), "pi-1000");
  Must(pi->BuildPatternIndex("pi-1000"), "pattern index");
  compute.digits = kPiIdsDigits;
  compute.id = "pi-ids";
  Must(pi->ComputeSequence(compute, &info), "pi-ids");
  Must(db->Flush(), "flush");

  // After the flush, so that the journal holds records too.
  Must(db->Put(wo, Component::kCache, "late", "1"), "put late");
  std::unique_ptr<SchemaManager> schemas;
  Must(SchemaManager::Open(db.get(), &schemas), "schemas");
  SchemaInfo schema;
  Must(schemas->CreateSchema(
           "people", SchemaZone::kStructured,
           R"({"name":{"type":"string","required":true},"age":{"type":"integer","min_value":0}})",
           &schema),
       "create people");
  std::string id;
  Must(schemas->Insert("people", R"({"name":"Ada","age":36})", &id), "insert people");
  SchemaChange change;
  change.action = "add";
  change.field = "email";
  change.new_definition = R"({"type":"string"})";
  Must(schemas->Evolve("people", change, &schema), "evolve people");
  Must(schemas->CreateSchema("events", SchemaZone::kTemporal, R"({"what":{"type":"string"}})",
                             &schema),
       "create events");
  Must(schemas->Insert("events", R"({"what":"launch"})", &id), "insert events");
  Must(schemas->Update("events", id, R"({"what":"landing"})"), "update events");
}

// What `db` holds: one line per live record of every component (component,
// id, version, timestamp, checksum and a hash of data, metadata and blob),
// and the last sequence number; or nothing with *error set when it does not
// open, scan or verify clean.
std::vector<std::string> Contents(const fs::path& db_path, std::string* error) {
  Options options;
  options.create_if_missing = false;
  options.background_work = false;
  // Read-only: a read-write instance records its verify (~verify/last).
  options.read_only = true;
  std::unique_ptr<DB> db;
  Status s = DB::Open(options, db_path.string(), &db);
  if (!s.ok()) {
    *error = "open: " + s.ToString();
    return {};
  }
  VerifyReport report;
  s = db->Verify(&report);
  if (!s.ok() || !report.clean()) {
    *error = "verify: " + (s.ok() ? report.damage[0].file + ": " + report.damage[0].what
                                  : s.ToString());
    return {};
  }
  std::vector<std::string> lines;
  for (Component c : kAllComponents) {
    s = db->Scan(ReadOptions(), c, ScanOptions(), [&](const StorageRecord& r) {
      std::string fields;
      for (const std::string* f : {&r.data, &r.metadata, &r.blob}) {
        fields += std::to_string(f->size()) + ":" + *f;
      }
      const Sha256Digest digest = Sha256Of(fields);
      char line[160];
      std::snprintf(line, sizeof(line), " version %llu at %.6f checksum %.16s fields %s",
                    static_cast<unsigned long long>(r.version), r.timestamp,
                    r.checksum.c_str(), ToHex(digest.data(), 8).c_str());
      lines.push_back(std::string(ComponentName(c)) + " '" + Escaped(r.id) + "'" + line);
      return true;
    });
    if (!s.ok()) {
      *error = std::string("scan ") + ComponentName(c) + ": " + s.ToString();
      return {};
    }
  }
  DbStats stats;
  s = db->GetStats(&stats);
  if (!s.ok()) {
    *error = "stats: " + s.ToString();
    return {};
  }
  lines.push_back("last sequence " + std::to_string(stats.last_sequence));
  return lines;
}

std::set<std::string> Entries(const fs::path& dir) {
  std::set<std::string> names;
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    names.insert(e.path().filename().string());
  }
  return names;
}

class Harness {
 public:
  static Harness& Get() {
    static Harness* harness = new Harness;
    return *harness;
  }

  void Run(const CliInput& in) {
    CopyTemplate();
    if (in.has_file) std::ofstream(run_ / "in", std::ios::binary) << in.file;

    std::vector<std::string> arg_strings = {"spirapi"};
    arg_strings.insert(arg_strings.end(), in.args.begin(), in.args.end());
    std::vector<char*> argv;
    for (std::string& a : arg_strings) argv.push_back(a.data());
    argv.push_back(nullptr);

    FUZZ_CHECK(chdir(run_.c_str()) == 0);
    Redirect();
    const int rc = cli::RunCommandLine(static_cast<int>(arg_strings.size()), argv.data());
    Restore();
    FUZZ_CHECK(fchdir(cwd_fd_) == 0);

    result_ = {in, rc, ReadWhole(out_path_), ReadWhole(err_path_)};
    Check(rc == cli::kExitOk || rc == cli::kExitNotFound || rc == cli::kExitUsage,
          "exit code other than 0, 1 or 2");
    if (rc == cli::kExitOk) {
      Check(result_.err.empty(), "success printed on stderr");
    } else {
      Check(result_.err.starts_with("spirapi: ") && result_.err.ends_with('\n') &&
                std::count(result_.err.begin(), result_.err.end(), '\n') == 1,
            "stderr is not one \"spirapi: \" line");
    }
    std::string error;
    const std::vector<std::string> contents = Contents(run_ / "db", &error);
    Check(error.empty(), ("db is damaged: " + error).c_str());
    if (rc == cli::kExitNotFound || rc == cli::kExitUsage) {
      Check(contents == template_contents_,
            ("a failed command changed the database:" + Difference(contents)).c_str());
      std::set<std::string> expected = template_entries_;
      if (in.has_file) expected.insert("in");
      Check(Entries(run_) == expected, "a failed command left files behind");
    }
    fs::remove_all(run_);
  }

 private:
  Harness() {
    ::unsetenv("SPIRAPI_PASSPHRASE");
    base_ = fs::temp_directory_path() / ("spirapi-cli-args-" + std::to_string(getpid()));
    fs::remove_all(base_);
    template_ = base_ / "template";
    run_ = base_ / "run";
    out_path_ = base_ / "stdout";
    err_path_ = base_ / "stderr";
    fs::create_directories(template_);
    BuildTemplate(template_ / "db");
    std::string error;
    template_contents_ = Contents(template_ / "db", &error);
    if (!error.empty()) std::fprintf(stderr, "cli_args template: %s\n", error.c_str());
    FUZZ_CHECK(error.empty());
    template_entries_ = Entries(template_);
    cwd_fd_ = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    FUZZ_CHECK(cwd_fd_ >= 0);
    // While fd 2 is the tool's, sanitizer reports still reach the terminal.
    const int report_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 10);
    FUZZ_CHECK(report_fd >= 0);
    __sanitizer_set_report_fd(reinterpret_cast<void*>(static_cast<intptr_t>(report_fd)));
    std::atexit([] { fs::remove_all(Get().base_); });
  }

  // libFuzzer's -timeout timer (SIGALRM, without SA_RESTART) can interrupt
  // the copy, and libstdc++ does not retry it: then it starts again.
  void CopyTemplate() {
    for (int attempt = 1;; ++attempt) {
      std::error_code ec;
      fs::remove_all(run_, ec);
      if (!ec) fs::copy(template_, run_, fs::copy_options::recursive, ec);
      if (!ec) return;
      if (ec != std::errc::interrupted || attempt == 100) {
        std::fprintf(stderr, "cli_args: cannot copy the template: %s\n", ec.message().c_str());
        std::abort();
      }
    }
  }

  void Redirect() {
    std::fflush(stdout);
    std::fflush(stderr);
    const int fds[3] = {open("/dev/null", O_RDONLY | O_CLOEXEC),
                        open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600),
                        open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)};
    for (int fd = 0; fd < 3; ++fd) {
      FUZZ_CHECK(fds[fd] >= 0);
      saved_[fd] = fcntl(fd, F_DUPFD_CLOEXEC, 10);
      FUZZ_CHECK(saved_[fd] >= 0 && dup2(fds[fd], fd) == fd);
      close(fds[fd]);
    }
  }

  void Restore() {
    std::fflush(stdout);
    std::fflush(stderr);
    for (int fd = 0; fd < 3; ++fd) {
      FUZZ_CHECK(dup2(saved_[fd], fd) == fd);
      close(saved_[fd]);
    }
  }

  // The lines of `contents` and of the template's that the other lacks.
  std::string Difference(const std::vector<std::string>& contents) const {
    std::string out;
    for (const std::string& line : template_contents_) {
      if (std::find(contents.begin(), contents.end(), line) == contents.end()) {
        out += "\n  - " + line;
      }
    }
    for (const std::string& line : contents) {
      if (std::find(template_contents_.begin(), template_contents_.end(), line) ==
          template_contents_.end()) {
        out += "\n  + " + line;
      }
    }
    return out;
  }

  struct Result {
    CliInput in;
    int rc = 0;
    std::string out, err;
  };

  void Check(bool ok, const char* what) {
    if (ok) return;
    std::string args;
    for (const std::string& a : result_.in.args) args += " '" + Escaped(a) + "'";
    std::fprintf(stderr, "cli_args: %s\n  spirapi%s\n", what, args.c_str());
    if (result_.in.has_file) {
      std::fprintf(stderr, "  in: '%s'\n", Escaped(result_.in.file.substr(0, 2000)).c_str());
    }
    std::fprintf(stderr, "  exit code %d\n  stdout: '%s'\n  stderr: '%s'\n", result_.rc,
                 Escaped(result_.out.substr(0, 2000)).c_str(),
                 Escaped(result_.err.substr(0, 2000)).c_str());
    std::abort();
  }

  fs::path base_, template_, run_, out_path_, err_path_;
  std::vector<std::string> template_contents_;
  std::set<std::string> template_entries_;
  int cwd_fd_ = -1;
  int saved_[3] = {-1, -1, -1};
  Result result_;
};

void Check(std::string_view input) {
  const CliInput in = ParseInput(input);
  if (Skipped(in)) return;
  Harness::Get().Run(in);
}

// One valid invocation of every command and subcommand (docs/CLI.md) on the
// template, and some bad ones. The ids 141592653589-1 (people) and
// 415926535897-2 (events) are those the template's inserts get.
void WriteSeeds(const std::function<void(std::string_view)>& add) {
  using Args = std::vector<std::string>;
  const auto seed = [&](const Args& args) { add(MakeInput(args)); };
  const auto with_file = [&](const Args& args, const std::string& file) {
    add(MakeInput(args, &file));
  };
  const std::string people = "141592653589-1";
  const std::string event = "415926535897-2";

  seed({"init", "new"});
  seed({"init", "new", "--compression-level", "9", "--max-file-size-mb", "1",
        "--block-size-kib", "4"});
  with_file({"init", "new", "--encrypt", "--passphrase-file", "in"}, "secret\n");
  seed({"put", "db", "sequence", "x", R"({"a":[1,2.50]})", "--metadata", R"({"m":true})"});
  with_file({"put", "db", "cache", "b", "1", "--blob-file", "in"}, std::string("\0\x01blob", 6));
  seed({"get", "db", "sequence", "a"});
  seed({"get", "db", "sequence", "a", "--version", "1"});
  seed({"del", "db", "cache", "late"});
  seed({"scan", "db", "sequence", "--prefix", "a", "--from", "a", "--to", "z", "--limit", "5"});
  with_file({"load", "db", "sequence", "in", "--batch", "1"},
            "{\"id\":\"r1\",\"data\":{\"x\":1},\"metadata\":{\"s\":\"i\"}}\n\n"
            "{\"id\":\"r2\",\"data\":[1,2,3],\"blob_base64\":\"AAE=\"}\n");
  seed({"dump", "db"});
  seed({"dump", "db", "query"});
  seed({"stats", "db"});
  seed({"stats", "db", "--json"});
  seed({"verify", "db"});
  seed({"repair", "db", "--output", "fixed"});
  seed({"repair", "db"});
  seed({"compact", "db"});
  seed({"pi", "compute", "db", "--digits", "50", "--verify", "--id", "p50"});
  seed({"pi", "get", "db", "pi-1000", "--from", "10", "--count", "20"});
  seed({"pi", "search", "db", "pi-1000", "14159", "--all", "--max-mismatches", "1"});
  seed({"pi", "search", "db", "pi-ids", "999999"});
  with_file({"pi", "search", "db", "pi-1000", "--patterns-file", "in"}, "14159\r\n265\n\n");
  seed({"pi", "stats", "db", "pi-1000"});
  seed({"pi", "stats", "db", "pi-ids", "--json"});
  seed({"pi", "list", "db", "--algorithm", "chudnovsky", "--min-precision", "10",
        "--max-precision", "5000", "--min-uniqueness", "0", "--max-uniqueness", "1",
        "--min-time", "0", "--max-time", "100"});
  seed({"pi", "spiral", "db", "pi-1000", "--x", "1", "--y=-2"});
  seed({"pi", "spiral", "db", "pi-1000", "--x", "0", "--y", "0", "--radius", "3"});
  seed({"pi", "ids", "db", "--count", "3", "--digits", "8"});
  seed({"pi", "resolve", "db", people});
  seed({"schema", "create", "db", "t", "--zone", "relational", "--fields",
        R"({"a":{"type":"string"}})"});
  seed({"schema", "show", "db", "people"});
  seed({"schema", "show", "db", "people", "--history"});
  seed({"schema", "list", "db"});
  seed({"schema", "evolve", "db", "people", "--add", "nick", R"({"type":"string"})", "--reason",
        "why"});
  seed({"schema", "evolve", "db", "people", "--drop", "age"});
  seed({"schema", "evolve", "db", "people", "--alter", "age", R"({"type":"number"})"});
  seed({"schema", "evolve", "db", "people", "--rename", "age", "years"});
  seed({"schema", "rollback", "db", "people", "--to-version", "1", "--force"});
  seed({"schema", "export", "db", "people", "--format", "sql"});
  seed({"schema", "export", "db", "people", "--format", "json-schema"});
  with_file({"schema", "import", "db", "imported", "in"},
            R"({"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]})");
  seed({"insert", "db", "people", R"({"name":"Bob","age":5})"});
  seed({"update", "db", "people", people, R"({"name":"Ada","age":37})"});
  seed({"delete", "db", "people", people});
  seed({"find", "db", "people", "--where", "name=Ada", "--where", "age=36"});
  seed({"find", "db", "events", "--as-of", "2000-01-01T00:00:00Z"});
  seed({"history", "db", "events", event});
  seed({"migrate", "db", "people"});
  seed({"--help"});
  seed({"pi", "search", "--help"});

  // Bad input: each must be refused with one line and change nothing.
  with_file({}, "");  // no argument at all
  seed({""});
  seed({"frobnicate", "db"});
  seed({"init", "new", "--compression-level", "99"});
  seed({"init", "new", "--block-size-kib", "0x10"});
  seed({"get", "db", "nosuch", "a"});
  seed({"get", "db", "sequence", "--", "-x"});
  seed({"get", "db", "sequence", "a", "--version", "99999999999999999999"});
  seed({"del", "db", "index", "gone"});
  seed({"scan", "db", "sequence", "--limit", "-1"});
  seed({"put", "db", "sequence", "y"});
  seed({"put", "db", "sequence", "y", "{not json"});
  with_file({"load", "db", "sequence", "in"}, "{\"id\":\"r1\",\"data\":1}\n{\"id\":\"\"}\n");
  with_file({"get", "db", "sequence", "a", "--passphrase-file", "in"}, "\n");
  seed({"pi", "compute", "db", "--digits", "0"});
  seed({"pi", "spiral", "db", "pi-1000", "--x", "0", "--y", "0", "--radius", "1785"});
  seed({"pi", "ids", "db", "--count", "1", "--digits", "33"});
  seed({"pi", "resolve", "db", "141592653589-5000"});
  seed({"schema", "create", "db", "people", "--fields", "{}"});
  seed({"schema", "evolve", "db", "people", "--add", "x"});
  // The findings: refused inserts that took a π identifier (and so wrote the
  // identifier counter).
  seed({"insert", "db", "people", R"({"name":1,"x":2})"});
  seed({"insert", "db", "people", "{\"name\":\"B\x93" "b\",\"age\":5}"});
  seed({"find", "db", "events", "--as-of", "yesterday"});
}

}  // namespace
}  // namespace spirapi::fuzz

SPIRAPI_FUZZ_TARGET(spirapi::fuzz::Check, spirapi::fuzz::WriteSeeds)
