// spirapi._spirapi.Database, Transaction and Snapshot: the engine's DB with
// JSON text in and out. The public, documented API is the Python layer
// (spirapi/database.py), which converts Python values to and from JSON.

#include <pybind11/stl.h>

#include <optional>

#include "db_handle.h"
#include "json_value.h"

namespace spirapi::python {

namespace {

Component ComponentArgument(int c) {
  if (c < 0 || c >= kNumComponents) {
    RaiseIfError(Status::InvalidArgument("no component number " + std::to_string(c)));
  }
  return static_cast<Component>(c);
}

py::bytes Bytes(std::string_view s) { return py::bytes(s.data(), s.size()); }

// A record as the tuple the Python layer turns into a StorageRecord:
// (id, component, data JSON, metadata JSON, timestamp, checksum, version, blob).
py::tuple RecordTuple(const StorageRecord& r) {
  return py::make_tuple(r.id, static_cast<int>(r.data_type), r.data, r.metadata, r.timestamp,
                        r.checksum, r.version, Bytes(r.blob));
}

py::tuple PinnedTuple(const PinnedRecord& r) {
  return py::make_tuple(py::str(r.id().data(), r.id().size()), static_cast<int>(r.data_type()),
                        py::str(r.data().data(), r.data().size()),
                        py::str(r.metadata().data(), r.metadata().size()), r.timestamp(),
                        r.checksum(), r.version(), Bytes(r.blob()));
}

// A record's parts for a write: data and metadata as Python values (as_json
// false) or as JSON text (as_json true), and the blob as bytes or None.
struct WriteParts {
  std::string data_buffer, metadata_buffer, blob_buffer;
  std::string_view data, metadata, blob;
};

void MakeWriteParts(const py::handle& data, const py::handle& metadata, const py::handle& blob,
                    bool as_json, WriteParts* p) {
  if (as_json) {
    p->data = TextArgument(data, "data");
    p->metadata = metadata.is_none() ? std::string_view("{}") : TextArgument(metadata, "metadata");
  } else {
    AppendJson(data, "data", &p->data_buffer);
    p->data = p->data_buffer;
    if (metadata.is_none()) {
      p->metadata = "{}";
    } else {
      if (!PyDict_Check(metadata.ptr())) {
        RaiseIfError(Status::InvalidArgument("metadata must be a dict, not " +
                                             std::string(Py_TYPE(metadata.ptr())->tp_name)));
      }
      AppendJson(metadata, "metadata", &p->metadata_buffer);
      p->metadata = p->metadata_buffer;
    }
  }
  if (!blob.is_none()) {
    if (!PyBytes_Check(blob.ptr()) && !PyByteArray_Check(blob.ptr()) &&
        !PyMemoryView_Check(blob.ptr())) {
      RaiseIfError(Status::InvalidArgument("blob must be bytes, bytearray or memoryview, not " +
                                           std::string(Py_TYPE(blob.ptr())->tp_name)));
    }
    if (PyBytes_Check(blob.ptr())) {
      p->blob = std::string_view(PyBytes_AS_STRING(blob.ptr()),
                                 static_cast<size_t>(PyBytes_GET_SIZE(blob.ptr())));
    } else {
      // Copied: a bytearray could change size while the GIL is released.
      PyObject* copy = PyBytes_FromObject(blob.ptr());
      if (copy == nullptr) throw py::error_already_set();
      py::bytes owned = py::reinterpret_steal<py::bytes>(copy);
      p->blob_buffer = std::string(owned);
      p->blob = p->blob_buffer;
    }
  }
}

template <typename T>
std::optional<T> Take(py::dict& d, const char* key) {
  if (!d.contains(key)) return std::nullopt;
  py::object v = d[key];
  PyDict_DelItemString(d.ptr(), key);
  if (v.is_none()) return std::nullopt;
  try {
    if constexpr (std::is_same_v<T, bool>) {
      if (!PyBool_Check(v.ptr())) throw py::cast_error();
    } else if constexpr (std::is_integral_v<T>) {
      if (PyBool_Check(v.ptr()) || !PyLong_Check(v.ptr())) throw py::cast_error();
    }
    return v.cast<T>();
  } catch (const py::cast_error&) {
    RaiseIfError(Status::InvalidArgument(std::string("option ") + key + ": " +
                                         std::string(py::repr(v)) + " is not a valid value"));
  }
  return std::nullopt;
}

Options ParseOptions(const py::dict& given) {
  py::dict d(given);  // a copy we may consume
  Options o;
  if (auto v = Take<bool>(d, "create_if_missing")) o.create_if_missing = *v;
  if (auto v = Take<bool>(d, "error_if_exists")) o.error_if_exists = *v;
  if (auto v = Take<std::string>(d, "compression_codec")) {
    CompressionCodec codec;
    if (!ParseCompressionCodec(*v, &codec)) {
      RaiseIfError(Status::InvalidArgument("option compression_codec: '" + *v +
                                           "' is not one of zstd, lzma, none"));
    }
    o.compression_codec = codec;
  }
  o.compression_level = Take<int>(d, "compression_level");
  o.max_file_size_mb = Take<int>(d, "max_file_size_mb");
  o.block_size_kib = Take<int>(d, "block_size_kib");
  o.backup_interval_hours = Take<int>(d, "backup_interval_hours");
  if (auto v = Take<bool>(d, "encryption_enabled")) o.encryption_enabled = *v;
  if (auto v = Take<std::string>(d, "passphrase")) o.passphrase = *v;
  if (auto v = Take<bool>(d, "verify_checksums")) o.verify_checksums = *v;
  if (auto v = Take<uint64_t>(d, "block_cache_bytes")) o.block_cache_bytes = *v;
  if (auto v = Take<bool>(d, "warm_cache_on_open")) o.warm_cache_on_open = *v;
  if (auto v = Take<int>(d, "max_versions_kept")) o.max_versions_kept = *v;
  if (auto v = Take<bool>(d, "background_work")) o.background_work = *v;
  if (auto v = Take<double>(d, "compaction_garbage_ratio")) o.compaction_garbage_ratio = *v;
  if (auto v = Take<int>(d, "background_threads")) o.background_threads = *v;
  if (auto v = Take<bool>(d, "read_only")) o.read_only = *v;
  if (auto v = Take<std::string>(d, "backup_repository")) o.backup_repository = *v;
  if (auto v = Take<bool>(d, "archive_journals")) o.archive_journals = *v;
  if (auto v = Take<bool>(d, "record_metrics")) o.record_metrics = *v;
  if (auto v = Take<int>(d, "metrics_interval_seconds")) o.metrics_interval_seconds = *v;
  if (!d.empty()) {
    std::string names;
    for (auto item : d) names += (names.empty() ? "" : ", ") + std::string(py::str(item.first));
    RaiseIfError(Status::InvalidArgument("unknown option(s): " + names));
  }
  return o;
}

class PySnapshot : public DbChild {
 public:
  PySnapshot(std::shared_ptr<DbHandle> h, const Snapshot* s) : h_(std::move(h)), snapshot_(s) {
    h_->Register(this);
  }
  ~PySnapshot() override {
    py::gil_scoped_release release;
    Release();
  }
  void Release() {
    h_->Unregister(this);
    std::shared_lock<std::shared_mutex> l(h_->mu);
    if (snapshot_ != nullptr && h_->db) h_->db->ReleaseSnapshot(snapshot_);
    snapshot_ = nullptr;
  }
  void Invalidate() override {  // under the exclusive lock: the DB is still there
    if (snapshot_ != nullptr) h_->db->ReleaseSnapshot(snapshot_);
    snapshot_ = nullptr;
  }
  // With the shared lock held.
  Status Get(const Snapshot** out) const {
    if (snapshot_ == nullptr) return Status::InvalidArgument("the snapshot was released");
    *out = snapshot_;
    return Status::OK();
  }
  bool released() const { return snapshot_ == nullptr; }
  const std::shared_ptr<DbHandle>& handle() const { return h_; }

