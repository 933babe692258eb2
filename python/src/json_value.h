// Python values <-> JSON text, for records' data and metadata.

#ifndef SPIRAPI_PYTHON_JSON_VALUE_H_
#define SPIRAPI_PYTHON_JSON_VALUE_H_

#include <string>

#include "db_handle.h"

namespace spirapi::python {

// Appends `value` as compact JSON: dict (str keys only), list, tuple, str,
// int (any size, exactly), float (shortest text that reads back to the same
// double), bool, None. Raises InvalidArgumentError naming the path of the
// first value that JSON cannot hold as it is (NaN or infinity, a non-str
// key, a set, bytes, a lone surrogate, nesting deeper than 512, ...).
// `what` names the argument in the message ("data", "metadata").
void AppendJson(const py::handle& value, const char* what, std::string* out);

}  // namespace spirapi::python

#endif  // SPIRAPI_PYTHON_JSON_VALUE_H_
