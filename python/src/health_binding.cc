// The health checks (include/spirapi/health.h): check_health() returns the
// report as JSON text, which spirapi.database turns into a dict.

#include <string>

#include "db_handle.h"
#include "lazy_store.h"
#include "spirapi/health.h"

namespace spirapi::python {

void BindHealth(py::module_& m) {
  m.def(
      "check_health",
      [](const py::handle& database, uint64_t sample_records) {
        std::shared_ptr<DbHandle> h = DatabaseArgument(database);
        HealthOptions options;
        options.sample_records = sample_records;
        HealthReport report;
        CallEngine(*h, [&](DB* db) { return db->CheckHealth(options, &report); });
        return report.ToJson();
      },
      py::arg("database"), py::arg("sample_records"));
}

}  // namespace spirapi::python