 private:
  std::shared_ptr<DbHandle> h_;
  const Snapshot* snapshot_;
};

// A read's snapshot argument: None or a Snapshot. Taken as a handle, not as
// `const PySnapshot*`, because pybind11 (2.10) turns None into nullptr only
// after probing type(None) for a foreign module's caster: a failed getattr
// whose AttributeError cost ~0.4 µs per call (exists(): 660 ns with None, 245
// ns with a snapshot; bench/python_bench.py). Needs the GIL.
const PySnapshot* SnapshotArgument(const py::handle& snapshot) {
  if (snapshot.is_none()) return nullptr;
  if (!py::isinstance<PySnapshot>(snapshot)) {
    throw py::type_error(std::string("snapshot must be a Snapshot or None, not ") +
                         Py_TYPE(snapshot.ptr())->tp_name);
  }
  return snapshot.cast<const PySnapshot*>();
}

// ReadOptions of an optional snapshot, which must belong to this database.
// With the shared lock held.
Status MakeReadOptions(const DbHandle& h, const PySnapshot* snap, ReadOptions* ro) {
  if (snap == nullptr) return Status::OK();
  if (snap->handle().get() != &h) {
    return Status::InvalidArgument("the snapshot belongs to another database");
  }
  return snap->Get(&ro->snapshot);
}

class PyTransaction : public DbChild {
 public:
  PyTransaction(std::shared_ptr<DbHandle> h, std::unique_ptr<Transaction> t)
      : h_(std::move(h)), txn_(std::move(t)) {
    h_->Register(this);
  }
  ~PyTransaction() override {
    py::gil_scoped_release release;
    h_->Unregister(this);
    std::shared_lock<std::shared_mutex> l(h_->mu);
    std::lock_guard<std::mutex> tl(mu_);
    txn_.reset();  // rolls back if still open
  }
  void Invalidate() override {
    std::lock_guard<std::mutex> tl(mu_);
    txn_.reset();
  }
  // Runs fn(txn) as CallEngine does, serialised per transaction (a
  // Transaction belongs to one thread at a time).
  template <typename Fn>
  void Call(Fn&& fn) {
    Status s;
    {
      py::gil_scoped_release release;
      std::shared_lock<std::shared_mutex> l(h_->mu);
      std::lock_guard<std::mutex> tl(mu_);
      if (!h_->db) {
        s = ClosedStatus();
      } else if (!txn_) {
        s = Status::InvalidArgument("the transaction is finished");
      } else {
        s = fn(txn_.get());
        if (finished_) txn_.reset();
      }
    }
    RaiseIfError(s);
  }
  void MarkFinished() { finished_ = true; }

