#include "stress/stress_verify.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "spirapi/maintenance.h"

namespace spirapi::stress {
namespace {

// What one key of the key space holds in the database.
struct Observed {
  bool present = false;
  StorageRecord record;
  uint64_t writer = 0;  // the transaction its metadata names; 0 if none
};

// Whether `found` (or its absence) is exactly `want`.
bool Matches(const KeyValue& want, Component c, uint32_t key, const Observed& found) {
  if (!want.exists || !found.present) return want.exists == found.present;
  return found.record.data == ExpectedData(want.txn, c, key, want.data_pad) &&
         found.record.metadata == ExpectedMetadata(want.txn) &&
         found.record.blob == ExpectedBlob(want.txn, c, key, want.blob_bytes);
}

// What the database holds, for messages.
std::string Describe(const Observed& o) {
  if (!o.present) return "absent";
  return "metadata " + o.record.metadata + ", " + std::to_string(o.record.data.size()) +
         " bytes of data, " + std::to_string(o.record.blob.size()) + " of blob";
}

std::string TxnName(uint64_t txn) {
  return "txn " + std::to_string(txn >> 32) + "." + std::to_string(txn & 0xffffffffu);
}

// Finds the smallest set of pending transactions that is whole, ordered per
// key, closed under "acknowledged before it began", contains the required
// ones and explains what the database shows (stress_verify.h). Every
// transaction it adds is forced, so if any consistent set exists, this one
// matches the database on every key.
class AppliedSet {
 public:
  AppliedSet(const ExpectedState& state, const VerifyOptions& options,
             const std::vector<Observed>& observed)
      : state_(state), pending_(state.pending()), observed_(observed),
        applied_(pending_.size(), false) {
    for (size_t i = 0; i < pending_.size(); ++i) {
      for (const StressOp& op : pending_[i].ops) writes_[Slot(op)].push_back(i);
      if (pending_[i].acked) acks_.push_back(i);
    }
    std::sort(acks_.begin(), acks_.end(), [this](size_t a, size_t b) {
      return pending_[a].ack_record < pending_[b].ack_record;
    });
    for (size_t i = 0; i < pending_.size(); ++i) {
      const PendingTxn& t = pending_[i];
      const bool required =
          t.resolved.value_or(t.acked && (!options.power_loss || t.synced));
      if (required) Add(i);
    }
    Drain();
    // Add what the database shows, and what that forces, until stable.
    for (bool changed = true; changed && conflict_.empty();) {
      changed = false;
      for (const auto& [slot, list] : writes_) {
        const size_t done = AppliedPrefix(list);
        const Observed& o = observed_[slot];
        for (size_t m = done; m < list.size(); ++m) {
          const StressOp& op = OpOn(list[m], slot);
          // Present: the write that stored the record. Absent while the
          // applied writes leave the key present: the first delete after.
          const bool explains = o.present ? !op.is_delete && pending_[list[m]].txn == o.writer
                                          : op.is_delete && ValueOf(slot).exists;
          if (explains) {
            Add(list[m]);
            changed = true;
            break;
          }
        }
      }
      Drain();
    }
  }

  // The value `slot` has after the applied transactions.
  KeyValue ValueOf(uint32_t slot) const {
    const Component c = static_cast<Component>(slot / state_.keys());
    KeyValue v = state_.at(c, slot % state_.keys());
    auto it = writes_.find(slot);
    if (it == writes_.end()) return v;
    for (size_t i : it->second) {
      if (!applied_[i]) break;
      v = KeyValue::After(pending_[i].txn, OpOn(i, slot));
    }
    return v;
  }

  // The pending transaction whose write gave `slot` its value, if any.
  const PendingTxn* WriterOf(uint32_t slot) const {
    auto it = writes_.find(slot);
    if (it == writes_.end()) return nullptr;
    const PendingTxn* last = nullptr;
    for (size_t i : it->second) {
      if (!applied_[i]) break;
      last = &pending_[i];
    }
    return last;
  }

