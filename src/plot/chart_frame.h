// What bar and line charts share: the title block, the plot area, the y
// axis with its grid, and rendering a Scene in the format asked for.

#ifndef SPIRAPI_PLOT_CHART_FRAME_H_
#define SPIRAPI_PLOT_CHART_FRAME_H_

#include <functional>
#include <string>
#include <vector>

#include "plot/axis.h"
#include "plot/scene.h"
#include "spirapi/plot.h"
#include "spirapi/status.h"

namespace spirapi::plot {

// The plot area in scene pixels; y grows downwards, so `bottom` > `top`.
struct PlotArea {
  double left = 0, top = 0, right = 0, bottom = 0;
  double width() const { return right - left; }
  double height() const { return bottom - top; }
};

// Sets the scene's size and title and draws the title and subtitle.
void DrawTitle(Scene* scene, int width, int height, const std::string& title,
               const std::string& subtitle);

// Grid lines and labels at the y ticks; `y_of` maps a tick to a scene y.
// `labels[i]` is the label of ticks[i].
void DrawYAxis(Scene* scene, const PlotArea& area, const std::vector<double>& ticks,
               const std::vector<std::string>& labels, const std::string& axis_label,
               const std::function<double(double)>& y_of);

// The axis lines at the left and bottom of the area.
void DrawAxisLines(Scene* scene, const PlotArea& area);

// Title and description lines, truncated for a picture: at most `max`
// characters (UTF-8 kept whole), "…" marking the cut.
std::string Truncate(const std::string& text, size_t max);

Status RenderScene(const Scene& scene, PlotFormat format, std::string* out);

}  // namespace spirapi::plot

#endif  // SPIRAPI_PLOT_CHART_FRAME_H_
