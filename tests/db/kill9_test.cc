// Process-crash tests: a forked child commits transactions in a loop and
// reports each acknowledged transaction number through a pipe; the parent
// SIGKILLs it after a random delay, reopens the database and checks that
// every acknowledged transaction is fully present and none is partly visible.
// The same database is crashed again and again; each child resumes numbering
// from what it finds.
//
// Transaction n writes the same marker "txn-n" to:
//   sequence/t<n>, index/t<n>   (one pair per transaction, never overwritten)
//   metadata/last               (overwritten: the newest committed n)
//   cache/slot<n % 8>           (overwritten: makes garbage for compaction)
// Since one child commits sequentially, the committed transactions are
// exactly 1..L where L = metadata/last, and the whole state follows from L.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "support/long_tests.h"
#include "support/temp_dir.h"
#include "spirapi/db.h"

namespace spirapi {
namespace {

constexpr int kSlots = 8;

using test::LongTests;

std::string Marker(uint64_t n) { return "\"txn-" + std::to_string(n) + "\""; }

Options ChildOptions() {
  Options options;
  // Background flushes and compactions run, so kills land inside them too.
  options.background_work = true;
  options.compaction_garbage_ratio = 0.2;
  options.compression_level = 1;
  options.max_file_size_mb = 1;
  return options;
}

// Parses "\"txn-<n>\"" back to n; 0 if it is not such a marker.
uint64_t ParseMarker(const std::string& data) {
  const std::string prefix = "\"txn-";
  if (data.size() < prefix.size() + 2 || data.compare(0, prefix.size(), prefix) != 0 ||
      data.back() != '"') {
    return 0;
  }
  return std::strtoull(data.c_str() + prefix.size(), nullptr, 10);
}

// The child: never returns. Exit codes tell the parent what went wrong.
[[noreturn]] void ChildMain(const std::string& path, int ack_fd, bool sync) {
  std::unique_ptr<DB> db;
  Status s = DB::Open(ChildOptions(), path, &db);
  if (!s.ok()) ::_exit(10);
  uint64_t next = 1;
  StorageRecord rec;
  s = db->Get(ReadOptions(), Component::kMetadata, "last", &rec);
  if (s.ok()) {
    next = ParseMarker(rec.data) + 1;
    if (next == 1) ::_exit(11);
  } else if (!s.IsNotFound()) {
    ::_exit(12);
  }
  WriteOptions wo;
  wo.sync = sync;
  for (uint64_t n = next;; ++n) {
    std::unique_ptr<Transaction> txn;
    if (!db->BeginTransaction(wo, &txn).ok()) ::_exit(13);
    const std::string id = "t" + std::to_string(n);
    const std::string marker = Marker(n);
    if (!txn->Put(Component::kSequence, id, marker).ok()) ::_exit(14);
    if (!txn->Put(Component::kIndex, id, marker).ok()) ::_exit(14);
    if (!txn->Put(Component::kMetadata, "last", marker).ok()) ::_exit(14);
    if (!txn->Put(Component::kCache, "slot" + std::to_string(n % kSlots), marker).ok()) {
      ::_exit(14);
    }
    if (!txn->Commit().ok()) ::_exit(15);
    // Acknowledge: 8 bytes, atomic on a pipe.
    if (::write(ack_fd, &n, sizeof(n)) != static_cast<ssize_t>(sizeof(n))) ::_exit(16);
    if (n % 23 == 0 && !db->Flush().ok()) ::_exit(17);
    if (n % 97 == 0 && !db->Compact().ok()) ::_exit(18);
  }
}

// Reads whatever acknowledgements are available (blocking up to
// `timeout_ms`, -1: until EOF) and appends them to *acks.
// Returns false on EOF.
bool ReadAcks(int fd, int timeout_ms, std::string* partial, std::vector<uint64_t>* acks) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    int wait_ms = -1;
    if (timeout_ms >= 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return true;
      wait_ms = static_cast<int>(left.count());
    }
    struct pollfd pfd = {fd, POLLIN, 0};
    int rc = ::poll(&pfd, 1, wait_ms);
    if (rc < 0 && errno == EINTR) continue;
    if (rc == 0) return true;  // timeout
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;  // EOF (or error): the child is gone
    partial->append(buf, static_cast<size_t>(n));
    while (partial->size() >= sizeof(uint64_t)) {
      uint64_t v;
      std::memcpy(&v, partial->data(), sizeof(v));
      acks->push_back(v);
      partial->erase(0, sizeof(v));
    }
  }
}

