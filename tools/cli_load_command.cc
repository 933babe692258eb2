// `spirapi load` reads its input once: a pipe, /dev/stdin or <(...) can be
// read only once. Every line is checked before the database is opened, so
// bad input changes nothing; the records are written in a second pass. That
// pass reads a regular file again from where the first began, and any other
// input from the copy that the first pass wrote to an unlinked temporary file.

#include "cli_load_command.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string_view>

#include "cli_input.h"
#include "cli_load.h"
#include "cli_util.h"
#include "spirapi/record.h"

namespace spirapi::cli {
namespace {

// A batch is committed early before it would hold more record bytes than
// this: half the library's 256 MiB transaction limit, so that its per-record
// overhead never matters and records with large blobs still load.
constexpr uint64_t kMaxLoadBatchBytes = 128u << 20;
// A load line holds at most kMaxValueBytes of JSON (escapes may take six
// bytes per byte) and a base64 blob of kMaxBlobBytes.
constexpr size_t kMaxLoadLineBytes = 6 * kMaxValueBytes + 2 * kMaxBlobBytes;

// The input of a load, and where its second pass reads it.
class LoadInput {
 public:
  LoadInput() = default;
  LoadInput(const LoadInput&) = delete;
  LoadInput& operator=(const LoadInput&) = delete;
  ~LoadInput() {
    if (file_ != nullptr && file_ != stdin) std::fclose(file_);
    if (copy_ != nullptr) std::fclose(copy_);
  }

  // Opens `path`, "-" being standard input. Returns an exit code.
  int Open(const std::string& path) {
    if (int rc = OpenJsonLines(path, &file_, &name_); rc != kExitOk) return rc;
    struct stat st;
    start_ = std::ftell(file_);  // -1 where the input cannot seek
    if (start_ >= 0 && fstat(fileno(file_), &st) == 0 && S_ISREG(st.st_mode)) return kExitOk;
    return CreateCopy();
  }

  const std::string& name() const { return name_; }
  std::FILE* file() const { return file_; }
  // Where the first pass copies every line; null for a regular file.
  std::FILE* copy() const { return copy_; }

  // Sets *second to the stream the second pass reads, at its start.
  int Rewind(std::FILE** second) {
    *second = copy_ != nullptr ? copy_ : file_;
    // fseek also writes out what is buffered of the copy.
    if (std::fseek(*second, copy_ != nullptr ? 0 : start_, SEEK_SET) != 0) {
      return Fail(kExitIoError, "cannot read " + name_ + " again: " + std::strerror(errno) +
                                    "; nothing was loaded");
    }
    return kExitOk;
  }

 private:
  int CreateCopy() {
    std::error_code ec;
    const std::filesystem::path dir = std::filesystem::temp_directory_path(ec);
    std::string pattern = (ec ? std::filesystem::path("/tmp") : dir) / "spirapi-load-XXXXXX";
    const int fd = mkstemp(pattern.data());
    if (fd >= 0) {
      unlink(pattern.c_str());  // gone once closed, also when the process dies
      copy_ = fdopen(fd, "w+b");
      if (copy_ == nullptr) close(fd);
    }
    if (copy_ == nullptr) {
      return Fail(kExitIoError, "cannot create a temporary file for a copy of " + name_ +
                                    " (set TMPDIR to a writable directory): " +
                                    std::strerror(errno));
    }
    return kExitOk;
  }

