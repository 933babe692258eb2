// Building the index advisor's model: candidates from the logged queries,
// their benefit estimated on a sample of the current records with the
// planner's own key ranges, and the QUBO (qubo.h). Solving and reporting
// are in index_advice.cc.

#include "index/index_advisor.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>

#include "db/db_impl.h"
#include "index/index_catalog.h"
#include "query/query_ranges.h"
#include "spirapi/query_log.h"

namespace spirapi::index {
namespace {

using query::Condition;
using query::KeyRange;
using query::Query;

// Fields of a candidate index at most (IndexSpec allows 4).
constexpr size_t kMaxFields = 4;
// Binary slack bits of the budget: the budget is measured in units of
// 1/1023 of itself, each candidate's size rounded up to whole units (so the
// unit constraint is never looser than the byte budget).
constexpr int kBudgetBits = 10;

// One distinct logged query of a component.
struct Logged {
  Component component = Component::kSequence;
  std::string text;
  uint64_t runs = 0;
  std::unique_ptr<Query> q;
  std::vector<std::string> eq, range;  // usable top-level fields, in query order
  double matches = 0;                  // sample records it matches
};

// A uniform sample of one component's records, parsed.
struct Sample {
  uint64_t total = 0;         // live records
  uint64_t window_writes = 0; // records last written since the log's oldest entry
  struct Record {
    std::string id, checksum;
    uint64_t version = 0;
    double timestamp = 0;
    rapidjson::Document data, metadata;
  };
  std::vector<std::unique_ptr<Record>> records;
  double scale() const { return records.empty() ? 0 : double(total) / double(records.size()); }
};

// An index, existing or candidate, with its entries for the sample, sorted.
struct Def {
  IndexDef def;
  std::vector<std::string> keys;
  bool existing = false;
  double avg_key_bytes = 0;
};

bool IsScalar(const query::Json& v) { return !v.IsArray() && !v.IsObject(); }

void AddField(std::vector<std::string>* out, const std::string& f) {
  if (std::find(out->begin(), out->end(), f) == out->end()) out->push_back(f);
}

void Conjuncts(const Condition& c, std::vector<const Condition*>* out) {
  if (c.op == Condition::Op::kAnd) {
    for (const Condition& child : c.children) Conjuncts(child, out);
  } else {
    out->push_back(&c);
  }
}

// The fields of q's top-level conjunction an index could narrow: equality
// ($eq, $in of scalars) and range ($gt.., $prefix), as the planner reads them.
void UsableFields(Logged* l) {
  std::vector<const Condition*> conds;
  Conjuncts(l->q->where, &conds);
  for (const Condition* c : conds) {
    using Op = Condition::Op;
    if (c->operand == nullptr) continue;
    const std::string& f = c->path.text;
    if (c->op == Op::kEq && IsScalar(*c->operand)) {
      AddField(&l->eq, f);
    } else if (c->op == Op::kIn && c->operand->IsArray()) {
      bool scalars = true;
      for (const auto& v : c->operand->GetArray()) scalars = scalars && IsScalar(v);
      if (scalars) AddField(&l->eq, f);
    } else if (c->op == Op::kPrefix ||
               ((c->op == Op::kGt || c->op == Op::kGte || c->op == Op::kLt || c->op == Op::kLte) &&
                IsScalar(*c->operand))) {
      AddField(&l->range, f);
    }
  }
  for (const std::string& f : l->eq) {
    l->range.erase(std::remove(l->range.begin(), l->range.end(), f), l->range.end());
  }
}

// The candidate specs one query suggests: each field alone, the equality
// fields followed by each range or sort field, and a hash of the equality
// fields.
std::vector<IndexSpec> SpecsFor(const Logged& l) {
  std::vector<IndexSpec> out;
  auto add = [&](std::vector<std::string> fields, IndexType type) {
    if (fields.empty()) return;
    if (fields.size() > kMaxFields) fields.resize(kMaxFields);
    IndexSpec s;
    s.component = l.component;
    s.fields = std::move(fields);
    s.type = type;
    out.push_back(std::move(s));
  };
  std::vector<std::string> ordered = l.range;
  if (!l.q->sort.empty()) AddField(&ordered, l.q->sort[0].path.text);
  for (const std::string& f : l.eq) add({f}, IndexType::kBtree);
  for (const std::string& f : ordered) add({f}, IndexType::kBtree);
  std::vector<std::string> eq = l.eq;
  if (eq.size() > kMaxFields) eq.resize(kMaxFields);
  if (!eq.empty()) add(eq, IndexType::kHash);
  if (eq.size() > 1) add(eq, IndexType::kBtree);
  if (eq.size() == kMaxFields) eq.pop_back();
  for (const std::string& f : ordered) {
    if (eq.empty() || std::find(eq.begin(), eq.end(), f) != eq.end()) continue;
    std::vector<std::string> fields = eq;
    fields.push_back(f);
    add(fields, IndexType::kBtree);
  }
  return out;
}

std::string SpecKey(const IndexSpec& s) {
  std::string key = std::string(ComponentName(s.component)) + "|" + IndexTypeName(s.type);
  for (const std::string& f : s.fields) key += "|" + f;
  return key;
}

// "ix_cache_precision", "ix_cache_a_b_hash": unique among `taken`.
std::string NameFor(const IndexSpec& s, std::set<std::string>* taken) {
  std::string base = std::string("ix_") + ComponentName(s.component);
  for (const std::string& f : s.fields) {
    base += '_';
    for (char c : f) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-';
      if (c != '@') base += ok ? c : '_';
    }
  }
  if (s.type == IndexType::kHash) base += "_hash";
  std::string name = base.substr(0, 40);
  for (int n = 2; taken->count(name) > 0; ++n) {
    const std::string suffix = "_" + std::to_string(n);
    name = base.substr(0, 40 - suffix.size()) + suffix;
  }
  taken->insert(name);
  return name;
}

// Reads component c at one snapshot: its live count, the records written
// since window_start (seconds), and a uniform sample (reservoir sampling,
// deterministic for the seed).
Status SampleComponent(DB* db, Component c, const AdviceOptions& o, double window_start,
                       Sample* out) {
  const Snapshot* snap = db->GetSnapshot();
  ReadOptions ro;
  ro.snapshot = snap;
  std::mt19937_64 rng(o.seed ^ (static_cast<uint64_t>(c) + 1) * 0x9e3779b97f4a7c15ull);
  const uint64_t cap = std::max<uint64_t>(1, o.sample_records);
  uint64_t seen = 0;
  Status parse;
  Status s = db->Scan(ro, c, ScanOptions(), [&](const StorageRecord& r) {
    if (r.timestamp >= window_start) ++out->window_writes;
    size_t slot = out->records.size();
    if (seen >= cap) {
      slot = static_cast<size_t>(rng() % (seen + 1));
    }
    ++seen;
    if (slot >= cap) return true;
    auto rec = std::make_unique<Sample::Record>();
    rec->id = r.id;
    rec->checksum = r.checksum;
    rec->version = r.version;
    rec->timestamp = r.timestamp;
    rec->data.Parse(r.data.data(), r.data.size());
    rec->metadata.Parse(r.metadata.data(), r.metadata.size());
    if (rec->data.HasParseError() || rec->metadata.HasParseError()) {
      parse = Status::Corruption(std::string(ComponentName(c)) + " record '" + r.id +
                                 "' does not parse as JSON");
      return false;
    }
    if (slot == out->records.size()) {
      out->records.push_back(std::move(rec));
    } else {
      out->records[slot] = std::move(rec);
    }
    return true;
  });
  db->ReleaseSnapshot(snap);
  out->total = seen;
  return s.ok() ? parse : s;
}

query::RecordView View(const Sample::Record& r) {
  query::RecordView v;
  v.id = r.id;
  v.data = &r.data;
  v.metadata = &r.metadata;
  v.version = r.version;
  v.timestamp = r.timestamp;
  v.checksum = r.checksum;
  return v;
}

void ComputeKeys(const Sample& sample, Def* d) {
  double bytes = 0;
  for (const auto& r : sample.records) {
    d->keys.push_back(EntryFor(d->def, r->id, r->data, &r->metadata));
    bytes += double(d->keys.back().size());
  }
  std::sort(d->keys.begin(), d->keys.end());
  d->avg_key_bytes = d->keys.empty() ? 0 : bytes / double(d->keys.size());
}

double CountIn(const std::vector<std::string>& keys, const std::vector<KeyRange>& ranges) {
  double n = 0;
  for (const KeyRange& r : ranges) {
    auto lo = std::lower_bound(keys.begin(), keys.end(), r.from);
    auto hi = std::lower_bound(keys.begin(), keys.end(), r.to);
    if (hi > lo) n += double(hi - lo);
  }
  return n;
}

// Rows read from a source of n rows holding `matches` matching ones when the
// walk stops after `wanted` matches (matches spread evenly over the walk).
double EarlyStop(double n, double wanted, double matches) {
  if (matches <= 0) return n;
  return std::min(n, std::ceil(wanted * n / matches));
}

// Rows examined per run of l using d (or, d null, a scan), from the sample;
// a negative value: the planner would not use d for l.
double Examined(const Logged& l, const Def* d, const Sample& sample) {
  const Query& q = *l.q;
  const double total = double(sample.total);
  const double matches = l.matches * sample.scale();
  const bool limit_stops = q.limit.has_value() && q.sort.empty() && !q.count && !q.group;
  const double wanted = q.limit.has_value() ? double(q.skip + *q.limit) : 0;
  if (d == nullptr) return limit_stops ? EarlyStop(total, wanted, matches) : total;
  double best = -1;
  std::vector<KeyRange> ranges;
  const bool narrows = query::IndexRanges(d->def, q, &ranges);
  if (narrows) {
    const double in = CountIn(d->keys, ranges) * sample.scale();
    if (in <= query::kMaxIndexShare * total + 1) {
      best = limit_stops ? EarlyStop(in, wanted, matches) : in;
    }
  }
  if (query::ServesSort(d->def, q)) {
    if (!narrows) ranges = {{d->def.entry_prefix, d->def.entry_prefix + "\xff"}};
    const double walked = EarlyStop(CountIn(d->keys, ranges) * sample.scale(), wanted, matches);
    best = best < 0 ? walked : std::min(best, walked);
  }
  return best;
}

std::string FieldsText(const IndexSpec& s) {
  std::string out;
  for (const std::string& f : s.fields) out += (out.empty() ? "" : ",") + f;
  return out;
}

}  // namespace

