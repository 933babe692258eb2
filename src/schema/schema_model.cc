// Parsing, checking and writing schema definitions.

#include "schema/schema_model.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <re2/re2.h>

#include <cmath>

#include "schema/field_value.h"
#include "schema/schema_json.h"
#include "util/json.h"
#include "util/json_document.h"

namespace spirapi {

const char* SchemaZoneName(SchemaZone zone) {
  switch (zone) {
    case SchemaZone::kStructured: return "structured";
    case SchemaZone::kFlexible: return "flexible";
    case SchemaZone::kEmergent: return "emergent";
    case SchemaZone::kTemporal: return "temporal";
    case SchemaZone::kRelational: return "relational";
  }
  return "flexible";
}

Status ParseSchemaZone(std::string_view name, SchemaZone* out) {
  for (SchemaZone z : {SchemaZone::kStructured, SchemaZone::kFlexible, SchemaZone::kEmergent,
                       SchemaZone::kTemporal, SchemaZone::kRelational}) {
    if (name == SchemaZoneName(z)) {
      *out = z;
      return Status::OK();
    }
  }
  return Status::InvalidArgument("unknown zone '" + std::string(name) +
                                 "' (structured, flexible, emergent, temporal or relational)");
}

namespace schema {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr FieldType kAllTypes[] = {
    FieldType::kString, FieldType::kInteger, FieldType::kFloat,
    FieldType::kBoolean, FieldType::kDatetime, FieldType::kJson,
    FieldType::kBlob, FieldType::kPiSequence, FieldType::kSpiralCoordinate,
    FieldType::kReference};

bool IsTextType(FieldType t) {
  return t == FieldType::kString || t == FieldType::kDatetime || t == FieldType::kBlob ||
         t == FieldType::kPiSequence;
}
bool IsNumberType(FieldType t) { return t == FieldType::kInteger || t == FieldType::kFloat; }

// Whole numbers print as integers ("min_value":0, not 0.0).
void WriteNumber(JsonWriter* w, double x) {
  if (std::floor(x) == x && std::fabs(x) < 9007199254740992.0) {
    w->Int64(static_cast<int64_t>(x));
  } else {
    w->Double(x);
  }
}

void Append(std::string* problems, const std::string& problem) {
  if (!problems->empty()) *problems += "; ";
  *problems += problem;
}

// RE2 rather than std::regex: matching takes time linear in the value and
// bounded memory, and never recurses, so no value can hang or crash a write
// (libstdc++'s std::regex overflowed the stack matching [a-z]+ against 100 KB).
// The price is RE2's syntax: no backreferences or lookaround.
std::shared_ptr<const re2::RE2> CompilePattern(const std::string& pattern,
                                               std::string* problems) {
  re2::RE2::Options options;
  options.set_log_errors(false);
  auto compiled = std::make_shared<const re2::RE2>(pattern, options);
  if (compiled->ok()) return compiled;
  Append(problems, "pattern '" + pattern + "' is not a valid regular expression (" +
                       compiled->error() + ")");
  return nullptr;
}

}  // namespace

bool AcceptsUnknownFields(SchemaZone zone) {
  return zone == SchemaZone::kFlexible || zone == SchemaZone::kEmergent;
}

const char* FieldTypeName(FieldType type) {
  switch (type) {
    case FieldType::kString: return "string";
    case FieldType::kInteger: return "integer";
    case FieldType::kFloat: return "float";
    case FieldType::kBoolean: return "boolean";
    case FieldType::kDatetime: return "datetime";
    case FieldType::kJson: return "json";
    case FieldType::kBlob: return "blob";
    case FieldType::kPiSequence: return "pi_sequence";
    case FieldType::kSpiralCoordinate: return "spiral_coordinate";
    case FieldType::kReference: return "reference";
  }
  return "json";
}

Status ParseFieldType(std::string_view name, FieldType* out) {
  for (FieldType t : kAllTypes) {
    if (name == FieldTypeName(t)) {
      *out = t;
      return Status::OK();
    }
  }
  return Status::InvalidArgument("unknown type '" + std::string(name) +
                                 "' (string, integer, float, boolean, datetime, json, blob, "
                                 "pi_sequence, spiral_coordinate, reference)");
}

Status ValidateSchemaName(std::string_view name) {
  if (name.empty() || name.size() > 128) {
    return Status::InvalidArgument("schema name must be 1..128 characters");
  }
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) {
      return Status::InvalidArgument("schema name '" + std::string(name) +
                                     "' may hold only letters, digits, '_' and '-'");
    }
  }
  return Status::OK();
}

