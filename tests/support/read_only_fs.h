// ReadOnlyFileSystem: a FileSystem wrapper that refuses (IOError, nothing
// changed) every call that would create, change, remove or lock a file, and
// counts those attempts. Tests run as root, where a chmod'ed directory is
// still writable; this stands in for a read-only mount.

#ifndef SPIRAPI_TESTS_SUPPORT_READ_ONLY_FS_H_
#define SPIRAPI_TESTS_SUPPORT_READ_ONLY_FS_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "spirapi/file_system.h"

namespace spirapi::test {

class ReadOnlyFileSystem : public FileSystem {
 public:
  explicit ReadOnlyFileSystem(FileSystem* base = FileSystem::Default()) : base_(base) {}

  // Mutating calls attempted so far (each was refused).
  int attempts() const { return attempts_.load(); }

  Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>*) override {
    return Refuse("create", path);
  }
  Status NewAppendableFile(const std::string& path, std::unique_ptr<WritableFile>*) override {
    return Refuse("append to", path);
  }
  Status NewRandomAccessFile(const std::string& path,
                             std::unique_ptr<RandomAccessFile>* out) override {
    return base_->NewRandomAccessFile(path, out);
  }
  bool FileExists(const std::string& path) override { return base_->FileExists(path); }
  Status GetFileSize(const std::string& path, uint64_t* size) override {
    return base_->GetFileSize(path, size);
  }
  Status GetChildren(const std::string& dir, std::vector<std::string>* names) override {
    return base_->GetChildren(dir, names);
  }
  Status CreateDir(const std::string& dir) override { return Refuse("mkdir", dir); }
  Status RemoveFile(const std::string& path) override { return Refuse("remove", path); }
  Status RenameFile(const std::string& from, const std::string&) override {
    return Refuse("rename", from);
  }
  Status TruncateFile(const std::string& path, uint64_t) override {
    return Refuse("truncate", path);
  }
  Status SyncDir(const std::string& dir) override { return Refuse("fsync", dir); }
  Status LockFile(const std::string& path, std::unique_ptr<FileLock>*) override {
    return Refuse("lock", path);
  }
  Status IsLockHeld(const std::string& path, bool* held) override {
    return base_->IsLockHeld(path, held);
  }

 private:
  Status Refuse(const char* what, const std::string& path) {
    attempts_.fetch_add(1);
    return Status::IOError(std::string(what) + " " + path + ": read-only file system");
  }

  FileSystem* const base_;
  std::atomic<int> attempts_{0};
};

}  // namespace spirapi::test

#endif  // SPIRAPI_TESTS_SUPPORT_READ_ONLY_FS_H_
