// Reading the files a command line names (blobs, passphrases, JSON-lines,
// patterns, schemas) with a limit on what is held in memory: a path may name
// a device such as /dev/zero or /dev/urandom, which never ends and has no
// newline, and such input must end in one error line, not in exhausted
// memory.

#ifndef SPIRAPI_TOOLS_CLI_INPUT_H_
#define SPIRAPI_TOOLS_CLI_INPUT_H_

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>

#include "cli_util.h"

namespace spirapi::cli {

// Reads a file line by line; a line must not exceed `limit` bytes.
class LineReader {
 public:
  enum class Result { kLine, kEnd, kTooLong, kError };

  LineReader(std::FILE* file, size_t limit) : file_(file), limit_(limit) {}
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // The next line, without its '\n', in *line. kTooLong leaves the rest of
  // the line unread; kError is a failed read (errno is set).
  Result Next(std::string* line) {
    line->clear();
    for (;;) {
      if (pos_ == len_) {
        len_ = std::fread(buffer_, 1, sizeof(buffer_), file_);
        pos_ = 0;
        if (len_ == 0) {
          if (std::ferror(file_)) return Result::kError;
          return line->empty() ? Result::kEnd : Result::kLine;
        }
      }
      const char* start = buffer_ + pos_;
      const void* newline = std::memchr(start, '\n', len_ - pos_);
      const size_t n = newline != nullptr ? static_cast<size_t>(static_cast<const char*>(newline) - start)
                                          : len_ - pos_;
      if (line->size() + n > limit_) return Result::kTooLong;
      line->append(start, n);
      pos_ += n;
      if (newline != nullptr) {
        ++pos_;
        return Result::kLine;
      }
    }
  }

 private:
  std::FILE* const file_;
  const size_t limit_;
  char buffer_[1 << 16];
  size_t pos_ = 0;
  size_t len_ = 0;
};

// Opens `path` for reading. Returns an exit code (kExitOk on success) after
// printing the error line; `what` names the file in it ("blob file").
inline int OpenInputFile(const std::string& path, std::string_view what, std::FILE** file) {
  *file = std::fopen(path.c_str(), "rb");
  if (*file != nullptr) return kExitOk;
  const int code = errno == ENOENT || errno == EISDIR ? kExitUsage : kExitIoError;
  return Fail(code, "cannot read " + std::string(what) + " '" + path + "': " +
                        std::strerror(errno));
}

// Opens the JSON-lines input `path` of load or insert --file, "-" being
// standard input; *name names it in messages. Returns an exit code.
inline int OpenJsonLines(const std::string& path, std::FILE** file, std::string* name) {
  if (path == "-") {
    *name = "standard input";
    *file = stdin;
    return kExitOk;
  }
  *name = path;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return Fail(kExitUsage, "'" + path + "' is a directory, not a JSON-lines file");
  }
  return OpenInputFile(path, "JSON-lines file", file);
}

// Reads `file` to its end into *out, but never more than limit + 1 bytes, so
// that an endless input stops: *out longer than `limit` means too large.
// False on a read error (errno is set).
inline bool ReadAtMost(std::FILE* file, size_t limit, std::string* out) {
  out->clear();
  char buffer[1 << 16];
  while (out->size() <= limit) {
    const size_t want = std::min(sizeof(buffer), limit + 1 - out->size());
    const size_t n = std::fread(buffer, 1, want, file);
    out->append(buffer, n);
    if (n < want) break;
  }
  return std::ferror(file) == 0;
}

// Reads the whole of `path` into *out, refusing a file larger than `limit`
// bytes before reading more than that. Returns an exit code.
inline int ReadInputFile(const std::string& path, size_t limit, std::string_view what,
                         std::string* out) {
  out->clear();
  std::FILE* f = nullptr;
  if (int rc = OpenInputFile(path, what, &f); rc != kExitOk) return rc;
  const bool read = ReadAtMost(f, limit, out);
  std::fclose(f);
  if (!read) return Fail(kExitIoError, "cannot read " + std::string(what) + " '" + path + "'");
  if (out->size() > limit) {
    return Fail(kExitUsage, std::string(what) + " '" + path + "' is larger than the limit of " +
                                std::to_string(limit) + " bytes");
  }
  return kExitOk;
}

}  // namespace spirapi::cli

#endif  // SPIRAPI_TOOLS_CLI_INPUT_H_
