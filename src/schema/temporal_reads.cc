// Reads of temporal schemas: a record's history, and records as of a time.

#include <rapidjson/document.h>

#include <cmath>

#include "schema/schema_history.h"
#include "schema/schema_json.h"
#include "schema/schema_manager.h"
#include "util/json_document.h"

namespace spirapi::schema {
namespace {

constexpr size_t kTimeDigits = 20;

// One stored version: its key's time and the record as stored.
struct StoredVersion {
  std::string id;
  uint64_t from_us = 0;
  StorageRecord record;
};

bool IsDeleted(std::string_view metadata) {
  rapidjson::Document doc;
  ParseJsonDocument(metadata, &doc);
  return doc.IsObject() && doc.HasMember("deleted") && doc["deleted"].IsTrue();
}

// Visits the versions under `prefix` (hist/<schema>/ or hist/<schema>/<id>/)
// in key order: by id, then oldest first.
Status ScanVersions(DB* db, const std::string& schema_prefix, const std::string& prefix,
                    const std::function<void(StoredVersion&&)>& fn) {
  ScanOptions so;
  so.prefix = prefix;
  Status problem;
  Status s = db->Scan(ReadOptions(), Component::kSchema, so, [&](const StorageRecord& r) {
    const size_t slash = r.id.rfind('/');
    if (slash == std::string::npos || slash < schema_prefix.size() ||
        r.id.size() - slash - 1 != kTimeDigits) {
      problem = Status::Corruption("history record '" + r.id + "' has a malformed key");
      return false;
    }
    StoredVersion v;
    v.id = r.id.substr(schema_prefix.size(), slash - schema_prefix.size());
    v.from_us = std::strtoull(r.id.c_str() + slash + 1, nullptr, 10);
    v.record = r;
    fn(std::move(v));
    return true;
  });
  return s.ok() ? problem : s;
}

SchemaRecord ToRecord(const Schema& schema, const StoredVersion& v, uint64_t to_us) {
  SchemaRecord out;
  out.id = v.id;
  out.schema_version = VersionOf(v.record.metadata);
  out.deleted = IsDeleted(v.record.metadata);
  out.json = out.deleted ? "{}" : Present(schema, v.record.data, out.schema_version);
  out.valid_from = static_cast<double>(v.from_us) / 1e6;
  out.valid_to = static_cast<double>(to_us) / 1e6;
  return out;
}

uint64_t ToMicros(double seconds) {
  if (!(seconds > 0)) return 0;
  if (seconds >= 1.8e13) return UINT64_MAX;
  return static_cast<uint64_t>(std::floor(seconds * 1e6));
}

}  // namespace

Status SchemaManagerImpl::LoadTemporalSchema(std::string_view name,
                                             std::shared_ptr<const Schema>* out) {
  Status s = LoadSchema(nullptr, name, out);
  if (s.ok() && (*out)->zone != SchemaZone::kTemporal) {
    return Status::InvalidArgument("schema '" + std::string(name) + "' is not temporal");
  }
  return s;
}

Status SchemaManagerImpl::History(std::string_view name, std::string_view id,
                                  std::vector<SchemaRecord>* out) {
  out->clear();
  std::shared_ptr<const Schema> schema;
  Status s = LoadTemporalSchema(name, &schema);
  if (!s.ok()) return s;
  std::vector<StoredVersion> versions;
  s = ScanVersions(db_, "hist/" + std::string(name) + "/", HistoryPrefix(name, id),
                   [&](StoredVersion&& v) { versions.push_back(std::move(v)); });
  if (!s.ok()) return s;
  if (versions.empty()) {
    return Status::NotFound("schema '" + std::string(name) + "' has no record '" +
                            std::string(id) + "'");
  }
  for (size_t i = 0; i < versions.size(); ++i) {
    const uint64_t to = i + 1 < versions.size() ? versions[i + 1].from_us : 0;
    out->push_back(ToRecord(*schema, versions[i], to));
  }
  return Status::OK();
}

Status SchemaManagerImpl::GetAsOf(std::string_view name, std::string_view id, double as_of,
                                  SchemaRecord* out) {
  std::vector<SchemaRecord> versions;
  Status s = History(name, id, &versions);
  if (!s.ok()) return s;
  const double at = static_cast<double>(ToMicros(as_of)) / 1e6;
  for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
    if (it->valid_from > at) continue;
    if (it->deleted) break;
    *out = std::move(*it);
    return Status::OK();
  }
  return Status::NotFound("record '" + std::string(id) + "' of schema '" + std::string(name) +
                          "' did not exist at " + std::to_string(as_of));
}

Status SchemaManagerImpl::FindAsOf(std::string_view name,
                                   const std::vector<std::pair<std::string, std::string>>& where,
                                   double as_of, std::vector<SchemaRecord>* out) {
  out->clear();
  std::shared_ptr<const Schema> schema;
  Status s = LoadTemporalSchema(name, &schema);
  if (!s.ok()) return s;
  RecordFilter filter;
  s = RecordFilter::Parse(*schema, where, &filter);
  if (!s.ok()) return s;
  const uint64_t at = ToMicros(as_of);
  const std::string prefix = "hist/" + std::string(name) + "/";
  // Versions come by id, oldest first: keep the last one that began by `at`
  // and the time the next one began.
  std::optional<StoredVersion> chosen;
  uint64_t chosen_to = 0;
  auto flush = [&]() {
    if (!chosen) return;
    SchemaRecord record = ToRecord(*schema, *chosen, chosen_to);
    if (!record.deleted && filter.Matches(record.json)) out->push_back(std::move(record));
    chosen.reset();
  };
  std::string current_id;
  s = ScanVersions(db_, prefix, prefix, [&](StoredVersion&& v) {
    if (v.id != current_id) {
      flush();
      current_id = v.id;
    }
    if (v.from_us <= at) {
      chosen = std::move(v);
      chosen_to = 0;
    } else if (chosen && chosen_to == 0) {
      chosen_to = v.from_us;
    }
  });
  if (!s.ok()) return s;
  flush();
  return Status::OK();
}

}  // namespace spirapi::schema
