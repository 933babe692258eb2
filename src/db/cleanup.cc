// CleanupOlderThan: deletes records by age through the public API, in
// batches that each commit as one conflict-checked transaction.

#include <chrono>
#include <cmath>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "spirapi/index.h"
#include "spirapi/maintenance.h"

namespace spirapi {
namespace {

constexpr double kMicrosPerDay = 86400.0 * 1e6;

// A batch whose commit conflicts this many times in a row is given up: its
// records are being rewritten as fast as it retries, so they are not old.
constexpr int kCommitAttempts = 3;

// The layers' own records, per component (see maintenance.h). Index entries
// and definitions are IsIndexRecord's.
constexpr std::string_view kSequenceInternal[] = {"seq/", "digits/"};
constexpr std::string_view kSchemaInternal[] = {"def/", "rec/", "hist/"};
constexpr std::string_view kQueryInternal[] = {"~log/"};
constexpr std::string_view kMetadataInternal[] = {"schema-migrate/", "schema-rollback/", "pi-ids/",
                                                   "~verify/", "~metrics/", "~backup/"};
constexpr std::string_view kIndexInternal[] = {"unique/", "ref/", "refs/", "pattern/"};

template <size_t N>
bool HasPrefix(std::string_view id, const std::string_view (&prefixes)[N]) {
  for (std::string_view p : prefixes) {
    if (id.substr(0, p.size()) == p) return true;
  }
  return false;
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// StorageRecord::timestamp holds whole microseconds, which a double keeps
// exactly for the next few hundred years.
int64_t TimestampMicros(const StorageRecord& r) {
  return static_cast<int64_t>(std::llround(r.timestamp * 1e6));
}

// Collects up to `max` ids of component c, from *from on, whose newest
// version is older than cutoff_us and not internal; moves *from past the
// last record looked at and clears *more once the component is done.
Status CollectOld(DB* db, Component c, int64_t cutoff_us, size_t max, std::string* from, bool* more,
                  std::vector<std::string>* ids) {
  ids->clear();
  *more = false;
  ScanOptions so;
  so.from = *from;
  std::string last;
  bool seen = false;
  Status s = db->Scan(ReadOptions(), c, so, [&](const StorageRecord& r) {
    last = r.id;
    seen = true;
    if (!IsInternalRecord(c, r.id) && TimestampMicros(r) < cutoff_us) ids->push_back(r.id);
    if (ids->size() < max) return true;
    *more = true;
    return false;
  });
  // The smallest id after `last`.
  if (seen) *from = last + '\0';
  return s;
}

// Deletes those of `ids` that are still live and old, in one transaction,
// retried on conflict. Adds to *deleted and *skipped.
Status DeleteBatch(DB* db, Component c, const std::vector<std::string>& ids, int64_t cutoff_us,
                   bool sync, uint64_t* deleted, uint64_t* skipped) {
  WriteOptions wo;
  wo.sync = sync;
  for (int attempt = 0; attempt < kCommitAttempts; ++attempt) {
    std::unique_ptr<Transaction> txn;
    Status s = db->BeginTransaction(wo, &txn);
    if (!s.ok()) return s;
    uint64_t n = 0;
    for (const std::string& id : ids) {
      // Read again in the transaction's snapshot: the commit then fails with
      // Conflict if anyone writes the record after this read.
      StorageRecord r;
      s = txn->Get(c, id, &r);
      if (s.IsNotFound()) continue;                             // deleted since it was collected
      if (s.ok() && TimestampMicros(r) >= cutoff_us) continue;  // rewritten since
      if (s.ok()) s = txn->Delete(c, id);
      if (!s.ok()) return s;
      ++n;
    }
    s = n == 0 ? txn->Rollback() : txn->Commit();
    if (s.ok()) {
      *deleted += n;
      *skipped += ids.size() - n;
      return s;
    }
    if (!s.IsConflict()) return s;
  }
  *skipped += ids.size();
  return Status::OK();
}

}  // namespace

bool IsInternalRecord(Component c, std::string_view id) {
  if (IsIndexRecord(c, id)) return true;
  switch (c) {
    case Component::kSequence:
      return HasPrefix(id, kSequenceInternal);
    case Component::kSchema:
      return HasPrefix(id, kSchemaInternal);
    case Component::kQuery:
      return HasPrefix(id, kQueryInternal);
    case Component::kMetadata:
      return HasPrefix(id, kMetadataInternal);
    case Component::kIndex:
      return HasPrefix(id, kIndexInternal);
    case Component::kCache:
      return false;
  }
  return true;  // an unknown component: keep
}

Status CleanupOlderThan(DB* db, const CleanupOptions& options, CleanupResult* result) {
  *result = CleanupResult();
  if (!(options.older_than_days > 0)) {
    return Status::InvalidArgument("cleanup: older_than_days must be a number > 0");
  }
  if (options.batch == 0) return Status::InvalidArgument("cleanup: batch must be at least 1");
  const int64_t now = options.now_us != 0 ? options.now_us : NowMicros();
  const double age_us = options.older_than_days * kMicrosPerDay;
  // An age reaching back before the epoch leaves nothing old enough.
  result->cutoff_us = age_us >= static_cast<double>(now) ? 0 : now - static_cast<int64_t>(age_us);
  if (!options.dry_run) {
    // A read-only instance refuses transactions: NotSupported even when
    // nothing is old enough, so that the refusal does not depend on the data.
    std::unique_ptr<Transaction> probe;
    Status s = db->BeginTransaction(WriteOptions(), &probe);
    if (!s.ok()) return s;
    probe->Rollback();
  }
  std::vector<Component> components(kAllComponents.begin(), kAllComponents.end());
  if (options.component) components = {*options.component};
  for (Component c : components) {
    uint64_t& per_component = result->deleted_per_component[static_cast<int>(c)];
    std::string from;
    std::vector<std::string> ids;
    bool more = true;
    while (more) {
      Status s = CollectOld(db, c, result->cutoff_us, options.batch, &from, &more, &ids);
      uint64_t n = 0;
      if (s.ok() && options.dry_run) {
        n = ids.size();
      } else if (s.ok() && !ids.empty()) {
        s = DeleteBatch(db, c, ids, result->cutoff_us, options.sync, &n, &result->skipped);
      }
      per_component += n;
      result->deleted += n;
      if (!s.ok()) return s;
    }
  }
  return Status::OK();
}

}  // namespace spirapi
