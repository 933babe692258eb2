#include "util/json.h"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <simdjson.h>

#include <cstring>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "util/thread_cache.h"

namespace spirapi {
namespace {

// Forwards SAX events to a Writer and remembers whether the top-level value
// began as an object.
class NormalizingHandler {
 public:
  explicit NormalizingHandler(rapidjson::Writer<rapidjson::StringBuffer>* w) : w_(w) {}

  bool Null() { return Note(false) && w_->Null(); }
  bool Bool(bool b) { return Note(false) && w_->Bool(b); }
  bool Int(int i) { return Note(false) && w_->Int(i); }
  bool Uint(unsigned u) { return Note(false) && w_->Uint(u); }
  bool Int64(int64_t i) { return Note(false) && w_->Int64(i); }
  bool Uint64(uint64_t u) { return Note(false) && w_->Uint64(u); }
  bool Double(double d) { return Note(false) && w_->Double(d); }
  // Writer::RawNumber in RapidJSON 1.1.0 quotes the number; RawValue does not.
  bool RawNumber(const char* s, rapidjson::SizeType n, bool /*copy*/) {
    return Note(false) && w_->RawValue(s, n, rapidjson::kNumberType);
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) {
    return Note(false) && w_->String(s, n, copy);
  }
  bool StartObject() { return Note(true) && Enter() && w_->StartObject(); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return w_->Key(s, n, copy); }
  bool EndObject(rapidjson::SizeType n) { return Leave() && w_->EndObject(n); }
  bool StartArray() { return Note(false) && Enter() && w_->StartArray(); }
  bool EndArray(rapidjson::SizeType n) { return Leave() && w_->EndArray(n); }

  bool top_is_object() const { return top_is_object_; }
  bool too_deep() const { return too_deep_; }

 private:
  bool Note(bool is_object) {
    if (!seen_first_) {
      seen_first_ = true;
      top_is_object_ = is_object;
    }
    return true;
  }

  bool Enter() {
    if (++depth_ <= kMaxJsonDepth) return true;
    too_deep_ = true;
    return false;
  }
  bool Leave() {
    --depth_;
    return true;
  }

  rapidjson::Writer<rapidjson::StringBuffer>* w_;
  int depth_ = 0;
  bool too_deep_ = false;
  bool seen_first_ = false;
  bool top_is_object_ = false;
};

// True if `in` contains no backslash and no white space outside strings. For
// valid JSON, that is exactly when the slow path's output equals the input:
// the writer drops only insignificant white space and rewrites only escapes;
// numbers are kept verbatim and other bytes of strings are copied as they are.
bool IsCompactWithoutEscapes(std::string_view in) {
  bool in_string = false;
  // Byte by byte over [from, to).
  auto bytes_ok = [&](size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      const char ch = in[i];
      if (ch == '"') {
        in_string = !in_string;
      } else if (ch == '\\') {
        return false;
      } else if (!in_string && (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r')) {
        return false;
      }
    }
    return true;
  };
  size_t i = 0;
#ifdef __SSE2__
  // Sixteen bytes at a time: without a backslash or white space in them, only
  // the parity of their quotes matters.
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i space = _mm_set1_epi8(' ');
  const __m128i tab = _mm_set1_epi8('\t');
  const __m128i newline = _mm_set1_epi8('\n');
  const __m128i cr = _mm_set1_epi8('\r');
  for (; i + 16 <= in.size(); i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in.data() + i));
    if (_mm_movemask_epi8(_mm_cmpeq_epi8(v, backslash)) != 0) return false;
    const __m128i ws = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, space), _mm_cmpeq_epi8(v, tab)),
                                    _mm_or_si128(_mm_cmpeq_epi8(v, newline), _mm_cmpeq_epi8(v, cr)));
    if (_mm_movemask_epi8(ws) != 0) {
      if (!bytes_ok(i, i + 16)) return false;
      continue;
    }
    const int quotes = _mm_movemask_epi8(_mm_cmpeq_epi8(v, quote));
    in_string ^= (__builtin_popcount(static_cast<unsigned>(quotes)) & 1) != 0;
  }
