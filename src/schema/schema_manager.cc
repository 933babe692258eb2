// SchemaManager: schemas and their records on the engine.

#include "schema/schema_manager.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <chrono>
#include <shared_mutex>

#include "schema/field_value.h"
#include "schema/schema_export.h"
#include "schema/schema_history.h"
#include "schema/schema_json.h"
#include "util/hash.h"
#include "util/json_document.h"

namespace spirapi {

Status SchemaManager::Open(DB* db, std::unique_ptr<SchemaManager>* out) {
  if (db == nullptr) return Status::InvalidArgument("SchemaManager::Open: db is null");
  std::unique_ptr<PiStore> ids;
  Status s = PiStore::Open(db, &ids);
  if (!s.ok()) return s;
  out->reset(new schema::SchemaManagerImpl(db, std::move(ids)));
  return Status::OK();
}

namespace schema {
namespace {

constexpr int kMaxAttempts = 50;   // conflicting writers retried this often
constexpr size_t kMigrateBatch = 256;


void Append(std::string* problems, const std::string& problem) {
  if (!problems->empty()) *problems += "; ";
  *problems += problem;
}

SchemaInfo InfoOf(const Schema& schema) {
  return SchemaInfo{schema.name, schema.zone, schema.version, SchemaJson(schema)};
}

}  // namespace

uint64_t VersionOf(std::string_view metadata) {
  rapidjson::Document doc;
  ParseJsonDocument(metadata, &doc);
  if (doc.IsObject() && doc.HasMember("schema_version") && doc["schema_version"].IsUint64()) {
    return doc["schema_version"].GetUint64();
  }
  return 0;
}

uint64_t ValidFromOf(std::string_view metadata) {
  rapidjson::Document doc;
  ParseJsonDocument(metadata, &doc);
  if (doc.IsObject() && doc.HasMember("valid_from_us") && doc["valid_from_us"].IsUint64()) {
    return doc["valid_from_us"].GetUint64();
  }
  return 0;
}

std::string RecordMetadata(uint64_t version, uint64_t valid_from_us) {
  std::string metadata = "{\"schema_version\":" + std::to_string(version);
  if (valid_from_us != 0) metadata += ",\"valid_from_us\":" + std::to_string(valid_from_us);
  return metadata + "}";
}

double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string SchemaKey(std::string_view name) { return "def/" + std::string(name); }
std::string RecordPrefix(std::string_view name) { return "rec/" + std::string(name) + "/"; }
std::string RecordKey(std::string_view name, std::string_view id) {
  return RecordPrefix(name) + std::string(id);
}
std::string UniqueKey(std::string_view name, std::string_view field, std::string_view value_json) {
  const Sha256Digest digest = Sha256Of(value_json);
  return "unique/" + std::string(name) + "/" + std::string(field) + "/" +
         ToHex(digest.data(), digest.size());
}

std::string UniqueKeyOf(std::string_view name, const std::string& field, const FieldDef& def,
                        const rapidjson::Value& value) {
  return UniqueKey(name, field, CanonicalValue(def.type, value));
}

Status SchemaManagerImpl::LoadSchema(Transaction* txn, std::string_view name,
                                     std::shared_ptr<const Schema>* out) {
  Status s = ValidateSchemaName(name);
  if (!s.ok()) return s;
  StorageRecord stored;
  s = txn != nullptr ? txn->Get(Component::kSchema, SchemaKey(name), &stored)
                     : db_->Get(ReadOptions(), Component::kSchema, SchemaKey(name), &stored);
  if (s.IsNotFound()) return Status::NotFound("no schema '" + std::string(name) + "'");
  if (!s.ok()) return s;
  std::lock_guard<std::mutex> lock(cache_mu_);
  auto it = cache_.find(name);
  if (it != cache_.end() && it->second.first == stored.checksum) {
    *out = it->second.second;
    return Status::OK();
  }
  auto schema = std::make_shared<Schema>();
  s = ParseSchemaJson(stored.data, schema.get());
  if (!s.ok()) return Status::Corruption("schema '" + std::string(name) + "': " + s.message());
  cache_[std::string(name)] = {stored.checksum, schema};
  *out = std::move(schema);
  return Status::OK();
}

Status SchemaManagerImpl::CreateSchema(std::string_view name, SchemaZone zone,
                                       std::string_view fields_json, SchemaInfo* out) {
  Schema schema;
  schema.zone = zone;
  Status s = ParseFieldDefs(fields_json, &schema.fields);
  if (!s.ok()) return s;
  schema.name = std::string(name);
  return CreateFrom(std::move(schema), out);
}

Status SchemaManagerImpl::ImportSchema(std::string_view name, std::string_view json_schema,
                                       SchemaInfo* out) {
  Schema schema;
  Status s = ImportJsonSchema(json_schema, &schema.zone, &schema.fields);
  if (!s.ok()) return s;
  schema.name = std::string(name);
  return CreateFrom(std::move(schema), out);
}

Status SchemaManagerImpl::CheckReferenceFields(const Schema& schema) {
  std::string problems;
  for (const auto& [field, def] : schema.fields) {
    if (def.type != FieldType::kReference) continue;
    if (schema.zone != SchemaZone::kRelational) {
      Append(&problems, "field '" + field + "': a reference needs the relational zone");
      continue;
    }
    if (def.references == schema.name) continue;
    bool exists = false;
    Status s = db_->Exists(ReadOptions(), Component::kSchema, SchemaKey(def.references), &exists);
    if (!s.ok()) return s;
    if (!exists) {
      Append(&problems, "field '" + field + "': there is no schema '" + def.references + "'");
    }
  }
  return problems.empty() ? Status::OK() : Status::InvalidArgument(problems);
}

Status SchemaManagerImpl::CreateFrom(Schema schema, SchemaInfo* out) {
  schema.canonical_unique_keys = true;
  Status s = ValidateSchemaName(schema.name);
  if (!s.ok()) return s;
  s = CheckReferenceFields(schema);
  if (!s.ok()) return s;
  std::unique_ptr<Transaction> txn;
  s = db_->BeginTransaction(WriteOptions(), &txn);
  if (!s.ok()) return s;
  bool exists = false;
  s = txn->Exists(Component::kSchema, SchemaKey(schema.name), &exists);
  if (!s.ok()) return s;
  if (exists) return Status::Conflict("schema '" + schema.name + "' already exists");
  s = txn->Put(Component::kSchema, SchemaKey(schema.name), SchemaJson(schema));
  if (s.ok()) s = txn->Commit();
  if (s.ok()) *out = InfoOf(schema);
  return s;
}

Status SchemaManagerImpl::ExportSchema(std::string_view name, SchemaFormat format,
                                       std::string* out) {
  std::shared_ptr<const Schema> schema;
  Status s = LoadSchema(nullptr, name, &schema);
  if (!s.ok()) return s;
  if (format == SchemaFormat::kSqlDdl) return ExportSqlDdl(*schema, out);
  *out = ExportJsonSchema(*schema);
  return Status::OK();
}

Status SchemaManagerImpl::GetSchema(std::string_view name, SchemaInfo* out) {
  std::shared_ptr<const Schema> schema;
  Status s = LoadSchema(nullptr, name, &schema);
  if (s.ok()) *out = InfoOf(*schema);
  return s;
}

Status SchemaManagerImpl::ListSchemas(std::vector<SchemaInfo>* out) {
  out->clear();
  ScanOptions so;
  so.prefix = "def/";
  Status problem;
  Status s = db_->Scan(ReadOptions(), Component::kSchema, so, [&](const StorageRecord& r) {
    Schema schema;
    problem = ParseSchemaJson(r.data, &schema);
    if (!problem.ok()) {
      problem = Status::Corruption("record " + r.id + ": " + problem.message());
      return false;
    }
    out->push_back(InfoOf(schema));
    return true;
  });
  return s.ok() ? problem : s;
}

Status SchemaManagerImpl::ApplyChange(const SchemaChange& change, Schema* schema) {
  const std::string& field = change.field;
  auto it = schema->fields.find(field);
  SchemaChange entry = change;
  if (change.action == "add") {
    if (it != schema->fields.end()) {
      return Status::InvalidArgument("field '" + field + "' already exists");
    }
    FieldDef def;
    Status s = ParseFieldDef(field, change.new_definition, &def);
    if (!s.ok()) return s;
    entry.new_definition = FieldDefJson(def);
    entry.old_definition.clear();
    schema->fields.emplace(field, std::move(def));
  } else if (change.action == "drop" || change.action == "alter" || change.action == "rename") {
    if (it == schema->fields.end()) {
      return Status::InvalidArgument("schema '" + schema->name + "' has no field '" + field + "'");
    }
    entry.old_definition = FieldDefJson(it->second);
    entry.new_definition.clear();
    if (change.action == "drop") {
      schema->fields.erase(it);
    } else if (change.action == "alter") {
      FieldDef def;
      Status s = ParseFieldDef(field, change.new_definition, &def);
      if (!s.ok()) return s;
      entry.new_definition = FieldDefJson(def);
      it->second = std::move(def);
    } else {
      Status s = ValidateFieldName(change.new_name);
      if (!s.ok()) return s;
      if (schema->fields.count(change.new_name) > 0) {
        return Status::InvalidArgument("field '" + change.new_name + "' already exists");
      }
      FieldDef def = std::move(it->second);
      schema->fields.erase(it);
      schema->fields.emplace(change.new_name, std::move(def));
    }
  } else {
    return Status::InvalidArgument("unknown schema change '" + change.action +
                                   "' (add, drop, alter or rename)");
  }
  schema->version += 1;
  entry.version = schema->version;
  entry.timestamp = NowSeconds();
  schema->history.push_back(std::move(entry));
  return Status::OK();
}

Status SchemaManagerImpl::UniqueKeysOf(std::string_view name, std::string_view field,
                                       std::vector<StorageRecord>* keys) {
  const std::string prefix = "unique/" + std::string(name) + "/" + std::string(field) + "/";
  ScanOptions so;
  so.prefix = prefix;
  keys->clear();
  return db_->Scan(ReadOptions(), Component::kIndex, so, [&](const StorageRecord& r) {
    // A longer field name ("a/b" under prefix ".../a/") has more before the hash.
    if (r.id.size() == prefix.size() + 64) keys->push_back(r);
    return true;
  });
}

Status SchemaManagerImpl::UpdateUniqueKeys(Transaction* txn, const Schema& before,
                                           const Schema& after, const SchemaChange& change) {
  const std::string& name = after.name;
  auto was = before.fields.find(change.field);
  const bool was_unique = was != before.fields.end() && was->second.unique;
  const std::string& now_name = change.action == "rename" ? change.new_name : change.field;
  auto now = after.fields.find(now_name);
  const bool now_unique = now != after.fields.end() && now->second.unique;
  std::vector<StorageRecord> keys;
  if (was_unique && (!now_unique || change.action == "rename")) {
    Status s = UniqueKeysOf(name, change.field, &keys);
    if (!s.ok()) return s;
    const size_t hash_at = keys.empty() ? 0 : keys[0].id.size() - 64;
    for (const StorageRecord& key : keys) {
      s = txn->Delete(Component::kIndex, key.id);
      if (s.ok() && now_unique) {
        s = txn->Put(Component::kIndex,
                     "unique/" + name + "/" + now_name + "/" + key.id.substr(hash_at), key.data);
      }
      if (!s.ok() && !s.IsNotFound()) return s;
    }
    return Status::OK();
  }
  // Newly unique, or its values may present otherwise (a type or default
  // altered): every record's value as `after` presents it, never repeated.
  if (!now_unique || (was_unique && change.action != "alter")) return Status::OK();
  std::string problems;
  Status s = RebuildUniqueKeys(txn, after, now_name, &problems);
  if (!s.ok()) return s;
  if (!problems.empty()) {
    return Status::InvalidArgument("field '" + now_name + "' cannot " +
                                   (was_unique ? "be altered" : "become unique") + ": " +
                                   problems);
  }
  return Status::OK();
}

Status SchemaManagerImpl::RebuildUniqueKeys(Transaction* txn, const Schema& schema,
                                            const std::string& field, std::string* repeats,
                                            std::vector<std::string>* keys) {
  const std::string& name = schema.name;
  const FieldDef& def = schema.fields.at(field);
  std::vector<StorageRecord> stored_keys;
  Status s = UniqueKeysOf(name, field, &stored_keys);
  if (!s.ok()) return s;
  std::map<std::string, std::string> owner;  // key -> record id
  s = ScanRecords(name, [&](const std::string& id, const StorageRecord& r) {
    rapidjson::Document doc;
    ParseJsonDocument(Present(schema, r.data, VersionOf(r.metadata)), &doc);
    auto it = doc.FindMember(field.c_str());
    if (it == doc.MemberEnd() || it->value.IsNull()) return true;
    auto [at, fresh] = owner.emplace(UniqueKeyOf(name, field, def, it->value), id);
    if (!fresh) {
      Append(repeats, CompactJson(it->value) + " is in records " + at->second + " and " + id);
    }
    return true;
  });
  if (!s.ok()) return s;
  if (keys != nullptr) {
    keys->clear();
    for (const auto& [key, id] : owner) keys->push_back(key);
  }
  // Only what differs is written: an upgrade rewrites few keys.
  for (const StorageRecord& key : stored_keys) {
    auto now = owner.find(key.id);
    if (now == owner.end()) {
      s = txn->Delete(Component::kIndex, key.id);
    } else if (UniqueOwner(key) == now->second) {
      owner.erase(now);
    }
    if (!s.ok() && !s.IsNotFound()) return s;
  }
  for (const auto& [key, id] : owner) {
    s = txn->Put(Component::kIndex, key, "{\"id\":" + JsonQuote(id) + "}");
    if (!s.ok()) return s;
  }
  return Status::OK();
}

Status SchemaManagerImpl::UpgradeUniqueKeys(std::string_view name) {
  std::shared_ptr<const Schema> schema;
  Status s = LoadSchema(nullptr, name, &schema);
  if (!s.ok() || schema->canonical_unique_keys) return s;
  auto upgrade = [&](Transaction* txn, const Schema& current, Schema* next) -> Status {
    next->canonical_unique_keys = true;
    if (current.canonical_unique_keys) return Status::OK();  // done meanwhile
    for (const auto& [field, def] : next->fields) {
      if (!def.unique) continue;
      // Values accepted as different before (3 and 3.0) stay; the key is
      // the first record's (docs/SCHEMA.md).
      std::string repeats;
      Status rebuilt = RebuildUniqueKeys(txn, *next, field, &repeats);
      if (!rebuilt.ok()) return rebuilt;
    }
    return Status::OK();
  };
  SchemaInfo ignored;
  return ChangeSchema(name, upgrade, &ignored);
}

Status SchemaManagerImpl::CheckRecordsAgainst(const Schema& next, const std::string& field) {
  const FieldDef& def = next.fields.at(field);
  std::string problems;
  uint64_t violating = 0;
  Status s = ScanRecords(next.name, [&](const std::string& id, const StorageRecord& r) {
    rapidjson::Document doc;
    ParseJsonDocument(Present(next, r.data, VersionOf(r.metadata)), &doc);
    auto it = doc.FindMember(field.c_str());
    std::string why;
    if (it == doc.MemberEnd() || it->value.IsNull()) {
      if (def.required) why = "required";
    } else {
      why = CheckValue(def, it->value, /*check_enum=*/true);
    }
    if (!why.empty() && ++violating <= 10) Append(&problems, "record " + id + ": " + why);
    return true;
  });
  if (!s.ok()) return s;
  if (violating == 0) return Status::OK();
  return Status::InvalidArgument("field '" + field + "' cannot be altered: " +
                                 std::to_string(violating) + " record(s) violate it (" +
                                 problems + (violating > 10 ? "; ..." : "") + ")");
}

Status SchemaManagerImpl::ChangeSchema(std::string_view name, const SchemaChangeFn& change,
                                       SchemaInfo* out) {
  Status s = ValidateSchemaName(name);
  if (!s.ok()) return s;
  // Exclusive: changes read every record, which writes must not change
  // meanwhile (schema_locks.h).
  std::unique_lock<std::shared_mutex> lock(locks_->Of(name));
  for (int attempt = 0;; ++attempt) {
    std::unique_ptr<Transaction> txn;
    s = db_->BeginTransaction(WriteOptions(), &txn);
    if (!s.ok()) return s;
    std::shared_ptr<const Schema> current;
    s = LoadSchema(txn.get(), name, &current);
    if (!s.ok()) return s;
    Schema next = *current;
    s = change(txn.get(), *current, &next);
    if (!s.ok()) return s;
    s = txn->Put(Component::kSchema, SchemaKey(name), SchemaJson(next));
    if (s.ok()) s = txn->Commit();
    if (s.IsConflict() && attempt < kMaxAttempts) continue;
    if (s.ok()) *out = InfoOf(next);
    return s;
  }
}

Status SchemaManagerImpl::Evolve(std::string_view name, const SchemaChange& change,
                                 SchemaInfo* out) {
  auto apply = [&](Transaction* txn, const Schema& current, Schema* next) -> Status {
    Status s = ApplyChange(change, next);
    if (!s.ok()) return s;
    s = CheckReferenceFields(*next);
    if (!s.ok()) return s;
    if (change.action == "alter") {
      s = CheckRecordsAgainst(*next, change.field);
      if (!s.ok()) return s;
    }
    auto is_reference = [](const Schema& schema, const std::string& field) {
      auto it = schema.fields.find(field);
      return it != schema.fields.end() && it->second.type == FieldType::kReference;
    };
    if (is_reference(current, change.field) || is_reference(*next, change.field)) {
      // A reference dropped or redefined: the records' references follow.
      std::string problems;
      Status sync;
      s = ScanRecords(name, [&](const std::string& id, const StorageRecord& r) {
        const uint64_t version = VersionOf(r.metadata);
        sync = SyncReferences(txn, std::string(name), id,
                              ReferencesOf(current, Present(current, r.data, version)),
                              ReferencesOf(*next, Present(*next, r.data, version)), &problems);
        return sync.ok();
      });
      if (s.ok()) s = sync;
      if (!s.ok()) return s;
      if (!problems.empty()) {
        return Status::InvalidArgument("field '" + change.field + "' cannot change: " +
                                       problems);
      }
    }
    if (change.action == "add") {
      const FieldDef& def = next->fields.at(change.field);
      if (def.required && def.default_json.empty()) {
        bool has_records = false;
        ScanOptions so;
        so.prefix = RecordPrefix(name);
        so.limit = 1;
        s = db_->Scan(ReadOptions(), Component::kSchema, so, [&](const StorageRecord&) {
          has_records = true;
          return false;
        });
        if (!s.ok()) return s;
        if (has_records) {
          return Status::InvalidArgument("field '" + change.field +
                                         "' is required without a default, but schema '" +
                                         std::string(name) + "' has records");
        }
      }
    }
    return UpdateUniqueKeys(txn, current, *next, change);
  };
  Status s = UpgradeUniqueKeys(name);
  return s.ok() ? ChangeSchema(name, apply, out) : s;
}

Status SchemaManagerImpl::Migrate(std::string_view name, MigrationReport* report) {
  *report = MigrationReport();
  Status s = UpgradeUniqueKeys(name);
  if (!s.ok()) return s;
  std::shared_ptr<const Schema> schema;
  s = LoadSchema(nullptr, name, &schema);
  if (!s.ok()) return s;
  // The cursor of an interrupted run, if it migrated towards this version.
  const std::string cursor_key = "schema-migrate/" + std::string(name);
  std::string after;
  StorageRecord cursor;
  s = db_->Get(ReadOptions(), Component::kMetadata, cursor_key, &cursor);
  if (s.ok()) {
    rapidjson::Document doc;
    ParseJsonDocument(cursor.data, &doc);
    if (doc.IsObject() && doc.HasMember("version") && doc["version"].IsUint64() &&
        doc["version"].GetUint64() == schema->version && doc.HasMember("after") &&
        doc["after"].IsString()) {
      after = doc["after"].GetString();
    }
  } else if (!s.IsNotFound()) {
    return s;
  }
  for (bool done = false; !done;) {
    s = MigrateBatch(name, &after, &done, report);
    if (!s.ok()) return s;
  }
  s = db_->Delete(WriteOptions(), Component::kMetadata, cursor_key);
  return s.IsNotFound() ? Status::OK() : s;
}

Status SchemaManagerImpl::MigrateBatch(std::string_view name, std::string* after, bool* done,
                                       MigrationReport* report) {
  const std::string prefix = RecordPrefix(name);
  std::shared_lock<std::shared_mutex> lock(locks_->Of(name));
  for (int attempt = 0;; ++attempt) {
    std::unique_ptr<Transaction> txn;
    Status s = db_->BeginTransaction(WriteOptions(), &txn);
    if (!s.ok()) return s;
    std::shared_ptr<const Schema> schema;
    s = LoadSchema(txn.get(), name, &schema);
    if (!s.ok()) return s;
    // The next ids, read outside the transaction; each is read again inside
    // it, so a concurrent insert or migration shows up as a conflict.
    std::vector<std::string> ids;
    ScanOptions so;
    so.prefix = prefix;
    so.from = prefix + *after + std::string(1, '\0');
    so.limit = kMigrateBatch;
    s = db_->Scan(ReadOptions(), Component::kSchema, so, [&](const StorageRecord& r) {
      ids.push_back(r.id);
      return true;
    });
    if (!s.ok()) return s;
    MigrationReport batch;
    for (const std::string& key : ids) {
      StorageRecord stored;
      s = txn->Get(Component::kSchema, key, &stored);
      if (s.IsNotFound()) continue;  // deleted meanwhile
      if (!s.ok()) return s;
      const uint64_t version = VersionOf(stored.metadata);
      if (version >= schema->version) {
        ++batch.current;
        continue;
      }
      // Unique keys already follow the presented values: nothing moves.
      const std::string presented = Present(*schema, stored.data, version);
      s = txn->Put(Component::kSchema, key, presented,
                   RecordMetadata(schema->version, ValidFromOf(stored.metadata)));
      if (!s.ok()) return s;
      ++batch.rewritten;
    }
    const std::string next = ids.empty() ? *after : ids.back().substr(prefix.size());
    s = txn->Put(Component::kMetadata, "schema-migrate/" + std::string(name),
                 "{\"version\":" + std::to_string(schema->version) +
                     ",\"after\":" + JsonQuote(next) + "}");
    if (s.ok()) s = txn->Commit();
    if (s.IsConflict() && attempt < kMaxAttempts) continue;
    if (!s.ok()) return s;
    report->rewritten += batch.rewritten;
    report->current += batch.current;
    *after = next;
    *done = ids.size() < kMigrateBatch;
    return Status::OK();
  }
}

SchemaRecord Presented(const Schema& schema, std::string id, const StorageRecord& stored) {
  SchemaRecord record;
  record.id = std::move(id);
  record.schema_version = VersionOf(stored.metadata);
  record.json = Present(schema, stored.data, record.schema_version);
  return record;
}

std::string UniqueOwner(const StorageRecord& key) {
  rapidjson::Document doc;
  ParseJsonDocument(key.data, &doc);
  return doc.IsObject() && doc.HasMember("id") && doc["id"].IsString() ? doc["id"].GetString()
                                                                        : "";
}

Status SchemaManagerImpl::Get(std::string_view name, std::string_view id, SchemaRecord* out) {
  std::shared_ptr<const Schema> schema;
  Status s = LoadSchema(nullptr, name, &schema);
  if (!s.ok()) return s;
  StorageRecord stored;
  s = db_->Get(ReadOptions(), Component::kSchema, RecordPrefix(name) + std::string(id), &stored);
  if (s.IsNotFound()) {
    return Status::NotFound("schema '" + std::string(name) + "' has no record '" +
                            std::string(id) + "'");
  }
  if (!s.ok()) return s;
  *out = Presented(*schema, std::string(id), stored);
  return Status::OK();
}

Status SchemaManagerImpl::Find(std::string_view name,
                               const std::vector<std::pair<std::string, std::string>>& where,
                               std::vector<SchemaRecord>* out) {
  out->clear();
  std::shared_ptr<const Schema> schema;
  Status s = LoadSchema(nullptr, name, &schema);
  if (!s.ok()) return s;
  RecordFilter filter;
  s = RecordFilter::Parse(*schema, where, &filter);
  if (!s.ok()) return s;
  std::string field, canonical;
  if (filter.UniqueCondition(*schema, &field, &canonical)) {
    // One lookup instead of a scan. A schema whose keys predate canonical
    // keys may hold a value under its old key: then scan.
    StorageRecord key, stored;
    s = db_->Get(ReadOptions(), Component::kIndex, UniqueKey(name, field, canonical), &key);
    if (s.ok()) {
      const std::string id = UniqueOwner(key);
      s = db_->Get(ReadOptions(), Component::kSchema, RecordPrefix(name) + id, &stored);
      if (s.ok()) {
        SchemaRecord record = Presented(*schema, id, stored);
        if (filter.Matches(record.json)) out->push_back(std::move(record));
        return Status::OK();
      }
    }
    if (!s.IsNotFound()) return s;
    if (schema->canonical_unique_keys) return Status::OK();
  }
  return ScanRecords(name, [&](const std::string& id, const StorageRecord& r) {
    SchemaRecord record = Presented(*schema, id, r);
    if (filter.Matches(record.json)) out->push_back(std::move(record));
    return true;
  });
}

Status SchemaManagerImpl::Scan(std::string_view name,
                               const std::function<bool(const SchemaRecord&)>& fn) {
  std::shared_ptr<const Schema> schema;
  Status s = LoadSchema(nullptr, name, &schema);
  if (!s.ok()) return s;
  return ScanRecords(name, [&](const std::string& id, const StorageRecord& r) {
    return fn(Presented(*schema, id, r));
  });
}

Status SchemaManagerImpl::ScanRecords(
    std::string_view name,
    const std::function<bool(const std::string& id, const StorageRecord&)>& fn) {
  const std::string prefix = RecordPrefix(name);
  ScanOptions so;
  so.prefix = prefix;
  return db_->Scan(ReadOptions(), Component::kSchema, so,
                   [&](const StorageRecord& r) { return fn(r.id.substr(prefix.size()), r); });
}

Status RecordFilter::Parse(const Schema& schema,
                           const std::vector<std::pair<std::string, std::string>>& where,
                           RecordFilter* out) {
  out->wanted_.clear();
  for (const auto& [field, value] : where) {
    auto def = schema.fields.find(field);
    if (def == schema.fields.end()) {
      return Status::InvalidArgument("schema '" + schema.name + "' has no field '" + field + "'");
    }
    rapidjson::Document doc;
    if (!ParseInputJson(value, &doc)) {
      return Status::InvalidArgument("the value for " + field + " is not JSON: " + value);
    }
    out->wanted_.push_back(
        Wanted{field, def->second.type, CanonicalValue(def->second.type, doc), doc.IsNull()});
  }
  return Status::OK();
}

bool RecordFilter::UniqueCondition(const Schema& schema, std::string* field,
                                   std::string* canonical) const {
  for (const Wanted& w : wanted_) {
    auto def = schema.fields.find(w.field);
    if (def == schema.fields.end() || !def->second.unique || w.null) continue;
    *field = w.field;
    *canonical = w.canonical;
    return true;
  }
  return false;
}

bool RecordFilter::Matches(const std::string& presented_json) const {
  if (wanted_.empty()) return true;
  rapidjson::Document doc;
  ParseJsonDocument(presented_json, &doc);
  for (const Wanted& w : wanted_) {
    auto it = doc.FindMember(w.field.c_str());
    if (it == doc.MemberEnd() || CanonicalValue(w.type, it->value) != w.canonical) return false;
  }
  return true;
}

}  // namespace schema
}  // namespace spirapi
