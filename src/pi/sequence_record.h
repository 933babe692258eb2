// How a stored π sequence is laid out in records (docs/FORMAT.md, "π
// records"): the record ids, and the JSON of the description record.

#ifndef SPIRAPI_PI_SEQUENCE_RECORD_H_
#define SPIRAPI_PI_SEQUENCE_RECORD_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "spirapi/pi.h"
#include "spirapi/status.h"

namespace spirapi::pi {

// Prefix of every description record id in the SEQUENCE component.
inline constexpr std::string_view kSequencePrefix = "seq/";

// InvalidArgument unless id is 1..kMaxSequenceIdBytes of [A-Za-z0-9._-].
Status ValidateSequenceId(std::string_view id);

std::string SequenceKey(std::string_view id);
// Chunk records are grouped by a generation that changes at every store, so
// a replacement never overwrites the chunks the current description uses.
std::string ChunkKey(std::string_view id, uint64_t generation, uint64_t chunk);
std::string PatternIndexKey(std::string_view id);
std::string PatternPieceKey(std::string_view id, uint64_t piece);

// The description record: SequenceInfo (stored_at excepted: that is the
// record's timestamp) plus the storage fields below.
struct SequenceRecord {
  SequenceInfo info;
  uint64_t generation = 0;
  uint64_t chunk_digits = kSequenceChunkDigits;
};

// SequenceInfo::sequence for these digits.
std::string SequencePreview(std::string_view digits);

std::string EncodeSequenceRecord(const SequenceRecord& record);
// Corruption naming the field if `json` is not a valid description.
Status DecodeSequenceRecord(std::string_view json, SequenceRecord* record);

}  // namespace spirapi::pi

#endif  // SPIRAPI_PI_SEQUENCE_RECORD_H_
