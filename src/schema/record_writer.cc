// Writing the records of a schema: Insert, Update and Delete, with what a
// write implies in the same transaction (a schema change by the zone, unique
// values, references, temporal history).

#include <rapidjson/document.h>

#include <chrono>
#include <cstdint>
#include <shared_mutex>

#include "schema/field_value.h"
#include "schema/schema_history.h"
#include "schema/schema_json.h"
#include "schema/schema_manager.h"
#include "util/json.h"
#include "util/json_document.h"

namespace spirapi::schema {
namespace {

constexpr int kMaxAttempts = 50;  // conflicting writers retried this often
constexpr int kIdDigits = 12;

void Append(std::string* problems, const std::string& problem) {
  if (!problems->empty()) *problems += "; ";
  *problems += problem;
}

uint64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}


std::string RecordKey(std::string_view name, std::string_view id) {
  return RecordPrefix(name) + std::string(id);
}

std::string RefKey(const std::string& target, const std::string& tid, const std::string& name,
                   const std::string& id) {
  return "ref/" + target + "/" + tid + "/" + name + "/" + id;
}

std::string RefCountKey(const std::string& target, const std::string& tid) {
  return "refs/" + target + "/" + tid;
}

// Adds delta to the reference count of target/tid (deleting it at 0).
Status AddToRefCount(Transaction* txn, const std::string& target, const std::string& tid,
                     int64_t delta) {
  const std::string key = RefCountKey(target, tid);
  StorageRecord stored;
  int64_t count = 0;
  Status s = txn->Get(Component::kIndex, key, &stored);
  if (s.ok()) {
    rapidjson::Document doc;
    ParseJsonDocument(stored.data, &doc);
    if (doc.IsObject() && doc.HasMember("count") && doc["count"].IsInt64()) {
      count = doc["count"].GetInt64();
    }
  } else if (!s.IsNotFound()) {
    return s;
  }
  count += delta;
  if (count > 0) {
    return txn->Put(Component::kIndex, key, "{\"count\":" + std::to_string(count) + "}");
  }
  s = txn->Delete(Component::kIndex, key);
  return s.IsNotFound() ? Status::OK() : s;
}

// A record as given to Insert or Update: a JSON object.
Status ParseRecord(std::string_view record_json, rapidjson::Document* record) {
  std::string error;
  if (!ParseInputJson(record_json, record, &error)) {
    return Status::InvalidArgument("the record is not accepted: " + error);
  }
  if (!record->IsObject()) return Status::InvalidArgument("a record must be a JSON object");
  return Status::OK();
}

}  // namespace

Status PutHistory(Transaction* txn, std::string_view name, std::string_view id,
                  uint64_t previous_from_us, const std::string& json, uint64_t version,
                  bool deleted, uint64_t* from_us) {
  *from_us = std::max(NowMicros(), previous_from_us + 1);
  const std::string metadata = "{\"schema_version\":" + std::to_string(version) +
                               (deleted ? ",\"deleted\":true}" : "}");
  return txn->Put(Component::kSchema, HistoryKey(name, id, *from_us), json, metadata);
}

std::string HistoryPrefix(std::string_view name, std::string_view id) {
  return "hist/" + std::string(name) + "/" + std::string(id) + "/";
}

std::string HistoryKey(std::string_view name, std::string_view id, uint64_t valid_from_us) {
  char digits[24];
  std::snprintf(digits, sizeof(digits), "%020llu",
                static_cast<unsigned long long>(valid_from_us));
  return HistoryPrefix(name, id) + digits;
}

References ReferencesOf(const Schema& schema, std::string_view presented_json) {
  References out;
  rapidjson::Document doc;
  ParseJsonDocument(presented_json, &doc);
  if (!doc.IsObject()) return out;
  for (const auto& [field, def] : schema.fields) {
    if (def.type != FieldType::kReference) continue;
    auto it = doc.FindMember(field.c_str());
    if (it != doc.MemberEnd() && it->value.IsString()) {
      out.emplace(std::make_pair(def.references, std::string(it->value.GetString())), field);
    }
  }
  return out;
}

