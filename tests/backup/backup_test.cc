// Backups and restores: a restore equals its original record for record;
// incremental backups copy only new files; damage in the repository is
// found; bad requests change nothing.

#include "spirapi/backup.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "backup/backup_test_util.h"
#include "support/fault_injection_fs.h"
#include "support/temp_dir.h"

namespace spirapi::test {
namespace {

std::string Data(int i, int round = 0) {
  return "{\"i\":" + std::to_string(i) + ",\"round\":" + std::to_string(round) + ",\"text\":\"" +
         std::string(200, static_cast<char>('a' + (i + round) % 26)) + "\"}";
}

void Fill(DB* db, int n, int round = 0) {
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(
        db->Put(WriteOptions(), Component::kSequence, "k" + std::to_string(i), Data(i, round), "{}")
            .ok());
  }
}

BackupInfo Backup(const std::string& db, const std::string& repo) {
  BackupInfo info;
  Status s = BackupDatabase(db, repo, BackupOptions(), &info);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return info;
}

Status Restore(const std::string& repo, const std::string& target, RestoreOptions o = {}) {
  RestoreInfo info;
  return RestoreBackup(repo, target, o, &info);
}

TEST(BackupTest, RestoreEqualsTheOriginalRecordForRecord) {
  TempDir dir;
  const std::string db_path = dir.Sub("db"), repo = dir.Sub("repo");
  {
    // No metrics sample at close: it would be a commit after the backup's.
    Options o;
    o.metrics_interval_seconds = 0;
    auto db = OpenDb(db_path, o);
    Fill(db.get(), 300);
    ASSERT_TRUE(db->Flush().ok());  // segments...
    Fill(db.get(), 100, 1);         // ...newer versions in the journal
    ASSERT_TRUE(db->Delete(WriteOptions(), Component::kSequence, "k7").ok());
    ASSERT_TRUE(db->PutWithBlob(WriteOptions(), Component::kCache, "blob", "{\"b\":1}", "{\"m\":2}",
                                std::string("\0\1\2binary", 9))
                    .ok());
    ASSERT_TRUE(db->Put(WriteOptions(), Component::kMetadata, "meta", "[1,2.50]", "{}").ok());
    BackupInfo info = Backup(db_path, repo);  // online: the database is open
    EXPECT_EQ(info.commit, LastSequence(db.get()));
    EXPECT_GT(info.new_bytes, 0u);
  }
  ASSERT_TRUE(Restore(repo, dir.Sub("restored")).ok());
  const RecordState original = StateAt(db_path), restored = StateAt(dir.Sub("restored"));
  EXPECT_EQ(original.size(), 300u + 2u - 1u);
  EXPECT_EQ(restored, original);
  // Older versions come back too.
  auto db = OpenDb(dir.Sub("restored"));
  StorageRecord r;
  ASSERT_TRUE(db->GetVersion(ReadOptions(), Component::kSequence, "k5", 1, &r).ok());
  EXPECT_EQ(r.data, Data(5, 0));
  // The restored database is a database of its own: it opens for writing,
  // and its repository cannot be the original's.
  ASSERT_TRUE(db->Put(WriteOptions(), Component::kSequence, "new", "1", "{}").ok());
  db.reset();
  BackupInfo info;
  Status s = BackupDatabase(dir.Sub("restored"), repo, BackupOptions(), &info);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.ToString().find("another database"), std::string::npos) << s.ToString();
}

TEST(BackupTest, SecondBackupCopiesOnlyWhatChanged) {
  TempDir dir;
  const std::string db_path = dir.Sub("db"), repo = dir.Sub("repo");
  Options o;
  o.max_file_size_mb = 1;  // several segments
  auto db = OpenDb(db_path, o);
  Fill(db.get(), 6000);
  ASSERT_TRUE(db->Flush().ok());
  const BackupInfo first = Backup(db_path, repo);
  for (int i = 0; i < 60; ++i) {  // 1%
    ASSERT_TRUE(db->Put(WriteOptions(), Component::kSequence, "k" + std::to_string(i * 100),
                        Data(i, 2), "{}")
                    .ok());
  }
  ASSERT_TRUE(db->Flush().ok());
  const BackupInfo second = Backup(db_path, repo);
  EXPECT_GT(first.new_bytes, 0u);
  EXPECT_LT(second.new_bytes * 10, first.new_bytes)
      << "first " << first.new_bytes << " second " << second.new_bytes;
  std::vector<BackupInfo> list;
  ASSERT_TRUE(ListBackups(repo, &list).ok());
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].id, first.id);
  EXPECT_EQ(list[1].commit, LastSequence(db.get()));
  // Each restores to its own state.
  const RecordState now = StateOf(db.get());
  RestoreOptions ro;
  ro.backup_id = second.id;
  ASSERT_TRUE(Restore(repo, dir.Sub("r2"), ro).ok());
  EXPECT_EQ(StateAt(dir.Sub("r2")), now);
  ro.backup_id = first.id;
  ASSERT_TRUE(Restore(repo, dir.Sub("r1"), ro).ok());
  RecordState old = StateAt(dir.Sub("r1"));
  EXPECT_EQ(old.size(), now.size());
  EXPECT_NE(old, now);
}

