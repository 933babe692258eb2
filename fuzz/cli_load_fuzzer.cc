// Fuzzes the command-line tool's record input: the lines of `spirapi load`
// (ParseLoadLine), the only CLI input that is parsed beyond what CLI11 does.
// Whole command lines, `load` of a fuzzed file among them, are fuzzed by
// cli_args_fuzzer.cc; this target checks more of the line itself, and
// thousands of times faster. Input: one byte choosing the component being
// loaded, then the line.
// Checks: a line is accepted only with a valid id, data that Put would store
// unchanged (NormalizeJson gives back the same text) and an object as
// metadata; and the record dumped again (DumpLine) loads back as the same.

#include "cli_load.h"
#include "fuzz_util.h"
#include "util/json.h"

namespace spirapi::fuzz {
namespace {

void Check(std::string_view input) {
  if (input.empty()) return;
  const Component c = kAllComponents[static_cast<uint8_t>(input[0]) % kNumComponents];
  const std::string_view line = input.substr(1);
  cli::LoadRecord record;
  if (!cli::ParseLoadLine(line, c, &record).empty()) return;

  FUZZ_CHECK(!record.id.empty() && record.id.size() <= kMaxIdBytes && IsValidUtf8(record.id));
  std::string normalized;
  FUZZ_CHECK(NormalizeJson(record.data, JsonKind::kAnyValue, "data", &normalized).ok());
  FUZZ_CHECK(normalized == record.data);
  FUZZ_CHECK(NormalizeJson(record.metadata, JsonKind::kObject, "metadata", &normalized).ok());
  FUZZ_CHECK(normalized == record.metadata);

  StorageRecord stored;
  stored.id = record.id;
  stored.data = record.data;
  stored.metadata = record.metadata;
  stored.blob = record.blob;
  const std::string dumped = cli::DumpLine(c, stored);
  cli::LoadRecord again;
  const std::string error = cli::ParseLoadLine(dumped, c, &again);
  if (!error.empty()) std::fprintf(stderr, "%s: %s\n", dumped.c_str(), error.c_str());
  FUZZ_CHECK(error.empty());
  FUZZ_CHECK(again.id == record.id && again.data == record.data &&
             again.metadata == record.metadata && again.blob == record.blob);
}

// Lines as `spirapi dump` writes them, and a hand-written one as a person
// might (white space, no component, no metadata).
void WriteSeeds(const std::function<void(std::string_view)>& add) {
  for (const std::string& bytes : SampleRecords()) {
    RecordView r;
    FUZZ_CHECK(DecodeRecord(bytes, &r).ok());
    if (r.tombstone()) continue;  // dump prints live records only
    StorageRecord record;
    ToStorageRecord(r, &record);
    add(std::string(1, static_cast<char>(r.component)) + cli::DumpLine(r.component, record));
  }
  add(std::string(1, '\0') + R"( {"id": "x-1", "data": {"n": 1.50, "s": "\u00e9\n"}} )");
}

}  // namespace
}  // namespace spirapi::fuzz

SPIRAPI_FUZZ_TARGET(spirapi::fuzz::Check, spirapi::fuzz::WriteSeeds)
