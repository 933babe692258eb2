// Cleanup and compression optimization (include/spirapi/maintenance.h,
// DB::SetCompression): set_compression() stores a codec and level,
// cleanup() deletes records by age. The Python layer (database.py) checks
// the arguments and documents them.

#include <string>

#include "db_handle.h"
#include "lazy_store.h"
#include "spirapi/maintenance.h"

namespace spirapi::python {

void BindMaintenance(py::module_& m) {
  m.def(
      "set_compression",
      [](const py::handle& database, const std::string& codec_name, int level) {
        std::shared_ptr<DbHandle> h = DatabaseArgument(database);
        CompressionCodec codec;
        if (!ParseCompressionCodec(codec_name, &codec)) {
          RaiseIfError(Status::InvalidArgument("codec '" + codec_name +
                                               "' is not one of zstd, lzma, none"));
        }
        CallEngine(*h, [&](DB* db) { return db->SetCompression(codec, level); });
      },
      py::arg("database"), py::arg("codec"), py::arg("level"));

  m.def(
      "cleanup",
      [](const py::handle& database, double older_than_days, int component, uint64_t batch,
         bool dry_run, bool sync) {
        std::shared_ptr<DbHandle> h = DatabaseArgument(database);
        CleanupOptions options;
        options.older_than_days = older_than_days;
        if (component >= 0) {
          if (component >= kNumComponents) {
            RaiseIfError(Status::InvalidArgument("no component number " +
                                                 std::to_string(component)));
          }
          options.component = static_cast<Component>(component);
        }
        options.batch = static_cast<size_t>(batch);
        options.dry_run = dry_run;
        options.sync = sync;
        CleanupResult result;
        CallEngine(*h, [&](DB* db) { return CleanupOlderThan(db, options, &result); });
        py::dict per;
        for (Component c : kAllComponents) {
          per[ComponentName(c)] = result.deleted_per_component[static_cast<int>(c)];
        }
        py::dict out;
        out["deleted"] = result.deleted;
        out["skipped"] = result.skipped;
        out["cutoff"] = static_cast<double>(result.cutoff_us) / 1e6;
        out["dry_run"] = dry_run;
        out["components"] = per;
        return out;
      },
      py::arg("database"), py::arg("older_than_days"), py::arg("component"), py::arg("batch"),
      py::arg("dry_run"), py::arg("sync"));
}

}  // namespace spirapi::python
