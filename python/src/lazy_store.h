// What the bindings of the stores a database makes on first use (PiStore,
// SchemaManager) share.

#ifndef SPIRAPI_PYTHON_LAZY_STORE_H_
#define SPIRAPI_PYTHON_LAZY_STORE_H_

#include <memory>
#include <mutex>
#include <string>

#include "db_handle.h"

namespace spirapi::python {

// The handle of a _spirapi.Database, or TypeError: pybind11's cast_error
// would surface as a RuntimeError that says nothing about the argument.
inline std::shared_ptr<DbHandle> DatabaseArgument(const py::handle& database) {
  try {
    return HandleOf(database);
  } catch (const py::cast_error&) {
    throw py::type_error("expected a spirapi._spirapi.Database, not " +
                         std::string(Py_TYPE(database.ptr())->tp_name));
  }
}

// *slot (h.pi or h.schemas), opened on h.db on first use. Called with the
// handle's lock held shared, so Close cannot destroy it meanwhile, and the
// GIL released.
template <typename Store>
Status LazyStore(DbHandle& h, std::unique_ptr<Store>* slot, Store** out) {
  std::lock_guard<std::mutex> l(h.lazy_mu);
  if (!*slot) {
    Status s = Store::Open(h.db.get(), slot);
    if (!s.ok()) return s;
  }
  *out = slot->get();
  return Status::OK();
}

}  // namespace spirapi::python

#endif  // SPIRAPI_PYTHON_LAZY_STORE_H_
