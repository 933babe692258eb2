// kill -9 during backups, prunes and restores: a forked child writes to a
// database and, beside it, backs it up, archives its journals and prunes the
// repository in a loop; the parent kills it at a random moment. Every
// backup listed afterwards must verify clean and restore to a prefix of the
// child's commits; the interrupted one is absent; the next one succeeds. A
// restore killed midway leaves a directory that does not open as a database.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <thread>

#include "backup/backup_test_util.h"
#include "spirapi/backup.h"
#include "support/long_tests.h"
#include "support/temp_dir.h"

namespace spirapi::test {
namespace {

// Child: commits k<n> in order, n from `start`, while backing up.
[[noreturn]] void RunChild(const std::string& db_path, const std::string& repo, int start) {
  Options o;
  o.max_file_size_mb = 1;
  o.backup_repository = repo;
  o.archive_journals = true;
  std::unique_ptr<DB> db;
  if (!DB::Open(o, db_path, &db).ok()) _exit(2);
  std::thread writer([&] {
    WriteOptions wo;
    wo.sync = false;
    for (int n = start;; ++n) {
      if (!db->Put(wo, Component::kSequence, "k" + std::to_string(n),
                   "{\"n\":" + std::to_string(n) + ",\"pad\":\"" + std::string(200, 'x') + "\"}",
                   "{}")
               .ok()) {
        _exit(3);
      }
    }
  });
  for (int round = 0;; ++round) {
    BackupInfo info;
    Status s = BackupDatabase(db_path, repo, BackupOptions(), &info);
    if (!s.ok() && !s.IsBusy()) {
      std::fprintf(stderr, "backup: %s\n", s.ToString().c_str());
      _exit(4);
    }
    if (round % 3 == 2 && std::filesystem::exists(repo + "/REPOSITORY")) {
      PruneOptions po;
      po.keep_last = 3;
      PruneResult pr;
      s = PruneBackups(repo, po, &pr);
      if (!s.ok() && !s.IsBusy()) {
        std::fprintf(stderr, "prune: %s\n", s.ToString().c_str());
        _exit(5);
      }
    }
  }
}

// The restored state holds k<first>..k<first+n-1> for some n, each whole.
void ExpectPrefix(const RecordState& state) {
  int n = 0;
  for (const auto& [key, value] : state) {
    if (key.rfind("sequence/k", 0) == 0) ++n;
  }
  for (int i = 0; i < n; ++i) {
    auto it = state.find("sequence/k" + std::to_string(i));
    ASSERT_NE(it, state.end()) << "k" << i << " missing of " << n;
    ASSERT_EQ(std::get<0>(it->second).substr(0, 6 + std::to_string(i).size()),
              "{\"n\":" + std::to_string(i) + ",");
  }
}

TEST(BackupCrashTest, KilledBackupsPrunesAndRestoresLeaveEveryListedBackupWhole) {
  TempDir dir;
  const std::string db_path = dir.Sub("db"), repo = dir.Sub("repo");
  std::mt19937 rng(42);
  const int rounds = LongTests() ? 40 : 6;
  int next = 0;
  for (int round = 0; round < rounds; ++round) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) RunChild(db_path, repo, next);
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 600));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the child failed on its own: exit " << WEXITSTATUS(status);

    BackupVerifyReport report;
    ASSERT_TRUE(VerifyBackups(repo, BackupVerifyOptions(), &report).ok());
    EXPECT_TRUE(report.damage.empty()) << report.damage.front();
    std::vector<BackupInfo> list;
    ASSERT_TRUE(ListBackups(repo, &list).ok());
    if (list.empty()) continue;  // killed before the first backup finished
    const std::string target = dir.Sub("r" + std::to_string(round));
    RestoreInfo ri;
    Status s = RestoreBackup(repo, target, RestoreOptions(), &ri);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ExpectPrefix(StateAt(target));
    // The next child goes on after what the database holds now.
    next = 0;
    for (const auto& [key, value] : StateAt(db_path)) next += key.rfind("sequence/", 0) == 0;
    std::filesystem::remove_all(target);
  }
  // A restore killed midway leaves no database behind.
  for (int i = 0; i < 3; ++i) {
    const std::string target = dir.Sub("killed" + std::to_string(i));
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      RestoreInfo ri;
      RestoreBackup(repo, target, RestoreOptions(), &ri);
      _exit(0);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 20000));
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    Options o;
    o.create_if_missing = false;
    std::unique_ptr<DB> db;
    Status s = DB::Open(o, target, &db);
    if (s.ok()) {
      ExpectPrefix(StateOf(db.get()));  // it finished before the kill
    } else {
      EXPECT_TRUE(s.IsInvalidArgument() || s.IsNotFound()) << s.ToString();
    }
  }
}

}  // namespace
}  // namespace spirapi::test
