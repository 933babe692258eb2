// SchemaManagerImpl: the SchemaManager of include/spirapi/schema.h.
// Record layout (docs/SCHEMA.md):
//   SCHEMA  def/<schema>                 the schema (SchemaJson)
//   SCHEMA  rec/<schema>/<id>            a record; metadata {"schema_version":V}
//   INDEX   unique/<schema>/<field>/<h>  {"id": record id}; h = hex SHA-256 of
//                                        the value's compact JSON (64 digits)

#ifndef SPIRAPI_SCHEMA_SCHEMA_MANAGER_H_
#define SPIRAPI_SCHEMA_SCHEMA_MANAGER_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "schema/schema_model.h"
#include "spirapi/pi.h"
#include "spirapi/schema.h"

namespace spirapi::schema {

std::string SchemaKey(std::string_view name);
std::string RecordPrefix(std::string_view name);
std::string UniqueKey(std::string_view name, std::string_view field, std::string_view value_json);

class SchemaManagerImpl : public SchemaManager {
 public:
  SchemaManagerImpl(DB* db, std::unique_ptr<PiStore> ids) : db_(db), ids_(std::move(ids)) {}

  Status CreateSchema(std::string_view name, SchemaZone zone, std::string_view fields_json,
                      SchemaInfo* out) override;
  Status GetSchema(std::string_view name, SchemaInfo* out) override;
  Status ListSchemas(std::vector<SchemaInfo>* out) override;
  Status Evolve(std::string_view name, const SchemaChange& change, SchemaInfo* out) override;
  Status ExportSchema(std::string_view name, SchemaFormat format, std::string* out) override;
  Status ImportSchema(std::string_view name, std::string_view json_schema,
                      SchemaInfo* out) override;
  Status Insert(std::string_view schema, std::string_view record_json, std::string* id) override;
  Status Migrate(std::string_view name, MigrationReport* report) override;
  Status Get(std::string_view schema, std::string_view id, SchemaRecord* out) override;
  Status Find(std::string_view schema,
              const std::vector<std::pair<std::string, std::string>>& where,
              std::vector<SchemaRecord>* out) override;

 private:
  // The schema as `txn` sees it (or the latest, with txn null), parsed once
  // per stored version: parsing compiles its patterns.
  Status LoadSchema(Transaction* txn, std::string_view name,
                    std::shared_ptr<const Schema>* out);
  Status InsertOnce(std::string_view name, const std::string& record_json,
                    const std::string& id);
  // The INDEX records of unique values of `field`.
  Status UniqueKeysOf(std::string_view name, std::string_view field,
                      std::vector<StorageRecord>* keys);
  // Adds to txn the unique-value records a change implies: dropped with a
  // dropped or no longer unique field, moved with a renamed one, built (and
  // checked for repeats) for a field that becomes unique.
  Status UpdateUniqueKeys(Transaction* txn, const Schema& before, const Schema& after,
                          const SchemaChange& change);
  // One batch of Migrate: up to kMigrateBatch records after `*after`.
  // Sets *done when no record is left.
  Status MigrateBatch(std::string_view name, std::string* after, bool* done,
                      MigrationReport* report);
  // Stores a new schema at version 1. Conflict if the name is taken.
  Status CreateFrom(Schema schema, SchemaInfo* out);
  // Applies change to schema (a copy), checking it. Does not store it.
  Status ApplyChange(const SchemaChange& change, Schema* schema);
  // The stored record `json` (written under `version`) as the current
  // schema presents it; without convert_types, values keep their stored form.
  std::string Present(const Schema& schema, std::string_view json, uint64_t version,
                      bool convert_types = true);

  DB* const db_;
  const std::unique_ptr<PiStore> ids_;

  std::mutex cache_mu_;
  // name -> (checksum of the stored definition, parsed schema)
  std::map<std::string, std::pair<std::string, std::shared_ptr<const Schema>>, std::less<>>
      cache_;  // guarded by cache_mu_
};

}  // namespace spirapi::schema

#endif  // SPIRAPI_SCHEMA_SCHEMA_MANAGER_H_