#endif
  return bytes_ok(i, in.size());
}

// Inputs larger than this skip the fast path: its parser's buffers grow with
// the input and stay allocated per thread.
constexpr size_t kFastPathMaxBytes = 64 * 1024;

// Whether `in` may hold a number with a positive exponent of three or more
// digits (a digit, 'e' or 'E', an optional '+', three digits; in strings too,
// harmlessly). RapidJSON refuses such an exponent above 308 even where the
// value is finite (0e400, 0.0E+999) and simdjson accepts it, so the fast
// path leaves them to the slow one: both paths must accept the same texts.
bool MayHaveLongExponent(std::string_view in) {
  for (const char e : {'e', 'E'}) {
    const char* p = in.data();
    const char* const end = in.data() + in.size();
    while ((p = static_cast<const char*>(std::memchr(p, e, end - p))) != nullptr) {
      const char* q = p + 1;
      const bool after_digit = p > in.data() && p[-1] >= '0' && p[-1] <= '9';
      if (q < end && *q == '+') ++q;
      int digits = 0;
      while (q < end && *q >= '0' && *q <= '9' && digits < 3) {
        ++q;
        ++digits;
      }
      if (after_digit && digits == 3) return true;
      p = p + 1;
    }
  }
  return false;
}

// Whether `in` may hold an integer part of 300 or more digits. RapidJSON
// refuses an integer from 1.8e307 (308 digits), a tenth of the largest double,
// which simdjson accepts. True for every run of 300 digits (and some shorter
// ones, and digits in strings: they merely take the slow path).
bool MayHaveLongDigitRun(std::string_view in) {
  size_t i = 0;
#ifdef __SSE2__
  // A run of 300 digits covers at least 17 whole 16-byte chunks.
  int digit_chunks = 0;
  const __m128i below_zero = _mm_set1_epi8('0' - 1);
  const __m128i above_nine = _mm_set1_epi8('9' + 1);
  for (; i + 16 <= in.size(); i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in.data() + i));
    const __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, below_zero), _mm_cmplt_epi8(v, above_nine));
    digit_chunks = _mm_movemask_epi8(digit) == 0xffff ? digit_chunks + 1 : 0;
    if (digit_chunks >= 17) return true;
  }
#endif
  int run = 0;
  for (; i < in.size(); ++i) {
    run = in[i] >= '0' && in[i] <= '9' ? run + 1 : 0;
    if (run >= 300) return true;
  }
  return false;
}

struct FastParser {
  simdjson::dom::parser parser;
  bool allocated = false;
};

// The common case, machine-written compact JSON without escapes: validate it
// with simdjson (several times faster than the SAX re-serialisation) and keep
// it as it is. Returns false when the slow path must decide, which includes
// every invalid input (so errors are reported one way), valid JSON that
// simdjson refuses (numbers beyond double range, deep nesting) and numbers
// that RapidJSON may refuse though simdjson does not (MayHaveLongExponent,
// MayHaveLongDigitRun).
bool AcceptCompactJson(std::string_view in, JsonKind kind) {
  if (in.empty() || in.size() > kFastPathMaxBytes) return false;
  if (kind == JsonKind::kObject && in.front() != '{') return false;
  if (!IsCompactWithoutEscapes(in) || MayHaveLongExponent(in) || MayHaveLongDigitRun(in)) {
    return false;
  }
  FastParser* fast = ThreadCache<FastParser>::Get();
  if (fast == nullptr) return false;  // at exit: RapidJSON decides alone
  if (!fast->allocated) {
    // With max_depth 512 simdjson accepts at most 512 nested arrays and 511
    // nested objects: never more than kMaxJsonDepth.
    if (fast->parser.allocate(4096, kMaxJsonDepth) != simdjson::SUCCESS) return false;
    fast->allocated = true;
  }
  simdjson::dom::element root;
  return fast->parser.parse(in.data(), in.size(), /*realloc_if_needed=*/true).get(root) ==
         simdjson::SUCCESS;
}

}  // namespace

