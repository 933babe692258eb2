#include "query/query_plan.h"

#include <algorithm>
#include <cmath>

#include "db/db_impl.h"
#include "index/index_key.h"
#include "pi/ulam_spiral.h"
#include "query/query_ranges.h"
#include "query/query_similarity.h"
#include "schema/schema_manager.h"

namespace spirapi::query {
namespace {

using index::IndexDef;

// Combinations of equality values a plan enumerates at most.
constexpr size_t kMaxPoints = 4096;

bool SamePath(const Path& a, const Path& b) { return a.root == b.root && a.steps == b.steps; }

void Conjuncts(const Condition& c, std::vector<const Condition*>* out) {
  if (c.op == Condition::Op::kAnd) {
    for (const Condition& child : c.children) Conjuncts(child, out);
  } else {
    out->push_back(&c);
  }
}

bool IsScalar(const Json& v) { return !v.IsArray() && !v.IsObject(); }

// The first byte after a kind's keys: keys of one kind lie in [tag, end).
char KindEnd(char tag) {
  switch (tag) {
    case 'b': return 'c';
    case 'c': case 'd': return 'e';
    case 'e': return 'f';
    case 'f': return 'g';
    default: return static_cast<char>(tag + 1);
  }
}
char KindStart(char tag) { return tag == 'd' ? 'c' : tag; }

// The bytes every entry holding a value with this key starts with, and
// whether the key is exact.
std::string KeyOf(const Json& v, bool* exact) {
  std::string key;
  *exact = index::AppendValueKey(&v, &key);
  return key;
}

// A string's encoding without its end marker: the prefix of every string
// starting with it.
std::string StringStem(const Json& v) {
  std::string key;
  if (index::AppendValueKey(&v, &key)) {
    key.pop_back();  // 0x01
  } else {
    key.resize(key.size() - 2);  // 0x02 0x02
  }
  return key;
}

// Narrows [lo, hi) (one field's key space) by a comparison. False if the
// condition cannot use the index (an array or object operand).
bool Narrow(const Condition& c, std::string* lo, std::string* hi) {
  const Json& v = *c.operand;
  std::string from, to;
  if (c.op == Condition::Op::kPrefix) {
    from = StringStem(v);
    to = from + "\xff";
  } else {
    if (!IsScalar(v)) return false;
    bool exact;
    const std::string key = KeyOf(v, &exact);
    const std::string after = key + "\xff";
    const char tag = key[0];
    switch (c.op) {
      case Condition::Op::kGt: from = exact ? after : key; to = std::string(1, KindEnd(tag)); break;
      case Condition::Op::kGte: from = key; to = std::string(1, KindEnd(tag)); break;
      case Condition::Op::kLt: from = std::string(1, KindStart(tag)); to = exact ? key : after; break;
      case Condition::Op::kLte: from = std::string(1, KindStart(tag)); to = after; break;
      default: return false;
    }
  }
  *lo = std::max(*lo, from);
  *hi = hi->empty() ? to : std::min(*hi, to);
  return true;
}

// The equality values a field must take ($eq, $in), or false if none.
bool Points(const std::vector<const Condition*>& conds, const Path& path, bool exact_keys,
            std::vector<std::string>* points, bool* inexact) {
  for (const Condition* c : conds) {
    if (!SamePath(c->path, path)) continue;
    std::vector<const Json*> values;
    if (c->op == Condition::Op::kEq) {
      values.push_back(c->operand);
    } else if (c->op == Condition::Op::kIn) {
      for (const Json& v : c->operand->GetArray()) values.push_back(&v);
    } else {
      continue;
    }
    points->clear();
    bool usable = true;
    for (const Json* v : values) {
      if (!IsScalar(*v)) {
        usable = false;
        break;
      }
      std::string key;
      if (exact_keys) {
        index::AppendExactKey(v, &key);
      } else if (!index::AppendValueKey(v, &key)) {
        *inexact = true;
      }
      points->push_back(std::move(key));
    }
    if (!usable) continue;
    std::sort(points->begin(), points->end());
    points->erase(std::unique(points->begin(), points->end()), points->end());
    return true;
  }
  return false;
}

// A spiral index's ranges for a $within: the spiral-order intervals of the
// cells of the area's bounding box (a point's entry is the cell holding
// it). False when there is no $within, or the box leaves the cells the
// spiral numbers (points there would be missed).
bool SpiralRanges(const IndexDef& def, const std::vector<const Condition*>& conds,
                  std::vector<KeyRange>* ranges) {
  constexpr size_t kMaxIntervals = 1 << 16;
  for (const Condition* c : conds) {
    if (c->op != Condition::Op::kWithin || !SamePath(c->path, def.paths[0])) continue;
    const long double* a = c->area;
    const long double box[4] = {c->disc ? a[0] - a[2] : a[0], c->disc ? a[1] - a[2] : a[1],
                                c->disc ? a[0] + a[2] : a[2], c->disc ? a[1] + a[2] : a[3]};
    int64_t cell[4];
    for (int i = 0; i < 4; ++i) {
      const long double f = std::floor(box[i]);
      if (!(f >= -pi::kMaxSpiralRing && f <= pi::kMaxSpiralRing)) return false;
      cell[i] = static_cast<int64_t>(f);
    }
    std::vector<pi::PositionInterval> intervals;
    if (!pi::SpiralWindowIntervals({cell[0], cell[2], cell[1], cell[3]}, pi::kMaxSpiralPosition,
                                   &intervals)
             .ok() ||
        intervals.size() > kMaxIntervals) {
      return false;
    }
    ranges->clear();
    for (const pi::PositionInterval& iv : intervals) {
      Json first, last;
      first.SetUint64(iv.first);
      last.SetUint64(iv.last);
      KeyRange r{def.entry_prefix, def.entry_prefix};
      index::AppendValueKey(&first, &r.from);
      index::AppendValueKey(&last, &r.to);
      r.to.push_back('\xff');
      ranges->push_back(std::move(r));
    }
    return true;
  }
  return false;
}

// The key ranges of def the conditions allow (within entry space), or
// false when they allow everything.
bool RangesFor(const IndexDef& def, const std::vector<const Condition*>& conds,
               std::vector<KeyRange>* ranges, size_t* consumed) {
  *consumed = 0;
  if (def.spec.type == IndexType::kSpiral) return SpiralRanges(def, conds, ranges);
  // Its ranges depend on the postings' sizes: ChooseIndex asks
  // SimilarityRanges, with the database at hand.
  if (def.spec.type == IndexType::kSimilarity) return false;
  const std::string& base = def.entry_prefix;
  std::vector<std::string> prefixes = {""};
  bool constrained = false;
  const bool hash = def.spec.type == IndexType::kHash;
  for (const Path& path : def.paths) {
    std::vector<std::string> points;
    bool inexact = false;
    if (Points(conds, path, hash, &points, &inexact)) {
      constrained = true;
      std::vector<std::string> next;
      for (const std::string& p : prefixes) {
        for (const std::string& point : points) next.push_back(p + point);
      }
      if (next.size() > kMaxPoints) return false;
      prefixes = std::move(next);
      ++*consumed;
      if (inexact) break;  // later fields follow a cut string's run: no narrowing
      continue;
    }
    if (hash) return false;  // a hash needs every field's value
    std::string lo, hi;
    bool narrowed = false;
    for (const Condition* c : conds) {
      if (SamePath(c->path, path)) narrowed = Narrow(*c, &lo, &hi) || narrowed;
    }
    if (!narrowed) break;
    constrained = true;
    ++*consumed;
    if (!hi.empty() && hi <= lo) {
      ranges->clear();
      return true;  // nothing can match
    }
    for (const std::string& p : prefixes) ranges->push_back({base + p + lo, base + p + hi});
    std::sort(ranges->begin(), ranges->end(),
              [](const KeyRange& a, const KeyRange& b) { return a.from < b.from; });
    return true;
  }
  if (!constrained) return false;
  for (std::string& p : prefixes) {
    if (hash) p = index::HashKey(p);
    ranges->push_back({base + p, base + p + "\xff"});
  }
  std::sort(ranges->begin(), ranges->end(),
            [](const KeyRange& a, const KeyRange& b) { return a.from < b.from; });
  return true;
}

// Counts the entries in ranges, stopping past cap.
void CountEntries(DBImpl* db, uint64_t snapshot, const std::vector<KeyRange>& ranges,
                  uint64_t cap, uint64_t* count, bool* capped) {
  *count = 0;
  for (const KeyRange& r : ranges) {
    *count += db->CountIds(snapshot, Component::kIndex, r.from, r.to, cap - *count);
    if (*count > cap) break;
  }
  *capped = *count > cap;
}

bool IsExactScalar(const Json& v) { return IsScalar(v) && !v.IsString(); }

// True when the entries in def's ranges are exactly the records the
// conditions select (so a count needs no record): every condition is an
// equality or range on one of the `consumed` fields, with numbers, booleans
// or null (strings may be cut in entries), as RangesFor applied them.
bool CoveredBy(const IndexDef& def, size_t consumed, const std::vector<const Condition*>& conds) {
  if (def.spec.type != IndexType::kBtree || consumed == 0) return false;
  std::vector<int> equalities(consumed, 0), ranges(consumed, 0);
  for (const Condition* c : conds) {
    size_t f = 0;
    while (f < consumed && !SamePath(c->path, def.paths[f])) ++f;
    if (f == consumed) return false;
    switch (c->op) {
      case Condition::Op::kEq:
        if (!IsExactScalar(*c->operand)) return false;
        ++equalities[f];
        break;
      case Condition::Op::kIn:
        for (const Json& v : c->operand->GetArray()) {
          if (!IsExactScalar(v)) return false;
        }
        ++equalities[f];
        break;
      case Condition::Op::kGt:
      case Condition::Op::kGte:
      case Condition::Op::kLt:
      case Condition::Op::kLte:
        if (!IsExactScalar(*c->operand)) return false;
        ++ranges[f];
        break;
      default: return false;
    }
  }
  for (size_t f = 0; f < consumed; ++f) {
    if (equalities[f] > 1 || (equalities[f] > 0 && ranges[f] > 0)) return false;
  }
  return true;
}

}  // namespace

bool IndexRanges(const IndexDef& def, const Query& q, std::vector<KeyRange>* ranges) {
  std::vector<const Condition*> conds;
  Conjuncts(q.where, &conds);
  size_t consumed;
  return RangesFor(def, conds, ranges, &consumed);
}

bool ServesSort(const IndexDef& def, const Query& q) {
  return !q.sort.empty() && q.limit.has_value() && !q.group && !q.count &&
         def.spec.type == IndexType::kBtree && SamePath(def.paths[0], q.sort[0].path);
}

std::string IndexPlan::Describe() const {
  if (def == nullptr) return "";
  std::string fields;
  for (const std::string& f : def->spec.fields) fields += (fields.empty() ? "" : ", ") + f;
  std::string out = "index " + def->spec.name + " (" + IndexTypeName(def->spec.type) + " on " +
                    fields + "): ";
  out += ranges.size() == 1 ? "1 range" : std::to_string(ranges.size()) + " ranges";
  if (ordered) out += std::string(", in ") + (reverse ? "descending" : "ascending") + " order";
  if (covering) out += ", counted from the entries";
  if (def->spec.type == IndexType::kSimilarity) {
    // Entries of several postings: candidates, some repeated, all rechecked.
    return out + ", " + std::to_string(def->gram) + "-gram postings of " +
           std::to_string(estimate) + " candidates among " + std::to_string(total) +
           " records, rechecked";
  }
  out += std::string(", ") + (estimate_capped ? "over " : "") + std::to_string(estimate) +
         " of " + std::to_string(total) + " entries";
  return out;
}

Status ChooseIndex(DBImpl* db, uint64_t snapshot, Component c, const Query& q, IndexPlan* plan,
                   std::string_view schema) {
  *plan = IndexPlan();
  plan->catalog = db->IndexCatalog();
  // The indexes over the query's source: its component's raw records, or
  // the schema's.
  auto usable = [&](const IndexDef& def) {
    return def.ready && def.ready_seq <= snapshot && def.spec.component == c &&
           def.spec.schema == schema;
  };
  if (plan->catalog == nullptr ||
      std::none_of(plan->catalog->defs.begin(), plan->catalog->defs.end(),
                   [&](const auto& def) { return usable(*def); })) {
    return Status::OK();
  }
  if (schema.empty()) {
    Status s = db->Count(ReadOptions(), c, &plan->total);
    if (!s.ok()) return s;
  } else {
    const std::string prefix = schema::RecordPrefix(schema);
    plan->total = db->CountIds(snapshot, c, prefix, prefix + "\xff", UINT64_MAX - 1);
  }
  std::vector<const Condition*> conds;
  Conjuncts(q.where, &conds);

  // A top-k whose first sort key leads a btree index can walk it in order
  // and stop early; then a filter index is worth it only if it leaves few
  // rows to sort.
  const bool top_k = !q.sort.empty() && q.limit.has_value() && !q.group && !q.count;
  const uint64_t wanted = top_k ? q.skip + *q.limit : 0;
  const IndexDef* sort_index = nullptr;
  for (const auto& def : plan->catalog->defs) {
    if (usable(*def) && ServesSort(*def, q)) {
      sort_index = def.get();
      break;
    }
  }
  uint64_t filter_cap = static_cast<uint64_t>(kMaxIndexShare * double(plan->total)) + 1;
  if (sort_index != nullptr) filter_cap = std::min(filter_cap, std::max<uint64_t>(1000, 10 * wanted));

  // The index whose ranges hold the fewest entries (counted in memory, no
  // further than the best so far).
  IndexPlan best;
  std::string note;
  for (const auto& def : plan->catalog->defs) {
    if (!usable(*def)) continue;
    if (def->spec.type == IndexType::kSimilarity) {
      if (best.def != nullptr && best.estimate == 0) break;
      const uint64_t cap = best.def != nullptr ? std::min(filter_cap, best.estimate - 1) : filter_cap;
      std::vector<KeyRange> ranges;
      uint64_t count = 0;
      std::string why;
      if (SimilarityRanges(db, snapshot, *def, conds, cap, &ranges, &count, &why)) {
        best.def = def.get();
        best.ranges = std::move(ranges);
        best.estimate = count;
        best.covering = false;  // candidates, not matches: never counted from entries
      } else if (!why.empty()) {
        note = why;
      }
      continue;
    }
    std::vector<KeyRange> ranges;
    size_t consumed;
    if (!RangesFor(*def, conds, &ranges, &consumed)) continue;
    const bool covering = CoveredBy(*def, consumed, conds);
    // A count its entries answer alone is worth any share of the records.
    uint64_t cap = covering && q.count && !q.group ? UINT64_MAX - 1 : filter_cap;
    if (best.def != nullptr) {
      if (best.estimate == 0) break;
      cap = std::min(cap, best.estimate - 1);
    }
    uint64_t count;
    bool capped;
    CountEntries(db, snapshot, ranges, cap, &count, &capped);
    if (capped) continue;
    best.def = def.get();
    best.ranges = std::move(ranges);
    best.estimate = count;
    best.covering = covering && q.count && !q.group;
  }
  const auto catalog = plan->catalog;
  const uint64_t total = plan->total;
  if (best.def != nullptr) {
    *plan = std::move(best);
  } else if (sort_index != nullptr) {
    plan->def = sort_index;
    size_t consumed;
    if (!RangesFor(*sort_index, conds, &plan->ranges, &consumed)) {
      plan->ranges = {{sort_index->entry_prefix, sort_index->entry_prefix + "\xff"}};
    }
    plan->ordered = true;
    plan->reverse = q.sort[0].descending;
    CountEntries(db, snapshot, plan->ranges, std::max<uint64_t>(wanted, 1000), &plan->estimate,
                 &plan->estimate_capped);
  }
  plan->catalog = catalog;
  plan->total = total;
  if (plan->def == nullptr) plan->note = std::move(note);
  if (plan->def != nullptr && plan->def->queries) plan->def->queries->fetch_add(1);
  return Status::OK();
}

}  // namespace spirapi::query
