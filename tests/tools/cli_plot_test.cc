// spirapi pi plot: SVG and PNG files of each kind, written while another
// process holds the database, and the one error line of every refusal, after
// which no file exists.

#include <png.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include "spirapi/db.h"
#include "tools/cli_test_util.h"

namespace spirapi {
namespace {

class CliPlotTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    Init();
    RunOk({"pi", "compute", db_, "--digits", "3000", "--id", "p"});
  }
  std::string Out(const std::string& name) const { return dir_ + "/" + name; }
};

TEST_F(CliPlotTest, WritesEachKindAsSvgAndPng) {
  for (const char* kind : {"distribution", "spiral", "runs"}) {
    const std::string svg = Out(std::string(kind) + ".svg");
    const std::string said = RunOk({"pi", "plot", db_, "p", "--kind", kind, "--out", svg});
    EXPECT_EQ(said.rfind("wrote " + svg + " (", 0), 0u) << said;
    const std::string text = ReadFile(svg);
    EXPECT_EQ(text.rfind("<?xml", 0), 0u) << kind;
    EXPECT_NE(text.find("</svg>"), std::string::npos) << kind;
    EXPECT_NE(text.find("p&apos;</title>"), std::string::npos) << kind;

    const std::string png = Out(std::string(kind) + ".png");
    RunOk({"pi", "plot", db_, "p", "--kind", kind, "--out", png});
    png_image image;
    std::memset(&image, 0, sizeof(image));
    image.version = PNG_IMAGE_VERSION;
    const std::string bytes = ReadFile(png);
    ASSERT_TRUE(png_image_begin_read_from_memory(&image, bytes.data(), bytes.size())) << kind;
    EXPECT_GE(image.width, 400u) << kind;
    png_image_free(&image);
  }
  // --max-digits caps what is shown, and the picture says so.
  RunOk({"pi", "plot", db_, "p", "--kind", "distribution", "--out", Out("d.svg"), "--max-digits",
         "1000"});
  EXPECT_NE(ReadFile(Out("d.svg")).find("first 1,000 of 3,000 digits"), std::string::npos);
}

TEST_F(CliPlotTest, WorksWhileAnotherProcessHoldsTheDatabase) {
  std::unique_ptr<DB> held;
  ASSERT_TRUE(DB::Open(Options(), db_, &held).ok());
  RunOk({"pi", "plot", db_, "p", "--kind", "spiral", "--out", Out("s.png")});
  EXPECT_TRUE(std::filesystem::exists(Out("s.png")));
}

TEST_F(CliPlotTest, RefusalsAreOneLineAndWriteNothing) {
  std::filesystem::create_directory(Out("dir.svg"));
  ExpectRefusals({
      {{"pi", "plot", db_, "absent", "--kind", "runs", "--out", Out("a.svg")}, 2, "absent"},
      {{"pi", "plot", db_, "p", "--kind", "pie", "--out", Out("a.svg")},
       2,
       "unknown plot kind 'pie'"},
      {{"pi", "plot", db_, "p", "--kind", "runs", "--out", Out("a.jpg")},
       2,
       "must end in .svg or .png"},
      {{"pi", "plot", db_, "p", "--kind", "runs", "--out", Out("no/such/a.svg")},
       2,
       "does not exist"},
      {{"pi", "plot", db_, "p", "--kind", "runs", "--out", Out("dir.svg")}, 2, "is a directory"},
      {{"pi", "plot", db_, "p", "--kind", "spiral", "--out", Out("a.png"), "--max-digits",
        "99999999"},
       2,
       "at most 4194304 digits"},
      {{"pi", "plot", db_, "p", "--kind", "runs"}, 2, "missing --out"},
      {{"pi", "plot", db_, "p", "--kind", "runs", "--out", Out("a.svg"), "--max-digits", "0"},
       2,
       "at least 1"},
      {{"pi", "plot", dir_ + "/nodb", "p", "--kind", "runs", "--out", Out("a.svg")},
       2,
       "does not exist"},
  });
  ExpectNothingWrittenBut({"dir.svg"});
}

}  // namespace
}  // namespace spirapi
