// SchemaManagerImpl: the SchemaManager of include/spirapi/schema.h.
// Record layout (docs/SCHEMA.md):
//   SCHEMA  def/<schema>                 the schema (SchemaJson)
//   SCHEMA  rec/<schema>/<id>            a record; metadata {"schema_version":V}
//                                        (temporal: and "valid_from_us")
//   SCHEMA  hist/<schema>/<id>/<t>       temporal: the version of the record
//                                        valid from t (20-digit microseconds
//                                        since the epoch); metadata
//                                        {"schema_version":V} (+"deleted":true)
//   INDEX   unique/<schema>/<field>/<h>  {"id": record id}; h = hex SHA-256 of
//                                        CanonicalValue of the value as the
//                                        schema presents it (64 digits)
//   INDEX   ref/<target>/<tid>/<schema>/<id>  record <schema>/<id> refers to
//                                        <target>/<tid>
//   INDEX   refs/<target>/<tid>          {"count": n}: how many records refer
//                                        to it; every write of a reference and
//                                        every delete of <tid> writes it, so
//                                        they conflict

#ifndef SPIRAPI_SCHEMA_SCHEMA_MANAGER_H_
#define SPIRAPI_SCHEMA_SCHEMA_MANAGER_H_

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <rapidjson/document.h>

#include "schema/schema_locks.h"
#include "schema/schema_model.h"
#include "spirapi/pi.h"
#include "spirapi/schema.h"

namespace spirapi::schema {

std::string SchemaKey(std::string_view name);
std::string RecordPrefix(std::string_view name);
std::string RecordKey(std::string_view name, std::string_view id);  // rec/<name>/<id>
// The key of a unique value, from its canonical text (CanonicalValue).
std::string UniqueKey(std::string_view name, std::string_view field, std::string_view canonical);
// The key of `value` of a field of type def.type.
std::string UniqueKeyOf(std::string_view name, const std::string& field, const FieldDef& def,
                        const rapidjson::Value& value);
// The record id a unique-value INDEX record names ("" if malformed).
std::string UniqueOwner(const StorageRecord& key);
// A stored record of `schema` as read back: presented under the current version.
SchemaRecord Presented(const Schema& schema, std::string id, const StorageRecord& stored);
uint64_t VersionOf(std::string_view metadata);  // "schema_version" of record metadata; 0 if none
uint64_t ValidFromOf(std::string_view metadata);  // "valid_from_us" (temporal); 0 if none
std::string RecordMetadata(uint64_t version, uint64_t valid_from_us);  // the two above
// Temporal history: hist/<schema>/<id>/ and one version's key.
std::string HistoryPrefix(std::string_view name, std::string_view id);
std::string HistoryKey(std::string_view name, std::string_view id, uint64_t valid_from_us);
// Stores one version of a temporal record, valid from the later of now and
// just after the version it replaces (clocks may step back); *from_us gets
// that time.
Status PutHistory(Transaction* txn, std::string_view name, std::string_view id,
                  uint64_t previous_from_us, const std::string& json, uint64_t version,
                  bool deleted, uint64_t* from_us);
// What a record refers to: (schema, id) -> the (first) field holding it.
using References = std::map<std::pair<std::string, std::string>, std::string>;
// The references of a record presented under `schema`.
References ReferencesOf(const Schema& schema, std::string_view presented_json);
double NowSeconds();

// The `where` of Find: fields equal to JSON values (all must match).
class RecordFilter {
 public:
  // InvalidArgument for an unknown field or a value that is not JSON.
  static Status Parse(const Schema& schema,
                      const std::vector<std::pair<std::string, std::string>>& where,
                      RecordFilter* out);
  bool Matches(const std::string& presented_json) const;
  // A condition on a unique field that its unique-value records can answer:
  // the field and the value's canonical text. False if none.
  bool UniqueCondition(const Schema& schema, std::string* field, std::string* canonical) const;

 private:
  // Values compare as the field's type makes them equal (CanonicalValue).
  struct Wanted {
    std::string field;
    FieldType type;
    std::string canonical;
    bool null;
  };
  std::vector<Wanted> wanted_;
};

class SchemaManagerImpl : public SchemaManager {
 public:
  SchemaManagerImpl(DB* db, std::unique_ptr<PiStore> ids)
      : db_(db), ids_(std::move(ids)), locks_(SchemaLocks::For(db)) {}

