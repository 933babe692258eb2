#include "plot/chart_frame.h"

#include "plot/png.h"
#include "plot/rasterize.h"
#include "plot/svg_writer.h"

namespace spirapi::plot {

void DrawTitle(Scene* scene, int width, int height, const std::string& title,
               const std::string& subtitle) {
  scene->width = width;
  scene->height = height;
  scene->title = title;
  scene->Text(width / 2.0, 24, Truncate(title, 90), 16, Anchor::kMiddle, true);
  if (!subtitle.empty()) scene->Text(width / 2.0, 44, Truncate(subtitle, 120), 12, Anchor::kMiddle);
}

void DrawYAxis(Scene* scene, const PlotArea& area, const std::vector<double>& ticks,
               const std::vector<std::string>& labels, const std::string& axis_label,
               const std::function<double(double)>& y_of) {
  for (size_t i = 0; i < ticks.size(); ++i) {
    const double y = y_of(ticks[i]);
    scene->Add(LineItem{area.left, y, area.right, y, kGridGrey, 1, false});
    scene->Add(LineItem{area.left - 4, y, area.left, y, kAxisGrey, 1, false});
    scene->Text(area.left - 7, y + 4, labels[i], 11, Anchor::kEnd);
  }
  if (!axis_label.empty()) {
    TextItem t;
    t.x = 16;
    t.y = (area.top + area.bottom) / 2;
    t.text = Truncate(axis_label, 60);
    t.size = 12;
    t.anchor = Anchor::kMiddle;
    t.vertical = true;
    scene->Add(std::move(t));
  }
}

void DrawAxisLines(Scene* scene, const PlotArea& area) {
  scene->Add(LineItem{area.left, area.top, area.left, area.bottom, kAxisGrey, 1, false});
  scene->Add(LineItem{area.left, area.bottom, area.right, area.bottom, kAxisGrey, 1, false});
}

std::string Truncate(const std::string& text, size_t max) {
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xc0) == 0x80) continue;
    if (++chars > max) return text.substr(0, i) + "\xe2\x80\xa6";
  }
  return text;
}

Status RenderScene(const Scene& scene, PlotFormat format, std::string* out) {
  if (format == PlotFormat::kSvg) return RenderSvg(scene, out);
  return EncodePng(RenderRaster(scene), scene.title, scene.description, out);
}

}  // namespace spirapi::plot
