#include "db_handle.h"
namespace spirapi::python {
void BindSchema(py::module_&) {}
}  // namespace spirapi::python
