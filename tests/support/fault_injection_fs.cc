#include "support/fault_injection_fs.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <random>
#include <thread>
#include <utility>

namespace spirapi::test {

// A file opened for writing through the wrapper. Forwards to the base file and
// reports sizes to the wrapper so it knows what is synced.
class FaultInjectionFileSystem::TestWritableFile : public WritableFile {
 public:
  TestWritableFile(FaultInjectionFileSystem* fs, std::string path,
                   std::shared_ptr<FileState> state, std::unique_ptr<WritableFile> base)
      : fs_(fs), path_(std::move(path)), state_(std::move(state)), base_(std::move(base)) {}

  Status Append(std::string_view data) override {
    return fs_->FileAppend(state_, path_, base_.get(), data);
  }
  Status Sync() override { return fs_->FileSync(state_, path_, base_.get()); }
  // Closing changes nothing on disk, so it works even while deactivated (the
  // database must be able to release its descriptors after a "crash").
  Status Close() override { return base_->Close(); }

 private:
  FaultInjectionFileSystem* const fs_;
  const std::string path_;
  const std::shared_ptr<FileState> state_;
  const std::unique_ptr<WritableFile> base_;
};

class FaultInjectionFileSystem::TestRandomAccessFile : public RandomAccessFile {
 public:
  TestRandomAccessFile(FaultInjectionFileSystem* fs, std::string path,
                       std::unique_ptr<RandomAccessFile> base)
      : fs_(fs), path_(std::move(path)), base_(std::move(base)) {}

  Status Read(uint64_t offset, size_t n, std::string* result) const override {
    Status s = fs_->Check(Op::kRead, path_, /*mutating=*/false);
    if (!s.ok()) return s;
    return base_->Read(offset, n, result);
  }