  const std::vector<bool>& applied() const { return applied_; }
  // Set when the database needs a transaction an earlier verifier resolved
  // as not applied.
  const std::string& conflict() const { return conflict_; }

 private:
  uint32_t Slot(const StressOp& op) const {
    return static_cast<uint32_t>(op.component) * state_.keys() + op.key;
  }
  const StressOp& OpOn(size_t i, uint32_t slot) const {
    for (const StressOp& op : pending_[i].ops) {
      if (Slot(op) == slot) return op;
    }
    return pending_[i].ops.front();  // unreachable: i writes slot
  }
  size_t AppliedPrefix(const std::vector<size_t>& list) const {
    size_t n = 0;
    while (n < list.size() && applied_[list[n]]) ++n;
    return n;
  }

  void Add(size_t i) { stack_.push_back(i); }

  // Adds the stacked transactions and everything each one forces.
  void Drain() {
    while (!stack_.empty()) {
      const size_t i = stack_.back();
      stack_.pop_back();
      if (applied_[i]) continue;
      const PendingTxn& t = pending_[i];
      if (t.resolved.has_value() && !*t.resolved) {
        if (conflict_.empty()) {
          conflict_ = TxnName(t.txn) + " was resolved as not applied, but the database shows it " +
                      "or a transaction after it";
        }
        continue;
      }
      applied_[i] = true;
      // Everything acknowledged before it began committed before it.
      max_intent_ = std::max(max_intent_, t.intent_record);
      while (next_ack_ < acks_.size() && pending_[acks_[next_ack_]].ack_record < max_intent_) {
        Add(acks_[next_ack_++]);
      }
      // The earlier writes to each of its keys.
      for (const StressOp& op : t.ops) {
        for (size_t j : writes_.at(Slot(op))) {
          if (j == i) break;
          Add(j);
        }
      }
    }
  }

