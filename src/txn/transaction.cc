// Transactions: buffered writes over a registered snapshot, committed through
// the group-commit write path with a conflict check (snapshot isolation).

#include <map>

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
    if (finished_) return Finished();
    WriteOp op;
    Status s = DBImpl::MakePut(c, id, data_json, metadata_json, &op);
    if (!s.ok()) return s;
    writes_[Key(c, id)] = std::move(op);
    return Status::OK();
  }

  Status Delete(Component c, std::string_view id) override {
    if (finished_) return Finished();
    bool exists = false;
    Status s = Exists(c, id, &exists);
    if (!s.ok()) return s;
    if (!exists) {
      return Status::NotFound("no record '" + std::string(id) + "' in " + ComponentName(c));
    }
    writes_[Key(c, id)] = WriteOp{c, std::string(id), true, "", ""};
    return Status::OK();
  }

  Status Get(Component c, std::string_view id, StorageRecord* record) override {
    if (finished_) return Finished();
    Status s = DBImpl::CheckId(id);
    if (!s.ok()) return s;
    auto it = writes_.find(Key(c, id));
    if (it == writes_.end()) return db_->GetAt(snapshot_, c, id, record);
    if (it->second.is_delete) {
      return Status::NotFound("record '" + std::string(id) + "' was deleted in this transaction");
    }
    // Not committed yet: no version, timestamp or checksum until Commit.
    *record = StorageRecord();
    record->id.assign(id);
    record->data_type = c;
    record->data = it->second.data;
    record->metadata = it->second.metadata;
    return Status::OK();
  }

  Status Exists(Component c, std::string_view id, bool* exists) override {
    if (finished_) return Finished();
    auto it = writes_.find(Key(c, id));
    if (it != writes_.end()) {
      *exists = !it->second.is_delete;
      return Status::OK();
    }
    Status s = DBImpl::CheckId(id);
    if (!s.ok()) return s;
    *exists = db_->ExistsAt(snapshot_, c, id);
    return Status::OK();
  }

  Status Commit() override {
    if (finished_) return Finished();
    WriteBatch batch;
    for (auto& [key, op] : writes_) {
      batch.bytes += kRecordOverheadBytes + op.id.size() + op.data.size() + op.metadata.size();
      batch.ops.push_back(std::move(op));
    }
    DBImpl::Conditions cond;
    cond.check_conflicts = true;
    cond.snapshot = snapshot_;
    Status s = batch.ops.empty() ? Status::OK() : db_->Write(wo_, &batch, cond);
    Finish();
    return s;
  }

  Status Rollback() override {
    if (finished_) return Finished();
    Finish();
    return Status::OK();
  }

 private:
  static std::string Key(Component c, std::string_view id) {
    std::string key(1, static_cast<char>(c));
    key.append(id);
    return key;
  }
  static Status Finished() {
    return Status::InvalidArgument("the transaction has already been committed or rolled back");
  }
  void Finish() {
    finished_ = true;
    writes_.clear();
    db_->ReleaseSnapshotSeq(snapshot_);
  }

  DBImpl* const db_;
  const WriteOptions wo_;
  const uint64_t snapshot_;
  bool finished_ = false;
  std::map<std::string, WriteOp> writes_;  // ordered: ops grouped by component
};

}  // namespace

Status DBImpl::BeginTransaction(const WriteOptions& wo, std::unique_ptr<Transaction>* txn) {
  *txn = std::make_unique<TransactionImpl>(this, wo);
  return Status::OK();
}

}  // namespace spirapi
