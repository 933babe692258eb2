// Dynamic schemas: named sets of typed fields with rules that validate the
// records written under them, and that change with the data according to
// their zone. Schemas and their records are ordinary records of the SCHEMA
// component (layout in docs/SCHEMA.md), written in one transaction with
// whatever a write causes (a new field, a widened type, a unique key).
//
// Thread safety: all methods may be called from several threads at once.
// Uniqueness holds across threads and SchemaManagers on the same database:
// two inserts of one unique value write the same INDEX record, so the second
// to commit conflicts, retries, and is then refused.
//
// Errors: besides those listed, anything the DB returns. InvalidArgument
// always means nothing was changed.

#ifndef SPIRAPI_SCHEMA_H_
#define SPIRAPI_SCHEMA_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "spirapi/db.h"
#include "spirapi/export.h"
#include "spirapi/status.h"

namespace spirapi {

// How a schema treats data it does not declare (docs/SCHEMA.md, "Zones").
enum class SchemaZone : uint8_t {
  kStructured,  // unknown fields are rejected; changes only by Evolve
  kFlexible,    // unknown fields are accepted and added with an inferred type
  kEmergent,    // as flexible, and types widen as the data varies
  kTemporal,    // as structured, and every record keeps its whole history
  kRelational,  // as structured, and fields may reference other records
};

SPIRAPI_EXPORT const char* SchemaZoneName(SchemaZone zone);  // "structured", "flexible", ...
SPIRAPI_EXPORT Status ParseSchemaZone(std::string_view name, SchemaZone* out);

// One entry of a schema's evolution history, and the argument of Evolve.
struct SchemaChange {
  // "add", "drop", "alter", "rename", "rollback"; made by the zones: "add"
  // (flexible, emergent), "widen" and "relax" (emergent).
  std::string action;
  std::string field;           // empty for rollback
  std::string new_name;        // rename only
  // Compact JSON of the field before; empty for add. For rollback, the
  // whole "fields" object before (and after, in new_definition).
  std::string old_definition;
  std::string new_definition;  // after; empty for drop and rename
  uint64_t version = 0;        // the schema version the change made
  double timestamp = 0;        // seconds since the Unix epoch
  std::string reason;          // why: given by the caller, or the record that caused it
  uint64_t to_version = 0;     // rollback only: the version whose fields came back
};

struct SchemaInfo {
  std::string name;
  SchemaZone zone = SchemaZone::kFlexible;
  uint64_t version = 0;
  // The whole definition as stored: {"name","zone","version","fields",
  // "validation_rules","evolution_history"}.
  std::string json;
};

enum class SchemaFormat : uint8_t {
  kJsonSchema,  // JSON Schema, draft 2020-12
  kSqlDdl,      // CREATE TABLE, SQLite dialect
};

struct RollbackReport {
  uint64_t checked = 0;   // records written under a version after the target
  uint64_t violating = 0; // of those, records the target version rejects
  uint64_t rewritten = 0; // records rewritten under the restored fields (force)
  // Up to 20 lines "<id>: <what is wrong>", for the records that violate.
  std::vector<std::string> problems;
};

struct DeleteReport {
  // Every record deleted, "<schema>/<id>", the one asked for first; more
  // than one when references cascade.
  std::vector<std::string> deleted;
};

struct MigrationReport {
  uint64_t rewritten = 0;  // records rewritten under the current version
  uint64_t current = 0;    // records already at it
};

// What InsertBatch did, or which record stopped it.
struct InsertBatchReport {
  static constexpr size_t kNone = static_cast<size_t>(-1);
  // The records' new identifiers, in the order given; set only on success.
  std::vector<std::string> ids;
  // When InsertBatch refuses a record (InvalidArgument): its index in
  // records_json, and the message Insert would have given for it alone
  // (or that it repeats a unique value of an earlier record of the batch).
  size_t rejected = kNone;
  std::string reason;
};

// A record of a schema as read back.
struct SchemaRecord {
  std::string id;
  std::string json;             // the record's fields, a JSON object
  uint64_t schema_version = 0;  // the version it was written under
  // Temporal schemas: when this version of the record began and stopped
  // being current (seconds since the Unix epoch; valid_to 0 while it is).
  double valid_from = 0;
  double valid_to = 0;
  bool deleted = false;  // History only: the record was deleted at valid_from
};

class SPIRAPI_EXPORT SchemaManager {
 public:
  // Errors: InvalidArgument if db is null.
  static Status Open(DB* db, std::unique_ptr<SchemaManager>* out);