  const ExpectedState& state_;
  const std::vector<PendingTxn>& pending_;
  const std::vector<Observed>& observed_;
  std::map<uint32_t, std::vector<size_t>> writes_;  // slot -> writers, intent order
  std::vector<size_t> acks_;                        // acknowledged, in ack order
  size_t next_ack_ = 0;
  uint64_t max_intent_ = 0;
  std::vector<bool> applied_;
  std::vector<size_t> stack_;
  std::string conflict_;
};

}  // namespace

Status VerifyAgainstOracle(DB* db, ExpectedState* state, ExpectedLog* log,
                           const VerifyOptions& options, VerifyResult* result) {
  *result = VerifyResult();
  std::string& failure = result->failure;
  auto fail = [&failure](const std::string& what) {
    if (failure.empty()) failure = what;
  };

  // Read every key of the key space.
  const uint32_t keys = state->keys();
  std::vector<Observed> observed(static_cast<size_t>(kNumComponents) * keys);
  for (Component c : kAllComponents) {
    for (uint32_t key = 0; key < keys; ++key) {
      Observed& o = observed[static_cast<size_t>(c) * keys + key];
      Status s = db->Get(ReadOptions(), c, KeyId(key), &o.record);
      if (!s.ok() && !s.IsNotFound()) {
        fail("Get(" + std::string(ComponentName(c)) + "/" + KeyId(key) + "): " + s.ToString());
        continue;
      }
      ++result->keys_verified;
      o.present = s.ok();
      if (o.present &&
          std::sscanf(o.record.metadata.c_str(), "{\"txn\":%" SCNu64 "}", &o.writer) != 1) {
        o.writer = 0;
      }
    }
  }

  const AppliedSet set(*state, options, observed);
  if (!set.conflict().empty()) fail(set.conflict());

  // Every key must hold exactly what the applied set gives it.
  std::set<uint64_t> lost;
  uint64_t lost_deletes = 0;
  for (Component c : kAllComponents) {
    uint64_t live = 0;
    for (uint32_t key = 0; key < keys; ++key) {
      const uint32_t slot = static_cast<uint32_t>(c) * keys + key;
      const Observed& o = observed[slot];
      live += o.present ? 1 : 0;
      const KeyValue want = set.ValueOf(slot);
      if (Matches(want, c, key, o)) continue;
      const PendingTxn* writer = set.WriterOf(slot);
      std::string why = writer == nullptr  ? "verified earlier"
                        : writer->acked   ? (writer->synced ? "acknowledged, synced"
                                                            : "acknowledged, not synced")
                                          : "in flight";
      if (writer != nullptr && !writer->acked) {
        fail("in-flight " + TxnName(writer->txn) + " is partly visible: " + ComponentName(c) +
             "/" + KeyId(key) + " holds " + Describe(o) + ", not its write " + want.ToString());
        continue;
      }
      if (want.exists) {
        lost.insert(want.txn);
      } else {
        ++lost_deletes;
      }
      fail(std::string(ComponentName(c)) + "/" + KeyId(key) + " holds " + Describe(o) +
           "; expected " + want.ToString() + " (" + why + ")");
    }

    // A scan sees the same records, and nothing outside the key space.
    uint64_t scanned = 0;
    uint64_t internal = 0;
    Status s = db->Scan(ReadOptions(), c, ScanOptions(), [&](const StorageRecord& r) {
      // SpiraPi's own records (the last Verify, the metrics history...).
      if (IsInternalRecord(c, r.id)) {
        ++internal;
        return true;
      }
      ++scanned;
      uint32_t key = 0;
      if (r.id.size() != 6 || std::sscanf(r.id.c_str(), "k%05u", &key) != 1 || key >= keys ||
          KeyId(key) != r.id) {
        fail(std::string("scan of ") + ComponentName(c) + " found id '" + r.id +
             "' outside the key space");
        return true;
      }
      const Observed& o = observed[static_cast<size_t>(c) * keys + key];
      if (!o.present || o.record.data != r.data || o.record.blob != r.blob ||
          o.record.metadata != r.metadata) {
        fail(std::string("scan of ") + ComponentName(c) + " and Get disagree on " + r.id);
      }
      return true;
    });
    if (!s.ok()) fail(std::string("Scan(") + ComponentName(c) + "): " + s.ToString());
    if (scanned != live) {
      fail(std::string("Scan(") + ComponentName(c) + ") returned " + std::to_string(scanned) +
           " records; Get found " + std::to_string(live));
    }
    uint64_t count = 0;
    s = db->Count(ReadOptions(), c, &count);
    if (!s.ok() || count != live + internal) {
      fail(std::string("Count(") + ComponentName(c) + ") = " + std::to_string(count) + " (" +
           s.ToString() + "); Get found " + std::to_string(live));
    }
  }
  result->acked_lost = lost.size() + lost_deletes;

  if (options.run_db_verify && failure.empty()) {
    VerifyReport report;
    Status s = db->Verify(&report);
    if (!s.ok()) {
      fail("DB::Verify: " + s.ToString());
    } else if (!report.clean()) {
      const Damage& d = report.damage.front();
      fail("DB::Verify found " + std::to_string(report.damage.size()) + " damage(s), first: " +
           d.file + " @" + std::to_string(d.offset) + ": " + d.what);
    }
    result->records_checked = report.records_checked;
  }
  if (!failure.empty()) return Status::OK();

  // Exact again: log the fate of every transaction in flight, and of every
  // acknowledged one lost to a power failure.
  const std::vector<PendingTxn>& pending = state->pending();
  for (size_t i = 0; i < pending.size(); ++i) {
    const PendingTxn& t = pending[i];
    const bool applied = set.applied()[i];
    if (!t.acked) ++(applied ? result->in_flight_applied : result->in_flight_not_applied);
    if (t.acked && !applied) ++result->unsynced_lost;
    if (log != nullptr && !t.resolved.has_value() && (!t.acked || !applied)) {
      Status s = log->AppendResolved(t.txn, applied);
      if (!s.ok()) return s;
    }
  }
  state->ResolvePending(set.applied());
  if (log == nullptr) return Status::OK();
  return log->AppendVerified();  // synced
}

}  // namespace spirapi::stress
