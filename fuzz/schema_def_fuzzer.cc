// Fuzzes the parsers of schema definitions: field definitions as given to
// CreateSchema and Evolve (ParseFieldDefs), the stored schema
// (ParseSchemaJson) and JSON Schema documents (ImportJsonSchema). Input: one
// byte choosing the parser, then the JSON.
// Checks: each parser either refuses the input (InvalidArgument, or
// Corruption for a stored schema) or returns a value that its writer
// (FieldDefsJson, SchemaJson, ExportJsonSchema) turns into JSON that parses
// back to the same value. The exporters' output is checked by
// schema_export_fuzzer.

#include "fuzz_util.h"
#include "schema/schema_export.h"
#include "schema/schema_model.h"

namespace spirapi::fuzz {
namespace {

using schema::FieldDef;
using schema::Schema;

void CheckFieldDefs(std::string_view json) {
  std::map<std::string, FieldDef> fields;
  const Status s = schema::ParseFieldDefs(json, &fields);
  FUZZ_CHECK(s.ok() || s.IsInvalidArgument());
  if (!s.ok()) return;
  const std::string written = schema::FieldDefsJson(fields);
  std::map<std::string, FieldDef> again;
  FUZZ_CHECK(schema::ParseFieldDefs(written, &again).ok());
  FUZZ_CHECK(schema::FieldDefsJson(again) == written);
}

void CheckSchemaJson(std::string_view json) {
  Schema schema;
  const Status s = schema::ParseSchemaJson(json, &schema);
  FUZZ_CHECK(s.ok() || s.IsCorruption());
  if (!s.ok()) return;
  const std::string written = schema::SchemaJson(schema);
  Schema again;
  FUZZ_CHECK(schema::ParseSchemaJson(written, &again).ok());
  FUZZ_CHECK(schema::SchemaJson(again) == written);
}

void CheckImport(std::string_view json) {
  Schema schema;
  schema.name = "fuzz";
  const Status s = schema::ImportJsonSchema(json, &schema.zone, &schema.fields);
  FUZZ_CHECK(s.ok() || s.IsInvalidArgument());
  if (!s.ok()) return;
  const std::string exported = schema::ExportJsonSchema(schema);
  Schema again;
  const Status s2 = schema::ImportJsonSchema(exported, &again.zone, &again.fields);
  if (!s2.ok()) std::fprintf(stderr, "%s: %s\n", exported.c_str(), s2.ToString().c_str());
  FUZZ_CHECK(s2.ok());
  FUZZ_CHECK(again.zone == schema.zone);
  FUZZ_CHECK(schema::FieldDefsJson(again.fields) == schema::FieldDefsJson(schema.fields));
}

void Check(std::string_view input) {
  if (input.empty()) return;
  const std::string json(input.substr(1));  // some parsers need a terminating NUL
  switch (static_cast<uint8_t>(input[0]) % 3) {
    case 0: CheckFieldDefs(json); break;
    case 1: CheckSchemaJson(json); break;
    default: CheckImport(json); break;
  }
}

// Definitions with every type and rule, as the library writes them: the
// fields, the stored schema, and the JSON Schema export.
void WriteSeeds(const std::function<void(std::string_view)>& add) {
  const char* kFields[] = {
      R"({"name": {"type": "string", "required": true, "min_length": 2, "max_length": 5,
          "pattern": "[a-z]+"},
          "age": {"type": "integer", "min_value": 18, "max_value": 130, "unique": true},
          "score": {"type": "float", "default": 1.5}, "ok": {"type": "boolean", "default": true},
          "born": {"type": "datetime"}, "extra": {"type": "json"}, "photo": {"type": "blob"},
          "pid": {"type": "pi_sequence"}, "at": {"type": "spiral_coordinate"},
          "tier": {"type": "string", "enum": ["gold", "silver"]}})",
      R"({"author": {"type": "reference", "references": "authors", "on_delete": "cascade"},
          "title": {"type": "string", "required": true}})",
  };
  const SchemaZone kZones[] = {SchemaZone::kStructured,
                                       SchemaZone::kRelational};
  for (int i = 0; i < 2; ++i) {
    Schema s;
    s.name = "seed";
    s.zone = kZones[i];
    FUZZ_CHECK(schema::ParseFieldDefs(kFields[i], &s.fields).ok());
    SchemaChange change;
    change.action = "add";
    change.field = s.fields.begin()->first;
    change.new_definition = schema::FieldDefJson(s.fields.begin()->second);
    change.version = 2;
    change.reason = "seed";
    s.history.push_back(change);
    s.version = 2;
    add(std::string(1, '\0') + schema::FieldDefsJson(s.fields));
    add(std::string(1, '\1') + schema::SchemaJson(s));
    add(std::string(1, '\2') + schema::ExportJsonSchema(s));
  }
}

}  // namespace
}  // namespace spirapi::fuzz

SPIRAPI_FUZZ_TARGET(spirapi::fuzz::Check, spirapi::fuzz::WriteSeeds)
