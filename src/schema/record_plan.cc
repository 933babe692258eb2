// Validating and storing the records of one write transaction: one record
// for Insert and Update, many for InsertBatch. Each record is checked
// against the schema as the records before it left it (a flexible zone's
// new field, an emergent zone's widened type), and nothing is written until
// all are found valid, so that a refused record leaves nothing behind, not
// even a taken identifier.

#include <rapidjson/document.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "schema/field_value.h"
#include "schema/schema_history.h"
#include "schema/schema_json.h"
#include "schema/schema_manager.h"
#include "util/json.h"
#include "util/json_document.h"

namespace spirapi::schema {
namespace {

constexpr int kIdDigits = 12;
// What a transaction may hold (include/spirapi/db.h), less room for the
// unique-value, reference and schema records a batch also writes.
constexpr uint64_t kMaxBatchBytes = (256u << 20) - (8u << 20);
constexpr uint64_t kRecordOverheadBytes = 512;  // key, metadata, index records

void Append(std::string* problems, const std::string& problem) {
  if (!problems->empty()) *problems += "; ";
  *problems += problem;
}

}  // namespace

struct SchemaManagerImpl::PendingRecord {
  std::string json;      // as stored: compact, defaults filled in
  uint64_t version = 0;  // the schema version it is stored under
  // The unique values it takes: (field, INDEX key), keyed as the schema
  // presents the value (Rekey updates them when a later record retypes it).
  std::vector<std::pair<std::string, std::string>> claims;
  References old_references;
  References new_references;
  // The schema changes it made: [history_begin, history_end) of the history.
  size_t history_begin = 0;
  size_t history_end = 0;
  StorageRecord stored;  // an update's record as it was
};

struct SchemaManagerImpl::WriteState {
  Transaction* txn = nullptr;
  std::string name;
  WriteMode mode = WriteMode::kInsert;
  bool exclusive = false;
  std::shared_ptr<const Schema> loaded;   // as the transaction found it
  std::shared_ptr<const Schema> current;  // as the records planned so far left it
  std::vector<PendingRecord> records;
  std::map<std::string, size_t> claimed;  // unique key -> index of the record taking it
  // A retyped unique field -> every key its last rebuild left it with.
  std::map<std::string, std::vector<std::string>> rebuilt;
  bool retype = false;  // a record would retype a unique field, and !exclusive
};

Status SchemaManagerImpl::WriteOnce(std::string_view name, const std::vector<std::string>& records,
                                    std::vector<std::string>* ids, WriteMode mode, bool exclusive,
                                    bool* retype, size_t* rejected) {
  *retype = false;
  std::unique_ptr<Transaction> txn;
  Status s = db_->BeginTransaction(WriteOptions(), &txn);
  if (!s.ok()) return s;
  WriteState state;
  state.txn = txn.get();
  state.name = std::string(name);
  state.mode = mode;
  state.exclusive = exclusive;
  s = LoadSchema(txn.get(), name, &state.loaded);
  if (!s.ok()) return s;
  state.current = state.loaded;
  const uint64_t copies = state.loaded->zone == SchemaZone::kTemporal ? 2 : 1;  // + history
  uint64_t bytes = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    std::string problems;
    // An insert's id is empty until the record is found valid; a retry
    // after a conflict keeps the ids taken by the first attempt.
    s = PlanRecord(&state, records[i], i < ids->size() ? (*ids)[i] : std::string(), &problems);
    if (!s.ok()) return s;
    if (state.retype) {
      *retype = true;  // Write calls again holding the lock exclusively
      return Status::OK();
    }
    if (!problems.empty()) {
      *rejected = i;
      return Status::InvalidArgument("record rejected by schema '" + state.name +
                                     "': " + problems);
    }
    bytes += copies * records[i].size() + kRecordOverheadBytes;
    if (bytes > kMaxBatchBytes) {
      return Status::InvalidArgument("the batch holds more than a transaction can (" +
                                     std::to_string(kMaxBatchBytes >> 20) +
                                     " MiB with its records' history and keys) from record " +
                                     std::to_string(i) + " on: split it");
    }
  }
  if (ids->size() != records.size() && !records.empty()) {
    ids->clear();
    s = ids_->NewIds(records.size(), kIdDigits, ids);
    if (!s.ok()) return s;
  }
  s = ApplyRecords(&state, *ids);
  if (!s.ok()) return s;
  return txn->Commit();
}