 private:
  FaultInjectionFileSystem* const fs_;
  const std::string path_;
  const std::unique_ptr<RandomAccessFile> base_;
};

const char* FaultInjectionFileSystem::OpName(Op op) {
  switch (op) {
    case Op::kWrite: return "write";
    case Op::kSync: return "sync";
    case Op::kRename: return "rename";
    case Op::kRead: return "read";
    case Op::kRemove: return "remove";
    case Op::kCreate: return "create";
    case Op::kSyncDir: return "syncdir";
    case Op::kTruncate: return "truncate";
  }
  return "?";
}

const char* FaultInjectionFileSystem::TornWriteName(TornWrite mode) {
  switch (mode) {
    case TornWrite::kNone: return "none";
    case TornWrite::kTorn512: return "torn512";
    case TornWrite::kTorn4096: return "torn4096";
    case TornWrite::kGarbageTail: return "garbage";
  }
  return "?";
}

FaultInjectionFileSystem::FaultInjectionFileSystem(FileSystem* base) : base_(base) {}

FaultInjectionFileSystem::~FaultInjectionFileSystem() = default;

std::string FaultInjectionFileSystem::Normalize(const std::string& path) {
  std::string p = std::filesystem::path(path).lexically_normal().string();
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

std::string FaultInjectionFileSystem::ParentDir(const std::string& path) {
  return std::filesystem::path(path).parent_path().string();
}

Status FaultInjectionFileSystem::CheckLocked(Op op, const std::string& path, bool mutating,
                                             bool* injected) {
  ++op_counts_[static_cast<int>(op)];
  if (mutating) {
    if (deactivated_) {
      return Status::IOError(std::string("fault injection: file system deactivated (simulated "
                                         "crash): ") + OpName(op) + " " + path);
    }
    if (mutation_budget_ == 0) {
      deactivated_ = true;
      mutation_budget_ = -1;
      return Status::IOError(std::string("fault injection: file system deactivated (simulated "
                                         "crash): ") + OpName(op) + " " + path);
    }
  }
  for (size_t i = 0; i < rules_.size(); ++i) {
    FailRule& r = rules_[i];
    if (r.op != op) continue;
    if (!r.path_filter.empty() && path.find(r.path_filter) == std::string::npos) continue;
    if (!r.fired && r.remaining > 1) {
      --r.remaining;
      continue;
    }
    // This rule fires.
    Status s = Status::IOError(std::string("injected fault: ") + OpName(op) + " " + path + ": " +
                               std::strerror(r.err));
    if (injected_++ == 0) first_injected_ = std::string(OpName(op)) + " " + path;
    if (injected != nullptr) *injected = true;
    if (r.persistent) {
      r.fired = true;
    } else {
      rules_.erase(rules_.begin() + static_cast<std::ptrdiff_t>(i));
    }
    return s;
  }
  if (mutating) {
    ++mutations_;
    if (mutation_budget_ > 0) --mutation_budget_;
  }
  return Status::OK();
}

Status FaultInjectionFileSystem::Check(Op op, const std::string& path, bool mutating,
                                       bool* injected) {
  std::lock_guard<std::mutex> l(mu_);
  return CheckLocked(op, path, mutating, injected);
}

Status FaultInjectionFileSystem::ReadWholeFile(const std::string& path, uint64_t limit,
                                               std::string* out) {
  out->clear();
  uint64_t size = 0;
  Status s = base_->GetFileSize(path, &size);
  if (!s.ok()) return s;
  std::unique_ptr<RandomAccessFile> f;
  s = base_->NewRandomAccessFile(path, &f);
  if (!s.ok()) return s;
  return f->Read(0, static_cast<size_t>(std::min(size, limit)), out);
}

Status FaultInjectionFileSystem::WriteWholeFile(const std::string& path,
                                                const std::string& contents) {
  std::unique_ptr<WritableFile> f;
  Status s = base_->NewWritableFile(path, &f);
  if (s.ok()) s = f->Append(contents);
  if (s.ok() && real_sync_) s = f->Sync();
  if (s.ok()) s = f->Close();
  return s;
}

std::shared_ptr<FaultInjectionFileSystem::FileState>
FaultInjectionFileSystem::StateForExistingLocked(const std::string& path) {
  auto it = files_.find(path);
  if (it != files_.end()) return it->second;
  // A file the wrapper has not seen written: whatever is on disk is durable.
  auto st = std::make_shared<FileState>();
  uint64_t size = 0;
  if (base_->GetFileSize(path, &size).ok()) {
    st->size = size;
    st->synced_size = size;
  }
  st->name_durable = true;
  files_[path] = st;
  return st;
}

// ---------------------------------------------------------------------------
// FileSystem

Status FaultInjectionFileSystem::NewWritableFile(const std::string& path,
                                                 std::unique_ptr<WritableFile>* out) {
  return OpenForWrite(path, /*append=*/false, out);
}

Status FaultInjectionFileSystem::NewAppendableFile(const std::string& path,
                                                   std::unique_ptr<WritableFile>* out) {
  return OpenForWrite(path, /*append=*/true, out);
}

Status FaultInjectionFileSystem::OpenForWrite(const std::string& path, bool append,
                                              std::unique_ptr<WritableFile>* out) {
  const std::string p = Normalize(path);
  Status s = Check(Op::kCreate, p, /*mutating=*/true);
  if (!s.ok()) return s;
  const bool existed = base_->FileExists(p);
  std::unique_ptr<WritableFile> file;
  s = append ? base_->NewAppendableFile(path, &file) : base_->NewWritableFile(path, &file);
  if (!s.ok()) return s;
  std::shared_ptr<FileState> st;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (append && existed) {
      st = StateForExistingLocked(p);  // appends continue the file's history
    } else {
      st = std::make_shared<FileState>();
      // Truncating an existing file keeps its directory entry (and its
      // durability); the old contents are gone (pessimistically, durably so).
      auto it = files_.find(p);
      st->name_durable = existed && (it == files_.end() || it->second->name_durable);
      files_[p] = st;
    }
  }
  *out = std::make_unique<TestWritableFile>(this, p, st, std::move(file));
  return Status::OK();
}

Status FaultInjectionFileSystem::NewRandomAccessFile(const std::string& path,
                                                     std::unique_ptr<RandomAccessFile>* out) {
  std::unique_ptr<RandomAccessFile> file;
  Status s = base_->NewRandomAccessFile(path, &file);
  if (!s.ok()) return s;
  *out = std::make_unique<TestRandomAccessFile>(this, Normalize(path), std::move(file));
  return Status::OK();
}

bool FaultInjectionFileSystem::FileExists(const std::string& path) {
  return base_->FileExists(path);
}

Status FaultInjectionFileSystem::GetFileSize(const std::string& path, uint64_t* size) {
  return base_->GetFileSize(path, size);
}

Status FaultInjectionFileSystem::GetChildren(const std::string& dir,
                                             std::vector<std::string>* names) {
  return base_->GetChildren(dir, names);
}

Status FaultInjectionFileSystem::CreateDir(const std::string& dir) {
  Status s = Check(Op::kCreate, Normalize(dir), /*mutating=*/true);
  if (!s.ok()) return s;
  // Directories are not tracked: once created they are assumed to survive.
  return base_->CreateDir(dir);
}

Status FaultInjectionFileSystem::RemoveFile(const std::string& path) {
  const std::string p = Normalize(path);
  Status s = Check(Op::kRemove, p, /*mutating=*/true);
  if (!s.ok()) return s;

  // Decide what a power loss before the next SyncDir would bring back.
  std::shared_ptr<FileState> st;
  bool resurrect = false;
  std::string resurrect_path = p;
  uint64_t durable_bytes = UINT64_MAX;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = files_.find(p);
    if (it != files_.end()) st = it->second;
    resurrect = model_removals_ && (st == nullptr || st->name_durable);
    if (st != nullptr) durable_bytes = st->synced_size;
    // Renamed here without a SyncDir: the durable name is the old one.
    for (auto r = renames_.rbegin(); r != renames_.rend(); ++r) {
      if (r->to == p && r->state == st && st != nullptr) {
        resurrect = model_removals_ && r->from_name_durable;
        resurrect_path = r->from;
        break;
      }
    }
  }
  std::string contents;
  if (resurrect && !ReadWholeFile(p, durable_bytes, &contents).ok()) resurrect = false;

