// Reading the evolution history: names, earlier fields, presentation.

#include "schema/schema_history.h"

#include <rapidjson/document.h>

#include <cstdint>

#include "schema/schema_json.h"
#include "util/json_document.h"

namespace spirapi::schema {
namespace {

// Applies the renames and drops of entries in (from, upto] to names.
void Advance(const Schema& schema, uint64_t from, uint64_t upto,
             std::map<std::string, std::string>* names) {
  for (const SchemaChange& c : schema.history) {
    if (c.version <= from || c.version > upto) continue;
    if (c.action == "rollback") {
      // The fields became those of to_version; a record from before it
      // reads as it did then. (One written between was rewritten by the
      // rollback, so it never reaches here.)
      if (c.to_version >= from) {
        for (auto& [stored, now] : *names) now = stored;
        Advance(schema, from, c.to_version, names);
      }
      continue;
    }
    if (c.action != "rename" && c.action != "drop") continue;
    for (auto& [stored, now] : *names) {
      if (now == c.field) now = c.action == "rename" ? c.new_name : "";
    }
  }
}

}  // namespace

void CurrentNames(const Schema& schema, uint64_t version,
                  std::map<std::string, std::string>* names) {
  Advance(schema, version, schema.version, names);
}

Status FieldsAt(const Schema& schema, uint64_t version, std::map<std::string, FieldDef>* out) {
  if (version == 0 || version >= schema.version) {
    return Status::InvalidArgument("schema '" + schema.name + "' has no version " +
                                   std::to_string(version) + " before its current version " +
                                   std::to_string(schema.version));
  }
  std::map<std::string, FieldDef> fields = schema.fields;
  auto corrupt = [&](const SchemaChange& c, const Status& s) {
    return Status::Corruption("schema '" + schema.name + "': history entry of version " +
                              std::to_string(c.version) + ": " + s.message());
  };
  for (auto it = schema.history.rbegin(); it != schema.history.rend(); ++it) {
    const SchemaChange& c = *it;
    if (c.version <= version) break;
    Status s;
    if (c.action == "add") {
      fields.erase(c.field);
    } else if (c.action == "drop" || c.action == "alter" || c.action == "widen" ||
               c.action == "relax") {
      FieldDef def;
      s = ParseFieldDef(c.field, c.old_definition, &def);
      if (s.ok()) fields[c.field] = std::move(def);
    } else if (c.action == "rename") {
      auto node = fields.extract(c.new_name);
      if (node.empty()) return corrupt(c, Status::InvalidArgument("renamed field is missing"));
      node.key() = c.field;
      fields.insert(std::move(node));
    } else if (c.action == "rollback") {
      s = ParseFieldDefs(c.old_definition, &fields);
    }
    if (!s.ok()) return corrupt(c, s);
  }
  *out = std::move(fields);
  return Status::OK();
}

std::map<std::string, std::string> NamesAt(const Schema& schema, uint64_t version) {
  std::map<std::string, std::string> names;
  for (const auto& [name, def] : schema.fields) names[name] = name;
  uint64_t skip_above = UINT64_MAX;  // entries undone by a rollback passed on the way
  for (auto it = schema.history.rbegin(); it != schema.history.rend(); ++it) {
    const SchemaChange& c = *it;
    if (c.version <= version) break;
    if (c.version > skip_above) continue;
    if (c.action == "rollback") {
      // Names here are those of to_version: go on back from there, or
      // forward to `version` if it lies between.
      if (c.to_version <= version) {
        std::map<std::string, std::string> forward;  // name at to_version -> at version
        for (const auto& [now, then] : names) {
          if (!then.empty()) forward[then] = then;
        }
        Advance(schema, c.to_version, version, &forward);
        for (auto& [now, then] : names) {
          if (!then.empty()) then = forward[then];
        }
        break;
      }
      skip_above = c.to_version;
      continue;
    }
    for (auto& [now, then] : names) {
      if (c.action == "rename" && then == c.new_name) then = c.field;
      if (c.action == "add" && then == c.field) then.clear();
    }
  }
  return names;
}

std::string Present(const Schema& schema, std::string_view json, uint64_t version,
                    bool convert_types) {
  rapidjson::Document stored;
  ParseJsonDocument(json, &stored);
  if (!stored.IsObject()) return std::string(json);
  std::map<std::string, std::string> current_name;
  for (auto& m : stored.GetObject()) {
    const std::string field(m.name.GetString(), m.name.GetStringLength());
    current_name[field] = field;
  }
  CurrentNames(schema, version, &current_name);
  rapidjson::Document out(rapidjson::kObjectType);
  auto& alloc = out.GetAllocator();
  for (auto& m : stored.GetObject()) {
    const std::string& field =
        current_name[std::string(m.name.GetString(), m.name.GetStringLength())];
    auto def = schema.fields.find(field);
    if (def == schema.fields.end()) continue;  // dropped since
    rapidjson::Value value(m.value, alloc);
    // A type widened to string since: the old value as text.
    if (convert_types && def->second.type == FieldType::kString && !value.IsString() &&
        !value.IsNull()) {
      const std::string text = CompactJson(m.value);
      value.SetString(text.c_str(), static_cast<rapidjson::SizeType>(text.size()), alloc);
    }
    out.AddMember(rapidjson::Value(field.c_str(), alloc), value, alloc);
  }
  for (const auto& [field, def] : schema.fields) {
    if (def.default_json.empty() || out.HasMember(field.c_str())) continue;
    rapidjson::Document value(&alloc);
    ParseJsonDocument(def.default_json, &value);
    out.AddMember(rapidjson::Value(field.c_str(), alloc), value, alloc);
  }
  return CompactJson(out);
}

}  // namespace spirapi::schema
