// RemoveJournalTails: the one rule by which SpiraPi deletes a journal tail
// (journal/NNNNNN-O.tail), which open never does: asked to, for tails older
// than an age the caller chose.

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "spirapi/file_system.h"
#include "spirapi/maintenance.h"
#include "storage/filenames.h"

namespace spirapi {
namespace {

constexpr double kMicrosPerDay = 86400.0 * 1e6;

Status ModifiedMicros(const std::string& path, int64_t* us) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return Status::IOError("cannot stat '" + path + "'");
  *us = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000 + st.st_mtim.tv_nsec / 1000;
  return Status::OK();
}

}  // namespace

Status RemoveJournalTails(const std::string& path, double older_than_days, bool dry_run,
                          std::vector<JournalTailFile>* removed) {
  removed->clear();
  if (!(older_than_days > 0)) {
    return Status::InvalidArgument("journal tails: older_than_days must be a number > 0");
  }
  FileSystem* fs = FileSystem::Default();
  if (!fs->FileExists(path + "/" + kManifestName)) {
    return Status::InvalidArgument("'" + path + "' holds no SpiraPi database");
  }
  // The lock keeps a writer from opening the database meanwhile, and so from
  // reporting a tail that is about to go. Listing alone needs none.
  std::unique_ptr<FileLock> lock;
  if (!dry_run) {
    Status s = fs->LockFile(path + "/" + kLockName, &lock);
    if (!s.ok()) return s;
  }
  const std::string dir = path + "/" + kJournalDir;
  std::vector<std::string> names;
  Status s = fs->GetChildren(dir, &names);
  if (!s.ok()) return s;
  std::sort(names.begin(), names.end());
  const int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const double age_us = older_than_days * kMicrosPerDay;
  bool any = false;
  for (const std::string& name : names) {
    uint64_t number, offset;
    if (!ParseJournalTailName(name, &number, &offset)) continue;
    JournalTailFile t;
    t.file = std::string(kJournalDir) + "/" + name;
    const std::string full = path + "/" + t.file;
    s = ModifiedMicros(full, &t.modified_us);
    if (s.ok()) s = fs->GetFileSize(full, &t.bytes);
    if (!s.ok()) return s;
    if (static_cast<double>(now - t.modified_us) <= age_us) continue;
    if (!dry_run) {
      s = fs->RemoveFile(full);
      if (!s.ok()) return s;
      any = true;
    }
    removed->push_back(std::move(t));
  }
  // The removals last through a crash, as the tails' creation did.
  return any ? fs->SyncDir(dir) : Status::OK();
}

}  // namespace spirapi