TEST(BackupTest, BackupsDuringWritesHoldAPrefixOfTheCommits) {
  TempDir dir;
  const std::string db_path = dir.Sub("db"), repo = dir.Sub("repo");
  Options o;
  o.max_file_size_mb = 1;  // rotations, flushes and compactions meanwhile
  auto db = OpenDb(db_path, o);
  std::atomic<int> written{0};
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    WriteOptions wo;
    wo.sync = false;
    for (int i = 0; !stop.load(); ++i) {
      ASSERT_TRUE(db->Put(wo, Component::kSequence, "k" + std::to_string(i), Data(i), "{}").ok());
      written.store(i + 1);
    }
  });
  std::vector<std::pair<BackupInfo, int>> backups;
  for (int b = 0; b < 4; ++b) {
    while (written.load() < (b + 1) * 2000) std::this_thread::yield();
    const int before = written.load();
    backups.emplace_back(Backup(db_path, repo), before);
  }
  stop = true;
  writer.join();
  for (size_t b = 0; b < backups.size(); ++b) {
    RestoreOptions ro;
    ro.backup_id = backups[b].first.id;
    const std::string target = dir.Sub("r" + std::to_string(b));
    ASSERT_TRUE(Restore(repo, target, ro).ok());
    const RecordState state = StateAt(target);
    // Commits are in order: the backup holds k0..k(n-1), every one whole.
    const int n = static_cast<int>(state.size());
    EXPECT_GE(n, backups[b].second);
    for (int i = 0; i < n; ++i) {
      auto it = state.find("sequence/k" + std::to_string(i));
      ASSERT_NE(it, state.end()) << "backup " << b << " lacks k" << i << " of " << n;
      EXPECT_EQ(std::get<0>(it->second), Data(i));
    }
  }
}

TEST(BackupTest, VerifyFindsAFlippedByteAndRestoreRefusesIt) {
  TempDir dir;
  const std::string db_path = dir.Sub("db"), repo = dir.Sub("repo");
  {
    auto db = OpenDb(db_path);
    Fill(db.get(), 500);
    ASSERT_TRUE(db->Flush().ok());
  }
  Backup(db_path, repo);
  BackupVerifyReport report;
  ASSERT_TRUE(VerifyBackups(repo, BackupVerifyOptions(), &report).ok());
  EXPECT_TRUE(report.damage.empty()) << report.damage.front();
  EXPECT_EQ(report.backups_checked, 1u);
  EXPECT_GE(report.records_checked, 500u);
  // Flip one byte of the largest object (the segment).
  std::string victim;
  uintmax_t largest = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(repo + "/objects")) {
    if (e.is_regular_file() && e.file_size() > largest) {
      largest = e.file_size();
      victim = e.path().string();
    }
  }
  {
    std::fstream f(victim, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(largest / 2));
    char ch;
    f.seekg(static_cast<std::streamoff>(largest / 2));
    f.get(ch);
    f.seekp(static_cast<std::streamoff>(largest / 2));
    f.put(static_cast<char>(ch ^ 0x20));
  }
  ASSERT_TRUE(VerifyBackups(repo, BackupVerifyOptions(), &report).ok());
  ASSERT_FALSE(report.damage.empty());
  const std::string sha = std::filesystem::path(victim).filename().string();
  EXPECT_NE(report.damage.front().find(sha), std::string::npos) << report.damage.front();
  EXPECT_NE(report.damage.front().find("SHA-256"), std::string::npos) << report.damage.front();
  Status s = Restore(repo, dir.Sub("restored"));
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("restored")));
}

