#include "plot/svg_writer.h"

#include <cmath>
#include <cstdio>

#include "plot/png.h"
#include "util/base64.h"

namespace spirapi::plot {
namespace {

// The length of the valid UTF-8 sequence starting at text[i] (1..4), or 0.
size_t Utf8Length(std::string_view text, size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  size_t n = 0;
  uint32_t code = 0;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
    code = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    code = c & 0x0f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    code = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    const auto cc = static_cast<unsigned char>(text[i + k]);
    if ((cc & 0xc0) != 0x80) return 0;
    code = (code << 6) | (cc & 0x3f);
  }
  // Overlong forms, surrogates, beyond U+10FFFF, and U+FFFE/U+FFFF, which
  // XML does not allow either.
  if ((n == 3 && code < 0x800) || (n == 4 && code < 0x10000) || code > 0x10ffff ||
      (code >= 0xd800 && code <= 0xdfff) || code == 0xfffe || code == 0xffff) {
    return 0;
  }
  return n;
}

std::string Hex(Rgb c) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "#%02x%02x%02x", c.r, c.g, c.b);
  return buf;
}

void Attr(std::string* out, const char* name, double v) {
  *out += ' ';
  *out += name;
  *out += "=\"";
  *out += FormatSvgNumber(v);
  *out += '"';
}

void WriteRect(const RectItem& r, std::string* out) {
  *out += "<rect";
  Attr(out, "x", r.x);
  Attr(out, "y", r.y);
  Attr(out, "width", r.w);
  Attr(out, "height", r.h);
  *out += " style=\"fill:" + Hex(r.fill) + "\"/>\n";
}

void WriteLine(const LineItem& l, std::string* out) {
  *out += "<line";
  Attr(out, "x1", l.x1);
  Attr(out, "y1", l.y1);
  Attr(out, "x2", l.x2);
  Attr(out, "y2", l.y2);
  *out += " style=\"stroke:" + Hex(l.color) + ";stroke-width:" + FormatSvgNumber(l.width);
  if (l.dashed) *out += ";stroke-dasharray:6 4";
  *out += "\"/>\n";
}

void WritePolyline(const PolylineItem& p, std::string* out) {
  *out += "<polyline points=\"";
  for (size_t i = 0; i < p.points.size(); ++i) {
    if (i > 0) *out += ' ';
    *out += FormatSvgNumber(p.points[i].first) + "," + FormatSvgNumber(p.points[i].second);
  }
  *out += "\" style=\"fill:none;stroke:" + Hex(p.color) +
          ";stroke-width:" + FormatSvgNumber(p.width) + ";stroke-linejoin:round\"/>\n";
}

void WriteText(const TextItem& t, std::string* out) {
  static constexpr const char* kAnchors[] = {"start", "middle", "end"};
  *out += "<text";
  Attr(out, "x", t.x);
  Attr(out, "y", t.y);
  if (t.vertical) {
    *out += " transform=\"rotate(-90 " + FormatSvgNumber(t.x) + " " + FormatSvgNumber(t.y) + ")\"";
  }
  *out += " style=\"font-family:sans-serif;font-size:" + FormatSvgNumber(t.size) +
          "px;fill:" + Hex(t.color) + ";text-anchor:" + kAnchors[static_cast<int>(t.anchor)];
  if (t.bold) *out += ";font-weight:bold";
  *out += "\">";
  AppendXmlEscaped(t.text, out);
  *out += "</text>\n";
}

Status WriteImage(const ImageItem& im, std::string* out) {
  const Raster& r = *im.raster;
  if (r.width <= 0 || r.height <= 0) return Status::OK();
  const double sx = im.w / r.width;
  const double sy = im.h / r.height;
  if (static_cast<size_t>(r.width) * r.height <= kMaxRectImagePixels) {
    // One group, one rect per run of equal pixels: a 100x100 spiral is a
    // few thousand elements, crisp at any zoom.
    *out += "<g style=\"shape-rendering:crispEdges\">\n";
    for (int y = 0; y < r.height; ++y) {
      for (int x = 0; x < r.width;) {
        const Rgb c = r.At(x, y);
        int end = x + 1;
        while (end < r.width && r.At(end, y) == c) ++end;
        if (!(c == kWhite)) WriteRect({im.x + x * sx, im.y + y * sy, (end - x) * sx, sy, c}, out);
        x = end;
      }
    }
    *out += "</g>\n";
    return Status::OK();
  }
  std::string png;
  Status s = EncodePng(r, "", "", &png);
  if (!s.ok()) return s;
  *out += "<image";
  Attr(out, "x", im.x);
  Attr(out, "y", im.y);
  Attr(out, "width", im.w);
  Attr(out, "height", im.h);
  *out +=
      " preserveAspectRatio=\"none\" style=\"image-rendering:pixelated\" "
      "href=\"data:image/png;base64,";
  AppendBase64(png, out);
  *out += "\"/>\n";
  return Status::OK();
}

}  // namespace

void AppendXmlEscaped(std::string_view text, std::string* out) {
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    switch (c) {
      case '&':
        *out += "&amp;";
        ++i;
        continue;
      case '<':
        *out += "&lt;";
        ++i;
        continue;
      case '>':
        *out += "&gt;";
        ++i;
        continue;
      case '"':
        *out += "&quot;";
        ++i;
        continue;
      case '\'':
        *out += "&apos;";
        ++i;
        continue;
      default:
        break;
    }
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 && c != '\t' && c != '\n') {
      *out += "\xef\xbf\xbd";
      ++i;
      continue;
    }
    const size_t n = Utf8Length(text, i);
    if (n == 0) {
      *out += "\xef\xbf\xbd";
      ++i;
      continue;
    }
    out->append(text.substr(i, n));
    i += n;
  }
}

std::string FormatSvgNumber(double v) {
  if (!std::isfinite(v)) return "0";
  const double rounded = std::round(v * 100) / 100;
  if (rounded == 0) return "0";
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%.2f", rounded);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

Status RenderSvg(const Scene& scene, std::string* out) {
  std::string svg;
  svg += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\"";
  Attr(&svg, "width", scene.width);
  Attr(&svg, "height", scene.height);
  svg += " viewBox=\"0 0 " + FormatSvgNumber(scene.width) + " " + FormatSvgNumber(scene.height) +
         "\" role=\"img\">\n<title>";
  AppendXmlEscaped(scene.title, &svg);
  svg += "</title>\n";
  if (!scene.description.empty()) {
    svg += "<desc>";
    AppendXmlEscaped(scene.description, &svg);
    svg += "</desc>\n";
  }
  WriteRect({0, 0, static_cast<double>(scene.width), static_cast<double>(scene.height), kWhite},
            &svg);
  for (const Item& item : scene.items) {
    if (const auto* r = std::get_if<RectItem>(&item)) {
      WriteRect(*r, &svg);
    } else if (const auto* l = std::get_if<LineItem>(&item)) {
      WriteLine(*l, &svg);
    } else if (const auto* p = std::get_if<PolylineItem>(&item)) {
      if (p->points.size() >= 2) WritePolyline(*p, &svg);
    } else if (const auto* t = std::get_if<TextItem>(&item)) {
      WriteText(*t, &svg);
    } else if (const auto* im = std::get_if<ImageItem>(&item)) {
      Status s = WriteImage(*im, &svg);
      if (!s.ok()) return s;
    }
  }
  svg += "</svg>\n";
  *out = std::move(svg);
  return Status::OK();
}

}  // namespace spirapi::plot