  SchemaManager() = default;
  SchemaManager(const SchemaManager&) = delete;
  SchemaManager& operator=(const SchemaManager&) = delete;
  virtual ~SchemaManager() = default;

  // Creates schema `name` at version 1. fields_json: {"field": {"type": T,
  // "required": bool, "unique": bool, "default": value, "min_length": n,
  // "max_length": n, "min_value": x, "max_value": x, "pattern": regex,
  // "enum": [values]}, ...}; types: string, integer, float, boolean,
  // datetime, json, blob, pi_sequence, spiral_coordinate, and in relational
  // schemas reference ({"type": "reference", "references": "<schema>",
  // "on_delete": "restrict" (default) or "cascade"}).
  // Errors: InvalidArgument (bad name, unknown type or rule, contradictory
  // rules, invalid pattern, a default breaking its rules, a reference outside
  // the relational zone or to a schema that does not exist — all listed),
  // Conflict if the schema exists.
  virtual Status CreateSchema(std::string_view name, SchemaZone zone,
                              std::string_view fields_json, SchemaInfo* out) = 0;
  // Errors: NotFound.
  virtual Status GetSchema(std::string_view name, SchemaInfo* out) = 0;
  virtual Status ListSchemas(std::vector<SchemaInfo>* out) = 0;

  // Applies one change ("add" with new_definition, "drop", "alter" with
  // new_definition, "rename" with new_name; reason optional) as a new
  // version, recorded in the history. Existing records are not rewritten:
  // they are presented under the new version when read (renamed fields
  // mapped, dropped ones left out, defaults filled in).
  // An alter is checked against every record as the new version would
  // present it, and refused if any would violate it.
  // Errors: NotFound, InvalidArgument (unknown action or field, a name taken,
  // a bad definition; adding a required field without a default to a schema
  // that has records; an alter that records violate, the first listed).
  virtual Status Evolve(std::string_view name, const SchemaChange& change, SchemaInfo* out) = 0;

  // Makes the fields of `to_version` current again, as a new version whose
  // history entry is a "rollback". Records written under versions after
  // to_version are checked against the restored fields (undeclared fields,
  // required, types, rules, uniqueness, references). If any violate, nothing
  // changes and InvalidArgument lists them (report->problems), unless
  // `force`: then every such record is rewritten to fit (undeclared and
  // invalid values removed, defaults filled in) and its previous form kept in
  // METADATA schema-rollback/<name>/<version>/<id>. Records written at or
  // before to_version are untouched: they are presented as before. All in one
  // transaction. Errors: NotFound, InvalidArgument (no such earlier version;
  // records violate and !force; with force, a record that cannot be made to
  // fit: a required field without a default, a repeated unique value).
  virtual Status Rollback(std::string_view name, uint64_t to_version, bool force,
                          RollbackReport* report, SchemaInfo* out) = 0;

  // The current version of a schema in another format (docs/SCHEMA.md,
  // "Export and import"). Errors: NotFound.
  virtual Status ExportSchema(std::string_view name, SchemaFormat format, std::string* out) = 0;

  // Creates schema `name` from a JSON Schema document (an object schema with
  // properties; the zone from "x-spirapi-zone", else structured when
  // additionalProperties is false, else flexible). Errors: InvalidArgument
  // listing every keyword or property it cannot represent, Conflict if the
  // schema exists.
  virtual Status ImportSchema(std::string_view name, std::string_view json_schema,
                              SchemaInfo* out) = 0;