Status SchemaManagerImpl::Insert(std::string_view name, std::string_view record_json,
                                 std::string* id) {
  rapidjson::Document record;
  Status s = ParseRecord(record_json, &record);
  if (!s.ok()) return s;
  // WriteOnce takes the identifier once the record is valid: taking one is
  // a durable write of the identifier counter (and the first one computes
  // π's digits), and a refused record changes nothing.
  std::string new_id;
  s = Write(name, CompactJson(record), &new_id, WriteMode::kInsert);
  if (s.ok()) *id = std::move(new_id);
  return s;
}

Status SchemaManagerImpl::Update(std::string_view name, std::string_view id,
                                 std::string_view record_json) {
  rapidjson::Document record;
  Status s = ParseRecord(record_json, &record);
  if (!s.ok()) return s;
  std::string record_id(id);
  return Write(name, CompactJson(record), &record_id, WriteMode::kUpdate);
}

Status SchemaManagerImpl::Write(std::string_view name, const std::string& record_json,
                                std::string* id, WriteMode mode) {
  Status s = ValidateSchemaName(name);
  if (s.ok()) s = UpgradeUniqueKeys(name);
  if (!s.ok()) return s;
  bool retype = false;
  auto write = [&](bool exclusive) {
    for (int attempt = 0;; ++attempt) {
      s = WriteOnce(name, record_json, id, mode, exclusive, &retype);
      if (s.IsConflict() && attempt < kMaxAttempts) continue;
      return s;
    }
  };
  {
    std::shared_lock<std::shared_mutex> lock(locks_->Of(name));
    s = write(false);
    if (!retype) return s;
  }
  // The keys of a retyped unique field are rebuilt from every record, which
  // no other write may change meanwhile.
  std::unique_lock<std::shared_mutex> lock(locks_->Of(name));
  return write(true);
}

