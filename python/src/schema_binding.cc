// spirapi._spirapi.SchemaManager: the engine's schemas (include/spirapi/
// schema.h) with Python values in, through the strict JSON writer, and JSON
// text or tuples out. The public, documented API is the Python layer
// (spirapi/schema.py), which parses the JSON and wraps it in dataclasses.

#include <pybind11/stl.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "json_value.h"
#include "lazy_store.h"

namespace spirapi::python {

namespace {

using Conditions = std::vector<std::pair<std::string, std::string>>;

// A dict argument as JSON text. Only a dict: the engine wants a JSON object,
// and saying so here names the argument.
std::string JsonObject(const py::handle& value, const char* what) {
  if (!PyDict_Check(value.ptr())) {
    RaiseIfError(Status::InvalidArgument(std::string(what) + " must be a dict, not " +
                                         Py_TYPE(value.ptr())->tp_name));
  }
  std::string out;
  AppendJson(value, what, &out);
  return out;
}

// Find's conditions: field name -> the value as JSON text.
Conditions ConditionList(const py::handle& where) {
  if (!PyDict_Check(where.ptr())) {
    RaiseIfError(Status::InvalidArgument(std::string("where must be a dict, not ") +
                                         Py_TYPE(where.ptr())->tp_name));
  }
  Conditions out;
  for (auto item : py::reinterpret_borrow<py::dict>(where)) {
    if (!PyUnicode_Check(item.first.ptr())) {
      RaiseIfError(Status::InvalidArgument("where: field name " +
                                           std::string(py::repr(item.first)) + " is not a str"));
    }
    std::string field(TextArgument(item.first, "where: a field name"));
    std::string value;
    AppendJson(item.second, ("where." + field).c_str(), &value);
    out.emplace_back(std::move(field), std::move(value));
  }
  return out;
}

void CheckTime(double t, const char* what) {
  if (!std::isfinite(t)) {
    RaiseIfError(Status::InvalidArgument(std::string(what) + " must be finite"));
  }
}

// (id, data JSON, schema_version, valid_from, valid_to, deleted).
py::tuple RecordTuple(const SchemaRecord& r) {
  return py::make_tuple(r.id, r.json, r.schema_version, r.valid_from, r.valid_to, r.deleted);
}

py::list RecordList(const std::vector<SchemaRecord>& records) {
  py::list out(records.size());
  for (size_t i = 0; i < records.size(); ++i) out[i] = RecordTuple(records[i]);
  return out;
}

// Raises InvalidArgumentError(message) with one more attribute.
[[noreturn]] void RaiseInvalidArgument(const std::string& message, const char* attribute,
                                       const py::object& value) {
  py::object cls = py::module_::import("spirapi._errors").attr("InvalidArgumentError");
  py::object error = cls(message);
  error.attr(attribute) = value;
  PyErr_SetObject(cls.ptr(), error.ptr());
  throw py::error_already_set();
}

py::tuple ReportTuple(const RollbackReport& r) {
  return py::make_tuple(r.checked, r.violating, r.rewritten, r.problems);
}

class PySchemaManager {
 public:
  explicit PySchemaManager(const py::object& database)
      : database_(database), h_(DatabaseArgument(database)) {}

  // Runs fn(schemas) as CallEngine runs its function.
  template <typename Fn>
  void Call(Fn&& fn) {
    CallEngine(*h_, [&](DB*) {
      SchemaManager* schemas = nullptr;
      Status s = LazyStore(*h_, &h_->schemas, &schemas);
      return s.ok() ? fn(schemas) : s;
    });
  }

  // Runs fn(schemas), which reads one record, and returns whether it was
  // found. The engine says NotFound both for a missing record and a missing
  // schema: only the first is "not found" (None in Python), the second is
  // raised.
  template <typename Fn>
  bool CallRead(std::string_view schema, Fn&& fn) {
    bool found = true;
    Call([&](SchemaManager* schemas) {
      Status s = fn(schemas);
      if (s.IsNotFound()) {
        SchemaInfo info;
        s = schemas->GetSchema(schema, &info);
        found = false;
      }
      return s;
    });
    return found;
  }

  // The schemas' definitions below are returned as SchemaInfo::json.
  std::string Create(std::string_view name, std::string_view zone, const py::handle& fields) {
    SchemaZone z;
    RaiseIfError(ParseSchemaZone(zone, &z));
    const std::string fields_json = JsonObject(fields, "fields");
    SchemaInfo info;
    Call(
        [&](SchemaManager* schemas) { return schemas->CreateSchema(name, z, fields_json, &info); });
    return info.json;
  }

