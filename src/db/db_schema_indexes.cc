// The write path's part of the indexes over a schema's records
// (IndexSpec::schema, index/schema_entries.h). A record's entries hold its
// values as the schema presents them, and presentation follows the schema:
// a rename, a type widened to string, a new default or a rollback changes
// the presented values of records it does not rewrite. So a batch that
// writes the schema's definition recomputes every entry of its indexes
// from all its records under the new definition, in the same commit; any
// other batch computes its records' entries under the definition at its
// snapshot. Either guards what it read (Conditions::unchanged): a record
// write commits only if the definition did not change meanwhile, a schema
// change only if no record of the schema did, else Conflict (a transaction
// is retried by its writer: SchemaManager does; DB::Put by Write).

#include <rapidjson/document.h>

#include <algorithm>
#include <map>

#include "db/db_impl.h"
#include "index/index_catalog.h"
#include "index/schema_entries.h"
#include "schema/schema_manager.h"

namespace spirapi {
namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

Status DBImpl::AddSchemaIndexEntries(const IndexCatalogState& catalog, Conditions* cond,
                                     WriteBatch* batch) {
  if (!catalog.CoversSchemas()) return Status::OK();
  const uint64_t snapshot = cond->snapshot;
  std::map<std::string, std::vector<const index::IndexDef*>> by_schema;
  for (const auto& def : catalog.defs) {
    if (!def->spec.schema.empty()) by_schema[def->spec.schema].push_back(def.get());
  }
  const size_t user_ops = batch->ops.size();
  rapidjson::Document doc;
  std::vector<std::string> before, after;
  for (const auto& schema_defs : by_schema) {
    // Not a structured binding: lambdas below use them (clang 14 cannot).
    const std::string& name = schema_defs.first;
    const std::vector<const index::IndexDef*>& defs = schema_defs.second;
    const std::string prefix = schema::RecordPrefix(name);
    const std::string definition = schema::SchemaKey(name);
    // The batch's last write of each record of the schema, and of its
    // definition.
    std::map<std::string, size_t, std::less<>> records;
    const WriteOp* schema_op = nullptr;
    for (size_t i = 0; i < user_ops; ++i) {
      const WriteOp& op = batch->ops[i];
      if (op.component != Component::kSchema) continue;
      if (op.id == definition) {
        schema_op = &op;
      } else if (StartsWith(op.id, prefix)) {
        records[op.id] = i;
      }
    }
    if (schema_op == nullptr && records.empty()) continue;
    // The schema the records are presented under once the batch commits;
    // none (a definition deleted or absent): its records have no entries.
    std::shared_ptr<const schema::Schema> schema;
    Status s;
    if (schema_op == nullptr) {
      s = index::LoadSchemaAt(this, snapshot, name, &schema);
    } else if (!schema_op->is_delete) {
      s = index::ParseStoredSchema(name, schema_op->data, &schema);
    }
    if (!s.ok() && !s.IsNotFound()) return s;
    cond->unchanged.push_back({Component::kSchema, definition, false});
    auto entries_of = [&](const index::IndexDef& def, std::string_view id, std::string_view data,
                          std::string_view metadata, std::vector<std::string>* out) {
      out->clear();
      if (schema == nullptr) return Status::OK();
      return index::PresentedEntries(def, *schema, id, data, metadata, &doc, out);
    };

    if (schema_op == nullptr) {
      // The definition stays: each written record's entries change alone.
      for (const auto& record : records) {
        const std::string& id = record.first;
        const WriteOp& op = batch->ops[record.second];
        const bool is_delete = op.is_delete;
        const std::string data = op.data, metadata = op.metadata;  // push_back may move ops
        std::string old_data, old_metadata;
        s = ViewAt(snapshot, Component::kSchema, id, [&](const RecordView& old) {
          old_data.assign(old.data);
          old_metadata.assign(old.metadata);
        });
        const bool had_old = s.ok();
        if (!s.ok() && !s.IsNotFound()) return s;
        for (const index::IndexDef* def : defs) {
          before.clear();
          // As for component indexes: an old version with too many q-grams
          // predates the index and has no entries.
          if (had_old && !entries_of(*def, id, old_data, old_metadata, &before).ok()) {
            before.clear();
          }
          after.clear();
          if (!is_delete) {
            s = entries_of(*def, id, data, metadata, &after);
            if (!s.ok()) return s;
          }
          AddEntryDiff(
              &before, &after, [&](std::string_view e) { return index::EntryData(e, id); }, batch);
        }
      }
      continue;
    }

    // The definition changes: every record's entries, as the new schema
    // presents it, against the entries there are. Any record written
    // since the snapshot would be missed: guard them all.
    cond->unchanged.push_back({Component::kSchema, prefix, true});
    std::vector<std::vector<std::pair<std::string, std::string>>> wanted(defs.size());
    auto add = [&](std::string_view id, std::string_view data, std::string_view metadata) {
      for (size_t d = 0; d < defs.size(); ++d) {
        Status es = entries_of(*defs[d], id, data, metadata, &after);
        if (!es.ok()) return es;
        for (std::string& e : after) wanted[d].emplace_back(std::move(e), std::string(id));
      }
      return Status::OK();
    };
    Status walk;
    s = WalkIds(snapshot, Component::kSchema, prefix, prefix + "\xff", false,
                [&](std::string_view id) {
                  if (records.find(id) != records.end()) return true;  // the batch's version
                  Status added;
                  walk = ViewAt(snapshot, Component::kSchema, id,
                                [&](const RecordView& r) { added = add(id, r.data, r.metadata); });
                  if (walk.ok()) walk = added;
                  return walk.ok();
                });
    if (s.ok()) s = walk;
    if (!s.ok()) return s;
    for (const auto& [id, i] : records) {
      const WriteOp& op = batch->ops[i];
      if (op.is_delete) continue;
      s = add(id, op.data, op.metadata);
      if (!s.ok()) return s;
    }
    for (size_t d = 0; d < defs.size(); ++d) {
      before.clear();
      s = WalkIds(snapshot, Component::kIndex, defs[d]->entry_prefix,
                  defs[d]->entry_prefix + "\xff", false, [&](std::string_view e) {
                    before.emplace_back(e);
                    return true;
                  });
      if (!s.ok()) return s;
      std::sort(wanted[d].begin(), wanted[d].end());
      std::map<std::string, std::string, std::less<>> owner;  // entry -> record, for puts
      after.clear();
      for (auto& [e, id] : wanted[d]) {
        after.push_back(e);
        owner.emplace(std::move(e), std::move(id));
      }
      AddEntryDiff(
          &before, &after,
          [&](std::string_view e) {
            auto it = owner.find(e);
            return index::EntryData(e, it->second);
          },
          batch);
    }
  }
  return Status::OK();
}

Status DBImpl::CheckUnchanged(const Conditions& cond, const PendingMap& pending) {
  for (const Conditions::Guard& g : cond.unchanged) {
    const std::string why = "the schema records '" + g.id + (g.prefix ? "*" : "") +
                            "' an index's entries were computed from changed meanwhile";
    // Earlier batches of the group are newer than any snapshot.
    for (const auto& [key, state] : pending) {
      if (key.first == g.component &&
          (g.prefix ? StartsWith(key.second, g.id) : key.second == g.id)) {
        return Status::Conflict(why);
      }
    }
    ComponentIndex& idx = index(g.component);
    std::shared_lock<std::shared_mutex> l(idx.mu);
    if (!g.prefix) {
      const VersionChain* chain = idx.Find(g.id);
      if (chain != nullptr && !chain->empty() && chain->front().seq > cond.snapshot) {
        return Status::Conflict(why);
      }
      continue;
    }
    const ComponentIndex::OrderedView ids = idx.ordered();
    for (auto it = ids.lower_bound(g.id); it != ids.end(); ++it) {
      const auto [id, chain] = *it;
      if (!StartsWith(id, g.id)) break;
      if (!chain.empty() && chain.front().seq > cond.snapshot) return Status::Conflict(why);
    }
  }
  return Status::OK();
}

}  // namespace spirapi
