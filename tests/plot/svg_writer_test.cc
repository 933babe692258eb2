// The SVG writer: escaping, compact numbers, a well-formed self-contained
// document, images as rects or as an embedded PNG; the PNG encoder.

#include "plot/svg_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "plot/png.h"
#include "plot/rasterize.h"
#include "plot/scene.h"
#include "plot_test_util.h"
#include "util/base64.h"

namespace spirapi::plot {
namespace {

std::string Escaped(std::string_view text) {
  std::string out;
  AppendXmlEscaped(text, &out);
  return out;
}

TEST(SvgWriterTest, EscapesMarkupAndReplacesWhatXmlForbids) {
  EXPECT_EQ(Escaped("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
  EXPECT_EQ(Escaped("π χ² µs"), "π χ² µs");  // valid UTF-8 kept
  EXPECT_EQ(Escaped(std::string("a\0b", 3)),
            "a\xef\xbf\xbd"
            "b");
  EXPECT_EQ(Escaped("\x01\t\n"), "\xef\xbf\xbd\t\n");
  EXPECT_EQ(Escaped("\xff"), "\xef\xbf\xbd");                                  // not UTF-8
  EXPECT_EQ(Escaped("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");                  // overlong '/'
  EXPECT_EQ(Escaped("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // a surrogate
  EXPECT_EQ(Escaped("\xe2\x82"), "\xef\xbf\xbd\xef\xbf\xbd");                  // cut short
}

TEST(SvgWriterTest, NumbersAreCompact) {
  EXPECT_EQ(FormatSvgNumber(3), "3");
  EXPECT_EQ(FormatSvgNumber(2.5), "2.5");
  EXPECT_EQ(FormatSvgNumber(0.125), "0.13");
  EXPECT_EQ(FormatSvgNumber(-1), "-1");
  EXPECT_EQ(FormatSvgNumber(-0.001), "0");
  EXPECT_EQ(FormatSvgNumber(1234.5678), "1234.57");
  EXPECT_EQ(FormatSvgNumber(std::nan("")), "0");
}

TEST(SvgWriterTest, DocumentIsSelfContainedAndWellFormed) {
  Scene scene;
  scene.width = 300;
  scene.height = 200;
  scene.title = "a <title> & \"quotes\"";
  scene.description = "what it shows";
  scene.Text(10, 20, "x < y & z > w", 12);
  scene.Add(RectItem{1, 2, 3, 4, PaletteColor(3)});
  scene.Add(LineItem{0, 0, 10, 10, kBlack, 1, true});
  scene.Add(PolylineItem{{{0, 0}, {5, 5}, {10, 0}}, PaletteColor(1), 1.5});
  TextItem vertical;
  vertical.text = "up";
  vertical.vertical = true;
  scene.Add(vertical);
  std::string svg;
  ASSERT_TRUE(RenderSvg(scene, &svg).ok());
  EXPECT_EQ(test::XmlProblem(svg), "") << svg;
  EXPECT_NE(svg.find("viewBox=\"0 0 300 200\""), std::string::npos);
  EXPECT_NE(svg.find("width=\"300\" height=\"200\""), std::string::npos);
  EXPECT_NE(svg.find("<title>a &lt;title&gt; &amp; &quot;quotes&quot;</title>"), std::string::npos);
  EXPECT_NE(svg.find("<desc>what it shows</desc>"), std::string::npos);
  EXPECT_NE(svg.find(">x &lt; y &amp; z &gt; w</text>"), std::string::npos);
  EXPECT_NE(svg.find("stroke-dasharray"), std::string::npos);
  EXPECT_NE(svg.find("rotate(-90"), std::string::npos);
  // Nothing outside the file: no scripts, no links, no external styles.
  EXPECT_EQ(svg.find("<script"), std::string::npos);
  EXPECT_EQ(svg.find("xlink"), std::string::npos);
  EXPECT_EQ(svg.find("<style"), std::string::npos);
  EXPECT_EQ(svg.find("http", svg.find("xmlns") + 40), std::string::npos);
}

TEST(SvgWriterTest, SmallImagesAreRectsLargeOnesAnEmbeddedPng) {
  auto small = std::make_shared<Raster>(3, 2, kWhite);
  small->Set(0, 0, PaletteColor(0));
  small->Set(1, 0, PaletteColor(0));  // a run: one rect
  small->Set(2, 1, PaletteColor(2));
  Scene scene;
  scene.width = scene.height = 100;
  scene.Add(ImageItem{10, 10, 30, 20, small});
  std::string svg;
  ASSERT_TRUE(RenderSvg(scene, &svg).ok());
  EXPECT_EQ(test::XmlProblem(svg), "");
  // The background, then one rect per run of coloured pixels.
  const std::vector<std::string> rects = test::Elements(svg, "rect");
  ASSERT_EQ(rects.size(), 3u) << svg;
  EXPECT_EQ(test::Attribute(rects[1], "width"), "20");  // 2 pixels of 10
  EXPECT_EQ(test::Attribute(rects[2], "x"), "30");
  EXPECT_EQ(test::Attribute(rects[2], "y"), "20");

  auto large = std::make_shared<Raster>(60, 60, PaletteColor(4));
  large->Set(59, 59, PaletteColor(5));
  scene.items = {ImageItem{0, 0, 60, 60, large}};
  ASSERT_TRUE(RenderSvg(scene, &svg).ok());
  EXPECT_EQ(test::XmlProblem(svg), "");
  const std::vector<std::string> images = test::Elements(svg, "image");
  ASSERT_EQ(images.size(), 1u);
  const std::string href = test::Attribute(images[0], "href");
  const std::string prefix = "data:image/png;base64,";
  ASSERT_EQ(href.rfind(prefix, 0), 0u);
  std::string png;
  ASSERT_TRUE(DecodeBase64(href.substr(prefix.size()), &png));
  Raster decoded;
  ASSERT_TRUE(test::DecodePng(png, &decoded));
  EXPECT_EQ(decoded.width, 60);
  EXPECT_EQ(decoded.At(0, 0), PaletteColor(4));
  EXPECT_EQ(decoded.At(59, 59), PaletteColor(5));
}

TEST(PngTest, EncodesWhatDecodesBackAndRefusesAnEmptyPicture) {
  Raster r(7, 3, kWhite);
  r.Set(6, 2, Rgb{1, 2, 3});
  std::string png;
  ASSERT_TRUE(EncodePng(r, "χ² title", "line one\nline two", &png).ok());
  Raster back;
  ASSERT_TRUE(test::DecodePng(png, &back));
  EXPECT_EQ(back.width, 7);
  EXPECT_EQ(back.height, 3);
  EXPECT_EQ(back.rgb, r.rgb);
  EXPECT_NE(png.find("Title"), std::string::npos);
  EXPECT_TRUE(EncodePng(Raster(), "", "", &png).IsInvalidArgument());
}

TEST(RasterizeTest, BitmapFontSpellsOutWhatItHasNoGlyphFor) {
  EXPECT_EQ(BitmapFontText("abc 0-9"), "ABC 0-9");
  EXPECT_EQ(BitmapFontText("χ² 5 µs π"), "X2 5 US PI");
  EXPECT_EQ(BitmapFontText("€{}"), "???");
  // Text is drawn in its colour; nothing is drawn outside the raster.
  Scene scene;
  scene.width = 40;
  scene.height = 20;
  TextItem t;
  t.x = 2;
  t.y = 12;
  t.text = "8";
  t.color = PaletteColor(3);
  scene.Add(t);
  scene.Text(38, 12, "WIDE TEXT OFF THE EDGE", 12);
  const Raster r = RenderRaster(scene);
  int coloured = 0;
  for (int y = 0; y < r.height; ++y) {
    for (int x = 0; x < 8; ++x) coloured += r.At(x, y) == PaletteColor(3);
  }
  EXPECT_GT(coloured, 10);
}

}  // namespace
}  // namespace spirapi::plot
