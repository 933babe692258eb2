#include "schema/field_value.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>
#include <vector>

#include "schema/schema_json.h"
#include "util/base64.h"
#include "util/json_document.h"

namespace spirapi::schema {
namespace {

std::string Show(const rapidjson::Value& v) {
  std::string text = CompactJson(v);
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

std::string Number(double v) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.17g", v);
  return text;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Days from 1970-01-01 to the given civil date (proleptic Gregorian).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
  return month == 2 && leap ? 29 : kDays[month - 1];
}

bool IsPiSequence(std::string_view s) {
  if (s.starts_with("3.")) s.remove_prefix(2);
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

// Characters, not bytes, for length rules on text.
uint64_t Utf8Length(std::string_view s) {
  uint64_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::string CheckType(FieldType type, const rapidjson::Value& v) {
  const char* want = FieldTypeName(type);
  switch (type) {
    case FieldType::kString:
      return v.IsString() ? "" : Show(v) + " is not a string";
    case FieldType::kInteger:
      if (v.IsInt64() || v.IsUint64()) return "";
      return Show(v) + " is not an integer";
    case FieldType::kFloat:
      return v.IsNumber() ? "" : Show(v) + " is not a number";
    case FieldType::kBoolean:
      return v.IsBool() ? "" : Show(v) + " is not a boolean";
    case FieldType::kDatetime: {
      double ignored;
      std::string why;
      if (v.IsString() &&
          ParseIsoDatetime(std::string_view(v.GetString(), v.GetStringLength()), &ignored, &why)) {
        return "";
      }
      return Show(v) + " is not an ISO 8601 date or datetime" + (why.empty() ? "" : ": " + why);
    }
    case FieldType::kJson:
      return "";
    case FieldType::kBlob: {
      std::string bytes;
      if (v.IsString() &&
          DecodeBase64(std::string_view(v.GetString(), v.GetStringLength()), &bytes)) {
        return "";
      }
      return Show(v) + " is not base64";
    }
    case FieldType::kPiSequence:
      if (v.IsString() && IsPiSequence(std::string_view(v.GetString(), v.GetStringLength()))) {
        return "";
      }
      return Show(v) + " is not a string of decimal digits";
    case FieldType::kSpiralCoordinate:
      if (v.IsArray() && v.Size() == 2 && v[0].IsNumber() && v[1].IsNumber()) return "";
      return Show(v) + " is not an [x, y] pair of numbers";
    case FieldType::kReference:
      // Record ids never hold '/' (keys are "rec/<schema>/<id>").
      if (v.IsString() && v.GetStringLength() > 0 && v.GetStringLength() <= 128 &&
          std::string_view(v.GetString(), v.GetStringLength()).find('/') ==
              std::string_view::npos) {
        return "";
      }
      return Show(v) + " is not a record id";
  }
  return std::string("not a ") + want;
}

}  // namespace

bool ParseIsoDatetime(std::string_view s, double* seconds, std::string* why) {
  auto impossible = [why](std::string reason) {
    if (why != nullptr) *why = std::move(reason);
    return false;
  };
  auto digits = [&](size_t at, size_t n) {
    if (at + n > s.size()) return false;
    for (size_t i = at; i < at + n; ++i) {
      if (!IsDigit(s[i])) return false;
    }
    return true;
  };
  auto value = [&](size_t at, size_t n) { return std::stoi(std::string(s.substr(at, n))); };
  if (!digits(0, 4) || s.size() < 10 || s[4] != '-' || !digits(5, 2) || s[7] != '-' ||
      !digits(8, 2)) {
    return false;
  }
  const int year = value(0, 4), month = value(5, 2), day = value(8, 2);
  if (month < 1 || month > 12) {
    return impossible("there is no month " + std::string(s.substr(5, 2)));
  }
  if (day < 1 || day > DaysInMonth(year, month)) {
    return impossible(std::string(s.substr(0, 7)) + " has no day " + std::string(s.substr(8, 2)));
  }
  const double midnight = 86400.0 * static_cast<double>(DaysFromCivil(year, month, day));
  *seconds = midnight;
  if (s.size() == 10) return true;
  if ((s[10] != 'T' && s[10] != ' ') || !digits(11, 2) || s.size() < 16 || s[13] != ':' ||
      !digits(14, 2)) {
    return false;
  }
  if (value(11, 2) > 23 || value(14, 2) > 59) {
    return impossible("there is no time of day " + std::string(s.substr(11, 5)));
  }
  *seconds = midnight + 3600.0 * value(11, 2) + 60.0 * value(14, 2);
  size_t at = 16;
  if (at < s.size() && s[at] == ':') {
    if (!digits(at + 1, 2)) return false;
    if (value(at + 1, 2) > 60) {  // 60: a leap second
      return impossible("there is no second " + std::string(s.substr(at + 1, 2)));
    }
    *seconds += value(at + 1, 2);
    at += 3;
    if (at < s.size() && s[at] == '.') {
      ++at;
      const size_t start = at;
      while (at < s.size() && IsDigit(s[at])) ++at;
      if (at == start) return false;
      *seconds += std::stod("0." + std::string(s.substr(start, at - start)));
    }
  }
  if (at == s.size()) return true;  // no zone: UTC
  if (s[at] == 'Z') return at + 1 == s.size();
  if (s[at] != '+' && s[at] != '-') return false;
  if (at + 6 != s.size() || !digits(at + 1, 2) || s[at + 3] != ':' || !digits(at + 4, 2)) {
    return false;
  }
  // RFC 3339 allows offsets of up to 23:59 (those in use lie within
  // -12:00..+14:00).
  if (value(at + 1, 2) > 23 || value(at + 4, 2) > 59) {
    return impossible("the UTC offset " + std::string(s.substr(at)) +
                      " is beyond -23:59..+23:59");
  }
  const double offset = 3600.0 * value(at + 1, 2) + 60.0 * value(at + 4, 2);
  *seconds += s[at] == '+' ? -offset : offset;
  return true;
}



std::string CheckValue(const FieldDef& def, const rapidjson::Value& value, bool check_enum) {
  if (value.IsNull()) return "";
  std::string why = CheckType(def.type, value);
  if (!why.empty()) return why;
  if (value.IsString()) {
    const std::string_view text(value.GetString(), value.GetStringLength());
    const uint64_t length = Utf8Length(text);
    if (def.min_length && length < *def.min_length) {
      return Show(value) + " is shorter than min_length " + std::to_string(*def.min_length);
    }
    if (def.max_length && length > *def.max_length) {
      return Show(value) + " is longer than max_length " + std::to_string(*def.max_length);
    }
    if (def.compiled_pattern &&
        !re2::RE2::FullMatch(re2::StringPiece(text.data(), text.size()), *def.compiled_pattern)) {
      return Show(value) + " does not match pattern " + def.pattern;
    }
  } else if (value.IsArray()) {
    if (def.min_length && value.Size() < *def.min_length) {
      return "array shorter than min_length " + std::to_string(*def.min_length);
    }
    if (def.max_length && value.Size() > *def.max_length) {
      return "array longer than max_length " + std::to_string(*def.max_length);
    }
  }
  if (value.IsNumber()) {
    const double x = value.GetDouble();
    if (def.min_value && x < *def.min_value) {
      return Show(value) + " is below min_value " + Number(*def.min_value);
    }
    if (def.max_value && x > *def.max_value) {
      return Show(value) + " is above max_value " + Number(*def.max_value);
    }
  }
  if (check_enum && !def.enum_json.empty()) {
    rapidjson::Document allowed;
    ParseJsonDocument(def.enum_json, &allowed);
    for (const auto& a : allowed.GetArray()) {
      if (a == value) return "";
    }
    return Show(value) + " is not one of " + def.enum_json;
  }
  return "";
}

namespace {

// A double's text: an integral value in the range of JSON integers as an
// integer (so that it equals the integer), anything else as its shortest
// round-trip form.
std::string CanonicalDouble(double x) {
  if (std::trunc(x) == x) {
    if (x >= -9223372036854775808.0 && x < 9223372036854775808.0) {
      return std::to_string(static_cast<int64_t>(x));  // -0.0 too: "0"
    }
    if (x >= 0 && x < 18446744073709551616.0) return std::to_string(static_cast<uint64_t>(x));
  }
  return CompactJson(rapidjson::Value(x));
}

void AppendCanonical(FieldType type, const rapidjson::Value& v, std::string* out) {
  if (v.IsNumber()) {
    if (type == FieldType::kFloat || v.IsDouble()) {
      *out += CanonicalDouble(v.GetDouble());
    } else {
      *out += v.IsInt64() ? std::to_string(v.GetInt64()) : std::to_string(v.GetUint64());
    }
  } else if (v.IsArray()) {
    *out += '[';
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      if (i > 0) *out += ',';
      AppendCanonical(FieldType::kJson, v[i], out);
    }
    *out += ']';
  } else if (v.IsObject()) {
    std::vector<const rapidjson::Value::Member*> members;
    for (const auto& m : v.GetObject()) members.push_back(&m);
    std::sort(members.begin(), members.end(), [](const auto* a, const auto* b) {
      return std::string_view(a->name.GetString(), a->name.GetStringLength()) <
             std::string_view(b->name.GetString(), b->name.GetStringLength());
    });
    *out += '{';
    for (const auto* m : members) {
      if (out->back() != '{') *out += ',';
      *out += CompactJson(m->name) + ':';
      AppendCanonical(FieldType::kJson, m->value, out);
    }
    *out += '}';
  } else {
    *out += CompactJson(v);  // strings quoted, true, false, null
  }
}

}  // namespace

std::string CanonicalValue(FieldType type, const rapidjson::Value& value) {
  std::string out;
  AppendCanonical(type, value, &out);
  return out;
}

FieldType InferType(const rapidjson::Value& value) {
  if (value.IsBool()) return FieldType::kBoolean;
  if (value.IsInt64() || value.IsUint64()) return FieldType::kInteger;
  if (value.IsNumber()) return FieldType::kFloat;
  if (value.IsString()) return FieldType::kString;
  return FieldType::kJson;
}

FieldType WidenType(FieldType current, FieldType seen) {
  if (current == seen) return current;
  auto numeric = [](FieldType t) { return t == FieldType::kInteger || t == FieldType::kFloat; };
  auto textual = [](FieldType t) {
    return t == FieldType::kString || t == FieldType::kDatetime || t == FieldType::kBlob ||
           t == FieldType::kPiSequence;
  };
  if (numeric(current) && numeric(seen)) return FieldType::kFloat;
  if ((numeric(current) || textual(current)) && (numeric(seen) || textual(seen))) {
    return FieldType::kString;
  }
  return FieldType::kJson;
}

}  // namespace spirapi::schema
