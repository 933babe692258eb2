// Status -> the spirapi.Error tree (defined in Python, spirapi/_errors.py),
// and argument checks shared by the bindings.

#include <Python.h>

#include "db_handle.h"

namespace spirapi::python {

namespace {

const char* ErrorClassName(Status::Code code) {
  switch (code) {
    case Status::Code::kNotFound:
      return "NotFoundError";
    case Status::Code::kCorruption:
      return "CorruptionError";
    case Status::Code::kInvalidArgument:
      return "InvalidArgumentError";
    case Status::Code::kIOError:
      return "IOError";
    case Status::Code::kConflict:
      return "ConflictError";
    case Status::Code::kBusy:
      return "BusyError";
    case Status::Code::kNotSupported:
      return "NotSupportedError";
    case Status::Code::kCancelled:
      return "CancelledError";
    case Status::Code::kOk:
      break;
  }
  return "Error";
}

}  // namespace

void RaiseIfError(const Status& s) {
  if (s.ok()) return;
  // Looked up each time: an error is the slow path, and a cached module
  // object would outlive the interpreter at exit.
  py::object errors = py::module_::import("spirapi._errors");
  py::object cls = errors.attr(ErrorClassName(s.code()));
  // The message may quote the caller's bytes (an id or a name given as
  // bytes), which need not be UTF-8: those are shown as \xNN escapes rather
  // than turning the error into a UnicodeDecodeError.
  const std::string& m = s.message();
  py::object text = py::reinterpret_steal<py::object>(
      PyUnicode_DecodeUTF8(m.data(), static_cast<Py_ssize_t>(m.size()), "backslashreplace"));
  if (!text) throw py::error_already_set();
  PyErr_SetObject(cls.ptr(), text.ptr());
  throw py::error_already_set();
}

std::string_view TextArgument(const py::handle& obj, const char* what) {
  if (PyUnicode_Check(obj.ptr())) {
    Py_ssize_t size = 0;
    const char* data = PyUnicode_AsUTF8AndSize(obj.ptr(), &size);
    if (data == nullptr) {
      PyErr_Clear();
      RaiseIfError(
          Status::InvalidArgument(std::string(what) + " is not valid Unicode (a lone surrogate?)"));
    }
    return std::string_view(data, static_cast<size_t>(size));
  }
  if (PyBytes_Check(obj.ptr())) {
    return std::string_view(PyBytes_AS_STRING(obj.ptr()),
                            static_cast<size_t>(PyBytes_GET_SIZE(obj.ptr())));
  }
  RaiseIfError(Status::InvalidArgument(std::string(what) + " must be str or bytes, not " +
                                       std::string(py::str(obj.get_type().attr("__name__")))));
  return {};
}

}  // namespace spirapi::python
