#include "db_handle.h"
namespace spirapi::python {
void BindPi(py::module_&) {}
}  // namespace spirapi::python
