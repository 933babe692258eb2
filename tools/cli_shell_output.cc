// RowPrinter (cli_shell_output.h). A row's members are cut out of its JSON
// text rather than parsed into values and written again, so that a cell
// shows a number exactly as stored (5.0 stays 5.0, a 30-digit integer keeps
// its digits).

#include "cli_shell_output.h"

#include <algorithm>

#include "cli_util.h"
#include "rapidjson/document.h"

namespace spirapi::cli {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

size_t SkipSpace(std::string_view s, size_t i) {
  while (i < s.size() && IsSpace(s[i])) ++i;
  return i;
}

// The end of the JSON string whose opening quote is at s[i], or npos.
size_t SkipString(std::string_view s, size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// The end of the JSON value that starts at s[i], or npos.
size_t SkipValue(std::string_view s, size_t i) {
  if (i >= s.size()) return std::string_view::npos;
  if (s[i] == '"') return SkipString(s, i);
  if (s[i] != '{' && s[i] != '[') {
    while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && !IsSpace(s[i])) ++i;
    return i;
  }
  int depth = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '"') {
      i = SkipString(s, i);
      if (i == std::string_view::npos) return i;
      continue;
    }
    if (c == '{' || c == '[') ++depth;
    if ((c == '}' || c == ']') && --depth == 0) return i + 1;
    ++i;
  }
  return std::string_view::npos;
}

// The text of a JSON string (quotes included in `quoted`).
std::string Unquote(std::string_view quoted) {
  const std::string_view inner = quoted.substr(1, quoted.size() - 2);
  if (inner.find('\\') == std::string_view::npos) return std::string(inner);
  rapidjson::Document doc;
  doc.Parse(quoted.data(), quoted.size());
  if (doc.HasParseError() || !doc.IsString()) return std::string(inner);
  return std::string(doc.GetString(), doc.GetStringLength());
}

// Calls fn(key, raw value) for each member of the JSON object `row`. False
// if `row` is not an object as RunQuery writes them.
template <typename Fn>
bool ForEachMember(std::string_view row, Fn&& fn) {
  size_t i = SkipSpace(row, 0);
  if (i >= row.size() || row[i] != '{') return false;
  i = SkipSpace(row, i + 1);
  if (i < row.size() && row[i] == '}') return true;
  while (i < row.size()) {
    if (row[i] != '"') return false;
    const size_t key_end = SkipString(row, i);
    if (key_end == std::string_view::npos) return false;
    const std::string key = Unquote(row.substr(i, key_end - i));
    i = SkipSpace(row, key_end);
    if (i >= row.size() || row[i] != ':') return false;
    const size_t value_start = SkipSpace(row, i + 1);
    const size_t value_end = SkipValue(row, value_start);
    if (value_end == std::string_view::npos) return false;
    fn(key, row.substr(value_start, value_end - value_start));
    i = SkipSpace(row, value_end);
    if (i < row.size() && row[i] == '}') return true;
    if (i >= row.size() || row[i] != ',') return false;
    i = SkipSpace(row, i + 1);
  }
  return false;
}

}  // namespace

const char* ShellModeName(ShellMode mode) {
  switch (mode) {
    case ShellMode::kJson: return "json";
    case ShellMode::kTable: return "table";
    case ShellMode::kCsv: return "csv";
  }
  return "json";
}

bool ParseShellMode(std::string_view name, ShellMode* mode) {
  for (ShellMode m : {ShellMode::kJson, ShellMode::kTable, ShellMode::kCsv}) {
    if (name == ShellModeName(m)) {
      *mode = m;
      return true;
    }
  }
  return false;
}

size_t DisplayWidth(std::string_view text) {
  // Continuation bytes (10xxxxxx) do not start a character.
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  }));
}

std::string TruncateCell(std::string_view text, size_t width) {
  if (DisplayWidth(text) <= width || width == 0) return std::string(text);
  // Keep width - 1 characters, then the ellipsis.
  size_t kept = 0;
  size_t i = 0;
  for (; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xc0) != 0x80 && kept++ == width - 1) break;
  }
  return std::string(text.substr(0, i)) + "\xe2\x80\xa6";  // U+2026
}

