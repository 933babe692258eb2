// A chart as a list of drawing primitives in pixel coordinates (origin top
// left, y downwards), rendered by either backend: svg_writer.h (vector, text
// as text) or rasterize.h (pixels, text in a built-in bitmap font). Charts
// build a Scene once, so an SVG and a PNG of the same chart agree.

#ifndef SPIRAPI_PLOT_SCENE_H_
#define SPIRAPI_PLOT_SCENE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace spirapi::plot {

struct Rgb {
  uint8_t r = 0;
  uint8_t g = 0;
  uint8_t b = 0;
  friend bool operator==(const Rgb&, const Rgb&) = default;
};

inline constexpr Rgb kWhite{255, 255, 255};
inline constexpr Rgb kBlack{0, 0, 0};
inline constexpr Rgb kAxisGrey{90, 90, 90};
inline constexpr Rgb kGridGrey{225, 225, 225};
inline constexpr Rgb kExpectedRed{200, 30, 30};

// Ten colours told apart also by most colour-blind readers (the "Tableau
// 10" hues); series i and digit d take entry i % 10 and d.
Rgb PaletteColor(size_t i);

// width x height RGB pixels, row-major, top row first.
struct Raster {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;  // 3 bytes a pixel

  Raster() = default;
  Raster(int w, int h, Rgb fill);
  Rgb At(int x, int y) const {
    const uint8_t* p = &rgb[(static_cast<size_t>(y) * width + x) * 3];
    return Rgb{p[0], p[1], p[2]};
  }
  void Set(int x, int y, Rgb c) {
    uint8_t* p = &rgb[(static_cast<size_t>(y) * width + x) * 3];
    p[0] = c.r;
    p[1] = c.g;
    p[2] = c.b;
  }
  // Fills the rectangle, clipped to the raster.
  void Fill(int x, int y, int w, int h, Rgb c);
};

struct RectItem {
  double x = 0, y = 0, w = 0, h = 0;
  Rgb fill;
};

struct LineItem {
  double x1 = 0, y1 = 0, x2 = 0, y2 = 0;
  Rgb color;
  double width = 1;
  bool dashed = false;
};

// A connected line through the points; charts split a series at its gaps.
struct PolylineItem {
  std::vector<std::pair<double, double>> points;
  Rgb color;
  double width = 1.5;
};

enum class Anchor { kStart, kMiddle, kEnd };

struct TextItem {
  double x = 0, y = 0;  // of the baseline, at the anchor
  std::string text;     // UTF-8
  double size = 12;
  Rgb color = kBlack;
  Anchor anchor = Anchor::kStart;
  bool bold = false;
  bool vertical = false;  // rotated 90° counter-clockwise, for a y-axis label
};

// A picture scaled (nearest neighbour) into the rectangle, e.g. one pixel a
// spiral cell.
struct ImageItem {
  double x = 0, y = 0, w = 0, h = 0;
  std::shared_ptr<const Raster> raster;
};

using Item = std::variant<RectItem, LineItem, PolylineItem, TextItem, ImageItem>;

struct Scene {
  int width = 0;
  int height = 0;
  std::string title;        // the SVG's <title>, the PNG's Title text chunk
  std::string description;  // <desc>, the PNG's Description
  std::vector<Item> items;

  void Add(Item item) { items.push_back(std::move(item)); }
  void Text(double x, double y, std::string text, double size, Anchor anchor = Anchor::kStart,
            bool bold = false) {
    TextItem t;
    t.x = x;
    t.y = y;
    t.text = std::move(text);
    t.size = size;
    t.anchor = anchor;
    t.bold = bold;
    items.push_back(std::move(t));
  }
};

}  // namespace spirapi::plot

#endif  // SPIRAPI_PLOT_SCENE_H_
