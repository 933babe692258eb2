// Segment files: the sealed, immutable store of one component's records.
//
// File: block* | footer block | trailer (32 bytes)
// Block: magic u32 | codec u8 | stored_len u32 | raw_len u32 | crc u32 | stored bytes
//   codec bit 0: LZMA2-compressed; bit 1: sealed with the database cipher;
//   bit 2: DEFLATE-compressed (footers; never together with bit 0).
//   The raw bytes of a data block are records, each as len u32 | record bytes.
//   The CRC (zlib CRC-32) covers the stored bytes.
// Footer block (magic "SPIF"): 0x00 0x02, then one entry per record, in file
// order: id (varint length + bytes) | seq u64 | version u64 | flags u8 |
//   block_offset u64 | block_length u32 | inner_offset u32 | inner_length u32
// (format version 1 footers have neither the two leading bytes nor block_length)
// Trailer: footer_offset u64 | footer_length u32 | entry_count u32 |
//   crc u32 (of the preceding 16 bytes) | zero u32 | magic u64 "SPIRASEG"

#ifndef SPIRAPI_STORAGE_SEGMENT_H_
#define SPIRAPI_STORAGE_SEGMENT_H_

#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "codec/cipher.h"
#include "spirapi/file_system.h"
#include "spirapi/status.h"

namespace spirapi {

inline constexpr uint32_t kDataBlockMagic = 0x42495053;    // "SPIB"
inline constexpr uint32_t kFooterBlockMagic = 0x46495053;  // "SPIF"
inline constexpr size_t kBlockHeaderSize = 17;
inline constexpr size_t kSegmentTrailerSize = 32;
inline constexpr uint8_t kCodecLzma = 1;
inline constexpr uint8_t kCodecSealed = 2;
inline constexpr uint8_t kCodecDeflate = 4;  // footers (format version 2)
inline constexpr int kFooterDeflateLevel = 6;
// Footers of format version 2 start with the bytes 0, kFooterLayoutWithBlockLengths.
inline constexpr uint8_t kFooterLayoutWithBlockLengths = 2;

struct SegmentEntry {
  std::string id;
  uint64_t seq = 0;
  uint64_t version = 0;
  uint8_t flags = 0;
  uint64_t block_offset = 0;
  uint32_t block_length = 0;  // header + stored bytes
  uint32_t inner_offset = 0;  // of the record bytes within the raw block
  uint32_t inner_length = 0;
};

class SegmentWriter {
 public:
  // `file` must be new and empty; it stays owned by the caller.
  SegmentWriter(WritableFile* file, int compression_level, const Cipher* cipher,
                uint32_t block_size);

  // Adds one encoded (plaintext) record.
  Status Add(std::string_view id, uint64_t seq, uint64_t version, uint8_t flags,
             std::string_view record);
  // Writes the last block, the footer and the trailer. Does not sync.
  Status Finish();

  // Bytes written so far (a block being compressed is not counted yet).
  uint64_t size() const { return offset_; }
  const std::vector<SegmentEntry>& entries() const { return entries_; }

 private:
  // A full data block, compressed on another thread.
  struct PendingBlock {
    std::string raw;
    std::string block;  // header + stored bytes, once encoded
    std::future<Status> encoded;
    size_t first_entry = 0;
    size_t end_entry = 0;  // its records: entries_[first_entry, end_entry)
  };

  // Compresses and seals raw bytes into a whole block (header included).
  static Status EncodeBlock(uint32_t magic, std::string_view raw, int level,
                            const Cipher* cipher, std::string* out);
  Status FlushBlock();
  // Waits for the pending block and appends it.
  Status FinishPending();
  Status AppendBlock(const std::string& block, size_t first_entry, size_t end_entry);

  WritableFile* file_;
  int level_;
  const Cipher* cipher_;
  uint32_t block_size_;
  uint64_t offset_ = 0;
  std::string block_;
  size_t first_pending_entry_ = 0;
  std::vector<SegmentEntry> entries_;
  std::unique_ptr<PendingBlock> pending_;
};

// Reads and decodes the block at [offset, offset+length): checks the CRC,
// opens the seal, decompresses. Corruption (with the offset) on any failure.
Status ReadBlock(const RandomAccessFile& file, uint64_t offset, uint32_t length,
                 const Cipher* cipher, std::string* raw);

// Decodes a block from bytes already in memory (header included).
Status DecodeBlock(std::string_view block, const Cipher* cipher, uint32_t* magic,
                   std::string* raw);

struct SegmentTrailer {
  uint64_t footer_offset = 0;
  uint32_t footer_length = 0;
  uint32_t entry_count = 0;
};

// Reads and checks the trailer of a segment of the given size.
Status ReadSegmentTrailer(const RandomAccessFile& file, uint64_t file_size,
                          SegmentTrailer* trailer);

// Reads the footer index of a segment of the given size.
Status ReadSegmentFooter(const RandomAccessFile& file, uint64_t file_size, const Cipher* cipher,
                         std::vector<SegmentEntry>* entries);

// Rebuilds the entries by decoding every data block (used when the footer is
// damaged, and by verify). A damaged region [offset, end) is reported through
// on_bad_block and skipped (the walk resumes at the next block that passes its
// CRC); its records are not in *entries. on_record, if given, sees each
// record's bytes (within its decoded block) with the block's offset.
Status ScanSegmentBlocks(
    std::string_view file, const Cipher* cipher, std::vector<SegmentEntry>* entries,
    const std::function<void(uint64_t offset, uint64_t end, const Status&)>& on_bad_block,
    const std::function<void(uint64_t offset, std::string_view record)>& on_record = nullptr);

}  // namespace spirapi

#endif  // SPIRAPI_STORAGE_SEGMENT_H_