// Reopens the database and checks it holds exactly transactions 1..L for some
// L >= max_acked (L <= max_acked + 1: one commit may finish unacknowledged).
// Returns L through *last.
void CheckDatabase(const std::string& path, uint64_t max_acked, bool verify, uint64_t* last) {
  std::unique_ptr<DB> db;
  // No background work here: Verify should see exactly what recovery left.
  // (Verify racing with background work is covered in concurrency_test.cc.)
  Options options = ChildOptions();
  options.background_work = false;
  Status s = DB::Open(options, path, &db);
  ASSERT_TRUE(s.ok()) << "reopen after SIGKILL: " << s.ToString();

  StorageRecord rec;
  uint64_t l = 0;
  s = db->Get(ReadOptions(), Component::kMetadata, "last", &rec);
  if (s.ok()) {
    l = ParseMarker(rec.data);
    ASSERT_GT(l, 0u) << "metadata/last holds " << rec.data;
  } else {
    ASSERT_TRUE(s.IsNotFound()) << s.ToString();
  }
  ASSERT_GE(l, max_acked) << "acknowledged transactions lost";
  ASSERT_LE(l, max_acked + 1) << "more transactions than were ever committed";
  *last = l;

  // Every transaction 1..L is whole, in both components; nothing beyond.
  for (Component c : {Component::kSequence, Component::kIndex}) {
    uint64_t expect_next = 1;
    // Ids sort bytewise ("t10" < "t2"), so collect, then check as a set.
    std::vector<uint64_t> seen;
    s = db->Scan(ReadOptions(), c, ScanOptions(), [&](const StorageRecord& r) {
      uint64_t n = std::strtoull(r.id.c_str() + 1, nullptr, 10);
      EXPECT_EQ(r.data, Marker(n)) << ComponentName(c) << "/" << r.id;
      seen.push_back(n);
      return true;
    });
    ASSERT_TRUE(s.ok()) << s.ToString();
    std::sort(seen.begin(), seen.end());
    for (uint64_t n : seen) {
      ASSERT_EQ(n, expect_next) << ComponentName(c) << ": transaction " << expect_next
                                << (n > expect_next ? " missing" : " duplicated")
                                << " (last = " << l << ")";
      ++expect_next;
    }
    ASSERT_EQ(seen.size(), l) << ComponentName(c) << " holds a partial transaction";
    uint64_t count = 0;
    ASSERT_TRUE(db->Count(ReadOptions(), c, &count).ok());
    EXPECT_EQ(count, l);
  }
  // Point reads of the newest records agree.
  if (l > 0) {
    for (Component c : {Component::kSequence, Component::kIndex}) {
      s = db->Get(ReadOptions(), c, "t" + std::to_string(l), &rec);
      ASSERT_TRUE(s.ok()) << s.ToString();
      EXPECT_EQ(rec.data, Marker(l));
    }
  }
  for (Component c : {Component::kSequence, Component::kIndex}) {
    s = db->Get(ReadOptions(), c, "t" + std::to_string(l + 1), &rec);
    EXPECT_TRUE(s.IsNotFound()) << "transaction " << l + 1 << " partly visible: " << s.ToString();
  }
  // Overwritten slots hold the newest transaction that wrote them.
  for (int slot = 0; slot < kSlots; ++slot) {
    s = db->Get(ReadOptions(), Component::kCache, "slot" + std::to_string(slot), &rec);
    uint64_t newest = 0;
    for (uint64_t n = l; n >= 1 && n + kSlots > l; --n) {
      if (n % kSlots == static_cast<uint64_t>(slot)) newest = n;
    }
    if (newest == 0) {
      EXPECT_TRUE(s.IsNotFound()) << "slot" << slot << ": " << s.ToString();
    } else {
      ASSERT_TRUE(s.ok()) << "slot" << slot << ": " << s.ToString();
      EXPECT_EQ(rec.data, Marker(newest)) << "slot" << slot;
    }
  }

  if (!verify) return;
  VerifyReport report;
  ASSERT_TRUE(db->Verify(&report).ok());
  EXPECT_TRUE(report.clean()) << report.damage.size() << " damage(s), first: "
                              << report.damage[0].file << " @" << report.damage[0].offset << ": "
                              << report.damage[0].what;
}

