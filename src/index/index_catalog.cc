#include "index/index_catalog.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "index/index_key.h"
#include "pi/ulam_spiral.h"
#include "schema/schema_model.h"
#include "util/json_document.h"

namespace spirapi::index {
namespace {

constexpr size_t kMaxNameBytes = 40;
constexpr size_t kMaxFields = 4;
// The q a similarity index's definition may hold.
constexpr uint64_t kMinGramBytes = 2, kMaxGramBytes = 16;

bool NameCharOk(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

}  // namespace

void SpiralKey(const rapidjson::Value* v, std::string* out) {
  pi::SpiralCell cell;
  bool point = v != nullptr && v->IsArray() && v->Size() == 2 && (*v)[0].IsNumber() &&
               (*v)[1].IsNumber();
  for (rapidjson::SizeType i = 0; point && i < 2; ++i) {
    const double d = (*v)[i].GetDouble();  // exact enough to find the cell
    point = std::isfinite(d) && std::floor(d) >= -double(pi::kMaxSpiralRing) &&
            std::floor(d) <= double(pi::kMaxSpiralRing);
    if (point) (i == 0 ? cell.x : cell.y) = static_cast<int64_t>(std::floor(d));
  }
  if (!point) {
    out->push_back('a');  // not a point: never inside an area
    return;
  }
  rapidjson::Value n;
  n.SetUint64(pi::SpiralPositionOf(cell));
  AppendValueKey(&n, out);
}

}  // namespace spirapi::index

namespace spirapi {

const char* IndexTypeName(IndexType type) {
  switch (type) {
    case IndexType::kHash: return "hash";
    case IndexType::kSpiral: return "spiral";
    case IndexType::kSimilarity: return "similarity";
    default: return "btree";
  }
}

Status ParseIndexType(std::string_view name, IndexType* out) {
  if (name == "btree") {
    *out = IndexType::kBtree;
  } else if (name == "hash") {
    *out = IndexType::kHash;
  } else if (name == "spiral") {
    *out = IndexType::kSpiral;
  } else if (name == "similarity") {
    *out = IndexType::kSimilarity;
  } else {
    return Status::InvalidArgument("index: unknown type '" + std::string(name) +
                                   "' (btree, hash, spiral or similarity)");
  }
  return Status::OK();
}

}  // namespace spirapi

namespace spirapi::index {

const IndexDef* Catalog::Find(std::string_view name) const {
  for (const auto& d : defs) {
    if (d->spec.name == name) return d.get();
  }
  return nullptr;
}

bool Catalog::Covers(Component c) const {
  for (const auto& d : defs) {
    if (d->spec.component == c) return true;
  }
  return false;
}

bool Catalog::CoversRecords(Component c) const {
  for (const auto& d : defs) {
    if (d->spec.component == c && d->spec.schema.empty()) return true;
  }
  return false;
}

bool Catalog::CoversSchemas() const {
  for (const auto& d : defs) {
    if (!d->spec.schema.empty()) return true;
  }
  return false;
}

Status CheckSpec(const IndexSpec& spec) {
  if (spec.name.empty() || spec.name.size() > kMaxNameBytes) {
    return Status::InvalidArgument("index: the name must be 1.." + std::to_string(kMaxNameBytes) +
                                   " characters");
  }
  for (char c : spec.name) {
    if (!NameCharOk(c)) {
      return Status::InvalidArgument("index: the name '" + spec.name +
                                     "' may hold only letters, digits, '_' and '-'");
    }
  }
  if (!spec.schema.empty()) {
    Status s = schema::ValidateSchemaName(spec.schema);
    if (!s.ok()) return Status::InvalidArgument("index: " + s.message());
    if (spec.component != Component::kSchema) {
      return Status::InvalidArgument(
          "index: an index over a schema's records reads the "
          "schema component");
    }
  }
  if (static_cast<int>(spec.component) < 0 ||
      static_cast<size_t>(spec.component) >= kNumComponents) {
    return Status::InvalidArgument("index: bad component");
  }
  if (spec.component == Component::kIndex) {
    return Status::InvalidArgument("index: the index component holds the indexes themselves");
  }
  if (spec.fields.empty() || spec.fields.size() > kMaxFields) {
    return Status::InvalidArgument("index: give 1.." + std::to_string(kMaxFields) + " fields");
  }
  if (spec.type == IndexType::kSpiral && spec.fields.size() != 1) {
    return Status::InvalidArgument("index: a spiral index has one field, of points [x, y]");
  }
  if (spec.type == IndexType::kSimilarity && spec.fields.size() != 1) {
    return Status::InvalidArgument("index: a similarity index has one field, of strings");
  }
  if (static_cast<int>(spec.type) > static_cast<int>(IndexType::kSimilarity)) {
    return Status::InvalidArgument("index: bad type");
  }
  for (const std::string& f : spec.fields) {
    query::Path p;
    std::string error = query::ParsePath(f, &p);
    if (!error.empty()) return Status::InvalidArgument("index: field " + error);
    // A schema's records present their data only.
    if (!spec.schema.empty() && p.root != query::Path::Root::kData) {
      return Status::InvalidArgument("index: field '" + f +
                                     "': an index over a schema's records takes paths into "
                                     "their data only");
    }
    if (p.root != query::Path::Root::kData && p.root != query::Path::Root::kMetadata) {
      return Status::InvalidArgument("index: field '" + f +
                                     "': only data paths and @metadata paths can be indexed "
                                     "(@id is the component's own order)");
    }
  }
  return Status::OK();
}

Status MakeDef(const IndexSpec& spec, bool ready, int64_t created_us, IndexDef* def) {
  Status s = CheckSpec(spec);
  if (!s.ok()) return s;
  def->spec = spec;
  def->paths.clear();
  def->uses_metadata = false;
  for (const std::string& f : spec.fields) {
    def->paths.emplace_back();
    query::ParsePath(f, &def->paths.back());
    if (def->paths.back().root == query::Path::Root::kMetadata) def->uses_metadata = true;
  }
  def->ready = ready;
  def->created_us = created_us;
  def->entry_prefix = EntryPrefix(spec.name);
  def->gram = spec.type == IndexType::kSimilarity ? kSimilarityGramBytes : 0;
  if (def->queries == nullptr) def->queries = std::make_shared<std::atomic<uint64_t>>(0);
  return Status::OK();
}

std::string DefToJson(const IndexDef& def) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("name");
  w.String(def.spec.name.c_str());
  w.Key("component");
  w.String(ComponentName(def.spec.component));
  if (!def.spec.schema.empty()) {  // absent in component indexes, as before schemas had any
    w.Key("schema");
    w.String(def.spec.schema.c_str());
  }
  w.Key("fields");
  w.StartArray();
  for (const std::string& f : def.spec.fields) w.String(f.data(), static_cast<rapidjson::SizeType>(f.size()));
  w.EndArray();
  w.Key("type");
  w.String(IndexTypeName(def.spec.type));
  if (def.gram != 0) {
    w.Key("q");
    w.Uint64(def.gram);
  }
  w.Key("state");
  w.String(def.ready ? "ready" : "building");
  w.Key("created_us");
  w.Int64(def.created_us);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

Status ParseDef(std::string_view data_json, IndexDef* def) {
  rapidjson::Document doc;
  if (!ParseJsonDocument(data_json, &doc) || !doc.IsObject()) {
    return Status::Corruption("index definition does not parse");
  }
  auto str = [&](const char* name) -> std::string {
    auto it = doc.FindMember(name);
    return it != doc.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
  };
  IndexSpec spec;
  spec.name = str("name");
  spec.schema = str("schema");
  Status s = ParseComponent(str("component"), &spec.component);
  if (!s.ok()) return Status::Corruption("index definition '" + spec.name + "': bad component");
  if (!ParseIndexType(str("type"), &spec.type).ok()) {
    return Status::Corruption("index definition '" + spec.name + "': bad type");
  }
  auto fields = doc.FindMember("fields");
  if (fields == doc.MemberEnd() || !fields->value.IsArray()) {
    return Status::Corruption("index definition '" + spec.name + "': no fields");
  }
  for (const auto& f : fields->value.GetArray()) {
    if (!f.IsString()) return Status::Corruption("index definition '" + spec.name + "': bad field");
    spec.fields.emplace_back(f.GetString(), f.GetStringLength());
  }
  auto created = doc.FindMember("created_us");
  const int64_t created_us =
      created != doc.MemberEnd() && created->value.IsInt64() ? created->value.GetInt64() : 0;
  s = MakeDef(spec, str("state") == "ready", created_us, def);
  if (!s.ok()) return Status::Corruption("index definition '" + spec.name + "': " + s.message());
  if (spec.type == IndexType::kSimilarity) {
    auto q = doc.FindMember("q");
    if (q == doc.MemberEnd() || !q->value.IsUint64() || q->value.GetUint64() < kMinGramBytes ||
        q->value.GetUint64() > kMaxGramBytes) {
      return Status::Corruption("index definition '" + spec.name + "': bad q");
    }
    def->gram = static_cast<size_t>(q->value.GetUint64());
  }
  return Status::OK();
}

std::string EntryFor(const IndexDef& def, std::string_view record_id, const rapidjson::Value& data,
                     const rapidjson::Value* metadata) {
  query::RecordView view;
  view.id = record_id;
  view.data = &data;
  view.metadata = metadata;
  std::string key;
  rapidjson::Value scratch;
  if (def.spec.type == IndexType::kSpiral) {
    SpiralKey(query::Resolve(def.paths[0], view, &scratch), &key);
    return EntryId(def.spec.name, key, record_id);
  }
  for (const query::Path& p : def.paths) {
    const rapidjson::Value* v = query::Resolve(p, view, &scratch);
    if (def.spec.type == IndexType::kHash) {
      AppendExactKey(v, &key);
    } else {
      AppendValueKey(v, &key);
    }
  }
  if (def.spec.type == IndexType::kHash) key = HashKey(key);
  return EntryId(def.spec.name, key, record_id);
}

bool DistinctGrams(std::string_view s, size_t q, size_t limit,
                   std::vector<std::string_view>* out) {
  out->clear();
  if (q == 0 || s.size() < q) return true;
  // A set rather than sorting all n - q + 1 q-grams: a 16 MiB value would
  // need 16 Mi of them at once; this stops at limit + 1.
  std::unordered_set<std::string_view> seen;
  seen.reserve(std::min(s.size() - q + 1, limit + 1));
  for (size_t i = 0; i + q <= s.size(); ++i) {
    if (seen.insert(s.substr(i, q)).second && seen.size() > limit) return false;
  }
  out->assign(seen.begin(), seen.end());
  std::sort(out->begin(), out->end());
  return true;
}

Status EntriesFor(const IndexDef& def, std::string_view record_id, const rapidjson::Value& data,
                  const rapidjson::Value* metadata, std::vector<std::string>* out) {
  out->clear();
  if (def.spec.type != IndexType::kSimilarity) {
    out->push_back(EntryFor(def, record_id, data, metadata));
    return Status::OK();
  }
  query::RecordView view;
  view.id = record_id;
  view.data = &data;
  view.metadata = metadata;
  rapidjson::Value scratch;
  const rapidjson::Value* v = query::Resolve(def.paths[0], view, &scratch);
  // Other values never match $contains or $near: they need no entry.
  if (v == nullptr || !v->IsString()) return Status::OK();
  std::vector<std::string_view> grams;
  if (!DistinctGrams(std::string_view(v->GetString(), v->GetStringLength()), def.gram,
                     kMaxSimilarityGrams, &grams)) {
    return Status::InvalidArgument("index " + def.spec.name + ": field '" + def.spec.fields[0] +
                                   "' of " + ComponentName(def.spec.component) + " record '" +
                                   std::string(record_id) + "' has more than " +
                                   std::to_string(kMaxSimilarityGrams) + " distinct " +
                                   std::to_string(def.gram) +
                                   "-grams, the most a similarity index takes");
  }
  out->reserve(grams.size());
  // Hex keys of one length keep the grams' order: the ids stay sorted.
  for (std::string_view g : grams) out->push_back(EntryId(def.spec.name, GramKey(g), record_id));
  return Status::OK();
}

bool SplitEntryOf(const IndexDef& def, std::string_view entry_id, std::string_view* key,
                  std::string_view* record_id, bool* hashed) {
  if (entry_id.size() < def.entry_prefix.size()) return false;
  const std::string_view rest = entry_id.substr(def.entry_prefix.size());
  if (def.spec.type == IndexType::kSimilarity) {
    return SplitFixedEntry(rest, 2 * def.gram, key, record_id, hashed);
  }
  return SplitEntry(rest, def.paths.size(), def.spec.type == IndexType::kHash, key, record_id,
                    hashed);
}

std::string EntryData(std::string_view entry_id, std::string_view record_id) {
  if (entry_id.size() >= record_id.size() + 1 &&
      entry_id.substr(entry_id.size() - record_id.size()) == record_id &&
      entry_id[entry_id.size() - record_id.size() - 1] == 'i') {
    return "0";
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.String(record_id.data(), static_cast<rapidjson::SizeType>(record_id.size()));
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace spirapi::index