Status ValidateFieldName(std::string_view name) {
  if (name.empty() || name.size() > 128) {
    return Status::InvalidArgument("field name must be 1..128 bytes");
  }
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20) {
      return Status::InvalidArgument("field name has a control character");
    }
  }
  if (!IsValidUtf8(name)) return Status::InvalidArgument("field name is not valid UTF-8");
  return Status::OK();
}

Status ParseFieldDef(std::string_view field, std::string_view json, FieldDef* out) {
  rapidjson::Document doc;
  if (!ParseInputJson(json, &doc) || !doc.IsObject()) {
    return Status::InvalidArgument("field '" + std::string(field) +
                                   "': definition must be a JSON object");
  }
  FieldDef def;
  std::string problems;
  Status s = ValidateFieldName(field);
  if (!s.ok()) Append(&problems, s.message());
  // Patterns, enums and defaults are written out again (schema JSON,
  // exports): raw bytes or an unpaired surrogate escape would make that
  // output invalid.
  if (!IsValidUtf8(CompactJson(doc))) Append(&problems, "definition is not valid UTF-8");
  bool have_type = false;
  bool have_on_delete = false;
  for (auto& m : doc.GetObject()) {
    const std::string key(m.name.GetString(), m.name.GetStringLength());
    const rapidjson::Value& v = m.value;
    auto want_uint = [&](std::optional<uint64_t>* slot) {
      if (v.IsUint64()) *slot = v.GetUint64();
      else Append(&problems, key + " must be a non-negative integer");
    };
    auto want_number = [&](std::optional<double>* slot) {
      if (v.IsNumber() && std::isfinite(v.GetDouble())) *slot = v.GetDouble();
      else Append(&problems, key + " must be a number");
    };
    auto want_bool = [&](bool* slot) {
      if (v.IsBool()) *slot = v.GetBool();
      else Append(&problems, key + " must be true or false");
    };
    if (key == "type") {
      if (!v.IsString()) {
        Append(&problems, "type must be a string");
        continue;
      }
      s = ParseFieldType(v.GetString(), &def.type);
      if (!s.ok()) Append(&problems, s.message());
      have_type = s.ok();
    } else if (key == "required") {
      want_bool(&def.required);
    } else if (key == "unique") {
      want_bool(&def.unique);
    } else if (key == "default") {
      def.default_json = CompactJson(v);
    } else if (key == "min_length") {
      want_uint(&def.min_length);
    } else if (key == "max_length") {
      want_uint(&def.max_length);
    } else if (key == "min_value") {
      want_number(&def.min_value);
    } else if (key == "max_value") {
      want_number(&def.max_value);
    } else if (key == "pattern") {
      if (!v.IsString()) {
        Append(&problems, "pattern must be a string");
        continue;
      }
      def.pattern.assign(v.GetString(), v.GetStringLength());
      def.compiled_pattern = CompilePattern(def.pattern, &problems);
    } else if (key == "references") {
      if (!v.IsString() || !ValidateSchemaName(v.GetString()).ok()) {
        Append(&problems, "references must be a schema name");
      } else {
        def.references = v.GetString();
      }
    } else if (key == "on_delete") {
      const std::string policy = v.IsString() ? v.GetString() : "";
      if (policy == "restrict") {
        def.on_delete = OnDelete::kRestrict;
      } else if (policy == "cascade") {
        def.on_delete = OnDelete::kCascade;
      } else {
        Append(&problems, "on_delete must be \"restrict\" or \"cascade\"");
      }
      have_on_delete = true;
    } else if (key == "enum") {
      if (!v.IsArray() || v.Empty()) {
        Append(&problems, "enum must be a non-empty array");
      } else {
        def.enum_json = CompactJson(v);
      }
    } else {
      Append(&problems, "unknown rule '" + key + "'");
    }
  }
  if (!have_type && problems.find("type") == std::string::npos) {
    Append(&problems, "type is missing");
  }
  if (have_type) {
    if ((def.min_length || def.max_length) && !IsTextType(def.type) &&
        def.type != FieldType::kJson) {
      Append(&problems, std::string("min_length/max_length do not apply to type ") +
                            FieldTypeName(def.type));
    }
    if ((def.min_value || def.max_value) && !IsNumberType(def.type)) {
      Append(&problems, std::string("min_value/max_value do not apply to type ") +
                            FieldTypeName(def.type));
    }
    if (!def.pattern.empty() && !IsTextType(def.type)) {
      Append(&problems, std::string("pattern does not apply to type ") + FieldTypeName(def.type));
    }
    const bool reference = def.type == FieldType::kReference;
    if (reference && def.references.empty() && problems.find("references") == std::string::npos) {
      Append(&problems, "a reference needs \"references\": the schema it refers to");
    }
    if (!reference && (!def.references.empty() || have_on_delete)) {
      Append(&problems, "references/on_delete apply to type reference only");
    }
    if (reference && !def.default_json.empty()) {
      Append(&problems, "a reference cannot have a default");
    }
  }
  if (def.min_length && def.max_length && *def.min_length > *def.max_length) {
    Append(&problems, "min_length " + std::to_string(*def.min_length) + " exceeds max_length " +
                          std::to_string(*def.max_length));
  }
  if (def.min_value && def.max_value && *def.min_value > *def.max_value) {
    Append(&problems, "min_value exceeds max_value");
  }
  if (def.required && !def.default_json.empty() && def.default_json == "null") {
    Append(&problems, "a required field cannot default to null");
  }
  if (problems.empty() && !def.enum_json.empty()) {
    rapidjson::Document values;
    ParseJsonDocument(def.enum_json, &values);
    for (const auto& e : values.GetArray()) {
      std::string why = CheckValue(def, e, /*check_enum=*/false);
      if (!why.empty()) Append(&problems, "enum value " + CompactJson(e) + ": " + why);
    }
  }
  if (problems.empty() && !def.default_json.empty()) {
    rapidjson::Document value;
    ParseJsonDocument(def.default_json, &value);
    std::string why = CheckValue(def, value, /*check_enum=*/true);
    if (!why.empty()) Append(&problems, "default " + def.default_json + ": " + why);
  }
  if (!problems.empty()) {
    return Status::InvalidArgument("field '" + std::string(field) + "': " + problems);
  }
  *out = std::move(def);
  return Status::OK();
}

