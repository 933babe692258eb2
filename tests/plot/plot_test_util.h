// Checks shared by the plot tests: a structural XML check of an SVG, a PNG
// decoder (libpng), and the elements of one name in an SVG.

#ifndef SPIRAPI_TESTS_PLOT_PLOT_TEST_UTIL_H_
#define SPIRAPI_TESTS_PLOT_PLOT_TEST_UTIL_H_

#include <png.h>

#include <csetjmp>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "plot/scene.h"

namespace spirapi::test {

// "" if `svg` is well-formed as far as an SVG of ours can go wrong: one root
// <svg> element, every tag closed in order, attribute values quoted and free
// of '<', text free of '<' and of '&' that starts no entity; else what is
// wrong and where.
inline std::string XmlProblem(std::string_view svg) {
  std::vector<std::string> open;
  size_t i = 0;
  int roots = 0;
  auto entity_ok = [&](size_t at) {
    static constexpr const char* kEntities[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
    for (const char* e : kEntities) {
      if (svg.substr(at, std::strlen(e)) == e) return true;
    }
    return false;
  };
  while (i < svg.size()) {
    if (svg[i] == '&') {
      if (!entity_ok(i)) return "bare & at " + std::to_string(i);
      ++i;
      continue;
    }
    if (svg[i] == '>') return "bare > at " + std::to_string(i);
    if (svg[i] != '<') {
      if (open.empty() && svg[i] != '\n' && svg[i] != ' ') {
        return "text outside the root at " + std::to_string(i);
      }
      ++i;
      continue;
    }
    if (svg.substr(i, 5) == "<?xml") {
      const size_t end = svg.find("?>", i);
      if (end == std::string_view::npos || i != 0) return "bad XML declaration";
      i = end + 2;
      continue;
    }
    const bool closing = i + 1 < svg.size() && svg[i + 1] == '/';
    size_t j = i + (closing ? 2 : 1);
    const size_t name_start = j;
    while (j < svg.size() && (std::isalnum(static_cast<unsigned char>(svg[j])) || svg[j] == ':'))
      ++j;
    const std::string name(svg.substr(name_start, j - name_start));
    if (name.empty()) return "tag without a name at " + std::to_string(i);
    // Attributes: name="value" pairs.
    bool self_closing = false;
    while (true) {
      while (j < svg.size() && svg[j] == ' ') ++j;
      if (j >= svg.size()) return "unterminated tag <" + name;
      if (svg[j] == '>') {
        ++j;
        break;
      }
      if (svg.substr(j, 2) == "/>") {
        if (closing) return "</" + name + "/>";
        self_closing = true;
        j += 2;
        break;
      }
      if (closing) return "attributes in a closing tag </" + name;
      const size_t attr = j;
      while (j < svg.size() &&
             (std::isalnum(static_cast<unsigned char>(svg[j])) || svg[j] == '-' || svg[j] == ':')) {
        ++j;
      }
      if (j == attr || j + 1 >= svg.size() || svg[j] != '=' || svg[j + 1] != '"') {
        return "bad attribute in <" + name + "> at " + std::to_string(j);
      }
      j += 2;
      while (j < svg.size() && svg[j] != '"') {
        if (svg[j] == '<') return "< in an attribute of <" + name + ">";
        if (svg[j] == '&' && !entity_ok(j)) return "bare & in an attribute of <" + name + ">";
        ++j;
      }
      if (j >= svg.size()) return "unterminated attribute in <" + name + ">";
      ++j;
    }
    if (closing) {
      if (open.empty() || open.back() != name) return "</" + name + "> closes nothing open";
      open.pop_back();
    } else {
      if (open.empty() && ++roots > 1) return "a second root element <" + name + ">";
      if (open.empty() && name != "svg") return "the root is <" + name + ">";
      if (!self_closing) open.push_back(name);
    }
    i = j;
  }
  if (!open.empty()) return "<" + open.back() + "> never closed";
  if (roots != 1) return "no root element";
  return "";
}

// The opening tags <name ...> of `svg`, each up to its '>'.
inline std::vector<std::string> Elements(std::string_view svg, std::string_view name) {
  std::vector<std::string> out;
  const std::string open = "<" + std::string(name) + " ";
  for (size_t i = svg.find(open); i != std::string_view::npos; i = svg.find(open, i + 1)) {
    out.emplace_back(svg.substr(i, svg.find('>', i) - i + 1));
  }
  return out;
}

// The value of attribute `attr` in an element from Elements().
inline std::string Attribute(const std::string& element, const std::string& attr) {
  const std::string key = " " + attr + "=\"";
  const size_t at = element.find(key);
  if (at == std::string::npos) return "";
  const size_t start = at + key.size();
  return element.substr(start, element.find('"', start) - start);
}

// Decodes a PNG file's bytes; false if libpng refuses them.
inline bool DecodePng(const std::string& bytes, plot::Raster* out) {
  png_image image;
  std::memset(&image, 0, sizeof(image));
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&image, bytes.data(), bytes.size())) return false;
  image.format = PNG_FORMAT_RGB;
  *out = plot::Raster(static_cast<int>(image.width), static_cast<int>(image.height), plot::kWhite);
  if (!png_image_finish_read(&image, nullptr, out->rgb.data(), 0, nullptr)) return false;
  return true;
}

}  // namespace spirapi::test

#endif  // SPIRAPI_TESTS_PLOT_PLOT_TEST_UTIL_H_
