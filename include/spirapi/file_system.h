// FileSystem: every byte SpiraPi reads or writes goes through this interface.
// The default implementation is POSIX; tests substitute a layer that injects
// I/O errors or simulates power loss (see tests/support/fault_injection_fs.h).
//
// Thread safety: implementations must be safe for concurrent use. A single
// WritableFile is used by one thread at a time; a RandomAccessFile may be
// read from many threads at once.

#ifndef SPIRAPI_FILE_SYSTEM_H_
#define SPIRAPI_FILE_SYSTEM_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "spirapi/export.h"
#include "spirapi/status.h"

namespace spirapi {

// A file opened for appending.
class SPIRAPI_EXPORT WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Appends data. IOError on failure; after a failure the file's contents
  // past the last successful Sync() are unspecified.
  virtual Status Append(std::string_view data) = 0;
  // Makes everything appended so far durable (fdatasync).
  virtual Status Sync() = 0;
  virtual Status Close() = 0;
};

// A file opened for positioned reads.
class SPIRAPI_EXPORT RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads up to n bytes at offset into scratch and sets *result to the bytes
  // read (fewer than n only at end of file).
  virtual Status Read(uint64_t offset, size_t n, std::string* result) const = 0;
};

// An exclusive advisory lock on a file, held until released.
class SPIRAPI_EXPORT FileLock {
 public:
  virtual ~FileLock() = default;
};

class SPIRAPI_EXPORT FileSystem {
 public:
  virtual ~FileSystem() = default;

  // The process-wide POSIX file system. Never deleted.
  static FileSystem* Default();

  // Creates (truncating) a file for appending.
  virtual Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) = 0;
  // Opens an existing file for appending at its end.
  virtual Status NewAppendableFile(const std::string& path,
                                   std::unique_ptr<WritableFile>* out) = 0;
  virtual Status NewRandomAccessFile(const std::string& path,
                                     std::unique_ptr<RandomAccessFile>* out) = 0;
  virtual bool FileExists(const std::string& path) = 0;
  virtual Status GetFileSize(const std::string& path, uint64_t* size) = 0;
  // Names (not paths) of the entries of a directory.
  virtual Status GetChildren(const std::string& dir, std::vector<std::string>* names) = 0;
  virtual Status CreateDir(const std::string& dir) = 0;  // OK if it exists
  virtual Status RemoveFile(const std::string& path) = 0;
  // Atomically replaces `to` by `from` (rename(2)).
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  virtual Status TruncateFile(const std::string& path, uint64_t size) = 0;
  // Makes the creation, removal and renaming of entries in dir durable.
  virtual Status SyncDir(const std::string& dir) = 0;
  // Takes an exclusive lock on path (creating it). Busy if another process
  // holds it.
  virtual Status LockFile(const std::string& path, std::unique_ptr<FileLock>* lock) = 0;
  // Sets *held to whether another process holds the lock on path, without
  // creating or changing anything (a read-only open asks whether a writer is
  // live). The default answers true, the cautious answer: a read-only
  // instance then takes bytes at the end of the last journal for a commit
  // still being written, never for the tail of a crash.
  virtual Status IsLockHeld(const std::string& path, bool* held) {
    (void)path;
    *held = true;
    return Status::OK();
  }
};

}  // namespace spirapi

#endif  // SPIRAPI_FILE_SYSTEM_H_
