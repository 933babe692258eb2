// RunQuery, ExplainQuery, CheckQuery: a scan of the source through the
// filter, then counting, grouping, sorting and projecting.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iterator>
#include <map>

#include "db/db_impl.h"
#include "index/index_key.h"
#include "index/schema_entries.h"
#include "query/query_cache.h"
#include "query/query_parse.h"
#include "query/query_plan.h"
#include "query/record_fields.h"
#include "schema/schema_history.h"
#include "schema/schema_manager.h"
#include "spirapi/query.h"
#include "spirapi/schema.h"
#include "util/hash.h"
#include "util/record_json.h"

namespace spirapi {

namespace {

using query::Json;
using query::Key;
using query::Path;
using query::Query;
using query::RecordView;

std::string SourcePlan(const QuerySource& source, const query::IndexPlan& plan) {
  if (!source.schema.empty()) {
    if (plan.def != nullptr) return "schema " + source.schema + " by " + plan.Describe();
    return "scan schema " + source.schema + " (no index" +
           (plan.note.empty() ? "" : ": " + plan.note) + ")";
  }
  if (plan.def != nullptr) {
    return std::string("component ") + ComponentName(source.component) + " by " + plan.Describe();
  }
  return std::string("scan component ") + ComponentName(source.component) + " (no index" +
         (plan.note.empty() ? "" : ": " + plan.note) + ")";
}

// One output row and what it sorts by.
struct Row {
  std::vector<Key> keys;
  uint64_t sequence = 0;  // scan order, so that ties keep it
  std::string json;
};

// The rows of a sort: all of them, or the best skip + limit.
class SortBuffer {
 public:
  SortBuffer(const Query& q, uint64_t max_rows) : q_(q), max_rows_(max_rows) {}

  bool Less(const Row& a, const Row& b) const {
    for (size_t i = 0; i < q_.sort.size(); ++i) {
      int c = query::CompareKeys(a.keys[i], b.keys[i]);
      if (c != 0) return q_.sort[i].descending ? c > 0 : c < 0;
    }
    return a.sequence < b.sequence;
  }

  Status Add(Row row) {
    rows_.push_back(std::move(row));
    if (q_.limit.has_value()) {
      const uint64_t keep = q_.skip + *q_.limit;
      if (rows_.size() >= 2 * keep + 1024) Trim(keep);
    } else if (rows_.size() > max_rows_) {
      return Status::InvalidArgument(
          "query: sorting more than " + std::to_string(max_rows_) +
          " rows in memory (QueryOptions::max_sort_rows); add a $limit or narrow the filter");
    }
    return Status::OK();
  }

  std::vector<Row>& Finish() {
    if (q_.limit.has_value()) Trim(q_.skip + *q_.limit);
    std::sort(rows_.begin(), rows_.end(), [&](const Row& a, const Row& b) { return Less(a, b); });
    return rows_;
  }

 private:
  void Trim(uint64_t keep) {
    if (rows_.size() <= keep) return;
    std::nth_element(rows_.begin(), rows_.begin() + static_cast<ptrdiff_t>(keep), rows_.end(),
                     [&](const Row& a, const Row& b) { return Less(a, b); });
    rows_.resize(keep);
  }

  const Query& q_;
  uint64_t max_rows_;
  std::vector<Row> rows_;
};

struct GroupState {
  uint64_t count = 0;
  std::vector<uint64_t> numbers;  // per aggregate: numbers seen (sum, avg)
  std::vector<long double> sums;
  std::vector<Key> extremes;  // per aggregate: min or max so far
  std::vector<bool> seen;
};

struct KeysLess {
  bool operator()(const std::vector<Key>& a, const std::vector<Key>& b) const {
    for (size_t i = 0; i < a.size(); ++i) {
      int c = query::CompareKeys(a[i], b[i]);
      if (c != 0) return c < 0;
    }
    return false;
  }
};

// A sum or an average: an integer when it is one (and fits 64 bits), null
// past a double's range, which JSON cannot write.
void AppendNumber(long double v, std::string* out) {
  const double d = static_cast<double>(v);
  if (!std::isfinite(d)) {
    out->append("null");
    return;
  }
  Json n;
  if (d > -9.2e18 && d < 9.2e18 && v == static_cast<long double>(static_cast<int64_t>(v))) {
    n.SetInt64(static_cast<int64_t>(v));
  } else {
    n.SetDouble(d);
  }
  out->append(query::ToJson(n));
}

class Runner {
 public:
  Runner(const Query& q, const QueryOptions& options,
         const std::function<bool(std::string_view)>& fn, QueryStats* stats)
      : q_(q), fn_(fn), stats_(stats), sort_(q, options.max_sort_rows) {}