  py::object Get(std::string_view name) {
    SchemaInfo info;
    bool found = true;
    Call([&](SchemaManager* schemas) {
      return AbsentIsOk(schemas->GetSchema(name, &info), &found);
    });
    if (!found) return py::none();
    return py::str(info.json);
  }

  std::vector<std::string> List() {
    std::vector<SchemaInfo> infos;
    Call([&](SchemaManager* schemas) { return schemas->ListSchemas(&infos); });
    std::vector<std::string> out;
    out.reserve(infos.size());
    for (SchemaInfo& info : infos) out.push_back(std::move(info.json));
    return out;
  }

  std::string Evolve(std::string_view name, std::string action, std::string field,
                     const py::handle& definition, std::string new_name, std::string reason) {
    SchemaChange change;
    change.action = std::move(action);
    change.field = std::move(field);
    if (!definition.is_none()) change.new_definition = JsonObject(definition, "definition");
    change.new_name = std::move(new_name);
    change.reason = std::move(reason);
    SchemaInfo info;
    Call([&](SchemaManager* schemas) { return schemas->Evolve(name, change, &info); });
    return info.json;
  }

  // (definition JSON, report). When records violate the target version and
  // force is false, the InvalidArgumentError raised carries the report as
  // its `report` attribute, a tuple (checked, violating, rewritten, problems).
  py::tuple Rollback(std::string_view name, uint64_t to_version, bool force) {
    RollbackReport report;
    SchemaInfo info;
    Status s;
    {
      py::gil_scoped_release release;
      std::shared_lock<std::shared_mutex> l(h_->mu);
      SchemaManager* schemas = nullptr;
      s = h_->db ? LazyStore(*h_, &h_->schemas, &schemas) : ClosedStatus();
      if (s.ok()) s = schemas->Rollback(name, to_version, force, &report, &info);
    }
    if (s.IsInvalidArgument() && report.violating > 0) {
      RaiseInvalidArgument(s.message(), "report", ReportTuple(report));
    }
    RaiseIfError(s);
    return py::make_tuple(info.json, ReportTuple(report));
  }

  std::string Export(std::string_view name, std::string_view format) {
    SchemaFormat f = SchemaFormat::kJsonSchema;
    if (format == "json_schema") {
      f = SchemaFormat::kJsonSchema;
    } else if (format == "sql") {
      f = SchemaFormat::kSqlDdl;
    } else {
      RaiseIfError(Status::InvalidArgument("format: '" + std::string(format) +
                                           "' is not one of json_schema, sql"));
    }
    std::string out;
    Call([&](SchemaManager* schemas) { return schemas->ExportSchema(name, f, &out); });
    return out;
  }

  // json_schema: a dict, or the document's JSON text.
  std::string Import(std::string_view name, const py::handle& json_schema) {
    std::string text;
    if (PyUnicode_Check(json_schema.ptr())) {
      text = std::string(TextArgument(json_schema, "json_schema"));
    } else {
      text = JsonObject(json_schema, "json_schema");
    }
    SchemaInfo info;
    Call([&](SchemaManager* schemas) { return schemas->ImportSchema(name, text, &info); });
    return info.json;
  }

  std::string Insert(std::string_view schema, const py::handle& record) {
    const std::string json = JsonObject(record, "record");
    std::string id;
    Call([&](SchemaManager* schemas) { return schemas->Insert(schema, json, &id); });
    return id;
  }

  // The records, dicts, in one transaction (InsertBatch); their ids.
  // Positions count from `first`, the records the caller's earlier batches
  // held: a refused record raises InvalidArgumentError "record <position>:
  // ..." with the position as its `index` attribute.
  std::vector<std::string> InsertBatch(std::string_view schema, const py::list& records,
                                       uint64_t first) {
    std::vector<std::string> texts;
    texts.reserve(records.size());
    for (size_t i = 0; i < records.size(); ++i) {
      texts.push_back(JsonObject(records[i], ("record " + std::to_string(first + i)).c_str()));
    }
    const std::vector<std::string_view> views(texts.begin(), texts.end());
    InsertBatchReport report;
    Call([&](SchemaManager* schemas) {
      Status s = schemas->InsertBatch(schema, views, &report);
      // Raised below, with the position in the caller's records.
      return report.rejected != InsertBatchReport::kNone ? Status::OK() : s;
    });
    if (report.rejected != InsertBatchReport::kNone) {
      const uint64_t position = first + report.rejected;
      RaiseInvalidArgument("record " + std::to_string(position) + ": " + report.reason, "index",
                           py::int_(position));
    }
    return report.ids;
  }

