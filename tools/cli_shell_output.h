// How `spirapi shell` prints rows (JSON objects, as RunQuery returns them):
// as JSON lines, as an aligned table for a person at a terminal, or as CSV
// for a spreadsheet. Used by cli_shell.cc only.

#ifndef SPIRAPI_TOOLS_CLI_SHELL_OUTPUT_H_
#define SPIRAPI_TOOLS_CLI_SHELL_OUTPUT_H_

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace spirapi::cli {

enum class ShellMode { kJson, kTable, kCsv };

const char* ShellModeName(ShellMode mode);
bool ParseShellMode(std::string_view name, ShellMode* mode);

// Prints the rows of one result. Table and CSV need their columns before
// the first line, so they hold back the first kSampleRows rows: the columns
// are the top-level keys of those rows, in the order first seen, and a later
// row's other keys are not shown (JSON mode shows everything).
class RowPrinter {
 public:
  static constexpr size_t kSampleRows = 100;
  // Widest cell of a table, in characters; a longer value ends in "…".
  static constexpr size_t kMaxCellWidth = 60;

  RowPrinter(std::FILE* out, ShellMode mode) : out_(out), mode_(mode) {}
  RowPrinter(const RowPrinter&) = delete;
  RowPrinter& operator=(const RowPrinter&) = delete;

  // `row` is one JSON object. False once the output cannot be written.
  bool Add(std::string_view row);
  // Prints what is held back. False if the output cannot be written.
  bool Finish();

  uint64_t rows() const { return rows_; }

 private:
  struct Cells {
    std::vector<std::string> text;  // per column; empty when absent
    std::vector<bool> numeric;      // right-aligned
  };

  void Split(std::string_view row, Cells* cells, bool learn_columns);
  bool PrintHeader();
  bool PrintCells(const Cells& cells);
  bool Write(std::string_view text);

  std::FILE* const out_;
  const ShellMode mode_;
  uint64_t rows_ = 0;
  bool started_ = false;  // the header is printed; rows stream from then on
  std::vector<std::string> held_;  // the rows held back, as given
  std::vector<std::string> columns_;
  std::vector<size_t> widths_;  // table mode
};

// For the table: `text` cut to at most `width` characters (UTF-8 code
// points), ending in "…" when cut.
std::string TruncateCell(std::string_view text, size_t width);
// Characters (code points) in UTF-8 `text`.
size_t DisplayWidth(std::string_view text);
// One CSV field as RFC 4180 writes it: quoted when it holds a comma, a quote
// or a line break, with quotes doubled.
std::string CsvField(std::string_view text);

}  // namespace spirapi::cli

#endif  // SPIRAPI_TOOLS_CLI_SHELL_OUTPUT_H_
