#include "stress/stress_verify.h"

#include <cstdio>
#include <map>
#include <set>
#include <utility>

namespace spirapi::stress {
namespace {

// Whether `found` (or its absence) is exactly `want`.
bool Matches(const KeyValue& want, Component c, uint32_t key, bool present,
             const StorageRecord& found) {
  if (!want.exists || !present) return want.exists == present;
  return found.data == ExpectedData(want.txn, c, key, want.data_pad) &&
         found.metadata == ExpectedMetadata(want.txn) &&
         found.blob == ExpectedBlob(want.txn, c, key, want.blob_bytes);
}

// What the database holds, for messages.
std::string Describe(bool present, const StorageRecord& r) {
  if (!present) return "absent";
  return "metadata " + r.metadata + ", " + std::to_string(r.data.size()) + " bytes of data, " +
         std::to_string(r.blob.size()) + " of blob";
}

}  // namespace

Status VerifyAgainstOracle(DB* db, ExpectedState* state, ExpectedLog* log, bool run_db_verify,
                           VerifyResult* result) {
  *result = VerifyResult();
  // key (component, index) -> the in-flight transaction that wrote it, and
  // the write.
  std::map<std::pair<Component, uint32_t>, std::pair<uint64_t, const StressOp*>> in_flight_keys;
  for (const auto& [txn, ops] : state->in_flight()) {
    for (const StressOp& op : ops) in_flight_keys[{op.component, op.key}] = {txn, &op};
  }
  // Per in-flight transaction: keys found with its write, keys found without.
  std::map<uint64_t, std::pair<int, int>> outcome;
  // Acknowledged transactions whose write is missing; a key an acknowledged
  // delete removed carries no transaction number, so those are counted apart.
  std::set<uint64_t> lost;
  uint64_t lost_deletes = 0;
  auto lose = [&](const KeyValue& acked) {
    if (acked.exists) {
      lost.insert(acked.txn);
    } else {
      ++lost_deletes;
    }
  };
  std::string& failure = result->failure;
  auto fail = [&failure](const std::string& what) {
    if (failure.empty()) failure = what;
  };

  for (Component c : kAllComponents) {
    uint64_t live = 0;
    for (uint32_t key = 0; key < state->keys(); ++key) {
      const std::string where = std::string(ComponentName(c)) + "/" + KeyId(key);
      StorageRecord rec;
      Status s = db->Get(ReadOptions(), c, KeyId(key), &rec);
      if (!s.ok() && !s.IsNotFound()) {
        fail("Get(" + where + "): " + s.ToString());
        continue;
      }
      ++result->keys_verified;
      const bool present = s.ok();
      live += present ? 1 : 0;
      const KeyValue& before = state->at(c, key);
      auto it = in_flight_keys.find({c, key});
      if (it == in_flight_keys.end()) {
        if (!Matches(before, c, key, present, rec)) {
          lose(before);
          fail(where + " holds " + Describe(present, rec) + "; acknowledged: " +
               before.ToString());
        }
        continue;
      }
      const auto& [txn, op] = it->second;
      const KeyValue after = KeyValue::After(txn, *op);
      if (Matches(after, c, key, present, rec)) {
        ++outcome[txn].first;
      } else if (Matches(before, c, key, present, rec)) {
        ++outcome[txn].second;
      } else {
        lose(before);
        fail(where + " holds " + Describe(present, rec) + "; allowed: " + before.ToString() +
             " (acknowledged) or " + after.ToString() + " (in flight)");
      }
    }

    // A scan sees the same records, and nothing outside the key space.
    uint64_t scanned = 0;
    Status s = db->Scan(ReadOptions(), c, ScanOptions(), [&](const StorageRecord& r) {
      ++scanned;
      uint32_t key = 0;
      if (r.id.size() != 6 || std::sscanf(r.id.c_str(), "k%05u", &key) != 1 ||
          key >= state->keys() || KeyId(key) != r.id) {
        fail(std::string("scan of ") + ComponentName(c) + " found id '" + r.id +
             "' outside the key space");
        return true;
      }
      StorageRecord got;
      Status g = db->Get(ReadOptions(), c, r.id, &got);
      if (!g.ok() || got.data != r.data || got.blob != r.blob || got.metadata != r.metadata) {
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
    if (!s.ok() || count != live) {
      fail(std::string("Count(") + ComponentName(c) + ") = " + std::to_string(count) +
           " (" + s.ToString() + "); Get found " + std::to_string(live));
    }
  }

  for (const auto& [txn, counts] : outcome) {
    if (counts.first > 0 && counts.second > 0) {
      fail("in-flight txn " + std::to_string(txn >> 32) + "." + std::to_string(txn & 0xffffffffu) +
           " is partly visible: " + std::to_string(counts.first) + " of its writes applied, " +
           std::to_string(counts.second) + " not");
    }
  }
  result->acked_lost = lost.size() + lost_deletes;

  if (run_db_verify && failure.empty()) {
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

  // Exact again: every in-flight transaction is now known to be applied or not.
  for (const auto& [txn, ops] : state->in_flight()) {
    const bool applied = outcome[txn].first > 0;
    if (applied) state->Apply(txn, ops);
    ++(applied ? result->in_flight_applied : result->in_flight_not_applied);
    if (log != nullptr) {
      Status s = log->AppendResolved(txn, applied);
      if (!s.ok()) return s;
    }
  }
  state->ClearInFlight();
  return log != nullptr ? log->Sync() : Status::OK();
}

}  // namespace spirapi::stress