  s = base_->RemoveFile(path);
  if (!s.ok()) return s;
  std::lock_guard<std::mutex> l(mu_);
  files_.erase(p);
  if (resurrect) removals_.push_back(PendingRemoval{resurrect_path, std::move(contents)});
  return Status::OK();
}

Status FaultInjectionFileSystem::RenameFile(const std::string& from, const std::string& to) {
  const std::string f = Normalize(from);
  const std::string t = Normalize(to);
  Status s = Check(Op::kRename, f, /*mutating=*/true);
  if (!s.ok()) return s;

  PendingRename r;
  r.from = f;
  r.to = t;
  if (base_->FileExists(t)) {
    uint64_t durable_bytes = UINT64_MAX;
    bool durable_name = true;
    {
      std::lock_guard<std::mutex> l(mu_);
      auto it = files_.find(t);
      if (it != files_.end()) {
        durable_bytes = it->second->synced_size;
        durable_name = it->second->name_durable;
      }
    }
    if (durable_name && ReadWholeFile(t, durable_bytes, &r.old_to_contents).ok()) {
      r.had_old_to = true;
    }
  }
  s = base_->RenameFile(from, to);
  if (!s.ok()) return s;

  std::lock_guard<std::mutex> l(mu_);
  r.state = StateForExistingLocked(f);
  r.from_name_durable = r.state->name_durable;
  r.state->name_durable = false;
  files_.erase(f);
  files_[t] = r.state;
  renames_.push_back(std::move(r));
  return Status::OK();
}

Status FaultInjectionFileSystem::TruncateFile(const std::string& path, uint64_t size) {
  const std::string p = Normalize(path);
  Status s = Check(Op::kTruncate, p, /*mutating=*/true);
  if (!s.ok()) return s;
  s = base_->TruncateFile(path, size);
  if (!s.ok()) return s;
  std::lock_guard<std::mutex> l(mu_);
  std::shared_ptr<FileState> st = StateForExistingLocked(p);
  // Modelled as durable at once (a shrink cannot bring old bytes back).
  st->size = size;
  st->synced_size = std::min(st->synced_size, size);
  return Status::OK();
}

Status FaultInjectionFileSystem::SyncDir(const std::string& dir) {
  const std::string d = Normalize(dir);
  Status s = Check(Op::kSyncDir, d, /*mutating=*/true);
  if (!s.ok()) return s;
  bool real;
  {
    std::lock_guard<std::mutex> l(mu_);
    real = real_sync_;
  }
  if (real) {
    s = base_->SyncDir(dir);
    if (!s.ok()) return s;
  }
  std::lock_guard<std::mutex> l(mu_);
  for (auto& [path, st] : files_) {
    if (ParentDir(path) == d) st->name_durable = true;
  }
  std::erase_if(renames_, [&](const PendingRename& r) { return ParentDir(r.to) == d; });
  std::erase_if(removals_, [&](const PendingRemoval& r) { return ParentDir(r.path) == d; });
  return Status::OK();
}

