// spirapi: the command-line tool of SpiraPi (docs/CLI.md). The tool itself is
// in cli_main.cc.

#include "cli_main.h"

int main(int argc, char** argv) { return spirapi::cli::RunCommandLine(argc, argv); }
