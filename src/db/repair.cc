// RepairDB (include/spirapi/repair.h): read every record that can be read,
// write the survivors into a fresh database with their versions intact.

#include "spirapi/repair.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>

#include "codec/cipher.h"
#include "codec/record_codec.h"
#include "db/db_impl.h"
#include "db/journal_replay.h"
#include "storage/filenames.h"
#include "storage/journal.h"
#include "storage/manifest.h"
#include "storage/segment.h"

namespace spirapi {
namespace {

// A record version, in the order it was committed.
using VersionKey = std::tuple<uint64_t /*seq*/, int /*component*/, std::string /*id*/>;

struct Salvaged {
  uint64_t version = 0;
  int64_t timestamp_us = 0;
  bool tombstone = false;
  std::string data, metadata, blob;
};

class Salvager {
 public:
  Salvager(FileSystem* fs, std::string path, const Cipher* cipher, RepairReport* report)
      : fs_(fs), path_(std::move(path)), cipher_(cipher), report_(report) {}

  Status ReadJournal(const std::string& rel, bool is_last) {
    std::string contents;
    Status s = ReadWhole(rel, &contents);
    if (!s.ok()) return s;
    JournalReplay replay;
    JournalScanOptions options;
    options.is_last = is_last;
    options.check_every_checksum = true;
    ScanJournalContents(std::move(contents), 0, cipher_, options, &replay);
    for (const Damage& d : replay.damage) report_->damage.push_back({rel, d.offset, d.component, d.id, d.what});
    // A transaction is kept whole or not at all.
    for (const JournalReplay::Version& v : replay.versions) {
      RecordView r;
      if (v.ref.corrupt() || !DecodeRecord(v.plain, &r).ok()) {
        Lost({v.ref.seq, static_cast<int>(v.component), std::string(v.id)}, 0);
      } else if (v.partial) {
        Lost(KeyOf(r), r.version);
      } else {
        versions_.emplace(KeyOf(r), CopyOf(r));
      }
    }
    if (replay.tail_length > 0) {
      Damaged(rel, replay.tail_offset, nullptr, "",
              "journal ends in " + std::to_string(replay.tail_length) +
                  " bytes that do not check: a commit interrupted by a crash (never "
                  "acknowledged), or damage; left out");
    }
    return Status::OK();
  }

  Status ReadSegment(Component c, const std::string& rel) {
    std::string contents;
    Status s = ReadWhole(rel, &contents);
    if (!s.ok()) return s;
    // The footer, when readable, names what damaged blocks held.
    std::vector<SegmentEntry> footer;
    std::unique_ptr<RandomAccessFile> file;
    if (fs_->NewRandomAccessFile(path_ + "/" + rel, &file).ok()) {
      ReadSegmentFooter(*file, contents.size(), cipher_, &footer);
    }
    std::vector<SegmentEntry> scanned;
    ScanSegmentBlocks(
        contents, cipher_, &scanned,
        [&](uint64_t offset, uint64_t end, const Status& bad) {
          bool named = false;
          for (const SegmentEntry& e : footer) {
            if (e.block_offset < offset || e.block_offset >= end) continue;
            Damaged(rel, offset, &c, e.id, bad.message());
            Lost({e.seq, static_cast<int>(c), e.id}, e.version);
            named = true;
          }
          if (!named) Damaged(rel, offset, &c, "", bad.message());
        },
        [&](uint64_t offset, std::string_view bytes) {
          RecordView r;
          if (!DecodeRecord(bytes, &r).ok()) {
            Damaged(rel, offset, &c, "", "record does not decode");
          } else if (!ChecksumMatches(r) || r.component != c || r.id.empty()) {
            Damaged(rel, offset, &c, std::string(r.id), "record SHA-256 checksum mismatch");
            Lost(KeyOf(r), r.version);
          } else {
            versions_.emplace(KeyOf(r), CopyOf(r));
          }
        });
    return Status::OK();
  }

  std::map<VersionKey, Salvaged>& versions() { return versions_; }

  // Lost versions that no other file held.
  void ReportLost() {
    for (const auto& [key, version] : lost_) {
      if (versions_.count(key) > 0) continue;
      const auto& [seq, c, id] = key;
      report_->lost.push_back(std::string(ComponentName(static_cast<Component>(c))) + "/" + id +
                              (version == 0 ? " (a damaged version)" : " version " + std::to_string(version)));
    }
  }

 private:
  Status ReadWhole(const std::string& rel, std::string* contents) {
    ++report_->files_read;
    std::unique_ptr<RandomAccessFile> file;
    uint64_t size = 0;
    Status s = fs_->GetFileSize(path_ + "/" + rel, &size);
    if (s.ok()) s = fs_->NewRandomAccessFile(path_ + "/" + rel, &file);
    if (s.ok()) s = file->Read(0, size, contents);
    if (!s.ok()) Damaged(rel, 0, nullptr, "", "file cannot be read: " + s.message());
    return s.IsIOError() ? s : Status::OK();
  }

