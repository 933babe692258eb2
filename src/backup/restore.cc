// RestoreBackup: a database rebuilt from a backup and, for a point after it,
// the archived journals that follow it (docs/BACKUP.md, "Restoring").
//
// The restored directory holds the backup's segments and journals as they
// were copied, then the archived journals that continue its last one, the
// last of them cut at the end of the last frame to keep. Opening it replays
// the journals as after any crash, so every record keeps the version,
// timestamp and checksum it had.

#include <algorithm>
#include <filesystem>
#include <map>

#include "backup/journal_walk.h"
#include "backup/repository.h"
#include "codec/cipher.h"
#include "spirapi/backup.h"
#include "spirapi/db.h"
#include "storage/filenames.h"
#include "storage/manifest.h"
#include "util/coding.h"
#include "util/hash.h"

namespace spirapi {
namespace {

using backup::ArchivedJournal;
using backup::BackupRecord;
using backup::FileRef;
using backup::Repository;

// Offset of timestamp_us in an encoded record (docs/FORMAT.md, "Records").
constexpr size_t kTimestampOffset = 19;

std::string Describe(const BackupRecord& b) {
  return "backup " + b.info.id + " (commit " + std::to_string(b.info.commit) + ")";
}

Status ChooseBackup(const std::vector<BackupRecord>& backups, const RestoreOptions& o,
                    const BackupRecord** chosen) {
  if (backups.empty()) return Status::InvalidArgument("the repository holds no backup");
  *chosen = nullptr;
  for (const BackupRecord& b : backups) {
    if (!o.backup_id.empty()) {
      if (b.info.id == o.backup_id) *chosen = &b;
    } else if (o.to_commit != 0) {
      if (b.info.commit <= o.to_commit &&
          (*chosen == nullptr || b.info.commit >= (*chosen)->info.commit)) {
        *chosen = &b;
      }
    } else if (o.has_to_time) {
      if (b.info.created_us <= o.to_time_us &&
          (*chosen == nullptr || b.info.created_us >= (*chosen)->info.created_us)) {
        *chosen = &b;
      }
    } else {
      *chosen = &b;  // oldest first: the last is the newest
    }
  }
  if (*chosen != nullptr) return Status::OK();
  if (!o.backup_id.empty()) {
    return Status::InvalidArgument("the repository has no backup " + o.backup_id +
                                   " (spirapi backup list shows them)");
  }
  const BackupRecord& first = backups.front();
  if (o.to_commit != 0) {
    return Status::InvalidArgument("commit " + std::to_string(o.to_commit) +
                                   " is older than the oldest " + Describe(first));
  }
  return Status::InvalidArgument("that time is before the oldest " + Describe(first) + ", taken " +
                                 backup::FormatBackupTime(first.info.created_us));
}

// Removes what a failed restore wrote (only the database layout's names).
void RemoveRestored(FileSystem* fs, const std::string& target, bool created_target) {
  std::vector<std::string> dirs = {kJournalDir};
  for (Component c : kAllComponents) dirs.push_back(ComponentName(c));
  for (const std::string& d : dirs) {
    std::vector<std::string> names;
    if (!fs->GetChildren(target + "/" + d, &names).ok()) continue;
    for (const std::string& n : names) fs->RemoveFile(target + "/" + d + "/" + n);
    std::error_code ec;  // the interface has no rmdir; empty directories only
    std::filesystem::remove(target + "/" + d, ec);
  }
  fs->RemoveFile(target + "/" + kManifestName);
  if (created_target) {
    std::error_code ec;
    std::filesystem::remove(target, ec);
  }
}

class Restorer {
 public:
  Restorer(FileSystem* fs, Repository* repo, const RestoreOptions& o, std::string target)
      : fs_(fs), repo_(repo), o_(o), target_(std::move(target)) {}

  Status Run(const BackupRecord& base, RestoreInfo* info);

 private:
  // Whether the frame is past the point asked for.
  Status Beyond(const backup::WalkedFrame& frame, bool* beyond);
  Status WriteFile(const std::string& rel, std::string_view bytes);
  Status ExtendWithArchive(const BackupRecord& base, const FileRef& last_journal,
                           uint64_t last_number, RestoreInfo* info);

