// SVG output: a Scene (scene.h) as one self-contained SVG document (inline
// styles, no scripts, no external references), so that a page can embed it
// as it is. Text is escaped; numbers are written compactly.

#ifndef SPIRAPI_PLOT_SVG_WRITER_H_
#define SPIRAPI_PLOT_SVG_WRITER_H_

#include <string>
#include <string_view>

#include "plot/scene.h"
#include "spirapi/status.h"

namespace spirapi::plot {

// Appends `text` with &, <, >, " and ' escaped, and characters XML 1.0 does
// not allow (C0 controls other than tab and newline, bytes that are not
// UTF-8) replaced by U+FFFD, so any input gives well-formed XML.
void AppendXmlEscaped(std::string_view text, std::string* out);

// The shortest of at most 2 decimals: 3, 2.5, 0.13, -1; never "-0", never
// an exponent (coordinates stay within a few thousand pixels).
std::string FormatSvgNumber(double v);

// Images of at most this many pixels (50 x 50) are written as <rect>s (one per run of
// equal pixels in a row), larger ones as an embedded PNG (a data: URI).
inline constexpr size_t kMaxRectImagePixels = 2500;

// The SVG document of `scene`. Errors only from encoding an embedded PNG.
Status RenderSvg(const Scene& scene, std::string* out);

}  // namespace spirapi::plot

#endif  // SPIRAPI_PLOT_SVG_WRITER_H_