TEST(BackupTest, EncryptedBackupsHoldNoPlaintext) {
  TempDir dir;
  const std::string db_path = dir.Sub("db"), repo = dir.Sub("repo");
  Options o;
  o.encryption_enabled = true;
  o.passphrase = "correct horse";
  {
    auto db = OpenDb(db_path, o);
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE(db->Put(WriteOptions(), Component::kSequence, "secret-id-" + std::to_string(i),
                          "{\"plaintext\":\"needle-in-the-repository\"}", "{}")
                      .ok());
    }
    ASSERT_TRUE(db->Flush().ok());
    ASSERT_TRUE(db->Put(WriteOptions(), Component::kSequence, "secret-id-x",
                        "{\"plaintext\":\"needle-in-the-repository\"}", "{}")
                    .ok());
  }
  const BackupInfo info = Backup(db_path, repo);  // no passphrase needed
  EXPECT_TRUE(info.encrypted);
  for (const auto& e : std::filesystem::recursive_directory_iterator(repo)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find("needle"), std::string::npos) << e.path();
    EXPECT_EQ(bytes.find("secret-id"), std::string::npos) << e.path();
  }
  BackupVerifyReport report;
  ASSERT_TRUE(VerifyBackups(repo, BackupVerifyOptions(), &report).ok());
  EXPECT_TRUE(report.damage.empty());
  ASSERT_EQ(report.skipped.size(), 1u);
  BackupVerifyOptions vo;
  vo.passphrase = o.passphrase;
  ASSERT_TRUE(VerifyBackups(repo, vo, &report).ok());
  EXPECT_TRUE(report.skipped.empty());
  EXPECT_GE(report.records_checked, 51u);
  RestoreOptions ro;
  ro.has_to_time = true;
  ro.to_time_us = info.created_us + 1;
  Status s = Restore(repo, dir.Sub("r"), ro);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  ASSERT_TRUE(Restore(repo, dir.Sub("r2")).ok());
  EXPECT_EQ(StateAt(dir.Sub("r2"), o), StateAt(db_path, o));
}

TEST(BackupTest, BadRequestsChangeNothing) {
  TempDir dir;
  const std::string db_path = dir.Sub("db"), repo = dir.Sub("repo");
  { OpenDb(db_path); }
  BackupInfo info;
  EXPECT_TRUE(BackupDatabase(dir.Sub("nothing"), repo, BackupOptions(), &info).IsInvalidArgument());
  EXPECT_FALSE(std::filesystem::exists(repo));
  // A directory with other files is not made a repository.
  std::filesystem::create_directories(dir.Sub("busy"));
  std::ofstream(dir.Sub("busy/file")) << "x";
  EXPECT_TRUE(BackupDatabase(db_path, dir.Sub("busy"), BackupOptions(), &info).IsInvalidArgument());
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("busy/objects")));
  Backup(db_path, repo);
  // Restore never writes into an existing directory with contents, nor
  // over a file (which a failed restore once removed).
  Status s = Restore(repo, db_path);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  std::ofstream(dir.Sub("precious.txt")) << "x";
  s = Restore(repo, dir.Sub("precious.txt"));
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_TRUE(std::filesystem::exists(dir.Sub("precious.txt")));
  RestoreOptions ro;
  ro.backup_id = "nope";
  EXPECT_TRUE(Restore(repo, dir.Sub("r"), ro).IsInvalidArgument());
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("r")));
  ro = RestoreOptions();
  ro.backup_id = info.id;
  ro.to_commit = 5;
  EXPECT_TRUE(Restore(repo, dir.Sub("r"), ro).IsInvalidArgument());
  std::vector<BackupInfo> list;
  EXPECT_TRUE(ListBackups(db_path, &list).IsInvalidArgument());
  PruneResult pruned;
  EXPECT_TRUE(PruneBackups(repo, PruneOptions(), &pruned).IsInvalidArgument());
}

