// The random workload of spirapi_stress: threads that put, overwrite and
// delete records, commit multi-component transactions, roll some back, read
// records back, and now and then flush or compact, over the bounded key space
// of the expected-state oracle.
//
// Each key has a lock, held from before a transaction's intent is logged
// until its outcome is logged (and while a key is read back), so that the
// log's order of writes to a key is the database's order: the oracle stays
// exact, however the threads interleave, and a thread may check what it
// reads against it.

#ifndef SPIRAPI_TOOLS_STRESS_STRESS_WORKLOAD_H_
#define SPIRAPI_TOOLS_STRESS_STRESS_WORKLOAD_H_

#include <atomic>
#include <cstdint>

#include "spirapi/db.h"
#include "stress/expected_state.h"

namespace spirapi::stress {

struct WorkloadOptions {
  int threads = 4;
  uint64_t seed = 1;
  uint32_t max_pad = 2048;   // data padding: 0..max_pad bytes
  int big_percent = 2;       // writes with a 64 KiB pad (fills journals fast)
  int blob_percent = 10;     // writes with a blob of 1..4096 bytes
  int sync_percent = 70;     // commits with WriteOptions::sync
  int flush_per_mille = 2;   // operations followed by DB::Flush
  int compact_per_mille = 1; // operations followed by DB::Compact
  // Set by a power-loss run once the file system has "lost power": from then
  // on a failed write ends its thread quietly (its transaction stays in
  // flight) instead of failing the run. Wrong reads still fail it.
  const std::atomic<bool>* power_lost = nullptr;
};

struct WorkloadStats {
  std::atomic<uint64_t> commits{0};    // acknowledged (Commit returned OK)
  std::atomic<uint64_t> rollbacks{0};
  std::atomic<uint64_t> reads{0};      // records read back and checked
  std::atomic<uint64_t> flushes{0};
  std::atomic<uint64_t> compactions{0};
};

// Runs the workload until `stop` becomes true or an operation fails (a
// failed commit, or a read that differs from the oracle; see power_lost). Transactions are
// numbered (session << 32) + n. `state` must have no transaction in flight.
Status RunWorkload(DB* db, ExpectedState* state, ExpectedLog* log, uint64_t session,
                   const WorkloadOptions& options, const std::atomic<bool>& stop,
                   WorkloadStats* stats);

}  // namespace spirapi::stress

#endif  // SPIRAPI_TOOLS_STRESS_STRESS_WORKLOAD_H_
