// `spirapi shell DB [--component C | --schema S]`: the interactive shell
// (docs/CLI.md, "shell"). Queries typed directly, dot-commands, line editing
// and history on a terminal; JSON lines in and out on pipes. Included by
// cli_main.cc only; the body is in cli_shell.cc.

#ifndef SPIRAPI_TOOLS_CLI_SHELL_H_
#define SPIRAPI_TOOLS_CLI_SHELL_H_

#include <functional>
#include <memory>
#include <string>

#include "CLI/CLI.hpp"
#include "spirapi/db.h"

namespace spirapi::cli {

class ShellCommand {
 public:
  using OpenFn = std::function<int(std::unique_ptr<DB>*)>;
  using AddDbFn = std::function<void(CLI::App*)>;

  void Add(CLI::App* app, const AddDbFn& add_db) {
    cmd_ = app->add_subcommand(
        "shell", "Type queries and dot-commands (.help) at a prompt; read them from stdin "
                 "when it is not a terminal");
    add_db(cmd_);
    auto* component = cmd_->add_option(
        "--component", component_, "Query the records of this component first (default sequence)");
    auto* schema = cmd_->add_option("--schema", schema_, "Query the records of this schema first");
    component->excludes(schema);
  }

  bool parsed() const { return cmd_ != nullptr && cmd_->parsed(); }

  // Opens the database with `open` (read-only) and runs the shell until
  // .quit or the end of input. Returns the exit code.
  int Run(const OpenFn& open);

 private:
  CLI::App* cmd_ = nullptr;
  std::string component_, schema_;
};

}  // namespace spirapi::cli

#endif  // SPIRAPI_TOOLS_CLI_SHELL_H_
