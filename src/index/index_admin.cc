// Creating, dropping, rebuilding, listing and verifying secondary indexes
// (include/spirapi/index.h). The write path keeps entries current
// (src/db/db_indexes.cc); this file writes them for existing records.

#include <rapidjson/document.h>

#include <algorithm>
#include <chrono>

#include "db/db_impl.h"
#include "index/index_catalog.h"
#include "index/index_key.h"
#include "index/schema_entries.h"
#include "schema/schema_manager.h"
#include "util/json_document.h"

namespace spirapi {
namespace {

using index::IndexDef;

constexpr size_t kBuildBatch = 1000;     // records per build transaction
// ...and at most about this many bytes of entries (a similarity index's
// records give one per q-gram: thousands each).
constexpr size_t kBuildBatchBytes = 16u << 20;
constexpr int kMaxBatchAttempts = 100;   // a batch that keeps conflicting gives up

Status ImplOf(DB* db, DBImpl** impl) {
  *impl = db == nullptr ? nullptr : dynamic_cast<DBImpl*>(db);
  if (*impl == nullptr) return Status::InvalidArgument("index: not a SpiraPi database instance");
  return Status::OK();
}

// The index `name` of db, in the catalog that holds it.
Status FindIndex(DB* db, std::string_view name, DBImpl** impl,
                 std::shared_ptr<const IndexCatalogState>* catalog, const IndexDef** def) {
  Status s = ImplOf(db, impl);
  if (!s.ok()) return s;
  *catalog = (*impl)->IndexCatalog();
  *def = (*catalog)->Find(name);
  if (*def == nullptr) return Status::NotFound("no index named '" + std::string(name) + "'");
  return Status::OK();
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string DefinitionId(std::string_view name) {
  return std::string(index::kDefinitionPrefix) + std::string(name);
}
std::string BuildId(std::string_view name) {
  return std::string(index::kBuildPrefix) + std::string(name);
}

WriteOp PutOp(Component c, std::string id, std::string data, bool entry) {
  WriteOp op;
  op.component = c;
  op.id = std::move(id);
  op.data = std::move(data);
  op.metadata = "{}";
  op.index_entry = entry;
  return op;
}

WriteOp DeleteOp(Component c, std::string id, bool entry) {
  WriteOp op;
  op.component = c;
  op.id = std::move(id);
  op.is_delete = true;
  op.index_entry = entry;
  return op;
}

// Entries are written unsynced; the definition's changes are synced (and
// with them everything before).
Status Commit(DBImpl* impl, std::vector<WriteOp> ops, const DBImpl::Conditions& cond,
              bool sync = false) {
  WriteBatch batch;
  batch.internal = true;
  batch.ops = std::move(ops);
  for (const WriteOp& op : batch.ops) batch.bytes += op.bytes();
  WriteOptions wo;
  wo.sync = sync;
  return impl->Write(wo, &batch, cond);
}

// A snapshot for one batch of work.
class BatchSnapshot {
 public:
  explicit BatchSnapshot(DB* db) : db_(db), snapshot_(db->GetSnapshot()) {
    ro_.snapshot = snapshot_;
  }
  ~BatchSnapshot() { db_->ReleaseSnapshot(snapshot_); }
  const ReadOptions& ro() const { return ro_; }

 private:
  DB* db_;
  const Snapshot* snapshot_;
  ReadOptions ro_;
};

// Deletes every entry of `prefix` (nobody else writes them: the index is
// not in the catalog).
Status DeleteEntries(DBImpl* impl, const std::string& prefix) {
  while (true) {
    BatchSnapshot snap(impl);
    std::vector<WriteOp> ops;
    std::string to = prefix + "\xff";
    Status s = impl->WalkIds(impl->SnapshotOf(snap.ro()), Component::kIndex, prefix, to, false,
                             [&](std::string_view id) {
                               ops.push_back(DeleteOp(Component::kIndex, std::string(id), true));
                               return ops.size() < kBuildBatch;
                             });
    if (!s.ok() || ops.empty()) return s;
    s = Commit(impl, std::move(ops), DBImpl::Conditions());
    if (!s.ok()) return s;
  }
}

// Parses a record as queries do.
Status ParseRecord(const StorageRecord& r, bool with_metadata, rapidjson::Document* data,
                   rapidjson::Document* metadata) {
  RecycleDocument(data);
  RecycleDocument(metadata);
  data->Parse(r.data.data(), r.data.size());
  if (with_metadata) metadata->Parse(r.metadata.data(), r.metadata.size());
  if (data->HasParseError() || (with_metadata && metadata->HasParseError())) {
    return Status::Corruption(std::string(ComponentName(r.data_type)) + " record '" + r.id +
                              "' does not parse as JSON");
  }
  return Status::OK();
}

// Where def's records are: a component, or the ids of a schema's records.
ScanOptions RecordsOf(const IndexDef& def) {
  ScanOptions so;
  if (!def.spec.schema.empty()) so.prefix = schema::RecordPrefix(def.spec.schema);
  return so;
}

// How def's records give entries: a component's as stored; a schema's as
// the schema at the snapshot presents them (*schema, loaded first, null
// if there is no such schema: then none), with the definition guarded so
// that a schema change meanwhile makes the batch conflict.
Status SchemaOf(DBImpl* impl, uint64_t snapshot, const IndexDef& def,
                std::shared_ptr<const schema::Schema>* schema, DBImpl::Conditions* cond) {
  schema->reset();
  if (def.spec.schema.empty()) return Status::OK();
  if (cond != nullptr) {
    cond->unchanged.push_back({Component::kSchema, schema::SchemaKey(def.spec.schema), false});
  }
  Status s = index::LoadSchemaAt(impl, snapshot, def.spec.schema, schema);
  return s.IsNotFound() ? Status::OK() : s;
}

Status RecordEntries(const IndexDef& def, const schema::Schema* schema, const StorageRecord& r,
                     rapidjson::Document* data, rapidjson::Document* metadata,
                     std::vector<std::string>* entries) {
  if (!def.spec.schema.empty()) {
    entries->clear();
    if (schema == nullptr) return Status::OK();
    return index::PresentedEntries(def, *schema, r.id, r.data, r.metadata, data, entries);
  }
  Status s = ParseRecord(r, def.uses_metadata, data, metadata);
  if (!s.ok()) return s;
  return index::EntriesFor(def, r.id, *data, def.uses_metadata ? metadata : nullptr, entries);
}

// Writes the entries of the records after `after` (id order), a batch per
// transaction with the build's progress, then marks the index ready.
Status Build(DBImpl* impl, const std::string& name, std::string after,
             const std::function<bool(double)>& progress) {
  uint64_t total = 0, done = 0;
  // Shrinks when a batch conflicts with writers, so that busy records still
  // let the build through; grows back after.
  size_t batch_size = kBuildBatch;
  rapidjson::Document data, metadata;
  std::vector<std::string> entries;
  bool finished = false;
  while (!finished) {
    std::shared_ptr<const IndexCatalogState> catalog = impl->IndexCatalog();
    const IndexDef* def = catalog->Find(name);
    if (def == nullptr) return Status::NotFound("index '" + name + "' was dropped meanwhile");
    if (total == 0) {
      const ScanOptions records = RecordsOf(*def);
      if (records.prefix.empty()) {
        impl->Count(ReadOptions(), def->spec.component, &total);
      } else {
        BatchSnapshot snap(impl);
        total = impl->CountIds(impl->SnapshotOf(snap.ro()), def->spec.component, records.prefix,
                               records.prefix + "\xff", UINT64_MAX - 1);
      }
    }
    Status s;
    int attempt = 0;
    std::string last;
    do {
      BatchSnapshot snap(impl);
      std::vector<WriteOp> ops;
      DBImpl::Conditions cond;
      std::shared_ptr<const schema::Schema> schema;
      s = SchemaOf(impl, impl->SnapshotOf(snap.ro()), *def, &schema, &cond);
      if (!s.ok()) return s;
      ScanOptions so = RecordsOf(*def);
      so.from = after;
      last = after;
      size_t records = 0, bytes = 0;
      Status parse;
      s = impl->Scan(snap.ro(), def->spec.component, so, [&](const StorageRecord& r) {
        if (r.id == after) return true;  // from is inclusive
        parse = RecordEntries(*def, schema.get(), r, &data, &metadata, &entries);
        if (!parse.ok()) return false;
        for (std::string& entry : entries) {
          std::string entry_data = index::EntryData(entry, r.id);
          ops.push_back(PutOp(Component::kIndex, std::move(entry), std::move(entry_data), true));
          bytes += ops.back().bytes();
        }
        last = r.id;
        return ++records < batch_size && bytes < kBuildBatchBytes;
      });
      if (s.ok()) s = parse;
      if (!s.ok()) return s;
      finished = records < batch_size && bytes < kBuildBatchBytes;
      cond.check_conflicts = true;
      cond.snapshot = impl->SnapshotOf(snap.ro());
      cond.guard_catalog = true;
      cond.catalog_epoch = catalog->epoch;
      if (finished) {
        IndexDef ready = *def;
        ready.ready = true;
        ops.push_back(PutOp(Component::kMetadata, DefinitionId(name), index::DefToJson(ready),
                            false));
        if (!after.empty()) ops.push_back(DeleteOp(Component::kMetadata, BuildId(name), false));
      } else {
        ops.push_back(PutOp(Component::kMetadata, BuildId(name),
                            "{\"after\":" + index::EntryData("", last) + "}", false));
      }
      s = Commit(impl, std::move(ops), cond, finished);
      if (s.ok()) {
        done += records;
        batch_size = std::min(kBuildBatch, batch_size * 2);
      } else if (s.IsConflict()) {
        // A record changed after the batch's snapshot: read a smaller batch again.
        batch_size = std::max<size_t>(1, batch_size / 4);
      }
    } while (s.IsConflict() && ++attempt < kMaxBatchAttempts &&
             impl->IndexCatalog()->Find(name) != nullptr);
    if (!s.ok()) return s;
    after = last;
    if (progress && !progress(total == 0 ? 1.0 : std::min(1.0, double(done) / double(total)))) {
      if (!finished) return Status::Cancelled("index '" + name + "': build cancelled");
    }
  }
  return Status::OK();
}

}  // namespace

Status CreateIndex(DB* db, const IndexSpec& spec, const std::function<bool(double)>& progress) {
  DBImpl* impl;
  Status s = ImplOf(db, &impl);
  if (!s.ok()) return s;
  IndexDef def;
  s = index::MakeDef(spec, false, NowMicros(), &def);
  if (!s.ok()) return s;
  if (impl->IndexCatalog()->Find(spec.name) != nullptr) {
    return Status::InvalidArgument("index: an index named '" + spec.name + "' exists");
  }
  if (!spec.schema.empty()) {
    // Schemas are never removed, so one that exists now keeps existing.
    bool exists = false;
    impl->Exists(ReadOptions(), Component::kSchema, schema::SchemaKey(spec.schema), &exists);
    if (!exists) return Status::NotFound("index: no schema '" + spec.schema + "'");
  }
  // Entries left by a drop that a crash interrupted.
  s = DeleteEntries(impl, def.entry_prefix);
  if (!s.ok()) return s;
  BatchSnapshot snap(impl);
  DBImpl::Conditions cond;
  cond.check_conflicts = true;  // two creations of one name: the first wins
  cond.snapshot = impl->SnapshotOf(snap.ro());
  bool exists = false;
  impl->Exists(snap.ro(), Component::kMetadata, DefinitionId(spec.name), &exists);
  if (exists) return Status::InvalidArgument("index: an index named '" + spec.name + "' exists");
  s = Commit(impl,
             {PutOp(Component::kMetadata, DefinitionId(spec.name), index::DefToJson(def), false)},
             cond, true);
  if (s.IsConflict()) {
    return Status::InvalidArgument("index: an index named '" + spec.name + "' was just created");
  }
  if (!s.ok()) return s;
  return Build(impl, spec.name, "", progress);
}

Status DropIndex(DB* db, std::string_view name) {
  DBImpl* impl;
  std::shared_ptr<const IndexCatalogState> catalog;
  const IndexDef* def;
  Status s = FindIndex(db, name, &impl, &catalog, &def);
  if (!s.ok()) return s;
  const std::string prefix = def->entry_prefix;
  std::vector<WriteOp> ops = {DeleteOp(Component::kMetadata, DefinitionId(name), false)};
  bool building = false;
  impl->Exists(ReadOptions(), Component::kMetadata, BuildId(name), &building);
  if (building) ops.push_back(DeleteOp(Component::kMetadata, BuildId(name), false));
  s = Commit(impl, std::move(ops), DBImpl::Conditions(), true);
  return s.ok() ? DeleteEntries(impl, prefix) : s;
}

Status RebuildIndex(DB* db, std::string_view name, const std::function<bool(double)>& progress) {
  DBImpl* impl;
  std::shared_ptr<const IndexCatalogState> catalog;
  const IndexDef* def;
  Status s = FindIndex(db, name, &impl, &catalog, &def);
  if (!s.ok()) return s;
  if (!def->ready) {
    // An interrupted build goes on where it stopped.
    StorageRecord r;
    std::string after;
    if (impl->Get(ReadOptions(), Component::kMetadata, BuildId(name), &r).ok()) {
      rapidjson::Document doc;
      doc.Parse(r.data.data(), r.data.size());
      if (!doc.HasParseError() && doc.IsObject() && doc.HasMember("after") &&
          doc["after"].IsString()) {
        after = doc["after"].GetString();
      }
    }
    return Build(impl, std::string(name), after, progress);
  }
  const IndexSpec spec = def->spec;
  s = DropIndex(db, name);
  return s.ok() ? CreateIndex(db, spec, progress) : s;
}

Status ListIndexes(DB* db, std::vector<IndexInfo>* out) {
  out->clear();
  DBImpl* impl;
  Status s = ImplOf(db, &impl);
  if (!s.ok()) return s;
  std::shared_ptr<const IndexCatalogState> catalog = impl->IndexCatalog();
  BatchSnapshot snap(impl);
  for (const auto& def : catalog->defs) {
    IndexInfo info;
    info.spec = def->spec;
    info.state = def->ready ? "ready" : "building";
    info.created_us = def->created_us;
    info.queries = def->queries ? def->queries->load(std::memory_order_relaxed) : 0;
    s = impl->WalkIds(impl->SnapshotOf(snap.ro()), Component::kIndex, def->entry_prefix,
                      def->entry_prefix + "\xff", false, [&](std::string_view id) {
                        ++info.entries;
                        info.key_bytes += id.size();
                        return true;
                      });
    if (!s.ok()) return s;
    out->push_back(std::move(info));
  }
  return Status::OK();
}

Status VerifyIndex(DB* db, std::string_view name, std::vector<IndexMismatch>* mismatches) {
  mismatches->clear();
  DBImpl* impl;
  Status s = ImplOf(db, &impl);
  if (!s.ok()) return s;
  std::shared_ptr<const IndexCatalogState> catalog = impl->IndexCatalog();
  if (!name.empty() && catalog->Find(name) == nullptr) {
    return Status::NotFound("no index named '" + std::string(name) + "'");
  }
  BatchSnapshot snap(impl);
  rapidjson::Document data, metadata;
  std::vector<std::string> entries;
  for (const auto& def : catalog->defs) {
    if (!name.empty() ? def->spec.name != name : !def->ready) continue;
    // (entry id, record id) the records give, and the entries there are.
    std::vector<std::pair<std::string, std::string>> expected;
    Status parse;
    std::shared_ptr<const schema::Schema> schema;
    s = SchemaOf(impl, impl->SnapshotOf(snap.ro()), *def, &schema, nullptr);
    if (!s.ok()) return s;
    s = impl->Scan(snap.ro(), def->spec.component, RecordsOf(*def), [&](const StorageRecord& r) {
      parse = RecordEntries(*def, schema.get(), r, &data, &metadata, &entries);
      if (!parse.ok()) return false;
      for (std::string& entry : entries) expected.emplace_back(std::move(entry), r.id);
      return true;
    });
    if (s.ok()) s = parse;
    if (!s.ok()) return s;
    std::vector<std::string> actual;
    s = impl->WalkIds(impl->SnapshotOf(snap.ro()), Component::kIndex, def->entry_prefix,
                      def->entry_prefix + "\xff", false, [&](std::string_view id) {
                        actual.emplace_back(id);
                        return true;
                      });
    if (!s.ok()) return s;
    std::sort(expected.begin(), expected.end());
    // A schema's records by the ids SchemaRecord gives.
    const size_t strip = RecordsOf(*def).prefix.size();
    for (auto& e : expected) e.second.erase(0, std::min(strip, e.second.size()));
    size_t i = 0, j = 0;
    while (i < expected.size() || j < actual.size()) {
      if (j == actual.size() || (i < expected.size() && expected[i].first < actual[j])) {
        mismatches->push_back({def->spec.name, expected[i].second, "entry missing"});
        ++i;
      } else if (i == expected.size() || actual[j] < expected[i].first) {
        std::string_view key, record;
        bool hashed = false;
        std::string record_id = "?";
        if (index::SplitEntryOf(*def, actual[j], &key, &record, &hashed)) {
          record_id = hashed ? "(hashed id " + std::string(record) + ")"
                             : std::string(record.substr(std::min(strip, record.size())));
        }
        mismatches->push_back({def->spec.name, record_id,
                               "entry for a record that does not exist or does not hold its "
                               "value"});
        ++j;
      } else {
        ++i;
        ++j;
      }
    }
  }
  return Status::OK();
}

}  // namespace spirapi
