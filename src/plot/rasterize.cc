#include "plot/rasterize.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace spirapi::plot {
namespace {

struct Glyph {
  char c;
  std::array<uint8_t, 7> rows;  // bit 4 is the leftmost column
};

constexpr Glyph kFont[] = {
    {' ', {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}},
    {'!', {0x04, 0x04, 0x04, 0x04, 0x04, 0x00, 0x04}},
    {'%', {0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03}},
    {'\'', {0x04, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00}},
    {'(', {0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02}},
    {')', {0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08}},
    {'*', {0x00, 0x04, 0x15, 0x0e, 0x15, 0x04, 0x00}},
    {'+', {0x00, 0x04, 0x04, 0x1f, 0x04, 0x04, 0x00}},
    {',', {0x00, 0x00, 0x00, 0x00, 0x0c, 0x04, 0x08}},
    {'-', {0x00, 0x00, 0x00, 0x1f, 0x00, 0x00, 0x00}},
    {'.', {0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x0c}},
    {'/', {0x01, 0x01, 0x02, 0x04, 0x08, 0x10, 0x10}},
    {'0', {0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e}},
    {'1', {0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e}},
    {'2', {0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f}},
    {'3', {0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e}},
    {'4', {0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02}},
    {'5', {0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e}},
    {'6', {0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e}},
    {'7', {0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}},
    {'8', {0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e}},
    {'9', {0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c}},
    {':', {0x00, 0x0c, 0x0c, 0x00, 0x0c, 0x0c, 0x00}},
    {';', {0x00, 0x0c, 0x0c, 0x00, 0x0c, 0x04, 0x08}},
    {'<', {0x02, 0x04, 0x08, 0x10, 0x08, 0x04, 0x02}},
    {'=', {0x00, 0x00, 0x1f, 0x00, 0x1f, 0x00, 0x00}},
    {'>', {0x08, 0x04, 0x02, 0x01, 0x02, 0x04, 0x08}},
    {'?', {0x0e, 0x11, 0x01, 0x02, 0x04, 0x00, 0x04}},
    {'A', {0x0e, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11}},
    {'B', {0x1e, 0x11, 0x11, 0x1e, 0x11, 0x11, 0x1e}},
    {'C', {0x0e, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0e}},
    {'D', {0x1c, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1c}},
    {'E', {0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x1f}},
    {'F', {0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x10}},
    {'G', {0x0e, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0f}},
    {'H', {0x11, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11}},
    {'I', {0x0e, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e}},
    {'J', {0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0c}},
    {'K', {0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11}},
    {'L', {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1f}},
    {'M', {0x11, 0x1b, 0x15, 0x15, 0x11, 0x11, 0x11}},
    {'N', {0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11}},
    {'O', {0x0e, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e}},
    {'P', {0x1e, 0x11, 0x11, 0x1e, 0x10, 0x10, 0x10}},
    {'Q', {0x0e, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0d}},
    {'R', {0x1e, 0x11, 0x11, 0x1e, 0x14, 0x12, 0x11}},
    {'S', {0x0f, 0x10, 0x10, 0x0e, 0x01, 0x01, 0x1e}},
    {'T', {0x1f, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}},
    {'U', {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e}},
    {'V', {0x11, 0x11, 0x11, 0x11, 0x11, 0x0a, 0x04}},
    {'W', {0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0a}},
    {'X', {0x11, 0x11, 0x0a, 0x04, 0x0a, 0x11, 0x11}},
    {'Y', {0x11, 0x11, 0x0a, 0x04, 0x04, 0x04, 0x04}},
    {'Z', {0x1f, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1f}},
    {'[', {0x0e, 0x08, 0x08, 0x08, 0x08, 0x08, 0x0e}},
    {']', {0x0e, 0x02, 0x02, 0x02, 0x02, 0x02, 0x0e}},
    {'_', {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1f}},
};

const Glyph* FindGlyph(char c) {
  for (const Glyph& g : kFont) {
    if (g.c == c) return &g;
  }
  return nullptr;
}

// The pixel scale of text of `size` px: the font is 7 px tall.
int GlyphScale(double size) { return size >= 15 ? 2 : 1; }

void DrawGlyphs(Raster* r, const std::string& text, int x, int baseline, int scale, Rgb color,
                bool bold, bool vertical) {
  const int advance = 6 * scale;
  for (size_t i = 0; i < text.size(); ++i) {
    const Glyph* g = FindGlyph(text[i]);
    if (g == nullptr) continue;
    for (int row = 0; row < 7; ++row) {
      for (int col = 0; col < 5; ++col) {
        if (!(g->rows[row] & (0x10 >> col))) continue;
        const int w = scale + (bold ? 1 : 0);
        // Horizontal: glyph i starts at x + i * advance, its top row 7
        // units above the baseline. Vertical (rotated counter-clockwise):
        // the text runs upwards from (x, baseline).
        const int gx = static_cast<int>(i) * advance + col * scale;
        const int gy = (row - 7) * scale;
        if (vertical) {
          r->Fill(x + gy, baseline - gx - scale, scale, w, color);
        } else {
          r->Fill(x + gx, baseline + gy, w, scale, color);
        }
      }
    }
  }
}

void DrawText(Raster* r, const TextItem& t) {
  const std::string text = BitmapFontText(t.text);
  const int scale = GlyphScale(t.size);
  const int length = static_cast<int>(text.size()) * 6 * scale - scale;
  int shift = 0;
  if (t.anchor == Anchor::kMiddle) shift = length / 2;
  if (t.anchor == Anchor::kEnd) shift = length;
  const int x = static_cast<int>(std::lround(t.x));
  const int y = static_cast<int>(std::lround(t.y));
  if (t.vertical) {
    DrawGlyphs(r, text, x, y + shift, scale, t.color, t.bold, true);
  } else {
    DrawGlyphs(r, text, x - shift, y, scale, t.color, t.bold, false);
  }
}

void DrawLine(Raster* r, double x1, double y1, double x2, double y2, Rgb color, double width,
              bool dashed) {
  const double dx = x2 - x1;
  const double dy = y2 - y1;
  const double length = std::hypot(dx, dy);
  // Scene coordinates stay within a few thousand pixels; anything else is
  // not drawn rather than walked pixel by pixel.
  if (!std::isfinite(length) || length > 1e5) return;
  const int w = std::max(1, static_cast<int>(std::lround(width)));
  const int steps = std::max(1, static_cast<int>(std::ceil(length)));
  for (int i = 0; i <= steps; ++i) {
    const double along = length * i / steps;
    if (dashed && std::fmod(along, 10.0) >= 6.0) continue;  // 6 on, 4 off
    const int x = static_cast<int>(std::lround(x1 + dx * i / steps)) - (w - 1) / 2;
    const int y = static_cast<int>(std::lround(y1 + dy * i / steps)) - (w - 1) / 2;
    r->Fill(x, y, w, w, color);
  }
}

void DrawImage(Raster* r, const ImageItem& im) {
  const Raster& src = *im.raster;
  if (src.width <= 0 || src.height <= 0) return;
  const int x0 = static_cast<int>(std::lround(im.x));
  const int y0 = static_cast<int>(std::lround(im.y));
  const int w = static_cast<int>(std::lround(im.w));
  const int h = static_cast<int>(std::lround(im.h));
  for (int y = std::max(0, -y0); y < h && y0 + y < r->height; ++y) {
    const int sy =
        std::min(src.height - 1, static_cast<int>(static_cast<int64_t>(y) * src.height / h));
    for (int x = std::max(0, -x0); x < w && x0 + x < r->width; ++x) {
      const int sx =
          std::min(src.width - 1, static_cast<int>(static_cast<int64_t>(x) * src.width / w));
      r->Set(x0 + x, y0 + y, src.At(sx, sy));
    }
  }
}

}  // namespace

