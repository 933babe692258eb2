// The index advisor's model (include/spirapi/index_advisor.h): candidates,
// their estimated benefit for each logged query, and the QUBO built from
// them. Internal, so that tests can check the solver's answer on the
// advisor's own model against exhaustive search.

#ifndef SPIRAPI_INDEX_INDEX_ADVISOR_H_
#define SPIRAPI_INDEX_INDEX_ADVISOR_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "index/qubo.h"
#include "spirapi/index_advisor.h"

namespace spirapi::index {

struct AdvisorModel {
  // The QUBO's variables, in order (gain, write_cost, bytes, queries, why set).
  std::vector<IndexSuggestion> candidates;
  // One distinct logged query text: how often it ran, and the rows examined
  // per run each candidate would save beyond the existing indexes.
  struct QueryTerm {
    double runs = 0;
    std::vector<std::pair<size_t, double>> benefit;  // candidate, rows saved (> 0)
  };
  std::vector<QueryTerm> queries;
  Qubo qubo{0};
};

// Reads the history and the records and builds the model; fills advice's
// counts, unused indexes, budget and notes.
Status BuildAdvisorModel(DB* db, const AdviceOptions& options, AdvisorModel* model,
                         IndexAdvice* advice);

// Rows examined the chosen candidates save over the logged queries, each
// query counting its best candidate (the planner uses one index).
double ModelGain(const AdvisorModel& model, const std::vector<uint8_t>& x);

}  // namespace spirapi::index

#endif  // SPIRAPI_INDEX_INDEX_ADVISOR_H_
