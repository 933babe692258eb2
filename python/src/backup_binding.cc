// spirapi._spirapi's backups (include/spirapi/backup.h): DB::Backup of an
// open Database, and the functions that take paths and need no open
// database. Results are dicts of plain values; the Python layer
// (spirapi/backup.py) turns them into dataclasses and documents the API.
// Paths arrive as bytes (os.fsencode), so any path the OS accepts works.
// Every call runs on a worker thread (RunInterruptibly): Ctrl-C stops those
// with progress at their next report, the others when they finish.

#include <pybind11/stl.h>

#include <optional>

#include "db_handle.h"
#include "spirapi/backup.h"

namespace spirapi::python {

namespace {

// Engine text (a path, a damage line) as str, bytes that are not UTF-8
// shown as \xNN escapes.
py::str Text(const std::string& s) {
  PyObject* o =
      PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "backslashreplace");
  if (o == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(o);
}

py::list TextList(const std::vector<std::string>& v) {
  py::list out;
  for (const std::string& s : v) out.append(Text(s));
  return out;
}

py::dict InfoDict(const BackupInfo& b) {
  py::dict d;
  d["id"] = Text(b.id);
  d["created_us"] = b.created_us;
  d["finished_us"] = b.finished_us;
  d["commit"] = b.commit;
  d["files"] = b.files;
  d["bytes"] = b.bytes;
  d["new_bytes"] = b.new_bytes;
  d["encrypted"] = b.encrypted;
  return d;
}

std::function<bool(double)> ReportTo(Interruptible* state) {
  return [state](double f) { return state->Report(f); };
}

py::dict DatabaseBackup(const py::handle& database, const std::string& repository,
                        const py::object& progress) {
  std::shared_ptr<DbHandle> h = HandleOf(database);
  BackupInfo info;
  RunInterruptibly(*h, progress, [&](DB* db, Interruptible* state) {
    BackupOptions o;
    o.progress = ReportTo(state);
    return db->Backup(repository, o, &info);
  });
  return InfoDict(info);
}

py::dict Backup(const std::string& db_path, const std::string& repository,
                const py::object& progress) {
  BackupInfo info;
  RunInterruptibly(progress, [&](Interruptible* state) {
    BackupOptions o;
    o.progress = ReportTo(state);
    return BackupDatabase(db_path, repository, o, &info);
  });
  return InfoDict(info);
}

py::tuple Archive(const std::string& db_path, const std::string& repository,
                  const py::object& progress) {
  int archived = 0;
  bool gap = false;
  RunInterruptibly(progress, [&](Interruptible* state) {
    BackupOptions o;
    o.progress = ReportTo(state);
    return ArchiveJournals(db_path, repository, o, &archived, &gap);
  });
  return py::make_tuple(archived, gap);
}

py::list List(const std::string& repository) {
  std::vector<BackupInfo> backups;
  RunInterruptibly(py::none(), [&](Interruptible*) { return ListBackups(repository, &backups); });
  py::list out;
  for (const BackupInfo& b : backups) out.append(InfoDict(b));
  return out;
}

py::dict Restore(const std::string& repository, const std::string& target,
                 const std::string& backup_id, uint64_t to_commit,
                 const std::optional<int64_t>& to_time_us, const std::string& passphrase,
                 const py::object& progress) {
  RestoreInfo info;
  RunInterruptibly(progress, [&](Interruptible* state) {
    RestoreOptions o;
    o.backup_id = backup_id;
    o.to_commit = to_commit;
    o.has_to_time = to_time_us.has_value();
    o.to_time_us = to_time_us.value_or(0);
    o.passphrase = passphrase;
    o.progress = ReportTo(state);
    return RestoreBackup(repository, target, o, &info);
  });
  py::dict d;
  d["backup_id"] = Text(info.backup_id);
  d["commit"] = info.commit;
  d["journals_replayed"] = info.journals_replayed;
  d["bytes"] = info.bytes;
  return d;
}

py::dict Verify(const std::string& repository, const std::string& backup_id,
                const std::string& passphrase) {
  BackupVerifyReport report;
  RunInterruptibly(py::none(), [&](Interruptible*) {
    BackupVerifyOptions o;
    o.backup_id = backup_id;
    o.passphrase = passphrase;
    return VerifyBackups(repository, o, &report);
  });
  py::dict d;
  d["backups_checked"] = report.backups_checked;
  d["files_checked"] = report.files_checked;
  d["records_checked"] = report.records_checked;
  d["bytes_checked"] = report.bytes_checked;
  d["damage"] = TextList(report.damage);
  d["skipped"] = TextList(report.skipped);
  return d;
}

py::dict Prune(const std::string& repository, int keep_last, int keep_daily, int keep_weekly,
               bool dry_run) {
  PruneResult result;
  RunInterruptibly(py::none(), [&](Interruptible*) {
    PruneOptions o;
    o.keep_last = keep_last;
    o.keep_daily = keep_daily;
    o.keep_weekly = keep_weekly;
    o.dry_run = dry_run;
    return PruneBackups(repository, o, &result);
  });
  py::dict d;
  d["kept"] = TextList(result.kept);
  d["removed"] = TextList(result.removed);
  d["files_removed"] = result.files_removed;
  d["bytes_removed"] = result.bytes_removed;
  d["journals_removed"] = result.journals_removed;
  return d;
}

int64_t ParseTime(const py::handle& text) {
  int64_t us = 0;
  RaiseIfError(ParseRestoreTime(std::string(TextArgument(text, "to_time")), &us));
  return us;
}

}  // namespace

void BindBackup(py::module_& m) {
  m.def("database_backup", &DatabaseBackup, py::arg("database"), py::arg("repository"),
        py::arg("progress") = py::none());
  m.def("backup_database", &Backup, py::arg("db_path"), py::arg("repository"),
        py::arg("progress") = py::none());
  m.def("archive_journals", &Archive, py::arg("db_path"), py::arg("repository"),
        py::arg("progress") = py::none());
  m.def("list_backups", &List, py::arg("repository"));
  m.def("restore_backup", &Restore, py::arg("repository"), py::arg("target"), py::arg("backup_id"),
        py::arg("to_commit"), py::arg("to_time_us"), py::arg("passphrase"),
        py::arg("progress") = py::none());
  m.def("verify_backups", &Verify, py::arg("repository"), py::arg("backup_id"),
        py::arg("passphrase"));
  m.def("prune_backups", &Prune, py::arg("repository"), py::arg("keep_last"), py::arg("keep_daily"),
        py::arg("keep_weekly"), py::arg("dry_run"));
  m.def("parse_restore_time", &ParseTime, py::arg("text"));
}

}  // namespace spirapi::python
