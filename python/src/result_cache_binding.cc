// The result cache (include/spirapi/result_cache.h) and the cached π digit
// analysis (include/spirapi/pi_analysis.h): JSON text out; the Python layer
// (database.py, pi.py) parses it and documents the API.

#include <pybind11/stl.h>

#include <string>
#include <utility>
#include <vector>

#include "db_handle.h"
#include "lazy_store.h"
#include "spirapi/pi_analysis.h"
#include "spirapi/result_cache.h"

namespace spirapi::python {

void BindResultCache(py::module_& m) {
  m.def(
      "cache_entries",
      [](const py::handle& database) {
        std::shared_ptr<DbHandle> h = DatabaseArgument(database);
        std::vector<std::string> entries;
        CallEngine(*h, [&](DB* db) {
          entries.clear();
          return ResultCache(db).List([&](const CacheEntryInfo& e) {
            entries.push_back(e.ToJson());
            return true;
          });
        });
        return entries;
      },
      py::arg("database"));

  m.def(
      "cache_counters",
      [](const py::handle& database) {
        std::shared_ptr<DbHandle> h = DatabaseArgument(database);
        ResultCacheCounters counters;
        CallEngine(*h, [&](DB* db) { return GetResultCacheCounters(db, &counters); });
        return counters.ToJson();
      },
      py::arg("database"));

  m.def(
      "purge_cache",
      [](const py::handle& database, const std::string& mode) {
        std::shared_ptr<DbHandle> h = DatabaseArgument(database);
        ResultCache::PurgeMode m = ResultCache::PurgeMode::kUnusable;
        if (mode == "all") {
          m = ResultCache::PurgeMode::kAll;
        } else if (mode == "expired") {
          m = ResultCache::PurgeMode::kExpiredOnly;
        } else if (mode != "unusable") {
          RaiseIfError(Status::InvalidArgument("purge mode must be unusable, expired or all"));
        }
        uint64_t removed = 0;
        CallEngine(*h, [&](DB* db) { return ResultCache(db).Purge(m, &removed); });
        return removed;
      },
      py::arg("database"), py::arg("mode"));

  m.def(
      "analyze_sequence",
      [](const py::handle& database, const std::string& id, uint64_t first, uint64_t count,
         int kgram, int top, int lags, bool use_cache, double ttl) {
        std::shared_ptr<DbHandle> h = DatabaseArgument(database);
        DigitAnalysisOptions options;
        options.first = first;
        options.count = count;
        options.max_kgram_length = kgram;
        options.top_kgrams = top;
        options.max_lag = lags;
        options.use_cache = use_cache;
        options.cache_ttl_seconds = ttl;
        std::string json;
        bool cached = false;
        CallEngine(*h,
                   [&](DB* db) { return AnalyzeSequenceDigits(db, id, options, &json, &cached); });
        return std::make_pair(json, cached);
      },
      py::arg("database"), py::arg("id"), py::arg("first"), py::arg("count"), py::arg("kgram"),
      py::arg("top"), py::arg("lags"), py::arg("use_cache"), py::arg("ttl"));
}

}  // namespace spirapi::python