  Status CreateSchema(std::string_view name, SchemaZone zone, std::string_view fields_json,
                      SchemaInfo* out) override;
  Status GetSchema(std::string_view name, SchemaInfo* out) override;
  Status ListSchemas(std::vector<SchemaInfo>* out) override;
  Status Evolve(std::string_view name, const SchemaChange& change, SchemaInfo* out) override;
  Status ExportSchema(std::string_view name, SchemaFormat format, std::string* out) override;
  Status ImportSchema(std::string_view name, std::string_view json_schema,
                      SchemaInfo* out) override;
  Status Insert(std::string_view schema, std::string_view record_json, std::string* id) override;
  Status InsertBatch(std::string_view schema, const std::vector<std::string_view>& records_json,
                     InsertBatchReport* report) override;
  Status Rollback(std::string_view name, uint64_t to_version, bool force, RollbackReport* report,
                  SchemaInfo* out) override;
  Status Update(std::string_view schema, std::string_view id,
                std::string_view record_json) override;
  Status Delete(std::string_view schema, std::string_view id, DeleteReport* report) override;
  Status Migrate(std::string_view name, MigrationReport* report) override;
  Status Get(std::string_view schema, std::string_view id, SchemaRecord* out) override;
  Status Find(std::string_view schema,
              const std::vector<std::pair<std::string, std::string>>& where,
              std::vector<SchemaRecord>* out) override;
  Status Scan(std::string_view schema,
              const std::function<bool(const SchemaRecord&)>& fn) override;
  Status GetAsOf(std::string_view schema, std::string_view id, double as_of,
                 SchemaRecord* out) override;
  Status FindAsOf(std::string_view schema,
                  const std::vector<std::pair<std::string, std::string>>& where, double as_of,
                  std::vector<SchemaRecord>* out) override;
  Status History(std::string_view schema, std::string_view id,
                 std::vector<SchemaRecord>* out) override;

