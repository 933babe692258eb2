// Secondary indexes (include/spirapi/index.h): create_index, drop_index,
// rebuild_index, list_indexes and verify_indexes. The Python layer
// (database.py) checks the arguments' types and documents them.

#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "db_handle.h"
#include "lazy_store.h"
#include "spirapi/index.h"

namespace spirapi::python {
namespace {

IndexType TypeArgument(const std::string& name) {
  IndexType type;
  RaiseIfError(ParseIndexType(name, &type));
  return type;
}

py::str Text(const std::string& s) {
  return py::str(py::bytes(s).attr("decode")("utf-8", "replace"));
}

}  // namespace

void BindIndex(py::module_& m) {
  m.def(
      "create_index",
      [](const py::handle& database, const std::string& name, int component,
         const std::vector<std::string>& fields, const std::string& type,
         const py::object& progress, const std::string& schema) {
        std::shared_ptr<DbHandle> h = DatabaseArgument(database);
        IndexSpec spec;
        spec.name = name;
        // An index over a schema's records reads the component they are in.
        spec.component = schema.empty() ? static_cast<Component>(component) : Component::kSchema;
        spec.schema = schema;
        spec.fields = fields;
        spec.type = TypeArgument(type);
        RunInterruptibly(*h, progress, [&](DB* db, Interruptible* state) {
          return CreateIndex(db, spec, [state](double f) { return state->Report(f); });
        });
      },
      py::arg("database"), py::arg("name"), py::arg("component"), py::arg("fields"),
      py::arg("type"), py::arg("progress"), py::arg("schema") = std::string());

  m.def(
      "rebuild_index",
      [](const py::handle& database, const std::string& name, const py::object& progress) {
        std::shared_ptr<DbHandle> h = DatabaseArgument(database);
        RunInterruptibly(*h, progress, [&](DB* db, Interruptible* state) {
          return RebuildIndex(db, name, [state](double f) { return state->Report(f); });
        });
      },
      py::arg("database"), py::arg("name"), py::arg("progress"));

  m.def(
      "drop_index",
      [](const py::handle& database, const std::string& name) {
        std::shared_ptr<DbHandle> h = DatabaseArgument(database);
        CallEngine(*h, [&](DB* db) { return DropIndex(db, name); });
      },
      py::arg("database"), py::arg("name"));

  m.def(
      "list_indexes",
      [](const py::handle& database) {
        std::shared_ptr<DbHandle> h = DatabaseArgument(database);
        std::vector<IndexInfo> infos;
        CallEngine(*h, [&](DB* db) { return ListIndexes(db, &infos); });
        py::list out;
        for (const IndexInfo& info : infos) {
          py::dict d;
          d["name"] = info.spec.name;
          d["data_type"] = ComponentName(info.spec.component);
          if (!info.spec.schema.empty()) d["schema"] = info.spec.schema;
          d["fields"] = info.spec.fields;
          d["type"] = IndexTypeName(info.spec.type);
          d["state"] = info.state;
          d["created_us"] = info.created_us;
          d["entries"] = info.entries;
          d["key_bytes"] = info.key_bytes;
          d["queries"] = info.queries;
          out.append(d);
        }
        return out;
      },
      py::arg("database"));

  m.def(
      "verify_indexes",
      [](const py::handle& database, const std::string& name) {
        std::shared_ptr<DbHandle> h = DatabaseArgument(database);
        std::vector<IndexMismatch> mismatches;
        CallEngine(*h, [&](DB* db) { return VerifyIndex(db, name, &mismatches); });
        py::list out;
        for (const IndexMismatch& mm : mismatches) {
          py::dict d;
          d["index"] = mm.index;
          d["id"] = Text(mm.record_id);
          d["what"] = mm.what;
          out.append(d);
        }
        return out;
      },
      py::arg("database"), py::arg("name"));
}

}  // namespace spirapi::python
