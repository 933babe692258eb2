// The write path's part of secondary indexes (include/spirapi/index.h): each
// write to an indexed component gets its entry changes added to the same
// batch, and the catalog of definitions follows the METADATA records that
// hold it. Creating, dropping and building indexes is src/index.

#include <rapidjson/document.h>

#include <algorithm>
#include <memory>
#include <thread>

#include "db/db_impl.h"
#include "index/index_catalog.h"
#include "index/index_key.h"
#include "query/record_fields.h"

namespace spirapi {
namespace {

// Blind writes (DB::Put, DB::Delete) whose record or index catalog changed
// under them are redone this often before Conflict is returned.
constexpr int kMaxBlindAttempts = 64;

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

bool IsDefinition(const WriteOp& op) {
  return op.component == Component::kMetadata && StartsWith(op.id, index::kDefinitionPrefix);
}

}  // namespace

bool IsIndexRecord(Component c, std::string_view id) {
  return (c == Component::kIndex && StartsWith(id, index::kEntryPrefix)) ||
         (c == Component::kMetadata &&
          (StartsWith(id, index::kDefinitionPrefix) || StartsWith(id, index::kBuildPrefix)));
}

Status DBImpl::CheckReserved(Component c, std::string_view id) {
  if (!IsIndexRecord(c, id)) return Status::OK();
  if (c == Component::kIndex) {
    return Status::InvalidArgument("ids starting with '" + std::string(index::kEntryPrefix) +
                                   "' in the index component are SpiraPi's index entries");
  }
  return Status::InvalidArgument("ids starting with '~index' in the metadata component are "
                                 "SpiraPi's index definitions");
}

std::shared_ptr<const IndexCatalogState> DBImpl::IndexCatalog() const {
  std::lock_guard<std::mutex> l(catalog_mu_);
  return catalog_;
}

Status DBImpl::LoadIndexCatalog() {
  auto next = std::make_shared<index::Catalog>();
  ScanOptions so;
  so.prefix = std::string(index::kDefinitionPrefix);
  Status parse_error;
  Status s = Scan(ReadOptions(), Component::kMetadata, so, [&](const StorageRecord& r) {
    auto def = std::make_shared<index::IndexDef>();
    parse_error = index::ParseDef(r.data, def.get());
    if (!parse_error.ok()) return false;
    next->defs.push_back(std::move(def));
    return true;
  });
  if (s.ok()) s = parse_error;
  if (!s.ok()) return s;
  std::lock_guard<std::mutex> l(mu_);
  std::lock_guard<std::mutex> cl(catalog_mu_);
  next->epoch = catalog_ == nullptr ? 1 : catalog_->epoch + 1;
  catalog_ = std::move(next);
  pending_catalog_ = catalog_;
  return Status::OK();
}

void DBImpl::ResumeIndexBuilds() {
  std::shared_ptr<const IndexCatalogState> catalog = IndexCatalog();
  std::vector<std::string> building;
  for (const auto& def : catalog->defs) {
    if (!def->ready) building.push_back(def->spec.name);
  }
  if (building.empty()) return;
  index_build_thread_ = std::thread([this, building] {
    for (const std::string& name : building) {
      // Failures leave the index "building" (never used by queries) for
      // RebuildIndex or the next open; a dropped one is simply gone.
      RebuildIndex(this, name, [this](double) { return !stop_index_builds_.load(); });
      if (stop_index_builds_.load()) return;
    }
  });
}

Status DBImpl::Write(const WriteOptions& wo, WriteBatch* batch, const Conditions& cond) {
  if (batch == nullptr || batch->internal) return Commit(wo, batch, cond);
  const size_t user_ops = batch->ops.size();
  const size_t user_bytes = batch->bytes;
  const bool blind = !cond.check_conflicts;
  for (int attempt = 1;; ++attempt) {
    std::shared_ptr<const IndexCatalogState> catalog = IndexCatalog();
    Conditions c = cond;
    c.guard_catalog = true;
    c.catalog_epoch = catalog == nullptr ? 0 : catalog->epoch;
    bool indexed = false;
    if (catalog != nullptr && !catalog->defs.empty()) {
      for (size_t i = 0; i < user_ops && !indexed; ++i) {
        indexed = catalog->Covers(batch->ops[i].component);
      }
    }
    uint64_t own_snapshot = 0;
    Status s;
    if (indexed) {
      // A blind write reads the previous versions at a snapshot of its own
      // and commits only if none changed since, or tries again.
      if (blind) {
        own_snapshot = AcquireSnapshot();
        c.check_conflicts = true;
        c.snapshot = own_snapshot;
      }
      s = AddIndexEntries(*catalog, &c, batch);
    }
    if (s.ok()) s = Commit(wo, batch, c);
    if (own_snapshot != 0) ReleaseSnapshotSeq(own_snapshot);
    if (!s.IsConflict() || !blind || attempt >= kMaxBlindAttempts) return s;
    std::this_thread::yield();  // let the writer it raced finish
    batch->ops.resize(user_ops);
    batch->bytes = user_bytes;
  }
}

Status DBImpl::AddIndexEntries(const IndexCatalogState& catalog, Conditions* cond,
                               WriteBatch* batch) {
  const uint64_t snapshot = cond->snapshot;
  const size_t user_ops = batch->ops.size();
  rapidjson::Document data, metadata, old_data, old_metadata;
  std::vector<std::string> before, after;  // entry ids, sorted
  // What the indexes of each component read of its records: only those
  // members are parsed, as queries parse them, so that entries hold the
  // values queries compare.
  struct Reads {
    std::unique_ptr<query::RecordFields> data, metadata;
  };
  Reads reads[kAllComponents.size()];
  for (size_t i = 0; i < user_ops; ++i) {
    if (!catalog.CoversRecords(batch->ops[i].component)) continue;
    // Copies: push_back below may move the ops.
    const Component c = batch->ops[i].component;
    const std::string id = batch->ops[i].id;
    const bool is_delete = batch->ops[i].is_delete;
    Reads& r = reads[static_cast<size_t>(c)];
    if (r.data == nullptr) {
      std::vector<query::Path> paths;
      for (const auto& def : catalog.defs) {
        if (def->spec.component == c && def->spec.schema.empty())
          paths.insert(paths.end(), def->paths.begin(), def->paths.end());
      }
      r.data = std::make_unique<query::RecordFields>(paths, query::Path::Root::kData);
      r.metadata = std::make_unique<query::RecordFields>(paths, query::Path::Root::kMetadata);
    }
    auto parse = [&](std::string_view data_json, std::string_view metadata_json) {
      Status s = r.data->Load(data_json, &data);
      if (s.ok() && r.metadata->needed()) s = r.metadata->Load(metadata_json, &metadata);
      if (!s.ok()) {
        return Status::Corruption(std::string(ComponentName(c)) + " record '" + id + "' " +
                                  s.message());
      }
      return s;
    };
    Status parsed;
    Status s = ViewAt(snapshot, c, id, [&](const RecordView& old) {
      parsed = parse(old.data, old.metadata);
      data.Swap(old_data);
      metadata.Swap(old_metadata);
    });
    const bool had_old = s.ok();
    if (!s.ok() && !s.IsNotFound()) return s;
    if (!parsed.ok()) return parsed;
    if (!is_delete) {
      // Put's JSON was validated and normalized already.
      const WriteOp& op = batch->ops[i];
      s = parse(op.data, op.metadata);
      if (!s.ok()) return s;
    }
    for (const auto& def : catalog.defs) {
      if (def->spec.component != c || !def->spec.schema.empty()) continue;
      const rapidjson::Value* old_meta = def->uses_metadata ? &old_metadata : nullptr;
      const rapidjson::Value* new_meta = def->uses_metadata ? &metadata : nullptr;
      before.clear();
      after.clear();
      // An old version with too many q-grams has no entries: it predates
      // the index, whose build stopped at it. It can still be replaced or
      // deleted.
      if (had_old && !index::EntriesFor(*def, id, old_data, old_meta, &before).ok()) {
        before.clear();
      }
      if (!is_delete) {
        s = index::EntriesFor(*def, id, data, new_meta, &after);
        if (!s.ok()) return s;
      }
      AddEntryDiff(
          &before, &after, [&](std::string_view e) { return index::EntryData(e, id); }, batch);
    }
  }
  return AddSchemaIndexEntries(catalog, cond, batch);
}

void DBImpl::AddEntryDiff(std::vector<std::string>* before, std::vector<std::string>* after,
                          const std::function<std::string(std::string_view entry)>& data_of,
                          WriteBatch* batch) {
  // Both sorted: delete what only the old version gives, put what only
  // the new one does (a similarity index's unchanged q-grams stay).
  size_t b = 0, a = 0;
  while (b < before->size() || a < after->size()) {
    if (a == after->size() || (b < before->size() && (*before)[b] < (*after)[a])) {
      WriteOp op;
      op.component = Component::kIndex;
      op.id = std::move((*before)[b++]);
      op.is_delete = true;
      op.index_entry = true;
      batch->bytes += op.bytes();
      batch->ops.push_back(std::move(op));
    } else if (b == before->size() || (*after)[a] < (*before)[b]) {
      WriteOp op;
      op.component = Component::kIndex;
      op.data = data_of((*after)[a]);
      op.metadata = "{}";
      op.id = std::move((*after)[a++]);
      op.index_entry = true;
      batch->bytes += op.bytes();
      batch->ops.push_back(std::move(op));
    } else {
      ++b;
      ++a;
    }
  }
}

Status DBImpl::CheckCatalog(const WriteBatch& batch, const Conditions& cond) const {
  const IndexCatalogState* now = pending_catalog_.get();
  const uint64_t epoch = now == nullptr ? 0 : now->epoch;
  if (epoch == cond.catalog_epoch) return Status::OK();
  for (const WriteOp& op : batch.ops) {
    if (op.index_entry || (now != nullptr && now->Covers(op.component))) {
      return Status::Conflict("an index of the " + std::string(ComponentName(op.component)) +
                              " component was created or dropped while this transaction ran");
    }
  }
  return Status::OK();
}

void DBImpl::ApplyCatalogChanges(const WriteBatch& batch, uint64_t seq) {
  bool changes = false;
  for (const WriteOp& op : batch.ops) changes = changes || IsDefinition(op);
  if (!changes) return;
  auto next = std::make_shared<index::Catalog>();
  if (pending_catalog_ != nullptr) *next = *pending_catalog_;
  next->epoch = (pending_catalog_ == nullptr ? 0 : pending_catalog_->epoch) + 1;
  for (const WriteOp& op : batch.ops) {
    if (!IsDefinition(op)) continue;
    const std::string_view name = std::string_view(op.id).substr(index::kDefinitionPrefix.size());
    auto& defs = next->defs;
    auto it = std::find_if(defs.begin(), defs.end(),
                           [&](const auto& d) { return d->spec.name == name; });
    std::shared_ptr<std::atomic<uint64_t>> queries;
    if (it != defs.end()) {
      queries = (*it)->queries;
      defs.erase(it);
    }
    if (op.is_delete) continue;
    auto def = std::make_shared<index::IndexDef>();
    def->queries = std::move(queries);
    // Written by src/index only, from a checked spec.
    if (!index::ParseDef(op.data, def.get()).ok()) continue;
    def->ready_seq = seq;
    auto at = std::lower_bound(defs.begin(), defs.end(), def->spec.name,
                               [](const auto& d, const std::string& n) { return d->spec.name < n; });
    defs.insert(at, std::move(def));
  }
  pending_catalog_ = std::move(next);
}

void DBImpl::PublishCatalog() {
  std::lock_guard<std::mutex> l(catalog_mu_);
  if (catalog_ != pending_catalog_) catalog_ = pending_catalog_;
}

uint64_t DBImpl::CountIds(uint64_t snapshot, Component c, std::string_view from,
                         std::string_view to, uint64_t cap) {
  auto pin = PinIndex();
  constexpr size_t kChunk = 4096;  // ids examined per hold of the index lock
  uint64_t count = 0;
  std::string cursor(from);
  while (count <= cap) {
    ComponentIndex& idx = index(c);
    std::shared_lock<std::shared_mutex> l(idx.mu);
    const ComponentIndex::OrderedView ids = idx.ordered();
    auto it = ids.lower_bound(cursor);
    size_t examined = 0;
    for (; it != ids.end() && examined < kChunk && count <= cap; ++it, ++examined) {
      const auto [id, chain] = *it;
      if (!to.empty() && id >= to) return count;
      const VersionRef* v = ComponentIndex::Visible(chain, snapshot);
      if (v != nullptr && !v->tombstone()) ++count;
    }
    if (it == ids.end() || count > cap) return count;
    cursor.assign((*it).first);  // resume at the id not yet examined
  }
  return count;
}

Status DBImpl::WalkIds(uint64_t snapshot, Component c, std::string_view from, std::string_view to,
                       bool reverse, const std::function<bool(std::string_view id)>& fn) {
  auto pin = PinIndex();
  constexpr size_t kChunk = 512;  // ids copied per hold of the index lock
  std::vector<std::string> chunk;
  std::string cursor;
  bool started = false;
  while (true) {
    chunk.clear();
    bool more = false;
    {
      ComponentIndex& idx = index(c);
      std::shared_lock<std::shared_mutex> l(idx.mu);
      const ComponentIndex::OrderedView ids = idx.ordered();
      if (!reverse) {
        auto it = !started ? ids.lower_bound(from) : ids.upper_bound(cursor);
        for (; it != ids.end(); ++it) {
          const auto [id, chain] = *it;
          if (!to.empty() && id >= to) break;
          if (chunk.size() == kChunk) {
            more = true;
            break;
          }
          const VersionRef* v = ComponentIndex::Visible(chain, snapshot);
          if (v != nullptr && !v->tombstone()) chunk.emplace_back(id);
        }
      } else {
        // Starts at the last id before `to` (or the cursor) and goes down.
        auto it = !started ? (to.empty() ? ids.end() : ids.lower_bound(to)) : ids.lower_bound(cursor);
        while (it != ids.begin()) {
          --it;
          const auto [id, chain] = *it;
          if (id < from) break;
          if (chunk.size() == kChunk) {
            more = true;
            break;
          }
          const VersionRef* v = ComponentIndex::Visible(chain, snapshot);
          if (v != nullptr && !v->tombstone()) chunk.emplace_back(id);
        }
      }
    }
    started = true;
    for (const std::string& id : chunk) {
      if (!fn(id)) return Status::OK();
    }
    if (!more) return Status::OK();
    // The last id examined may have been skipped (not visible): resume after
    // the last one returned, or else after everything seen.
    if (chunk.empty()) return Status::OK();
    cursor = chunk.back();
  }
}

}  // namespace spirapi
