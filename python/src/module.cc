// spirapi._spirapi: the compiled part of the Python package. It binds the
// engine with JSON text in and out; the package's Python layer (spirapi/)
// turns that into Python values, and documents the public API.

#include "db_handle.h"
#include "spirapi/version.h"

namespace spirapi::python {
void BindBench(py::module_& m);
void BindBackup(py::module_& m);
void BindDatabase(py::module_& m);
void BindPi(py::module_& m);
void BindPlot(py::module_& m);
void BindSchema(py::module_& m);
void BindQuery(py::module_& m);
void BindQueryLog(py::module_& m);
void BindMaintenance(py::module_& m);
void BindDashboard(py::module_& m);
void BindIndex(py::module_& m);
void BindIndexAdvisor(py::module_& m);
void BindHealth(py::module_& m);
void BindResultCache(py::module_& m);
}  // namespace spirapi::python

PYBIND11_MODULE(_spirapi, m) {
  m.doc() = "The compiled core of the spirapi package; use the spirapi module instead.";
  m.attr("__version__") = std::to_string(SPIRAPI_VERSION_MAJOR) + "." +
                          std::to_string(SPIRAPI_VERSION_MINOR) + "." +
                          std::to_string(SPIRAPI_VERSION_PATCH);
  m.attr("FORMAT_VERSION") = SPIRAPI_FORMAT_VERSION;
  spirapi::python::BindDatabase(m);
  spirapi::python::BindPi(m);
  spirapi::python::BindPlot(m);
  spirapi::python::BindSchema(m);
  spirapi::python::BindQuery(m);
  spirapi::python::BindQueryLog(m);
  spirapi::python::BindMaintenance(m);
  spirapi::python::BindIndex(m);
  spirapi::python::BindIndexAdvisor(m);
  spirapi::python::BindBench(m);
  spirapi::python::BindBackup(m);
  spirapi::python::BindHealth(m);
  spirapi::python::BindDashboard(m);
  spirapi::python::BindResultCache(m);
}
