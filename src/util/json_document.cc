#include "util/json_document.h"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>

namespace spirapi {
namespace {

// A SAX handler that forwards every event to the document, except that
// numbers arrive as text (kParseNumbersAsStringsFlag) and are converted here.
class ExactNumbers {
 public:
  explicit ExactNumbers(rapidjson::Document& doc) : doc_(doc) {}

  bool Null() { return doc_.Null(); }
  bool Bool(bool b) { return doc_.Bool(b); }
  bool Int(int i) { return doc_.Int(i); }
  bool Uint(unsigned u) { return doc_.Uint(u); }
  bool Int64(int64_t i) { return doc_.Int64(i); }
  bool Uint64(uint64_t u) { return doc_.Uint64(u); }
  bool Double(double d) { return doc_.Double(d); }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return doc_.String(s, n, copy); }
  bool StartObject() { return doc_.StartObject(); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return doc_.Key(s, n, copy); }
  bool EndObject(rapidjson::SizeType members) { return doc_.EndObject(members); }
  bool StartArray() { return doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType elements) { return doc_.EndArray(elements); }

  // `text` is a valid JSON number: the reader checked its syntax.
  bool RawNumber(const char* text, rapidjson::SizeType length, bool) {
    const char* end = text + length;
    const bool minus = *text == '-';
    const char* digits = minus ? text + 1 : text;
    bool integral = true;
    for (const char* p = digits; p < end; ++p) {
      if (*p == '.' || *p == 'e' || *p == 'E') integral = false;
    }
    if (integral) {
      uint64_t magnitude = 0;
      if (std::from_chars(digits, end, magnitude).ec == std::errc()) {
        if (!minus) {
          return magnitude <= std::numeric_limits<unsigned>::max()
                     ? doc_.Uint(static_cast<unsigned>(magnitude))
                     : doc_.Uint64(magnitude);
        }
        if (magnitude <= 0x80000000u) {
          return doc_.Int(static_cast<int>(-static_cast<int64_t>(magnitude)));
        }
        if (magnitude <= 0x8000000000000000u) {
          return doc_.Int64(static_cast<int64_t>(0 - magnitude));
        }
      }
      // Beyond 64 bits: RapidJSON would make it a double, which would store
      // another number than the one given. Refused instead.
      return Refuse(text, length, " does not fit in 64 bits (store it as a string, or as a "
                                  "float such as 1.5e21)");
    }
    double value = 0;
    const auto [ptr, ec] = std::from_chars(text, end, value);
    if (ec == std::errc::result_out_of_range) {
      // Underflow rounds to zero, as in RapidJSON; overflow is an error.
      const bool negative_exponent = [&] {
        for (const char* p = text; p + 1 < end; ++p) {
          if ((*p == 'e' || *p == 'E') && p[1] == '-') return true;
        }
        return false;
      }();
      if (!negative_exponent) return Refuse(text, length, kTooLarge);
      value = minus ? -0.0 : 0.0;
    } else if (ec != std::errc() || ptr != end || !std::isfinite(value)) {
      return Refuse(text, length, kTooLarge);  // not expected for a number the reader checked
    }
    return doc_.Double(value);
  }

  // Why the parse stopped at a number, if it did: "number ... is too large ...".
  const std::string& refused() const { return refused_; }

 private:
  static constexpr const char* kTooLarge = " is too large for a double";

  bool Refuse(const char* text, rapidjson::SizeType length, const char* why) {
    refused_ = "number " + std::string(text, std::min<size_t>(length, 40));
    if (length > 40) refused_ += "...";
    refused_ += why;
    return false;
  }

  rapidjson::Document& doc_;
  std::string refused_;
};

struct Parse {
  std::string_view text;
  std::string error;
  bool operator()(rapidjson::Document& doc) {
    ExactNumbers handler(doc);
    rapidjson::MemoryStream stream(text.data(), text.size());
    rapidjson::Reader reader;
    const rapidjson::ParseResult result =
        reader.Parse<rapidjson::kParseNumbersAsStringsFlag>(stream, handler);
    if (!handler.refused().empty()) {
      error = handler.refused();
    } else if (result.IsError()) {
      error = "not valid JSON at offset " + std::to_string(result.Offset()) + ": " +
              rapidjson::GetParseError_En(result.Code());
    }
    return error.empty();
  }
};

}  // namespace

bool ParseJsonDocument(std::string_view text, rapidjson::Document* doc, std::string* error) {
  Parse parse{text, {}};
  doc->Populate(parse);
  if (parse.error.empty()) return true;
  doc->SetNull();
  if (error != nullptr) *error = std::move(parse.error);
  return false;
}

void RecycleDocument(rapidjson::Document* doc) {
  if (doc->GetAllocator().Size() < (1u << 20)) return;
  doc->SetNull();
  doc->GetAllocator().Clear();
}

}  // namespace spirapi