  // One record of the source; false stops the scan (the caller's fn did,
  // or an error, kept in status()).
  bool Offer(const RecordView& view, const std::function<std::string()>& whole_row) {
    ++stats_->rows_examined;
    if (!q_.where.Matches(view)) return true;
    ++matched_;
    if (q_.count) {
      ++count_;
      return true;
    }
    if (q_.group) {
      AddToGroup(view);
      return true;
    }
    std::string json = q_.fields.empty() ? whole_row() : Project(view);
    if (q_.sort.empty()) return Emit(json);
    Row row;
    Json scratch;
    row.keys.reserve(q_.sort.size());
    for (const query::SortKey& k : q_.sort) {
      row.keys.emplace_back(query::Resolve(k.path, view, &scratch));
    }
    row.sequence = sequence_++;
    row.json = std::move(json);
    status_ = sort_.Add(std::move(row));
    return status_.ok();
  }

  // Records that passed the filter so far.
  uint64_t matched() const { return matched_; }
  // Counts n records known to match without reading them ($count from an
  // index's entries).
  void CountMatches(uint64_t n) {
    stats_->rows_examined += n;
    matched_ += n;
    count_ += n;
  }

  Status Finish() {
    if (!status_.ok() || stopped_) return status_;
    if (q_.count) {
      Emit("{\"count\":" + std::to_string(count_) + "}");
      return status_;
    }
    if (q_.group) return FinishGroups();
    if (!q_.sort.empty()) {
      for (Row& row : sort_.Finish()) {
        if (!Emit(row.json)) break;
      }
    }
    return status_;
  }

 private:
  // Applies skip and limit; false once the caller has had enough.
  bool Emit(std::string_view json) {
    if (skipped_ < q_.skip) {
      ++skipped_;
      return true;
    }
    if (q_.limit.has_value() && stats_->rows_returned >= *q_.limit) {
      stopped_ = true;
      return false;
    }
    ++stats_->rows_returned;
    if (!fn_(json)) {
      stopped_ = true;
      return false;
    }
    if (q_.limit.has_value() && stats_->rows_returned >= *q_.limit && q_.sort.empty() &&
        !q_.group) {
      stopped_ = true;
      return false;
    }
    return true;
  }

  std::string Project(const RecordView& view) const {
    std::string out = "{";
    Json scratch;
    for (const Path& p : q_.fields) {
      const Json* v = query::Resolve(p, view, &scratch);
      if (v == nullptr) continue;
      if (out.size() > 1) out.push_back(',');
      Json name(
          rapidjson::StringRef(p.text.data(), static_cast<rapidjson::SizeType>(p.text.size())));
      out += query::ToJson(name) + ":" + query::ToJson(*v);
    }
    return out + "}";
  }

  void AddToGroup(const RecordView& view) {
    std::vector<Key> key;
    Json scratch;
    for (const Path& p : q_.group_by) key.emplace_back(query::Resolve(p, view, &scratch));
    GroupState& g = groups_[std::move(key)];
    const size_t n = q_.aggregates.size();
    if (g.seen.empty()) {
      g.numbers.assign(n, 0);
      g.sums.assign(n, 0);
      g.extremes.assign(n, Key());
      g.seen.assign(n, false);
    }
    ++g.count;
    for (size_t i = 0; i < n; ++i) {
      const query::Aggregate& a = q_.aggregates[i];
      if (a.fn == query::Aggregate::Fn::kCount) continue;
      Key v(query::Resolve(a.path, view, &scratch));
      if (v.kind() == query::Kind::kMissing) continue;
      if (a.fn == query::Aggregate::Fn::kSum || a.fn == query::Aggregate::Fn::kAvg) {
        if (v.kind() != query::Kind::kNumber) continue;
        ++g.numbers[i];
        g.sums[i] += v.number();
      } else {
        const int c = g.seen[i] ? query::CompareKeys(v, g.extremes[i]) : 0;
        if (!g.seen[i] || (a.fn == query::Aggregate::Fn::kMin ? c < 0 : c > 0)) {
          g.extremes[i] = v;
          g.seen[i] = true;
        }
      }
    }
  }

