#include "stress/stress_workload.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

namespace spirapi::stress {
namespace {

constexpr uint32_t kBigPad = 64 * 1024;
constexpr uint32_t kMaxBlob = 4096;
constexpr int kMaxTxnOps = 6;

class Worker {
 public:
  Worker(DB* db, ExpectedState* state, ExpectedLog* log, uint64_t session,
         const WorkloadOptions& options, std::mutex* locks, std::atomic<uint32_t>* counter,
         WorkloadStats* stats, int thread)
      : db_(db),
        state_(state),
        log_(log),
        session_(session),
        options_(options),
        locks_(locks),
        counter_(counter),
        stats_(stats),
        rng_(options.seed * 1000003u + session * 7919u + static_cast<uint64_t>(thread)) {}

  // One random operation.
  Status Step() {
    const int r = Uniform(0, 99);
    Status s;
    if (r < 40) {
      s = RunTransaction(Uniform(2, kMaxTxnOps), /*commit=*/true);
    } else if (r < 60) {
      s = RunTransaction(1, /*commit=*/true);  // a single DB::Put or DB::Delete
    } else if (r < 65) {
      s = RunTransaction(Uniform(1, kMaxTxnOps), /*commit=*/false);
    } else {
      s = ReadBack();
    }
    if (!s.ok()) return s;
    if (Uniform(0, 999) < options_.flush_per_mille) {
      s = db_->Flush();
      if (!s.ok()) return Status::IOError("Flush: " + s.ToString());
      stats_->flushes.fetch_add(1, std::memory_order_relaxed);
    }
    if (Uniform(0, 999) < options_.compact_per_mille) {
      s = db_->Compact();
      if (!s.ok()) return Status::IOError("Compact: " + s.ToString());
      stats_->compactions.fetch_add(1, std::memory_order_relaxed);
    }
    return Status::OK();
  }

 private:
  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  uint32_t Slot(Component c, uint32_t key) const {
    return static_cast<uint32_t>(c) * state_->keys() + key;
  }
  uint64_t NextTxn() { return (session_ << 32) | (counter_->fetch_add(1) + 1); }
  std::string Name(uint64_t txn) const {
    return std::to_string(txn >> 32) + "." + std::to_string(txn & 0xffffffffu);
  }

  // Picks n distinct keys over at least two components (when n > 1), and
  // decides each write from the key's expected value.
  std::vector<StressOp> PickOps(int n) {
    std::vector<StressOp> ops;
    const int first = Uniform(0, kNumComponents - 1);
    const int second = (first + Uniform(1, kNumComponents - 1)) % kNumComponents;
    for (int i = 0; i < n; ++i) {
      StressOp op;
      op.component = static_cast<Component>(i == 0   ? first
                                            : i == 1 ? second
                                                     : Uniform(0, kNumComponents - 1));
      op.key = static_cast<uint32_t>(Uniform(0, static_cast<int>(state_->keys()) - 1));
      bool dup = std::any_of(ops.begin(), ops.end(), [&](const StressOp& o) {
        return o.component == op.component && o.key == op.key;
      });
      if (!dup) ops.push_back(op);
    }
    return ops;
  }

  void DecideWrites(std::vector<StressOp>* ops) {
    for (StressOp& op : *ops) {
      op.is_delete = state_->at(op.component, op.key).exists && Uniform(0, 3) == 0;
      if (op.is_delete) continue;
      op.data_pad = Uniform(0, 99) < options_.big_percent
                        ? kBigPad
                        : static_cast<uint32_t>(Uniform(0, static_cast<int>(options_.max_pad)));
      op.blob_bytes = Uniform(0, 99) < options_.blob_percent
                          ? static_cast<uint32_t>(Uniform(1, kMaxBlob))
                          : 0;
    }
  }

  // Holds the locks of a transaction's keys, taken in slot order so that two
  // threads never wait for each other.
  std::vector<std::unique_lock<std::mutex>> LockKeys(const std::vector<StressOp>& ops) {
    std::vector<uint32_t> slots;
    for (const StressOp& op : ops) slots.push_back(Slot(op.component, op.key));
    std::sort(slots.begin(), slots.end());
    std::vector<std::unique_lock<std::mutex>> held;
    for (uint32_t s : slots) held.emplace_back(locks_[s]);
    return held;
  }

  Status BufferWrite(Transaction* txn, uint64_t id, const StressOp& op) {
    const std::string key = KeyId(op.key);
    if (op.is_delete) return txn->Delete(op.component, key);
    return txn->PutWithBlob(op.component, key, ExpectedData(id, op.component, op.key, op.data_pad),
                            ExpectedMetadata(id),
                            ExpectedBlob(id, op.component, op.key, op.blob_bytes));
  }

  // A read inside a transaction must see the expected value (its snapshot
  // was taken with the key locked) or its own buffered write.
  Status CheckTxnRead(Transaction* txn, const StressOp& op, const KeyValue& want,
                      const char* when) {
    StorageRecord rec;
    Status s = txn->Get(op.component, KeyId(op.key), &rec);
    if (!s.ok() && !s.IsNotFound()) return s;
    bool ok = s.ok() == want.exists;
    if (ok && want.exists) {
      ok = rec.data == ExpectedData(want.txn, op.component, op.key, want.data_pad) &&
           rec.blob == ExpectedBlob(want.txn, op.component, op.key, want.blob_bytes);
    }
    if (!ok) {
      return Status::Corruption(std::string("transaction read ") + when + " of " +
                                ComponentName(op.component) + "/" + KeyId(op.key) + ": found " +
                                (s.ok() ? rec.metadata : "nothing") + ", expected " +
                                want.ToString());
    }
    return Status::OK();
  }

