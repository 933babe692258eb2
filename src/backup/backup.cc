// BackupDatabase and ArchiveJournals: copying a live database's files into a
// repository without stopping it (docs/BACKUP.md, "How a backup works").
//
// The files are taken as a read-only instance takes them: read the MANIFEST,
// open the segments it lists and the journals from its journal_floor on,
// read the MANIFEST again. If it changed, a flush or compaction replaced
// files meanwhile, and it starts over; otherwise the open descriptors hold a
// consistent state, which stays readable even if the writer deletes the
// files. Segments never change; journals only grow, so the last one is cut
// at the end of its last frame that checks (a commit still being written is
// left out, as it is not acknowledged yet).

#include "spirapi/backup.h"

#include <algorithm>
#include <map>

#include "backup/journal_walk.h"
#include "backup/repository.h"
#include "storage/filenames.h"
#include "storage/manifest.h"

namespace spirapi {
namespace {

using backup::ArchivedJournal;
using backup::BackupRecord;
using backup::FileRef;
using backup::Repository;

constexpr int kSnapshotAttempts = 10;

struct OpenFile {
  std::string rel;
  uint64_t number = 0;
  uint64_t size = 0;
  std::unique_ptr<RandomAccessFile> file;
};

struct DbSnapshot {
  std::string manifest_bytes;
  Manifest manifest;
  std::vector<OpenFile> segments;
  std::vector<OpenFile> journals;  // number order; the last is the active one
};

Status ReadWhole(FileSystem* fs, const std::string& path, std::string* contents) {
  std::unique_ptr<RandomAccessFile> file;
  uint64_t size = 0;
  Status s = fs->NewRandomAccessFile(path, &file);
  if (s.ok()) s = fs->GetFileSize(path, &size);
  if (s.ok()) s = file->Read(0, size, contents);
  return s;
}

Status OpenSized(FileSystem* fs, const std::string& db, OpenFile* f) {
  Status s = fs->NewRandomAccessFile(db + "/" + f->rel, &f->file);
  if (s.ok()) s = fs->GetFileSize(db + "/" + f->rel, &f->size);
  return s;
}

// One attempt; Busy if the database changed while its files were opened.
Status TrySnapshot(FileSystem* fs, const std::string& db, bool with_segments, bool with_flushed,
                   DbSnapshot* snap) {
  snap->segments.clear();
  snap->journals.clear();
  Status s = ReadWhole(fs, db + "/" + kManifestName, &snap->manifest_bytes);
  if (s.ok()) s = ParseManifest(snap->manifest_bytes, db, &snap->manifest);
  if (s.IsCorruption()) return Status::Busy(s.ToString());  // replaced as it was read
  if (!s.ok()) return s;
  for (Component c : kAllComponents) {
    if (!with_segments) break;  // the journal archive needs none
    for (const SegmentMeta& m : snap->manifest.segments[static_cast<int>(c)]) {
      OpenFile f;
      f.rel = SegmentRelPath(c, m.file_number);
      f.number = m.file_number;
      s = OpenSized(fs, db, &f);
      if (!s.ok()) return Status::Busy(s.ToString());
      snap->segments.push_back(std::move(f));
    }
  }
  std::vector<std::string> names;
  s = fs->GetChildren(db + "/" + kJournalDir, &names);
  if (!s.ok()) return s;
  std::vector<uint64_t> numbers;
  for (const std::string& n : names) {
    uint64_t number;
    if (ParseNumberedName(n, "log", &number) &&
        (with_flushed || number >= snap->manifest.journal_floor)) {
      numbers.push_back(number);
    }
  }
  std::sort(numbers.begin(), numbers.end());
  for (uint64_t number : numbers) {
    OpenFile f;
    f.rel = JournalRelPath(number);
    f.number = number;
    s = OpenSized(fs, db, &f);
    if (!s.ok()) return Status::Busy(s.ToString());
    snap->journals.push_back(std::move(f));
  }
  std::string again;
  s = ReadWhole(fs, db + "/" + kManifestName, &again);
  if (!s.ok()) return Status::Busy(s.ToString());
  if (again != snap->manifest_bytes) return Status::Busy("the MANIFEST changed");
  return Status::OK();
}

Status TakeSnapshot(FileSystem* fs, const std::string& db, bool with_segments, bool with_flushed,
                    DbSnapshot* snap) {
  if (!fs->FileExists(db + "/" + kManifestName)) {
    return Status::InvalidArgument(db + " is not a SpiraPi database (no MANIFEST)");
  }
  Status s;
  for (int attempt = 0; attempt < kSnapshotAttempts; ++attempt) {
    s = TrySnapshot(fs, db, with_segments, with_flushed, snap);
    if (!s.IsBusy()) return s;
  }
  return Status::Busy("the database's files kept changing while the backup listed them (" +
                      s.ToString() + "); try again");
}

Status ReadFile(const OpenFile& f, std::string* contents) {
  Status s = f.file->Read(0, f.size, contents);
  if (s.ok() && contents->size() != f.size) {
    return Status::IOError(f.rel + " is shorter than the " + std::to_string(f.size) +
                           " bytes it had");
  }
  return s;
}

// Takes the database's files and opens (and locks) the repository for them.
Status Begin(const std::string& db_path, const std::string& repository,
             const BackupOptions& options, FileSystem* fs, bool with_segments, bool with_flushed,
             DbSnapshot* snap, std::unique_ptr<Repository>* repo) {
  Status s = TakeSnapshot(fs, db_path, with_segments, with_flushed, snap);
  if (s.ok()) s = Repository::Open(fs, repository, options.create_repository, /*lock=*/true, repo);
  if (!s.ok()) return s;
  (*repo)->ClearTemporary();
  return (*repo)->Bind(snap->manifest.database_id);
}

}  // namespace

Status BackupDatabase(const std::string& db_path, const std::string& repository,
                      const BackupOptions& options, BackupInfo* info) {
  FileSystem* fs = options.file_system != nullptr ? options.file_system : FileSystem::Default();
  const int64_t started = backup::NowMicros();
  DbSnapshot snap;
  std::unique_ptr<Repository> repo;
  Status s = Begin(db_path, repository, options, fs, /*with_segments=*/true,
                   /*with_flushed=*/false, &snap, &repo);
  if (!s.ok()) return s;

  // Segments an earlier backup of this database holds need no copy: a
  // segment's number is never used twice and its bytes never change.
  std::map<std::pair<std::string, uint64_t>, FileRef> known;
  if (!snap.manifest.database_id.empty()) {
    std::vector<BackupRecord> earlier;
    s = repo->ReadBackups(&earlier);
    if (!s.ok()) return s;
    for (const BackupRecord& r : earlier) {
      if (r.database_id != snap.manifest.database_id) continue;
      for (const FileRef& f : r.files) known[{f.path, f.size}] = f;
    }
  }

  BackupRecord record;
  record.database_id = snap.manifest.database_id;
  record.info.created_us = started;
  record.info.encrypted = snap.manifest.encrypted;
  record.info.commit = snap.manifest.last_sequence;
  uint64_t total = 0;
  for (const OpenFile& f : snap.segments) total += f.size;
  for (const OpenFile& f : snap.journals) total += f.size;
  uint64_t done = 0;
  const backup::CopyProgress progress = [&](uint64_t n) {
    done += n;
    return !options.progress || options.progress(total == 0 ? 1.0 : double(done) / double(total));
  };

  for (const OpenFile& f : snap.segments) {
    FileRef ref;
    ref.path = f.rel;
    auto it = known.find({f.rel, f.size});
    if (it != known.end() && repo->HasObject(it->second.sha256, f.size)) {
      ref = it->second;
      if (!progress(f.size)) return Status::Cancelled("backup cancelled");
    } else {
      s = repo->AddObject(*f.file, f.size, progress, &ref, &record.info.new_bytes);
      if (!s.ok()) return s;
    }
    record.info.bytes += ref.size;
    record.files.push_back(std::move(ref));
  }
  std::string contents;
  for (size_t i = 0; i < snap.journals.size(); ++i) {
    const OpenFile& f = snap.journals[i];
    s = ReadFile(f, &contents);
    if (!s.ok()) return s;
    backup::JournalWalk walk;
    backup::WalkFrames(
        contents, [](const backup::WalkedFrame&) { return true; }, &walk);
    // Every journal but the last was synced whole before the next began:
    // it is copied as it is, damage included. The last one ends where its
    // last frame that checks ends.
    if (i + 1 == snap.journals.size()) contents.resize(walk.end);
    record.info.commit = std::max(record.info.commit, walk.last_seq);
    FileRef ref;
    ref.path = f.rel;
    s = repo->AddObjectBytes(contents, &ref, &record.info.new_bytes);
    if (!s.ok()) return s;
    if (!progress(f.size)) return Status::Cancelled("backup cancelled");
    record.info.bytes += ref.size;
    record.files.push_back(std::move(ref));
  }
  record.manifest.path = kManifestName;
  s = repo->AddObjectBytes(snap.manifest_bytes, &record.manifest, &record.info.new_bytes);
  if (!s.ok()) return s;
  record.info.bytes += record.manifest.size;
  record.info.id = repo->NewBackupId(started);
  record.info.finished_us = backup::NowMicros();
  record.info.files = record.files.size() + 1;
  s = repo->WriteBackup(record);
  if (s.ok() && info != nullptr) *info = record.info;
  return s;
}

namespace backup {

Status ArchiveSealedJournals(const std::string& db_path, const std::string& repository,
                             const BackupOptions& options, bool own_process, bool chain_intact,
                             int* archived, bool* gap, std::vector<uint64_t>* held) {
  FileSystem* fs = options.file_system != nullptr ? options.file_system : FileSystem::Default();
  *archived = 0;
  *gap = false;
  DbSnapshot snap;
  std::unique_ptr<Repository> repo;
  Status s = Begin(db_path, repository, options, fs, /*with_segments=*/false,
                   /*with_flushed=*/own_process, &snap, &repo);
  if (!s.ok()) return s;
  std::map<uint64_t, uint64_t> archived_size;  // number -> longest archived copy
  std::vector<std::string> backup_ids;
  s = repo->ArchivedSizes(&archived_size);
  if (s.ok()) s = repo->BackupNames(&backup_ids);
  if (!s.ok()) return s;
  // Journal numbers only grow: the newest backup's last journal is the
  // highest any backup holds.
  uint64_t newest_backup_journal = 0;
  if (!backup_ids.empty()) {
    BackupRecord newest;
    s = repo->ReadBackup(backup_ids.back(), &newest);
    if (!s.ok()) return s;
    newest_backup_journal = backup::LastJournalNumber(newest);
  }

  // The active journal (the last) is not sealed: a backup takes its commits.
  std::string contents;
  for (size_t i = 0; i + 1 < snap.journals.size(); ++i) {
    const OpenFile& f = snap.journals[i];
    auto it = archived_size.find(f.number);
    if (it != archived_size.end() && it->second == f.size) {
      if (held != nullptr) held->push_back(f.number);
      continue;
    }
    ArchivedJournal j;
    j.number = f.number;
    if (i > 0) {
      j.prev = snap.journals[i - 1].number;
    } else {
      // Its predecessor is gone from the database. It is the newest journal
      // the archive holds below it, provided no journal between them was
      // flushed meanwhile (the floor would have passed it) or, in the
      // database's own process, which deletes journals only once they are
      // archived, provided none was dropped unarchived (chain_intact).
      // Without one, a restore from the newest backup cannot reach it.
      auto below = archived_size.lower_bound(f.number);
      const uint64_t candidate = below == archived_size.begin() ? 0 : std::prev(below)->first;
      if (candidate != 0 && (chain_intact || snap.manifest.journal_floor <= candidate + 1)) {
        j.prev = candidate;
      } else if (newest_backup_journal != 0 && f.number > newest_backup_journal) {
        *gap = true;
      }
    }
    s = ReadFile(f, &contents);
    if (!s.ok()) return s;
    backup::JournalWalk walk;
    backup::WalkFrames(
        contents, [](const backup::WalkedFrame&) { return true; }, &walk);
    j.first_seq = walk.first_seq;
    j.last_seq = walk.last_seq;
    j.file.path = f.rel;
    uint64_t new_bytes = 0;
    s = repo->AddObjectBytes(contents, &j.file, &new_bytes);
    j.archived_us = backup::NowMicros();
    if (s.ok()) s = repo->WriteArchivedJournal(j);
    if (!s.ok()) return s;
    archived_size[j.number] = j.file.size;
    ++*archived;
    if (held != nullptr) held->push_back(j.number);
  }
  return Status::OK();
}

}  // namespace backup

Status ArchiveJournals(const std::string& db_path, const std::string& repository,
                       const BackupOptions& options, int* archived, bool* gap) {
  return backup::ArchiveSealedJournals(db_path, repository, options, /*own_process=*/false,
                                       /*chain_intact=*/false, archived, gap, nullptr);
}

Status ListBackups(const std::string& repository, std::vector<BackupInfo>* backups,
                   FileSystem* file_system) {
  FileSystem* fs = file_system != nullptr ? file_system : FileSystem::Default();
  std::unique_ptr<Repository> repo;
  Status s = Repository::Open(fs, repository, /*create=*/false, /*lock=*/false, &repo);
  std::vector<BackupRecord> records;
  if (s.ok()) s = repo->ReadBackups(&records);
  if (!s.ok()) return s;
  backups->clear();
  for (const BackupRecord& r : records) backups->push_back(r.info);
  return Status::OK();
}

}  // namespace spirapi