  // Validates `record_json` (a JSON object) against the schema, applies what
  // its zone does with it, and stores it under a new π identifier (*id).
  // Errors: NotFound (schema), InvalidArgument listing every violated field
  // and rule ("age: 17 is below min_value 18; email: required; id: 7 is
  // already used by record ..."). Concurrent writers conflicting on the
  // schema or a unique value are retried inside.
  virtual Status Insert(std::string_view schema, std::string_view record_json,
                        std::string* id) = 0;

  // Inserts many records in one transaction, all or none: each is validated
  // and stored exactly as Insert would, one after the other in the order
  // given (identifiers taken the same way, in that order; the zone's schema
  // changes made by a record apply to the records after it, each change a
  // version of its own; unique values are also checked between the records
  // of the batch). One commit makes the batch much faster than as many
  // Inserts. `report` may be null; it gets the ids.
  // Errors: NotFound (schema); InvalidArgument "record <i>: <reason>" for
  // the first record refused (i from 0; report->rejected and ->reason), or
  // when the batch's writes exceed a transaction's 256 MiB (split it).
  // Nothing is written then. Conflicts are retried as Insert retries them.
  virtual Status InsertBatch(std::string_view schema,
                             const std::vector<std::string_view>& records_json,
                             InsertBatchReport* report) = 0;

  // Replaces the fields of record `id` by `record_json`, validated exactly as
  // Insert validates (with the zone's effect on the schema). In a temporal
  // schema the version replaced stays in the record's history.
  // Errors: NotFound (schema or record), InvalidArgument as Insert.
  virtual Status Update(std::string_view schema, std::string_view id,
                        std::string_view record_json) = 0;

  // Deletes record `id`, its unique values and its references. Records that
  // reference it: with on_delete restrict the delete is refused; with
  // cascade they are deleted too (recursively), in the same transaction.
  // A temporal schema keeps the deleted record's history.
  // Errors: NotFound, InvalidArgument (restricted: the referencing records
  // are listed). `report` may be null.
  virtual Status Delete(std::string_view schema, std::string_view id, DeleteReport* report) = 0;

  // Rewrites the schema's records written under older versions as the
  // current version presents them, in batches of 256, each one transaction
  // together with a cursor (METADATA schema-migrate/<name>), so after a crash
  // or a failure it resumes where it stopped. Inserts may run meanwhile (on
  // other threads); a record they change conflicts with the batch, which is
  // retried. Errors: NotFound.
  virtual Status Migrate(std::string_view name, MigrationReport* report) = 0;

  // A record presented under the current schema. Errors: NotFound.
  virtual Status Get(std::string_view schema, std::string_view id, SchemaRecord* out) = 0;

  // Records whose fields equal the given JSON values (all must match), in id
  // order, presented under the current schema. Errors: NotFound (schema),
  // InvalidArgument (a value that is not JSON, an unknown field).
  virtual Status Find(std::string_view schema,
                      const std::vector<std::pair<std::string, std::string>>& where,
                      std::vector<SchemaRecord>* out) = 0;

  // Calls fn with every record of the schema, presented under the current
  // schema, in id order, until fn returns false; one record in memory at a
  // time. Errors: NotFound (schema), Corruption.
  virtual Status Scan(std::string_view schema,
                      const std::function<bool(const SchemaRecord&)>& fn) = 0;
  // Temporal schemas only. As Get and Find, but the records as they were at
  // `as_of` (seconds since the Unix epoch), presented under the current
  // schema, with their validity times. Errors: NotFound (schema; the record
  // did not exist then), InvalidArgument (not a temporal schema; as Find).
  virtual Status GetAsOf(std::string_view schema, std::string_view id, double as_of,
                         SchemaRecord* out) = 0;
  virtual Status FindAsOf(std::string_view schema,
                          const std::vector<std::pair<std::string, std::string>>& where,
                          double as_of, std::vector<SchemaRecord>* out) = 0;
  // Every version of a record of a temporal schema, oldest first, deletions
  // included. Errors: NotFound, InvalidArgument (not a temporal schema).
  virtual Status History(std::string_view schema, std::string_view id,
                         std::vector<SchemaRecord>* out) = 0;
};

}  // namespace spirapi

#endif  // SPIRAPI_SCHEMA_H_
