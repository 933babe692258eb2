// `spirapi load DB COMPONENT FILE`: writes the records of a JSON-lines file
// (cli_load.h) in batches, after checking every line. Used by cli_main.cc.

#ifndef SPIRAPI_TOOLS_CLI_LOAD_COMMAND_H_
#define SPIRAPI_TOOLS_CLI_LOAD_COMMAND_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "spirapi/db.h"

namespace spirapi::cli {

inline constexpr uint64_t kDefaultLoadBatch = 1000;

// `file` is a path, or "-" for standard input; `batch` records per
// transaction. `open` opens the database, printing the error line itself.
// Returns the exit code, having printed one error line when it is not 0.
int RunLoad(const std::string& component, const std::string& file, uint64_t batch,
            const std::function<int(std::unique_ptr<DB>*)>& open);

}  // namespace spirapi::cli

#endif  // SPIRAPI_TOOLS_CLI_LOAD_COMMAND_H_
