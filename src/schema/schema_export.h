// A schema as JSON Schema (draft 2020-12) or as an SQLite CREATE TABLE
// statement, and a JSON Schema read back as a schema.

#ifndef SPIRAPI_SCHEMA_SCHEMA_EXPORT_H_
#define SPIRAPI_SCHEMA_SCHEMA_EXPORT_H_

#include <string>
#include <string_view>

#include "schema/schema_model.h"

namespace spirapi::schema {

// The schema's current version as a JSON Schema document (one line).
// SpiraPi types without an exact JSON Schema form keep theirs under
// "x-spirapi-type", uniqueness under "x-spirapi-unique" and the zone under
// "x-spirapi-zone", so that ImportJsonSchema reads it back unchanged.
std::string ExportJsonSchema(const Schema& schema);

// CREATE TABLE in SQLite's dialect: an "id" TEXT primary key and one column
// per field, with NOT NULL, UNIQUE, DEFAULT and CHECK constraints for the
// rules SQLite can express; a pattern becomes a comment (SQLite has no
// built-in regular expressions). Names, literals and the pattern are
// escaped so that the text holds that one statement whatever they contain.
// InvalidArgument if two fields (or a field and "id") would be one column:
// SQL names ignore case.
Status ExportSqlDdl(const Schema& schema, std::string* ddl);

// Fields and zone from a JSON Schema object schema ("type": "object" with
// "properties"). InvalidArgument listing every keyword or property it cannot
// represent (nested objects, oneOf, ...), so an import never silently drops
// a constraint.
Status ImportJsonSchema(std::string_view json, SchemaZone* zone,
                        std::map<std::string, FieldDef>* fields);

}  // namespace spirapi::schema

#endif  // SPIRAPI_SCHEMA_SCHEMA_EXPORT_H_
