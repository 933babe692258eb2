// The planner's range logic (query_plan.cc) for callers that weigh indexes
// which do not exist yet: the index advisor (src/index/index_advisor.cc)
// counts the entries a candidate's ranges would hold in a sample of the
// records, with the same ranges ChooseIndex would walk.

#ifndef SPIRAPI_QUERY_QUERY_RANGES_H_
#define SPIRAPI_QUERY_QUERY_RANGES_H_

#include <vector>

#include "index/index_catalog.h"
#include "query/query_parse.h"
#include "query/query_plan.h"

namespace spirapi::query {

// A filter plan is used when its entries are fewer than this share of the
// records (plus one): fetching by id costs a few times a scan's step.
inline constexpr double kMaxIndexShare = 0.3;

// The key ranges of def that q's top-level conjunction allows (ascending),
// or false when it allows everything (the index cannot filter q).
bool IndexRanges(const index::IndexDef& def, const Query& q, std::vector<KeyRange>* ranges);

// Whether a btree def could give q's rows in its first sort key's order
// (ChooseIndex's ordered plan: a sort with a limit, no group or count).
bool ServesSort(const index::IndexDef& def, const Query& q);

}  // namespace spirapi::query

#endif  // SPIRAPI_QUERY_QUERY_RANGES_H_
