// VerifyBackups: every file of a repository against its SHA-256, each
// backup's completeness against its MANIFEST, and every record's SHA-256 by
// opening each backup read-only where it lies (its objects hard-linked into a
// database layout under tmp/, so nothing is copied).

#include <filesystem>
#include <map>
#include <set>

#include "backup/repository.h"
#include "codec/cipher.h"
#include "spirapi/backup.h"
#include "spirapi/db.h"
#include "storage/filenames.h"
#include "storage/manifest.h"

namespace spirapi {
namespace {

using backup::ArchivedJournal;
using backup::BackupRecord;
using backup::FileRef;
using backup::Repository;

class Verifier {
 public:
  Verifier(FileSystem* fs, Repository* repo, const BackupVerifyOptions& o,
           BackupVerifyReport* report)
      : fs_(fs), repo_(repo), o_(o), report_(report) {}

  // Checks an object once however many backups share it; the error, if any.
  std::string CheckFile(const FileRef& f) {
    auto it = checked_.find(f.sha256);
    if (it != checked_.end()) return it->second;
    Status s = repo_->CheckObject(f, [](std::string_view) {});
    ++report_->files_checked;
    report_->bytes_checked += f.size;
    return checked_[f.sha256] = s.ok() ? std::string() : s.ToString();
  }

  void VerifyBackup(const BackupRecord& b);
  void VerifyArchive(const std::vector<ArchivedJournal>& archive);

 private:
  void Damage(const BackupRecord& b, const std::string& what) {
    report_->damage.push_back("backup " + b.info.id + ": " + what);
  }
  void OpenAndVerify(const BackupRecord& b, const Manifest& m);

  FileSystem* const fs_;
  Repository* const repo_;
  const BackupVerifyOptions& o_;
  BackupVerifyReport* const report_;
  std::map<std::string, std::string> checked_;
};

void Verifier::VerifyBackup(const BackupRecord& b) {
  ++report_->backups_checked;
  bool whole = true;
  std::vector<const FileRef*> files = {&b.manifest};
  for (const FileRef& f : b.files) files.push_back(&f);
  for (const FileRef* f : files) {
    const std::string error = CheckFile(*f);
    if (!error.empty()) {
      Damage(b, f->path + ": " + error);
      whole = false;
    }
  }
  std::string manifest_bytes;
  Manifest m;
  Status s = repo_->ReadObject(b.manifest, &manifest_bytes);
  if (s.ok()) s = ParseManifest(manifest_bytes, "MANIFEST of backup " + b.info.id, &m);
  if (!s.ok()) return;  // reported above
  // Complete: every segment its MANIFEST lists, with the size it lists.
  std::map<std::string, uint64_t> sizes;
  for (const FileRef& f : b.files) sizes[f.path] = f.size;
  for (Component c : kAllComponents) {
    for (const SegmentMeta& seg : m.segments[static_cast<int>(c)]) {
      const std::string rel = SegmentRelPath(c, seg.file_number);
      auto it = sizes.find(rel);
      if (it == sizes.end()) {
        Damage(b, "incomplete: its MANIFEST lists " + rel + ", which it does not hold");
        whole = false;
      } else if (it->second != seg.size) {
        Damage(b, rel + " has " + std::to_string(it->second) + " bytes; its MANIFEST says " +
                      std::to_string(seg.size));
        whole = false;
      }
    }
  }
  if (whole) OpenAndVerify(b, m);
}

void Verifier::OpenAndVerify(const BackupRecord& b, const Manifest& m) {
  if (m.encrypted && o_.passphrase.empty()) {
    report_->skipped.push_back("backup " + b.info.id +
                               ": records not checked (encrypted; give the passphrase)");
    return;
  }
  const std::string dir = repo_->path() + "/tmp/verify-" + b.info.id;
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  bool made = std::filesystem::create_directories(dir + "/" + kJournalDir, ec);
  for (Component c : kAllComponents) {
    made = made && std::filesystem::create_directories(dir + "/" + ComponentName(c), ec);
  }
  std::vector<const FileRef*> files = {&b.manifest};
  for (const FileRef& f : b.files) files.push_back(&f);
  for (const FileRef* f : files) {
    if (!made) break;
    const std::string dest = dir + "/" + f->path;
    std::filesystem::create_hard_link(repo_->ObjectPath(f->sha256), dest, ec);
    if (ec) made = std::filesystem::copy_file(repo_->ObjectPath(f->sha256), dest, ec);
  }
  if (!made) {
    Damage(b, "could not lay it out under " + dir + " to open it: " + ec.message());
  } else {
    Options options;
    options.read_only = true;
    options.encryption_enabled = m.encrypted;
    options.passphrase = o_.passphrase;
    std::unique_ptr<DB> db;
    Status s = DB::Open(options, dir, &db);
    VerifyReport vr;
    if (s.ok()) s = db->Verify(&vr);
    db.reset();
    if (!s.ok()) {
      Damage(b, "does not open: " + s.ToString());
    } else {
      report_->records_checked += vr.records_checked;
      for (const spirapi::Damage& d : vr.damage) {
        Damage(b, d.file + " at offset " + std::to_string(d.offset) + ": " + d.what +
                      (d.id.empty() ? "" : " (" + d.component + " " + d.id + ")"));
      }
    }
  }
  std::filesystem::remove_all(dir, ec);
}

void Verifier::VerifyArchive(const std::vector<ArchivedJournal>& archive) {
  std::set<uint64_t> numbers;
  for (const ArchivedJournal& j : archive) numbers.insert(j.number);
  for (const ArchivedJournal& j : archive) {
    const std::string error = CheckFile(j.file);
    if (!error.empty()) {
      report_->damage.push_back("archived journal " + std::to_string(j.number) + ": " + error);
    }
    if (j.prev == 0 && j.number != *numbers.begin()) {
      report_->skipped.push_back(
          "archived journal " + std::to_string(j.number) +
          ": the journal before it was not archived, so restores cannot pass commit " +
          std::to_string(j.first_seq) + " from a backup older than it");
    }
  }
}

}  // namespace

Status VerifyBackups(const std::string& repository, const BackupVerifyOptions& options,
                     BackupVerifyReport* report) {
  FileSystem* fs = options.file_system != nullptr ? options.file_system : FileSystem::Default();
  *report = BackupVerifyReport();
  std::unique_ptr<Repository> repo;
  Status s = Repository::Open(fs, repository, /*create=*/false, /*lock=*/false, &repo);
  if (!s.ok()) return s;
  std::vector<BackupRecord> backups;
  s = repo->ReadBackups(&backups);
  if (!s.ok()) {
    report->damage.push_back(s.ToString());
    return Status::OK();
  }
  Verifier verifier(fs, repo.get(), options, report);
  bool found = options.backup_id.empty();
  for (const BackupRecord& b : backups) {
    if (!options.backup_id.empty() && b.info.id != options.backup_id) continue;
    found = true;
    verifier.VerifyBackup(b);
  }
  if (!found) {
    return Status::InvalidArgument("the repository has no backup " + options.backup_id);
  }
  if (options.backup_id.empty()) {
    std::vector<ArchivedJournal> archive;
    s = repo->ReadArchive(&archive);
    if (!s.ok()) {
      report->damage.push_back(s.ToString());
    } else {
      verifier.VerifyArchive(archive);
    }
  }
  return Status::OK();
}

}  // namespace spirapi
