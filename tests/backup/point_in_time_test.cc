// Point-in-time restore against an oracle: a random workload keeps a log of
// every commit (its sequence number, what it did, its time); backups and the
// journal archive run during it; restores at random commits and times must
// equal the log's state at that moment, record for record.

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "backup/backup_test_util.h"
#include "spirapi/backup.h"
#include "support/temp_dir.h"

namespace spirapi::test {
namespace {

struct Commit {
  uint64_t seq;
  std::string key;
  std::string data;  // empty: a delete
  int64_t time_us;   // puts only
};

// The oracle: the data of each live key after every commit up to `seq`.
std::map<std::string, std::string> OracleAt(const std::vector<Commit>& log, uint64_t seq) {
  std::map<std::string, std::string> state;
  for (const Commit& c : log) {
    if (c.seq > seq) break;
    if (c.data.empty()) {
      state.erase(c.key);
    } else {
      state[c.key] = c.data;
    }
  }
  return state;
}

// The workload's records (the database adds ~backup/ records to METADATA).
std::map<std::string, std::string> DataOf(const RecordState& state) {
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : state) {
    if (key.rfind("sequence/", 0) == 0) out[key] = std::get<0>(value);
  }
  return out;
}

// Where two states differ, briefly.
std::string Diff(const std::map<std::string, std::string>& got,
                 const std::map<std::string, std::string>& want) {
  for (const auto& [key, data] : want) {
    auto it = got.find(key);
    if (it == got.end()) return "missing " + key;
    if (it->second != data)
      return key + " is " + it->second.substr(0, 12) + ", want " + data.substr(0, 12);
  }
  for (const auto& [key, data] : got) {
    if (!want.count(key)) return "extra " + key;
  }
  return "";
}

class PointInTimeTest : public ::testing::TestWithParam<bool> {};

TEST_P(PointInTimeTest, RestoresEqualTheOracle) {
  const bool in_process = GetParam();
  TempDir dir;
  const std::string db_path = dir.Sub("db"), repo = dir.Sub("repo");
  Options o;
  o.max_file_size_mb = 1;
  if (in_process) {
    // The database archives each journal as it seals it, before the
    // background flush may delete it.
    o.backup_repository = repo;
    o.archive_journals = true;
  } else {
    o.background_work = false;  // sealed journals stay until archived below
  }
  auto db = OpenDb(db_path, o);
  std::mt19937_64 rng(in_process ? 7 : 11);
  std::vector<Commit> log;
  std::vector<BackupInfo> backups;
  WriteOptions wo;
  wo.sync = false;
  const int kCommits = 9000;
  for (int n = 0; n < kCommits; ++n) {
    Commit c;
    c.key = "sequence/k" + std::to_string(rng() % 300);
    const std::string id = c.key.substr(9);
    bool wrote = true;
    if (rng() % 4 == 0) {
      Status s = db->Delete(wo, Component::kSequence, id);
      wrote = !s.IsNotFound();
      ASSERT_TRUE(s.ok() || !wrote) << s.ToString();
    } else {
      c.data = "{\"n\":" + std::to_string(n) + ",\"pad\":\"" + std::string(300, 'p') + "\"}";
      ASSERT_TRUE(db->Put(wo, Component::kSequence, id, c.data, "{}").ok());
      StorageRecord r;
      ASSERT_TRUE(db->Get(ReadOptions(), Component::kSequence, id, &r).ok());
      c.time_us = std::llround(r.timestamp * 1e6);
    }
    c.seq = LastSequence(db.get());
    if (wrote) log.push_back(std::move(c));
    if (n == 1500 || n == 5000) {
      BackupInfo info;
      Status s = in_process ? db->Backup(repo, BackupOptions(), &info)
                            : BackupDatabase(db_path, repo, BackupOptions(), &info);
      ASSERT_TRUE(s.ok()) << s.ToString();
      // In process, the automatic backup taken at open may commit its
      // METADATA record meanwhile.
      EXPECT_GE(info.commit, log.back().seq);
      EXPECT_LE(info.commit, log.back().seq + (in_process ? 2 : 0));
      backups.push_back(info);
    }
    if (!in_process && n % 500 == 0 && n > 1500) {
      int archived = 0;
      bool gap = false;
      ASSERT_TRUE(ArchiveJournals(db_path, repo, BackupOptions(), &archived, &gap).ok());
      EXPECT_FALSE(gap);
    }
  }
  if (!in_process) {
    int archived = 0;
    bool gap = false;
    ASSERT_TRUE(ArchiveJournals(db_path, repo, BackupOptions(), &archived, &gap).ok());
    EXPECT_FALSE(gap);
  } else {
    ASSERT_TRUE(db->Flush().ok());  // seals (and so archives) the last journal
  }
  db.reset();
  if (in_process) {
    // Flushed journals were kept for the archive, and deleted once in it
    // (at the latest at close): only the active one is left.
    int logs = 0;
    for (const auto& e : std::filesystem::directory_iterator(db_path + "/journal")) {
      logs += e.path().extension() == ".log";
    }
    EXPECT_EQ(logs, 1);
  }

  // How far the archive reaches: every commit of a sealed journal.
  uint64_t reach = in_process ? log.back().seq : 0;
  if (!in_process) {
    // The active journal is not archived: find the last commit before it by
    // restoring past the end and reading the error.
    RestoreOptions ro;
    ro.to_commit = log.back().seq;
    RestoreInfo ri;
    Status s = RestoreBackup(repo, dir.Sub("beyond"), ro, &ri);
    ASSERT_TRUE(s.IsInvalidArgument()) << s.ToString();
    const size_t at = s.ToString().find("reaches commit ");
    ASSERT_NE(at, std::string::npos) << s.ToString();
    reach = std::stoull(s.ToString().substr(at + 15));
  }
  ASSERT_EQ(backups.size(), 2u);
  ASSERT_GT(reach, backups.back().commit) << "the archive holds nothing after the last backup";

  std::vector<uint64_t> points = {backups[0].commit, backups[0].commit + 1, backups[1].commit,
                                  reach};
  for (int i = 0; i < 6; ++i)
    points.push_back(backups[0].commit + rng() % (reach - backups[0].commit));
  for (size_t i = 0; i < points.size(); ++i) {
    RestoreOptions ro;
    ro.to_commit = points[i];
    RestoreInfo ri;
    const std::string target = dir.Sub("c" + std::to_string(i));
    Status s = RestoreBackup(repo, target, ro, &ri);
    ASSERT_TRUE(s.ok()) << "commit " << points[i] << ": " << s.ToString();
    EXPECT_LE(ri.commit, points[i]);
    EXPECT_EQ(Diff(DataOf(StateAt(target)), OracleAt(log, points[i])), "")
        << "commit " << points[i];
  }
  // By time: a put whose successor is a later put.
  int checked = 0;
  for (size_t i = 0; i + 1 < log.size() && checked < 4; i += 997) {
    if (log[i].seq <= backups[0].commit || log[i].seq > reach || log[i].data.empty() ||
        log[i + 1].data.empty() || log[i + 1].time_us <= log[i].time_us ||
        log[i].time_us < backups[0].created_us) {
      continue;
    }
    RestoreOptions ro;
    ro.has_to_time = true;
    ro.to_time_us = log[i].time_us;
    RestoreInfo ri;
    const std::string target = dir.Sub("t" + std::to_string(i));
    Status s = RestoreBackup(repo, target, ro, &ri);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(Diff(DataOf(StateAt(target)), OracleAt(log, log[i].seq)), "")
        << "time of commit " << log[i].seq;
    ++checked;
  }
  EXPECT_GT(checked, 0);
  // Beyond the archive: refused, naming how far it reaches.
  RestoreOptions ro;
  ro.to_commit = reach + 1000;
  RestoreInfo ri;
  Status s = RestoreBackup(repo, dir.Sub("late"), ro, &ri);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
}

INSTANTIATE_TEST_SUITE_P(FileLevelAndInProcess, PointInTimeTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "InProcess" : "FileLevel"; });

}  // namespace
}  // namespace spirapi::test
