// The commit journal's frame format (docs/FORMAT.md, "Journal files"). Every
// committed transaction, whatever components it touches, is one frame
// appended to the active journal; a clean close appends a close frame.
//
// Frame (format 3): a 44-byte header with its own CRC, then the payload:
//   header:  magic "SPJ3" | kind u32 | seq u64 | durable_end u64 |
//            payload_len u32 | count u32 | directory_len u32 |
//            payload_crc u32 | header_crc u32
//   payload: directory | count x (len u32 | record bytes)
// The directory names every record of the frame (component and id) and the
// frame's seq once more, under a check of its own, so that a frame whose
// header or records are damaged still says which records it held. The
// header's durable_end is the journal offset the last completed fdatasync
// covered when the frame was written: a frame that does not check before
// that offset was acknowledged durable, and is damage, not a torn write.
//
// Frames of format 2 (24-byte header, no directory) are still read.
//
// This file only builds and parses frames; telling committed frames from
// damage and torn tails, and decoding their records, is db/journal_replay.h.

#ifndef SPIRAPI_STORAGE_JOURNAL_H_
#define SPIRAPI_STORAGE_JOURNAL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "codec/cipher.h"
#include "spirapi/record.h"

namespace spirapi {

inline constexpr uint32_t kFrameMagic = 0x334a5053;        // "SPJ3"
inline constexpr uint32_t kFrameMagicV2 = 0x4a495053;      // "SPIJ"
inline constexpr size_t kFrameHeaderSize = 44;
inline constexpr size_t kFrameHeaderSizeV2 = 24;
inline constexpr size_t kMaxFramePayload = 1u << 30;

enum class FrameKind : uint32_t {
  kCommit = 1,  // one transaction
  kClose = 2,   // a clean close: no records, written last before closing
};

// One record a frame's directory names.
struct DirectoryEntry {
  Component component;
  std::string_view id;
};

// Encodes a frame's directory (seq and the records' components and ids),
// sealed with `cipher` when it is not null.
Status EncodeFrameDirectory(uint64_t seq, const std::vector<DirectoryEntry>& entries,
                            const Cipher* cipher, std::string* out);

// Builds one frame in place at the end of a buffer (no copy of the payload).
class FrameBuilder {
 public:
  // Starts a frame at the end of *out, its encoded directory first; nothing
  // else may append to *out until Finish.
  FrameBuilder(FrameKind kind, uint64_t seq, uint64_t durable_end, std::string_view directory,
               std::string* out);
  // Both return the record's length in bytes.
  uint32_t AddRecord(std::string_view bytes);
  // To encode a record straight into the frame: append its bytes to the
  // string BeginRecord returns, then call EndRecord.
  std::string* BeginRecord();
  uint32_t EndRecord();
  // Completes the header; offsets are of each record, relative to the frame.
  void Finish(std::vector<uint32_t>* record_offsets);

 private:
  FrameKind kind_;
  uint64_t seq_;
  uint64_t durable_end_;
  std::string* out_;
  size_t start_;         // frame offset in *out_
  size_t record_start_;  // of the record being encoded (its length field)
  uint32_t count_ = 0;
  uint32_t directory_len_;
  std::vector<uint32_t> offsets_;  // within the frame
};

// Appends a close frame (no records) to *out.
void AppendCloseFrame(uint64_t seq, uint64_t durable_end, std::string* out);

struct JournalRecord {
  uint64_t offset;  // of the record bytes within the file
  std::string_view bytes;
};

// A frame header as read at some offset, checked or not.
struct FrameHeader {
  int format = 0;          // 3, or 2 for a legacy frame; 0: no known magic
  bool checks = false;     // format 3: the header CRC matches; format 2: always false
  FrameKind kind = FrameKind::kCommit;
  uint64_t seq = 0;
  uint64_t durable_end = 0;
  uint32_t payload_len = 0;
  uint32_t count = 0;
  uint32_t directory_len = 0;
  uint32_t payload_crc = 0;
  size_t header_size() const { return format == 2 ? kFrameHeaderSizeV2 : kFrameHeaderSize; }
};

// Reads the header fields at pos whatever the magic says (format 3 layout
// unless the magic is the format 2 one). False if fewer bytes remain.
bool ReadFrameHeader(std::string_view file, uint64_t pos, FrameHeader* h);

// A frame that checks in full: header (format 3), payload CRC, records that
// split into exactly `count`. Its records go to *records, its end to *end.
bool GoodFrameAt(std::string_view file, uint64_t pos, FrameHeader* h,
                 std::vector<JournalRecord>* records, uint64_t* end);

// Splits `payload` (at file offset payload_offset) into `count` records;
// false if the lengths do not add up to exactly the payload.
bool SplitRecords(std::string_view payload, uint64_t payload_offset, uint32_t count,
                  std::vector<JournalRecord>* records);

// A decoded directory.
struct FrameDirectory {
  uint64_t seq = 0;
  std::vector<std::pair<Component, std::string>> entries;
};

// Parses a directory of `length` bytes at the start of `payload`; false if it
// does not check (CRC, or GCM when `cipher` is set) or does not parse.
bool ParseFrameDirectory(std::string_view payload, uint32_t length, const Cipher* cipher,
                         FrameDirectory* dir);

// The length of the directory at the start of a payload as the directory
// itself states it (a second copy of the header's directory_len).
bool DirectoryLengthPrefix(std::string_view payload, uint32_t* length);

}  // namespace spirapi

#endif  // SPIRAPI_STORAGE_JOURNAL_H_