Status FaultInjectionFileSystem::LockFile(const std::string& path,
                                          std::unique_ptr<FileLock>* lock) {
  return base_->LockFile(path, lock);
}

// ---------------------------------------------------------------------------
// Called by TestWritableFile

Status FaultInjectionFileSystem::FileAppend(const std::shared_ptr<FileState>& state,
                                            const std::string& path, WritableFile* base,
                                            std::string_view data) {
  bool injected = false;
  Status s = Check(Op::kWrite, path, /*mutating=*/true, &injected);
  if (!s.ok()) {
    bool partial;
    {
      std::lock_guard<std::mutex> l(mu_);
      partial = injected && partial_failed_writes_;
    }
    if (partial && base->Append(data.substr(0, data.size() / 2)).ok()) {
      std::lock_guard<std::mutex> l(mu_);
      state->size += data.size() / 2;
    }
    return s;
  }
  s = base->Append(data);
  if (!s.ok()) return s;
  std::lock_guard<std::mutex> l(mu_);
  state->size += data.size();
  return Status::OK();
}

Status FaultInjectionFileSystem::FileSync(const std::shared_ptr<FileState>& state,
                                          const std::string& path, WritableFile* base) {
  uint64_t target;
  bool real;
  std::chrono::microseconds delay;
  {
    std::lock_guard<std::mutex> l(mu_);
    Status s = CheckLocked(Op::kSync, path, /*mutating=*/true);
    if (!s.ok()) return s;
    target = state->size;  // appends are done by the file's one writer thread
    real = real_sync_;
    delay = sync_delay_;
  }
  if (delay.count() > 0) std::this_thread::sleep_for(delay);
  if (real) {
    Status s = base->Sync();
    if (!s.ok()) return s;
  }
  std::lock_guard<std::mutex> l(mu_);
  // The power failed while the sync ran: it never returns, and nothing it
  // was to make durable is.
  if (deactivated_) {
    return Status::IOError("fault injection: file system deactivated (simulated crash) during "
                           "sync " + path);
  }
  state->synced_size = std::max(state->synced_size, target);
  return Status::OK();
}

// ---------------------------------------------------------------------------
// Crash simulation

void FaultInjectionFileSystem::SetDeactivated(bool deactivated) {
  std::lock_guard<std::mutex> l(mu_);
  deactivated_ = deactivated;
  if (!deactivated) mutation_budget_ = -1;
}

bool FaultInjectionFileSystem::deactivated() const {
  std::lock_guard<std::mutex> l(mu_);
  return deactivated_;
}

void FaultInjectionFileSystem::DeactivateAfterMutations(int64_t n) {
  std::lock_guard<std::mutex> l(mu_);
  mutation_budget_ = n < 0 ? -1 : n;
}

uint64_t FaultInjectionFileSystem::mutation_count() const {
  std::lock_guard<std::mutex> l(mu_);
  return mutations_;
}

