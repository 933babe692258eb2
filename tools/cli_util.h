// Small helpers shared by the spirapi command-line tool: exit codes, one-line
// error output, JSON quoting and a terminal progress bar.

#ifndef SPIRAPI_TOOLS_CLI_UTIL_H_
#define SPIRAPI_TOOLS_CLI_UTIL_H_

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "CLI/CLI.hpp"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "spirapi/status.h"
#include "util/human_units.h"

namespace spirapi::cli {

// Process exit codes; documented in docs/CLI.md, so never renumber them.
enum ExitCode : int {
  kExitOk = 0,
  kExitNotFound = 1,
  kExitUsage = 2,       // bad usage or bad input
  kExitCorruption = 3,
  kExitIoError = 4,     // any other failure
  // `health` only: the worst finding (include/spirapi/health.h).
  kExitHealthWarning = 5,
  kExitHealthCritical = 6,
};

// How a command opens the database.
enum class DbAccess {
  kReadWrite,
  // Options::read_only: works while another process has the database open,
  // and on a read-only directory; writes nothing.
  kReadOnly,
  // Read-write, so that a cache the command builds (π's pattern index) is
  // stored for the next run; read-only when another process holds the
  // database or the directory cannot be written.
  kReadWriteIfFree,
};

inline int ExitCodeFor(const Status& s) {
  switch (s.code()) {
    case Status::Code::kOk: return kExitOk;
    case Status::Code::kNotFound: return kExitNotFound;
    case Status::Code::kInvalidArgument:
    case Status::Code::kNotSupported: return kExitUsage;
    case Status::Code::kCorruption: return kExitCorruption;
    case Status::Code::kIOError:
    case Status::Code::kBusy:
    case Status::Code::kConflict:
    case Status::Code::kCancelled: return kExitIoError;
  }
  return kExitIoError;
}

// Ids, field names and other input echoed in messages may hold any
// character: control characters (C0, DEL and C1) are shown escaped, as \n,
// \r, \t or \xHH (C1 as \u0080..\u009f), so that a message never breaks a
// line, hides its end behind a NUL or drives a terminal.
inline std::string EscapeControls(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const auto ch = static_cast<unsigned char>(text[i]);
    char escaped[8];
    if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\r') {
      out += "\\r";
    } else if (ch == '\t') {
      out += "\\t";
    } else if (ch < 0x20 || ch == 0x7f) {
      std::snprintf(escaped, sizeof(escaped), "\\x%02x", ch);
      out += escaped;
    } else if (ch == 0xc2 && i + 1 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      std::snprintf(escaped, sizeof(escaped), "\\u%04x",
                    static_cast<unsigned char>(text[++i]));
      out += escaped;
    } else {
      out += static_cast<char>(ch);
    }
  }
  return out;
}

// Errors are promised to be exactly one line, whatever a message contains.
inline std::string OneLine(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.remove_suffix(1);
  }
  return EscapeControls(text);
}

// Prints "spirapi: <message>" to stderr and returns `code`, so a command can
// end with `return Fail(...)`.
inline int Fail(int code, std::string_view message) {
  const std::string line = "spirapi: " + OneLine(message) + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
  return code;
}

// A damage callback (ScanOptions::on_damaged, SequenceQuery::on_damaged)
// for commands that go on past damaged records, so that they print every
// readable one: it prints each as "damaged: <what and where>" on stderr and
// counts it in *skipped. Such a command ends with FailIfSkipped.
inline std::function<bool(std::string_view, const Status&)> SkipDamaged(uint64_t* skipped) {
  return [skipped](std::string_view, const Status& damage) {
    const std::string line = "damaged: " + OneLine(damage.message()) + "\n";
    std::fwrite(line.data(), 1, line.size(), stderr);
    ++*skipped;
    return true;
  };
}

// The end of such a command: `skipped` damaged records. Returns kExitOk when
// none were skipped.
inline int FailIfSkipped(std::string_view command, uint64_t skipped) {
  if (skipped == 0) return kExitOk;
  std::fflush(stdout);  // the records come before the error line on a terminal
  return Fail(kExitCorruption, std::string(command) + " skipped " + std::to_string(skipped) +
                                   " damaged records (listed above); the others were printed");
}

