// Values of a field: checking one against its definition, inferring the type
// of an undeclared one, and widening a type to admit another.

#ifndef SPIRAPI_SCHEMA_FIELD_VALUE_H_
#define SPIRAPI_SCHEMA_FIELD_VALUE_H_

#include <rapidjson/document.h>

#include <string>
#include <string_view>

#include "schema/schema_model.h"

namespace spirapi::schema {

// Empty if `value` satisfies the field's type and rules (enum only when
// check_enum); otherwise what is wrong, e.g. "17 is below min_value 18".
// null is accepted here; whether a field may be absent or null is the
// caller's concern (required).
std::string CheckValue(const FieldDef& def, const rapidjson::Value& value, bool check_enum);

// An ISO 8601 date (YYYY-MM-DD) or datetime (THH:MM[:SS[.fff]], then Z,
// ±HH:MM or nothing for UTC) as seconds since the Unix epoch. False if the
// text is not one; when it has the form of one but names a time that does
// not exist (2026-02-30, 24:00, an offset of +25:00), *why says so.
bool ParseIsoDatetime(std::string_view text, double* seconds, std::string* why = nullptr);

// The value as a field of `type` compares it, one text per distinct value:
// numbers by value (3, 3.0 and 3.00 are "3"; -0.0 is "0"; in a float field
// an integer is the double it rounds to), strings JSON-quoted (so never
// equal to a number), arrays element by element, objects with their
// members sorted by name. Unique values are keyed by it and `find --where`
// compares by it.
std::string CanonicalValue(FieldType type, const rapidjson::Value& value);

// The type a flexible schema gives an undeclared field: booleans are
// boolean, integral numbers integer, other numbers float, strings string
// (never reinterpreted), arrays and objects json.
FieldType InferType(const rapidjson::Value& value);

// The narrowest type admitting values of both `current` and `seen`, as an
// emergent schema widens: integer -> float -> string; string-like types
// (datetime, pi_sequence, blob) -> string; anything else -> json.
FieldType WidenType(FieldType current, FieldType seen);

}  // namespace spirapi::schema

#endif  // SPIRAPI_SCHEMA_FIELD_VALUE_H_