Status NormalizeJson(std::string_view in, JsonKind kind, const char* what, std::string* out) {
  // One pass over the bytes with an ASCII fast path is several times faster
  // than RapidJSON's per-character validation inside strings.
  if (AcceptCompactJson(in, kind)) {
    out->assign(in);
    return Status::OK();
  }
  if (!IsValidUtf8(in)) return Status::InvalidArgument(std::string(what) + " is not valid UTF-8");
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  NormalizingHandler handler(&writer);
  rapidjson::Reader reader;
  rapidjson::MemoryStream stream(in.data(), in.size());
  // Numbers are validated but kept as written: re-printing a double can
  // change its spelling, and the stored text is what the checksum covers.
  // Iterative parsing: nesting depth cannot exhaust the stack.
  constexpr unsigned kFlags = rapidjson::kParseIterativeFlag |
                              rapidjson::kParseNumbersAsStringsFlag |
                              rapidjson::kParseStopWhenDoneFlag;
  rapidjson::ParseResult result = reader.Parse<kFlags>(stream, handler);
  if (handler.too_deep()) {
    return Status::InvalidArgument(std::string(what) + " nests deeper than " +
                                   std::to_string(kMaxJsonDepth) + " levels");
  }
  if (!result) {
    return Status::InvalidArgument(std::string(what) + " is not valid JSON at offset " +
                                   std::to_string(result.Offset()) + ": " +
                                   rapidjson::GetParseError_En(result.Code()));
  }
  // kParseStopWhenDoneFlag lets us reject trailing garbage with a clear offset.
  size_t end = stream.Tell();
  while (end < in.size() && (in[end] == ' ' || in[end] == '\t' || in[end] == '\n' ||
                             in[end] == '\r')) {
    ++end;
  }
  if (end != in.size()) {
    return Status::InvalidArgument(std::string(what) + " is not valid JSON at offset " +
                                   std::to_string(end) + ": unexpected text after the value");
  }
  if (kind == JsonKind::kObject && !handler.top_is_object()) {
    return Status::InvalidArgument(std::string(what) + " must be a JSON object");
  }
  // RapidJSON decodes an unpaired surrogate escape (\udc00) to bytes that are
  // not UTF-8; such text cannot be stored or printed faithfully.
  std::string_view normalized(buffer.GetString(), buffer.GetSize());
  if (!IsValidUtf8(normalized)) {
    return Status::InvalidArgument(std::string(what) +
                                   " contains an unpaired UTF-16 surrogate escape");
  }
  out->assign(normalized);
  return Status::OK();
}

bool JsonNestsDeeperThan(std::string_view in, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < in.size(); ++i) {
    const char ch = in[i];
    if (in_string) {
      if (ch == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (ch == '"') {
        in_string = false;
      }
    } else if (ch == '"') {
      in_string = true;
    } else if (ch == '[' || ch == '{') {
      if (++depth > max_depth) return true;
    } else if (ch == ']' || ch == '}') {
      --depth;
    }
  }
  return false;
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    // Skip eight ASCII bytes at a time.
    while (i + 8 <= s.size()) {
      uint64_t word;
      std::memcpy(&word, s.data() + i, 8);
      if ((word & 0x8080808080808080ull) != 0) break;
      i += 8;
    }
    if (i >= s.size()) break;
    uint8_t c = static_cast<uint8_t>(s[i]);
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (size_t k = 1; k <= n; ++k) {
      uint8_t cc = static_cast<uint8_t>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Reject overlong forms, surrogates and values past U+10FFFF.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

void AppendJsonString(std::string* out, std::string_view s) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  out->append(buffer.GetString(), buffer.GetSize());
}

}  // namespace spirapi
