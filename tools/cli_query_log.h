// `spirapi query-log DB [--slow [SECONDS]] [--json] [--limit N]
// [--oldest-first] [--prune [--max-entries N] [--max-age-days D]]`: prints
// the query history (include/spirapi/query_log.h) as a table or as JSON
// lines, or applies its retention. Included by cli_main.cc only.

#ifndef SPIRAPI_TOOLS_CLI_QUERY_LOG_H_
#define SPIRAPI_TOOLS_CLI_QUERY_LOG_H_

#include <cinttypes>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "CLI/CLI.hpp"
#include "cli_util.h"
#include "spirapi/db.h"
#include "spirapi/query_log.h"

namespace spirapi::cli {

class QueryLogCommand {
 public:
  using OpenFn = std::function<int(std::unique_ptr<DB>*)>;
  using AddDbFn = std::function<void(CLI::App*)>;

  void Add(CLI::App* app, const AddDbFn& add_db) {
    cmd_ = app->add_subcommand(
        "query-log", "Print the query history, newest first, or prune it (docs/QUERY.md)");
    add_db(cmd_);
    char slow_default[32];
    std::snprintf(slow_default, sizeof(slow_default), "%g", kDefaultSlowQuerySeconds);
    slow_ = cmd_->add_option("--slow", filter_.min_seconds,
                             std::string("Only queries that ran at least SECONDS (") +
                                 slow_default + " when not given)")
                ->expected(0, 1)
                ->type_name("[SECONDS]")
                ->default_str(slow_default);
    cmd_->add_flag("--json", json_, "Print each entry as one JSON object per line");
    cmd_->add_option("--limit", filter_.limit, "Print at most N entries (0: all)")
        ->transform(DecimalNumber());
    cmd_->add_flag("--oldest-first", oldest_first_, "Print the oldest entries first");
    cmd_->add_flag("--prune", prune_,
                   "Delete the entries past the retention limits instead of printing");
    max_entries_opt_ = cmd_->add_option("--max-entries", retention_.max_entries,
                                        "With --prune: keep this many newest entries "
                                        "(default 10000, 0: any number)")
                           ->transform(DecimalNumber());
    max_age_opt_ = cmd_->add_option("--max-age-days", retention_.max_age_days,
                                    "With --prune: delete entries older than this "
                                    "(default 30, 0: any age)");
  }

  bool parsed() const { return cmd_ != nullptr && cmd_->parsed(); }
  // Printing reads alongside a process that has the database open.
  DbAccess access() const { return prune_ ? DbAccess::kReadWrite : DbAccess::kReadOnly; }

  int Run(const OpenFn& open) {
    if (!prune_ && (max_entries_opt_->count() > 0 || max_age_opt_->count() > 0)) {
      return Fail(kExitUsage, "query-log: --max-entries and --max-age-days go with --prune");
    }
    if (prune_ && (slow_->count() > 0 || filter_.limit != 0 || oldest_first_)) {
      return Fail(kExitUsage, "query-log: --prune prints nothing to select with "
                              "--slow, --limit or --oldest-first");
    }
    if (slow_->count() > 0 && !(filter_.min_seconds >= 0)) {
      return Fail(kExitUsage, "query-log: --slow needs a number of seconds >= 0");
    }
    if (!(retention_.max_age_days >= 0)) {
      return Fail(kExitUsage, "query-log: --max-age-days needs a number >= 0");
    }
    std::unique_ptr<DB> db;
    if (int rc = open(&db); rc != kExitOk) return rc;
    if (prune_) return Prune(db.get());
    filter_.newest_first = !oldest_first_;
    bool any = false;
    bool output_failed = false;
    Status s = ReadQueryLog(db.get(), filter_, [&](const QueryLogEntry& e) {
      if (!json_ && !any) output_failed = !PrintHeader();
      any = true;
      if (!output_failed) output_failed = !(json_ ? WriteLine(QueryLogEntryToJson(e)) : PrintRow(e));
      return !output_failed;
    });
    if (!s.ok()) return FailStatus("query-log", s);
    if (!any && !json_) WriteLine("no queries in the history");
    return kExitOk;  // a failed write to stdout is reported by the caller's flush
  }

 private:
  // Display widths of the table's columns.
  static constexpr int kSourceWidth = 20;
  static constexpr size_t kQueryChars = 80;

  int Prune(DB* db) {
    uint64_t removed = 0;
    Status s = PruneQueryLog(db, retention_, &removed);
    if (!s.ok()) return FailStatus("query-log --prune", s);
    const std::string line = json_ ? "{\"removed\":" + std::to_string(removed) + "}"
                                   : "removed " + std::to_string(removed) + " entries";
    return WriteLine(line) ? kExitOk : kExitIoError;
  }

  static bool PrintHeader() {
    return std::printf("%-24s %10s %10s %10s  %-*s  %s\n", "time (UTC)", "seconds", "examined",
                       "returned", kSourceWidth, "source", "query") > 0;
  }

  // The first `max` characters of one line of text (UTF-8 is cut between
  // characters), with control characters escaped and "..." when cut.
  static std::string Shorten(std::string_view text, size_t max) {
    std::string one_line = EscapeControls(text);
    size_t chars = 0;
    for (size_t i = 0; i < one_line.size(); ++i) {
      if ((static_cast<unsigned char>(one_line[i]) & 0xc0) == 0x80) continue;
      if (chars++ == max) return one_line.substr(0, i) + "...";
    }
    return one_line;
  }

  static bool PrintRow(const QueryLogEntry& e) {
    // Milliseconds are enough to tell queries apart on screen.
    std::string time = FormatQueryLogTime(e.time_us);
    if (time.size() == 27) time.erase(23, 3);
    std::string query = Shorten(e.query, kQueryChars);
    if (e.status != "ok") query += "  [" + Shorten(e.status, kQueryChars) + "]";
    return std::printf("%-24s %10.3f %10" PRIu64 " %10" PRIu64 "  %-*s  %s\n", time.c_str(),
                       e.seconds, e.rows_examined, e.rows_returned, kSourceWidth,
                       EscapeControls(e.source).c_str(), query.c_str()) > 0;
  }

  CLI::App* cmd_ = nullptr;
  CLI::Option* slow_ = nullptr;
  CLI::Option* max_entries_opt_ = nullptr;
  CLI::Option* max_age_opt_ = nullptr;
  QueryLogFilter filter_;
  QueryLogOptions retention_;
  bool json_ = false;
  bool oldest_first_ = false;
  bool prune_ = false;
};

}  // namespace spirapi::cli

#endif  // SPIRAPI_TOOLS_CLI_QUERY_LOG_H_
