// Writing the records of a schema: Insert, InsertBatch, Update and Delete,
// with what a write implies in the same transaction (a schema change by the
// zone, unique values, references, temporal history; record_plan.cc
// validates the records and plans their writes).

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

void Append(std::string* problems, const std::string& problem) {
  if (!problems->empty()) *problems += "; ";
  *problems += problem;
}

uint64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
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
  std::vector<std::string> ids;
  size_t rejected = 0;
  s = Write(name, {CompactJson(record)}, &ids, WriteMode::kInsert, &rejected);
  if (s.ok()) *id = std::move(ids[0]);
  return s;
}

Status SchemaManagerImpl::InsertBatch(std::string_view name,
                                      const std::vector<std::string_view>& records_json,
                                      InsertBatchReport* report) {
  InsertBatchReport ignored;
  if (report == nullptr) report = &ignored;
  *report = InsertBatchReport();
  const auto refuse = [&](size_t i, const Status& why) {
    report->rejected = i;
    report->reason = why.message();
    return Status::InvalidArgument("record " + std::to_string(i) + ": " + report->reason);
  };
  std::vector<std::string> records;
  records.reserve(records_json.size());
  for (size_t i = 0; i < records_json.size(); ++i) {
    rapidjson::Document record;
    Status s = ParseRecord(records_json[i], &record);
    if (!s.ok()) return refuse(i, s);
    records.push_back(CompactJson(record));
  }
  std::vector<std::string> ids;
  size_t rejected = InsertBatchReport::kNone;
  Status s = Write(name, records, &ids, WriteMode::kInsert, &rejected);
  if (s.IsInvalidArgument() && rejected != InsertBatchReport::kNone) return refuse(rejected, s);
  if (s.ok()) report->ids = std::move(ids);
  return s;
}

Status SchemaManagerImpl::Update(std::string_view name, std::string_view id,
                                 std::string_view record_json) {
  rapidjson::Document record;
  Status s = ParseRecord(record_json, &record);
  if (!s.ok()) return s;
  std::vector<std::string> ids = {std::string(id)};
  size_t rejected = 0;
  return Write(name, {CompactJson(record)}, &ids, WriteMode::kUpdate, &rejected);
}

Status SchemaManagerImpl::Write(std::string_view name, const std::vector<std::string>& records,
                                std::vector<std::string>* ids, WriteMode mode, size_t* rejected) {
  Status s = ValidateSchemaName(name);
  if (s.ok()) s = UpgradeUniqueKeys(name);
  if (!s.ok()) return s;
  bool retype = false;
  auto write = [&](bool exclusive) {
    for (int attempt = 0;; ++attempt) {
      s = WriteOnce(name, records, ids, mode, exclusive, &retype, rejected);
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
