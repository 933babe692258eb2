// The query history (include/spirapi/query_log.h): query_log() lists it as
// JSON text per entry, prune_query_log() applies retention, and
// append_query_log() writes an entry (for the tests and for callers that
// time queries of their own). The Python layer (database.py) checks the
// arguments and turns the JSON into dicts.

#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "db_handle.h"
#include "lazy_store.h"
#include "spirapi/query_log.h"

namespace spirapi::python {

void BindQueryLog(py::module_& m) {
  m.attr("DEFAULT_SLOW_QUERY_SECONDS") = kDefaultSlowQuerySeconds;

  m.def(
      "query_log",
      [](const py::handle& database, double min_seconds, uint64_t limit, bool newest_first) {
        std::shared_ptr<DbHandle> h = DatabaseArgument(database);
        QueryLogFilter filter;
        filter.min_seconds = min_seconds;
        filter.limit = limit;
        filter.newest_first = newest_first;
        std::vector<std::string> entries;
        CallEngine(*h, [&](DB* db) {
          return ReadQueryLog(db, filter, [&](const QueryLogEntry& e) {
            entries.push_back(QueryLogEntryToJson(e));
            return true;
          });
        });
        return entries;
      },
      py::arg("database"), py::arg("min_seconds"), py::arg("limit"), py::arg("newest_first"));

  m.def(
      "prune_query_log",
      [](const py::handle& database, uint64_t max_entries, double max_age_days) {
        std::shared_ptr<DbHandle> h = DatabaseArgument(database);
        QueryLogOptions options;
        options.max_entries = max_entries;
        options.max_age_days = max_age_days;
        uint64_t removed = 0;
        CallEngine(*h, [&](DB* db) { return PruneQueryLog(db, options, &removed); });
        return removed;
      },
      py::arg("database"), py::arg("max_entries"), py::arg("max_age_days"));

  m.def(
      "append_query_log",
      [](const py::handle& database, const std::string& query, const std::string& source,
         const std::string& plan, double seconds, uint64_t rows_examined, uint64_t rows_returned,
         int64_t time_us, const std::string& status, uint64_t max_entries, double max_age_days) {
        std::shared_ptr<DbHandle> h = DatabaseArgument(database);
        QueryLogEntry e;
        e.query = query;
        e.source = source;
        e.plan = plan;
        e.seconds = seconds;
        e.rows_examined = rows_examined;
        e.rows_returned = rows_returned;
        e.time_us = time_us;
        e.status = status;
        QueryLogOptions options;
        options.max_entries = max_entries;
        options.max_age_days = max_age_days;
        options.age_check_seconds = 0;  // the tests expect every append to apply the age
        CallEngine(*h, [&](DB* db) { return AppendQueryLog(db, e, options); });
      },
      py::arg("database"), py::arg("query"), py::arg("source"), py::arg("plan"), py::arg("seconds"),
      py::arg("rows_examined"), py::arg("rows_returned"), py::arg("time_us"), py::arg("status"),
      py::arg("max_entries"), py::arg("max_age_days"));
}

}  // namespace spirapi::python
