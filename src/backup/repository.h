// A backup repository's files (docs/BACKUP.md, "Repository format"):
//
//   REPOSITORY              what it is, and the id of the database it serves
//   LOCK                    held (flock) by the one backup, archive, prune or
//                           restore running
//   objects/XX/<sha256>     file contents, named by their SHA-256 (XX: its
//                           first two hex digits); never changed once written
//   backups/<id>            one record per complete backup
//   journals/<NNNNNN>-<size>  one record per archived journal
//   tmp/                    copies being written; anything there is garbage
//
// Every record is a line of compact JSON and a line with its SHA-256, as the
// database's MANIFEST, written to tmp/, synced and renamed into place (then
// the directory synced): it is there whole or not at all. A backup exists
// once its record does, and its record is written after all its objects are
// durable.

#ifndef SPIRAPI_BACKUP_REPOSITORY_H_
#define SPIRAPI_BACKUP_REPOSITORY_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "spirapi/backup.h"
#include "spirapi/file_system.h"
#include "spirapi/status.h"

namespace spirapi::backup {

// A file of a backup: its path in the database directory and its contents.
struct FileRef {
  std::string path;  // e.g. "sequence/000012.seg", "journal/000013.log", "MANIFEST"
  uint64_t size = 0;
  std::string sha256;  // hex: the object holding it
};

struct BackupRecord {
  BackupInfo info;
  std::string database_id;
  FileRef manifest;
  std::vector<FileRef> files;  // segments and journals, journals in number order
};

// An archived journal: a sealed journal copied whole.
struct ArchivedJournal {
  uint64_t number = 0;
  FileRef file;
  // The journal the database wrote before this one, or 0 if it is unknown
  // (a journal between them was flushed and deleted before it was archived).
  uint64_t prev = 0;
  uint64_t first_seq = 0;  // 0 if it holds no commit
  uint64_t last_seq = 0;
  int64_t archived_us = 0;
};

// Called with bytes copied so far; false cancels.
using CopyProgress = std::function<bool(uint64_t bytes)>;

class Repository {
 public:
  // Opens the repository at path. create: make it if the directory holds
  // none. lock: take LOCK (Busy if another process or thread holds it).
  static Status Open(FileSystem* fs, const std::string& path, bool create, bool lock,
                     std::unique_ptr<Repository>* out);

  const std::string& path() const { return path_; }
  const std::string& database_id() const { return database_id_; }
  // Makes this the repository of database_id if it serves none yet (written
  // durably); InvalidArgument if it serves another.
  Status Bind(const std::string& database_id);

  std::string ObjectPath(std::string_view sha256) const;
  // The object exists with this size.
  bool HasObject(std::string_view sha256, uint64_t size);
  // Stores `size` bytes of src (from offset 0) as an object. *new_bytes
  // grows by what was written (0 if the repository held them already).
  Status AddObject(const RandomAccessFile& src, uint64_t size, const CopyProgress& progress,
                   FileRef* ref, uint64_t* new_bytes);
  Status AddObjectBytes(std::string_view bytes, FileRef* ref, uint64_t* new_bytes);
  // Reads an object whole, checking its size and SHA-256 (Corruption naming
  // the object otherwise).
  Status ReadObject(const FileRef& ref, std::string* contents);
  // Writes the first `length` bytes of an object (all if length is
  // ref.size) to a new file at dest, synced; the whole object is checked
  // against its SHA-256 on the way (Corruption otherwise, dest removed).
  Status CopyObjectTo(const FileRef& ref, uint64_t length, const std::string& dest,
                      const CopyProgress& progress);
  // Reads an object in pieces, checking it; fn sees each piece.
  Status CheckObject(const FileRef& ref, const std::function<void(std::string_view)>& fn);

  Status WriteBackup(const BackupRecord& record);
  // Every backup, oldest first. A record that does not check is Corruption.
  Status ReadBackups(std::vector<BackupRecord>* records);
  // The backups' ids, oldest first, and one backup by id.
  Status BackupNames(std::vector<std::string>* names);
  Status ReadBackup(const std::string& id, BackupRecord* record);
  Status RemoveBackup(const std::string& id);
  // A backup id for a snapshot taken at created_us that no backup has.
  std::string NewBackupId(int64_t created_us);

  Status WriteArchivedJournal(const ArchivedJournal& journal);
  // Every archived journal, by number (several copies of one number: the
  // longest last).
  Status ReadArchive(std::vector<ArchivedJournal>* journals);
  Status RemoveArchivedJournal(const ArchivedJournal& journal);
  // Number -> size of the longest archived copy, from the records' names
  // alone (the archive runs at every journal seal: it must not read them all).
  Status ArchivedSizes(std::map<uint64_t, uint64_t>* sizes);

  // Every object's name (sha256), for prune.
  Status ListObjects(std::vector<std::string>* names);
  Status RemoveObject(std::string_view sha256);
  // Removes what interrupted copies left in tmp/.
  void ClearTemporary();

 private:
  Repository(FileSystem* fs, std::string path) : fs_(fs), path_(std::move(path)) {}
  Status WriteRecordFile(const std::string& dir, const std::string& name, const std::string& body);
  Status ReadRecordFile(const std::string& path, std::string* body);
  // A new, empty file in tmp/.
  Status NewTemporary(std::string* path, std::unique_ptr<WritableFile>* file);
  // Renames a synced temporary into objects/.
  Status InstallObject(const std::string& tmp, const FileRef& ref, uint64_t* new_bytes);

  FileSystem* const fs_;
  const std::string path_;
  std::string database_id_;
  std::unique_ptr<FileLock> lock_;
  uint64_t temporaries_ = 0;
};

// ArchiveJournals, and for the database's own process (own_process), which
// keeps flushed journals until they are archived: those are archived too.
// chain_intact: no journal was deleted unarchived since the archive's newest
// one, so none lies between it and the oldest journal there is. *held gets
// every sealed journal the archive now holds whole (the engine may delete
// those).
Status ArchiveSealedJournals(const std::string& db_path, const std::string& repository,
                             const BackupOptions& options, bool own_process, bool chain_intact,
                             int* archived, bool* gap, std::vector<uint64_t>* held);

// The number of the last journal a backup holds (0 if none).
uint64_t LastJournalNumber(const BackupRecord& record);

// "20261207T190512.004251Z" for created_us.
std::string FormatBackupTime(int64_t time_us);
int64_t NowMicros();

}  // namespace spirapi::backup

#endif  // SPIRAPI_BACKUP_REPOSITORY_H_