 private:
  std::shared_ptr<DbHandle> h_;
  std::mutex mu_;
  std::unique_ptr<Transaction> txn_;
  bool finished_ = false;
};

class PyDatabase {
 public:
  PyDatabase(const std::string& path, const py::dict& options) : h_(std::make_shared<DbHandle>()) {
    Options o = ParseOptions(options);
    h_->path = path;
    Status s;
    {
      py::gil_scoped_release release;
      s = DB::Open(o, path, &h_->db);
    }
    RaiseIfError(s);
  }
  ~PyDatabase() {
    py::gil_scoped_release release;
    h_->Close();
  }

  void Close() {
    py::gil_scoped_release release;
    h_->Close();
  }
  bool closed() {
    py::gil_scoped_release release;
    std::shared_lock<std::shared_mutex> l(h_->mu);
    return !h_->db;
  }

  void Put(int c, const py::handle& id_arg, const py::handle& data, const py::handle& metadata,
           const py::handle& blob, bool sync, bool as_json) {
    std::string_view id = TextArgument(id_arg, "id");
    Component comp = ComponentArgument(c);
    WriteParts p;
    MakeWriteParts(data, metadata, blob, as_json, &p);
    WriteOptions wo;
    wo.sync = sync;
    CallEngine(*h_,
               [&](DB* db) { return db->PutWithBlob(wo, comp, id, p.data, p.metadata, p.blob); });
  }