  std::string name_;
  std::FILE* file_ = nullptr;
  std::FILE* copy_ = nullptr;
  long start_ = 0;
};

// Calls fn(line_number, record) for every non-blank line of `in`, named
// `name` in messages, and writes every line to `copy` unless it is null.
// Stops at the first bad line (its error message ends with bad_line_note())
// or when fn returns non-zero; returns an exit code.
int ForEachLoadLine(std::FILE* in, const std::string& name, std::FILE* copy, Component component,
                    const std::function<std::string()>& bad_line_note,
                    const std::function<int(uint64_t, const LoadRecord&)>& fn) {
  LineReader reader(in, kMaxLoadLineBytes);
  std::string line;
  LoadRecord record;
  uint64_t line_number = 0;
  int rc = kExitOk;
  LineReader::Result r;
  while (rc == kExitOk && (r = reader.Next(&line)) != LineReader::Result::kEnd) {
    ++line_number;
    const std::string where = name + ": line " + std::to_string(line_number) + ": ";
    if (r == LineReader::Result::kError) {
      rc = Fail(kExitIoError, where + "read error: " + std::strerror(errno));
    } else if (r == LineReader::Result::kTooLong) {
      rc = Fail(kExitUsage, where + "longer than the limit of " +
                                std::to_string(kMaxLoadLineBytes) + " bytes; " + bad_line_note());
    } else if (copy != nullptr && (std::fwrite(line.data(), 1, line.size(), copy) != line.size() ||
                                   std::fputc('\n', copy) == EOF)) {
      rc = Fail(kExitIoError, "cannot write the temporary copy of " + name + ": " +
                                  std::strerror(errno) + "; " + bad_line_note());
    } else if (!IsBlank(line)) {
      const std::string error = ParseLoadLine(line, component, &record);
      rc = error.empty() ? fn(line_number, record)
                         : Fail(kExitUsage, where + error + "; " + bad_line_note());
    }
  }
  return rc;
}

}  // namespace

int RunLoad(const std::string& component, const std::string& file, uint64_t batch,
            const std::function<int(std::unique_ptr<DB>*)>& open) {
  Component c;
  if (Status s = ParseComponent(component, &c); !s.ok()) return Fail(kExitUsage, s.message());
  if (batch == 0) return Fail(kExitUsage, "--batch must be at least 1");
  LoadInput input;
  if (int rc = input.Open(file); rc != kExitOk) return rc;

  // Pass 1 checks every line before the database is even opened, so bad
  // input changes nothing. Pass 2 parses again instead of keeping every
  // record in memory, which keeps large loads cheap.
  uint64_t total = 0;
  const auto nothing_loaded = [] { return std::string("nothing was loaded"); };
  int rc = ForEachLoadLine(input.file(), input.name(), input.copy(), c, nothing_loaded,
                           [&](uint64_t, const LoadRecord&) {
                             ++total;
                             return kExitOk;
                           });
  if (rc != kExitOk) return rc;
  std::FILE* second = nullptr;
  if (rc = input.Rewind(&second); rc != kExitOk) return rc;

  std::unique_ptr<DB> db;
  if (rc = open(&db); rc != kExitOk) return rc;

  ProgressBar progress("loading");
  std::unique_ptr<Transaction> txn;
  uint64_t in_batch = 0;
  uint64_t batch_bytes = 0;
  uint64_t committed = 0;
  uint64_t batch_first_line = 0;
  auto fail_batch = [&](const std::string& where, const Status& s) {
    progress.Clear();
    return Fail(ExitCodeFor(s), input.name() + ": " + where + ": " + s.message() + "; " +
                                    std::to_string(committed) +
                                    " records in earlier batches were committed");
  };
  auto commit_batch = [&](uint64_t last_line) {
    Status s = txn->Commit();
    txn.reset();
    if (!s.ok()) {
      return fail_batch("commit of lines " + std::to_string(batch_first_line) + "-" +
                            std::to_string(last_line),
                        s);
    }
    committed += in_batch;
    in_batch = 0;
    batch_bytes = 0;
    progress.Update(static_cast<double>(committed) / static_cast<double>(total));
    return static_cast<int>(kExitOk);
  };

  uint64_t last_line = 0;
  // A bad line now means a regular file changed after pass 1.
  const auto changed_note = [&] {
    progress.Clear();
    return "the input changed during the load; " + std::to_string(committed) +
           " records in earlier batches were committed";
  };
  rc = ForEachLoadLine(second, input.name(), nullptr, c, changed_note,
                       [&](uint64_t line_number, const LoadRecord& r) {
    const uint64_t bytes = r.id.size() + r.data.size() + r.metadata.size() + r.blob.size();
    if (txn && batch_bytes + bytes > kMaxLoadBatchBytes) {
      if (int done = commit_batch(last_line); done != kExitOk) return done;
    }
    batch_bytes += bytes;
    if (!txn) {
      Status s = db->BeginTransaction(WriteOptions(), &txn);
      if (!s.ok()) return fail_batch("line " + std::to_string(line_number), s);
      batch_first_line = line_number;
    }
    Status s = txn->PutWithBlob(c, r.id, r.data, r.metadata, r.blob);
    if (!s.ok()) return fail_batch("line " + std::to_string(line_number), s);
    last_line = line_number;
    if (++in_batch == batch) return commit_batch(line_number);
    return static_cast<int>(kExitOk);
  });
  if (rc != kExitOk) return rc;  // an open transaction rolls back when destroyed
  if (txn) {
    if (rc = commit_batch(last_line); rc != kExitOk) return rc;
  }
  progress.Clear();
  WriteLine("loaded " + std::to_string(committed) + " records into " + ComponentName(c));
  return kExitOk;
}

}  // namespace spirapi::cli
