// The spirapi command-line tool as a function, so that it can run in-process:
// main() in tools/spirapi.cc is only a call to it, and the cli_args fuzz
// target calls it once per input.

#ifndef SPIRAPI_TOOLS_CLI_MAIN_H_
#define SPIRAPI_TOOLS_CLI_MAIN_H_

namespace spirapi::cli {

// Parses argv (argv[0] is the program name) and runs the command, reading
// stdin and writing stdout and stderr as the spirapi binary does. Returns the
// process exit code (ExitCode in cli_util.h); every non-zero code has printed
// exactly one "spirapi: ..." line on stderr (after the "damaged: ..." lines
// of the records that dump and pi list skipped, and the "Error: ..." lines
// of the lines that shell could not run). Never throws and never exits.
// Keeps no state between calls; it reads $SPIRAPI_PASSPHRASE and the working
// directory at each call.
int RunCommandLine(int argc, char** argv);

}  // namespace spirapi::cli

#endif  // SPIRAPI_TOOLS_CLI_MAIN_H_
