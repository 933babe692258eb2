// Pixel output: a Scene (scene.h) drawn into a Raster, for PNG files.
// Shapes are drawn without anti-aliasing; text uses a built-in 5x7 bitmap
// font of upper-case ASCII (lower case is drawn as upper case, and a few
// symbols the charts use are spelled out: χ as X, µ as U, π as PI).

#ifndef SPIRAPI_PLOT_RASTERIZE_H_
#define SPIRAPI_PLOT_RASTERIZE_H_

#include <string>
#include <string_view>

#include "plot/scene.h"

namespace spirapi::plot {

// The scene at one pixel per unit, on white.
Raster RenderRaster(const Scene& scene);

// What the bitmap font draws for `utf8`: upper case, known symbols spelled
// out, anything else '?'.
std::string BitmapFontText(std::string_view utf8);

}  // namespace spirapi::plot

#endif  // SPIRAPI_PLOT_RASTERIZE_H_
