// PNG files of a Raster through libpng, with the title and description as
// text chunks (what a viewer shows as the picture's title).

#ifndef SPIRAPI_PLOT_PNG_H_
#define SPIRAPI_PLOT_PNG_H_

#include <string>
#include <string_view>

#include "plot/scene.h"
#include "spirapi/status.h"

namespace spirapi::plot {

// Replaces *out with the PNG file of `raster` (8-bit RGB). InvalidArgument
// for an empty raster; IOError if libpng fails.
Status EncodePng(const Raster& raster, std::string_view title, std::string_view description,
                 std::string* out);

}  // namespace spirapi::plot

#endif  // SPIRAPI_PLOT_PNG_H_
