// Small JSON helpers shared by the schema code.

#ifndef SPIRAPI_SCHEMA_SCHEMA_JSON_H_
#define SPIRAPI_SCHEMA_SCHEMA_JSON_H_

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string>
#include <string_view>

#include "util/json.h"
#include "util/json_document.h"

namespace spirapi::schema {

// Parses caller-supplied JSON (records, field definitions, JSON Schemas,
// filter values) into *doc; false if it is not JSON, holds a number too
// large for a double, or nests deeper than kMaxJsonDepth, with the reason in
// *error if given. RapidJSON's DOM parse and CompactJson recurse once per
// level: unchecked, a few hundred KB of '[' overflow the stack.
inline bool ParseInputJson(std::string_view text, rapidjson::Document* doc,
                           std::string* error = nullptr) {
  if (JsonNestsDeeperThan(text, kMaxJsonDepth)) {
    if (error != nullptr) *error = "nests deeper than " + std::to_string(kMaxJsonDepth) + " levels";
    return false;
  }
  return ParseJsonDocument(text, doc, error);
}

// The compact JSON text of a value.
inline std::string CompactJson(const rapidjson::Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  v.Accept(w);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// `text` as a JSON string literal.
inline std::string JsonQuote(std::string_view text) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace spirapi::schema

#endif  // SPIRAPI_SCHEMA_SCHEMA_JSON_H_
