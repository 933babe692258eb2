// RunQuery's use of the result cache (QueryOptions::cache_ttl_seconds).

#ifndef SPIRAPI_QUERY_QUERY_CACHE_H_
#define SPIRAPI_QUERY_QUERY_CACHE_H_

#include <functional>
#include <string_view>

#include "spirapi/query.h"

namespace spirapi::query {

// The uncached query: RunQuery's work without its timing and history.
using QueryExecutor =
    std::function<Status(const std::function<bool(std::string_view)>& fn, QueryStats* stats)>;

// Whether the query may be served from or stored in the cache: a TTL set,
// no snapshot of the caller's, and a source other than the CACHE component
// (whose every stored entry would make the result stale at once).
bool QueryCacheApplies(const QuerySource& source, const QueryOptions& options);

// Serves the rows from the cache when its entry is fresh (stats->plan then
// begins "cached: "), else runs `execute` and stores its rows unless the
// caller's fn stopped early, the query failed, or they exceed 1 MiB.
Status RunCachedQuery(DB* db, const QuerySource& source, std::string_view query_json,
                      const QueryOptions& options, const QueryExecutor& execute,
                      const std::function<bool(std::string_view)>& fn, QueryStats* stats);

}  // namespace spirapi::query

#endif  // SPIRAPI_QUERY_QUERY_CACHE_H_
