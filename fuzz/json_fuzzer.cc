// Fuzzes NormalizeJson, which every record's data and metadata pass through
// on the write path. Input: one mode byte (bit 0: must be an object, as
// metadata), then the JSON text.
// Checks: the fast path (simdjson, for compact text without escapes) and the
// slow path (RapidJSON re-serialisation; forced by a trailing space) accept
// exactly the same texts and produce the same output; the output is valid
// UTF-8 and normalises to itself; AppendJsonString (ids in printed records)
// writes a string literal that normalises to itself; ParseJsonDocument
// (the schema layer's parser) accepts what NormalizeJson accepts, unless a
// number is too large for a double or an integer for 64 bits, and every
// number it returns is what
// glibc's strtod makes of the text (exact).

#include "fuzz_util.h"
#include "spirapi/record.h"
#include "util/json.h"
#include "util/json_document.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace spirapi::fuzz {
namespace {

// Walks `exact` (ParseJsonDocument) beside `raw` (the same text with numbers
// kept as strings) and checks every number against strtod.
void CheckNumbers(const rapidjson::Value& exact, const rapidjson::Value& raw) {
  if (raw.IsString() && exact.IsNumber()) {
    const std::string text(raw.GetString(), raw.GetStringLength());
    if (exact.IsInt64() || exact.IsUint64()) {
      const std::string printed =
          exact.IsUint64() ? std::to_string(exact.GetUint64()) : std::to_string(exact.GetInt64());
      FUZZ_CHECK(printed == text || (text == "-0" && printed == "0"));
    } else {
      FUZZ_CHECK(exact.IsDouble());
      errno = 0;
      const double expected = std::strtod(text.c_str(), nullptr);
      FUZZ_CHECK(exact.GetDouble() == expected);
      FUZZ_CHECK(std::signbit(exact.GetDouble()) == std::signbit(expected));
    }
    return;
  }
  FUZZ_CHECK(exact.GetType() == raw.GetType());
  if (exact.IsArray()) {
    FUZZ_CHECK(exact.Size() == raw.Size());
    for (rapidjson::SizeType i = 0; i < exact.Size(); ++i) CheckNumbers(exact[i], raw[i]);
  } else if (exact.IsObject()) {
    FUZZ_CHECK(exact.MemberCount() == raw.MemberCount());
    auto e = exact.MemberBegin();
    for (auto r = raw.MemberBegin(); r != raw.MemberEnd(); ++r, ++e) {
      FUZZ_CHECK(e->name == r->name);
      CheckNumbers(e->value, r->value);
    }
  }
}

void Check(std::string_view input) {
  if (input.empty()) return;
  const JsonKind kind = (input[0] & 1) ? JsonKind::kObject : JsonKind::kAnyValue;
  const std::string_view text = input.substr(1);

  std::string out, slow_out;
  const Status s = NormalizeJson(text, kind, "data", &out);
  const Status slow = NormalizeJson(std::string(text) + " ", kind, "data", &slow_out);
  FUZZ_CHECK(s.ok() == slow.ok());
  FUZZ_CHECK(s.ok() || s.IsInvalidArgument());
  if (s.ok()) {
    FUZZ_CHECK(out == slow_out);
    FUZZ_CHECK(IsValidUtf8(out));
    FUZZ_CHECK(kind != JsonKind::kObject || out.front() == '{');
    std::string again;
    FUZZ_CHECK(NormalizeJson(out, kind, "data", &again).ok());
    FUZZ_CHECK(again == out);

    // Valid JSON; ParseJsonDocument refuses only numbers past a double's
    // range and integers past 64 bits.
    rapidjson::Document exact, raw;
    std::string error;
    if (ParseJsonDocument(out, &exact, &error)) {
      raw.Parse<rapidjson::kParseNumbersAsStringsFlag>(out.data(), out.size());
      FUZZ_CHECK(!raw.HasParseError());
      CheckNumbers(exact, raw);
    } else {
      FUZZ_CHECK(error.find("is too large for a double") != std::string::npos ||
                 error.find("does not fit in 64 bits") != std::string::npos);
    }
  }

  if (IsValidUtf8(text)) {
    std::string quoted, again;
    AppendJsonString(&quoted, text);
    FUZZ_CHECK(NormalizeJson(quoted, JsonKind::kAnyValue, "id", &again).ok());
    FUZZ_CHECK(again == quoted);
  }
}

// The JSON the library prints (records as ToJson writes them, their data
// and metadata), and hand-written text with white space and escapes.
void WriteSeeds(const std::function<void(std::string_view)>& add) {
  for (const std::string& bytes : SampleRecords()) {
    RecordView r;
    FUZZ_CHECK(DecodeRecord(bytes, &r).ok());
    StorageRecord record;
    ToStorageRecord(r, &record);
    add("\x01" + record.ToJson());
    if (!r.data.empty()) add("\x00" + std::string(r.data));
    if (!r.metadata.empty()) add("\x01" + std::string(r.metadata));
  }
  for (const char* text :
       {"{ \"a\" : [1, -2.5e+10, true, false, null],\n \"b\": {\"c\": \"\\u00e9\\n\\\"\"} }",
        "\"\\ud834\\udd1e\"", "[[[[[]]]]]", "  12345678901234567890123  ", "\"\xc3\xa9t\xc3\xa9\""}) {
    add(std::string(1, '\0') + text);
  }
}

}  // namespace
}  // namespace spirapi::fuzz

SPIRAPI_FUZZ_TARGET(spirapi::fuzz::Check, spirapi::fuzz::WriteSeeds)