  Status FinishGroups() {
    uint64_t sequence = 0;
    SortBuffer sorted(q_, UINT64_MAX);
    for (const auto& [key, g] : groups_) {
      std::string json = "{";
      for (size_t i = 0; i < key.size(); ++i) {
        if (i > 0) json.push_back(',');
        const std::string& name = q_.group_by[i].text;
        Json n(rapidjson::StringRef(name.data(), static_cast<rapidjson::SizeType>(name.size())));
        json += query::ToJson(n) + ":";
        key[i].AppendJson(&json);
      }
      for (size_t i = 0; i < q_.aggregates.size(); ++i) {
        const query::Aggregate& a = q_.aggregates[i];
        Json n(
            rapidjson::StringRef(a.name.data(), static_cast<rapidjson::SizeType>(a.name.size())));
        json += "," + query::ToJson(n) + ":";
        switch (a.fn) {
          case query::Aggregate::Fn::kCount:
            json += std::to_string(g.count);
            break;
          case query::Aggregate::Fn::kSum:
            AppendNumber(g.sums[i], &json);
            break;
          case query::Aggregate::Fn::kAvg:
            if (g.numbers[i] == 0)
              json += "null";
            else
              AppendNumber(g.sums[i] / static_cast<long double>(g.numbers[i]), &json);
            break;
          case query::Aggregate::Fn::kMin:
          case query::Aggregate::Fn::kMax:
            g.extremes[i].AppendJson(&json);
            break;
        }
      }
      json.push_back('}');
      if (q_.sort.empty()) {
        if (!Emit(json)) return status_;
        continue;
      }
      // Sorting groups: their rows are the values the sort paths name.
      rapidjson::Document doc;
      doc.Parse(json.data(), json.size());
      RecordView view;
      view.data = &doc;
      Row row;
      Json scratch;
      for (const query::SortKey& k : q_.sort)
        row.keys.emplace_back(query::Resolve(k.path, view, &scratch));
      row.sequence = sequence++;
      row.json = std::move(json);
      Status s = sorted.Add(std::move(row));
      if (!s.ok()) return s;
    }
    if (!q_.sort.empty()) {
      for (Row& row : sorted.Finish()) {
        if (!Emit(row.json)) break;
      }
    }
    return status_;
  }

