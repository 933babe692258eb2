#include "plot/png.h"

#include <png.h>

#include <csetjmp>
#include <vector>

namespace spirapi::plot {
namespace {

void AppendToString(png_structp png, png_bytep data, png_size_t length) {
  auto* out = static_cast<std::string*>(png_get_io_ptr(png));
  out->append(reinterpret_cast<const char*>(data), length);
}

void NoFlush(png_structp) {}

// Text chunks hold Latin-1: anything else becomes '?', which keeps the
// chunk valid whatever the title holds.
std::string Latin1(std::string_view utf8) {
  std::string out;
  for (size_t i = 0; i < utf8.size(); ++i) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    if (c < 0x80) {
      out += (c >= 0x20 || c == '\n') ? static_cast<char>(c) : '?';
    } else if ((c == 0xc2 || c == 0xc3) && i + 1 < utf8.size()) {
      const auto next = static_cast<unsigned char>(utf8[++i]);
      const unsigned code = ((c & 0x1f) << 6) | (next & 0x3f);
      out += code >= 0xa0 ? static_cast<char>(code) : '?';
    } else if (c >= 0xc0) {
      out += '?';
      while (i + 1 < utf8.size() && (static_cast<unsigned char>(utf8[i + 1]) & 0xc0) == 0x80) ++i;
    } else {
      out += '?';
    }
  }
  return out;
}

}  // namespace

Status EncodePng(const Raster& raster, std::string_view title, std::string_view description,
                 std::string* out) {
  if (raster.width <= 0 || raster.height <= 0) {
    return Status::InvalidArgument("cannot write an empty picture as PNG");
  }
  out->clear();
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  if (png == nullptr) return Status::IOError("libpng: cannot create a writer");
  png_infop info = png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_write_struct(&png, nullptr);
    return Status::IOError("libpng: cannot create a writer");
  }
  // Declared before setjmp so that a longjmp leaves them valid.
  std::string title_text = Latin1(title);
  std::string description_text = Latin1(description);
  std::vector<png_bytep> rows(raster.height);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    out->clear();
    return Status::IOError("libpng failed to encode the picture");
  }
  png_set_write_fn(png, out, AppendToString, NoFlush);
  png_set_IHDR(png, info, raster.width, raster.height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_text text[2] = {};
  text[0].compression = PNG_TEXT_COMPRESSION_NONE;
  text[0].key = const_cast<char*>("Title");
  text[0].text = title_text.data();
  text[1].compression = PNG_TEXT_COMPRESSION_NONE;
  text[1].key = const_cast<char*>("Description");
  text[1].text = description_text.data();
  png_set_text(png, info, text, description_text.empty() ? 1 : 2);
  png_write_info(png, info);
  for (int y = 0; y < raster.height; ++y) {
    rows[y] = const_cast<png_bytep>(&raster.rgb[static_cast<size_t>(y) * raster.width * 3]);
  }
  png_write_image(png, rows.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return Status::OK();
}

}  // namespace spirapi::plot
