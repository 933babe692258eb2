// query_bench's spiral benchmark (bench/query_bench_spiral.cc).

#pragma once

#include <string>

#include "query_bench_engines.h"

namespace spirapi_query_bench {

enum SpiralKind { kWindow, kDisc, kSpiralKinds };

struct SpiralResult {
  double spirapi_build_s = 0, sqlite_build_s = 0, compact_s = 0;
  uint64_t spirapi_index_bytes = 0, sqlite_index_bytes = 0;  // disk growth
  QueryResult results[kSpiralKinds][2];
  std::string plans[kSpiralKinds][2];
};

// Builds the spiral index and the R*Tree over the loaded records, then times
// the window and disc queries on both engines.
SpiralResult RunSpiralBench(SpiraPi* spirapi, Sqlite* sqlite, const Config& config);
void ReportSpiral(const SpiralResult& spiral, const Config& config);

}  // namespace spirapi_query_bench