  void Update(std::string_view schema, std::string_view id, const py::handle& record) {
    const std::string json = JsonObject(record, "record");
    Call([&](SchemaManager* schemas) { return schemas->Update(schema, id, json); });
  }

  std::vector<std::string> Delete(std::string_view schema, std::string_view id) {
    DeleteReport report;
    Call([&](SchemaManager* schemas) { return schemas->Delete(schema, id, &report); });
    return report.deleted;
  }

  py::tuple Migrate(std::string_view name) {
    MigrationReport report;
    Call([&](SchemaManager* schemas) { return schemas->Migrate(name, &report); });
    return py::make_tuple(report.rewritten, report.current);
  }

  py::object GetRecord(std::string_view schema, std::string_view id) {
    SchemaRecord r;
    if (!CallRead(schema, [&](SchemaManager* schemas) { return schemas->Get(schema, id, &r); })) {
      return py::none();
    }
    return RecordTuple(r);
  }

  py::list Find(std::string_view schema, const py::handle& where) {
    const Conditions conditions = ConditionList(where);
    std::vector<SchemaRecord> records;
    Call([&](SchemaManager* schemas) { return schemas->Find(schema, conditions, &records); });
    return RecordList(records);
  }

  py::object GetAsOf(std::string_view schema, std::string_view id, double as_of) {
    CheckTime(as_of, "as_of");
    SchemaRecord r;
    if (!CallRead(schema, [&](SchemaManager* schemas) {
          return schemas->GetAsOf(schema, id, as_of, &r);
        })) {
      return py::none();
    }
    return RecordTuple(r);
  }

  py::list FindAsOf(std::string_view schema, const py::handle& where, double as_of) {
    CheckTime(as_of, "as_of");
    const Conditions conditions = ConditionList(where);
    std::vector<SchemaRecord> records;
    Call([&](SchemaManager* schemas) {
      return schemas->FindAsOf(schema, conditions, as_of, &records);
    });
    return RecordList(records);
  }

  py::list History(std::string_view schema, std::string_view id) {
    std::vector<SchemaRecord> records;
    Call([&](SchemaManager* schemas) { return schemas->History(schema, id, &records); });
    return RecordList(records);
  }

  const py::object& database() const { return database_; }

 private:
  // Kept so the Database is not collected (and closed) while this is used.
  py::object database_;
  std::shared_ptr<DbHandle> h_;
};

}  // namespace

void BindSchema(py::module_& m) {
  py::class_<PySchemaManager>(m, "SchemaManager",
                              "The schemas of a database (see spirapi.schema.SchemaManager).")
      .def(py::init<const py::object&>(), py::arg("database"))
      .def_property_readonly("database", &PySchemaManager::database)
      .def("create_schema", &PySchemaManager::Create, py::arg("name"), py::arg("zone"),
           py::arg("fields"))
      .def("get_schema", &PySchemaManager::Get, py::arg("name"))
      .def("list_schemas", &PySchemaManager::List)
      .def("evolve", &PySchemaManager::Evolve, py::arg("name"), py::arg("action"),
           py::arg("field") = "", py::arg("definition") = py::none(), py::arg("new_name") = "",
           py::arg("reason") = "")
      .def("rollback", &PySchemaManager::Rollback, py::arg("name"), py::arg("to_version"),
           py::arg("force") = false)
      .def("export_schema", &PySchemaManager::Export, py::arg("name"),
           py::arg("format") = "json_schema")
      .def("import_schema", &PySchemaManager::Import, py::arg("name"), py::arg("json_schema"))
      .def("insert", &PySchemaManager::Insert, py::arg("schema"), py::arg("record"))
      .def("insert_batch", &PySchemaManager::InsertBatch, py::arg("schema"), py::arg("records"),
           py::arg("first") = 0)
      .def("update", &PySchemaManager::Update, py::arg("schema"), py::arg("id"), py::arg("record"))
      .def("delete", &PySchemaManager::Delete, py::arg("schema"), py::arg("id"))
      .def("migrate", &PySchemaManager::Migrate, py::arg("name"))
      .def("get", &PySchemaManager::GetRecord, py::arg("schema"), py::arg("id"))
      .def("find", &PySchemaManager::Find, py::arg("schema"), py::arg("where"))
      .def("get_as_of", &PySchemaManager::GetAsOf, py::arg("schema"), py::arg("id"),
           py::arg("as_of"))
      .def("find_as_of", &PySchemaManager::FindAsOf, py::arg("schema"), py::arg("where"),
           py::arg("as_of"))
      .def("history", &PySchemaManager::History, py::arg("schema"), py::arg("id"));
}

}  // namespace spirapi::python
