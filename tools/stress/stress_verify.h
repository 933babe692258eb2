// Checks a database against the expected-state oracle, exactly.
//
// Every key of the key space is read (Get, and Scan per component, which must
// agree with each other and with Count):
//  * a key that no in-flight transaction wrote must hold exactly its expected
//    value (or be absent), byte for byte: data, metadata and blob;
//  * a key written by an in-flight transaction T must hold either its value
//    before T or the value T wrote; and T must be applied to all of its keys
//    or to none (all-or-nothing).
// Then DB::Verify must report no damage. On success every in-flight
// transaction is resolved in the log (applied or not), so that the next run
// starts again from an exact state.

#ifndef SPIRAPI_TOOLS_STRESS_STRESS_VERIFY_H_
#define SPIRAPI_TOOLS_STRESS_STRESS_VERIFY_H_

#include <cstdint>
#include <string>

#include "spirapi/db.h"
#include "stress/expected_state.h"

namespace spirapi::stress {

struct VerifyResult {
  uint64_t keys_verified = 0;
  uint64_t in_flight_applied = 0;
  uint64_t in_flight_not_applied = 0;
  // Acknowledged transactions with at least one key that does not hold what
  // they wrote (and nothing later overwrote): must be 0.
  uint64_t acked_lost = 0;
  uint64_t records_checked = 0;  // by DB::Verify
  std::string failure;           // empty: the database is as expected
};

// Compares `db` with `state`; resolves in-flight transactions into `state`
// and, when `log` is not null, into the log. Returns a non-OK status only
// when the check itself could not run (e.g. a read failed with IOError);
// a wrong database is reported in result->failure.
Status VerifyAgainstOracle(DB* db, ExpectedState* state, ExpectedLog* log, bool run_db_verify,
                           VerifyResult* result);

}  // namespace spirapi::stress

#endif  // SPIRAPI_TOOLS_STRESS_STRESS_VERIFY_H_
