// The planner's part for similarity indexes (include/spirapi/index.h):
// which q-gram postings hold every record a $contains or $near can match.

#ifndef SPIRAPI_QUERY_QUERY_SIMILARITY_H_
#define SPIRAPI_QUERY_QUERY_SIMILARITY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "index/index_catalog.h"
#include "query/query_parse.h"
#include "query/query_plan.h"

namespace spirapi::query {

// The pieces a $near's pattern splits into: distance + 1 of them, as equal
// as can be. A window within that distance of the pattern holds at least
// one piece exactly (pigeonhole); a $contains is one piece, the pattern.
std::vector<std::string_view> NearPieces(std::string_view pattern, uint64_t distance);

// The key ranges of a similarity index `def` for the top-level conditions
// `conds`: for the $contains or $near on its field whose candidates are
// fewest, one posting (the rarest q-gram) per piece; their union holds
// every match, maybe more, and records may repeat across postings. Counts
// no further than `cap` entries. Returns false when def cannot filter: no
// such condition, each needs more than `cap` entries, or its pieces are
// shorter than q (*why then says so).
bool SimilarityRanges(DBImpl* db, uint64_t snapshot, const index::IndexDef& def,
                      const std::vector<const Condition*>& conds, uint64_t cap,
                      std::vector<KeyRange>* ranges, uint64_t* count, std::string* why);

}  // namespace spirapi::query

#endif  // SPIRAPI_QUERY_QUERY_SIMILARITY_H_