  py::object Get(int c, const py::handle& id_arg, const py::handle& snapshot) {
    const PySnapshot* snap = SnapshotArgument(snapshot);
    std::string_view id = TextArgument(id_arg, "id");
    Component comp = ComponentArgument(c);
    PinnedRecord r;
    bool found = true;
    CallEngine(*h_, [&](DB* db) {
      ReadOptions ro;
      Status s = MakeReadOptions(*h_, snap, &ro);
      if (s.ok()) s = db->GetPinned(ro, comp, id, &r);
      return AbsentIsOk(s, &found);
    });
    if (!found) return py::none();
    return PinnedTuple(r);
  }

  py::object GetVersion(int c, const py::handle& id_arg, uint64_t version,
                        const py::handle& snapshot) {
    const PySnapshot* snap = SnapshotArgument(snapshot);
    std::string_view id = TextArgument(id_arg, "id");
    Component comp = ComponentArgument(c);
    StorageRecord r;
    bool found = true;
    CallEngine(*h_, [&](DB* db) {
      ReadOptions ro;
      Status s = MakeReadOptions(*h_, snap, &ro);
      if (s.ok()) s = db->GetVersion(ro, comp, id, version, &r);
      return AbsentIsOk(s, &found);
    });
    if (!found) return py::none();
    return RecordTuple(r);
  }

  bool Exists(int c, const py::handle& id_arg, const py::handle& snapshot) {
    const PySnapshot* snap = SnapshotArgument(snapshot);
    std::string_view id = TextArgument(id_arg, "id");
    Component comp = ComponentArgument(c);
    bool exists = false;
    CallEngine(*h_, [&](DB* db) {
      ReadOptions ro;
      Status s = MakeReadOptions(*h_, snap, &ro);
      return s.ok() ? db->Exists(ro, comp, id, &exists) : s;
    });
    return exists;
  }

  bool Delete(int c, const py::handle& id_arg, bool sync) {
    std::string_view id = TextArgument(id_arg, "id");
    Component comp = ComponentArgument(c);
    WriteOptions wo;
    wo.sync = sync;
    bool deleted = true;
    CallEngine(*h_, [&](DB* db) { return AbsentIsOk(db->Delete(wo, comp, id), &deleted); });
    return deleted;
  }

  uint64_t Count(int c, const py::handle& snapshot) {
    const PySnapshot* snap = SnapshotArgument(snapshot);
    Component comp = ComponentArgument(c);
    uint64_t n = 0;
    CallEngine(*h_, [&](DB* db) {
      ReadOptions ro;
      Status s = MakeReadOptions(*h_, snap, &ro);
      return s.ok() ? db->Count(ro, comp, &n) : s;
    });
    return n;
  }

  // Up to `limit` records from `start` (inclusive) to `stop` (exclusive)
  // with ids starting with `prefix`: one page of a Python iterator, which
  // asks for the next from the last id + "\0".
  py::list ScanPage(int c, const py::bytes& start, const py::bytes& stop, const py::bytes& prefix,
                    uint64_t limit, const py::handle& snapshot) {
    const PySnapshot* snap = SnapshotArgument(snapshot);
    Component comp = ComponentArgument(c);
    ScanOptions so;
    so.from = std::string(start);
    so.to = std::string(stop);
    so.prefix = std::string(prefix);
    so.limit = limit;
    std::vector<StorageRecord> page;
    CallEngine(*h_, [&](DB* db) {
      ReadOptions ro;
      Status s = MakeReadOptions(*h_, snap, &ro);
      if (!s.ok()) return s;
      return db->Scan(ro, comp, so, [&](const StorageRecord& r) {
        page.push_back(r);
        return true;
      });
    });
    py::list out;
    for (const StorageRecord& r : page) out.append(RecordTuple(r));
    return out;
  }

  std::unique_ptr<PyTransaction> Begin(bool sync) {
    WriteOptions wo;
    wo.sync = sync;
    std::unique_ptr<Transaction> t;
    CallEngine(*h_, [&](DB* db) { return db->BeginTransaction(wo, &t); });
    return std::make_unique<PyTransaction>(h_, std::move(t));
  }

  std::unique_ptr<PySnapshot> GetSnapshot() {
    const Snapshot* s = nullptr;
    CallEngine(*h_, [&](DB* db) {
      s = db->GetSnapshot();
      return Status::OK();
    });
    return std::make_unique<PySnapshot>(h_, s);
  }

