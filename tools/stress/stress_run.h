// What the modes of spirapi_stress share: their arguments, the run totals
// and summary line, and the two steps every mode is made of: a session (open
// the database, resolve what a crash left pending, run the workload) and a
// verification (reopen without background work and check against the
// oracle). The file system is a parameter so that the power-loss loop can run
// both through FaultInjectionFileSystem.

#ifndef SPIRAPI_TOOLS_STRESS_STRESS_RUN_H_
#define SPIRAPI_TOOLS_STRESS_STRESS_RUN_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "spirapi/db.h"
#include "spirapi/file_system.h"
#include "stress/stress_workload.h"

namespace spirapi::stress {

struct Args {
  std::string dir;
  int seconds = 0;
  int kill_loop = 0;
  int power_loss_loop = 0;
  bool verify_only = false;
  int threads = 4;
  uint32_t keys = 256;
  uint64_t seed = 0;
  int max_kill_delay_ms = 600;
  bool encrypt = false;
  bool verbose = false;
  WorkloadOptions workload;
};

// Totals over a run, for the summary line.
struct Totals {
  uint64_t cycles = 0;
  uint64_t keys_verified = 0;
  uint64_t in_flight_applied = 0;
  uint64_t in_flight_not_applied = 0;
  uint64_t unsynced_lost = 0;  // acknowledged unsynced commits lost to power loss
  uint64_t acked_lost = 0;
  uint64_t verify_records = 0;
  uint64_t acked = 0;  // acknowledged commits in the oracle
};

// The options every mode opens DIR/db with: small files and LZMA level 1, so
// that a short run rotates journals, flushes and compacts many times.
Options StressDbOptions(const Args& a, FileSystem* fs, bool background);
std::string StressDbPath(const Args& a);

// Opens the database (DIR/db) through `fs`, resolves transactions a crash
// left pending (as after a power loss, which assumes the least), and runs
// the workload until `stop`. `db_stats`, if given, receives the database's
// statistics at the end.
Status RunSession(const Args& a, FileSystem* fs, const std::atomic<bool>& stop,
                  const WorkloadOptions& workload, WorkloadStats* stats,
                  DbStats* db_stats = nullptr);

// Reopens the database through `fs` without background work (so that
// DB::Verify sees what recovery left) and checks it against the oracle, the
// last session having ended in a power loss or not. A wrong database is
// returned as Corruption carrying the verifier's finding.
Status VerifyOnce(const Args& a, FileSystem* fs, bool power_loss, Totals* totals);

std::string Summary(const char* mode, const Totals& t);

// Prints the failure and the summary; returns exit code 1.
int Fail(const std::string& what, const Totals& t, const Args& a);

}  // namespace spirapi::stress

#endif  // SPIRAPI_TOOLS_STRESS_STRESS_RUN_H_
