// Choosing how a component query reads its records: a scan, or the entries
// of a secondary index (include/spirapi/index.h) in some key ranges, maybe
// in the order of the first sort key.

#ifndef SPIRAPI_QUERY_QUERY_PLAN_H_
#define SPIRAPI_QUERY_QUERY_PLAN_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "index/index_catalog.h"
#include "query/query_parse.h"

namespace spirapi {
class DBImpl;
}

namespace spirapi::query {

// [from, to) in the INDEX component's ids.
struct KeyRange {
  std::string from, to;
};

struct IndexPlan {
  std::shared_ptr<const index::Catalog> catalog;  // keeps def alive
  const index::IndexDef* def = nullptr;           // null: scan
  std::vector<KeyRange> ranges;                   // ascending, disjoint
  bool ordered = false;    // entries come in the first sort key's order...
  bool reverse = false;    // ...walked backwards (a descending sort)
  uint64_t estimate = 0;   // entries in the ranges (counted; capped for ordered plans)
  bool estimate_capped = false;
  // The entries in the ranges are exactly the matching records: a $count
  // is their number, with no record read.
  bool covering = false;
  uint64_t total = 0;  // live records of the component (or schema)
  // Why a scan was chosen when an index looked usable but was not (a
  // similarity index and a pattern shorter than its q-grams); may be empty.
  std::string note;

  // "index by_x (btree on x): 1 range, 120 of 5000 entries", or empty
  // for a scan.
  std::string Describe() const;
};

// Picks the plan for q over component c at snapshot or, with `schema`
// set, over that schema's records (c is then Component::kSchema) by the
// indexes over them (IndexSpec::schema).
Status ChooseIndex(DBImpl* db, uint64_t snapshot, Component c, const Query& q, IndexPlan* plan,
                   std::string_view schema = {});

}  // namespace spirapi::query

#endif  // SPIRAPI_QUERY_QUERY_PLAN_H_
