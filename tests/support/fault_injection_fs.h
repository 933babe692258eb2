// FaultInjectionFileSystem: a FileSystem wrapper for durability tests.
//
// It forwards every call to a base FileSystem (FileSystem::Default() unless
// told otherwise) and keeps a model of what would survive a power failure:
//
//  * for every file written through it, the size at its last successful
//    Sync() (bytes past that size are "in the page cache" only);
//  * which directory entries are not yet durable: files created, renamed into
//    place or removed since the last SyncDir() of their directory.
//
// SimulatePowerLoss() then rewrites the real directory tree into one state a
// POSIX file system may legally show after a crash: unsynced tails dropped (or
// torn at a sector/page boundary, optionally with garbage), unsynced renames
// undone, unsynced creations deleted and unsynced removals resurrected.
//
// A crash is modelled in two steps: SetDeactivated(true) (or
// DeactivateAfterMutations(n)) makes every later mutating call fail with
// IOError and change nothing, so the database can be destroyed without
// persisting anything new; then SimulatePowerLoss(); then SetDeactivated(false)
// and reopen the database through the same wrapper.
//
// It also injects I/O errors (FailAfter) and counts operations.
//
// Thread safety: safe for concurrent use, like any FileSystem.

#ifndef SPIRAPI_TESTS_SUPPORT_FAULT_INJECTION_FS_H_
#define SPIRAPI_TESTS_SUPPORT_FAULT_INJECTION_FS_H_

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "spirapi/file_system.h"
#include "spirapi/status.h"

namespace spirapi::test {

class FaultInjectionFileSystem : public FileSystem {
 public:
  // Kinds of operation for counting and error injection.
  enum class Op : int {
    kWrite = 0,  // WritableFile::Append
    kSync,       // WritableFile::Sync
    kRename,     // RenameFile
    kRead,       // RandomAccessFile::Read
    kRemove,     // RemoveFile
    kCreate,     // NewWritableFile, NewAppendableFile, CreateDir
    kSyncDir,    // SyncDir
    kTruncate,   // TruncateFile
  };
  static constexpr int kNumOps = 8;
  static const char* OpName(Op op);

  // How the unsynced tail of a file looks after SimulatePowerLoss().
  enum class TornWrite {
    kNone,         // cut exactly at the last synced size
    kTorn512,      // unsynced bytes kept up to the next 512-byte boundary
    kTorn4096,     // unsynced bytes kept up to the next 4096-byte boundary
    kGarbageTail,  // like kTorn4096, but the kept unsynced bytes are random
  };
  static const char* TornWriteName(TornWrite mode);

  explicit FaultInjectionFileSystem(FileSystem* base = FileSystem::Default());
  ~FaultInjectionFileSystem() override;

  FaultInjectionFileSystem(const FaultInjectionFileSystem&) = delete;
  FaultInjectionFileSystem& operator=(const FaultInjectionFileSystem&) = delete;

  // ---- FileSystem ----
  Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) override;
  Status NewAppendableFile(const std::string& path, std::unique_ptr<WritableFile>* out) override;
  Status NewRandomAccessFile(const std::string& path,
                             std::unique_ptr<RandomAccessFile>* out) override;
  bool FileExists(const std::string& path) override;
  Status GetFileSize(const std::string& path, uint64_t* size) override;
  Status GetChildren(const std::string& dir, std::vector<std::string>* names) override;
  Status CreateDir(const std::string& dir) override;
  Status RemoveFile(const std::string& path) override;
  Status RenameFile(const std::string& from, const std::string& to) override;
  Status TruncateFile(const std::string& path, uint64_t size) override;
  Status SyncDir(const std::string& dir) override;
  Status LockFile(const std::string& path, std::unique_ptr<FileLock>* lock) override;
  Status IsLockHeld(const std::string& path, bool* held) override {
    return base_->IsLockHeld(path, held);
  }

  // ---- Crash simulation ----

  // While deactivated every mutating call (append, sync, create, rename,
  // remove, truncate, mkdir, directory sync) returns IOError and changes
  // nothing. Reads keep working.
  void SetDeactivated(bool deactivated);
  bool deactivated() const;

  // Lets exactly n more mutating calls succeed, then deactivates (call n+1
  // fails). n < 0 cancels a pending deactivation.
  void DeactivateAfterMutations(int64_t n);

  // Mutating calls that succeeded since construction (or ResetCounters).
  uint64_t mutation_count() const;

  // Rewrites the files on disk into a state a power failure could leave (see
  // the file comment), then forgets all tracking: everything now on disk
  // counts as durable. Call only while no file opened through this wrapper is
  // still open for writing (i.e. after the database is destroyed). `seed`
  // drives the garbage bytes.
  Status SimulatePowerLoss(TornWrite mode, uint64_t seed = 0);

