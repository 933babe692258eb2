#include "schema/schema_export.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "schema/schema_json.h"
#include "util/json_document.h"

namespace spirapi::schema {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr char kDraft[] = "https://json-schema.org/draft/2020-12/schema";
constexpr char kPiPattern[] = "^(3\\.)?[0-9]+$";

void Raw(JsonWriter* w, const std::string& json) {
  w->RawValue(json.data(), json.size(), rapidjson::kObjectType);
}

void Number(JsonWriter* w, double x) {
  if (std::floor(x) == x && std::fabs(x) < 9007199254740992.0) {
    w->Int64(static_cast<int64_t>(x));
  } else {
    w->Double(x);
  }
}

std::string SqlNumber(double x) {
  char text[32];
  if (std::floor(x) == x && std::fabs(x) < 9007199254740992.0) {
    std::snprintf(text, sizeof(text), "%lld", static_cast<long long>(x));
  } else {
    std::snprintf(text, sizeof(text), "%.17g", x);
  }
  return text;
}

// "name" with embedded quotes doubled.
std::string SqlName(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

// Text as an SQL string literal: quotes doubled. SQLite's parser stops at a
// NUL byte, so a NUL is spliced in as char(0) in a parenthesized
// concatenation (valid wherever a literal is, DEFAULT included).
std::string SqlString(std::string_view text) {
  std::string out = "'";
  bool spliced = false;
  for (char c : text) {
    if (c == '\0') {
      out += "' || char(0) || '";
      spliced = true;
      continue;
    }
    out += c;
    if (c == '\'') out += '\'';
  }
  out += "'";
  return spliced ? "(" + out + ")" : out;
}

// A JSON value as an SQL literal: strings quoted, booleans as 1/0, numbers
// as they are, anything else as its JSON text in a string.
std::string SqlLiteral(const rapidjson::Value& v) {
  if (v.IsString()) return SqlString(std::string_view(v.GetString(), v.GetStringLength()));
  if (v.IsBool()) return v.GetBool() ? "1" : "0";
  if (v.IsNumber()) return CompactJson(v);
  if (v.IsNull()) return "NULL";
  return SqlString(CompactJson(v));
}

// Text for inside a /* */ comment, shown as a JSON string: control
// characters escaped, and "*/" written "*\/" (JSON's escape of '/'), so the
// comment cannot end early and the text still reads back exactly.
std::string SqlCommentText(std::string_view text) {
  std::string quoted = JsonQuote(text);
  for (size_t at = quoted.find("*/"); at != std::string::npos; at = quoted.find("*/", at)) {
    quoted.replace(at, 2, "*\\/");
  }
  return quoted;
}

}  // namespace

std::string ExportJsonSchema(const Schema& schema) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("$schema");
  w.String(kDraft);
  w.Key("$id");
  const std::string id = "spirapi:schema/" + schema.name + "/v" + std::to_string(schema.version);
  w.String(id.c_str());
  w.Key("title");
  w.String(schema.name.c_str());
  w.Key("type");
  w.String("object");
  w.Key("x-spirapi-zone");
  w.String(SchemaZoneName(schema.zone));
  w.Key("properties");
  w.StartObject();
  std::vector<std::string> required;
  for (const auto& [name, def] : schema.fields) {
    if (def.required) required.push_back(name);
    w.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
    w.StartObject();
    switch (def.type) {
      case FieldType::kString: w.Key("type"); w.String("string"); break;
      case FieldType::kInteger: w.Key("type"); w.String("integer"); break;
      case FieldType::kFloat: w.Key("type"); w.String("number"); break;
      case FieldType::kBoolean: w.Key("type"); w.String("boolean"); break;
      case FieldType::kDatetime:
        w.Key("type"); w.String("string");
        w.Key("format"); w.String("date-time");
        break;
      case FieldType::kJson: break;  // any value
      case FieldType::kBlob:
        w.Key("type"); w.String("string");
        w.Key("contentEncoding"); w.String("base64");
        break;
      case FieldType::kPiSequence:
        w.Key("type"); w.String("string");
        if (def.pattern.empty()) {
          w.Key("pattern"); w.String(kPiPattern);
        }
        break;
      case FieldType::kSpiralCoordinate:
        w.Key("type"); w.String("array");
        w.Key("prefixItems");
        w.StartArray();
        for (int i = 0; i < 2; ++i) {
          w.StartObject();
          w.Key("type");
          w.String("number");
          w.EndObject();
        }
        w.EndArray();
        w.Key("minItems"); w.Uint(2);
        w.Key("maxItems"); w.Uint(2);
        break;
      case FieldType::kReference:
        w.Key("type"); w.String("string");
        w.Key("x-spirapi-references"); w.String(def.references.c_str());
        w.Key("x-spirapi-on-delete");
        w.String(def.on_delete == OnDelete::kCascade ? "cascade" : "restrict");
        break;
    }
    w.Key("x-spirapi-type");
    w.String(FieldTypeName(def.type));
    const bool array = def.type == FieldType::kJson;  // lengths of json apply to arrays
    if (def.min_length) {
      w.Key(array ? "minItems" : "minLength");
      w.Uint64(*def.min_length);
    }
    if (def.max_length) {
      w.Key(array ? "maxItems" : "maxLength");
      w.Uint64(*def.max_length);
    }
    if (def.min_value) {
      w.Key("minimum");
      Number(&w, *def.min_value);
    }
    if (def.max_value) {
      w.Key("maximum");
      Number(&w, *def.max_value);
    }
    if (!def.pattern.empty()) {
      // JSON Schema patterns match anywhere; SpiraPi's match the whole value.
      const std::string anchored = "^(?:" + def.pattern + ")$";
      w.Key("pattern");
      w.String(anchored.data(), static_cast<rapidjson::SizeType>(anchored.size()));
    }
    if (!def.enum_json.empty()) {
      w.Key("enum");
      w.RawValue(def.enum_json.data(), def.enum_json.size(), rapidjson::kArrayType);
    }
    if (!def.default_json.empty()) {
      w.Key("default");
      Raw(&w, def.default_json);
    }
    if (def.unique) {
      w.Key("x-spirapi-unique");
      w.Bool(true);
    }
    w.EndObject();
  }
  w.EndObject();
  w.Key("required");
  w.StartArray();
  for (const std::string& name : required) {
    w.String(name.data(), static_cast<rapidjson::SizeType>(name.size()));
  }
  w.EndArray();
  w.Key("additionalProperties");
  w.Bool(schema.zone != SchemaZone::kStructured);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

Status ExportSqlDdl(const Schema& schema, std::string* ddl) {
  std::string out = "CREATE TABLE " + SqlName(schema.name) + " (\n  \"id\" TEXT PRIMARY KEY";
  // SQLite compares column names ignoring ASCII case: "a" and "A", or a
  // field "ID", would be one column.
  std::map<std::string, std::string> columns = {{"id", "the record id"}};
  for (const auto& [name, def] : schema.fields) {
    std::string folded = name;
    for (char& c : folded) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    auto [taken, fresh] = columns.emplace(folded, "field " + JsonQuote(name));
    if (!fresh) {
      return Status::InvalidArgument("schema '" + schema.name + "' has no SQL form: field " +
                                     JsonQuote(name) + " and " + taken->second +
                                     " would be one column (SQL names ignore case)");
    }
    const std::string column = SqlName(name);
    std::string type;
    std::vector<std::string> checks;
    switch (def.type) {
      case FieldType::kString: type = "TEXT"; break;
      case FieldType::kInteger: type = "INTEGER"; break;
      case FieldType::kFloat: type = "REAL"; break;
      case FieldType::kBoolean:
        type = "INTEGER";
        checks.push_back(column + " IN (0, 1)");
        break;
      case FieldType::kDatetime: type = "TEXT"; break;  // ISO 8601, as stored
      case FieldType::kJson:
        type = "TEXT";
        checks.push_back("json_valid(" + column + ")");
        break;
      case FieldType::kBlob: type = "TEXT"; break;  // base64, as stored
      case FieldType::kPiSequence:
        type = "TEXT";
        checks.push_back("(" + column + " GLOB '[0-9]*' AND NOT " + column +
                         " GLOB '*[^0-9]*') OR (" + column + " GLOB '3.[0-9]*' AND NOT substr(" +
                         column + ", 3) GLOB '*[^0-9]*')");
        break;
      case FieldType::kSpiralCoordinate:
        type = "TEXT";  // the [x, y] pair as JSON
        checks.push_back("json_array_length(" + column + ") = 2");
        break;
      case FieldType::kReference:
        type = "TEXT REFERENCES " + SqlName(def.references) + " (\"id\") ON DELETE " +
               (def.on_delete == OnDelete::kCascade ? "CASCADE" : "RESTRICT");
        break;
    }
    std::string line = ",\n  " + column + " " + type;
    if (def.required) line += " NOT NULL";
    if (def.unique) line += " UNIQUE";
    if (!def.default_json.empty()) {
      rapidjson::Document value;
      ParseJsonDocument(def.default_json, &value);
      line += " DEFAULT " + SqlLiteral(value);
    }
    const std::string length = def.type == FieldType::kJson ? "json_array_length(" + column + ")"
                                                            : "length(" + column + ")";
    if (def.min_length) checks.push_back(length + " >= " + std::to_string(*def.min_length));
    if (def.max_length) checks.push_back(length + " <= " + std::to_string(*def.max_length));
    if (def.min_value) checks.push_back(column + " >= " + SqlNumber(*def.min_value));
    if (def.max_value) checks.push_back(column + " <= " + SqlNumber(*def.max_value));
    if (!def.enum_json.empty()) {
      rapidjson::Document values;
      ParseJsonDocument(def.enum_json, &values);
      std::string list;
      for (const auto& v : values.GetArray()) list += (list.empty() ? "" : ", ") + SqlLiteral(v);
      checks.push_back(column + " IN (" + list + ")");
    }
    // NULL passes, as an absent optional field does (json_valid(NULL) is 0).
    for (const std::string& check : checks) {
      line += " CHECK (" + column + " IS NULL OR " + check + ")";
    }
    if (!def.pattern.empty()) {
      line += " /* pattern " + SqlCommentText(def.pattern) + ": not expressible in SQLite */";
    }
    out += line;
  }
  *ddl = out + "\n);\n";
  return Status::OK();
}

Status ImportJsonSchema(std::string_view json, SchemaZone* zone,
                        std::map<std::string, FieldDef>* fields) {
  rapidjson::Document doc;
  if (!ParseInputJson(json, &doc) || !doc.IsObject()) {
    return Status::InvalidArgument("a JSON Schema must be a JSON object");
  }
  std::string problems;
  auto problem = [&](const std::string& p) {
    if (!problems.empty()) problems += "; ";
    problems += p;
  };
  static const std::set<std::string> kTopLevel = {"$schema", "$id", "title", "description",
                                                  "type", "properties", "required",
                                                  "additionalProperties", "x-spirapi-zone",
                                                  "$comment"};
  for (auto& m : doc.GetObject()) {
    if (kTopLevel.count(m.name.GetString()) == 0) {
      problem(std::string("unsupported keyword '") + m.name.GetString() + "'");
    }
  }
  if (!doc.HasMember("type") || !doc["type"].IsString() ||
      std::string(doc["type"].GetString()) != "object") {
    problem("the schema must have \"type\": \"object\"");
  }
  SchemaZone imported_zone = SchemaZone::kFlexible;
  if (doc.HasMember("x-spirapi-zone") && doc["x-spirapi-zone"].IsString()) {
    Status s = ParseSchemaZone(doc["x-spirapi-zone"].GetString(), &imported_zone);
    if (!s.ok()) problem(s.message());
  } else if (doc.HasMember("additionalProperties") && doc["additionalProperties"].IsBool() &&
             !doc["additionalProperties"].GetBool()) {
    imported_zone = SchemaZone::kStructured;
  }
  std::set<std::string> required;
  if (doc.HasMember("required")) {
    if (!doc["required"].IsArray()) {
      problem("required must be an array of names");
    } else {
      for (const auto& r : doc["required"].GetArray()) {
        if (r.IsString()) required.insert(r.GetString());
      }
    }
  }
  static const std::set<std::string> kProperty = {
      "type", "format", "contentEncoding", "minLength", "maxLength", "minItems", "maxItems",
      "minimum", "maximum", "pattern", "enum", "default", "prefixItems", "x-spirapi-type",
      "x-spirapi-unique", "x-spirapi-references", "x-spirapi-on-delete", "title",
      "description", "$comment"};
  std::map<std::string, FieldDef> imported;
  if (!doc.HasMember("properties") || !doc["properties"].IsObject()) {
    problem("the schema must have \"properties\"");
  } else {
    for (auto& p : doc["properties"].GetObject()) {
      const std::string name(p.name.GetString(), p.name.GetStringLength());
      const rapidjson::Value& v = p.value;
      if (!v.IsObject()) {
        problem(name + ": property schema must be an object");
        continue;
      }
      for (auto& k : v.GetObject()) {
        if (kProperty.count(k.name.GetString()) == 0) {
          problem(name + ": unsupported keyword '" + k.name.GetString() + "'");
        }
      }
      auto str = [&](const char* key) -> std::string {
        return v.HasMember(key) && v[key].IsString() ? v[key].GetString() : "";
      };
      std::string type = str("x-spirapi-type");
      const std::string json_type = str("type");
      if (type.empty()) {
        if (json_type == "string") {
          type = str("format") == "date-time"       ? "datetime"
                 : str("contentEncoding") == "base64" ? "blob"
                                                      : "string";
        } else if (json_type == "integer") {
          type = "integer";
        } else if (json_type == "number") {
          type = "float";
        } else if (json_type == "boolean") {
          type = "boolean";
        } else if (json_type == "array" || json_type.empty()) {
          type = "json";
        } else {
          problem(name + ": type '" + json_type + "' is not supported");
          continue;
        }
      }
      rapidjson::StringBuffer buffer;
      JsonWriter w(buffer);
      w.StartObject();
      w.Key("type");
      w.String(type.c_str());
      if (required.count(name)) {
        w.Key("required");
        w.Bool(true);
      }
      if (v.HasMember("x-spirapi-unique") && v["x-spirapi-unique"].IsTrue()) {
        w.Key("unique");
        w.Bool(true);
      }
      auto copy = [&](const char* from, const char* to) {
        if (!v.HasMember(from)) return;
        w.Key(to);
        v[from].Accept(w);
      };
      copy("minLength", "min_length");
      copy("maxLength", "max_length");
      copy("x-spirapi-references", "references");
      copy("x-spirapi-on-delete", "on_delete");
      if (type == "json") {
        copy("minItems", "min_length");
        copy("maxItems", "max_length");
      }
      copy("minimum", "min_value");
      copy("maximum", "max_value");
      copy("enum", "enum");
      copy("default", "default");
      std::string pattern = str("pattern");
      if (type == "pi_sequence" && pattern == kPiPattern) pattern.clear();
      if (!pattern.empty()) {
        if (pattern.starts_with("^(?:") && pattern.ends_with(")$")) {
          pattern = pattern.substr(4, pattern.size() - 6);
        } else {
          pattern = "[\\s\\S]*(?:" + pattern + ")[\\s\\S]*";  // matches anywhere
        }
        w.Key("pattern");
        w.String(pattern.data(), static_cast<rapidjson::SizeType>(pattern.size()));
      }
      w.EndObject();
      FieldDef def;
      Status s = ParseFieldDef(name, std::string_view(buffer.GetString(), buffer.GetSize()), &def);
      if (!s.ok()) {
        problem(s.message());
        continue;
      }
      imported.emplace(name, std::move(def));
    }
  }
  for (const std::string& r : required) {
    if (imported.count(r) == 0 && problems.find(r) == std::string::npos) {
      problem("required field '" + r + "' has no property");
    }
  }
  if (!problems.empty()) return Status::InvalidArgument("JSON Schema import: " + problems);
  *zone = imported_zone;
  *fields = std::move(imported);
  return Status::OK();
}

}  // namespace spirapi::schema
