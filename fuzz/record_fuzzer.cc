// Fuzzes DecodeRecord, through which every record read from a journal or a
// segment passes. A record that decodes must be exactly what EncodeRecord
// writes for the decoded fields: one encoding per record, so that nothing
// the decoder accepts can be read as something else. Its checksum matches
// exactly when the re-encoded bytes equal the input.

#include "codec/record_codec.h"
#include "fuzz_util.h"

namespace spirapi::fuzz {
namespace {

void Check(std::string_view in) {
  RecordView r;
  if (!DecodeRecord(in, &r).ok()) return;
  FUZZ_CHECK(Within(in, r.id) && Within(in, r.data) && Within(in, r.metadata) &&
             Within(in, r.blob));
  FUZZ_CHECK(static_cast<int>(r.component) < kNumComponents);
  FUZZ_CHECK(r.tombstone() ? r.data.empty() && r.metadata.empty() && r.blob.empty()
                           : !r.data.empty());
  std::string again;
  EncodeRecord(r, &again);
  FUZZ_CHECK(again.size() == in.size());
  // All but the checksum (EncodeRecord computes a fresh one) must agree.
  FUZZ_CHECK(std::string_view(again).substr(0, again.size() - 32) ==
             in.substr(0, in.size() - 32));
  FUZZ_CHECK(ChecksumMatches(r) == (again == in));
  StorageRecord out;
  ToStorageRecord(r, &out);
  FUZZ_CHECK(out.id == r.id && out.data == r.data && out.blob == r.blob &&
             out.checksum.size() == 64);
}

// Records as the engine encodes them.
void WriteSeeds(const std::function<void(std::string_view)>& add) {
  for (const std::string& record : SampleRecords()) add(record);
}

}  // namespace
}  // namespace spirapi::fuzz

SPIRAPI_FUZZ_TARGET(spirapi::fuzz::Check, spirapi::fuzz::WriteSeeds)