  // n writes in one transaction; n == 1 goes through DB::Put/Delete instead
  // when committing. Without `commit`, the transaction is rolled back and
  // none of it may ever be seen.
  Status RunTransaction(int n, bool commit) {
    std::vector<StressOp> ops = PickOps(n);
    auto held = LockKeys(ops);
    DecideWrites(&ops);
    const uint64_t id = NextTxn();
    WriteOptions wo;
    wo.sync = Uniform(0, 99) < options_.sync_percent;

    if (commit && ops.size() == 1) {
      const StressOp& op = ops[0];
      Status s = log_->AppendIntent(id, ops);
      if (!s.ok()) return s;
      const std::string key = KeyId(op.key);
      s = op.is_delete ? db_->Delete(wo, op.component, key)
                       : db_->PutWithBlob(wo, op.component, key,
                                          ExpectedData(id, op.component, op.key, op.data_pad),
                                          ExpectedMetadata(id),
                                          ExpectedBlob(id, op.component, op.key, op.blob_bytes));
      if (!s.ok()) return Status::IOError("write of txn " + Name(id) + ": " + s.ToString());
      return Acknowledge(id, ops, wo.sync);
    }

    std::unique_ptr<Transaction> txn;
    Status s = db_->BeginTransaction(wo, &txn);
    if (!s.ok()) return s;
    s = CheckTxnRead(txn.get(), ops[0], state_->at(ops[0].component, ops[0].key), "before");
    for (size_t i = 0; s.ok() && i < ops.size(); ++i) s = BufferWrite(txn.get(), id, ops[i]);
    if (s.ok()) {
      s = CheckTxnRead(txn.get(), ops.back(), KeyValue::After(id, ops.back()), "after a write");
    }
    if (!s.ok()) return s;
    if (!commit) {
      stats_->rollbacks.fetch_add(1, std::memory_order_relaxed);
      return Uniform(0, 1) == 0 ? txn->Rollback() : Status::OK();  // or let it go out of scope
    }
    s = log_->AppendIntent(id, ops);
    if (!s.ok()) return s;
    s = txn->Commit();
    if (!s.ok()) return Status::IOError("commit of txn " + Name(id) + ": " + s.ToString());
    return Acknowledge(id, ops, wo.sync);
  }

  Status Acknowledge(uint64_t id, const std::vector<StressOp>& ops, bool synced) {
    Status s = log_->AppendAck(id, synced);
    if (!s.ok()) return s;
    state_->Apply(id, ops);  // under the keys' locks
    stats_->commits.fetch_add(1, std::memory_order_relaxed);
    return Status::OK();
  }

  Status ReadBack() {
    StressOp op;
    op.component = static_cast<Component>(Uniform(0, kNumComponents - 1));
    op.key = static_cast<uint32_t>(Uniform(0, static_cast<int>(state_->keys()) - 1));
    std::lock_guard<std::mutex> l(locks_[Slot(op.component, op.key)]);
    const KeyValue& want = state_->at(op.component, op.key);
    StorageRecord rec;
    Status s = db_->Get(ReadOptions(), op.component, KeyId(op.key), &rec);
    if (!s.ok() && !s.IsNotFound()) return s;
    bool ok = s.ok() == want.exists;
    if (ok && want.exists) {
      ok = rec.data == ExpectedData(want.txn, op.component, op.key, want.data_pad) &&
           rec.metadata == ExpectedMetadata(want.txn) &&
           rec.blob == ExpectedBlob(want.txn, op.component, op.key, want.blob_bytes);
    }
    if (!ok) {
      return Status::Corruption(std::string("read of ") + ComponentName(op.component) + "/" +
                                KeyId(op.key) + " found " + (s.ok() ? rec.metadata : "nothing") +
                                ", expected " + want.ToString());
    }
    stats_->reads.fetch_add(1, std::memory_order_relaxed);
    return Status::OK();
  }

  DB* const db_;
  ExpectedState* const state_;
  ExpectedLog* const log_;
  const uint64_t session_;
  const WorkloadOptions options_;
  std::mutex* const locks_;
  std::atomic<uint32_t>* const counter_;
  WorkloadStats* const stats_;
  std::mt19937_64 rng_;
};

}  // namespace

Status RunWorkload(DB* db, ExpectedState* state, ExpectedLog* log, uint64_t session,
                   const WorkloadOptions& options, const std::atomic<bool>& stop,
                   WorkloadStats* stats) {
  if (!state->pending().empty()) {
    return Status::InvalidArgument("unverified transactions: verify the database first");
  }
  auto locks = std::make_unique<std::mutex[]>(static_cast<size_t>(kNumComponents) *
                                               state->keys());
  std::atomic<uint32_t> counter{0};
  std::atomic<bool> failed{false};
  std::mutex failure_mu;
  Status failure;
  std::vector<std::thread> threads;
  for (int t = 0; t < options.threads; ++t) {
    threads.emplace_back([&, t] {
      Worker w(db, state, log, session, options, locks.get(), &counter, stats, t);
      while (!stop.load(std::memory_order_relaxed) && !failed.load(std::memory_order_relaxed)) {
        Status s = w.Step();
        if (!s.ok() && !s.IsCorruption() && options.power_lost != nullptr &&
            options.power_lost->load()) {
          break;  // the crash this run simulates, not a finding
        }
        if (!s.ok()) {
          std::lock_guard<std::mutex> l(failure_mu);
          if (failure.ok()) failure = s;
          failed = true;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  return failure;
}

}  // namespace spirapi::stress
