// query_bench's similarity benchmark (bench/query_bench_similarity.cc).

#pragma once

#include <string>

#include "query_bench_engines.h"

namespace spirapi_query_bench {

enum SimilarityKind { kContains6, kContains8, kNear1, kNear2, kSimilarityKinds };

struct SimilarityResult {
  double spirapi_build_s = 0, fts_build_s = 0, compact_s = 0;
  uint64_t spirapi_index_bytes = 0, fts_bytes = 0;  // disk growth
  // Engines: SpiraPi, SQLite scanning, SQLite with FTS5.
  QueryResult results[kSimilarityKinds][3];
  std::string plans[kSimilarityKinds][3];
};

// Loads the first config.similarity_records records into databases of its
// own under `dir`, builds the similarity index and the FTS5 table, then
// times $contains and $near on SpiraPi, SQLite scanning and SQLite FTS5.
SimilarityResult RunSimilarityBench(const std::string& dir, const DataSet& set,
                                    const Config& config);
void ReportSimilarity(const SimilarityResult& sim);

}  // namespace spirapi_query_bench