  void Flush() {
    RunInterruptibly(*h_, py::none(), [](DB* db, Interruptible*) { return db->Flush(); });
  }
  void Compact(const py::object& progress) {
    RunInterruptibly(*h_, progress, [](DB* db, Interruptible* state) {
      return db->Compact([state](double f) { return state->Report(f); });
    });
  }
  void CatchUp() {
    CallEngine(*h_, [](DB* db) { return db->CatchUp(); });
  }

  void OptimizeFor(const std::string& goal) {
    OptimizationGoal g;
    if (!ParseOptimizationGoal(goal, &g)) {
      RaiseIfError(Status::InvalidArgument("optimize_for: '" + goal +
                                           "' is not one of speed, space, security"));
    }
    CallEngine(*h_, [&](DB* db) { return db->OptimizeFor(g); });
  }

  std::string StatsJson() {
    DbStats stats;
    CallEngine(*h_, [&](DB* db) { return db->GetStats(&stats); });
    return stats.ToJson();
  }

  std::string MetricsJson() {
    Metrics m;
    CallEngine(*h_, [&](DB* db) { return db->GetMetrics(&m); });
    return m.ToJson();
  }

  std::string MetricsPrometheus() {
    Metrics m;
    CallEngine(*h_, [&](DB* db) { return db->GetMetrics(&m); });
    return m.ToPrometheus();
  }

  // The samples as JSON objects, one per line.
  std::string MetricsHistoryJson(int64_t from_us, int64_t to_us, const std::string& resolution) {
    MetricsHistoryQuery q;
    q.from_us = from_us;
    q.to_us = to_us;
    if (!ParseMetricsResolution(resolution, &q.resolution)) {
      RaiseIfError(Status::InvalidArgument("metrics_history: resolution '" + resolution +
                                           "' is not one of any, minute, hour, day"));
    }
    std::vector<MetricsSample> samples;
    CallEngine(*h_, [&](DB* db) { return ReadMetricsHistory(db, q, &samples); });
    std::string out;
    for (const MetricsSample& m : samples) out += m.ToJson() + "\n";
    return out;
  }

  py::dict Verify(const py::object& progress) {
    VerifyReport report;
    RunInterruptibly(*h_, progress, [&](DB* db, Interruptible* state) {
      return db->Verify(&report, [state](double f) { return state->Report(f); });
    });
    py::list damage;
    for (const Damage& d : report.damage) {
      py::dict item;
      item["file"] = d.file;
      item["offset"] = d.offset;
      item["component"] = d.component;
      item["id"] = py::str(py::bytes(d.id).attr("decode")("utf-8", "replace"));
      item["what"] = d.what;
      damage.append(item);
    }
    py::list tails;
    for (const JournalTail& t : report.journal_tails) tails.append(t.ToString());
    py::dict out;
    out["files_checked"] = report.files_checked;
    out["records_checked"] = report.records_checked;
    out["damage"] = damage;
    out["journal_tails"] = tails;
    out["clean"] = report.clean();
    return out;
  }

  const std::string& path() const { return h_->path; }
  const std::shared_ptr<DbHandle>& handle() const { return h_; }

