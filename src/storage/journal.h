// The commit journal. Every committed transaction, whatever components it
// touches, is one frame appended to the active journal file; a frame that is
// complete and passes its CRC is a committed transaction, anything else at
// the end of the last journal is an interrupted write and is cut off.
//
// Frame: magic u32 | payload_len u32 | seq u64 | count u32 | crc u32
//        payload: count x (len u32 | record bytes)
// The CRC (zlib CRC-32) covers bytes 0..19 of the header and the payload.
// Record bytes are an encoded record (codec/record_codec.h), sealed with the
// database cipher when encryption is on.

#ifndef SPIRAPI_STORAGE_JOURNAL_H_
#define SPIRAPI_STORAGE_JOURNAL_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace spirapi {

inline constexpr uint32_t kFrameMagic = 0x4a495053;  // "SPIJ"
inline constexpr size_t kFrameHeaderSize = 24;
inline constexpr size_t kMaxFramePayload = 1u << 30;

// Builds one frame in place at the end of a buffer (no copy of the payload).
// record_offsets receives each record's offset within the frame (add the
// frame's file offset to get its location in the file).
class FrameBuilder {
 public:
  // Starts a frame at the end of *out; nothing else may append to *out until
  // Finish.
  FrameBuilder(uint64_t seq, std::string* out);
  // Both return the record's length in bytes.
  uint32_t AddRecord(std::string_view bytes);
  // To encode a record straight into the frame: append its bytes to the
  // string BeginRecord returns, then call EndRecord.
  std::string* BeginRecord();
  uint32_t EndRecord();
  // Completes the header; offsets are relative to the frame's start.
  void Finish(std::vector<uint32_t>* record_offsets);
  size_t payload_size() const { return out_->size() - start_ - kFrameHeaderSize; }

 private:
  uint64_t seq_;
  std::string* out_;
  size_t start_;         // frame offset in *out_
  size_t record_start_;  // of the record being encoded (its length field)
  uint32_t count_ = 0;
  std::vector<uint32_t> offsets_;  // within the frame
};

struct JournalRecord {
  uint64_t offset;  // of the record bytes within the file
  std::string_view bytes;
};

struct JournalDamage {
  uint64_t offset;
  uint64_t length;
  std::string what;
};

struct JournalScan {
  uint64_t valid_end = 0;        // end of the last good frame
  bool torn_tail = false;        // bytes after valid_end that hold no good frame
  std::vector<JournalDamage> damage;  // bad regions followed by good frames
};

// Walks the frames of a whole journal file held in memory. For each good
// frame calls on_frame(seq, records). A damaged frame followed by good frames
// is reported in damage (with on_damaged_frame called with its records if its
// header is readable); bytes after the last good frame are a torn tail.
void ScanJournal(std::string_view file,
                 const std::function<void(uint64_t seq, const std::vector<JournalRecord>&)>&
                     on_frame,
                 const std::function<void(uint64_t seq, const std::vector<JournalRecord>&)>&
                     on_damaged_frame,
                 JournalScan* result);

}  // namespace spirapi

#endif  // SPIRAPI_STORAGE_JOURNAL_H_
