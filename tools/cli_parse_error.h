// The errors of the option parser (CLI11) in SpiraPi's words, for the one
// "spirapi: ..." line: "get: missing ID; run 'spirapi get --help'" rather
// than CLI11's "ID is required".

#ifndef SPIRAPI_TOOLS_CLI_PARSE_ERROR_H_
#define SPIRAPI_TOOLS_CLI_PARSE_ERROR_H_

#include <string>

#include "CLI/CLI.hpp"

namespace spirapi::cli {

// `error` was thrown by app.parse(); the message names the command that was
// being parsed and the help page to read.
std::string DescribeParseError(const CLI::App& app, const CLI::ParseError& error);

// CLI::ExistingFile with SpiraPi's wording: "'PATH' does not exist".
CLI::Validator ExistingInputFile();

}  // namespace spirapi::cli

#endif  // SPIRAPI_TOOLS_CLI_PARSE_ERROR_H_