std::string CsvField(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

bool RowPrinter::Write(std::string_view text) {
  return std::fwrite(text.data(), 1, text.size(), out_) == text.size();
}

void RowPrinter::Split(std::string_view row, Cells* cells, bool learn_columns) {
  cells->text.assign(columns_.size(), std::string());
  cells->numeric.assign(columns_.size(), false);
  const bool table = mode_ == ShellMode::kTable;
  const bool ok = ForEachMember(row, [&](const std::string& key, std::string_view raw) {
    auto it = std::find(columns_.begin(), columns_.end(), key);
    if (it == columns_.end()) {
      if (!learn_columns) return;
      columns_.push_back(key);
      cells->text.emplace_back();
      cells->numeric.push_back(false);
      it = columns_.end() - 1;
    }
    const size_t column = static_cast<size_t>(it - columns_.begin());
    std::string text = raw.front() == '"' ? Unquote(raw) : std::string(raw);
    // A table goes to a terminal: what a string holds must not drive it.
    cells->text[column] = table ? EscapeControls(text) : std::move(text);
    cells->numeric[column] = raw.front() == '-' || (raw.front() >= '0' && raw.front() <= '9');
  });
  if (!ok && !cells->text.empty()) cells->text[0] = std::string(row);  // never from RunQuery
}

bool RowPrinter::PrintHeader() {
  std::string line;
  for (size_t c = 0; c < columns_.size(); ++c) {
    if (mode_ == ShellMode::kCsv) {
      if (c > 0) line += ',';
      line += CsvField(columns_[c]);
      continue;
    }
    if (c > 0) line += "  ";
    const std::string name = TruncateCell(EscapeControls(columns_[c]), widths_[c]);
    line += name;
    if (c + 1 < columns_.size()) line.append(widths_[c] - DisplayWidth(name), ' ');
  }
  if (mode_ == ShellMode::kCsv) return Write(line + "\r\n");
  line += '\n';
  for (size_t c = 0; c < columns_.size(); ++c) {
    if (c > 0) line += "  ";
    line.append(widths_[c], '-');
  }
  return Write(line + "\n");
}

bool RowPrinter::PrintCells(const Cells& cells) {
  std::string line;
  for (size_t c = 0; c < columns_.size(); ++c) {
    if (mode_ == ShellMode::kCsv) {
      if (c > 0) line += ',';
      line += CsvField(cells.text[c]);
      continue;
    }
    if (c > 0) line += "  ";
    // Rows after the sample keep its widths, so the columns stay aligned.
    const std::string text = TruncateCell(cells.text[c], widths_[c]);
    const size_t pad = widths_[c] - DisplayWidth(text);
    if (cells.numeric[c]) {
      line.append(pad, ' ');
      line += text;
    } else {
      line += text;
      if (c + 1 < columns_.size()) line.append(pad, ' ');
    }
  }
  if (mode_ == ShellMode::kCsv) return Write(line + "\r\n");
  // Absent cells at the end leave no trailing spaces.
  while (!line.empty() && line.back() == ' ') line.pop_back();
  // A row without columns (an empty object) still shows as a line.
  return Write(line + "\n");
}

bool RowPrinter::Add(std::string_view row) {
  ++rows_;
  if (mode_ == ShellMode::kJson) return Write(row) && Write("\n");
  if (!started_) {
    Cells ignored;
    Split(row, &ignored, /*learn_columns=*/true);
    held_.emplace_back(row);
    return held_.size() < kSampleRows || Finish();
  }
  Cells cells;
  Split(row, &cells, /*learn_columns=*/false);
  return PrintCells(cells);
}

bool RowPrinter::Finish() {
  if (started_ || mode_ == ShellMode::kJson) return true;
  started_ = true;
  if (held_.empty()) return true;  // no rows: no header either
  std::vector<Cells> cells(held_.size());
  for (size_t r = 0; r < held_.size(); ++r) Split(held_[r], &cells[r], /*learn_columns=*/false);
  widths_.assign(columns_.size(), 0);
  for (size_t c = 0; c < columns_.size(); ++c) {
    size_t width = DisplayWidth(EscapeControls(columns_[c]));
    for (const Cells& row : cells) width = std::max(width, DisplayWidth(row.text[c]));
    widths_[c] = std::max<size_t>(1, std::min(width, kMaxCellWidth));
  }
  bool ok = PrintHeader();
  for (size_t r = 0; ok && r < cells.size(); ++r) ok = PrintCells(cells[r]);
  held_.clear();
  return ok;
}

}  // namespace spirapi::cli
