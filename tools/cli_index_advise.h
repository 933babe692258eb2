// `spirapi index advise`: suggests indexes from the query history under a
// space budget (include/spirapi/index_advisor.h, docs/QUERY.md "Index
// advisor"), and with --apply creates them. A subcommand of `index`,
// added by IndexCommands (cli_index.h).

#ifndef SPIRAPI_TOOLS_CLI_INDEX_ADVISE_H_
#define SPIRAPI_TOOLS_CLI_INDEX_ADVISE_H_

#include <cinttypes>
#include <cstdio>
#include <string>

#include "CLI/CLI.hpp"
#include "cli_util.h"
#include "spirapi/index_advisor.h"

namespace spirapi::cli {

class IndexAdviseCommand {
 public:
  template <typename AddDb>
  void Add(CLI::App* index, const AddDb& add_db) {
    cmd_ = index->add_subcommand(
        "advise",
        "Suggest indexes for the logged queries under a space budget (--apply: create them)");
    add_db(cmd_);
    cmd_->add_option("--budget-mib", options_.budget_mib,
                     "Space the new indexes' entries may take, in MiB (default 64)")
        ->check(CLI::NonNegativeNumber);
    cmd_->add_option("--write-weight", options_.write_weight,
                     "Rows examined one index entry write costs (default 1; 0: writes are free)")
        ->check(CLI::NonNegativeNumber);
    cmd_->add_option("--max-queries", options_.max_queries,
                     "The newest logged queries read (default 10000; 0: all)");
    cmd_->add_option("--seed", options_.seed, "Seed of the annealing (default 1)");
    cmd_->add_flag("--apply", apply_, "Create the suggested indexes");
    cmd_->add_flag("--json", json_, "The advice as one JSON object");
  }

  bool parsed() const { return cmd_ != nullptr && cmd_->parsed(); }
  bool writes() const { return apply_; }

  int Run(DB* db) {
    IndexAdvice advice;
    Status s = AdviseIndexes(db, options_, &advice);
    if (!s.ok()) {
      return s.IsInvalidArgument() ? Fail(kExitUsage, "index advise: " + s.message())
                                   : FailStatus("index advise", s);
    }
    if (json_) {
      if (!WriteLine(IndexAdviceToJson(advice))) return kExitIoError;
    } else if (!Print(advice)) {
      return kExitIoError;
    }
    if (!apply_) return kExitOk;
    for (const IndexSuggestion& sug : advice.create) {
      s = CreateIndex(db, sug.spec);
      if (!s.ok()) return FailStatus("index advise: creating " + sug.spec.name, s);
      std::fprintf(stderr, "created index %s\n", sug.spec.name.c_str());
    }
    return kExitOk;
  }

 private:
  static bool Print(const IndexAdvice& a) {
    char line[512];
    std::snprintf(line, sizeof(line),
                  "%" PRIu64 " logged queries read, %" PRIu64 " of components considered; "
                  "budget %.1f MiB",
                  a.queries_read, a.queries_considered, a.budget_bytes / 1048576.0);
    if (!WriteLine(line)) return false;
    if (a.create.empty()) {
      if (!WriteLine("no index to suggest")) return false;
    }
    for (const IndexSuggestion& s : a.create) {
      std::snprintf(line, sizeof(line),
                    "create %s: %.0f bytes, saves %.0f rows examined, write cost %.0f",
                    s.spec.name.c_str(), s.bytes, s.gain, s.write_cost);
      if (!WriteLine(line) || !WriteLine("  " + EscapeControls(s.why))) return false;
    }
    if (!a.create.empty()) {
      std::snprintf(line, sizeof(line),
                    "total: %.0f bytes, saves %.0f rows examined over the logged queries, "
                    "write cost %.0f",
                    a.estimated_bytes, a.estimated_gain, a.estimated_write_cost);
      if (!WriteLine(line)) return false;
    }
    for (const std::string& name : a.unused) {
      if (!WriteLine("unused: index " + name + " serves no logged query")) return false;
    }
    for (const std::string& note : a.notes) {
      if (!WriteLine("note: " + note)) return false;
    }
    return true;
  }

  CLI::App* cmd_ = nullptr;
  AdviceOptions options_;
  bool apply_ = false, json_ = false;
};

}  // namespace spirapi::cli

#endif  // SPIRAPI_TOOLS_CLI_INDEX_ADVISE_H_
