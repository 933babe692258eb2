// `spirapi query DB (--component C | --schema S) QUERY [--explain] [--stats]
// [--cache-ttl S]`:
// runs a query (docs/QUERY.md) and prints its rows as JSON lines. Included
// by cli_main.cc only.

#ifndef SPIRAPI_TOOLS_CLI_QUERY_H_
#define SPIRAPI_TOOLS_CLI_QUERY_H_

#include <cstdio>
#include <functional>
#include <memory>
#include <string>

#include "CLI/CLI.hpp"
#include "cli_util.h"
#include "spirapi/db.h"
#include "spirapi/query.h"

namespace spirapi::cli {

class QueryCommand {
 public:
  using OpenFn = std::function<int(std::unique_ptr<DB>*)>;
  using AddDbFn = std::function<void(CLI::App*)>;

  void Add(CLI::App* app, const AddDbFn& add_db) {
    cmd_ = app->add_subcommand(
        "query", "Run a query (docs/QUERY.md) and print its rows as JSON lines");
    add_db(cmd_);
    auto* component = cmd_->add_option("--component", component_,
                                       "Query the records of this component");
    auto* schema = cmd_->add_option("--schema", schema_, "Query the records of this schema");
    component->excludes(schema);
    cmd_->add_option("QUERY", query_,
                     "The query, a JSON object, e.g. '{\"n\":{\"$gt\":3},\"$limit\":10}'; "
                     "- reads it from standard input")
        ->required();
    cmd_->add_flag("--explain", explain_, "Print the plan instead of running the query");
    cmd_->add_flag("--log", log_,
                   "Also append the query to the query history (opens the database for "
                   "writing; see query-log)");
    cmd_->add_option("--cache-ttl", cache_ttl_,
                     "Serve the rows from the result cache while fresh, else store them there "
                     "for S seconds (docs/RESULT_CACHE.md)")
        ->type_name("S");
    cmd_->add_flag("--stats", stats_,
                   "After the rows, print rows examined and returned, time and plan to stderr");
  }

  bool parsed() const { return cmd_ != nullptr && cmd_->parsed(); }
  // Queries read alongside a process that has the database open, unless
  // they are to be logged; a cached query stores its rows when it can.
  DbAccess access() const {
    if (log_) return DbAccess::kReadWrite;
    return cache_ttl_ > 0 ? DbAccess::kReadWriteIfFree : DbAccess::kReadOnly;
  }

  int Run(const OpenFn& open) {
    if (!(cache_ttl_ >= 0) || cache_ttl_ > 1e9) {
      return Fail(kExitUsage, "query: --cache-ttl needs a number of seconds in 0..1e9");
    }
    if (component_.empty() == schema_.empty()) {
      return Fail(kExitUsage, "query: give --component C or --schema S");
    }
    QuerySource source;
    source.schema = schema_;
    if (!component_.empty()) {
      Status s = ParseComponent(component_, &source.component);
      if (!s.ok()) return Fail(kExitUsage, s.message());
    }
    if (query_ == "-") {
      // Bounded, so that endless input stops with an error.
      constexpr size_t kMaxQueryBytes = 16u << 20;
      query_.clear();
      char buffer[65536];
      size_t n;
      while ((n = std::fread(buffer, 1, sizeof(buffer), stdin)) > 0) {
        query_.append(buffer, n);
        if (query_.size() > kMaxQueryBytes) {
          return Fail(kExitUsage, "query: the query on standard input is over 16 MiB");
        }
      }
      if (std::ferror(stdin)) return Fail(kExitIoError, "query: cannot read standard input");
    }
    Status s = CheckQuery(query_);  // before opening: a bad query is bad input
    if (!s.ok()) return Fail(kExitUsage, s.message());
    std::unique_ptr<DB> db;
    if (int rc = open(&db); rc != kExitOk) return rc;
    if (explain_) {  // the plan depends on the indexes and their entries
      std::string plan;
      s = ExplainQuery(db.get(), source, query_, &plan);
      if (!s.ok()) return FailStatus("query", s);
      return WriteLine(plan) ? kExitOk : kExitIoError;
    }
    QueryStats stats;
    bool output_failed = false;
    QueryLogOptions history;
    QueryOptions options;
    if (log_) options.history = &history;
    options.cache_ttl_seconds = cache_ttl_;
    s = RunQuery(db.get(), source, query_, options,
                 [&](std::string_view row) {
                   output_failed = !WriteLine(row);
                   return !output_failed;
                 },
                 &stats);
    if (!s.ok()) {
      // An unknown schema is bad input, as in the other schema commands.
      if (s.IsNotFound()) return Fail(kExitUsage, "query: " + s.message());
      return FailStatus("query", s);
    }
    if (stats_) {
      std::fprintf(stderr, "%llu rows examined, %llu returned in %.3f s; plan: %s\n",
                   static_cast<unsigned long long>(stats.rows_examined),
                   static_cast<unsigned long long>(stats.rows_returned), stats.seconds,
                   stats.plan.c_str());
    }
    return kExitOk;  // a failed write to stdout is reported by the caller's flush
  }

 private:
  CLI::App* cmd_ = nullptr;
  std::string component_, schema_, query_;
  bool explain_ = false;
  bool log_ = false;
  bool stats_ = false;
  double cache_ttl_ = 0;
};

}  // namespace spirapi::cli

#endif  // SPIRAPI_TOOLS_CLI_QUERY_H_