std::string BitmapFontText(std::string_view utf8) {
  std::string out;
  for (size_t i = 0; i < utf8.size();) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    if (c < 0x80) {
      const char up =
          (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : static_cast<char>(c);
      out += FindGlyph(up) != nullptr ? up : '?';
      ++i;
      continue;
    }
    size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    n = std::min(n, utf8.size() - i);
    const std::string_view seq = utf8.substr(i, n);
    i += n;
    if (seq == "\xcf\x87") {
      out += 'X';  // χ
    } else if (seq == "\xc2\xb2") {
      out += '2';  // ²
    } else if (seq == "\xc2\xb5" || seq == "\xce\xbc") {
      out += 'U';  // µ
    } else if (seq == "\xcf\x80") {
      out += "PI";
    } else if (seq == "\xc3\x97") {
      out += 'X';  // ×
    } else if (seq == "\xe2\x80\x93" || seq == "\xe2\x80\x94" || seq == "\xe2\x88\x92") {
      out += '-';
    } else if (seq == "\xe2\x89\xa5") {
      out += ">=";
    } else if (seq == "\xe2\x89\xa4") {
      out += "<=";
    } else if (seq == "\xc2\xb7" || seq == "\xe2\x80\xa2") {
      out += '.';
    } else if (seq == "\xe2\x80\xa6") {
      out += "...";
    } else {
      out += '?';
    }
  }
  return out;
}

Raster RenderRaster(const Scene& scene) {
  Raster r(std::max(1, scene.width), std::max(1, scene.height), kWhite);
  for (const Item& item : scene.items) {
    if (const auto* rect = std::get_if<RectItem>(&item)) {
      const int x = static_cast<int>(std::lround(rect->x));
      const int y = static_cast<int>(std::lround(rect->y));
      r.Fill(x, y, static_cast<int>(std::lround(rect->x + rect->w)) - x,
             static_cast<int>(std::lround(rect->y + rect->h)) - y, rect->fill);
    } else if (const auto* l = std::get_if<LineItem>(&item)) {
      DrawLine(&r, l->x1, l->y1, l->x2, l->y2, l->color, l->width, l->dashed);
    } else if (const auto* p = std::get_if<PolylineItem>(&item)) {
      for (size_t i = 1; i < p->points.size(); ++i) {
        DrawLine(&r, p->points[i - 1].first, p->points[i - 1].second, p->points[i].first,
                 p->points[i].second, p->color, p->width, false);
      }
    } else if (const auto* t = std::get_if<TextItem>(&item)) {
      DrawText(&r, *t);
    } else if (const auto* im = std::get_if<ImageItem>(&item)) {
      DrawImage(&r, *im);
    }
  }
  return r;
}

}  // namespace spirapi::plot
