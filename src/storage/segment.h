// Segment files: the sealed, immutable store of one component's records.
//
// File: [dictionary block] data block* | footer block | trailer (32 bytes)
// Block: magic u32 | codec u8 | stored_len u32 | raw_len u32 | crc u32 | stored bytes
//   codec bit 0: LZMA2-compressed; bit 1: sealed with the database cipher;
//   bit 2: DEFLATE-compressed (footers); bit 3: zstd-compressed; bit 4: with
//   the segment's dictionary (only with bit 3). At most one of bits 0, 2, 3.
//   The raw bytes of a data block are records, each as len u32 | record bytes.
//   The CRC (zlib CRC-32) covers the stored bytes.
// Dictionary block (magic "SPID", format version 4): the zstd dictionary the
// segment's data blocks with bit 4 need, stored raw (sealed when encrypted).
// Only ever the first block of the file.
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
#include "codec/zstd_codec.h"
#include "spirapi/options.h"
#include "spirapi/file_system.h"
#include "spirapi/status.h"

namespace spirapi {

inline constexpr uint32_t kDataBlockMagic = 0x42495053;    // "SPIB"
inline constexpr uint32_t kFooterBlockMagic = 0x46495053;  // "SPIF"
inline constexpr uint32_t kDictionaryBlockMagic = 0x44495053;  // "SPID"
inline constexpr size_t kBlockHeaderSize = 17;
inline constexpr size_t kSegmentTrailerSize = 32;
inline constexpr uint8_t kCodecLzma = 1;
inline constexpr uint8_t kCodecSealed = 2;
inline constexpr uint8_t kCodecDeflate = 4;  // footers (format version 2)
inline constexpr uint8_t kCodecZstd = 8;     // format version 4
inline constexpr uint8_t kCodecWithDictionary = 16;
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

// How a segment's data blocks are written.
struct SegmentSettings {
  CompressionCodec codec = CompressionCodec::kZstd;
  int level = 3;  // 0..9; 0 stores blocks raw whatever the codec
  uint32_t block_size = 4 * 1024;
  // zstd: a segment with fewer bytes of records than this has no dictionary.
  // zstd's trainer costs about 40 ms however little it learns from, which a
  // small flush output would pay on every flush.
  size_t dictionary_min_bytes = 256 * 1024;
};

class SegmentWriter {
 public:
  // `file` must be new and empty; it stays owned by the caller.
  SegmentWriter(WritableFile* file, const SegmentSettings& settings, const Cipher* cipher);
  ~SegmentWriter();

  // Adds one encoded (plaintext) record.
  Status Add(std::string_view id, uint64_t seq, uint64_t version, uint8_t flags,
             std::string_view record);
  // Writes the last blocks, the footer and the trailer. Does not sync.
  Status Finish();

  // Bytes written so far, and a fair estimate of what the records added but
  // not yet written will take (so that callers can cut files at a size).
  uint64_t size() const { return offset_; }
  uint64_t EstimatedSize() const;
  const std::vector<SegmentEntry>& entries() const { return entries_; }
  // The trained dictionary's size, 0 if none.
  size_t dictionary_bytes() const { return dictionary_ ? dictionary_->bytes().size() : 0; }

 private:
  struct RawBlock {
    std::string raw;
    std::string block;  // header + stored bytes, once encoded
    size_t first_entry = 0;
    size_t end_entry = 0;  // its records: entries_[first_entry, end_entry)
  };
  // Full blocks compressed together, on another thread while this one fills
  // the next batch: a thread per 4 KiB block would cost more than the block.
  struct Batch {
    std::vector<RawBlock> blocks;
    size_t raw_bytes = 0;
    std::future<Status> encoded;
  };

  // Compresses and seals raw bytes into a whole block (header included).
  static Status EncodeBlock(uint32_t magic, std::string_view raw, const SegmentSettings& settings,
                            const ZstdDictionary* dict, const Cipher* cipher, std::string* out);
  static Status EncodeBatch(Batch* batch, const SegmentSettings& settings,
                            const ZstdDictionary* dict, const Cipher* cipher);
  // Moves the block being filled into the batch.
  void CloseBlock();
  // Trains the dictionary on the records batched so far and writes it.
  Status WriteDictionary();
  // Hands the batch over to be encoded and written.
  Status SubmitBatch();
  // Waits for the batch being encoded and appends its blocks.
  Status FinishPending();
  Status AppendBatch(Batch* batch);
  Status Append(std::string_view block);

  WritableFile* file_;
  SegmentSettings settings_;
  const Cipher* cipher_;
  bool dictionary_decided_;
  std::shared_ptr<const ZstdDictionary> dictionary_;
  uint64_t offset_ = 0;
  std::string block_;
  size_t first_block_entry_ = 0;
  std::vector<SegmentEntry> entries_;
  std::unique_ptr<Batch> batch_;    // being filled
  std::unique_ptr<Batch> pending_;  // being encoded on another thread
  uint64_t unwritten_raw_ = 0;      // raw bytes in batch_ and pending_
  uint64_t written_raw_ = 0;
  double written_ratio_ = 0.5;      // stored / raw of the blocks written so far
};

// Reads the dictionary of a segment if it has one (*dict stays null if not).
// Corruption if its dictionary block is damaged; the blocks that need it
// then fail to decode, each with its own error.
Status ReadSegmentDictionary(const RandomAccessFile& file, uint64_t file_size,
                             const Cipher* cipher, std::shared_ptr<const ZstdDictionary>* dict);

// Reads and decodes the block at [offset, offset+length): checks the CRC,
// opens the seal, decompresses. Corruption (with the offset) on any failure.
// `dict` is the segment's dictionary (nullptr if it has none).
// *content_checked, if given: the decoded bytes passed a content checksum
// (zstd blocks; LZMA and raw blocks have none).
Status ReadBlock(const RandomAccessFile& file, uint64_t offset, uint32_t length,
                 const Cipher* cipher, std::string* raw, const ZstdDictionary* dict = nullptr,
                 bool* content_checked = nullptr);

// Decodes a block from bytes already in memory (header included).
Status DecodeBlock(std::string_view block, const Cipher* cipher, uint32_t* magic,
                   std::string* raw, const ZstdDictionary* dict = nullptr,
                   bool* content_checked = nullptr);

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
// CRC); its records are not in *entries. A damaged dictionary block is such
// a region, and so is then every block that needs it. on_record, if given,
// sees each record's bytes (within its decoded block) with the block's offset.
Status ScanSegmentBlocks(
    std::string_view file, const Cipher* cipher, std::vector<SegmentEntry>* entries,
    const std::function<void(uint64_t offset, uint64_t end, const Status&)>& on_bad_block,
    const std::function<void(uint64_t offset, std::string_view record)>& on_record = nullptr);

}  // namespace spirapi

#endif  // SPIRAPI_STORAGE_SEGMENT_H_