Status SchemaManagerImpl::WriteOnce(std::string_view name, const std::string& record_json,
                                    std::string* id_in_out, WriteMode mode, bool exclusive,
                                    bool* retype) {
  *retype = false;
  // Empty until the record is found valid (an insert's first attempt).
  const std::string& id = *id_in_out;
  std::unique_ptr<Transaction> txn;
  Status s = db_->BeginTransaction(WriteOptions(), &txn);
  if (!s.ok()) return s;
  std::shared_ptr<const Schema> current;
  s = LoadSchema(txn.get(), name, &current);
  if (!s.ok()) return s;
  // An update: the record as it is, under the current schema.
  std::string old_presented = "{}";
  uint64_t old_from_us = 0;
  StorageRecord stored;  // an update's record as it is
  if (mode == WriteMode::kUpdate) {
    s = txn->Get(Component::kSchema, RecordKey(name, id), &stored);
    if (s.IsNotFound()) {
      return Status::NotFound("schema '" + std::string(name) + "' has no record '" + id + "'");
    }
    if (!s.ok()) return s;
    old_presented = Present(*current, stored.data, VersionOf(stored.metadata));
    old_from_us = ValidFromOf(stored.metadata);
  }
  rapidjson::Document record;
  ParseJsonDocument(record_json, &record);
  auto& alloc = record.GetAllocator();

  std::string problems;
  std::unique_ptr<Schema> changed;  // a copy, once the record changes the schema
  auto mutable_schema = [&]() -> Schema& {
    if (changed == nullptr) changed = std::make_unique<Schema>(*current);
    return *changed;
  };
  auto note = [&](const std::string& action, const std::string& field, const std::string& old_def,
                  const std::string& new_def) {
    Schema& next = mutable_schema();
    SchemaChange c;
    c.action = action;
    c.field = field;
    c.old_definition = old_def;
    c.new_definition = new_def;
    c.timestamp = NowSeconds();
    auto value = record.FindMember(rapidjson::Value(rapidjson::StringRef(field.data(),
                                                                         field.size())));
    // "record <id>" goes in front once the record has its id.
    c.reason = value == record.MemberEnd()
                   ? " has no " + field
                   : " has " + field + " = " + CompactJson(value->value);
    next.history.push_back(std::move(c));
  };

  // Undeclared fields: rejected, or added with the type their value shows.
  for (auto& m : record.GetObject()) {
    const std::string field(m.name.GetString(), m.name.GetStringLength());
    if (current->fields.count(field) > 0) continue;
    if (!AcceptsUnknownFields(current->zone)) {
      Append(&problems, field + ": not in schema '" + current->name + "' (" +
                            SchemaZoneName(current->zone) + " zone)");
      continue;
    }
    s = ValidateFieldName(field);
    if (!s.ok()) {
      Append(&problems, field + ": " + s.message());
      continue;
    }
    FieldDef def;
    def.type = InferType(m.value);
    note("add", field, "", FieldDefJson(def));
    mutable_schema().fields.emplace(field, std::move(def));
  }
  // Declared fields: defaults, required, type and rules.
  struct UniqueValue {
    std::string field, shown, key;
  };
  std::vector<UniqueValue> unique_values;
  std::vector<std::string> retyped;  // unique fields whose type this write widens
  for (const auto& [field, declared] : current->fields) {
    const rapidjson::Value key(rapidjson::StringRef(field.data(), field.size()));
    auto it = record.FindMember(key);
    if (it == record.MemberEnd() || it->value.IsNull()) {
      if (!declared.default_json.empty()) {
        rapidjson::Document value(&alloc);
        ParseJsonDocument(declared.default_json, &value);
        if (it == record.MemberEnd()) {
          record.AddMember(rapidjson::Value(field.c_str(), alloc), value, alloc);
        } else {
          it->value.CopyFrom(value, alloc);
        }
      } else if (declared.required && current->zone == SchemaZone::kEmergent) {
        // A field some records lack is optional in an emergent schema.
        FieldDef relaxed = declared;
        relaxed.required = false;
        note("relax", field, FieldDefJson(declared), FieldDefJson(relaxed));
        mutable_schema().fields[field] = std::move(relaxed);
      } else if (declared.required) {
        Append(&problems, field + ": required");
      }
      continue;
    }
    std::string why = CheckValue(declared, it->value, /*check_enum=*/true);
    if (!why.empty() && current->zone == SchemaZone::kEmergent) {
      const FieldType seen = InferType(it->value);
      FieldDef widened = declared;
      widened.type = WidenType(declared.type, seen);
      // Rules that do not fit the wider type go; the history keeps them.
      if (widened.type != FieldType::kInteger && widened.type != FieldType::kFloat) {
        widened.min_value.reset();
        widened.max_value.reset();
      }
      if (widened.type == FieldType::kJson) {
        widened.pattern.clear();
        widened.compiled_pattern.reset();
      }
      if (widened.type != declared.type &&
          CheckValue(widened, it->value, /*check_enum=*/true).empty()) {
        if (declared.unique && !exclusive) {
          *retype = true;  // Write calls again holding the lock exclusively
          return Status::OK();
        }
        if (declared.unique) retyped.push_back(field);
        note("widen", field, FieldDefJson(declared), FieldDefJson(widened));
        mutable_schema().fields[field] = std::move(widened);
        why.clear();
      }
    }
    if (!why.empty()) {
      Append(&problems, field + ": " + why);
      continue;
    }
    if (declared.unique) {
      const FieldDef& now = changed != nullptr ? changed->fields.at(field) : declared;
      unique_values.push_back(UniqueValue{field, CompactJson(it->value),
                                          UniqueKeyOf(name, field, now, it->value)});
    }
  }
  const Schema& final_schema = changed != nullptr ? *changed : *current;
  for (const std::string& field : retyped) {
    std::string repeats;  // none can arise: the values compared equal before
    s = RebuildUniqueKeys(txn.get(), final_schema, field, &repeats);
    if (!s.ok()) return s;
  }
  // Unique values: taken by another record, or ours to claim.
  std::vector<std::string> claims;
  for (UniqueValue& value : unique_values) {
    StorageRecord taken;
    s = txn->Get(Component::kIndex, value.key, &taken);
    if (s.ok()) {
      const std::string owner = UniqueOwner(taken);
      if (owner != id) {
        Append(&problems,
               value.field + ": " + value.shown + " is already used by record " + owner);
      }
      continue;
    }
    if (!s.IsNotFound()) return s;
    claims.push_back(std::move(value.key));
  }
  const std::string compact = CompactJson(record);
  // What Put would refuse, refused here before the record takes an id.
  if (!IsValidUtf8(compact)) {
    Append(&problems, "the record is not valid UTF-8 (raw bytes, or a \\u escape of an "
                      "unpaired surrogate)");
  }
  const size_t max_metadata = RecordMetadata(UINT64_MAX, UINT64_MAX).size();
  if (compact.size() + max_metadata > kMaxValueBytes) {
    Append(&problems, "the record is larger than " +
                          std::to_string(kMaxValueBytes - max_metadata) + " bytes of JSON");
  }
  const References old_references = ReferencesOf(*current, old_presented);
  const References new_references = ReferencesOf(*current, compact);
  if (current->zone == SchemaZone::kRelational) {
    s = CheckReferences(txn.get(), old_references, new_references, &problems);
    if (!s.ok()) return s;
  }
  if (!problems.empty()) {
    return Status::InvalidArgument("record rejected by schema '" + std::string(name) +
                                   "': " + problems);
  }

  if (id.empty()) {
    std::vector<std::string> ids;
    s = ids_->NewIds(1, kIdDigits, &ids);
    if (!s.ok()) return s;
    *id_in_out = std::move(ids[0]);  // kept for a retry after a conflict
  }
  for (const std::string& key : claims) {
    s = txn->Put(Component::kIndex, key, "{\"id\":\"" + id + "\"}");
    if (!s.ok()) return s;
  }
  // An update gives up the unique values it no longer has: the old record
  // as the schema now presents it (its keys were rebuilt for a retyped field).
  rapidjson::Document old_doc;
  ParseJsonDocument(mode == WriteMode::kUpdate
                        ? Present(final_schema, stored.data, VersionOf(stored.metadata))
                        : old_presented,
                    &old_doc);
  for (const auto& [field, def] : final_schema.fields) {
    auto was = old_doc.FindMember(field.c_str());
    if (!def.unique || was == old_doc.MemberEnd() || was->value.IsNull()) continue;
    const std::string key = UniqueKeyOf(name, field, def, was->value);
    auto now = record.FindMember(field.c_str());
    if (now != record.MemberEnd() && !now->value.IsNull() &&
        UniqueKeyOf(name, field, def, now->value) == key) {
      continue;
    }
    StorageRecord taken;
    s = txn->Get(Component::kIndex, key, &taken);
    if (s.ok() && UniqueOwner(taken) == id) s = txn->Delete(Component::kIndex, key);
    if (!s.ok() && !s.IsNotFound()) return s;
  }
  if (current->zone == SchemaZone::kRelational) {
    s = WriteReferences(txn.get(), std::string(name), id, old_references, new_references);
    if (!s.ok()) return s;
  }
  uint64_t version = current->version;
  if (changed != nullptr) {
    changed->version += 1;
    version = changed->version;
    for (size_t i = current->history.size(); i < changed->history.size(); ++i) {
      changed->history[i].version = version;
      changed->history[i].reason.insert(0, "record " + id);
    }
    s = txn->Put(Component::kSchema, SchemaKey(name), SchemaJson(*changed));
    if (!s.ok()) return s;
  }
  uint64_t from_us = 0;
  if (current->zone == SchemaZone::kTemporal) {
    s = PutHistory(txn.get(), name, id, old_from_us, compact, version, false, &from_us);
    if (!s.ok()) return s;
  }
  s = txn->Put(Component::kSchema, RecordKey(name, id), compact,
               RecordMetadata(version, from_us));
  if (!s.ok()) return s;
  return txn->Commit();
}

