// Digit analysis of a stored π sequence, or of a range of it, on demand:
// the distribution with its chi-square test, the longest runs, k-gram
// coverage and frequencies, serial correlation and the uniqueness score,
// the same statistics a stored sequence's description carries for its
// whole length (docs/PI.md). Results go through the result cache
// (result_cache.h, kind "pi-analysis"), keyed by the sequence, the range
// and the parameters, with the sequence's description and digit chunk
// records as inputs: storing the sequence again makes the entry stale.
//
// Thread safety: may be called from any number of threads.

#ifndef SPIRAPI_PI_ANALYSIS_H_
#define SPIRAPI_PI_ANALYSIS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "spirapi/db.h"
#include "spirapi/export.h"
#include "spirapi/status.h"

namespace spirapi {

struct DigitAnalysisOptions {
  uint64_t first = 1;        // first position analysed (1: the digit after "3.")
  uint64_t count = 0;        // digits analysed; 0: to the end of the sequence
  int max_kgram_length = 4;  // k-grams for k = 1..K (1..6)
  int top_kgrams = 10;       // most frequent k-grams listed per k (0..1000)
  int max_lag = 10;          // serial correlation at lags 1..L (0..1000)
  // Serve from and store into the result cache (a read-only instance only
  // serves). Off: always computed, nothing stored.
  bool use_cache = true;
  // How long a cached analysis may be served (seconds); 0: until the
  // sequence is stored again or deleted.
  double cache_ttl_seconds = 0;
};

// Sets *json to {"id","first","count","digit_distribution":{...},
// "pattern_analysis":{...},"uniqueness":{"score","entropy","position",
// "length","variety"}} and *cached to whether it came from the cache.
// Errors: NotFound (no such sequence); InvalidArgument (bad id, a range
// past the sequence's end, options out of range).
SPIRAPI_EXPORT Status AnalyzeSequenceDigits(DB* db, std::string_view id,
                                            const DigitAnalysisOptions& options, std::string* json,
                                            bool* cached);

}  // namespace spirapi

#endif  // SPIRAPI_PI_ANALYSIS_H_
