// spirapi_stress: a randomized stress test of SpiraPi with an exact,
// crash-proof expected-state oracle (in the manner of RocksDB's db_stress and
// crash test).
//
// Modes (DIR holds the database, DIR/db, and the oracle, DIR/expected.log):
//
//   --seconds N     threads run the workload for N seconds, then the database
//                   is closed, reopened and verified;
//   --kill-loop N   N cycles: a forked child opens the database and runs the
//                   workload until the parent kills it with SIGKILL after a
//                   random delay (sometimes during open and recovery); the
//                   parent then reopens and verifies. It stops at the first
//                   failure with a message and exit code 1;
//   --power-loss-loop N
//                   N cycles in this process with the database on a
//                   fault-injecting file system: the power is cut after a
//                   random delay, the files rewritten into what a power
//                   failure may leave (torn and garbage tails, unsynced
//                   directory entries undone), sometimes cut again during
//                   recovery, then reopened and verified
//                   (tools/stress/power_loss_loop.h);
//   --verify-only   reopen and verify.
//
// The workload (tools/stress/stress_workload.h): puts, overwrites and deletes
// through DB::Put/PutWithBlob/Delete and through transactions of 2..6 writes
// over at least two of the six components; rolled-back transactions; reads
// checked against the oracle; flushes and compactions, beside the background
// ones. Commits use sync=true or sync=false at random: a process crash must
// lose neither (include/spirapi/options.h).
//
// Why verification is exact. Every value is a function of the transaction
// that wrote it (its number, the key and two sizes), so the oracle is a log of
// who wrote what (tools/stress/expected_state.h):
//
//   1. with the locks of the transaction's keys held, an `intent` record
//      listing its writes is appended to the log and fdatasynced;
//   2. Commit (or DB::Put/Delete) is called;
//   3. when it returns OK, an `ack` record is appended (write(2): a kill -9
//      keeps it in the page cache) and the locks are released.
//
// Because a key's lock is held from 1 to 3, the log orders the writes to a
// key as the database does. After a crash, a transaction with an intent and
// no ack is "in flight": at most one per thread, since a thread runs one
// transaction at a time. The verifier (tools/stress/stress_verify.h) replays
// the log: a key no in-flight transaction wrote must hold exactly its last
// acknowledged value (data, metadata and blob, byte for byte) or be absent
// if deleted; a key an in-flight transaction T wrote must hold its value
// before T or T's value, and T must show on all its keys or on none. After a
// power loss, an acknowledged commit made without sync may be missing too,
// but only as a suffix of the commit order (tools/stress/stress_verify.h).
// Scans and Count must agree with point reads, nothing outside the key space
// may exist, and DB::Verify must find no damage. The verifier then logs its
// decisions and a `verified` record, so that the next cycle starts from an
// exact state again.
//
// Any failed commit or wrong read in the workload, or a child that exits on
// its own, is a failure too. The one-line summary ends with the number of
// acknowledged commits lost, which must be 0.

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>

#include "CLI/CLI.hpp"
#include "spirapi/db.h"
#include "stress/power_loss_loop.h"
#include "stress/stress_run.h"

namespace spirapi::stress {
namespace {

// A child that was not killed by then has hung (the parent kills it sooner).
constexpr int kChildLimitSeconds = 120;

FileSystem* RealFs() { return FileSystem::Default(); }

int RunSeconds(const Args& a) {
  Totals t;
  std::atomic<bool> stop{false};
  WorkloadStats stats;
  std::thread timer([&] {
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(a.seconds);
    while (!stop.load() && std::chrono::steady_clock::now() < end) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop = true;
  });
  DbStats db_stats;
  Status s = RunSession(a, RealFs(), stop, a.workload, &stats, &db_stats);
  stop = true;
  timer.join();
  if (!s.ok()) return Fail("workload: " + s.ToString(), t, a);
  s = VerifyOnce(a, RealFs(), /*power_loss=*/false, &t);
  t.cycles = 1;
  if (!s.ok()) return Fail(s.ToString(), t, a);
  // Flushes and compactions: the workload's own and the background's.
  std::printf("spirapi_stress: %s (%" PRIu64 " reads checked, %" PRIu64 " rollbacks, %" PRIu64
              " flushes and %" PRIu64 " compactions, of which %" PRIu64 " and %" PRIu64
              " asked by the workload; seed %" PRIu64 ")\n",
              Summary("ok", t).c_str(), stats.reads.load(), stats.rollbacks.load(),
              db_stats.flushes, db_stats.compactions, stats.flushes.load(),
              stats.compactions.load(), a.seed);
  return 0;
}

[[noreturn]] void ChildMain(const Args& a) {
  std::atomic<bool> stop{false};
  WorkloadStats stats;
  std::thread limit([&stop] {
    std::this_thread::sleep_for(std::chrono::seconds(kChildLimitSeconds));
    stop = true;
  });
  limit.detach();
  Status s = RunSession(a, RealFs(), stop, a.workload, &stats);
  std::fprintf(stderr, "spirapi_stress: child: %s\n",
               s.ok() ? "not killed in time" : s.ToString().c_str());
  std::fflush(stderr);
  ::_exit(3);
}

int RunKillLoop(const Args& a) {
  Totals t;
  std::mt19937_64 rng(a.seed);
  for (int cycle = 1; cycle <= a.kill_loop; ++cycle) {
    std::fflush(stdout);
    std::fflush(stderr);
    // No database is open here, so the child owns the lock and shares nothing.
    pid_t pid = ::fork();
    if (pid < 0) return Fail("fork failed", t, a);
    if (pid == 0) ChildMain(a);
    // Mostly while transactions flow; sometimes during open and recovery.
    const int delay_ms = rng() % 8 == 0
                             ? static_cast<int>(rng() % 20)
                             : 20 + static_cast<int>(rng() % std::max(1, a.max_kill_delay_ms - 19));
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    ::kill(pid, SIGKILL);
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid) return Fail("waitpid failed", t, a);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
      return Fail("cycle " + std::to_string(cycle) + ": the child ended on its own (exit code " +
                      std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                      "; its message is above)",
                  t, a);
    }
    t.cycles = static_cast<uint64_t>(cycle);
    Status s = VerifyOnce(a, RealFs(), /*power_loss=*/false, &t);
    if (!s.ok()) {
      return Fail("cycle " + std::to_string(cycle) + " (killed after " + std::to_string(delay_ms) +
                      " ms): " + s.ToString(),
                  t, a);
    }
    if (a.verbose) {
      std::fprintf(stderr, "cycle %d: killed after %d ms; %" PRIu64 " commits acknowledged\n",
                   cycle, delay_ms, t.acked);
    }
  }
  std::printf("spirapi_stress: %s; seed %" PRIu64 "\n", Summary("ok", t).c_str(), a.seed);
  return 0;
}