TEST(BackupTest, DiskFullInTheRepositoryLeavesEarlierBackupsIntact) {
  TempDir dir;
  const std::string db_path = dir.Sub("db"), repo = dir.Sub("repo");
  auto db = OpenDb(db_path);
  Fill(db.get(), 2000);
  ASSERT_TRUE(db->Flush().ok());
  const BackupInfo first = Backup(db_path, repo);
  Fill(db.get(), 2000, 1);
  ASSERT_TRUE(db->Flush().ok());
  for (int n = 1; n <= 12; ++n) {
    FaultInjectionFileSystem fs;
    fs.FailAfter(FaultInjectionFileSystem::Op::kWrite, n, ENOSPC, /*persistent=*/true, repo);
    BackupOptions bo;
    bo.file_system = &fs;
    BackupInfo info;
    Status s = BackupDatabase(db_path, repo, bo, &info);
    if (s.ok()) break;  // n passed the number of writes a backup makes
    EXPECT_TRUE(s.IsIOError()) << s.ToString();
    EXPECT_NE(s.ToString().find("No space"), std::string::npos) << s.ToString();
    std::vector<BackupInfo> list;
    ASSERT_TRUE(ListBackups(repo, &list).ok());
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].id, first.id);
  }
  BackupVerifyReport report;
  ASSERT_TRUE(VerifyBackups(repo, BackupVerifyOptions(), &report).ok());
  EXPECT_TRUE(report.damage.empty()) << report.damage.front();
  const RecordState now = StateOf(db.get());
  Backup(db_path, repo);
  ASSERT_TRUE(Restore(repo, dir.Sub("r")).ok());
  EXPECT_EQ(StateAt(dir.Sub("r")), now);
}

TEST(BackupTest, PruneKeepsWhatTheRulesSayAndFreesTheRest) {
  TempDir dir;
  const std::string db_path = dir.Sub("db"), repo = dir.Sub("repo");
  auto db = OpenDb(db_path);
  std::vector<BackupInfo> made;
  for (int round = 0; round < 4; ++round) {
    Fill(db.get(), 500, round);
    ASSERT_TRUE(db->Compact().ok());  // each backup gets segments of its own
    made.push_back(Backup(db_path, repo));
  }
  const RecordState now = StateOf(db.get());
  PruneOptions po;
  po.keep_last = 2;
  po.dry_run = true;
  PruneResult result;
  ASSERT_TRUE(PruneBackups(repo, po, &result).ok());
  EXPECT_EQ(result.removed, (std::vector<std::string>{made[0].id, made[1].id}));
  EXPECT_GT(result.files_removed, 0u);
  std::vector<BackupInfo> list;
  ASSERT_TRUE(ListBackups(repo, &list).ok());
  EXPECT_EQ(list.size(), 4u);  // dry run
  po.dry_run = false;
  ASSERT_TRUE(PruneBackups(repo, po, &result).ok());
  ASSERT_TRUE(ListBackups(repo, &list).ok());
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].id, made[2].id);
  BackupVerifyReport report;
  ASSERT_TRUE(VerifyBackups(repo, BackupVerifyOptions(), &report).ok());
  EXPECT_TRUE(report.damage.empty()) << report.damage.front();
  ASSERT_TRUE(Restore(repo, dir.Sub("r")).ok());
  EXPECT_EQ(StateAt(dir.Sub("r")), now);
  // Daily: all four were taken today, so one day keeps the newest.
  po = PruneOptions();
  po.keep_daily = 1;
  ASSERT_TRUE(PruneBackups(repo, po, &result).ok());
  EXPECT_EQ(result.kept, (std::vector<std::string>{made[3].id}));
}

// Waits up to 30 s for the automatic backup's outcome to show in the stats.
DbStats WaitForBackupOutcome(DB* db) {
  DbStats stats;
  for (int i = 0; i < 300; ++i) {
    EXPECT_TRUE(db->GetStats(&stats).ok());
    if (!stats.last_backup_id.empty() || !stats.last_backup_error.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return stats;
}

TEST(BackupTest, AnOpenDatabaseBacksItselfUpAndRecordsTheOutcome) {
  TempDir dir;
  const std::string db_path = dir.Sub("db"), repo = dir.Sub("repo");
  {
    auto db = OpenDb(db_path);
    Fill(db.get(), 100);
  }
  Options o;
  o.backup_repository = repo;  // no backup there yet: one is due now
  {
    auto db = OpenDb(db_path, o);
    const DbStats stats = WaitForBackupOutcome(db.get());
    ASSERT_FALSE(stats.last_backup_id.empty()) << stats.last_backup_error;
    EXPECT_TRUE(stats.last_backup_error.empty());
    std::vector<BackupInfo> list;
    ASSERT_TRUE(ListBackups(repo, &list).ok());
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].id, stats.last_backup_id);
  }
  {
    // The next open finds it recent (24 h) and takes none; the outcome is
    // remembered in METADATA for any later process.
    auto db = OpenDb(db_path, o);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    std::vector<BackupInfo> list;
    ASSERT_TRUE(ListBackups(repo, &list).ok());
    EXPECT_EQ(list.size(), 1u);
    StorageRecord r;
    ASSERT_TRUE(db->Get(ReadOptions(), Component::kMetadata, "~backup/" + list[0].id, &r).ok());
    EXPECT_NE(r.data.find("\"status\":\"ok\""), std::string::npos) << r.data;
  }
  Options plain;
  auto db = OpenDb(db_path, plain);
  DbStats stats;
  ASSERT_TRUE(db->GetStats(&stats).ok());
  std::vector<BackupInfo> list;
  ASSERT_TRUE(ListBackups(repo, &list).ok());
  EXPECT_EQ(stats.last_backup_id, list[0].id);
  EXPECT_NE(stats.ToJson().find("\"last_backup_id\":\"" + list[0].id), std::string::npos);
}

