// `spirapi insert --file` streams its input: it reads a batch of lines,
// inserts it in one transaction, and only then reads on, so that memory stays
// bounded (a batch holds at most --batch records and kMaxBatchBytes) and a
// pipe is read once. A bad line therefore stops the run with the batches
// before it committed; its error line says how far they reached and which
// --skip resumes after them, once the line is fixed.

#include "cli_insert.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <vector>

#include "cli_input.h"
#include "cli_load.h"  // IsBlank
#include "cli_util.h"
#include "spirapi/record.h"
#include "util/json.h"

namespace spirapi::cli {
namespace {

// A line is one record, which can be no larger than the record size limit.
constexpr size_t kMaxLineBytes = kMaxValueBytes;
// A batch is inserted early before its lines would exceed this: a temporal
// schema writes each record twice (record and history), and the engine
// refuses a transaction over 256 MiB.
constexpr uint64_t kMaxBatchBytes = 64u << 20;

// Collects the lines of a batch and inserts them.
class Batcher {
 public:
  Batcher(SchemaManager* schemas, const std::string& schema, const std::string& input,
          uint64_t batch, bool print_ids, uint64_t skip, ProgressBar* progress)
      : progress_(progress),
        schemas_(schemas),
        schema_(schema),
        input_(input),
        batch_(batch),
        print_ids_(print_ids),
        done_lines_(skip) {}

  uint64_t inserted() const { return inserted_; }

  // Adds a record's line; inserts the batch when it is full.
  int Add(uint64_t line_number, std::string line) {
    if (!lines_.empty() && bytes_ + line.size() > kMaxBatchBytes) {
      if (int rc = Flush(); rc != kExitOk) return rc;
    }
    bytes_ += line.size();
    lines_.push_back(std::move(line));
    line_numbers_.push_back(line_number);
    return lines_.size() >= batch_ ? Flush() : kExitOk;
  }

  // Inserts the lines collected, if any.
  int Flush() {
    if (lines_.empty()) return kExitOk;
    const std::vector<std::string_view> records(lines_.begin(), lines_.end());
    InsertBatchReport report;
    Status s = schemas_->InsertBatch(schema_, records, &report);
    if (!s.ok()) {
      progress_->Clear();
      if (report.rejected < line_numbers_.size()) {
        return Stop(kExitUsage, line_numbers_[report.rejected], report.reason);
      }
      return Fail(s.IsNotFound() ? kExitUsage : ExitCodeFor(s),
                  input_ + ": lines " + std::to_string(line_numbers_.front()) + "-" +
                      std::to_string(line_numbers_.back()) + ": " + s.message() + "; " +
                      Stopped());
    }
    inserted_ += report.ids.size();
    done_lines_ = line_numbers_.back();
    lines_.clear();
    line_numbers_.clear();
    bytes_ = 0;
    if (print_ids_) {
      for (const std::string& id : report.ids) {
        if (!WriteLine(id)) {
          progress_->Clear();
          return Fail(kExitIoError, std::string("cannot write to standard output: ") +
                                        std::strerror(errno) + "; " + Stopped());
        }
      }
    }
    return kExitOk;
  }

  // The error line of a bad line, which stops the run.
  int Stop(int code, uint64_t line_number, const std::string& why) const {
    progress_->Clear();
    return Fail(code, input_ + ": line " + std::to_string(line_number) + ": " + why + "; " +
                          Stopped());
  }

 private:
  // What the batches before a failure did, and how to go on.
  std::string Stopped() const {
    std::string text = inserted_ == 0 ? std::string("no record was inserted")
                                      : std::to_string(inserted_) +
                                            " records were inserted before it, from the lines "
                                            "up to " +
                                            std::to_string(done_lines_);
    if (done_lines_ > 0) {
      text += "; once it is fixed, --skip " + std::to_string(done_lines_) + " goes on after them";
    }
    return text;
  }

  ProgressBar* const progress_;
  SchemaManager* const schemas_;
  const std::string& schema_;
  const std::string& input_;
  const uint64_t batch_;
  const bool print_ids_;
  std::vector<std::string> lines_;
  std::vector<uint64_t> line_numbers_;
  uint64_t bytes_ = 0;
  uint64_t inserted_ = 0;
  uint64_t done_lines_;  // lines up to this one are in, skipped or blank
};

}  // namespace

void InsertFileCommand::Add(CLI::App* insert, CLI::Option* json) {
  file_option_ = insert->add_option(
      "--file", file_, "Insert the records of this JSON-lines file (one object a line); - for "
                       "stdin");
  file_option_->excludes(json);
  insert->add_option("--batch", batch_, "With --file: records per transaction (default 1000)")
      ->transform(DecimalNumber());
  insert->add_option("--skip", skip_,
                     "With --file: skip the first N lines (to go on after a stop)")
      ->transform(DecimalNumber());
  insert->add_flag("--ids", ids_, "With --file: print the new ids, one a line, in input order");
}

int InsertFileCommand::Run(SchemaManager* schemas, const std::string& schema) {
  if (batch_ == 0) return Fail(kExitUsage, "--batch must be at least 1");
  SchemaInfo info;
  if (Status s = schemas->GetSchema(schema, &info); !s.ok()) {
    return Fail(s.IsNotFound() ? kExitUsage : ExitCodeFor(s), "insert: " + s.message());
  }
  std::FILE* in = nullptr;
  std::string name;
  if (int rc = OpenJsonLines(file_, &in, &name); rc != kExitOk) return rc;
  struct stat st;
  const bool sized = fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
  ProgressBar progress("inserting");
  Batcher batcher(schemas, schema, name, batch_, ids_, skip_, &progress);
  LineReader reader(in, kMaxLineBytes);
  std::string line;
  uint64_t line_number = 0;
  uint64_t bytes_read = 0;
  int rc = kExitOk;
  for (LineReader::Result r;
       rc == kExitOk && (r = reader.Next(&line)) != LineReader::Result::kEnd;) {
    ++line_number;
    bytes_read += line.size() + 1;
    if (r == LineReader::Result::kError) {
      rc = batcher.Stop(kExitIoError, line_number, std::string("read error: ") +
                                                       std::strerror(errno));
    } else if (line_number <= skip_) {
      // Skipped lines are not read as records, so a line too long is no error.
      while (r == LineReader::Result::kTooLong) r = reader.Next(&line);
    } else if (r == LineReader::Result::kTooLong) {
      rc = batcher.Stop(kExitUsage, line_number,
                        "longer than the largest record (" +
                            std::to_string(kMaxLineBytes >> 20) + " MiB)");
    } else if (!IsValidUtf8(line)) {
      rc = batcher.Stop(kExitUsage, line_number, "not valid UTF-8");
    } else if (!IsBlank(line)) {
      rc = batcher.Add(line_number, std::move(line));
    }
    if (sized) progress.Update(static_cast<double>(bytes_read) / static_cast<double>(st.st_size));
  }
  if (rc == kExitOk) rc = batcher.Flush();
  progress.Clear();
  if (in != stdin) std::fclose(in);
  if (rc != kExitOk) return rc;
  // On stderr: stdout holds the ids alone (--ids).
  std::fprintf(stderr, "inserted %llu records into schema '%s'\n",
               static_cast<unsigned long long>(batcher.inserted()),
               EscapeControls(schema).c_str());
  return kExitOk;
}

}  // namespace spirapi::cli
