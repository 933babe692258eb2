// The stored form of one record version, and its SHA-256 checksum.
// Layout and the checksum's canonical encoding are in docs/FORMAT.md.

#ifndef SPIRAPI_CODEC_RECORD_CODEC_H_
#define SPIRAPI_CODEC_RECORD_CODEC_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "spirapi/record.h"
#include "spirapi/status.h"
#include "util/hash.h"

namespace spirapi {

// A record without a blob is written as format 1, bit-identical to the
// encoding before blobs existed; one with a blob as format 2 (docs/FORMAT.md).
inline constexpr uint8_t kRecordFormat = 1;
inline constexpr uint8_t kRecordFormatWithBlob = 2;
inline constexpr uint8_t kRecordTombstone = 1;  // flags bit: a delete marker

// A decoded record; the string_views point into the buffer it was decoded from.
struct RecordView {
  Component component = Component::kSequence;
  uint8_t flags = 0;
  uint64_t seq = 0;       // commit sequence number of its transaction
  uint64_t version = 0;
  int64_t timestamp_us = 0;
  std::string_view id;
  std::string_view data;
  std::string_view metadata;
  std::string_view blob;  // empty: none
  Sha256Digest checksum{};

  bool tombstone() const { return (flags & kRecordTombstone) != 0; }
};

// SHA-256 over the canonical encoding of id, type, data, metadata, timestamp,
// version and, if there is one, the blob (not seq, which is storage
// bookkeeping).
Sha256Digest RecordChecksum(const RecordView& r);

// Appends the encoded record to *out, computing its checksum.
void EncodeRecord(const RecordView& r, std::string* out);

// Decodes; Corruption if the bytes are malformed. Does not check the
// checksum (see ChecksumMatches), so that callers may skip it for speed.
Status DecodeRecord(std::string_view in, RecordView* r);

bool ChecksumMatches(const RecordView& r);

void ToStorageRecord(const RecordView& r, StorageRecord* out);

}  // namespace spirapi

#endif  // SPIRAPI_CODEC_RECORD_CODEC_H_