void RunKillCycles(int cycles, bool sync, uint64_t seed) {
  test::TempDir temp;
  const std::string dir = temp.path();
  const std::string path = dir + "/db";
  std::mt19937_64 rng(seed);
  uint64_t max_acked = 0;
  uint64_t last = 0;
  int killed_before_first_ack = 0;

  for (int cycle = 0; cycle < cycles; ++cycle) {
    SCOPED_TRACE("cycle " + std::to_string(cycle) + " (seed " + std::to_string(seed) + ")");
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0) << std::strerror(errno);
    // No database is open in this process at fork time, so the child owns
    // the lock and nothing is shared.
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0) << std::strerror(errno);
    if (pid == 0) {
      ::close(fds[0]);
      ChildMain(path, fds[1], sync);
    }
    ::close(fds[1]);

    std::vector<uint64_t> acks;
    std::string partial;
    // Mostly kill while transactions flow; sometimes during open/recovery.
    const bool early = rng() % 6 == 0;
    const int delay_ms = early ? static_cast<int>(rng() % 15) : 5 + static_cast<int>(rng() % 76);
    if (!early) {
      // Wait (bounded) for the child to start committing.
      auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (acks.empty() && std::chrono::steady_clock::now() < give_up) {
        if (!ReadAcks(fds[0], 50, &partial, &acks)) break;
      }
    }
    ReadAcks(fds[0], delay_ms, &partial, &acks);
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ReadAcks(fds[0], -1, &partial, &acks);  // drain to EOF
    ::close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "child ended on its own, exit code "
        << (WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    if (acks.empty()) ++killed_before_first_ack;

    // Acknowledgements continue where the last recovered state ended.
    for (size_t i = 0; i < acks.size(); ++i) {
      ASSERT_EQ(acks[i], last + 1 + i) << "child numbering did not resume correctly";
    }
    if (!acks.empty()) max_acked = acks.back();
    // Verify reads everything, so it runs every few cycles only.
    const bool verify = cycle % 10 == 9 || cycle == cycles - 1;
    ASSERT_NO_FATAL_FAILURE(CheckDatabase(path, max_acked, verify, &last));
    max_acked = last;  // what is on disk now is the base of the next cycle
  }
  EXPECT_GT(last, static_cast<uint64_t>(cycles)) << "too few transactions to be meaningful";
  EXPECT_LT(killed_before_first_ack, cycles / 2);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

TEST(Kill9, AcknowledgedSyncCommitsSurvive) {
  RunKillCycles(LongTests() ? 300 : 50, /*sync=*/true, /*seed=*/20240917);
}

TEST(Kill9, ProcessCrashLosesNoUnsyncedCommit) {
  // WriteOptions::sync=false: "A process crash loses nothing".
  RunKillCycles(LongTests() ? 200 : 25, /*sync=*/false, /*seed=*/777);
}

}  // namespace
}  // namespace spirapi
