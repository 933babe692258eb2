// The schema model: typed fields with rules, parsed from and written to the
// JSON stored in the SCHEMA component (docs/SCHEMA.md has the format).
//
// Thread safety: a Schema is a value; concurrent reads of one are safe.

#ifndef SPIRAPI_SCHEMA_SCHEMA_MODEL_H_
#define SPIRAPI_SCHEMA_SCHEMA_MODEL_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spirapi/schema.h"
#include "spirapi/status.h"

namespace re2 {
class RE2;
}

namespace spirapi::schema {

enum class FieldType {
  kString,
  kInteger,
  kFloat,
  kBoolean,
  kDatetime,          // ISO 8601 text, e.g. 2026-11-24T09:40:00Z
  kJson,              // any JSON value
  kBlob,              // standard base64 text
  kPiSequence,        // decimal digits, optionally after a leading "3."
  kSpiralCoordinate,  // [x, y], two numbers
  kReference,         // the id of a record of another schema (relational zone)
};

// What deleting a referenced record does to the records that reference it.
enum class OnDelete { kRestrict, kCascade };

const char* FieldTypeName(FieldType type);
// InvalidArgument naming the valid types for anything else.
Status ParseFieldType(std::string_view name, FieldType* out);

struct FieldDef {
  FieldType type = FieldType::kString;
  bool required = false;
  bool unique = false;
  std::string default_json;  // compact JSON of the default; empty: none
  std::optional<uint64_t> min_length;  // strings (characters), arrays
  std::optional<uint64_t> max_length;
  std::optional<double> min_value;     // numbers
  std::optional<double> max_value;
  std::string pattern;                 // RE2 regex a string must match (whole)
  std::string enum_json;               // compact JSON array of allowed values; empty: any
  std::shared_ptr<const re2::RE2> compiled_pattern;  // from `pattern`
  std::string references;              // reference: the schema referred to
  OnDelete on_delete = OnDelete::kRestrict;  // reference only
};

struct Schema {
  std::string name;
  SchemaZone zone = SchemaZone::kFlexible;
  uint64_t version = 1;
  std::map<std::string, FieldDef> fields;  // by name
  std::string validation_rules = "{}";    // compact JSON object, kept as given
  std::vector<SchemaChange> history;
  // Whether its unique-value records are keyed by CanonicalValue of the
  // presented value ("unique_keys": "canonical"). Schemas stored before
  // that were keyed by the value's JSON text; their keys are rebuilt on
  // the first write (SchemaManagerImpl::UpgradeUniqueKeys).
  bool canonical_unique_keys = false;
};

// Parses one field definition ({"type": ..., "required": ..., ...}), checking
// it: unknown type or key, a rule that does not fit the type, min > max, an
// invalid regular expression, a default that breaks the field's own rules.
// InvalidArgument naming the field and every problem.
Status ParseFieldDef(std::string_view field, std::string_view json, FieldDef* out);
// {"name": {...}, ...}: every field, every problem.
Status ParseFieldDefs(std::string_view json, std::map<std::string, FieldDef>* out);
std::string FieldDefJson(const FieldDef& def);
std::string FieldDefsJson(const std::map<std::string, FieldDef>& fields);  // {"name": {...}}

// The whole stored schema JSON, and back (Corruption when it is malformed).
std::string SchemaJson(const Schema& schema);
Status ParseSchemaJson(std::string_view json, Schema* out);

// Whether records of the zone may carry fields the schema does not declare.
bool AcceptsUnknownFields(SchemaZone zone);

// InvalidArgument unless name is 1..128 characters of [A-Za-z0-9_-].
Status ValidateSchemaName(std::string_view name);
// Field names: 1..128 bytes of UTF-8, no control characters, not "_id".
Status ValidateFieldName(std::string_view name);

}  // namespace spirapi::schema

#endif  // SPIRAPI_SCHEMA_SCHEMA_MODEL_H_
