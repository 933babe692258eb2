// Rollback: the fields of an earlier version made current again, checked
// against (or, forced, imposed on) the records written since.

#include <rapidjson/document.h>

#include "schema/field_value.h"
#include "schema/schema_history.h"
#include "schema/schema_json.h"
#include "schema/schema_manager.h"
#include "util/json_document.h"

namespace spirapi::schema {
namespace {

constexpr size_t kMaxReported = 20;

void Append(std::string* problems, const std::string& problem) {
  if (!problems->empty()) *problems += "; ";
  *problems += problem;
}

// A record written after the target version, as it will be stored.
struct Rewrite {
  std::string id;
  std::string json;      // under the restored fields (their names)
  StorageRecord stored;  // as it is now
  bool changed = false;  // values removed or defaults filled in by force
};

}  // namespace

Status SchemaManagerImpl::Rollback(std::string_view name, uint64_t to_version, bool force,
                                   RollbackReport* report, SchemaInfo* out) {
  auto apply = [&](Transaction* txn, const Schema& current, Schema* next) -> Status {
    *report = RollbackReport();
    Status s = FieldsAt(current, to_version, &next->fields);
    if (!s.ok()) return s;
    next->version += 1;
    SchemaChange entry;
    entry.action = "rollback";
    entry.old_definition = FieldDefsJson(current.fields);
    entry.new_definition = FieldDefsJson(next->fields);
    entry.to_version = to_version;
    entry.version = next->version;
    entry.timestamp = NowSeconds();
    entry.reason = "rollback to version " + std::to_string(to_version) + (force ? ", forced" : "");
    next->history.push_back(std::move(entry));
    s = CheckReferenceFields(*next);
    if (!s.ok()) return s;

    const std::map<std::string, std::string> names_then = NamesAt(current, to_version);
    std::vector<Rewrite> rewrites;
    std::map<std::string, std::string> unique_owner;  // unique key -> record id
    std::string unfixable;                            // even force cannot help
    std::string reference_problems;
    Status inner;
    s = ScanRecords(name, [&](const std::string& id, const StorageRecord& r) {
      const uint64_t version = VersionOf(r.metadata);
      const std::string now = Present(current, r.data, version);
      std::string then;
      if (version <= to_version) {
        then = Present(*next, r.data, version);
      } else {
        ++report->checked;
        rapidjson::Document doc;
        ParseJsonDocument(now, &doc);
        rapidjson::Document fitted(rapidjson::kObjectType);
        auto& alloc = fitted.GetAllocator();
        std::string why;
        for (auto& m : doc.GetObject()) {
          const std::string field(m.name.GetString(), m.name.GetStringLength());
          auto named = names_then.find(field);
          const std::string old_name = named == names_then.end() ? "" : named->second;
          auto def = next->fields.find(old_name);
          if (def == next->fields.end()) {
            if (!m.value.IsNull()) {
              Append(&why, field + ": not in version " + std::to_string(to_version));
            }
            continue;
          }
          std::string bad = CheckValue(def->second, m.value, /*check_enum=*/true);
          if (bad.empty() && def->second.type == FieldType::kReference && m.value.IsString()) {
            bool exists = false;
            inner = txn->Exists(Component::kSchema,
                                RecordPrefix(def->second.references) + m.value.GetString(),
                                &exists);
            if (!inner.ok()) return false;
            if (!exists) bad = "refers to a record that does not exist";
          }
          if (!bad.empty()) {
            Append(&why, old_name + ": " + bad);
            continue;
          }
          fitted.AddMember(rapidjson::Value(old_name.c_str(), alloc),
                           rapidjson::Value(m.value, alloc), alloc);
        }
        for (const auto& [field, def] : next->fields) {
          auto it = fitted.FindMember(field.c_str());
          if (it != fitted.MemberEnd() && !it->value.IsNull()) continue;
          if (!def.default_json.empty()) {
            rapidjson::Document value(&alloc);
            ParseJsonDocument(def.default_json, &value);
            if (it != fitted.MemberEnd()) fitted.RemoveMember(it);
            fitted.AddMember(rapidjson::Value(field.c_str(), alloc), value, alloc);
          } else if (def.required) {
            Append(&why, field + ": required");
            Append(&unfixable, "record " + id + ": " + field + " is required and has no default");
          }
        }
        if (!why.empty()) {
          if (++report->violating <= kMaxReported) report->problems.push_back(id + ": " + why);
        }
        then = CompactJson(fitted);
        rewrites.push_back(Rewrite{id, then, r, !why.empty()});
      }
      // Unique values and references as the restored fields define them.
      rapidjson::Document doc;
      ParseJsonDocument(then, &doc);
      for (const auto& [field, def] : next->fields) {
        auto it = doc.FindMember(field.c_str());
        if (!def.unique || it == doc.MemberEnd() || it->value.IsNull()) continue;
        auto [at, fresh] = unique_owner.emplace(UniqueKeyOf(name, field, def, it->value), id);
        if (!fresh) {
          Append(&unfixable, field + ": " + CompactJson(it->value) + " is in records " +
                                 at->second + " and " + id);
        }
      }
      if (next->zone == SchemaZone::kRelational || current.zone == SchemaZone::kRelational) {
        inner = SyncReferences(txn, std::string(name), id, ReferencesOf(current, now),
                               ReferencesOf(*next, then), &reference_problems);
      }
      return inner.ok();
    });
    if (s.ok()) s = inner;
    if (!s.ok()) return s;
    const std::string what = "schema '" + std::string(name) + "' cannot roll back to version " +
                             std::to_string(to_version) + ": ";
    if (report->violating > 0 && !force) {
      std::string listed;
      for (const std::string& p : report->problems) Append(&listed, p);
      return Status::InvalidArgument(
          what + std::to_string(report->violating) + " of the " +
          std::to_string(report->checked) + " record(s) written since violate it (" + listed +
          (report->violating > report->problems.size() ? "; ..." : "") +
          "); force rewrites them to fit");
    }
    Append(&unfixable, reference_problems);
    if (!unfixable.empty()) return Status::InvalidArgument(what + unfixable);

    // Unique keys: rebuilt for the restored fields, all canonical now.
    next->canonical_unique_keys = true;
    ScanOptions so;
    so.prefix = "unique/" + std::string(name) + "/";
    std::vector<std::string> stale;
    s = db_->Scan(ReadOptions(), Component::kIndex, so, [&](const StorageRecord& r) {
      stale.push_back(r.id);
      return true;
    });
    if (!s.ok()) return s;
    for (const std::string& key : stale) {
      if (unique_owner.count(key) > 0) continue;
      s = txn->Delete(Component::kIndex, key);
      if (!s.ok() && !s.IsNotFound()) return s;
    }
    for (const auto& [key, id] : unique_owner) {
      s = txn->Put(Component::kIndex, key, "{\"id\":" + JsonQuote(id) + "}");
      if (!s.ok()) return s;
    }
    for (const Rewrite& w : rewrites) {
      if (w.changed) {
        s = txn->Put(Component::kMetadata,
                     "schema-rollback/" + std::string(name) + "/" +
                         std::to_string(next->version) + "/" + w.id,
                     "{\"schema_version\":" + std::to_string(VersionOf(w.stored.metadata)) +
                         ",\"record\":" + w.stored.data + "}");
        if (!s.ok()) return s;
      }
      uint64_t from_us = ValidFromOf(w.stored.metadata);
      if (next->zone == SchemaZone::kTemporal && w.changed) {
        s = PutHistory(txn, name, w.id, from_us, w.json, next->version, false, &from_us);
        if (!s.ok()) return s;
      }
      s = txn->Put(Component::kSchema, RecordPrefix(name) + w.id, w.json,
                   RecordMetadata(next->version, from_us));
      if (!s.ok()) return s;
      ++report->rewritten;
    }
    return Status::OK();
  };
  return ChangeSchema(name, apply, out);
}

}  // namespace spirapi::schema