  const Query& q_;
  const std::function<bool(std::string_view)>& fn_;
  QueryStats* stats_;
  SortBuffer sort_;
  Status status_;
  bool stopped_ = false;
  uint64_t skipped_ = 0;
  uint64_t count_ = 0;
  uint64_t matched_ = 0;
  uint64_t sequence_ = 0;
  std::map<std::vector<Key>, GroupState, KeysLess> groups_;
};

// Reads the records a plan's index entries name. Rows reach the runner in
// the order a scan would give them where the query cannot tell: a filter
// plan fetches its records in id order; an ordered plan feeds whole runs of
// equal first sort keys, each in id order (the sort orders a run further),
// and stops once the rows the sort keeps are all in.
Status WalkPlan(DBImpl* db, const ReadOptions& ro, Component c, const query::IndexPlan& plan,
                const Query& q, const Runner& runner,
                const std::function<bool(const spirapi::RecordView&)>& offer) {
  const index::IndexDef& def = *plan.def;
  const uint64_t snapshot = db->SnapshotOf(ro);
  const uint64_t wanted = plan.ordered ? q.skip + *q.limit : UINT64_MAX;
  Status status;
  bool done = false;
  std::string run_key;
  std::vector<std::string> run;      // ids of the current run of equal first keys
  std::vector<std::string> pending;  // whole runs, each in id order, not yet read
  auto end_run = [&] {
    std::sort(run.begin(), run.end());
    // A similarity plan's postings may name a record more than once.
    run.erase(std::unique(run.begin(), run.end()), run.end());
    pending.insert(pending.end(), std::make_move_iterator(run.begin()),
                   std::make_move_iterator(run.end()));
    run.clear();
  };
  auto flush = [&] {
    bool more = true;
    size_t missing = 0;
    status = db->ViewMany(
        snapshot, c, pending, [&](const spirapi::RecordView& r) { return more = offer(r); },
        &missing);
    if (status.IsNotFound()) {
      status = Status::Corruption("index " + def.spec.name + " has an entry for " +
                                  ComponentName(c) + " record '" + pending[missing] +
                                  "', which does not exist; run 'spirapi index rebuild'");
    }
    pending.clear();
    done = !status.ok() || !more || runner.matched() >= wanted;
    return !done;
  };
  std::vector<query::KeyRange> ranges = plan.ranges;
  if (plan.reverse) std::reverse(ranges.begin(), ranges.end());
  for (const query::KeyRange& r : ranges) {
    Status s = db->WalkIds(
        snapshot, Component::kIndex, r.from, r.to, plan.reverse, [&](std::string_view entry) {
          std::string_view key, id;
          bool hashed = false;
          if (!index::SplitEntryOf(def, entry, &key, &id, &hashed)) {
            status = Status::Corruption("index " + def.spec.name + ": a malformed entry");
            return false;
          }
          std::string record_id(id);
          if (hashed) {  // the entry's data holds the id its name could not
            StorageRecord e;
            status = db->Get(ro, Component::kIndex, entry, &e);
            rapidjson::Document doc;
            if (status.ok()) doc.Parse(e.data.data(), e.data.size());
            if (status.ok() && (doc.HasParseError() || !doc.IsString())) {
              status = Status::Corruption("index " + def.spec.name + ": a malformed entry");
            }
            if (!status.ok()) return false;
            record_id.assign(doc.GetString(), doc.GetStringLength());
          }
          if (plan.ordered) {
            const std::string_view first = key.substr(0, index::FirstValueLength(key));
            if (first != run_key && !run.empty()) {
              end_run();
              // Runs are read together, once they may hold the rows still wanted.
              if (pending.size() >= wanted - runner.matched() && !flush()) return false;
            }
            run_key.assign(first);
          }
          run.push_back(std::move(record_id));
          return true;
        });
    if (!s.ok()) return s;
    if (!status.ok() || done) return status;
  }
  end_run();
  if (!pending.empty()) flush();
  return status;
}

}  // namespace

Status CheckQuery(std::string_view query_json) {
  Query q;
  return query::ParseQuery(query_json, &q);
}

Status ExplainQuery(const QuerySource& source, std::string_view query_json, std::string* plan) {
  return ExplainQuery(nullptr, source, query_json, plan);
}

Status ExplainQuery(DB* db, const QuerySource& source, std::string_view query_json,
                    std::string* plan) {
  Query q;
  Status s = query::ParseQuery(query_json, &q);
  if (!s.ok()) return s;
  query::IndexPlan index_plan;
  auto* impl = dynamic_cast<DBImpl*>(db);
  if (impl != nullptr) {
    const Snapshot* snapshot = db->GetSnapshot();
    ReadOptions ro;
    ro.snapshot = snapshot;
    s = query::ChooseIndex(impl, impl->SnapshotOf(ro),
                           source.schema.empty() ? source.component : Component::kSchema, q,
                           &index_plan, source.schema);
    db->ReleaseSnapshot(snapshot);
    if (!s.ok()) return s;
  }
  *plan = SourcePlan(source, index_plan) + q.Describe();
  return Status::OK();
}

namespace {

// RunQuery without the cache, the timing and the history.
// *bad_query: the query did not parse (not logged in the history).
Status ExecuteQuery(DB* db, const QuerySource& source, std::string_view query_json,
                    const QueryOptions& options, const std::function<bool(std::string_view)>& fn,
                    QueryStats* stats, bool* bad_query) {
  auto q = std::make_unique<Query>();
  Status s = query::ParseQuery(query_json, q.get());
  *bad_query = !s.ok();
  if (!s.ok()) return s;
  Runner runner(*q, options, fn, stats);
  rapidjson::Document data, metadata;
  Status record_status;
  // Records are parsed only as far as the query reads them.
  query::RecordFields data_fields(*q, Path::Root::kData);
  if (source.schema.empty()) {
    ReadOptions ro;
    ro.snapshot = options.snapshot;
    const Snapshot* own = nullptr;
    if (ro.snapshot == nullptr) ro.snapshot = own = db->GetSnapshot();
    query::IndexPlan plan;
    auto* impl = dynamic_cast<DBImpl*>(db);
    if (impl != nullptr) {
      s = query::ChooseIndex(impl, impl->SnapshotOf(ro), source.component, *q, &plan);
    }
    stats->plan = SourcePlan(source, plan) + q->Describe();
    query::RecordFields metadata_fields(*q, Path::Root::kMetadata);
    std::string checksum;
    const Sha256Digest* digest = nullptr;  // not yet in `checksum`
    const std::function<bool(const RecordJsonParts&)> offer = [&](const RecordJsonParts& r) {
      auto load = [&](query::RecordFields& fields, std::string_view json, rapidjson::Document* doc,
                      const char* part) {
        if (!record_status.ok() || !fields.needed()) return;
        record_status = fields.Load(json, doc);
        if (!record_status.ok()) {
          record_status =
              Status::Corruption(std::string(ComponentName(source.component)) + " record '" +
                                 std::string(r.id) + "' " + part + " " + record_status.message());
        }
      };
      load(data_fields, r.data, &data, "data");
      load(metadata_fields, r.metadata, &metadata, "metadata");
      if (!record_status.ok()) return false;
      query::RecordView view{r.id,      &data,       q->uses_metadata ? &metadata : nullptr,
                             r.version, r.timestamp, r.checksum};
      return runner.Offer(view, [&] {
        std::string row;
        RecordJsonParts parts = r;
        if (digest != nullptr) {
          AssignHex(digest->data(), digest->size(), &checksum);
          parts.checksum = checksum;
        }
        AppendRecordJson(parts, &row);
        return row;
      });
    };
    // A stored record's checksum in hex, only for the rows that print it
    // unless the query reads it.
    const bool query_reads_checksum = query::RecordFields(*q, Path::Root::kChecksum).needed();
    const auto offer_view = [&](const spirapi::RecordView& r) {
      if (query_reads_checksum) {
        AssignHex(r.checksum.data(), r.checksum.size(), &checksum);
      } else {
        digest = &r.checksum;
      }
      return offer({r.id, r.component, r.data, r.metadata,
                    static_cast<double>(r.timestamp_us) / 1e6, checksum, r.version, r.blob});
    };
    const auto offer_record = [&](const StorageRecord& r) {
      return offer(
          {r.id, r.data_type, r.data, r.metadata, r.timestamp, r.checksum, r.version, r.blob});
    };
    if (s.ok() && plan.covering) {
      for (const query::KeyRange& r : plan.ranges) {
        runner.CountMatches(
            impl->CountIds(impl->SnapshotOf(ro), Component::kIndex, r.from, r.to, UINT64_MAX - 1));
      }
    } else if (s.ok()) {
      s = plan.def != nullptr ? WalkPlan(impl, ro, source.component, plan, *q, runner, offer_view)
          : impl != nullptr   ? impl->ScanViews(ro, source.component, ScanOptions(), offer_view)
                              : db->Scan(ro, source.component, ScanOptions(), offer_record);
    }
    if (own != nullptr) db->ReleaseSnapshot(own);
  } else {
    // A schema's row, as SchemaManager::Scan presents the record.
    const auto offer_schema = [&](const SchemaRecord& r) {
      if (data_fields.needed()) record_status = data_fields.Load(r.json, &data);
      if (!record_status.ok()) {
        record_status = Status::Corruption("schema '" + source.schema + "' record '" + r.id + "' " +
                                           record_status.message());
        return false;
      }
      query::RecordView view{r.id, &data, nullptr, r.schema_version, r.valid_from, {}};
      return runner.Offer(view, [&] {
        Json id(rapidjson::StringRef(r.id.data(), static_cast<rapidjson::SizeType>(r.id.size())));
        std::string row = "{\"id\":" + query::ToJson(id) +
                          ",\"schema_version\":" + std::to_string(r.schema_version) +
                          ",\"data\":" + r.json;
        if (r.valid_from != 0) {
          Json t;
          t.SetDouble(r.valid_from);
          row += ",\"valid_from\":" + query::ToJson(t);
        }
        return row + "}";
      });
    };
    query::IndexPlan plan;
    auto* impl = dynamic_cast<DBImpl*>(db);
    ReadOptions ro;
    ro.snapshot = options.snapshot;
    const Snapshot* own = nullptr;
    std::shared_ptr<const schema::Schema> schema;
    if (impl != nullptr) {
      // An index's entries hold the values as the schema at their snapshot
      // presents them: the records are read and presented at that one.
      if (ro.snapshot == nullptr) ro.snapshot = own = db->GetSnapshot();
      const uint64_t snapshot = impl->SnapshotOf(ro);
      s = query::ChooseIndex(impl, snapshot, Component::kSchema, *q, &plan, source.schema);
      if (s.ok() && plan.def != nullptr) {
        s = index::LoadSchemaAt(impl, snapshot, source.schema, &schema);
      }
    }
    stats->plan = SourcePlan(source, plan) + q->Describe();
    if (s.ok() && plan.def != nullptr && plan.covering) {
      for (const query::KeyRange& r : plan.ranges) {
        runner.CountMatches(
            impl->CountIds(impl->SnapshotOf(ro), Component::kIndex, r.from, r.to, UINT64_MAX - 1));
      }
    } else if (s.ok() && plan.def != nullptr) {
      const size_t prefix = schema::RecordPrefix(source.schema).size();
      s = WalkPlan(impl, ro, Component::kSchema, plan, *q, runner,
                   [&](const spirapi::RecordView& r) {
                     SchemaRecord record;
                     record.id.assign(r.id.substr(std::min(prefix, r.id.size())));
                     record.schema_version = schema::VersionOf(r.metadata);
                     record.json = schema::Present(*schema, r.data, record.schema_version);
                     return offer_schema(record);
                   });
    } else if (s.ok()) {
      std::unique_ptr<SchemaManager> schemas;
      s = SchemaManager::Open(db, &schemas);
      if (s.ok()) s = schemas->Scan(source.schema, offer_schema);
    }
    if (own != nullptr) db->ReleaseSnapshot(own);
  }
  if (s.ok()) s = record_status;
  if (s.ok()) s = runner.Finish();
  return s;
}

// RunQuery without its metrics: the cache, the query and the history.
Status RunQueryUntimed(DB* db, const QuerySource& source, std::string_view query_json,
                       const QueryOptions& options, const std::function<bool(std::string_view)>& fn,
                       QueryStats* stats) {
  const auto start = std::chrono::steady_clock::now();
  const int64_t start_us = std::chrono::duration_cast<std::chrono::microseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  QueryStats local;
  if (stats == nullptr) stats = &local;
  *stats = QueryStats();
  if (db == nullptr) return Status::InvalidArgument("query: no database");
  Status s;
  bool bad_query = false;
  if (query::QueryCacheApplies(source, options)) {
    s = CheckQuery(query_json);
    bad_query = !s.ok();
    if (s.ok()) {
      s = query::RunCachedQuery(
          db, source, query_json, options,
          [&](const std::function<bool(std::string_view)>& f, QueryStats* st) {
            return ExecuteQuery(db, source, query_json, options, f, st, &bad_query);
          },
          fn, stats);
    }
  } else {
    s = ExecuteQuery(db, source, query_json, options, fn, stats, &bad_query);
  }
  if (bad_query) return s;
  stats->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (options.history != nullptr) {
    QueryLogEntry entry;
    entry.query.assign(query_json);
    entry.source = source.schema.empty()
                       ? std::string("component ") + ComponentName(source.component)
                       : "schema " + source.schema;
    entry.plan = stats->plan;
    entry.seconds = stats->seconds;
    entry.rows_examined = stats->rows_examined;
    entry.rows_returned = stats->rows_returned;
    entry.time_us = start_us;
    entry.status = s.ok() ? "ok" : s.ToString();
    Status logged = AppendQueryLog(db, entry, *options.history);
    if (s.ok() && !logged.ok() && !logged.IsNotSupported()) s = logged;
  }
  return s;
}

}  // namespace

Status RunQuery(DB* db, const QuerySource& source, std::string_view query_json,
                const QueryOptions& options, const std::function<bool(std::string_view)>& fn,
                QueryStats* stats) {
  auto* impl = dynamic_cast<DBImpl*>(db);
  if (impl == nullptr) return RunQueryUntimed(db, source, query_json, options, fn, stats);
  OpTimer timer(impl->metrics_recorder(), MetricOp::kQuery);
  if (!timer.active()) return RunQueryUntimed(db, source, query_json, options, fn, stats);
  uint64_t bytes = 0;
  Status s;
  {
    // The query is one operation: its own reads and history write are not
    // counted again as gets, scans and puts.
    MetricsRecorder::Pause pause;
    s = RunQueryUntimed(
        db, source, query_json, options,
        [&](std::string_view row) {
          bytes += row.size();
          return fn ? fn(row) : true;
        },
        stats);
  }
  return timer.Done(s, bytes);
}

}  // namespace spirapi
