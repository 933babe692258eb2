// Queries: JSON documents that filter, sort, project, count and group the
// records of a component or of a schema (docs/QUERY.md has the language).
//
//   {"algorithm": "chudnovsky", "precision": {"$gte": 1000},
//    "$sort": {"precision": "desc"}, "$limit": 10, "$fields": ["@id", "precision"]}
//
// Plain {"path": value} means equality, so the criteria the specification's
// search_sequences() takes are queries as they are. Paths address the
// record's data ("a.b", "list.0"); "@id", "@version", "@timestamp" and
// "@metadata.key" address the record's own fields. Values compare as JSON
// values: 3 equals 3.0, a string never equals a number, true is not 1.
//
// A query reads one snapshot and streams its rows: it holds the whole result
// in memory only to sort it (top skip + limit rows when a limit is given, at
// most QueryOptions::max_sort_rows otherwise) or to group it (one entry per
// group).
//
// Thread safety: the functions may be called from any number of threads.

#ifndef SPIRAPI_QUERY_H_
#define SPIRAPI_QUERY_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "spirapi/db.h"
#include "spirapi/export.h"
#include "spirapi/query_log.h"
#include "spirapi/status.h"

namespace spirapi {

// What a query reads: the raw records of a component, or (schema not empty)
// the records of a schema, presented under its current version, whose
// fields are then the data and whose @version is the schema version each
// was written under.
struct QuerySource {
  Component component = Component::kSequence;
  std::string schema;
};

struct QueryOptions {
  // Read this snapshot (component queries); null: a new one for the query.
  const Snapshot* snapshot = nullptr;
  // A sort without a limit keeps every matching row in memory; past this
  // many the query fails with InvalidArgument rather than exhaust memory.
  uint64_t max_sort_rows = 1'000'000;
  // Set: when the query ends, an entry (its text, plan, time, rows and
  // outcome) is appended to the query history in the QUERY component with
  // these retention settings (query_log.h); not on a read-only instance.
  const QueryLogOptions* history = nullptr;
  // > 0: the rows may come from the result cache (result_cache.h), and are
  // stored there for this many seconds when they do not; 0: no caching.
  // A cached result is served only while the source's component (SCHEMA
  // for a schema) has had no commit since it was stored, so it is exactly
  // what the query would return. Not used with `snapshot`, nor for the
  // CACHE component; results over kMaxCachedQueryBytes (as JSON) or cut
  // short by fn are not stored. A hit's QueryStats::plan begins "cached: "
  // and its rows_examined is 0.
  double cache_ttl_seconds = 0;
};

// The largest query result (its rows as JSON) the result cache keeps.
inline constexpr uint64_t kMaxCachedQueryBytes = 1u << 20;

struct QueryStats {
  uint64_t rows_examined = 0;  // records read and tested
  uint64_t rows_returned = 0;  // rows passed to the callback
  double seconds = 0;
  std::string plan;            // as ExplainQuery describes it
};

// Checks a query document without running it. InvalidArgument names the
// place and the fault, e.g. "query: precision.$gte: needs a number or a
// string, not an array" or "query: $sort: unknown order 'up'".
SPIRAPI_EXPORT Status CheckQuery(std::string_view query_json);

// The plan the query would run on db, one line, e.g. "component sequence by
// index by_precision (btree on precision): 1 range, 120 of 100000 entries;
// filter 2 conditions; sort by precision desc, top 10 in memory" or "scan
// component sequence (no index); ...". The index and its entry count (an
// estimate of the rows examined) are chosen now, at a fresh snapshot;
// QueryStats::rows_examined gives the actual count after RunQuery. Errors:
// as CheckQuery, and what reading the index returns.
SPIRAPI_EXPORT Status ExplainQuery(DB* db, const QuerySource& source, std::string_view query_json,
                                   std::string* plan);
// As above without a database: no index is considered.
SPIRAPI_EXPORT Status ExplainQuery(const QuerySource& source, std::string_view query_json,
                                   std::string* plan);

// Runs a query and calls fn with each result row, compact JSON, in order,
// until fn returns false. Rows are:
// - without $fields, $count or $group: the record, as StorageRecord::ToJson
//   writes it for a component; {"id", "schema_version", "data"} (and
//   "valid_from" for temporal schemas) for a schema;
// - with $fields: an object of the requested paths that exist ("@id": ...,
//   "a.b": ...);
// - with $count: one row {"count": N};
// - with $group: one row per group, its key paths and aggregates.
// Errors: as CheckQuery; NotFound (no such schema); InvalidArgument (a sort
// past max_sort_rows); Corruption (a damaged record stops the query: it is
// never skipped silently); whatever fn's reads return; with
// QueryOptions::history, what appending the entry returns (the rows have
// been passed to fn by then).
SPIRAPI_EXPORT Status RunQuery(DB* db, const QuerySource& source, std::string_view query_json,
                               const QueryOptions& options,
                               const std::function<bool(std::string_view row)>& fn,
                               QueryStats* stats = nullptr);

}  // namespace spirapi

#endif  // SPIRAPI_QUERY_H_
