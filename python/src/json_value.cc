// A strict writer of Python values as JSON. Python's json.dumps is lenient
// where a database must not be: it turns int, float, bool and None keys into
// strings (so {1: "a"} would come back as {"1": "a"}) and writes NaN and
// Infinity, which are not JSON.

#include "json_value.h"

#include <Python.h>

#include <cmath>

namespace spirapi::python {

namespace {

constexpr int kMaxDepth = 512;

void Fail(const std::string& path, const std::string& why) {
  RaiseIfError(Status::InvalidArgument(path + ": " + why));
}

void AppendString(std::string_view s, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default:
        if (c < 0x20) {
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 15]);
        } else {
          out->push_back(ch);
        }
    }
  }
  out->push_back('"');
}

std::string_view Utf8(PyObject* s, const std::string& path) {
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(s, &size);
  if (data == nullptr) {
    PyErr_Clear();
    Fail(path, "a string that is not valid Unicode (a lone surrogate?)");
  }
  return std::string_view(data, static_cast<size_t>(size));
}

std::string TypeName(PyObject* o) { return Py_TYPE(o)->tp_name; }

void Append(PyObject* o, const std::string& path, int depth, std::string* out) {
  if (depth > kMaxDepth) Fail(path, "nested deeper than 512 levels (or contains itself)");
  if (o == Py_None) {
    out->append("null");
  } else if (o == Py_True) {
    out->append("true");
  } else if (o == Py_False) {
    out->append("false");
  } else if (PyUnicode_Check(o)) {
    AppendString(Utf8(o, path), out);
  } else if (PyLong_Check(o)) {
    // The exact int's decimal text, also for int subclasses (an IntEnum's
    // str() is its name).
    PyObject* text = PyLong_Type.tp_repr(o);
    if (text == nullptr) throw py::error_already_set();
    py::object owned = py::reinterpret_steal<py::object>(text);
    out->append(Utf8(text, path));
  } else if (PyFloat_Check(o)) {
    double d = PyFloat_AsDouble(o);
    if (!std::isfinite(d)) Fail(path, "NaN and infinity are not JSON numbers");
    char* text = PyOS_double_to_string(d, 'r', 0, Py_DTSF_ADD_DOT_0, nullptr);
    if (text == nullptr) throw py::error_already_set();
    out->append(text);
    PyMem_Free(text);
  } else if (PyDict_Check(o)) {
    out->push_back('{');
    PyObject* key;
    PyObject* value;
    Py_ssize_t pos = 0;
    bool first = true;
    while (PyDict_Next(o, &pos, &key, &value)) {
      if (!PyUnicode_Check(key)) {
        Fail(path, "key " + std::string(py::repr(key)) + " is of type " + TypeName(key) +
                       "; JSON object keys are str");
      }
      std::string_view k = Utf8(key, path);
      if (!first) out->push_back(',');
      first = false;
      AppendString(k, out);
      out->push_back(':');
      Append(value, path + "." + std::string(k), depth + 1, out);
    }
    out->push_back('}');
  } else if (PyList_Check(o) || PyTuple_Check(o)) {
    out->push_back('[');
    const Py_ssize_t n = PySequence_Fast_GET_SIZE(o);
    for (Py_ssize_t i = 0; i < n; ++i) {
      if (i > 0) out->push_back(',');
      Append(PySequence_Fast_GET_ITEM(o, i), path + "[" + std::to_string(i) + "]", depth + 1, out);
    }
    out->push_back(']');
  } else {
    Fail(path, "a " + TypeName(o) +
                   " is not a JSON value (dict, list, tuple, str, int, float, bool or None)");
  }
}

}  // namespace

void AppendJson(const py::handle& value, const char* what, std::string* out) {
  Append(value.ptr(), what, 0, out);
}

}  // namespace spirapi::python