Status BuildAdvisorModel(DB* db, const AdviceOptions& o, AdvisorModel* model,
                         IndexAdvice* advice) {
  *model = AdvisorModel();
  *advice = IndexAdvice();
  if (!std::isfinite(o.budget_mib) || o.budget_mib < 0 || !std::isfinite(o.write_weight) ||
      o.write_weight < 0) {
    return Status::InvalidArgument("index advise: the budget and write weight must be >= 0");
  }
  advice->budget_bytes = o.budget_mib * 1048576.0;
  DBImpl* impl = db == nullptr ? nullptr : dynamic_cast<DBImpl*>(db);
  if (impl == nullptr) {
    return Status::InvalidArgument("index advise: not a SpiraPi database instance");
  }

  // The history, grouped by component and text.
  std::map<std::pair<int, std::string>, Logged> logged;
  uint64_t failed = 0, unparsed = 0;
  int64_t oldest_us = 0;
  QueryLogFilter filter;
  filter.limit = o.max_queries;
  Status s = ReadQueryLog(db, filter, [&](const QueryLogEntry& e) {
    ++advice->queries_read;
    if (oldest_us == 0 || e.time_us < oldest_us) oldest_us = e.time_us;
    Component c;
    if (e.source.rfind("schema ", 0) == 0) {
      ++advice->schema_queries_skipped;
    } else if (e.status != "ok") {
      ++failed;
    } else if (e.source.rfind("component ", 0) != 0 ||
               !ParseComponent(e.source.substr(10), &c).ok() || e.query_bytes != 0) {
      ++unparsed;
    } else {
      Logged& l = logged[{static_cast<int>(c), e.query}];
      l.component = c;
      l.text = e.query;
      ++l.runs;
    }
    return true;
  });
  if (!s.ok()) return s;
  if (advice->schema_queries_skipped > 0) {
    advice->notes.push_back(std::to_string(advice->schema_queries_skipped) +
                            " logged queries of schemas skipped: indexes serve component queries");
  }
  if (failed > 0) advice->notes.push_back(std::to_string(failed) + " failed queries skipped");

  // Candidates, deduplicated, and the existing indexes.
  std::vector<Logged*> queries;
  std::vector<Def> defs;
  std::map<std::string, size_t> by_key;
  std::set<std::string> names;
  const auto catalog = impl->IndexCatalog();
  for (const auto& def : catalog == nullptr ? decltype(catalog->defs)() : catalog->defs) {
    names.insert(def->spec.name);
    if (def->spec.type == IndexType::kSimilarity) {
      // Many entries per record, planned from postings' sizes: the sample's
      // one-entry model does not weigh it (never a candidate either).
      advice->notes.push_back("index " + def->spec.name +
                              " (similarity) not weighed: the advisor models one entry per record");
      continue;
    }
    by_key[SpecKey(def->spec)] = defs.size();
    defs.push_back(Def{*def, {}, true, 0});
  }
  for (auto& [key, l] : logged) {
    l.q = std::make_unique<Query>();
    if (!query::ParseQuery(l.text, l.q.get()).ok()) {
      unparsed += l.runs;
      continue;
    }
    advice->queries_considered += l.runs;
    UsableFields(&l);
    queries.push_back(&l);
    for (IndexSpec& spec : SpecsFor(l)) {
      const std::string k = SpecKey(spec);
      if (by_key.count(k) > 0) continue;
      spec.name = NameFor(spec, &names);
      Def d;
      if (!MakeDef(spec, true, 0, &d.def).ok()) continue;  // a path no index takes
      by_key[k] = defs.size();
      defs.push_back(std::move(d));
    }
  }
  if (unparsed > 0) {
    advice->notes.push_back(std::to_string(unparsed) +
                            " logged queries skipped: cut short, unknown source or not parsed");
  }

  // Samples of the components concerned, and every index's entries there.
  std::map<Component, Sample> samples;
  for (const Def& d : defs) samples[d.def.spec.component];
  for (Logged* l : queries) samples[l->component];
  const double window_start = double(oldest_us) / 1e6;
  for (auto& [c, sample] : samples) {
    s = SampleComponent(db, c, o, window_start, &sample);
    if (!s.ok()) return s;
    if (sample.total > sample.records.size()) {
      advice->notes.push_back(std::string("component ") + ComponentName(c) + ": estimates from " +
                              std::to_string(sample.records.size()) + " of " +
                              std::to_string(sample.total) + " records sampled");
    }
  }
  for (Def& d : defs) ComputeKeys(samples[d.def.spec.component], &d);
  for (Logged* l : queries) {
    for (const auto& r : samples[l->component].records) {
      if (l->q->where.Matches(View(*r))) l->matches += 1;
    }
  }

  // Benefits: rows examined per run, scan minus the index's, beyond the
  // best existing index.
  std::vector<size_t> var(defs.size(), SIZE_MAX);
  std::vector<double> solo(defs.size(), 0), runs(defs.size(), 0);
  std::vector<double> best(defs.size(), 0), before(defs.size(), 0), after(defs.size(), 0);
  std::vector<std::string> example(defs.size());
  std::vector<std::vector<std::pair<size_t, double>>> benefit(queries.size());
  std::vector<bool> serves_any(defs.size(), false);
  for (size_t qi = 0; qi < queries.size(); ++qi) {
    const Logged& l = *queries[qi];
    const Sample& sample = samples[l.component];
    const double scan = Examined(l, nullptr, sample);
    double base = 0;
    std::vector<std::pair<size_t, double>> raw;
    for (size_t di = 0; di < defs.size(); ++di) {
      if (defs[di].def.spec.component != l.component) continue;
      const double e = Examined(l, &defs[di], sample);
      if (e < 0 || e >= scan) continue;
      if (defs[di].existing) {
        serves_any[di] = true;
        base = std::max(base, scan - e);
      } else {
        raw.emplace_back(di, scan - e);
      }
    }
    for (const auto& [di, b] : raw) {
      if (b <= base) continue;
      benefit[qi].emplace_back(di, b - base);
      solo[di] += double(l.runs) * (b - base);
      runs[di] += double(l.runs);
      if (b - base > best[di]) {  // the query it helps most, as the example
        best[di] = b - base;
        before[di] = scan - base;
        after[di] = scan - b;
        example[di] = l.text.size() > 120 ? l.text.substr(0, 117) + "..." : l.text;
      }
    }
  }
  for (const Def& d : defs) {
    if (d.existing && !serves_any[&d - defs.data()]) advice->unused.push_back(d.def.spec.name);
  }

  // The variables: candidates that save something.
  for (size_t di = 0; di < defs.size(); ++di) {
    if (defs[di].existing || solo[di] <= 0) continue;
    const Sample& sample = samples[defs[di].def.spec.component];
    IndexSuggestion sug;
    sug.spec = defs[di].def.spec;
    sug.bytes = defs[di].avg_key_bytes * double(sample.total);
    sug.gain = solo[di];
    sug.write_cost = o.write_weight * double(sample.window_writes);
    sug.queries = static_cast<uint64_t>(runs[di]);
    char line[256];
    std::snprintf(line, sizeof(line),
                  "%s %s on %s: %.0f runs; rows examined per run ~%.0f -> ~%.0f, e.g. ",
                  IndexTypeName(sug.spec.type), ComponentName(sug.spec.component),
                  FieldsText(sug.spec).c_str(), runs[di], before[di], after[di]);
    sug.why = line + example[di];
    var[di] = model->candidates.size();
    model->candidates.push_back(std::move(sug));
  }
  for (size_t qi = 0; qi < queries.size(); ++qi) {
    AdvisorModel::QueryTerm t;
    t.runs = double(queries[qi]->runs);
    for (const auto& [di, b] : benefit[qi]) t.benefit.emplace_back(var[di], b);
    if (!t.benefit.empty()) model->queries.push_back(std::move(t));
  }

  // The QUBO. Linear: write cost minus the rows each candidate saves;
  // pairwise: +min(b_i, b_j) for two candidates serving the same query, so
  // that a pair serving it counts max(b_i, b_j) (exact for up to two per
  // query; with more, inclusion-exclusion cut at pairs over-penalizes
  // overlap, and the reported gain is recomputed exactly by ModelGain).
  const size_t n = model->candidates.size();
  model->qubo = Qubo(n);
  double reward = 0;
  for (size_t i = 0; i < n; ++i) {
    const IndexSuggestion& c = model->candidates[i];
    model->qubo.AddLinear(i, c.write_cost - c.gain);
    reward += std::max(0.0, c.gain - c.write_cost);
  }
  for (const AdvisorModel::QueryTerm& t : model->queries) {
    for (size_t a = 0; a < t.benefit.size(); ++a) {
      for (size_t b = a + 1; b < t.benefit.size(); ++b) {
        model->qubo.AddPair(t.benefit[a].first, t.benefit[b].first,
                            t.runs * std::min(t.benefit[a].second, t.benefit[b].second));
      }
    }
  }
  // Budget: lambda above the largest reward makes every choice past the
  // budget worse than choosing nothing, so the minimum is within it.
  const uint64_t capacity = (uint64_t{1} << kBudgetBits) - 1;
  const double unit = advice->budget_bytes / double(capacity);
  std::vector<uint64_t> weights(n);
  for (size_t i = 0; i < n; ++i) {
    const double b = model->candidates[i].bytes;
    weights[i] = unit > 0 ? static_cast<uint64_t>(std::ceil(b / unit)) : (b > 0 ? 1 : 0);
    if (unit == 0 && b == 0) weights[i] = 0;
  }
  model->qubo.SetCapacity(std::move(weights), unit > 0 ? capacity : 0, reward + 1);
  return Status::OK();
}

double ModelGain(const AdvisorModel& model, const std::vector<uint8_t>& x) {
  double gain = 0;
  for (const AdvisorModel::QueryTerm& t : model.queries) {
    double best = 0;
    for (const auto& [i, b] : t.benefit) {
      if (x[i]) best = std::max(best, b);
    }
    gain += t.runs * best;
  }
  return gain;
}

}  // namespace spirapi::index