 private:
  enum class WriteMode { kInsert, kUpdate };
  // The schema as `txn` sees it (or the latest, with txn null), parsed once
  // per stored version: parsing compiles its patterns.
  Status LoadSchema(Transaction* txn, std::string_view name,
                    std::shared_ptr<const Schema>* out);
  // The records of one write transaction as they are validated, and each
  // one's pending writes (record_plan.cc).
  struct WriteState;
  struct PendingRecord;
  // Validates records (compact JSON objects) and stores them in one
  // transaction, in order, each seeing the schema as the ones before it
  // left it (record_plan.cc). Empty *ids (inserts) get new π identifiers
  // once every record is found valid, so that a refused write takes none;
  // an update passes its one id. InvalidArgument for the first record
  // refused, its index in *rejected, the message without a position.
  // Conflict when a concurrent writer won: the caller retries, with the same
  // *ids. A write that widens a unique field's type changes how its values
  // compare: without `exclusive` (the schema's lock held exclusively) it
  // sets *retype and writes nothing; with it, it rebuilds that field's keys.
  Status WriteOnce(std::string_view name, const std::vector<std::string>& records,
                   std::vector<std::string>* ids, WriteMode mode, bool exclusive, bool* retype,
                   size_t* rejected);
  // Retries WriteOnce while it conflicts, holding the schema's lock shared
  // (exclusively for a write that retypes a unique field).
  Status Write(std::string_view name, const std::vector<std::string>& records,
               std::vector<std::string>* ids, WriteMode mode, size_t* rejected);
  // Validates the next record of `state` (its id, for an update), adding
  // what is wrong with it to *problems, else its writes to state->records.
  Status PlanRecord(WriteState* state, const std::string& record_json, const std::string& id,
                    std::string* problems);
  // A retyped unique field: the keys of the records planned so far, as
  // `schema` presents their values.
  void Rekey(WriteState* state, const Schema& schema, const std::string& field);
  // Adds to state->txn the writes of every planned record, now with ids.
  Status ApplyRecords(WriteState* state, const std::vector<std::string>& ids);
  // Adds to txn the deletion of <name>/<id> and of what cascades from it;
  // restricted references go to *problems. `deleted` holds "<schema>/<id>"
  // of the records this transaction deletes.
  Status DeleteInTxn(Transaction* txn, const std::string& name, const std::string& id,
                     std::vector<std::string>* deleted, std::string* problems);
  // Validates a write: NotFound for a reference to a missing record goes to
  // *problems. Puts or removes the ref/ and refs/ records so that the
  // record refers to exactly `after` (pairs of schema and id).
  Status SyncReferences(Transaction* txn, const std::string& name, const std::string& id,
                        const References& before, const References& after,
                        std::string* problems);
  // SyncReferences in two steps: the check, then the writes.
  Status CheckReferences(Transaction* txn, const References& before, const References& after,
                         std::string* problems);
  Status WriteReferences(Transaction* txn, const std::string& name, const std::string& id,
                         const References& before, const References& after);
  // Every record of `name` with its stored JSON and version, committed state.
  Status ScanRecords(std::string_view name,
                     const std::function<bool(const std::string& id, const StorageRecord&)>& fn);
  // For an alter: InvalidArgument naming the records (up to 10) that the
  // schema `next` rejects, presented under it.
  Status CheckRecordsAgainst(const Schema& next, const std::string& field);
  // The INDEX records of unique values of `field`.
  Status UniqueKeysOf(std::string_view name, std::string_view field,
                      std::vector<StorageRecord>* keys);
  // Adds to txn the unique-value records a change implies: dropped with a
  // dropped or no longer unique field, moved with a renamed one, rebuilt
  // (and checked for repeats) for a field that becomes unique or is altered.
  Status UpdateUniqueKeys(Transaction* txn, const Schema& before, const Schema& after,
                          const SchemaChange& change);
  // Makes txn hold exactly the unique-value records of `field` for the
  // records as `schema` presents them (committed state; the caller holds
  // the schema's lock exclusively). Values held by several records go to
  // *repeats; the first record (by id) keeps the key.
  // *keys (if not null) gets every key the field now has.
  Status RebuildUniqueKeys(Transaction* txn, const Schema& schema, const std::string& field,
                           std::string* repeats, std::vector<std::string>* keys = nullptr);
  // A schema stored before unique keys were canonical gets them rebuilt and
  // is marked (Schema::canonical_unique_keys); a no-op once it is.
  Status UpgradeUniqueKeys(std::string_view name);
  // One batch of Migrate: up to kMigrateBatch records after `*after`.
  // Sets *done when no record is left.
  Status MigrateBatch(std::string_view name, std::string* after, bool* done,
                      MigrationReport* report);
  // Makes `change` turn the current schema into *next, adding to txn what
  // else it writes; ChangeSchema then stores *next (the version is the
  // change's business), holding the schema's lock exclusively, retrying
  // conflicts. *out gets the new schema.
  using SchemaChangeFn =
      std::function<Status(Transaction* txn, const Schema& current, Schema* next)>;
  Status ChangeSchema(std::string_view name, const SchemaChangeFn& change, SchemaInfo* out);
  // NotFound, or InvalidArgument unless the schema is temporal.
  Status LoadTemporalSchema(std::string_view name, std::shared_ptr<const Schema>* out);
  // Checks the reference fields of `schema`: only in relational schemas, to
  // schemas that exist (or to itself).
  Status CheckReferenceFields(const Schema& schema);
  // Stores a new schema at version 1. Conflict if the name is taken.
  Status CreateFrom(Schema schema, SchemaInfo* out);
  // Applies change to schema (a copy), checking it. Does not store it.
  Status ApplyChange(const SchemaChange& change, Schema* schema);

  DB* const db_;
  const std::unique_ptr<PiStore> ids_;
  const std::shared_ptr<SchemaLocks> locks_;

  std::mutex cache_mu_;
  // name -> (checksum of the stored definition, parsed schema)
  std::map<std::string, std::pair<std::string, std::shared_ptr<const Schema>>, std::less<>>
      cache_;  // guarded by cache_mu_
};

}  // namespace spirapi::schema

#endif  // SPIRAPI_SCHEMA_SCHEMA_MANAGER_H_
