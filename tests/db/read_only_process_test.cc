// Read-only instances in other processes than the writer: a forked writer
// commits transactions (rotating, flushing and compacting as it goes) and is
// SIGKILLed at random moments and restarted, while two reader processes
// open, CatchUp and read again and again.
//
// Transaction n writes sequence/t<n> and metadata/last, both "txn-<n>" (and
// padding, so that journals rotate). The writer counts acknowledged commits
// in shared memory. A reader's view must then hold exactly t1..tL with L =
// metadata/last, L at least the count acknowledged before it loaded, and at
// most one more than acknowledged after (a commit may be complete but not yet
// acknowledged). Open and CatchUp may fail only with Busy, the documented
// transient error.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <thread>

#include "spirapi/db.h"
#include "support/long_tests.h"
#include "support/temp_dir.h"

namespace spirapi {
namespace {

struct Shared {
  std::atomic<uint64_t> acked{0};
  std::atomic<bool> stop{false};
};

std::string Marker(uint64_t n) { return "\"txn-" + std::to_string(n) + "\""; }

Options WriterOptions() {
  Options o;
  o.max_file_size_mb = 1;
  o.compression_level = 0;
  o.compaction_garbage_ratio = 0.2;
  return o;
}

[[noreturn]] void WriterMain(const std::string& path, Shared* shared) {
  std::unique_ptr<DB> db;
  if (!DB::Open(WriterOptions(), path, &db).ok()) ::_exit(10);
  StorageRecord rec;
  uint64_t next = 1;
  Status s = db->Get(ReadOptions(), Component::kMetadata, "last", &rec);
  if (s.ok()) next = std::strtoull(rec.data.c_str() + 5, nullptr, 10) + 1;
  if (!s.ok() && !s.IsNotFound()) ::_exit(11);
  const std::string pad = "\"" + std::string(3000, 'p') + "\"";
  WriteOptions wo;
  wo.sync = false;  // a process crash loses nothing
  for (uint64_t n = next;; ++n) {
    std::unique_ptr<Transaction> txn;
    if (!db->BeginTransaction(wo, &txn).ok()) ::_exit(12);
    const std::string id = "t" + std::to_string(n);
    if (!txn->Put(Component::kSequence, id, Marker(n)).ok()) ::_exit(13);
    if (!txn->Put(Component::kMetadata, "last", Marker(n)).ok()) ::_exit(13);
    if (!txn->Put(Component::kCache, "pad" + std::to_string(n % 16), pad).ok()) ::_exit(13);
    if (!txn->Commit().ok()) ::_exit(14);
    shared->acked.store(n);
    if (n % 37 == 0 && !db->Flush().ok()) ::_exit(15);
    if (n % 151 == 0 && !db->Compact().ok()) ::_exit(16);
  }
}

// Checks one loaded view; "" if it is right, else what is wrong.
std::string CheckView(DB* db, uint64_t acked_before, const Shared& shared) {
  StorageRecord rec;
  uint64_t last = 0;
  Status s = db->Get(ReadOptions(), Component::kMetadata, "last", &rec);
  if (s.ok()) {
    last = std::strtoull(rec.data.c_str() + 5, nullptr, 10);
    if (rec.data != Marker(last)) return "metadata/last holds " + rec.data;
  } else if (!s.IsNotFound()) {
    return "get last: " + s.ToString();
  }
  if (last < acked_before) {
    return "acknowledged commit " + std::to_string(acked_before) + " missing (last " +
           std::to_string(last) + ")";
  }
  if (last > shared.acked.load() + 1) return "more commits than were ever made";
  uint64_t seen = 0;
  std::string problem;
  s = db->Scan(ReadOptions(), Component::kSequence, ScanOptions(), [&](const StorageRecord& r) {
    const uint64_t n = std::strtoull(r.id.c_str() + 1, nullptr, 10);
    if (n == 0 || n > last || r.data != Marker(n)) {
      problem = "sequence/" + r.id + " = " + r.data + " with last " + std::to_string(last);
      return false;
    }
    ++seen;
    return true;
  });
  if (!s.ok()) return "scan: " + s.ToString();
  if (!problem.empty()) return problem;
  if (seen != last) {
    return std::to_string(seen) + " transactions visible, last is " + std::to_string(last);
  }
  return "";
}

struct ReaderTally {
  uint64_t views = 0;
  uint64_t busy = 0;
  std::string failure;
};

// Alternates fresh opens with CatchUps of one long-lived instance.
void ReaderLoop(const std::string& path, const Shared& shared, ReaderTally* tally) {
  Options o;
  o.read_only = true;
  std::unique_ptr<DB> kept;
  for (uint64_t round = 0; !shared.stop.load() && tally->failure.empty(); ++round) {
    const uint64_t before = shared.acked.load();
    Status s;
    std::unique_ptr<DB> fresh;
    DB* db = nullptr;
    if (kept != nullptr && round % 2 == 1) {
      s = kept->CatchUp();
      db = kept.get();
    } else {
      s = DB::Open(o, path, &fresh);
      db = fresh.get();
    }
    if (s.IsBusy()) {
      ++tally->busy;
      continue;
    }
    if (!s.ok()) {
      tally->failure = (round % 2 == 1 ? "CatchUp: " : "Open: ") + s.ToString();
      return;
    }
    tally->failure = CheckView(db, before, shared);
    ++tally->views;
    if (fresh != nullptr) kept = std::move(fresh);
  }
}

pid_t StartWriter(const std::string& path, Shared* shared) {
  const pid_t pid = ::fork();
  if (pid == 0) WriterMain(path, shared);
  return pid;
}

// A reader process: runs ReaderLoop until told to stop, then writes
// "<views> <busy>\n<failure>" to fd.
pid_t StartReader(const std::string& path, const Shared& shared, int fd) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  ReaderTally tally;
  ReaderLoop(path, shared, &tally);
  const std::string report =
      std::to_string(tally.views) + " " + std::to_string(tally.busy) + "\n" + tally.failure;
  const bool written = ::write(fd, report.data(), report.size()) ==
                       static_cast<ssize_t>(report.size());
  ::_exit(written ? 0 : 1);
}

// Everything a reader process wrote, once it has exited.
std::string ReaderReport(pid_t pid, int fd) {
  std::string report;
  char buf[512];
  for (ssize_t n; (n = ::read(fd, buf, sizeof(buf))) > 0;) report.append(buf, n);
  ::close(fd);
  ::waitpid(pid, nullptr, 0);
  return report;
}

// Every process is forked by this test's only thread (ThreadSanitizer
// supports no threads in a child of a multi-threaded process).
TEST(ReadOnlyProcessTest, ReadersBesideAWriterKilledAtRandom) {
  test::TempDir dir;
  const std::string path = dir.Sub("db");
  {
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(WriterOptions(), path, &db).ok());
  }
  void* mem = ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                     -1, 0);
  ASSERT_NE(mem, MAP_FAILED);
  Shared* shared = new (mem) Shared();

  constexpr int kReaders = 2;
  pid_t readers[kReaders];
  int report_fds[kReaders];
  for (int r = 0; r < kReaders; ++r) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    readers[r] = StartReader(path, *shared, fds[1]);
    ASSERT_GT(readers[r], 0);
    ::close(fds[1]);
    report_fds[r] = fds[0];
  }

  pid_t writer = StartWriter(path, shared);
  ASSERT_GT(writer, 0);
  std::mt19937 rng(std::random_device{}());
  const auto end =
      std::chrono::steady_clock::now() + std::chrono::seconds(test::LongTests() ? 60 : 2);
  int kills = 0;
  while (std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + rng() % 250));
    ::kill(writer, SIGKILL);
    int status = 0;
    ::waitpid(writer, &status, 0);
    if (!WIFSIGNALED(status)) {
      ADD_FAILURE() << "the writer exited with " << WEXITSTATUS(status);
      break;
    }
    ++kills;
    writer = StartWriter(path, shared);
  }
  ::kill(writer, SIGKILL);
  ::waitpid(writer, nullptr, 0);
  shared->stop.store(true);
  EXPECT_GT(kills, 3);
  EXPECT_GT(shared->acked.load(), 50u);

  for (int r = 0; r < kReaders; ++r) {
    const std::string report = ReaderReport(readers[r], report_fds[r]);
    const size_t newline = report.find('\n');
    ASSERT_NE(newline, std::string::npos) << "reader " << r << " reported nothing";
    EXPECT_EQ(report.substr(newline + 1), "") << "reader " << r;
    EXPECT_GT(std::strtoull(report.c_str(), nullptr, 10), 5u) << "reader " << r << ": " << report;
    std::printf("reader %d: views, Busy: %s\n", r, report.substr(0, newline).c_str());
  }
  std::printf("commits %llu, writer killed %d times\n",
              static_cast<unsigned long long>(shared->acked.load()), kills);
  shared->~Shared();
  ::munmap(mem, sizeof(Shared));
}

}  // namespace
}  // namespace spirapi