TEST(BackupTest, AFailingAutomaticBackupIsReportedNotHidden) {
  TempDir dir;
  const std::string db_path = dir.Sub("db");
  std::ofstream(dir.Sub("not-a-dir")) << "a file where the repository should be";
  Options o;
  o.backup_repository = dir.Sub("not-a-dir");
  o.archive_journals = true;
  o.max_file_size_mb = 1;
  auto db = OpenDb(db_path, o);
  const DbStats stats = WaitForBackupOutcome(db.get());
  EXPECT_TRUE(stats.last_backup_id.empty());
  EXPECT_FALSE(stats.last_backup_error.empty());
  EXPECT_GE(stats.backups_failed, 1u);
  // The failed archive is reported too, and the database goes on.
  Fill(db.get(), 100);
  ASSERT_TRUE(db->Flush().ok());
  DbStats after;
  for (int i = 0; i < 300 && after.archive_error.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ASSERT_TRUE(db->GetStats(&after).ok());
  }
  EXPECT_NE(after.archive_error.find("wait for the archive"), std::string::npos)
      << after.archive_error;
  // The flushed journal is kept for the archive, not deleted unarchived.
  int logs = 0;
  for (const auto& e : std::filesystem::directory_iterator(db_path + "/journal")) {
    logs += e.path().extension() == ".log";
  }
  EXPECT_GE(logs, 2);
  int failures = 0;
  ScanOptions so;
  so.prefix = "~backup/failed-";
  ASSERT_TRUE(db->Scan(ReadOptions(), Component::kMetadata, so, [&](const StorageRecord&) {
                  ++failures;
                  return true;
                }).ok());
  EXPECT_GE(failures, 1);
  // Once the repository works, the next open archives what waited, then
  // deletes it.
  db.reset();
  std::filesystem::remove(dir.Sub("not-a-dir"));
  db = OpenDb(db_path, o);
  logs = 100;
  for (int i = 0; i < 300 && logs > 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    logs = 0;
    for (const auto& e : std::filesystem::directory_iterator(db_path + "/journal")) {
      logs += e.path().extension() == ".log";
    }
  }
  EXPECT_EQ(logs, 1);
  EXPECT_FALSE(std::filesystem::is_empty(dir.Sub("not-a-dir") + "/journals"));
  // Options that cannot work are refused at open.
  Options bad;
  bad.archive_journals = true;
  std::unique_ptr<DB> other;
  EXPECT_TRUE(DB::Open(bad, dir.Sub("db2"), &other).IsInvalidArgument());
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("db2")));  // refused before creating anything
}

TEST(BackupTest, RestoreTimesParse) {
  int64_t t = 0;
  ASSERT_TRUE(ParseRestoreTime("2026-12-07T19:05:12Z", &t).ok());
  EXPECT_EQ(t, 1796670312LL * 1000000);
  ASSERT_TRUE(ParseRestoreTime("2026-12-07T20:05:12.25+01:00", &t).ok());
  EXPECT_EQ(t, 1796670312LL * 1000000 + 250000);
  ASSERT_TRUE(ParseRestoreTime("2026-12-07T19:05:12", &t).ok());
  EXPECT_EQ(t, 1796670312LL * 1000000);
  ASSERT_TRUE(ParseRestoreTime("1796670312.5", &t).ok());
  EXPECT_EQ(t, 1796670312LL * 1000000 + 500000);
  for (const char* bad : {"", "yesterday", "2026-13-01T00:00:00Z", "2026-02-31T00:00:00Z",
                          "2026-12-07T19:05Z", "2026-12-07T19:05:12+25:00", "12.3.4"}) {
    EXPECT_TRUE(ParseRestoreTime(bad, &t).IsInvalidArgument()) << bad;
  }
}

}  // namespace
}  // namespace spirapi::test