Status SchemaManagerImpl::PlanRecord(WriteState* state, const std::string& record_json,
                                     const std::string& id, std::string* problems) {
  Transaction* txn = state->txn;
  const std::string& name = state->name;
  // Held here: planning this record may replace state->current.
  const std::shared_ptr<const Schema> current = state->current;
  PendingRecord pending;
  // An update: the record as it is, under the current schema.
  std::string old_presented = "{}";
  if (state->mode == WriteMode::kUpdate) {
    Status s = txn->Get(Component::kSchema, RecordKey(name, id), &pending.stored);
    if (s.IsNotFound()) {
      return Status::NotFound("schema '" + name + "' has no record '" + id + "'");
    }
    if (!s.ok()) return s;
    old_presented = Present(*current, pending.stored.data, VersionOf(pending.stored.metadata));
  }
  rapidjson::Document record;
  ParseJsonDocument(record_json, &record);
  auto& alloc = record.GetAllocator();

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
      Append(problems, field + ": not in schema '" + current->name + "' (" +
                           SchemaZoneName(current->zone) + " zone)");
      continue;
    }
    Status s = ValidateFieldName(field);
    if (!s.ok()) {
      Append(problems, field + ": " + s.message());
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
        Append(problems, field + ": required");
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
        if (declared.unique && !state->exclusive) {
          state->retype = true;
          return Status::OK();
        }
        if (declared.unique) retyped.push_back(field);
        note("widen", field, FieldDefJson(declared), FieldDefJson(widened));
        mutable_schema().fields[field] = std::move(widened);
        why.clear();
      }
    }
    if (!why.empty()) {
      Append(problems, field + ": " + why);
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
    std::vector<std::string> keys;
    Status s = RebuildUniqueKeys(txn, final_schema, field, &repeats, &keys);
    if (!s.ok()) return s;
    // An earlier record of the batch retyped it already: the keys that
    // rebuild put and this one does not keep go (keys are in order).
    auto earlier = state->rebuilt.find(field);
    if (earlier != state->rebuilt.end()) {
      for (const std::string& old_key : earlier->second) {
        if (std::binary_search(keys.begin(), keys.end(), old_key)) continue;
        s = txn->Delete(Component::kIndex, old_key);
        if (!s.ok() && !s.IsNotFound()) return s;
      }
    }
    state->rebuilt[field] = std::move(keys);
    Rekey(state, final_schema, field);
  }
  // Unique values: taken by an earlier record of the batch or by another
  // record, or this record's to claim.
  for (UniqueValue& value : unique_values) {
    auto earlier = state->claimed.find(value.key);
    if (earlier != state->claimed.end()) {
      Append(problems, value.field + ": " + value.shown + " is already used by record " +
                           std::to_string(earlier->second) + " of this batch");
      continue;
    }
    StorageRecord taken;
    Status s = txn->Get(Component::kIndex, value.key, &taken);
    if (s.ok()) {
      const std::string owner = UniqueOwner(taken);
      if (owner != id) {
        Append(problems,
               value.field + ": " + value.shown + " is already used by record " + owner);
      }
      continue;
    }
    if (!s.IsNotFound()) return s;
    pending.claims.emplace_back(value.field, std::move(value.key));
  }
  pending.json = CompactJson(record);
  // What Put would refuse, refused here before the record takes an id.
  if (!IsValidUtf8(pending.json)) {
    Append(problems, "the record is not valid UTF-8 (raw bytes, or a \\u escape of an "
                     "unpaired surrogate)");
  }
  const size_t max_metadata = RecordMetadata(UINT64_MAX, UINT64_MAX).size();
  if (pending.json.size() + max_metadata > kMaxValueBytes) {
    Append(problems, "the record is larger than " +
                         std::to_string(kMaxValueBytes - max_metadata) + " bytes of JSON");
  }
  pending.old_references = ReferencesOf(*current, old_presented);
  pending.new_references = ReferencesOf(*current, pending.json);
  if (current->zone == SchemaZone::kRelational) {
    Status s = CheckReferences(txn, pending.old_references, pending.new_references, problems);
    if (!s.ok()) return s;
  }
  if (!problems->empty()) return Status::OK();

  for (const auto& [field, key] : pending.claims) state->claimed.emplace(key, state->records.size());
  if (changed != nullptr) {
    // Each record's changes make one version, as when written alone.
    changed->version += 1;
    pending.history_begin = current->history.size();
    pending.history_end = changed->history.size();
    for (size_t i = pending.history_begin; i < pending.history_end; ++i) {
      changed->history[i].version = changed->version;
    }
    state->current = std::move(changed);
  }
  pending.version = state->current->version;
  state->records.push_back(std::move(pending));
  return Status::OK();
}