  bool Decode(std::string_view bytes, std::string* plain, RecordView* r) {
    if (cipher_ != nullptr) {
      if (!cipher_->Open(bytes, plain).ok()) return false;
      bytes = *plain;
    }
    return DecodeRecord(bytes, r).ok();
  }

  static VersionKey KeyOf(const RecordView& r) {
    return {r.seq, static_cast<int>(r.component), std::string(r.id)};
  }

  static Salvaged CopyOf(const RecordView& r) {
    return Salvaged{r.version,         r.timestamp_us,        r.tombstone(),
                    std::string(r.data), std::string(r.metadata), std::string(r.blob)};
  }

  void Damaged(const std::string& rel, uint64_t offset, const Component* c, std::string_view id,
               const std::string& what) {
    report_->damage.push_back(
        {rel, offset, c != nullptr ? ComponentName(*c) : "", std::string(id), what});
  }

  void Lost(const VersionKey& key, uint64_t version) { lost_.emplace(key, version); }

  FileSystem* const fs_;
  const std::string path_;
  const Cipher* const cipher_;
  RepairReport* const report_;
  std::map<VersionKey, Salvaged> versions_;
  std::map<VersionKey, uint64_t> lost_;
};

// The files a repair reads: those the MANIFEST lists, or with a damaged one,
// all there are.
Status FilesToRead(FileSystem* fs, const std::string& path, const Manifest* manifest,
                   std::vector<std::string>* journals,
                   std::vector<std::pair<Component, std::string>>* segments) {
  std::vector<std::string> names;
  Status s = fs->GetChildren(path + "/" + kJournalDir, &names);
  if (!s.ok() && !s.IsNotFound()) return s;
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    uint64_t number = 0;
    if (!ParseNumberedName(name, "log", &number)) continue;
    if (manifest == nullptr || number >= manifest->journal_floor) {
      journals->push_back(JournalRelPath(number));
    }
  }
  for (Component c : kAllComponents) {
    if (manifest != nullptr) {
      for (const SegmentMeta& m : manifest->segments[static_cast<int>(c)]) {
        segments->emplace_back(c, SegmentRelPath(c, m.file_number));
      }
      continue;
    }
    names.clear();
    s = fs->GetChildren(path + "/" + ComponentName(c), &names);
    if (!s.ok() && !s.IsNotFound()) return s;
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
      uint64_t number = 0;
      if (ParseNumberedName(name, "seg", &number)) {
        segments->emplace_back(c, SegmentRelPath(c, number));
      }
    }
  }
  return Status::OK();
}

// Writes the salvaged versions, one transaction per original one.
// `goal`: the damaged database's optimized_for, if any, given to the new one.
Status WriteSalvaged(const Options& options, const std::string& output,
                     std::map<VersionKey, Salvaged>* versions, const std::string& goal,
                     RepairReport* report) {
  std::unique_ptr<DB> db;
  Status s = DB::Open(options, output, &db);
  if (!s.ok()) return s;
  auto* impl = static_cast<DBImpl*>(db.get());
  std::map<std::pair<int, std::string>, bool> newest_deleted;
  WriteOptions unsynced;
  unsynced.sync = false;  // one sync at the end: a repair that fails is redone
  for (auto it = versions->begin(); it != versions->end();) {
    const uint64_t seq = std::get<0>(it->first);
    WriteBatch batch;
    batch.internal = true;  // index entries and definitions are copied as they were
    for (; it != versions->end() && std::get<0>(it->first) == seq; ++it) {
      const auto& [unused, c, id] = it->first;
      Salvaged& v = it->second;
      WriteOp op;
      op.component = static_cast<Component>(c);
      op.id = id;
      op.is_delete = v.tombstone;
      op.data = std::move(v.data);
      op.metadata = std::move(v.metadata);
      op.blob = std::move(v.blob);
      op.restore_version = v.version;
      op.restore_timestamp_us = v.timestamp_us;
      batch.bytes += op.bytes();
      batch.ops.push_back(std::move(op));
      newest_deleted[{c, id}] = v.tombstone;
      ++report->versions_salvaged;
    }
    s = impl->Write(unsynced, &batch, DBImpl::Conditions());
    if (!s.ok()) return s;
    ++report->transactions_salvaged;
  }
  for (const auto& [key, deleted] : newest_deleted) report->live_records += deleted ? 0 : 1;
  s = db->Flush();  // segments written and synced, the journal emptied
  OptimizationGoal g;
  if (s.ok() && ParseOptimizationGoal(goal, &g)) s = db->OptimizeFor(g);
  return s;
}

// "<path><infix><UTC time>", unused: a repair within the same second (or a
// leftover of one that failed) took the plain name, so "-2", "-3", ... follow.
std::string UnusedSibling(const std::string& path, const char* infix) {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm;
  gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
  const std::string base = path + infix + stamp;
  std::string name = base;
  std::error_code ec;
  for (int n = 2; std::filesystem::exists(name, ec) || ec; ++n) {
    name = base + "-" + std::to_string(n);
  }
  return name;
}

