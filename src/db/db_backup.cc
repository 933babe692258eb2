// DB::Backup, automatic backups on Options::backup_repository, and the
// journal archive (Options::archive_journals). The copying itself is
// include/spirapi/backup.h's, which reads the database's files the way a
// read-only instance does and so needs none of the engine's locks: writers
// are never blocked by a backup.

#include <rapidjson/document.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "backup/repository.h"
#include "db/db_impl.h"
#include "storage/filenames.h"
#include "util/json.h"
#include "util/thread_priority.h"

namespace spirapi {
namespace {

constexpr int64_t kRetryMicros = 10LL * 60 * 1000000;  // after a failed automatic backup
// Flushed journals kept for an archive that keeps failing.
constexpr size_t kMaxUnarchivedJournals = 64;

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Status DBImpl::Backup(const std::string& repository, const BackupOptions& options,
                      BackupInfo* info) {
  OpTimer timer(&metrics_, MetricOp::kBackup);
  BackupOptions o = options;
  if (o.file_system == nullptr) o.file_system = fs_;
  BackupInfo local;
  Status s;
  const auto start = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> l(backup_mu_);
    s = BackupDatabase(path_, repository, o, &local);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  RecordBackup(s, local, seconds);
  if (s.ok() && info != nullptr) *info = local;
  return timer.Done(s, 0, s.ok() ? local.new_bytes : 0);
}

void DBImpl::RecordBackup(const Status& s, const BackupInfo& info, double seconds) {
  {
    std::lock_guard<std::mutex> l(backup_state_mu_);
    if (s.ok()) {
      last_backup_id_ = info.id;
      last_backup_us_ = info.created_us;
      last_backup_seconds_ = seconds;
      last_backup_error_.clear();
    } else {
      last_backup_error_ = s.ToString();
      ++backups_failed_;
    }
  }
  if (options_.read_only) return;
  std::string data = "{\"status\":";
  if (s.ok()) {
    data += "\"ok\",\"commit\":" + std::to_string(info.commit) +
            ",\"bytes\":" + std::to_string(info.bytes) +
            ",\"new_bytes\":" + std::to_string(info.new_bytes);
  } else {
    data += "\"failed\",\"error\":";
    AppendJsonString(&data, s.ToString());
  }
  data += ",\"seconds\":" + std::to_string(seconds) + "}";
  const std::string id = "~backup/" + (s.ok() ? info.id : "failed-" + std::to_string(NowMicros()));
  // Best effort: a database that takes no writes still took its backup.
  Put(WriteOptions(), Component::kMetadata, id, data, "{}");
}

void DBImpl::FillBackupStats(DbStats* stats) {
  {
    std::lock_guard<std::mutex> l(backup_state_mu_);
    stats->last_backup_id = last_backup_id_;
    stats->last_backup_us = last_backup_us_;
    stats->last_backup_seconds = last_backup_seconds_;
    stats->last_backup_error = last_backup_error_;
    stats->backups_failed = backups_failed_;
    stats->journals_archived = journals_archived_;
    stats->archive_error = archive_error_;
    if (!last_backup_id_.empty() || !last_backup_error_.empty()) return;
  }
  // Records are named by time: the last "~backup/2..." is the newest success.
  // GetStats runs often: walk the ids backwards and read only the newest.
  const uint64_t snapshot = SnapshotOf(ReadOptions());
  std::string newest_id;
  WalkIds(snapshot, Component::kMetadata, "~backup/2", "~backup/3", /*reverse=*/true,
          [&](std::string_view id) {
            newest_id = id;
            return false;
          });
  StorageRecord newest;
  if (newest_id.empty() || !GetAt(snapshot, Component::kMetadata, newest_id, &newest).ok()) return;
  rapidjson::Document doc;
  doc.Parse(newest.data.data(), newest.data.size());
  stats->last_backup_id = newest.id.substr(8);
  stats->last_backup_us = static_cast<int64_t>(std::llround(newest.timestamp * 1e6));
  if (doc.IsObject() && doc.HasMember("seconds") && doc["seconds"].IsNumber()) {
    stats->last_backup_seconds = doc["seconds"].GetDouble();
  }
}

void DBImpl::RequestArchive() {
  std::lock_guard<std::mutex> l(backup_state_mu_);
  archive_pending_ = true;
  backup_cv_.notify_all();
}

void DBImpl::ArchiveFlushedJournals() {
  bool chain_intact;
  {
    std::lock_guard<std::mutex> l(backup_state_mu_);
    chain_intact = archive_chain_intact_;
  }
  BackupOptions o;
  o.file_system = fs_;
  int archived = 0;
  bool gap = false;
  std::vector<uint64_t> held;
  Status s;
  {
    std::lock_guard<std::mutex> l(backup_mu_);
    s = backup::ArchiveSealedJournals(path_, options_.backup_repository, o, /*own_process=*/true,
                                      chain_intact, &archived, &gap, &held);
  }
  // Delete the flushed journals the archive holds. If it keeps failing, the
  // oldest beyond kMaxUnarchivedJournals go anyway: the database must not
  // fill its disk for its backups (the gap is reported, and the next backup
  // closes it).
  uint64_t floor;
  {
    std::lock_guard<std::mutex> l(mu_);
    floor = manifest_.journal_floor;
  }
  std::vector<std::string> names;
  std::vector<uint64_t> waiting;
  fs_->GetChildren(Path(kJournalDir), &names);
  for (const std::string& n : names) {
    uint64_t number;
    if (!ParseNumberedName(n, "log", &number) || number >= floor) continue;
    if (std::find(held.begin(), held.end(), number) != held.end()) {
      fs_->RemoveFile(Path(JournalRelPath(number)));
    } else {
      waiting.push_back(number);
    }
  }
  std::sort(waiting.begin(), waiting.end());
  const bool dropping = waiting.size() > kMaxUnarchivedJournals;
  for (size_t i = 0; dropping && i + kMaxUnarchivedJournals < waiting.size(); ++i) {
    fs_->RemoveFile(Path(JournalRelPath(waiting[i])));
  }
  std::lock_guard<std::mutex> l(backup_state_mu_);
  journals_archived_ += static_cast<uint64_t>(archived);
  if (s.ok()) archive_chain_intact_ = true;
  if (dropping) archive_chain_intact_ = false;
  if (!s.ok()) {
    archive_error_ = s.ToString() + " (" + std::to_string(waiting.size()) +
                     " flushed journals wait for the archive)";
  } else if (gap) {
    archive_error_ =
        "a journal was deleted before it could be archived: restores cannot pass it until the "
        "next backup";
  } else {
    archive_error_.clear();
  }
}

void DBImpl::BackupLoop() {
  LowerThisThreadsPriority();
  int64_t interval_us;
  {
    std::lock_guard<std::mutex> l(mu_);
    interval_us = static_cast<int64_t>(manifest_.backup_interval_hours) * 3600 * 1000000;
  }
  int64_t due = NowMicros();
  std::vector<BackupInfo> list;
  if (ListBackups(options_.backup_repository, &list, fs_).ok() && !list.empty()) {
    due = list.back().created_us + interval_us;
  }
  std::unique_lock<std::mutex> l(backup_state_mu_);
  while (!stop_backups_.load()) {
    if (archive_pending_) {
      archive_pending_ = false;
      l.unlock();
      ArchiveFlushedJournals();
      l.lock();
      continue;
    }
    const int64_t now = NowMicros();
    if (now < due) {
      backup_cv_.wait_for(l, std::chrono::microseconds(due - now));
      continue;
    }
    l.unlock();
    BackupOptions o;
    o.progress = [this](double) { return !stop_backups_.load(); };
    Status s = Backup(options_.backup_repository, o, nullptr);
    l.lock();
    due = NowMicros() + (s.ok() ? interval_us : std::min(interval_us, kRetryMicros));
  }
  // Closing: what the flushes left waits no longer than this.
  l.unlock();
  if (options_.archive_journals) ArchiveFlushedJournals();
}

void DBImpl::StopBackups() {
  {
    std::lock_guard<std::mutex> l(backup_state_mu_);
    stop_backups_.store(true);
    backup_cv_.notify_all();
  }
  if (backup_thread_.joinable()) backup_thread_.join();
}

}  // namespace spirapi
