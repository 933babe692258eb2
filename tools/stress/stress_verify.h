// Checks a database against the expected-state oracle, exactly.
//
// The oracle gives the verified state (ExpectedState's values) and the
// pending transactions of the last session, in intent order. What the
// database may hold depends on how that session ended:
//
//  * after a clean close or a process crash (kill -9), every acknowledged
//    transaction must be there: Commit returned after write(2);
//  * after a power loss, only the acknowledged transactions committed with
//    sync = true must be there, and with them every transaction acknowledged
//    before one of those began (the journal is a sequence: a synced commit
//    makes all earlier ones durable). An unsynced one may be lost.
//
// In both cases the transactions the database shows must be a set A that is
// whole (a transaction is on all of its keys or on none), ordered (for each
// key, A holds a prefix of the key's writes) and closed under "was
// acknowledged before T began" (a recovered journal is a prefix). The
// verifier derives the smallest such A from the required transactions and
// from what it reads (a record names the transaction that wrote it), then
// checks that every key of the key space holds exactly the value A gives it,
// byte for byte (data, metadata and blob), or is absent.
//
// Scan and Count must agree with point reads, nothing outside the key space
// may exist, and (when asked) DB::Verify must report no damage. On success
// the decisions are logged (`resolved` for each transaction not acknowledged,
// or acknowledged but lost; then `verified`), so that the next session starts
// again from an exact state.

#ifndef SPIRAPI_TOOLS_STRESS_STRESS_VERIFY_H_
#define SPIRAPI_TOOLS_STRESS_STRESS_VERIFY_H_

#include <cstdint>
#include <string>

#include "spirapi/db.h"
#include "stress/expected_state.h"

namespace spirapi::stress {

struct VerifyOptions {
  // The session ended in a (simulated) power loss: unsynced acknowledged
  // transactions may be missing, as a suffix.
  bool power_loss = false;
  bool run_db_verify = true;
};

struct VerifyResult {
  uint64_t keys_verified = 0;
  // Pending transactions that were never acknowledged, found applied or not.
  uint64_t in_flight_applied = 0;
  uint64_t in_flight_not_applied = 0;
  // Acknowledged unsynced transactions missing after a power loss (allowed).
  uint64_t unsynced_lost = 0;
  // Transactions that had to be durable but do not show on some key (for a
  // delete: keys that should be absent and are not): must be 0.
  uint64_t acked_lost = 0;
  uint64_t records_checked = 0;  // by DB::Verify
  std::string failure;           // empty: the database is as expected
};

// Compares `db` with `state` and, on success, resolves the pending
// transactions into `state` and, when `log` is not null, into the log.
// Returns a non-OK status only when the check itself could not run (e.g. a
// read failed with IOError); a wrong database is reported in
// result->failure.
Status VerifyAgainstOracle(DB* db, ExpectedState* state, ExpectedLog* log,
                           const VerifyOptions& options, VerifyResult* result);

}  // namespace spirapi::stress

#endif  // SPIRAPI_TOOLS_STRESS_STRESS_VERIFY_H_
