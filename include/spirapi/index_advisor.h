// The index advisor: from the query history (query_log.h), chooses which
// secondary indexes (index.h) to build under a space budget and a
// write-cost weight (docs/QUERY.md, "Index advisor").
//
//   AdviceOptions options;
//   options.budget_mib = 16;
//   IndexAdvice advice;
//   Status s = AdviseIndexes(db, options, &advice);
//   if (s.ok()) s = ApplyAdvice(db, advice);
//
// The choice is posed as a QUBO (one binary variable per candidate index,
// pairwise terms for candidates that serve the same query, the budget as a
// quadratic penalty with binary slack variables) and solved by simulated
// annealing, the classical counterpart of quantum annealing. The estimates
// come from the current records: each candidate's entries are computed for
// a uniform sample of its component's records, and the entries the
// planner's key ranges would hold for each logged query are counted there.
//
// Thread safety: may be called from any number of threads; the advice
// reflects the records and history at the time of the call.

#ifndef SPIRAPI_INDEX_ADVISOR_H_
#define SPIRAPI_INDEX_ADVISOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "spirapi/db.h"
#include "spirapi/export.h"
#include "spirapi/index.h"
#include "spirapi/status.h"

namespace spirapi {

struct AdviceOptions {
  // Space the new indexes' entries may take (their ids' bytes, as
  // IndexInfo::key_bytes counts them), in MiB of 2^20 bytes.
  double budget_mib = 64;
  // What writing one index entry costs, in rows examined: an index adds one
  // entry write per record write of its component. 0: writes are free.
  double write_weight = 1.0;
  // The newest logged queries read (0: all).
  uint64_t max_queries = 10000;
  // Records of each component sampled (uniformly) for the estimates; a
  // component with at most this many is measured exactly.
  uint64_t sample_records = 20000;
  // Annealing: deterministic for a seed.
  uint64_t seed = 1;
  int sweeps = 2000;
  int restarts = 8;
};

struct IndexSuggestion {
  IndexSpec spec;
  double bytes = 0;       // estimated key bytes of its entries
  // Rows examined it would save over the logged queries if it were the only
  // index added (beyond what the existing indexes save).
  double gain = 0;
  double write_cost = 0;  // write_weight x record writes in the log's window
  uint64_t queries = 0;   // logged query runs it would serve
  std::string why;        // one line: which queries, rows examined before and after
};

struct IndexAdvice {
  std::vector<IndexSuggestion> create;      // the chosen set, by decreasing gain
  std::vector<IndexSuggestion> candidates;  // every candidate with a gain, chosen or not
  // Existing indexes that would serve no logged query (candidates to drop;
  // the advisor never drops one).
  std::vector<std::string> unused;
  // Of the chosen set together: rows examined saved over the logged queries
  // (each query counts its best index, as the planner uses one), the write
  // cost, and the key bytes.
  double estimated_gain = 0;
  double estimated_write_cost = 0;
  double estimated_bytes = 0;
  double budget_bytes = 0;
  uint64_t queries_read = 0;            // log entries read
  uint64_t queries_considered = 0;      // of components, that parsed and succeeded
  uint64_t schema_queries_skipped = 0;  // of schemas: no indexes there
  // The QUBO's energy of the answer, and of greedy selection (best gain per
  // byte first) on the same model, for comparison; lower is better.
  double anneal_energy = 0;
  double greedy_energy = 0;
  std::vector<std::string> notes;  // what was skipped or approximated, and why
};

// Reads the history and the records and suggests indexes. Writes nothing.
// Errors: InvalidArgument (a negative or non-finite budget or weight; not a
// SpiraPi instance); Corruption; IOError.
SPIRAPI_EXPORT Status AdviseIndexes(DB* db, const AdviceOptions& options, IndexAdvice* advice);

// Creates the indexes of advice.create (CreateIndex), stopping at the first
// error.
SPIRAPI_EXPORT Status ApplyAdvice(DB* db, const IndexAdvice& advice);

// The advice as one JSON object: {"create":[...], "candidates":[...],
// "unused":[...], "estimated_gain", "estimated_write_cost",
// "estimated_bytes", "budget_bytes", "queries_read", "queries_considered",
// "schema_queries_skipped", "anneal_energy", "greedy_energy", "notes"};
// each suggestion {"name","component","type","fields","bytes","gain",
// "write_cost","queries","why"}.
SPIRAPI_EXPORT std::string IndexAdviceToJson(const IndexAdvice& advice);

}  // namespace spirapi

#endif  // SPIRAPI_INDEX_ADVISOR_H_