// Checked before any work, so that a bad --output fails at once.
Status CheckOutput(const std::string& output) {
  std::error_code ec;
  if (std::filesystem::exists(output, ec) || ec) {
    return Status::InvalidArgument("'" + output + "' already exists");
  }
  const std::filesystem::path parent = std::filesystem::path(output).parent_path();
  if (!parent.empty() && !std::filesystem::is_directory(parent, ec)) {
    return Status::InvalidArgument("'" + parent.string() +
                                   "' does not exist or is not a directory");
  }
  return Status::OK();
}

}  // namespace

Status RepairDB(const Options& options, const std::string& path,
                const RepairOptions& repair_options, RepairReport* report) {
  *report = RepairReport();
  FileSystem* fs = options.file_system != nullptr ? options.file_system : FileSystem::Default();
  if (!fs->FileExists(path + "/" + kManifestName) && !fs->FileExists(path + "/" + kJournalDir)) {
    return Status::InvalidArgument("'" + path + "' is not a SpiraPi database");
  }
  const bool in_place = repair_options.output.empty();
  if (!in_place) {
    Status s = CheckOutput(repair_options.output);
    if (!s.ok()) return s;
  }
  std::unique_ptr<FileLock> lock;
  Status s = fs->LockFile(path + "/" + kLockName, &lock);
  if (!s.ok()) return s;

  Manifest manifest;
  s = ReadManifest(fs, path, &manifest);
  if (s.IsNotSupported()) return s;
  report->manifest_damaged = !s.ok();
  if (!s.ok()) {
    report->damage.push_back({kManifestName, 0, "", "", s.message() +
                              "; every file was read, so records deleted before the last "
                              "compaction may reappear"});
  }
  Cipher cipher;
  const Cipher* cipher_ptr = nullptr;
  Options out = options;
  out.create_if_missing = true;
  out.error_if_exists = true;
  if (!report->manifest_damaged) {
    out.compression_codec = manifest.codec;
    out.compression_level = manifest.compression_level;
    out.max_file_size_mb = manifest.max_file_size_mb;
    out.backup_interval_hours = manifest.backup_interval_hours;
    out.block_size_kib = static_cast<int>(manifest.block_size >> 10);
    out.encryption_enabled = manifest.encrypted;
    if (manifest.encrypted) {
      if (options.passphrase.empty()) {
        return Status::InvalidArgument("the database is encrypted: a passphrase is required");
      }
      std::string check;
      s = Cipher::Create(options.passphrase, manifest.kdf, &cipher);
      if (!s.ok()) return s;
      if (!cipher.Open(manifest.key_check, &check).ok() || check != kKeyCheckText) {
        return Status::InvalidArgument("wrong passphrase for this database");
      }
      cipher_ptr = &cipher;
    }
  } else if (options.encryption_enabled) {
    return Status::InvalidArgument(
        "the MANIFEST is damaged, and it holds the salt of an encrypted database's key: "
        "nothing can be decrypted");
  }

  std::vector<std::string> journals;
  std::vector<std::pair<Component, std::string>> segments;
  s = FilesToRead(fs, path, report->manifest_damaged ? nullptr : &manifest, &journals, &segments);
  if (!s.ok()) return s;
  Salvager salvager(fs, path, cipher_ptr, report);
  for (const auto& [c, rel] : segments) {
    s = salvager.ReadSegment(c, rel);
    if (!s.ok()) return s;
  }
  for (size_t i = 0; i < journals.size(); ++i) {
    s = salvager.ReadJournal(journals[i], i + 1 == journals.size());
    if (!s.ok()) return s;
  }
  salvager.ReportLost();
  // A folder removed by hand keeps the database from opening.
  std::vector<std::string> folders = {kJournalDir};
  for (Component c : kAllComponents) folders.emplace_back(ComponentName(c));
  for (const std::string& folder : folders) {
    if (!fs->FileExists(path + "/" + folder)) {
      report->damage.push_back({folder, 0, "", "", "the folder is missing"});
    }
  }
  report->clean = report->damage.empty() && report->lost.empty();
  if (in_place && report->clean) {
    report->repaired_path = path;  // nothing to repair: left as it is
    return Status::OK();
  }

  const std::string output = in_place ? UnusedSibling(path, ".repair-") : repair_options.output;
  s = WriteSalvaged(out, output, &salvager.versions(),
                    report->manifest_damaged ? "" : manifest.optimized_for, report);
  if (!s.ok()) return s;
  report->repaired_path = output;
  if (in_place) {
    lock.reset();
    const std::string damaged = UnusedSibling(path, ".damaged-");
    std::error_code ec;
    std::filesystem::rename(path, damaged, ec);
    if (!ec) std::filesystem::rename(output, path, ec);
    if (ec) {
      return Status::IOError("the repaired database is complete at '" + output +
                             "' but could not replace '" + path + "': " + ec.message());
    }
    const std::string parent = std::filesystem::path(path).parent_path().string();
    s = fs->SyncDir(parent.empty() ? "." : parent);
    if (!s.ok()) return s;
    report->repaired_path = path;
    report->damaged_path = damaged;
  }
  return Status::OK();
}

}  // namespace spirapi