Status ParseFieldDefs(std::string_view json, std::map<std::string, FieldDef>* out) {
  rapidjson::Document doc;
  if (!ParseInputJson(json, &doc) || !doc.IsObject()) {
    return Status::InvalidArgument("fields must be a JSON object of field definitions");
  }
  std::string problems;
  std::map<std::string, FieldDef> fields;
  for (auto& m : doc.GetObject()) {
    const std::string name(m.name.GetString(), m.name.GetStringLength());
    FieldDef def;
    Status s = ParseFieldDef(name, CompactJson(m.value), &def);
    if (!s.ok()) Append(&problems, s.message());
    if (!fields.emplace(name, std::move(def)).second) {
      Append(&problems, "field '" + name + "' is defined twice");
    }
  }
  if (!problems.empty()) return Status::InvalidArgument(problems);
  *out = std::move(fields);
  return Status::OK();
}

std::string FieldDefJson(const FieldDef& def) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("type");
  w.String(FieldTypeName(def.type));
  if (def.required) {
    w.Key("required");
    w.Bool(true);
  }
  if (def.unique) {
    w.Key("unique");
    w.Bool(true);
  }
  if (!def.default_json.empty()) {
    w.Key("default");
    w.RawValue(def.default_json.data(), def.default_json.size(), rapidjson::kObjectType);
  }
  if (def.min_length) {
    w.Key("min_length");
    w.Uint64(*def.min_length);
  }
  if (def.max_length) {
    w.Key("max_length");
    w.Uint64(*def.max_length);
  }
  if (def.min_value) {
    w.Key("min_value");
    WriteNumber(&w, *def.min_value);
  }
  if (def.max_value) {
    w.Key("max_value");
    WriteNumber(&w, *def.max_value);
  }
  if (!def.pattern.empty()) {
    w.Key("pattern");
    w.String(def.pattern.data(), static_cast<rapidjson::SizeType>(def.pattern.size()));
  }
  if (!def.enum_json.empty()) {
    w.Key("enum");
    w.RawValue(def.enum_json.data(), def.enum_json.size(), rapidjson::kArrayType);
  }
  if (def.type == FieldType::kReference) {
    w.Key("references");
    w.String(def.references.data(), static_cast<rapidjson::SizeType>(def.references.size()));
    w.Key("on_delete");
    w.String(def.on_delete == OnDelete::kCascade ? "cascade" : "restrict");
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string FieldDefsJson(const std::map<std::string, FieldDef>& fields) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  for (const auto& [name, def] : fields) {
    w.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
    const std::string json = FieldDefJson(def);
    w.RawValue(json.data(), json.size(), rapidjson::kObjectType);
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string SchemaJson(const Schema& schema) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  auto string = [&](const char* key, const std::string& value) {
    w.Key(key);
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  };
  w.StartObject();
  string("name", schema.name);
  string("zone", SchemaZoneName(schema.zone));
  w.Key("version");
  w.Uint64(schema.version);
  if (schema.canonical_unique_keys) string("unique_keys", "canonical");
  w.Key("fields");
  const std::string fields = FieldDefsJson(schema.fields);
  w.RawValue(fields.data(), fields.size(), rapidjson::kObjectType);
  w.Key("validation_rules");
  w.RawValue(schema.validation_rules.data(), schema.validation_rules.size(),
             rapidjson::kObjectType);
  w.Key("evolution_history");
  w.StartArray();
  for (const SchemaChange& c : schema.history) {
    w.StartObject();
    string("action", c.action);
    string("field", c.field);
    if (!c.new_name.empty()) string("new_name", c.new_name);
    if (c.action == "rollback") {
      w.Key("to_version");
      w.Uint64(c.to_version);
    }
    w.Key("old_definition");
    if (c.old_definition.empty()) {
      w.Null();
    } else {
      w.RawValue(c.old_definition.data(), c.old_definition.size(), rapidjson::kObjectType);
    }
    w.Key("new_definition");
    if (c.new_definition.empty()) {
      w.Null();
    } else {
      w.RawValue(c.new_definition.data(), c.new_definition.size(), rapidjson::kObjectType);
    }
    w.Key("version");
    w.Uint64(c.version);
    w.Key("timestamp");
    w.Double(c.timestamp);
    string("reason", c.reason);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

Status ParseSchemaJson(std::string_view json, Schema* out) {
  rapidjson::Document doc;
  const bool parsed = ParseJsonDocument(json, &doc);
  auto bad = [](const std::string& what) {
    return Status::Corruption("stored schema: " + what);
  };
  if (!parsed || !doc.IsObject()) return bad("not a JSON object");
  Schema schema;
  if (!doc.HasMember("name") || !doc["name"].IsString()) return bad("no name");
  schema.name = doc["name"].GetString();
  if (!doc.HasMember("zone") || !doc["zone"].IsString() ||
      !ParseSchemaZone(doc["zone"].GetString(), &schema.zone).ok()) {
    return bad("no valid zone");
  }
  if (!doc.HasMember("version") || !doc["version"].IsUint64()) return bad("no version");
  schema.version = doc["version"].GetUint64();
  if (doc.HasMember("unique_keys")) {
    if (!doc["unique_keys"].IsString() || doc["unique_keys"] != "canonical") {
      return bad("unknown unique_keys");
    }
    schema.canonical_unique_keys = true;
  }
  if (!doc.HasMember("fields") || !doc["fields"].IsObject()) return bad("no fields");
  Status s = ParseFieldDefs(CompactJson(doc["fields"]), &schema.fields);
  if (!s.ok()) return bad(s.message());
  if (doc.HasMember("validation_rules") && doc["validation_rules"].IsObject()) {
    schema.validation_rules = CompactJson(doc["validation_rules"]);
  }
  if (!doc.HasMember("evolution_history") || !doc["evolution_history"].IsArray()) {
    return bad("no evolution_history");
  }
  for (const auto& e : doc["evolution_history"].GetArray()) {
    if (!e.IsObject() || !e.HasMember("action") || !e["action"].IsString() ||
        !e.HasMember("field") || !e["field"].IsString() || !e.HasMember("version") ||
        !e["version"].IsUint64()) {
      return bad("malformed evolution_history entry");
    }
    SchemaChange c;
    c.action = e["action"].GetString();
    c.field = e["field"].GetString();
    if (e.HasMember("new_name") && e["new_name"].IsString()) c.new_name = e["new_name"].GetString();
    if (e.HasMember("to_version") && e["to_version"].IsUint64()) {
      c.to_version = e["to_version"].GetUint64();
    }
    if (e.HasMember("old_definition") && e["old_definition"].IsObject()) {
      c.old_definition = CompactJson(e["old_definition"]);
    }
    if (e.HasMember("new_definition") && e["new_definition"].IsObject()) {
      c.new_definition = CompactJson(e["new_definition"]);
    }
    c.version = e["version"].GetUint64();
    if (e.HasMember("timestamp") && e["timestamp"].IsNumber()) {
      c.timestamp = e["timestamp"].GetDouble();
    }
    if (e.HasMember("reason") && e["reason"].IsString()) c.reason = e["reason"].GetString();
    schema.history.push_back(std::move(c));
  }
  *out = std::move(schema);
  return Status::OK();
}

}  // namespace schema
}  // namespace spirapi