Status SchemaManagerImpl::SyncReferences(Transaction* txn, const std::string& name,
                                         const std::string& id, const References& before,
                                         const References& after, std::string* problems) {
  Status s = CheckReferences(txn, before, after, problems);
  // With problems the caller writes nothing, so what is added here is moot.
  return s.ok() ? WriteReferences(txn, name, id, before, after) : s;
}

Status SchemaManagerImpl::CheckReferences(Transaction* txn, const References& before,
                                          const References& after, std::string* problems) {
  for (const auto& [target_id, field] : after) {
    const auto& [target, tid] = target_id;
    if (before.count(target_id) > 0) continue;
    bool exists = false;
    Status s = txn->Exists(Component::kSchema, RecordKey(target, tid), &exists);
    if (!s.ok()) return s;
    if (!exists) {
      Append(problems, field + ": refers to record '" + tid + "' of schema '" + target +
                           "', which does not exist");
    }
  }
  return Status::OK();
}

Status SchemaManagerImpl::WriteReferences(Transaction* txn, const std::string& name,
                                          const std::string& id, const References& before,
                                          const References& after) {
  for (const auto& [target_id, field] : after) {
    const auto& [target, tid] = target_id;
    if (before.count(target_id) > 0) continue;
    Status s = txn->Put(Component::kIndex, RefKey(target, tid, name, id), "{}");
    if (s.ok()) s = AddToRefCount(txn, target, tid, +1);
    if (!s.ok()) return s;
  }
  for (const auto& [target_id, field] : before) {
    const auto& [target, tid] = target_id;
    if (after.count(target_id) > 0) continue;
    Status s = txn->Delete(Component::kIndex, RefKey(target, tid, name, id));
    if (s.ok() || s.IsNotFound()) s = AddToRefCount(txn, target, tid, -1);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

Status SchemaManagerImpl::Delete(std::string_view name, std::string_view id,
                                 DeleteReport* report) {
  Status s = ValidateSchemaName(name);
  if (s.ok()) s = UpgradeUniqueKeys(name);
  if (!s.ok()) return s;
  std::shared_lock<std::shared_mutex> lock(locks_->Of(name));
  for (int attempt = 0;; ++attempt) {
    std::unique_ptr<Transaction> txn;
    s = db_->BeginTransaction(WriteOptions(), &txn);
    if (!s.ok()) return s;
    std::vector<std::string> deleted;
    std::string problems;
    s = DeleteInTxn(txn.get(), std::string(name), std::string(id), &deleted, &problems);
    if (!s.ok()) return s;
    if (!problems.empty()) {
      return Status::InvalidArgument("record '" + std::string(id) + "' of schema '" +
                                     std::string(name) + "' cannot be deleted: " + problems);
    }
    s = txn->Commit();
    if (s.IsConflict() && attempt < kMaxAttempts) continue;
    if (s.ok() && report != nullptr) report->deleted = std::move(deleted);
    return s;
  }
}

Status SchemaManagerImpl::DeleteInTxn(Transaction* txn, const std::string& name,
                                      const std::string& id, std::vector<std::string>* deleted,
                                      std::string* problems) {
  const std::string self = name + "/" + id;
  for (const std::string& d : *deleted) {
    if (d == self) return Status::OK();
  }
  std::shared_ptr<const Schema> schema;
  Status s = LoadSchema(txn, name, &schema);
  if (!s.ok()) return s;
  StorageRecord stored;
  s = txn->Get(Component::kSchema, RecordKey(name, id), &stored);
  if (s.IsNotFound()) {
    return Status::NotFound("schema '" + name + "' has no record '" + id + "'");
  }
  if (!s.ok()) return s;
  deleted->push_back(self);
  const std::string presented = Present(*schema, stored.data, VersionOf(stored.metadata));
  rapidjson::Document doc;
  ParseJsonDocument(presented, &doc);
  for (const auto& [field, def] : schema->fields) {
    auto it = doc.FindMember(field.c_str());
    if (!def.unique || it == doc.MemberEnd() || it->value.IsNull()) continue;
    const std::string key = UniqueKeyOf(name, field, def, it->value);
    StorageRecord taken;
    s = txn->Get(Component::kIndex, key, &taken);
    if (s.ok() && UniqueOwner(taken) == id) s = txn->Delete(Component::kIndex, key);
    if (!s.ok() && !s.IsNotFound()) return s;
  }
  s = SyncReferences(txn, name, id, ReferencesOf(*schema, presented), {}, problems);
  if (!s.ok()) return s;

  // Records referring to this one: refused, or deleted with it. The edges
  // are read as committed; one newer than this transaction's snapshot also
  // changed the count record written below, so the commit conflicts.
  std::vector<std::pair<std::string, std::string>> referrers;
  const std::string prefix = "ref/" + name + "/" + id + "/";
  ScanOptions so;
  so.prefix = prefix;
  s = db_->Scan(ReadOptions(), Component::kIndex, so, [&](const StorageRecord& r) {
    const std::string rest = r.id.substr(prefix.size());
    const size_t slash = rest.find('/');
    if (slash != std::string::npos) referrers.emplace_back(rest.substr(0, slash),
                                                           rest.substr(slash + 1));
    return true;
  });
  if (!s.ok()) return s;
  for (const auto& [source, sid] : referrers) {
    std::shared_ptr<const Schema> source_schema;
    StorageRecord source_record;
    s = LoadSchema(txn, source, &source_schema);
    if (s.ok()) s = txn->Get(Component::kSchema, RecordKey(source, sid), &source_record);
    if (s.IsNotFound()) continue;  // gone already (or deleted in this cascade)
    if (!s.ok()) return s;
    rapidjson::Document source_doc;
    ParseJsonDocument(Present(*source_schema, source_record.data,
                              VersionOf(source_record.metadata)),
                      &source_doc);
    std::string restricting;
    for (const auto& [field, def] : source_schema->fields) {
      auto it = source_doc.FindMember(field.c_str());
      if (def.type != FieldType::kReference || def.references != name ||
          it == source_doc.MemberEnd() || !it->value.IsString() || it->value.GetString() != id ||
          def.on_delete != OnDelete::kRestrict) {
        continue;
      }
      restricting = field;
    }
    if (!restricting.empty()) {
      Append(problems, "record '" + sid + "' of schema '" + source + "' refers to it (" +
                           restricting + ", on_delete restrict)");
      continue;
    }
    s = DeleteInTxn(txn, source, sid, deleted, problems);
    if (!s.ok() && !s.IsNotFound()) return s;
  }
  // The count record is the point where this delete and a concurrent new
  // reference meet: write it even when there is none (a put and a delete).
  const std::string count_key = RefCountKey(name, id);
  bool counted = false;
  s = txn->Exists(Component::kIndex, count_key, &counted);
  if (s.ok() && !counted) s = txn->Put(Component::kIndex, count_key, "{\"count\":0}");
  if (s.ok()) s = txn->Delete(Component::kIndex, count_key);
  if (!s.ok()) return s;
  if (schema->zone == SchemaZone::kTemporal) {
    uint64_t from_us = 0;
    s = PutHistory(txn, name, id, ValidFromOf(stored.metadata), "{}", schema->version, true,
                   &from_us);
    if (!s.ok()) return s;
  }
  return txn->Delete(Component::kSchema, RecordKey(name, id));
}

}  // namespace spirapi::schema
