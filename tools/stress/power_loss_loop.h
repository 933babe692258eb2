// --power-loss-loop N of spirapi_stress: the random workload, with the power
// cut instead of the process killed.
//
// Each cycle runs in this process, with the database on a
// FaultInjectionFileSystem (tests/support/fault_injection_fs.h), which knows
// what a power failure could keep: bytes written since a file's last fsync,
// and directory entries created, renamed or removed since the directory's
// last fsync, are not durable. A cycle:
//
//   1. opens the database and runs the workload (threads, transactions,
//      flushes, compactions, the background thread);
//   2. after a random delay (sometimes within the first 20 ms, while the
//      database opens), cuts the power: every later write, fsync, create,
//      rename or removal fails and changes nothing; commits under way fail
//      (their transactions stay in flight) and the database is closed;
//   3. rewrites the files into what the disk might hold after the failure:
//      unsynced tails dropped, or torn at a 512-byte or 4 KiB boundary, or
//      torn with garbage bytes (one mode per cycle, in turn at random);
//      unsynced creations deleted, renames undone, removals resurrected;
//   4. in one cycle of four, reopens the database with a budget of 0..39
//      mutations and cuts the power again during that recovery;
//   5. reopens and verifies against the oracle with power-loss rules
//      (stress/stress_verify.h): every synced acknowledged commit, and every
//      commit acknowledged before one of them began, must be there; unsynced
//      ones may be missing only as a suffix; nothing partial, nothing foreign,
//      and DB::Verify clean.
//
// The oracle's log stays on the real file system: it stands for the clients,
// which a power failure of the database's machine does not undo.

#ifndef SPIRAPI_TOOLS_STRESS_POWER_LOSS_LOOP_H_
#define SPIRAPI_TOOLS_STRESS_POWER_LOSS_LOOP_H_

#include "stress/stress_run.h"

namespace spirapi::stress {

// Runs a.power_loss_loop cycles; returns the process exit code (0: every
// cycle verified; 1: a failure, printed with the summary line).
int RunPowerLossLoop(const Args& a);

}  // namespace spirapi::stress

#endif  // SPIRAPI_TOOLS_STRESS_POWER_LOSS_LOOP_H_