inline int FailStatus(std::string_view context, const Status& s) {
  std::string message(context);
  message += ": ";
  message += s.message().empty() ? s.ToString() : s.message();
  return Fail(ExitCodeFor(s), message);
}

// `s` as a quoted, escaped JSON string (ids may hold any UTF-8, including
// control characters, which must not break a line-oriented report).
inline std::string JsonQuote(std::string_view s) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  return std::string(buffer.GetString(), buffer.GetSize());
}

// Writes `line` and a newline to stdout. False once stdout fails (e.g. a
// closed pipe or a full disk), so long outputs stop early.
inline bool WriteLine(std::string_view line) {
  if (std::fwrite(line.data(), 1, line.size(), stdout) != line.size()) return false;
  return std::fputc('\n', stdout) != EOF;
}

// A one-line progress bar on stderr, drawn only when stderr is a terminal so
// that logs and pipes never receive control characters.
class ProgressBar {
 public:
  explicit ProgressBar(std::string label)
      : label_(std::move(label)), enabled_(isatty(STDERR_FILENO) == 1) {}
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;
  ~ProgressBar() { Clear(); }

  bool enabled() const { return enabled_; }

  // fraction in [0, 1]; redraws only when the shown percentage changes.
  // May be called from any thread (the engine decides where callbacks run).
  void Update(double fraction) {
    if (!enabled_) return;
    if (!(fraction >= 0)) fraction = 0;  // also catches NaN
    if (fraction > 1) fraction = 1;
    std::lock_guard<std::mutex> lock(mu_);
    const int percent = static_cast<int>(fraction * 100);
    if (percent == last_percent_) return;
    last_percent_ = percent;
    constexpr int kWidth = 30;
    const int filled = percent * kWidth / 100;
    std::string bar(filled, '#');
    bar.append(kWidth - filled, '-');
    std::fprintf(stderr, "\r%s [%s] %3d%%", label_.c_str(), bar.c_str(), percent);
    std::fflush(stderr);
    drawn_ = true;
  }

  // Erases the bar so that later output starts on a clean line.
  void Clear() {
    if (!enabled_) return;
    std::lock_guard<std::mutex> lock(mu_);
    if (!drawn_) return;
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
    drawn_ = false;
    last_percent_ = -1;
  }

 private:
  const std::string label_;
  const bool enabled_;
  std::mutex mu_;
  int last_percent_ = -1;
  bool drawn_ = false;
};

// CLI11 converts integers with strtoull(s, 0), which reads "010" as octal and
// "-1" as 2^64-1. This transform accepts decimal digits only and strips
// leading zeros before the conversion.
inline CLI::Validator DecimalNumber() {
  return CLI::Validator(
      [](std::string& input) -> std::string {
        if (input.empty() || input.find_first_not_of("0123456789") != std::string::npos) {
          return "expected a non-negative decimal integer, got '" + input + "'";
        }
        const size_t first_nonzero = input.find_first_not_of('0');
        input = first_nonzero == std::string::npos ? "0" : input.substr(first_nonzero);
        if (input.size() > 18) return "number too large: " + input;
        return std::string();
      },
      "", "DecimalNumber");
}

// A --since AGE ("90s", "30m", "6h", "7d": a number, then its unit) as the
// time that long ago, in microseconds since the epoch (0 if before it).
// False if `text` is no such age.
inline bool ParseSince(const std::string& text, int64_t* from_us) {
  if (text.size() < 2) return false;
  const char unit = text.back();
  const int64_t scale = unit == 's' ? 1 : unit == 'm' ? 60 : unit == 'h' ? 3600
                      : unit == 'd' ? 86400 : 0;
  if (scale == 0) return false;
  int64_t n = 0;
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9' || n > 1000000000) return false;
    n = n * 10 + (text[i] - '0');
  }
  const int64_t age_us = n * scale * 1000000;
  const int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  *from_us = age_us >= now ? 0 : now - age_us;
  return true;
}

}  // namespace spirapi::cli

#endif  // SPIRAPI_TOOLS_CLI_UTIL_H_
