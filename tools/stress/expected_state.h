// The expected-state oracle of spirapi_stress: what every key of the stress
// key space must hold, kept in an append-only log beside the database so that
// it survives the kill -9 of the process that wrote it.
//
// The key space is `keys` ids ("k00000", ...) in each of the six components.
// A value is never stored in the log: it is a function of the transaction
// that wrote it (ExpectedData, ExpectedMetadata, ExpectedBlob), so the log
// holds only who wrote what (a few bytes per write) and the verifier can
// rebuild every byte a record must hold.
//
// Log records, in order of writing (see tools/spirapi_stress.cc for the
// protocol that makes verification exact):
//
//   header    the key space size; first record of the log
//   session   a process started writing; numbers its transactions
//   intent    transaction T is about to be committed, with its writes
//   ack       Commit of T returned OK
//   resolved  a verifier found in-flight T applied, or not applied
//
// Framing: fixed32 payload length, fixed32 CRC-32 of the payload, payload.
// A torn or damaged last record is dropped (and cut off before the next
// append); damage before the end is an error, since the oracle would then be
// unknown.

#ifndef SPIRAPI_TOOLS_STRESS_EXPECTED_STATE_H_
#define SPIRAPI_TOOLS_STRESS_EXPECTED_STATE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "spirapi/file_system.h"
#include "spirapi/record.h"
#include "spirapi/status.h"

namespace spirapi::stress {

// One write of a transaction.
struct StressOp {
  Component component = Component::kSequence;
  bool is_delete = false;
  uint32_t key = 0;         // index in the component's key space
  uint32_t data_pad = 0;    // bytes of padding in the data JSON
  uint32_t blob_bytes = 0;  // 0: no blob
};

// What one key holds: nothing, or what transaction `txn` wrote.
struct KeyValue {
  bool exists = false;
  uint64_t txn = 0;
  uint32_t data_pad = 0;
  uint32_t blob_bytes = 0;

  bool operator==(const KeyValue& o) const {
    return exists == o.exists &&
           (!exists || (txn == o.txn && data_pad == o.data_pad && blob_bytes == o.blob_bytes));
  }
  // The value after `op` of transaction `txn` is applied.
  static KeyValue After(uint64_t txn, const StressOp& op);
  std::string ToString() const;
};

// The record contents a write of transaction `txn` stores; deterministic.
std::string KeyId(uint32_t key);
std::string ExpectedData(uint64_t txn, Component c, uint32_t key, uint32_t pad);
std::string ExpectedMetadata(uint64_t txn);
std::string ExpectedBlob(uint64_t txn, Component c, uint32_t key, uint32_t n);

// Appends records to the log. Thread-safe.
class ExpectedLog {
 public:
  ExpectedLog() = default;
  ExpectedLog(const ExpectedLog&) = delete;
  ExpectedLog& operator=(const ExpectedLog&) = delete;

  // Opens `path` for appending, first cutting it to `valid_end` (the end of
  // its last intact record, from ExpectedState::Load; 0 for a new log).
  Status Open(const std::string& path, uint64_t valid_end);

  Status AppendHeader(uint32_t keys);
  Status AppendSession(uint64_t session);
  Status AppendIntent(uint64_t txn, const std::vector<StressOp>& ops);
  Status AppendAck(uint64_t txn);
  Status AppendResolved(uint64_t txn, bool applied);
  // fdatasync.
  Status Sync();

 private:
  Status Append(const std::string& payload, bool sync);

  std::mutex mu_;
  std::unique_ptr<WritableFile> file_;
};

// The state the log describes.
class ExpectedState {
 public:
  // Replays the log at `path` (absent: an empty key space of `keys` ids per
  // component). InvalidArgument if the log was made for another key space.
  Status Load(const std::string& path, uint32_t keys);

  uint32_t keys() const { return keys_; }
  KeyValue& at(Component c, uint32_t key) {
    return values_[static_cast<size_t>(c) * keys_ + key];
  }
  const KeyValue& at(Component c, uint32_t key) const {
    return values_[static_cast<size_t>(c) * keys_ + key];
  }
  // Applies the writes of a committed transaction.
  void Apply(uint64_t txn, const std::vector<StressOp>& ops);

  // Transactions with an intent but neither ack nor resolution: each
  // may or may not be in the database, as a whole.
  const std::map<uint64_t, std::vector<StressOp>>& in_flight() const { return in_flight_; }
  void ClearInFlight() { in_flight_.clear(); }

  uint64_t sessions() const { return sessions_; }
  uint64_t acked() const { return acked_; }
  uint64_t resolved_applied() const { return resolved_applied_; }
  uint64_t resolved_not_applied() const { return resolved_not_applied_; }
  bool has_header() const { return has_header_; }
  uint64_t valid_end() const { return valid_end_; }

 private:
  Status ApplyRecord(std::string_view payload);

  uint32_t keys_ = 0;
  std::vector<KeyValue> values_;
  std::map<uint64_t, std::vector<StressOp>> in_flight_;
  uint64_t sessions_ = 0;
  uint64_t acked_ = 0;
  uint64_t resolved_applied_ = 0;
  uint64_t resolved_not_applied_ = 0;
  bool has_header_ = false;
  uint64_t valid_end_ = 0;
};

}  // namespace spirapi::stress

#endif  // SPIRAPI_TOOLS_STRESS_EXPECTED_STATE_H_
