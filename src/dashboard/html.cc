#include "dashboard/html.h"

#include <cstdio>

namespace spirapi::dashboard {

std::string Escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        // Control characters would make the document invalid; show them.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') {
          char hex[8];
          std::snprintf(hex, sizeof(hex), "\\x%02x", static_cast<unsigned char>(c));
          out += hex;
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string UrlEncode(std::string_view text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || u == '-' ||
        u == '_' || u == '.' || u == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

namespace {

struct NavEntry {
  PageId page;
  const char* path;
  const char* label;
};
constexpr NavEntry kNav[] = {
    {PageId::kOverview, "/", "Overview"},
    {PageId::kPerformance, "/performance", "Performance"},
    {PageId::kComponents, "/components", "Components"},
    {PageId::kSchemas, "/schemas", "Schemas"},
    {PageId::kSequences, "/sequences", "π sequences"},
    {PageId::kQueries, "/queries", "Queries"},
};

}  // namespace

std::string RenderPage(const Frame& frame, std::string_view body) {
  char refresh[32];
  std::snprintf(refresh, sizeof(refresh), "%g", frame.refresh_seconds);
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<link rel=\"icon\" href=\"data:,\">"
      "<title>" +
      Escape(frame.title) + " · SpiraPi " + Escape(frame.database) +
      "</title><link rel=\"stylesheet\" href=\"/static/app.css\">"
      "<script src=\"/static/app.js\" defer></script></head>"
      "<body data-refresh=\"" +
      std::string(refresh) + "\"><header><h1>SpiraPi <span>" + Escape(frame.database) +
      "</span></h1><nav>";
  for (const NavEntry& e : kNav) {
    html += "<a href=\"";
    html += e.path;
    html += e.page == frame.page ? "\" class=\"active\">" : "\">";
    html += e.label;
    html += "</a>";
  }
  html +=
      "<a href=\"/metrics\">/metrics</a><a href=\"/api\">JSON API</a></nav>"
      "<span class=\"muted\">updated <span id=\"updated\">now</span></span></header>"
      "<div id=\"script-errors\"></div><main><h2>" +
      Escape(frame.title) + "</h2>";
  html += body;
  html += "</main></body></html>\n";
  return html;
}

Table::Table(std::vector<std::string> headers) {
  for (std::string& h : headers) {
    bool numeric = !h.empty() && h[0] == '#';
    numeric_.push_back(numeric);
    headers_.push_back(numeric ? h.substr(1) : h);
  }
}

Table& Table::RawCell(std::string_view html) {
  bool numeric = column_ < numeric_.size() && numeric_[column_];
  row_ += numeric ? "<td class=\"num\">" : "<td>";
  row_ += html;
  row_ += "</td>";
  ++column_;
  return *this;
}

Table& Table::Cell(std::string_view text) { return RawCell(Escape(text)); }

Table& Table::Cell(uint64_t number) { return RawCell(GroupDigits(number)); }

void Table::EndRow() {
  body_ += "<tr>" + row_ + "</tr>";
  row_.clear();
  column_ = 0;
  ++rows_;
}

std::string Table::Html() const {
  std::string html = "<table><thead><tr>";
  for (size_t i = 0; i < headers_.size(); ++i) {
    html += numeric_[i] ? "<th class=\"num\">" : "<th>";
    html += Escape(headers_[i]) + "</th>";
  }
  return html + "</tr></thead><tbody>" + body_ + "</tbody></table>";
}

std::string Card(std::string_view heading, std::string_view html) {
  std::string out = "<section class=\"card\">";
  if (!heading.empty()) out += "<h2>" + Escape(heading) + "</h2>";
  out += html;
  return out + "</section>";
}

std::string Figure(std::string_view value, std::string_view label) {
  return "<div class=\"figure\"><b>" + Escape(value) + "</b><span>" + Escape(label) +
         "</span></div>";
}

std::string FormatSeconds(double seconds) {
  char text[32];
  if (seconds < 1e-3) {
    std::snprintf(text, sizeof(text), "%.1f µs", seconds * 1e6);
  } else if (seconds < 1) {
    std::snprintf(text, sizeof(text), "%.2f ms", seconds * 1e3);
  } else {
    std::snprintf(text, sizeof(text), "%.2f s", seconds);
  }
  return text;
}

std::string GroupDigits(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace spirapi::dashboard
