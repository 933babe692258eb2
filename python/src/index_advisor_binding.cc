// The index advisor (include/spirapi/index_advisor.h): advise_indexes. The
// advice crosses as its JSON text, which database.py parses into a dict.

#include <string>

#include "db_handle.h"
#include "lazy_store.h"
#include "spirapi/index_advisor.h"

namespace spirapi::python {

void BindIndexAdvisor(py::module_& m) {
  m.def(
      "advise_indexes",
      [](const py::handle& database, double budget_mib, double write_weight,
         uint64_t max_queries, uint64_t seed, bool apply) {
        std::shared_ptr<DbHandle> h = DatabaseArgument(database);
        AdviceOptions options;
        options.budget_mib = budget_mib;
        options.write_weight = write_weight;
        options.max_queries = max_queries;
        options.seed = seed;
        std::string json;
        CallEngine(*h, [&](DB* db) {
          IndexAdvice advice;
          Status s = AdviseIndexes(db, options, &advice);
          if (s.ok()) json = IndexAdviceToJson(advice);
          if (s.ok() && apply) s = ApplyAdvice(db, advice);
          return s;
        });
        return json;
      },
      py::arg("database"), py::arg("budget_mib"), py::arg("write_weight"),
      py::arg("max_queries"), py::arg("seed"), py::arg("apply"));
}

}  // namespace spirapi::python