  FileSystem* const fs_;
  Repository* const repo_;
  const RestoreOptions& o_;
  const std::string target_;
  Cipher cipher_;
  bool encrypted_ = false;
  Manifest manifest_;
};

Status Restorer::WriteFile(const std::string& rel, std::string_view bytes) {
  std::unique_ptr<WritableFile> file;
  Status s = fs_->NewWritableFile(target_ + "/" + rel, &file);
  if (s.ok()) s = file->Append(bytes);
  if (s.ok()) s = file->Sync();
  if (s.ok()) s = file->Close();
  return s;
}

Status Restorer::Beyond(const backup::WalkedFrame& frame, bool* beyond) {
  *beyond = false;
  if (frame.header.kind != FrameKind::kCommit) return Status::OK();
  if (!o_.has_to_time) {
    *beyond = frame.header.seq > o_.to_commit;
    return Status::OK();
  }
  if (frame.records.empty()) return Status::OK();
  std::string plain;
  std::string_view bytes = frame.records.front().bytes;
  if (encrypted_) {
    Status s = cipher_.Open(bytes, &plain);
    if (!s.ok()) {
      return Status::Corruption("a record at offset " +
                                std::to_string(frame.records.front().offset) +
                                " of an archived journal does not open");
    }
    bytes = plain;
  }
  if (bytes.size() < kTimestampOffset + 8) {
    return Status::Corruption("a record of an archived journal is too short");
  }
  const int64_t ts = static_cast<int64_t>(DecodeFixed64(bytes.data() + kTimestampOffset));
  *beyond = ts > o_.to_time_us;
  return Status::OK();
}

Status Restorer::ExtendWithArchive(const BackupRecord& base, const FileRef& last_journal,
                                   uint64_t last_number, RestoreInfo* info) {
  std::vector<ArchivedJournal> archive;
  Status s = repo_->ReadArchive(&archive);
  if (!s.ok()) return s;
  std::map<uint64_t, const ArchivedJournal*> by_number;  // the longest copy
  std::map<uint64_t, const ArchivedJournal*> by_prev;
  for (const ArchivedJournal& j : archive) {
    by_number[j.number] = &j;
    if (j.prev != 0) by_prev[j.prev] = &j;
  }
  const std::string reach_hint =
      " (with continuous archiving, journals are archived once sealed; spirapi backup list "
      "shows what the repository holds)";
  uint64_t reached = base.info.commit;
  uint64_t number = last_number;
  bool first = true;
  std::string contents;
  while (true) {
    const ArchivedJournal* j = nullptr;
    if (first) {
      auto it = by_number.find(number);
      if (it != by_number.end()) j = it->second;
    } else {
      auto it = by_prev.find(number);
      if (it != by_prev.end()) j = it->second;
    }
    if (j == nullptr) {
      if (!o_.has_to_time && reached >= o_.to_commit) {
        // Every commit up to the point is in; the last journal ends with it.
        return Status::OK();
      }
      return Status::InvalidArgument(
          "the repository reaches commit " + std::to_string(reached) + " from " + Describe(base) +
          ", not the point asked for: the archived journal after journal " +
          std::to_string(number) + " is missing" + reach_hint);
    }
    s = repo_->ReadObject(j->file, &contents);
    if (!s.ok()) return s;
    if (first) {
      // The archived copy must continue the backup's copy of that journal.
      if (contents.size() < last_journal.size) {
        return Status::Corruption("archived journal " + std::to_string(number) +
                                  " is shorter than the backup's copy of it");
      }
      Sha256Digest d = Sha256Of(std::string_view(contents).substr(0, last_journal.size));
      if (ToHex(d.data(), d.size()) != last_journal.sha256) {
        return Status::Corruption("archived journal " + std::to_string(number) +
                                  " does not begin with the bytes " + Describe(base) +
                                  " holds of it");
      }
    }
    Status frame_status;
    bool stopped = false;
    backup::JournalWalk walk;
    backup::WalkFrames(
        contents,
        [&](const backup::WalkedFrame& frame) {
          bool beyond = false;
          frame_status = Beyond(frame, &beyond);
          if (!frame_status.ok() || beyond) {
            stopped = true;
            return false;
          }
          return true;
        },
        &walk);
    if (!frame_status.ok()) return frame_status;
    if (walk.last_seq != 0) reached = std::max(reached, walk.last_seq);
    const std::string rel = JournalRelPath(j->number);
    if (stopped) {
      s = WriteFile(rel, std::string_view(contents).substr(0, walk.end));
      if (s.ok()) info->commit = reached;
      ++info->journals_replayed;
      info->bytes += walk.end;
      return s;
    }
    s = WriteFile(rel, contents);
    if (!s.ok()) return s;
    ++info->journals_replayed;
    info->bytes += contents.size();
    info->commit = reached;
    number = j->number;
    first = false;
  }
}

Status Restorer::Run(const BackupRecord& base, RestoreInfo* info) {
  info->backup_id = base.info.id;
  info->commit = base.info.commit;
  std::string manifest_bytes;
  Status s = repo_->ReadObject(base.manifest, &manifest_bytes);
  if (s.ok()) s = ParseManifest(manifest_bytes, "MANIFEST of " + Describe(base), &manifest_);
  if (!s.ok()) return s;
  encrypted_ = manifest_.encrypted;
  const bool past_backup = o_.has_to_time || o_.to_commit > base.info.commit;
  if (encrypted_ && (o_.has_to_time || !o_.passphrase.empty())) {
    if (o_.passphrase.empty()) {
      return Status::InvalidArgument(
          "restoring an encrypted database to a time needs its passphrase (the commits' "
          "timestamps are encrypted)");
    }
    std::string check;
    s = Cipher::Create(o_.passphrase, manifest_.kdf, &cipher_);
    if (s.ok() && (!cipher_.Open(manifest_.key_check, &check).ok() || check != kKeyCheckText)) {
      return Status::InvalidArgument("wrong passphrase for the backed-up database");
    }
    if (!s.ok()) return s;
  }

  s = fs_->CreateDir(target_);
  if (s.ok()) s = fs_->CreateDir(target_ + "/" + kJournalDir);
  for (Component c : kAllComponents) {
    if (s.ok()) s = fs_->CreateDir(target_ + "/" + ComponentName(c));
  }
  if (!s.ok()) return s;
  uint64_t total = base.info.bytes, done = 0;
  const backup::CopyProgress progress = [&](uint64_t n) {
    done += n;
    return !o_.progress || o_.progress(total == 0 ? 1.0 : double(done) / double(total));
  };
  const uint64_t last_number = backup::LastJournalNumber(base);
  const FileRef* last_journal = nullptr;
  for (const FileRef& f : base.files) {
    if (f.path == JournalRelPath(last_number)) last_journal = &f;
  }
  for (const FileRef& f : base.files) {
    if (past_backup && &f == last_journal) continue;  // the archive's longer copy replaces it
    s = repo_->CopyObjectTo(f, f.size, target_ + "/" + f.path, progress);
    if (!s.ok()) return s;
    info->bytes += f.size;
  }
  if (past_backup) {
    if (last_journal == nullptr) return Status::Corruption(Describe(base) + " holds no journal");
    s = ExtendWithArchive(base, *last_journal, last_number, info);
    if (!s.ok()) return s;
  }
  // A new id: the restored database goes its own way from here, and its
  // segments must not pass for the original's in a repository.
  s = NewDatabaseId(&manifest_.database_id);
  if (s.ok()) s = WriteManifest(fs_, target_, manifest_);
  if (s.ok()) s = fs_->SyncDir(target_ + "/" + kJournalDir);
  for (Component c : kAllComponents) {
    if (s.ok()) s = fs_->SyncDir(target_ + "/" + ComponentName(c));
  }
  if (!s.ok()) return s;
  if (encrypted_ && o_.passphrase.empty()) return Status::OK();
  Options options;
  options.read_only = true;
  options.file_system = fs_;
  options.encryption_enabled = encrypted_;
  options.passphrase = o_.passphrase;
  std::unique_ptr<DB> db;
  s = DB::Open(options, target_, &db);
  if (!s.ok()) return Status::Corruption("the restored database does not open: " + s.ToString());
  return Status::OK();
}

}  // namespace

Status RestoreBackup(const std::string& repository, const std::string& target,
                     const RestoreOptions& options, RestoreInfo* info) {
  FileSystem* fs = options.file_system != nullptr ? options.file_system : FileSystem::Default();
  const int points = (!options.backup_id.empty()) + (options.to_commit != 0) + options.has_to_time;
  if (points > 1) {
    return Status::InvalidArgument("give at most one of a backup, a commit and a time");
  }
  std::vector<std::string> children;
  const bool created_target = !fs->FileExists(target);
  if (!created_target && !fs->GetChildren(target, &children).ok()) {
    return Status::InvalidArgument(target + " exists and is not a directory");
  }
  if (!created_target) {
    for (const std::string& n : children) {
      if (n != "." && n != "..") {
        return Status::InvalidArgument(target +
                                       " is not empty: a restore writes only into a new or "
                                       "empty directory");
      }
    }
  }
  std::unique_ptr<Repository> repo;
  Status s = Repository::Open(fs, repository, /*create=*/false, /*lock=*/true, &repo);
  if (!s.ok()) return s;
  std::vector<BackupRecord> backups;
  s = repo->ReadBackups(&backups);
  const BackupRecord* base = nullptr;
  if (s.ok()) s = ChooseBackup(backups, options, &base);
  if (!s.ok()) return s;
  RestoreInfo local;
  Restorer restorer(fs, repo.get(), options, target);
  s = restorer.Run(*base, &local);
  if (!s.ok()) {
    RemoveRestored(fs, target, created_target);
    return s;
  }
  if (info != nullptr) *info = local;
  return Status::OK();
}

}  // namespace spirapi
