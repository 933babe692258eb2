// Status: the result of an operation, returned by value across the public API.
// No exception escapes the library; every failure is a Status with a code and
// one human-readable line.
//
// Thread safety: a Status is a value; distinct objects may be used from
// different threads without synchronization.

#ifndef SPIRAPI_STATUS_H_
#define SPIRAPI_STATUS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "spirapi/export.h"

namespace spirapi {

class SPIRAPI_EXPORT Status {
 public:
  enum class Code : uint8_t {
    kOk = 0,
    kNotFound = 1,         // the record, version or database does not exist
    kCorruption = 2,       // stored bytes fail a checksum or do not decode
    kInvalidArgument = 3,  // bad input from the caller; nothing was changed
    kIOError = 4,          // the operating system reported a failure
    kConflict = 5,         // a concurrent transaction wrote the same record
    kBusy = 6,             // another process holds the database lock
    kNotSupported = 7,     // e.g. a database of a newer format version
    kCancelled = 8,        // the caller asked (e.g. through a callback) to stop
  };

  Status() = default;

  static Status OK() { return Status(); }
  static Status NotFound(std::string_view msg) { return Status(Code::kNotFound, msg); }
  static Status Corruption(std::string_view msg) { return Status(Code::kCorruption, msg); }
  static Status InvalidArgument(std::string_view msg) {
    return Status(Code::kInvalidArgument, msg);
  }
  static Status IOError(std::string_view msg) { return Status(Code::kIOError, msg); }
  static Status Conflict(std::string_view msg) { return Status(Code::kConflict, msg); }
  static Status Busy(std::string_view msg) { return Status(Code::kBusy, msg); }
  static Status NotSupported(std::string_view msg) { return Status(Code::kNotSupported, msg); }
  static Status Cancelled(std::string_view msg) { return Status(Code::kCancelled, msg); }

  bool ok() const { return code_ == Code::kOk; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsInvalidArgument() const { return code_ == Code::kInvalidArgument; }
  bool IsIOError() const { return code_ == Code::kIOError; }
  bool IsConflict() const { return code_ == Code::kConflict; }
  bool IsBusy() const { return code_ == Code::kBusy; }
  bool IsNotSupported() const { return code_ == Code::kNotSupported; }
  bool IsCancelled() const { return code_ == Code::kCancelled; }

  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // "OK", or the code's name, a colon and the message, e.g.
  // "Corruption: sequence/000012.seg block at 4096: checksum mismatch".
  std::string ToString() const;

 private:
  Status(Code code, std::string_view msg) : code_(code), message_(msg) {}

  Code code_ = Code::kOk;
  std::string message_;
};

}  // namespace spirapi

#endif  // SPIRAPI_STATUS_H_
