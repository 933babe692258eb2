// `spirapi health DB [--json] [--sample N]`: the health checks
// (include/spirapi/health.h, docs/HEALTH.md) as text or one JSON object; the
// exit code is the overall severity (0 ok, 5 warnings, 6 critical). Opens
// the database read-only, so that it runs beside a live writer. Included by
// cli_main.cc only.

#ifndef SPIRAPI_TOOLS_CLI_HEALTH_H_
#define SPIRAPI_TOOLS_CLI_HEALTH_H_

#include <cstdio>
#include <functional>
#include <memory>
#include <string>

#include "CLI/CLI.hpp"
#include "cli_util.h"
#include "spirapi/db.h"
#include "spirapi/health.h"

namespace spirapi::cli {

class HealthCommand {
 public:
  using OpenFn = std::function<int(std::unique_ptr<DB>*)>;
  using AddDbFn = std::function<void(CLI::App*)>;

  void Add(CLI::App* app, const AddDbFn& add_db) {
    cmd_ = app->add_subcommand("health",
                               "Check disk space, integrity, background work, cache, queries and "
                               "backups; exit 5 on warnings, 6 on critical findings");
    add_db(cmd_);
    cmd_->add_flag("--json", json_, "Print the report as one JSON object");
    cmd_->add_option("--sample", options_.sample_records,
                     "Also read N records at random from disk and check their SHA-256")
        ->transform(DecimalNumber());
  }

  bool parsed() const { return cmd_ != nullptr && cmd_->parsed(); }

  int Run(const OpenFn& open) {
    std::unique_ptr<DB> db;
    if (int rc = open(&db); rc != kExitOk) return rc;
    HealthReport report;
    Status s = db->CheckHealth(options_, &report);
    if (!s.ok()) return FailStatus("health", s);
    if (json_) {
      if (!WriteLine(report.ToJson())) return kExitIoError;
    } else {
      const std::string text = report.ToText();
      if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) return kExitIoError;
    }
    switch (report.overall()) {
      case HealthSeverity::kOk:
        return kExitOk;
      case HealthSeverity::kWarning:
        return kExitHealthWarning;
      case HealthSeverity::kCritical:
        return kExitHealthCritical;
    }
    return kExitHealthCritical;
  }

 private:
  CLI::App* cmd_ = nullptr;
  HealthOptions options_;
  bool json_ = false;
};

}  // namespace spirapi::cli

#endif  // SPIRAPI_TOOLS_CLI_HEALTH_H_