void SchemaManagerImpl::Rekey(WriteState* state, const Schema& schema, const std::string& field) {
  const FieldDef& def = schema.fields.at(field);
  for (size_t i = 0; i < state->records.size(); ++i) {
    PendingRecord& r = state->records[i];
    for (auto& [claimed_field, key] : r.claims) {
      if (claimed_field != field) continue;
      rapidjson::Document doc;
      ParseJsonDocument(Present(schema, r.json, r.version), &doc);
      auto it = doc.FindMember(field.c_str());
      if (it == doc.MemberEnd() || it->value.IsNull()) continue;  // it had the value
      state->claimed.erase(key);
      key = UniqueKeyOf(state->name, field, def, it->value);
      // Values that differed still differ under the wider type.
      state->claimed.emplace(key, i);
    }
  }
}

Status SchemaManagerImpl::ApplyRecords(WriteState* state, const std::vector<std::string>& ids) {
  Transaction* txn = state->txn;
  const std::string& name = state->name;
  const Schema& final_schema = *state->current;
  // The schema as stored: its new history entries say which record made them.
  std::unique_ptr<Schema> stored_schema;
  if (state->current != state->loaded) stored_schema = std::make_unique<Schema>(final_schema);
  for (size_t i = 0; i < state->records.size(); ++i) {
    const PendingRecord& r = state->records[i];
    const std::string& id = ids[i];
    for (const auto& [field, key] : r.claims) {
      Status s = txn->Put(Component::kIndex, key, "{\"id\":" + JsonQuote(id) + "}");
      if (!s.ok()) return s;
    }
    if (state->mode == WriteMode::kUpdate) {
      // An update gives up the unique values it no longer has: the old
      // record as the schema now presents it (its keys were rebuilt for a
      // retyped field).
      rapidjson::Document old_doc, record;
      ParseJsonDocument(Present(final_schema, r.stored.data, VersionOf(r.stored.metadata)),
                        &old_doc);
      ParseJsonDocument(r.json, &record);
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
        Status s = txn->Get(Component::kIndex, key, &taken);
        if (s.ok() && UniqueOwner(taken) == id) s = txn->Delete(Component::kIndex, key);
        if (!s.ok() && !s.IsNotFound()) return s;
      }
    }
    if (final_schema.zone == SchemaZone::kRelational) {
      Status s = WriteReferences(txn, name, id, r.old_references, r.new_references);
      if (!s.ok()) return s;
    }
    for (size_t h = r.history_begin; h < r.history_end; ++h) {
      stored_schema->history[h].reason.insert(0, "record " + id);
    }
    uint64_t from_us = 0;
    if (final_schema.zone == SchemaZone::kTemporal) {
      Status s = PutHistory(txn, name, id, ValidFromOf(r.stored.metadata), r.json, r.version,
                            false, &from_us);
      if (!s.ok()) return s;
    }
    Status s = txn->Put(Component::kSchema, RecordKey(name, id), r.json,
                        RecordMetadata(r.version, from_us));
    if (!s.ok()) return s;
  }
  if (stored_schema == nullptr) return Status::OK();
  return txn->Put(Component::kSchema, SchemaKey(name), SchemaJson(*stored_schema));
}

}  // namespace spirapi::schema
