// `spirapi insert DB SCHEMA --file FILE [--batch N] [--skip N] [--ids]`:
// validated records of a schema from a JSON-lines file, one transaction
// (SchemaManager::InsertBatch) per batch. The options join the one-record
// `insert DB SCHEMA JSON` of cli_schema.h, which hands a run with --file
// over to Run.

#ifndef SPIRAPI_TOOLS_CLI_INSERT_H_
#define SPIRAPI_TOOLS_CLI_INSERT_H_

#include <cstdint>
#include <string>

#include "CLI/CLI.hpp"
#include "spirapi/schema.h"

namespace spirapi::cli {

class InsertFileCommand {
 public:
  static constexpr uint64_t kDefaultBatch = 1000;

  // Adds the options to `insert`, whose JSON argument `json` they exclude.
  void Add(CLI::App* insert, CLI::Option* json);
  // Whether the command line gave --file.
  bool given() const { return file_option_ != nullptr && file_option_->count() > 0; }
  // Returns the exit code, having printed one error line when it is not 0.
  int Run(SchemaManager* schemas, const std::string& schema);

 private:
  CLI::Option* file_option_ = nullptr;
  std::string file_;
  uint64_t batch_ = kDefaultBatch;
  uint64_t skip_ = 0;
  bool ids_ = false;
};

}  // namespace spirapi::cli

#endif  // SPIRAPI_TOOLS_CLI_INSERT_H_
