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
//   ack       Commit of T returned OK, with or without WriteOptions::sync
//   resolved  a verifier found T applied, or not applied (an unacknowledged
//             T, or under power loss an acknowledged unsynced one)
//   verified  a verifier checked the database against everything above
//
// The records from one `session` to the next form a block. A verified block
// is exact: each of its transactions was applied if it was resolved so, or
// else if it was acknowledged. The last block, if no verifier has checked it
// yet, is kept apart (ExpectedState::pending()): after a power loss even an
// acknowledged transaction may be missing, so only the verifier, which knows
// how the writer ended, can decide it.
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
#include <optional>
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

// A transaction of the block no verifier has checked yet.
struct PendingTxn {
  uint64_t txn = 0;
  std::vector<StressOp> ops;
  uint64_t intent_record = 0;  // index of its intent among the log's records
  bool acked = false;
  bool synced = false;         // acknowledged after a commit with sync = true
  uint64_t ack_record = 0;     // index of its ack
  std::optional<bool> resolved;  // an earlier verifier's decision
};

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
  Status AppendAck(uint64_t txn, bool synced);
  Status AppendResolved(uint64_t txn, bool applied);
  Status AppendVerified();
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
  // component): the values are those after the last verified block, and the
  // transactions of a later block are pending(). InvalidArgument if the log
  // was made for another key space.
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

  // The unverified block's transactions, in the order of their intents (for
  // each key, the order in which the database applied them).
  const std::vector<PendingTxn>& pending() const { return pending_; }
  // Applies the pending transactions that were applied (applied[i] for
  // pending()[i]) and clears pending().
  void ResolvePending(const std::vector<bool>& applied);

  uint64_t sessions() const { return sessions_; }
  uint64_t acked() const { return acked_; }
  uint64_t resolved_applied() const { return resolved_applied_; }
  uint64_t resolved_not_applied() const { return resolved_not_applied_; }
  bool has_header() const { return has_header_; }
  uint64_t valid_end() const { return valid_end_; }

 private:
  Status ApplyRecord(std::string_view payload);
  // Applies the block's transactions as decided and clears it.
  void CloseBlock();

  uint32_t keys_ = 0;
  std::vector<KeyValue> values_;
  std::vector<PendingTxn> pending_;           // the current block
  std::map<uint64_t, size_t> pending_index_;  // txn -> index in pending_
  uint64_t records_ = 0;                      // records replayed so far
  uint64_t sessions_ = 0;
  uint64_t acked_ = 0;
  uint64_t resolved_applied_ = 0;
  uint64_t resolved_not_applied_ = 0;
  bool has_header_ = false;
  uint64_t valid_end_ = 0;
};

}  // namespace spirapi::stress

#endif  // SPIRAPI_TOOLS_STRESS_EXPECTED_STATE_H_
