#include "query/query_plan.h"

#include <algorithm>

#include "db/db_impl.h"
#include "index/index_key.h"
#include "query/query_ranges.h"

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

// The key ranges of def the conditions allow (within entry space), or
// false when they allow everything.
bool RangesFor(const IndexDef& def, const std::vector<const Condition*>& conds,
               std::vector<KeyRange>* ranges) {
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
Status CountEntries(DBImpl* db, uint64_t snapshot, const std::vector<KeyRange>& ranges,
                    uint64_t cap, uint64_t* count, bool* capped) {
  *count = 0;
  *capped = false;
  for (const KeyRange& r : ranges) {
    Status s = db->WalkIds(snapshot, Component::kIndex, r.from, r.to, false, [&](std::string_view) {
      return ++*count <= cap;
    });
    if (!s.ok()) return s;
    if (*count > cap) {
      *capped = true;
      return Status::OK();
    }
  }
  return Status::OK();
}

}  // namespace

bool IndexRanges(const IndexDef& def, const Query& q, std::vector<KeyRange>* ranges) {
  std::vector<const Condition*> conds;
  Conjuncts(q.where, &conds);
  return RangesFor(def, conds, ranges);
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
  out += std::string(", ") + (estimate_capped ? "over " : "") + std::to_string(estimate) +
         " of " + std::to_string(total) + " entries";
  return out;
}

Status ChooseIndex(DBImpl* db, uint64_t snapshot, Component c, const Query& q, IndexPlan* plan) {
  *plan = IndexPlan();
  plan->catalog = db->IndexCatalog();
  if (plan->catalog == nullptr || !plan->catalog->Covers(c)) return Status::OK();
  Status s = db->Count(ReadOptions(), c, &plan->total);
  if (!s.ok()) return s;
  std::vector<const Condition*> conds;
  Conjuncts(q.where, &conds);

  // The most selective index for the filter.
  IndexPlan best;
  const uint64_t filter_cap = static_cast<uint64_t>(kMaxIndexShare * double(plan->total)) + 1;
  for (const auto& def : plan->catalog->defs) {
    if (!def->ready || def->spec.component != c) continue;
    std::vector<KeyRange> ranges;
    if (!RangesFor(*def, conds, &ranges)) continue;
    uint64_t count;
    bool capped;
    s = CountEntries(db, snapshot, ranges, filter_cap, &count, &capped);
    if (!s.ok()) return s;
    if (capped || (best.def != nullptr && count >= best.estimate)) continue;
    best.def = def.get();
    best.ranges = std::move(ranges);
    best.estimate = count;
  }

  // An index in the order of the first sort key, for a top-k that stops
  // early; preferred unless the filter's index leaves few rows to sort.
  IndexPlan ordered;
  if (!q.sort.empty() && q.limit.has_value() && !q.group && !q.count) {
    const uint64_t wanted = q.skip + *q.limit;
    const bool few = best.def != nullptr && best.estimate <= std::max<uint64_t>(1000, 10 * wanted);
    for (const auto& def : plan->catalog->defs) {
      if (few) break;
      if (!def->ready || def->spec.component != c || def->spec.type != IndexType::kBtree ||
          !SamePath(def->paths[0], q.sort[0].path)) {
        continue;
      }
      ordered.def = def.get();
      if (!RangesFor(*def, conds, &ordered.ranges)) {
        ordered.ranges = {{def->entry_prefix, def->entry_prefix + "\xff"}};
      }
      ordered.ordered = true;
      ordered.reverse = q.sort[0].descending;
      bool capped;
      s = CountEntries(db, snapshot, ordered.ranges, std::max<uint64_t>(wanted, 1000),
                       &ordered.estimate, &capped);
      if (!s.ok()) return s;
      ordered.estimate_capped = capped;
      break;
    }
  }
  const auto catalog = plan->catalog;
  const uint64_t total = plan->total;
  if (ordered.def != nullptr) {
    *plan = std::move(ordered);
  } else if (best.def != nullptr) {
    *plan = std::move(best);
  }
  plan->catalog = catalog;
  plan->total = total;
  if (plan->def != nullptr && plan->def->queries) plan->def->queries->fetch_add(1);
  return Status::OK();
}

}  // namespace spirapi::query
