#include "plot/scene.h"

#include <algorithm>

namespace spirapi::plot {

Rgb PaletteColor(size_t i) {
  static constexpr Rgb kPalette[10] = {
      {31, 119, 180}, {255, 127, 14},  {44, 160, 44},   {214, 39, 40},  {148, 103, 189},
      {140, 86, 75},  {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207}};
  return kPalette[i % 10];
}

Raster::Raster(int w, int h, Rgb fill) : width(w), height(h), rgb(static_cast<size_t>(w) * h * 3) {
  Fill(0, 0, w, h, fill);
}

void Raster::Fill(int x, int y, int w, int h, Rgb c) {
  const int x0 = std::max(0, x);
  const int y0 = std::max(0, y);
  const int x1 = std::min(width, x + w);
  const int y1 = std::min(height, y + h);
  for (int yy = y0; yy < y1; ++yy) {
    for (int xx = x0; xx < x1; ++xx) Set(xx, yy, c);
  }
}

}  // namespace spirapi::plot
