// Building the dashboard's HTML: escaping, the page frame, tables.

#ifndef SPIRAPI_DASHBOARD_HTML_H_
#define SPIRAPI_DASHBOARD_HTML_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace spirapi::dashboard {

// Text for an element's content or a quoted attribute value.
std::string Escape(std::string_view text);
// A path segment for a link (ids may hold any byte).
std::string UrlEncode(std::string_view text);

// The pages, in the order of the navigation bar.
enum class PageId { kOverview, kPerformance, kComponents, kSchemas, kSequences, kQueries };

struct Frame {
  std::string database;  // shown beside the product name
  std::string title;     // of this page
  PageId page = PageId::kOverview;
  double refresh_seconds = 0;
};

// The whole document: head, header with navigation, <main> holding `body`.
std::string RenderPage(const Frame& frame, std::string_view body);

// An HTML table. Cells are escaped unless added with RawCell.
class Table {
 public:
  // Headers whose name starts with '#' are numeric columns (right-aligned);
  // the '#' is not shown.
  explicit Table(std::vector<std::string> headers);
  Table& Cell(std::string_view text);
  Table& Cell(uint64_t number);
  Table& RawCell(std::string_view html);
  void EndRow();
  bool empty() const { return rows_ == 0; }
  std::string Html() const;

 private:
  std::vector<std::string> headers_;
  std::vector<bool> numeric_;
  std::string body_;
  std::string row_;
  size_t column_ = 0;
  size_t rows_ = 0;
};

// <section class="card"><h2>heading</h2>html</section>
std::string Card(std::string_view heading, std::string_view html);
// One big figure with its label, for the overview's grid.
std::string Figure(std::string_view value, std::string_view label);
// 0.0000123 -> "12.3 µs", 0.0123 -> "12.30 ms", 12.3 -> "12.30 s".
std::string FormatSeconds(double seconds);
// "1,234,567"
std::string GroupDigits(uint64_t n);

}  // namespace spirapi::dashboard

#endif  // SPIRAPI_DASHBOARD_HTML_H_
