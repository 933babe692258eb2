// Read-only instances (Options::read_only): opening without the writer's
// lock, and DB::CatchUp. Both load the database's current state into a fresh
// DBImpl, the way a writer recovers at open but writing nothing, and then take
// that state over while reads go on.

#include "db/db_impl.h"
#include "storage/filenames.h"

namespace spirapi {
namespace {

// Loads tried while the writer keeps replacing files underneath.
constexpr int kMaxLoadAttempts = 8;

// Whether two MANIFESTs name the same files. Every flush or compaction
// installs a MANIFEST with a higher next_file_number (it names a new segment)
// before it deletes a file, so if the MANIFEST is unchanged after a load,
// every file the load opened was still live when it was opened.
bool SameFiles(const Manifest& a, const Manifest& b) {
  if (a.next_file_number != b.next_file_number || a.journal_floor != b.journal_floor) {
    return false;
  }
  for (int c = 0; c < kNumComponents; ++c) {
    if (a.segments[c].size() != b.segments[c].size()) return false;
    for (size_t i = 0; i < a.segments[c].size(); ++i) {
      if (a.segments[c][i].file_number != b.segments[c][i].file_number) return false;
    }
  }
  return true;
}

}  // namespace

std::shared_lock<std::shared_mutex> DBImpl::PinIndex() {
  if (!options_.read_only) return {};
  return std::shared_lock<std::shared_mutex>(catch_up_mu_);
}

Status DBImpl::OpenReadOnly() {
  if (!fs_->FileExists(Path(kManifestName))) {
    return Status::InvalidArgument(path_ +
                                   " is not a SpiraPi database (no MANIFEST); a read-only open "
                                   "never creates one");
  }
  std::lock_guard<std::mutex> work(bg_work_mu_);
  std::unique_ptr<DBImpl> fresh;
  Status s = LoadLatest(&fresh);
  if (!s.ok()) return s;
  cipher_ = fresh->cipher_;  // derived from the passphrase by the first load
  s = AdoptState(fresh.get());
  if (s.ok()) s = LoadIndexCatalog();
  if (s.ok()) StartCacheWarming();
  return s;
}

Status DBImpl::CatchUp() {
  if (!options_.read_only) return Status::OK();
  std::lock_guard<std::mutex> work(bg_work_mu_);
  std::unique_ptr<DBImpl> fresh;
  Status s = LoadLatest(&fresh);
  if (s.ok()) s = AdoptState(fresh.get());
  if (s.ok()) s = LoadIndexCatalog();
  // `fresh` now holds the old index and files: freed on return, when reads
  // no longer wait for anything.
  return s;
}

Status DBImpl::LoadLatest(std::unique_ptr<DBImpl>* out) {
  bool damage_seen = false;
  for (int attempt = 0; attempt < kMaxLoadAttempts; ++attempt) {
    auto fresh = std::make_unique<DBImpl>(options_, path_);
    fresh->cipher_ = cipher_;
    Status s = fresh->Recover();
    Manifest now;
    Status again = ReadManifest(fs_, path_, &now);
    if (!again.ok()) return s.ok() ? again : s;
    // A file missing or a MANIFEST that changed: a flush or compaction of the
    // writer replaced files meanwhile. Start over with the newer MANIFEST.
    if (!SameFiles(fresh->manifest_, now)) continue;
    if (!s.ok()) return s;
    // A load that raced with a writer reopening the database (which cuts off
    // an interrupted commit at the journal's end and appends after it) may
    // read a mixture there: damage counts only if a second load finds it too.
    if (!fresh->recovery_damage_.empty() && !damage_seen) {
      damage_seen = true;
      continue;
    }
    *out = std::move(fresh);
    return Status::OK();
  }
  return Status::Busy("the database was changed by its writer " +
                      std::to_string(kMaxLoadAttempts) +
                      " times while it was being read; try again");
}

Status DBImpl::AdoptState(DBImpl* fresh) {
  std::unique_lock<std::shared_mutex> pin(catch_up_mu_);
  std::lock_guard<std::mutex> l(mu_);
  // A snapshot is a sequence number: the new index may lack versions it
  // needs, which the writer compacted away since.
  if (!snapshots_.empty()) {
    return Status::Busy("a snapshot of this read-only instance is held; release it before "
                        "CatchUp");
  }
  for (Component c : kAllComponents) {
    std::unique_lock<std::shared_mutex> mine(index(c).mu);
    std::unique_lock<std::shared_mutex> theirs(fresh->index(c).mu);
    index(c).Swap(fresh->index(c));
  }
  {
    std::unique_lock<std::shared_mutex> fl(files_mu_);
    files_.swap(fresh->files_);
    // File numbers are never reused and segments never change: blocks of the
    // files still in use stay valid in the cache.
    for (const auto& [number, file] : fresh->files_) {
      if (files_.count(number) == 0) cache_.EraseFile(number);
    }
  }
  std::swap(manifest_, fresh->manifest_);
  ApplyStoredGoal();
  std::swap(last_seq_, fresh->last_seq_);
  std::swap(next_file_number_, fresh->next_file_number_);
  std::swap(journal_number_, fresh->journal_number_);
  std::swap(journal_size_, fresh->journal_size_);
  std::swap(sealed_journals_, fresh->sealed_journals_);
  std::swap(recovery_damage_, fresh->recovery_damage_);
  std::swap(journal_tails_, fresh->journal_tails_);
  visible_seq_.store(fresh->visible_seq_.load(std::memory_order_acquire),
                     std::memory_order_release);
  for (int c = 0; c < kNumComponents; ++c) {
    change_seq_[c].store(fresh->change_seq_[c].load(std::memory_order_acquire),
                         std::memory_order_release);
  }
  return Status::OK();
}

}  // namespace spirapi
