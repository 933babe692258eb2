// `spirapi serve DB [--port N] [--bind ADDRESS] [--token-file F]`: the
// read-only web dashboard (include/spirapi/dashboard.h, docs/DASHBOARD.md).
// The database is opened read-only, so it may be open for writing in another
// process; the dashboard catches up with it every few seconds. Included by
// cli_main.cc only.

#ifndef SPIRAPI_TOOLS_CLI_SERVE_H_
#define SPIRAPI_TOOLS_CLI_SERVE_H_

#include <atomic>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "CLI/CLI.hpp"
#include "cli_parse_error.h"
#include "cli_util.h"
#include "spirapi/dashboard.h"
#include "spirapi/db.h"

namespace spirapi::cli {

inline std::atomic<bool> serve_interrupted{false};

class ServeCommand {
 public:
  using OpenFn = std::function<int(std::unique_ptr<DB>*)>;
  using AddDbFn = std::function<void(CLI::App*)>;

  void Add(CLI::App* app, const AddDbFn& add_db) {
    cmd_ = app->add_subcommand(
        "serve", "Serve a read-only web dashboard of a database (it may be open elsewhere)");
    add_db(cmd_);
    cmd_->add_option("--port", options_.port, "TCP port (default 8080; 0: any free port)")
        ->check(CLI::Range(0, 65535));
    cmd_->add_option("--bind", options_.bind,
                     "Address to listen on (default 127.0.0.1); any but a loopback address "
                     "needs --token-file");
    cmd_->add_option("--token-file", token_file_,
                     "Every request must carry the token in this file (at least 16 "
                     "characters): header 'Authorization: Bearer TOKEN', or open /?token=TOKEN "
                     "once for a cookie")
        ->check(ExistingInputFile());
    cmd_->add_option("--refresh", options_.refresh_seconds,
                     "Pages refresh their figures every N seconds (default 10; 0: never)")
        ->check(CLI::Range(0.0, 86400.0));
  }

  bool parsed() const { return cmd_ != nullptr && cmd_->parsed(); }

  int Run(const OpenFn& open, const std::string& db_path) {
    if (!token_file_.empty()) {
      if (int rc = ReadToken(); rc != kExitOk) return rc;
    }
    std::unique_ptr<DB> db;
    if (int rc = open(&db); rc != kExitOk) return rc;
    options_.title = db_path;
    std::unique_ptr<Dashboard> dashboard;
    Status s = Dashboard::Start(db.get(), options_, &dashboard);
    if (s.code() == Status::Code::kInvalidArgument && options_.token.empty()) {
      return Fail(kExitUsage, "serve: binding to " + options_.bind +
                                  " (not a loopback address) needs --token-file");
    }
    if (!s.ok()) return FailStatus("serve", s);
    std::fprintf(stderr, "serving %s at %s (read-only; Ctrl-C stops)\n", db_path.c_str(),
                 dashboard->url().c_str());
    serve_interrupted = false;
    std::signal(SIGINT, [](int) { serve_interrupted = true; });
    std::signal(SIGTERM, [](int) { serve_interrupted = true; });
    while (!serve_interrupted) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    dashboard->Stop();
    return kExitOk;
  }

 private:
  int ReadToken() {
    std::ifstream in(token_file_);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) return Fail(kExitUsage, "serve: cannot read " + token_file_);
    std::string token = text.str();
    while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) {
      token.pop_back();
    }
    if (token.size() < 16) {
      return Fail(kExitUsage,
                  "serve: the token in " + token_file_ + " must be at least 16 characters");
    }
    if (token.find_first_of(" \t\r\n;") != std::string::npos) {
      return Fail(kExitUsage,
                  "serve: the token in " + token_file_ + " must be one line without spaces or ';'");
    }
    options_.token = token;
    return kExitOk;
  }

  CLI::App* cmd_ = nullptr;
  DashboardOptions options_;
  std::string token_file_;
};

}  // namespace spirapi::cli

#endif  // SPIRAPI_TOOLS_CLI_SERVE_H_
