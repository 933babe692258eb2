// Transactions: buffered writes over a registered snapshot, committed through
// the group-commit write path with a conflict check (snapshot isolation).

#include <algorithm>
#include <deque>
#include <numeric>

#include <absl/container/flat_hash_map.h>

#include "db/db_impl.h"

namespace spirapi {
namespace {

class TransactionImpl : public Transaction {
 public:
  TransactionImpl(DBImpl* db, const WriteOptions& wo)
      : db_(db), wo_(wo), snapshot_(db->AcquireSnapshot()) {}

  ~TransactionImpl() override {
    if (!finished_) db_->ReleaseSnapshotSeq(snapshot_);
  }

  Status Put(Component c, std::string_view id, std::string_view data_json,
             std::string_view metadata_json) override {
    return PutWithBlob(c, id, data_json, metadata_json, {});
  }

  Status PutWithBlob(Component c, std::string_view id, std::string_view data_json,
                     std::string_view metadata_json, std::string_view blob) override {
    if (finished_) return Finished();
    WriteOp op;
    Status s = DBImpl::MakePut(c, id, data_json, metadata_json, blob, &op);
    if (!s.ok()) return s;
    Record(std::move(op));
    return Status::OK();
  }

  Status Delete(Component c, std::string_view id) override {
    if (finished_) return Finished();
    Status s = DBImpl::CheckReserved(c, id);
    if (!s.ok()) return s;
    bool exists = false;
    s = Exists(c, id, &exists);
    if (!s.ok()) return s;
    if (!exists) {
      return Status::NotFound("no record '" + std::string(id) + "' in " + ComponentName(c));
    }
    Record(WriteOp{c, std::string(id), true, "", "", ""});
    return Status::OK();
  }

  Status Get(Component c, std::string_view id, StorageRecord* record) override {
    if (finished_) return Finished();
    Status s = DBImpl::CheckId(id);
    if (!s.ok()) return s;
    const WriteOp* op = Find(c, id);
    if (op == nullptr) return db_->GetAt(snapshot_, c, id, record);
    if (op->is_delete) {
      return Status::NotFound("record '" + std::string(id) + "' was deleted in this transaction");
    }
    // Not committed yet: no version, timestamp or checksum until Commit.
    *record = StorageRecord();
    record->id.assign(id);
    record->data_type = c;
    record->data = op->data;
    record->metadata = op->metadata;
    record->blob = op->blob;
    return Status::OK();
  }

  Status Exists(Component c, std::string_view id, bool* exists) override {
    if (finished_) return Finished();
    if (const WriteOp* op = Find(c, id)) {
      *exists = !op->is_delete;
      return Status::OK();
    }
    Status s = DBImpl::CheckId(id);
    if (!s.ok()) return s;
    *exists = db_->ExistsAt(snapshot_, c, id);
    return Status::OK();
  }

  Status Commit() override {
    if (finished_) return Finished();
    OpTimer timer(db_->metrics_recorder(), MetricOp::kCommit);
    // Ops grouped by component (one index lock per run), in id order.
    std::vector<size_t> order(ops_.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::sort(order.begin(), order.end(), [this](size_t a, size_t b) {
      const WriteOp& x = ops_[a];
      const WriteOp& y = ops_[b];
      return x.component != y.component ? x.component < y.component : x.id < y.id;
    });
    WriteBatch batch;
    batch.ops.reserve(ops_.size());
    for (size_t i : order) {
      WriteOp& op = ops_[i];
      batch.bytes += op.bytes();
      batch.ops.push_back(std::move(op));
    }
    positions_.clear();  // its keys viewed the ids just moved
    DBImpl::Conditions cond;
    cond.check_conflicts = true;
    cond.snapshot = snapshot_;
    // Record bytes given, before the write path adds index entries.
    const uint64_t written = batch.bytes - batch.ops.size() * kRecordOverheadBytes;
    Status s = batch.ops.empty() ? Status::OK() : db_->Write(wo_, &batch, cond);
    Finish();
    return timer.Done(s, 0, s.ok() ? written : 0);
  }

  Status Rollback() override {
    if (finished_) return Finished();
    Finish();
    return Status::OK();
  }

 private:
  const WriteOp* Find(Component c, std::string_view id) const {
    auto it = positions_.find({c, id});
    return it == positions_.end() ? nullptr : &ops_[it->second];
  }
  // Buffers op; the last op on a (component, id) wins.
  void Record(WriteOp&& op) {
    auto it = positions_.find({op.component, std::string_view(op.id)});
    if (it != positions_.end()) {
      // Keep the stored id: the position's key views it.
      WriteOp& slot = ops_[it->second];
      slot.is_delete = op.is_delete;
      slot.data = std::move(op.data);
      slot.metadata = std::move(op.metadata);
      slot.blob = std::move(op.blob);
      return;
    }
    ops_.push_back(std::move(op));
    const WriteOp& stored = ops_.back();
    positions_.emplace(std::make_pair(stored.component, std::string_view(stored.id)),
                       ops_.size() - 1);
  }
  static Status Finished() {
    return Status::InvalidArgument("the transaction has already been committed or rolled back");
  }
  void Finish() {
    finished_ = true;
    positions_.clear();
    ops_.clear();
    db_->ReleaseSnapshotSeq(snapshot_);
  }

  DBImpl* const db_;
  const WriteOptions wo_;
  const uint64_t snapshot_;
  bool finished_ = false;
  std::deque<WriteOp> ops_;  // in arrival order; a deque so ids never move
  absl::flat_hash_map<std::pair<Component, std::string_view>, size_t> positions_;
};

}  // namespace

Status DBImpl::BeginTransaction(const WriteOptions& wo, std::unique_ptr<Transaction>* txn) {
  if (options_.read_only) {
    txn->reset();
    return ReadOnlyError();
  }
  *txn = std::make_unique<TransactionImpl>(this, wo);
  return Status::OK();
}

}  // namespace spirapi
