// PruneBackups: retention by count, day and ISO week; then the files and
// archived journals no kept backup needs. Backup records go first, files
// after, so that a crash leaves garbage, never a kept backup without a file.

#include <algorithm>
#include <ctime>
#include <set>

#include "backup/repository.h"
#include "spirapi/backup.h"

namespace spirapi {
namespace {

using backup::ArchivedJournal;
using backup::BackupRecord;
using backup::FileRef;
using backup::Repository;

std::string PeriodOf(int64_t time_us, const char* format) {
  const time_t secs = static_cast<time_t>(time_us / 1000000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), format, &tm);
  return buf;
}

// Keeps the newest backup of each of the newest `count` periods.
void KeepPerPeriod(const std::vector<BackupRecord>& newest_first, int count, const char* format,
                   std::set<std::string>* keep) {
  std::set<std::string> periods;
  for (const BackupRecord& b : newest_first) {
    if (static_cast<int>(periods.size()) >= count) break;
    if (periods.insert(PeriodOf(b.info.created_us, format)).second) keep->insert(b.info.id);
  }
}

}  // namespace

Status PruneBackups(const std::string& repository, const PruneOptions& options,
                    PruneResult* result) {
  *result = PruneResult();
  if (options.keep_last < 0 || options.keep_daily < 0 || options.keep_weekly < 0) {
    return Status::InvalidArgument("keep counts must not be negative");
  }
  if (options.keep_last == 0 && options.keep_daily == 0 && options.keep_weekly == 0) {
    return Status::InvalidArgument(
        "prune needs a rule to keep backups (--keep-last, --keep-daily or --keep-weekly): "
        "without one it would delete every backup");
  }
  FileSystem* fs = options.file_system != nullptr ? options.file_system : FileSystem::Default();
  std::unique_ptr<Repository> repo;
  Status s = Repository::Open(fs, repository, /*create=*/false, /*lock=*/true, &repo);
  std::vector<BackupRecord> backups;
  std::vector<ArchivedJournal> archive;
  if (s.ok()) s = repo->ReadBackups(&backups);
  if (s.ok()) s = repo->ReadArchive(&archive);
  if (!s.ok()) return s;
  std::vector<BackupRecord> newest_first(backups.rbegin(), backups.rend());
  std::stable_sort(newest_first.begin(), newest_first.end(), [](const auto& a, const auto& b) {
    return a.info.created_us > b.info.created_us;
  });
  std::set<std::string> keep;
  for (int i = 0; i < options.keep_last && i < static_cast<int>(newest_first.size()); ++i) {
    keep.insert(newest_first[i].info.id);
  }
  KeepPerPeriod(newest_first, options.keep_daily, "%Y-%m-%d", &keep);
  KeepPerPeriod(newest_first, options.keep_weekly, "%G-W%V", &keep);

  std::set<std::string> needed;
  uint64_t first_journal = UINT64_MAX;
  for (const BackupRecord& b : backups) {
    if (!keep.count(b.info.id)) {
      result->removed.push_back(b.info.id);
      continue;
    }
    result->kept.push_back(b.info.id);
    needed.insert(b.manifest.sha256);
    for (const FileRef& f : b.files) needed.insert(f.sha256);
    first_journal = std::min(first_journal, backup::LastJournalNumber(b));
  }
  if (!options.dry_run) {
    for (const std::string& id : result->removed) {
      s = repo->RemoveBackup(id);
      if (!s.ok()) return s;
    }
  }
  // Archived journals lead on from a backup's last journal: those older
  // than the oldest kept backup's can serve no restore.
  for (const ArchivedJournal& j : archive) {
    if (j.number < first_journal) {
      ++result->journals_removed;
      if (!options.dry_run) {
        s = repo->RemoveArchivedJournal(j);
        if (!s.ok()) return s;
      }
    } else {
      needed.insert(j.file.sha256);
    }
  }
  std::vector<std::string> objects;
  s = repo->ListObjects(&objects);
  if (!s.ok()) return s;
  for (const std::string& sha : objects) {
    if (needed.count(sha)) continue;
    uint64_t size = 0;
    fs->GetFileSize(repo->ObjectPath(sha), &size);
    ++result->files_removed;
    result->bytes_removed += size;
    if (!options.dry_run) {
      s = repo->RemoveObject(sha);
      if (!s.ok()) return s;
    }
  }
  if (!options.dry_run) repo->ClearTemporary();
  return Status::OK();
}

}  // namespace spirapi