int Main(int argc, char** argv) {
  Args a;
  CLI::App app(
      "spirapi_stress: random transactions over a bounded key space, checked against an "
      "expected-state log kept beside the database, with kill -9 cycles.");
  app.add_option("--dir", a.dir,
                 "Directory for the database (DIR/db) and the oracle (DIR/expected.log); "
                 "default: a new temporary directory, removed after success");
  auto* seconds = app.add_option("--seconds", a.seconds, "Run the workload for N seconds")
                      ->check(CLI::PositiveNumber);
  auto* kill = app.add_option("--kill-loop", a.kill_loop, "Run N kill -9 / verify cycles")
                   ->check(CLI::PositiveNumber);
  auto* power = app.add_option("--power-loss-loop", a.power_loss_loop,
                               "Run N power-cut / verify cycles on a fault-injecting file system")
                    ->check(CLI::PositiveNumber);
  auto* verify = app.add_flag("--verify-only", a.verify_only, "Only reopen and verify");
  bool after_power_loss = false;
  app.add_flag("--after-power-loss", after_power_loss,
               "With --verify-only: the last run may have ended in a power failure, so "
               "acknowledged unsynced commits may be missing (as a suffix)")
      ->needs(verify);
  seconds->excludes(kill)->excludes(power)->excludes(verify);
  kill->excludes(power)->excludes(verify);
  power->excludes(verify);
  app.add_option("--threads", a.threads, "Worker threads")->check(CLI::Range(1, 64));
  app.add_option("--keys", a.keys, "Ids per component (fixed for a directory)")
      ->check(CLI::Range(1, 100000));
  app.add_option("--seed", a.seed, "Random seed (default: from the clock)");
  app.add_option("--max-kill-delay-ms", a.max_kill_delay_ms,
                 "Longest a child runs before it is killed (or the power is cut)")
      ->check(CLI::Range(20, 600000));
  app.add_option("--sync-percent", a.workload.sync_percent, "Commits with sync=true")
      ->check(CLI::Range(0, 100));
  app.add_option("--flush-per-mille", a.workload.flush_per_mille,
                 "Operations followed by DB::Flush")
      ->check(CLI::Range(0, 1000));
  app.add_option("--compact-per-mille", a.workload.compact_per_mille,
                 "Operations followed by DB::Compact")
      ->check(CLI::Range(0, 1000));
  app.add_flag("--encrypt", a.encrypt, "Use an encrypted database");
  app.add_flag("--verbose", a.verbose, "A line per kill cycle");
  CLI11_PARSE(app, argc, argv);
  if (a.seconds == 0 && a.kill_loop == 0 && a.power_loss_loop == 0 && !a.verify_only) {
    std::fprintf(stderr,
                 "spirapi_stress: give --seconds N, --kill-loop N, --power-loss-loop N or "
                 "--verify-only\n");
    return 2;
  }
  if (a.seed == 0) {
    a.seed = static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  }
  bool temporary = false;
  if (a.dir.empty()) {
    if (a.verify_only) {
      std::fprintf(stderr, "spirapi_stress: --verify-only needs --dir\n");
      return 2;
    }
    std::string pattern = (std::filesystem::temp_directory_path() / "spirapi-stress-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::perror("spirapi_stress: mkdtemp");
      return 1;
    }
    a.dir = pattern;
    temporary = true;
  }
  std::error_code ec;
  std::filesystem::create_directories(a.dir, ec);

  int rc;
  if (a.verify_only) {
    Totals t;
    Status s = VerifyOnce(a, RealFs(), after_power_loss, &t);
    t.cycles = 1;
    rc = s.ok() ? 0 : Fail(s.ToString(), t, a);
    if (rc == 0) std::printf("spirapi_stress: %s\n", Summary("verify ok", t).c_str());
  } else if (a.seconds > 0) {
    rc = RunSeconds(a);
  } else if (a.power_loss_loop > 0) {
    rc = RunPowerLossLoop(a);
  } else {
    rc = RunKillLoop(a);
  }
  if (rc == 0 && temporary) std::filesystem::remove_all(a.dir, ec);
  return rc;
}

}  // namespace
}  // namespace spirapi::stress

int main(int argc, char** argv) { return spirapi::stress::Main(argc, argv); }