Status FaultInjectionFileSystem::SimulatePowerLoss(TornWrite mode, uint64_t seed) {
  std::lock_guard<std::mutex> l(mu_);
  std::mt19937_64 rng(seed ^ 0x5eed5eedULL);
  Status result;
  auto keep_first_error = [&result](const Status& s) {
    if (result.ok() && !s.ok()) result = s;
  };

  // 1. Unsynced tails: dropped, or torn at a sector/page boundary.
  for (auto& [path, st] : files_) {
    uint64_t disk = 0;
    if (!base_->GetFileSize(path, &disk).ok()) continue;  // already gone
    const uint64_t durable = std::min(st->synced_size, disk);
    uint64_t keep = durable;
    if (mode != TornWrite::kNone) {
      const uint64_t block = mode == TornWrite::kTorn512 ? 512 : 4096;
      keep = std::min(disk, (durable / block + 1) * block);
    }
    if (mode == TornWrite::kGarbageTail && keep > durable) {
      std::string contents;
      Status s = ReadWholeFile(path, keep, &contents);
      if (s.ok()) {
        for (size_t i = durable; i < contents.size(); ++i) {
          contents[i] = static_cast<char>(rng() & 0xff);
        }
        s = WriteWholeFile(path, contents);
      }
      keep_first_error(s);
    } else if (keep < disk) {
      keep_first_error(base_->TruncateFile(path, keep));
    }
  }

  // 2. Renames not covered by a SyncDir of the target's directory: undone,
  //    newest first, so a replaced file comes back.
  for (auto r = renames_.rbegin(); r != renames_.rend(); ++r) {
    auto it = files_.find(r->to);
    if (it != files_.end() && it->second == r->state && base_->FileExists(r->to)) {
      keep_first_error(base_->RenameFile(r->to, r->from));
      files_.erase(it);
      r->state->name_durable = r->from_name_durable;
      files_[r->from] = r->state;
    }
    if (r->had_old_to && !base_->FileExists(r->to)) {
      keep_first_error(WriteWholeFile(r->to, r->old_to_contents));
      auto st = std::make_shared<FileState>();
      st->size = st->synced_size = r->old_to_contents.size();
      st->name_durable = true;
      files_[r->to] = st;
    }
  }

  // 3. Files whose directory entry never became durable: gone.
  for (auto& [path, st] : files_) {
    if (!st->name_durable && base_->FileExists(path)) keep_first_error(base_->RemoveFile(path));
  }

  // 4. Removals not covered by a SyncDir: the file comes back (newest first, so
  //    the oldest durable version wins when a name was removed twice).
  for (auto r = removals_.rbegin(); r != removals_.rend(); ++r) {
    if (!base_->FileExists(r->path)) keep_first_error(WriteWholeFile(r->path, r->contents));
  }

  files_.clear();
  renames_.clear();
  removals_.clear();
  return result;
}

void FaultInjectionFileSystem::ForgetUnsyncedState() {
  std::lock_guard<std::mutex> l(mu_);
  files_.clear();
  renames_.clear();
  removals_.clear();
}

void FaultInjectionFileSystem::SetModelUnsyncedRemovals(bool on) {
  std::lock_guard<std::mutex> l(mu_);
  model_removals_ = on;
}

void FaultInjectionFileSystem::SetRealSync(bool on) {
  std::lock_guard<std::mutex> l(mu_);
  real_sync_ = on;
}

void FaultInjectionFileSystem::SetSyncDelay(std::chrono::microseconds delay) {
  std::lock_guard<std::mutex> l(mu_);
  sync_delay_ = delay;
}

// ---------------------------------------------------------------------------
// Error injection and counters

void FaultInjectionFileSystem::FailAfter(Op op, int n, int err, bool persistent,
                                         const std::string& path_filter) {
  std::lock_guard<std::mutex> l(mu_);
  rules_.push_back(FailRule{op, std::max(n, 1), err, persistent, path_filter});
}

void FaultInjectionFileSystem::SetPartialFailedWrites(bool on) {
  std::lock_guard<std::mutex> l(mu_);
  partial_failed_writes_ = on;
}

void FaultInjectionFileSystem::ClearFailures() {
  std::lock_guard<std::mutex> l(mu_);
  rules_.clear();
}

uint64_t FaultInjectionFileSystem::injected_failures() const {
  std::lock_guard<std::mutex> l(mu_);
  return injected_;
}

std::string FaultInjectionFileSystem::first_injected_failure() const {
  std::lock_guard<std::mutex> l(mu_);
  return first_injected_;
}

uint64_t FaultInjectionFileSystem::OpCount(Op op) const {
  std::lock_guard<std::mutex> l(mu_);
  return op_counts_[static_cast<int>(op)];
}

void FaultInjectionFileSystem::ResetCounters() {
  std::lock_guard<std::mutex> l(mu_);
  op_counts_.fill(0);
  mutations_ = 0;
  injected_ = 0;
  first_injected_.clear();
}

std::optional<uint64_t> FaultInjectionFileSystem::SyncedSize(const std::string& path) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = files_.find(Normalize(path));
  if (it == files_.end()) return std::nullopt;
  return it->second->synced_size;
}

bool FaultInjectionFileSystem::IsNameDurable(const std::string& path) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = files_.find(Normalize(path));
  return it == files_.end() || it->second->name_durable;
}

}  // namespace spirapi::test