  // Forgets all tracking without touching the disk (everything counts as
  // durable), e.g. after a test prepared files by other means.
  void ForgetUnsyncedState();

  // Whether unsynced removals are undone by SimulatePowerLoss (default true).
  void SetModelUnsyncedRemovals(bool on);

  // Whether Sync/SyncDir reach the real disk (default true). Turning this off
  // makes crash loops fast; the durability model does not depend on it.
  void SetRealSync(bool on);

  // Sleeps this long inside every WritableFile::Sync (e.g. to make group
  // commit observable on fast disks, or to give a crash a disk's window of
  // syncs to land in: a sync the deactivation overtakes fails and makes
  // nothing durable).
  void SetSyncDelay(std::chrono::microseconds delay);

  // ---- Error injection ----

  // The n-th (n >= 1) subsequent operation of kind `op` whose path contains
  // `path_filter` (any path if empty) fails with IOError carrying
  // strerror(err); with `persistent`, every later one fails too. Several
  // rules may be active at once.
  void FailAfter(Op op, int n, int err, bool persistent, const std::string& path_filter = "");
  void ClearFailures();
  // When on, a write failed by a FailAfter rule first appends the first half
  // of its data, as a write(2) cut short by a full disk leaves it (default
  // off: a failed write appends nothing).
  void SetPartialFailedWrites(bool on);
  // Errors injected so far by FailAfter rules.
  uint64_t injected_failures() const;
  // "<op> <path>" of the first error injected since ResetCounters (empty if
  // none), to tell which operation a caller may have absorbed.
  std::string first_injected_failure() const;

  // Operations of a kind attempted so far (including failed ones).
  uint64_t OpCount(Op op) const;
  void ResetCounters();

  // ---- Introspection (for the wrapper's own tests) ----
  // Size at the last Sync of a tracked file; nullopt if untracked.
  std::optional<uint64_t> SyncedSize(const std::string& path) const;
  // Whether the directory entry of path is durable (untracked paths: true).
  bool IsNameDurable(const std::string& path) const;

 private:
  class TestWritableFile;
  class TestRandomAccessFile;

  // What the wrapper knows about one file (an inode: it follows renames).
  struct FileState {
    uint64_t size = 0;         // bytes appended so far
    uint64_t synced_size = 0;  // bytes durable
    bool name_durable = false; // its directory entry survives a power loss
  };

  struct PendingRename {
    std::string from;
    std::string to;
    std::shared_ptr<FileState> state;  // the inode that moved
    bool from_name_durable = true;
    bool had_old_to = false;           // `to` existed durably before
    std::string old_to_contents;       // its durable bytes
  };

  struct PendingRemoval {
    std::string path;
    std::string contents;  // durable bytes of the removed file
  };

  struct FailRule {
    Op op;
    int remaining;  // fires when this reaches 1 on a matching op
    int err;
    bool persistent;
    std::string path_filter;
    bool fired = false;
  };

  static std::string Normalize(const std::string& path);
  static std::string ParentDir(const std::string& path);

  // Counts an attempt of `op` on `path`; returns the error to inject, if any.
  // mutating: also consults deactivation and counts a mutation on success.
  // *injected (if given) tells a FailAfter error from a deactivation.
  // Requires mu_.
  Status CheckLocked(Op op, const std::string& path, bool mutating, bool* injected = nullptr);
  Status Check(Op op, const std::string& path, bool mutating, bool* injected = nullptr);

  Status ReadWholeFile(const std::string& path, uint64_t limit, std::string* out);
  Status WriteWholeFile(const std::string& path, const std::string& contents);
  std::shared_ptr<FileState> StateForExistingLocked(const std::string& path);
  // NewWritableFile (truncating) and NewAppendableFile.
  Status OpenForWrite(const std::string& path, bool append, std::unique_ptr<WritableFile>* out);

  // Called by TestWritableFile.
  Status FileAppend(const std::shared_ptr<FileState>& state, const std::string& path,
                    WritableFile* base, std::string_view data);
  Status FileSync(const std::shared_ptr<FileState>& state, const std::string& path,
                  WritableFile* base);

  FileSystem* const base_;

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<FileState>> files_;
  std::vector<PendingRename> renames_;
  std::vector<PendingRemoval> removals_;
  std::vector<FailRule> rules_;
  std::array<uint64_t, kNumOps> op_counts_{};
  uint64_t mutations_ = 0;
  uint64_t injected_ = 0;
  std::string first_injected_;
  int64_t mutation_budget_ = -1;  // < 0: none
  bool deactivated_ = false;
  bool model_removals_ = true;
  bool real_sync_ = true;
  bool partial_failed_writes_ = false;
  std::chrono::microseconds sync_delay_{0};
};

}  // namespace spirapi::test

#endif  // SPIRAPI_TESTS_SUPPORT_FAULT_INJECTION_FS_H_
