#include "index/schema_entries.h"

#include <map>
#include <mutex>

#include "db/db_impl.h"
#include "schema/schema_history.h"
#include "schema/schema_manager.h"
#include "util/json_document.h"

namespace spirapi::index {
namespace {

// Definitions parsed lately, by their stored text: few schemas change
// rarely, so a small cache serves nearly every write.
constexpr size_t kMaxCachedSchemas = 32;

std::mutex cache_mu;
std::map<std::string, std::shared_ptr<const schema::Schema>, std::less<>>* Cache() {
  static auto* cache =
      new std::map<std::string, std::shared_ptr<const schema::Schema>, std::less<>>;
  return cache;
}

}  // namespace

Status ParseStoredSchema(std::string_view name, std::string_view stored,
                         std::shared_ptr<const schema::Schema>* out) {
  {
    std::lock_guard<std::mutex> l(cache_mu);
    auto it = Cache()->find(stored);
    if (it != Cache()->end()) {
      *out = it->second;
      return Status::OK();
    }
  }
  auto parsed = std::make_shared<schema::Schema>();
  Status s = schema::ParseSchemaJson(stored, parsed.get());
  if (!s.ok()) return Status::Corruption("schema '" + std::string(name) + "': " + s.message());
  std::lock_guard<std::mutex> l(cache_mu);
  if (Cache()->size() >= kMaxCachedSchemas) Cache()->clear();
  Cache()->emplace(std::string(stored), parsed);
  *out = std::move(parsed);
  return Status::OK();
}

Status LoadSchemaAt(DBImpl* db, uint64_t snapshot, std::string_view name,
                    std::shared_ptr<const schema::Schema>* out) {
  std::string stored;
  Status s = db->ViewAt(snapshot, Component::kSchema, schema::SchemaKey(name),
                        [&](const RecordView& r) { stored.assign(r.data); });
  if (s.IsNotFound()) return Status::NotFound("no schema '" + std::string(name) + "'");
  if (!s.ok()) return s;
  return ParseStoredSchema(name, stored, out);
}

Status PresentedEntries(const IndexDef& def, const schema::Schema& schema,
                        std::string_view stored_id, std::string_view data,
                        std::string_view metadata, rapidjson::Document* doc,
                        std::vector<std::string>* out) {
  const std::string presented = schema::Present(schema, data, schema::VersionOf(metadata));
  RecycleDocument(doc);
  if (!ParseJsonDocument(presented, doc) || !doc->IsObject()) {
    return Status::Corruption("schema '" + def.spec.schema + "' record '" + std::string(stored_id) +
                              "' does not parse as a JSON object");
  }
  return EntriesFor(def, stored_id, *doc, nullptr, out);
}

}  // namespace spirapi::index