 private:
  std::shared_ptr<DbHandle> h_;
};

}  // namespace

std::shared_ptr<DbHandle> HandleOf(const py::handle& database) {
  return database.cast<PyDatabase&>().handle();
}

void BindDatabase(py::module_& m) {
  py::class_<PySnapshot>(m, "Snapshot", "A consistent read view; release() when done.")
      .def("release",
           [](PySnapshot& s) {
             py::gil_scoped_release release;
             s.Release();
           })
      .def_property_readonly("released", [](const PySnapshot& s) { return s.released(); });

  py::class_<PyTransaction>(m, "Transaction", "An engine transaction (see spirapi.Transaction).")
      .def(
          "put",
          [](PyTransaction& t, int c, const py::handle& id_arg, const py::handle& data,
             const py::handle& metadata, const py::handle& blob, bool as_json) {
            std::string_view id = TextArgument(id_arg, "id");
            Component comp = ComponentArgument(c);
            WriteParts p;
            MakeWriteParts(data, metadata, blob, as_json, &p);
            t.Call([&](Transaction* txn) {
              return txn->PutWithBlob(comp, id, p.data, p.metadata, p.blob);
            });
          },
          py::arg("component"), py::arg("id"), py::arg("data"), py::arg("metadata"),
          py::arg("blob"), py::arg("as_json") = false)
      .def("get",
           [](PyTransaction& t, int c, const py::handle& id_arg) -> py::object {
             std::string_view id = TextArgument(id_arg, "id");
             Component comp = ComponentArgument(c);
             StorageRecord r;
             bool found = true;
             t.Call([&](Transaction* txn) { return AbsentIsOk(txn->Get(comp, id, &r), &found); });
             if (!found) return py::none();
             return RecordTuple(r);
           })
      .def("exists",
           [](PyTransaction& t, int c, const py::handle& id_arg) {
             std::string_view id = TextArgument(id_arg, "id");
             Component comp = ComponentArgument(c);
             bool exists = false;
             t.Call([&](Transaction* txn) { return txn->Exists(comp, id, &exists); });
             return exists;
           })
      .def("delete",
           [](PyTransaction& t, int c, const py::handle& id_arg) {
             std::string_view id = TextArgument(id_arg, "id");
             Component comp = ComponentArgument(c);
             bool deleted = true;
             t.Call([&](Transaction* txn) { return AbsentIsOk(txn->Delete(comp, id), &deleted); });
             return deleted;
           })
      .def("commit",
           [](PyTransaction& t) {
             t.Call([&](Transaction* txn) {
               t.MarkFinished();
               return txn->Commit();
             });
           })
      .def("rollback", [](PyTransaction& t) {
        t.Call([&](Transaction* txn) {
          t.MarkFinished();
          return txn->Rollback();
        });
      });

  py::class_<PyDatabase>(m, "Database", "An open database (see spirapi.SpiraPiDatabase).")
      .def(py::init<const std::string&, const py::dict&>(), py::arg("path"), py::arg("options"))
      .def("close", &PyDatabase::Close)
      .def_property_readonly("closed", &PyDatabase::closed)
      .def_property_readonly("path", &PyDatabase::path)
      .def("put", &PyDatabase::Put, py::arg("component"), py::arg("id"), py::arg("data"),
           py::arg("metadata"), py::arg("blob"), py::arg("sync"), py::arg("as_json") = false)
      .def("get", &PyDatabase::Get, py::arg("component"), py::arg("id"),
           py::arg("snapshot") = py::none())
      .def("get_version", &PyDatabase::GetVersion, py::arg("component"), py::arg("id"),
           py::arg("version"), py::arg("snapshot") = py::none())
      .def("exists", &PyDatabase::Exists, py::arg("component"), py::arg("id"),
           py::arg("snapshot") = py::none())
      .def("delete", &PyDatabase::Delete, py::arg("component"), py::arg("id"), py::arg("sync"))
      .def("count", &PyDatabase::Count, py::arg("component"), py::arg("snapshot") = py::none())
      .def("scan_page", &PyDatabase::ScanPage, py::arg("component"), py::arg("start"),
           py::arg("stop"), py::arg("prefix"), py::arg("limit"), py::arg("snapshot") = py::none())
      .def("begin_transaction", &PyDatabase::Begin, py::arg("sync"))
      .def("snapshot", &PyDatabase::GetSnapshot)
      .def("flush", &PyDatabase::Flush)
      .def("compact", &PyDatabase::Compact, py::arg("progress") = py::none())
      .def("catch_up", &PyDatabase::CatchUp)
      .def("optimize_for", &PyDatabase::OptimizeFor, py::arg("goal"))
      .def("stats_json", &PyDatabase::StatsJson)
      .def("metrics_json", &PyDatabase::MetricsJson)
      .def("metrics_prometheus", &PyDatabase::MetricsPrometheus)
      .def("metrics_history_json", &PyDatabase::MetricsHistoryJson, py::arg("from_us"),
           py::arg("to_us"), py::arg("resolution"))
      .def("verify", &PyDatabase::Verify, py::arg("progress") = py::none());
}

}  // namespace spirapi::python
