#include "storage/segment.h"

#include <system_error>

#include "codec/deflate_codec.h"
#include "codec/lzma_codec.h"
#include "codec/record_codec.h"
#include "util/coding.h"
#include "util/hash.h"
#include "util/thread_cache.h"

namespace spirapi {
namespace {

constexpr uint64_t kSegmentMagic = 0x4745534152495053ull;  // "SPIRASEG"

// The smallest footer entry, in bytes: a 1-byte id length (and no id),
// seq, version, flags, block offset, inner offset and inner length (version
// 1 footers have no block length).
constexpr size_t kMinFooterEntryBytes = 1 + 8 + 8 + 1 + 8 + 4 + 4;

std::string OffsetText(uint64_t offset) { return "block at offset " + std::to_string(offset); }

}  // namespace

namespace {

// Records the dictionary is trained on: zstd's guidance is about a hundred
// times the dictionary's size; this much is buffered before the first block
// of a segment is written.
constexpr size_t kTrainingBytes = 1 << 20;
constexpr size_t kDictionaryCapacity = 16 * 1024;
constexpr size_t kMaxSampleBytes = 64 * 1024;
// Blocks are handed to the compressing thread in batches of about this size.
constexpr size_t kBatchBytes = 256 * 1024;

// Blocks this large hold one big record, typically a blob of packed digits or
// of an index: data LZMA cannot shrink, at up to a second per MiB. Three
// 4 KiB slices compressed at preset 1 tell in well under a millisecond.
// (zstd gives up on such data by itself, quickly.)
constexpr size_t kSampledBlockBytes = 128 * 1024;
constexpr size_t kSampleSliceBytes = 4096;
// Stored raw if the sample keeps more than this share of its size: a saving
// of under 10% is not worth LZMA's time on every flush and compaction.
constexpr double kIncompressibleRatio = 0.9;

bool LooksIncompressible(std::string_view raw) {
  if (raw.size() < kSampledBlockBytes) return false;
  std::string sample;
  sample.append(raw.substr(0, kSampleSliceBytes));
  sample.append(raw.substr(raw.size() / 2, kSampleSliceBytes));
  sample.append(raw.substr(raw.size() - kSampleSliceBytes));
  std::string compressed;
  if (!LzmaCompress(1, sample, &compressed).ok()) return false;
  return static_cast<double>(compressed.size()) > kIncompressibleRatio * sample.size();
}

bool Compresses(const SegmentSettings& s) {
  return s.level > 0 && s.codec != CompressionCodec::kNone;
}

}  // namespace

SegmentWriter::SegmentWriter(WritableFile* file, const SegmentSettings& settings,
                             const Cipher* cipher)
    : file_(file),
      settings_(settings),
      cipher_(cipher),
      dictionary_decided_(!(settings.codec == CompressionCodec::kZstd && settings.level > 0)) {}

SegmentWriter::~SegmentWriter() = default;

uint64_t SegmentWriter::EstimatedSize() const {
  return offset_ + static_cast<uint64_t>(static_cast<double>(unwritten_raw_ + block_.size()) *
                                         written_ratio_);
}

Status SegmentWriter::Add(std::string_view id, uint64_t seq, uint64_t version, uint8_t flags,
                          std::string_view record) {
  SegmentEntry e;
  e.id.assign(id);
  e.seq = seq;
  e.version = version;
  e.flags = flags;
  PutFixed32(&block_, static_cast<uint32_t>(record.size()));
  e.inner_offset = static_cast<uint32_t>(block_.size());
  e.inner_length = static_cast<uint32_t>(record.size());
  block_.append(record);
  entries_.push_back(std::move(e));
  if (block_.size() < settings_.block_size) return Status::OK();
  CloseBlock();
  if (!dictionary_decided_) {
    if (batch_->raw_bytes < kTrainingBytes) return Status::OK();
    Status s = WriteDictionary();
    if (!s.ok()) return s;
  }
  if (batch_->raw_bytes < std::max<size_t>(kBatchBytes, settings_.block_size)) {
    return Status::OK();
  }
  return SubmitBatch();
}

void SegmentWriter::CloseBlock() {
  if (block_.empty()) return;
  if (batch_ == nullptr) batch_ = std::make_unique<Batch>();
  batch_->raw_bytes += block_.size();
  unwritten_raw_ += block_.size();
  RawBlock b;
  b.raw = std::move(block_);
  b.first_entry = first_block_entry_;
  b.end_entry = entries_.size();
  batch_->blocks.push_back(std::move(b));
  block_.clear();
  first_block_entry_ = entries_.size();
}

Status SegmentWriter::WriteDictionary() {
  dictionary_decided_ = true;
  if (batch_ == nullptr || batch_->raw_bytes < settings_.dictionary_min_bytes) {
    return Status::OK();
  }
  std::vector<std::string_view> samples;
  for (const RawBlock& b : batch_->blocks) {
    Decoder d(b.raw);
    uint32_t len;
    std::string_view record;
    while (d.GetFixed32(&len) && d.GetBytes(len, &record)) {
      samples.push_back(record.substr(0, kMaxSampleBytes));
    }
  }
  std::string trained;
  if (!TrainZstdDictionary(samples, kDictionaryCapacity, &trained)) return Status::OK();
  Status s = ZstdDictionary::Make(std::move(trained), ZstdLevelFor(settings_.level), &dictionary_);
  if (!s.ok()) {
    dictionary_.reset();  // cannot happen with zstd's own output; go without
    return Status::OK();
  }
  std::string block;
  SegmentSettings raw = settings_;
  raw.level = 0;  // a dictionary is what does not compress
  s = EncodeBlock(kDictionaryBlockMagic, dictionary_->bytes(), raw, nullptr, cipher_, &block);
  if (s.ok()) s = Append(block);
  return s;
}

Status SegmentWriter::EncodeBlock(uint32_t magic, std::string_view raw,
                                  const SegmentSettings& settings, const ZstdDictionary* dict,
                                  const Cipher* cipher, std::string* out) {
  std::string stored;
  uint8_t codec = 0;
  std::string_view payload = raw;
  if (Compresses(settings)) {
    Status s;
    uint8_t bits;
    if (magic == kFooterBlockMagic) {
      // Footers are read whole at every open: DEFLATE decodes them ~10x
      // faster than LZMA, and zstd gains nothing over it on a footer.
      s = DeflateCompress(kFooterDeflateLevel, raw, &stored);
      bits = kCodecDeflate;
    } else if (settings.codec == CompressionCodec::kZstd) {
      s = ZstdCompress(ZstdLevelFor(settings.level), raw, dict, &stored);
      bits = dict != nullptr ? kCodecZstd | kCodecWithDictionary : kCodecZstd;
    } else if (!LooksIncompressible(raw)) {
      s = LzmaCompress(settings.level, raw, &stored);
      bits = kCodecLzma;
    } else {
      bits = 0;
    }
    if (!s.ok()) return s;
    if (bits != 0 && stored.size() < raw.size()) {
      codec |= bits;
      payload = stored;
    }
  }
  std::string sealed;
  if (cipher != nullptr && cipher->enabled()) {
    Status s = cipher->Seal(payload, &sealed);
    if (!s.ok()) return s;
    codec |= kCodecSealed;
    payload = sealed;
  }
  out->clear();
  PutFixed32(out, magic);
  out->push_back(static_cast<char>(codec));
  PutFixed32(out, static_cast<uint32_t>(payload.size()));
  PutFixed32(out, static_cast<uint32_t>(raw.size()));
  PutFixed32(out, Crc32(payload));
  out->append(payload);
  return Status::OK();
}

Status SegmentWriter::EncodeBatch(Batch* batch, const SegmentSettings& settings,
                                  const ZstdDictionary* dict, const Cipher* cipher) {
  for (RawBlock& b : batch->blocks) {
    Status s = EncodeBlock(kDataBlockMagic, b.raw, settings, dict, cipher, &b.block);
    if (!s.ok()) return s;
    b.raw = std::string();  // encoded: the memory is better given back now
  }
  return Status::OK();
}

Status SegmentWriter::Append(std::string_view block) {
  Status s = file_->Append(block);
  if (s.ok()) offset_ += block.size();
  return s;
}

Status SegmentWriter::AppendBatch(Batch* batch) {
  for (const RawBlock& b : batch->blocks) {
    const uint64_t at = offset_;
    Status s = Append(b.block);
    if (!s.ok()) return s;
    for (size_t i = b.first_entry; i < b.end_entry; ++i) {
      entries_[i].block_offset = at;
      entries_[i].block_length = static_cast<uint32_t>(b.block.size());
    }
  }
  written_raw_ += batch->raw_bytes;
  unwritten_raw_ -= batch->raw_bytes;
  written_ratio_ = static_cast<double>(offset_) / static_cast<double>(written_raw_);
  return Status::OK();
}

Status SegmentWriter::FinishPending() {
  if (pending_ == nullptr) return Status::OK();
  std::unique_ptr<Batch> p = std::move(pending_);
  Status s = p->encoded.get();
  if (s.ok()) s = AppendBatch(p.get());
  return s;
}

Status SegmentWriter::SubmitBatch() {
  if (batch_ == nullptr || batch_->blocks.empty()) return Status::OK();
  std::unique_ptr<Batch> b = std::move(batch_);
  if (Compresses(settings_) && pending_ == nullptr) {
    // Compression is the slow part of a flush or compaction: compress this
    // batch on a thread of its own while this one fills the next batch and
    // compresses it, so that two batches are compressed at a time.
    Batch* p = b.get();
    const SegmentSettings settings = settings_;
    const ZstdDictionary* dict = dictionary_.get();
    const Cipher* cipher = cipher_;
    try {
      p->encoded = std::async(std::launch::async, [p, settings, dict, cipher] {
        return EncodeBatch(p, settings, dict, cipher);
      });
      pending_ = std::move(b);
      return Status::OK();
    } catch (const std::system_error&) {
      // No thread to be had: compress here.
    }
  }
  Status s = EncodeBatch(b.get(), settings_, dictionary_.get(), cipher_);
  // Blocks reach the file in order: the batch compressed elsewhere first.
  Status pending = FinishPending();
  if (!pending.ok()) return pending;
  if (!s.ok()) return s;
  return AppendBatch(b.get());
}

Status SegmentWriter::Finish() {
  CloseBlock();
  Status s = dictionary_decided_ ? Status::OK() : WriteDictionary();
  if (s.ok()) s = SubmitBatch();
  if (s.ok()) s = FinishPending();
  if (!s.ok()) return s;
  std::string footer;
  footer.push_back('\0');  // no version 1 footer starts with 0 (ids are not empty)
  footer.push_back(static_cast<char>(kFooterLayoutWithBlockLengths));
  for (const SegmentEntry& e : entries_) {
    PutLengthPrefixed(&footer, e.id);
    PutFixed64(&footer, e.seq);
    PutFixed64(&footer, e.version);
    footer.push_back(static_cast<char>(e.flags));
    PutFixed64(&footer, e.block_offset);
    PutFixed32(&footer, e.block_length);
    PutFixed32(&footer, e.inner_offset);
    PutFixed32(&footer, e.inner_length);
  }
  const uint64_t footer_offset = offset_;
  std::string block;
  s = EncodeBlock(kFooterBlockMagic, footer, settings_, nullptr, cipher_, &block);
  if (s.ok()) s = Append(block);
  if (!s.ok()) return s;
  std::string trailer;
  PutFixed64(&trailer, footer_offset);
  PutFixed32(&trailer, static_cast<uint32_t>(offset_ - footer_offset));
  PutFixed32(&trailer, static_cast<uint32_t>(entries_.size()));
  PutFixed32(&trailer, Crc32(trailer));
  PutFixed32(&trailer, 0);
  PutFixed64(&trailer, kSegmentMagic);
  return Append(trailer);
}

Status DecodeBlock(std::string_view block, const Cipher* cipher, uint32_t* magic,
                   std::string* raw, const ZstdDictionary* dict, bool* content_checked) {
  if (content_checked != nullptr) *content_checked = false;
  if (block.size() < kBlockHeaderSize) return Status::Corruption("block header truncated");
  const char* p = block.data();
  *magic = DecodeFixed32(p);
  auto codec = static_cast<uint8_t>(p[4]);
  uint32_t stored_len = DecodeFixed32(p + 5);
  uint32_t raw_len = DecodeFixed32(p + 9);
  uint32_t crc = DecodeFixed32(p + 13);
  const int compressors = ((codec & kCodecLzma) != 0) + ((codec & kCodecDeflate) != 0) +
                          ((codec & kCodecZstd) != 0);
  const bool bad_codec =
      codec > (kCodecLzma | kCodecSealed | kCodecDeflate | kCodecZstd | kCodecWithDictionary) ||
      compressors > 1 || ((codec & kCodecWithDictionary) && !(codec & kCodecZstd));
  if ((*magic != kDataBlockMagic && *magic != kFooterBlockMagic &&
       *magic != kDictionaryBlockMagic) ||
      bad_codec || stored_len != block.size() - kBlockHeaderSize || raw_len > (1u << 30)) {
    return Status::Corruption("block header damaged");
  }
  std::string_view stored = block.substr(kBlockHeaderSize);
  if (Crc32(stored) != crc) return Status::Corruption("block checksum mismatch");
  std::string opened;
  if (codec & kCodecSealed) {
    if (cipher == nullptr || !cipher->enabled()) {
      return Status::Corruption("block is encrypted but the database is not");
    }
    Status s = cipher->Open(stored, &opened);
    if (!s.ok()) return s;
    stored = opened;
  }
  if (codec & kCodecZstd) {
    if (!(codec & kCodecWithDictionary)) {
      return ZstdDecompress(stored, raw_len, nullptr, raw, content_checked);
    }
    if (dict == nullptr) {
      return Status::Corruption("block needs the segment's dictionary, which is damaged");
    }
    return ZstdDecompress(stored, raw_len, dict, raw, content_checked);
  }
  if (codec & kCodecLzma) return LzmaDecompress(stored, raw_len, raw);
  if (codec & kCodecDeflate) return DeflateDecompress(stored, raw_len, raw);
  if (stored.size() != raw_len) return Status::Corruption("block has the wrong length");
  raw->assign(stored);
  return Status::OK();
}

namespace {
struct StoredBlock {
  std::string bytes;
};
}  // namespace

Status ReadBlock(const RandomAccessFile& file, uint64_t offset, uint32_t length,
                 const Cipher* cipher, std::string* raw, const ZstdDictionary* dict,
                 bool* content_checked) {
  // The stored bytes are only needed until decoded: one buffer per thread
  // spares a block cache miss an allocation (and, for large blocks, the page
  // faults of fresh memory).
  StoredBlock own_at_exit;
  std::string& block = ThreadCache<StoredBlock>::GetOr(&own_at_exit)->bytes;
  Status s = file.Read(offset, length, &block);
  if (!s.ok()) return s;
  if (block.size() != length) return Status::Corruption(OffsetText(offset) + " is truncated");
  uint32_t magic;
  s = DecodeBlock(block, cipher, &magic, raw, dict, content_checked);
  if (block.capacity() > (1u << 20)) block = std::string();  // a rare large block
  if (!s.ok()) return Status::Corruption(OffsetText(offset) + ": " + s.message());
  return Status::OK();
}

Status ReadSegmentDictionary(const RandomAccessFile& file, uint64_t file_size,
                             const Cipher* cipher, std::shared_ptr<const ZstdDictionary>* dict) {
  dict->reset();
  std::string header;
  if (file_size < kBlockHeaderSize + kSegmentTrailerSize) return Status::OK();
  Status s = file.Read(0, kBlockHeaderSize, &header);
  if (!s.ok()) return s;
  if (header.size() != kBlockHeaderSize || DecodeFixed32(header.data()) != kDictionaryBlockMagic) {
    return Status::OK();
  }
  const uint64_t length = kBlockHeaderSize + uint64_t{DecodeFixed32(header.data() + 5)};
  if (length + kSegmentTrailerSize > file_size) {
    return Status::Corruption("dictionary block at offset 0 is longer than the file");
  }
  std::string raw;
  s = ReadBlock(file, 0, static_cast<uint32_t>(length), cipher, &raw);
  if (s.ok()) s = ZstdDictionary::Make(std::move(raw), 0, dict);
  if (!s.ok() && !s.IsIOError()) return Status::Corruption("dictionary " + s.message());
  return s;
}

Status ReadSegmentTrailer(const RandomAccessFile& file, uint64_t file_size,
                          SegmentTrailer* trailer) {
  if (file_size < kSegmentTrailerSize) return Status::Corruption("segment shorter than its trailer");
  std::string bytes;
  Status s = file.Read(file_size - kSegmentTrailerSize, kSegmentTrailerSize, &bytes);
  if (!s.ok()) return s;
  if (bytes.size() != kSegmentTrailerSize || DecodeFixed64(bytes.data() + 24) != kSegmentMagic ||
      Crc32(std::string_view(bytes.data(), 16)) != DecodeFixed32(bytes.data() + 16)) {
    return Status::Corruption("segment trailer damaged");
  }
  trailer->footer_offset = DecodeFixed64(bytes.data());
  trailer->footer_length = DecodeFixed32(bytes.data() + 8);
  trailer->entry_count = DecodeFixed32(bytes.data() + 12);
  if (trailer->footer_offset + trailer->footer_length + kSegmentTrailerSize != file_size) {
    return Status::Corruption("segment trailer points outside the file");
  }
  return Status::OK();
}

Status ReadSegmentFooter(const RandomAccessFile& file, uint64_t file_size, const Cipher* cipher,
                         std::vector<SegmentEntry>* entries) {
  entries->clear();
  SegmentTrailer trailer;
  Status s = ReadSegmentTrailer(file, file_size, &trailer);
  if (!s.ok()) return s;
  const uint64_t footer_offset = trailer.footer_offset;
  const uint32_t count = trailer.entry_count;
  std::string raw;
  s = ReadBlock(file, footer_offset, trailer.footer_length, cipher, &raw);
  // A failed read is not damage: callers rebuild a damaged footer from the
  // blocks and report the file as damaged, which a passing I/O error is not.
  if (s.IsIOError()) return s;
  if (!s.ok()) return Status::Corruption("segment footer: " + s.message());
  Decoder d(raw);
  // Format version 2 footers start with 0, their layout number, and give each
  // entry its block's length; version 1 footers do not (read block headers).
  const bool with_block_lengths = !raw.empty() && raw[0] == '\0';
  if (with_block_lengths) {
    uint8_t zero, layout;
    if (!d.GetByte(&zero) || !d.GetByte(&layout) || layout != kFooterLayoutWithBlockLengths) {
      return Status::Corruption("segment footer has an unknown layout");
    }
  }
  // The count comes from the trailer, whose CRC anyone can recompute: check
  // it against the footer's size before reserving memory for it (2^32
  // entries would be hundreds of GB, and std::bad_alloc ends the process).
  if (count > d.rest().size() / kMinFooterEntryBytes) {
    return Status::Corruption("segment footer is too short for its " + std::to_string(count) +
                              " entries");
  }
  entries->reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    SegmentEntry e;
    std::string_view id;
    uint32_t inner_offset, inner_length;
    if (!d.GetLengthPrefixed(&id) || !d.GetFixed64(&e.seq) || !d.GetFixed64(&e.version) ||
        !d.GetByte(&e.flags) || !d.GetFixed64(&e.block_offset) ||
        (with_block_lengths && !d.GetFixed32(&e.block_length)) || !d.GetFixed32(&inner_offset) ||
        !d.GetFixed32(&inner_length) || e.block_offset >= footer_offset ||
        (with_block_lengths && (e.block_length < kBlockHeaderSize ||
                                e.block_offset + e.block_length > footer_offset))) {
      entries->clear();
      return Status::Corruption("segment footer entry " + std::to_string(i) + " is malformed");
    }
    e.id.assign(id);
    e.inner_offset = inner_offset;
    e.inner_length = inner_length;
    entries->push_back(std::move(e));
  }
  if (!d.empty()) {
    entries->clear();
    return Status::Corruption("segment footer has trailing bytes");
  }
  if (with_block_lengths) return Status::OK();
  // Fill in block lengths from the block headers (one small read per block).
  size_t i = 0;
  while (i < entries->size()) {
    uint64_t off = (*entries)[i].block_offset;
    std::string header;
    s = file.Read(off, kBlockHeaderSize, &header);
    if (!s.ok()) return s;
    if (header.size() != kBlockHeaderSize || DecodeFixed32(header.data()) != kDataBlockMagic) {
      entries->clear();
      return Status::Corruption("segment footer points at a bad " + OffsetText(off));
    }
    auto length = static_cast<uint32_t>(kBlockHeaderSize + DecodeFixed32(header.data() + 5));
    for (; i < entries->size() && (*entries)[i].block_offset == off; ++i) {
      (*entries)[i].block_length = length;
    }
  }
  return Status::OK();
}

namespace {

// Whether a good block starts at pos: a known magic, a length inside the file,
// and bytes that pass the CRC and decode. The footer counts only where it
// really is: right before the trailer.
bool GoodBlockAt(std::string_view file, uint64_t pos, const Cipher* cipher,
                 const ZstdDictionary* dict, uint32_t* magic, uint64_t* length, std::string* raw,
                 Status* why) {
  if (pos + kBlockHeaderSize > file.size()) {
    *why = Status::Corruption("block header truncated");
    return false;
  }
  uint32_t m = DecodeFixed32(file.data() + pos);
  uint64_t stored_len = DecodeFixed32(file.data() + pos + 5);
  if ((m != kDataBlockMagic && m != kFooterBlockMagic &&
       (m != kDictionaryBlockMagic || pos != 0)) ||
      stored_len > file.size() - pos - kBlockHeaderSize) {
    *why = Status::Corruption("block header damaged");
    return false;
  }
  *length = kBlockHeaderSize + stored_len;
  if (m == kFooterBlockMagic && pos + *length + kSegmentTrailerSize != file.size()) {
    *why = Status::Corruption("block header damaged");
    return false;
  }
  *why = DecodeBlock(file.substr(pos, *length), cipher, magic, raw, dict);
  return why->ok();
}

// Whether the block at pos is where the footer must be (it ends right before
// the trailer), whether or not it is intact: its damage is the footer
// reader's to report.
bool FooterAt(std::string_view file, uint64_t pos) {
  if (pos + kBlockHeaderSize + kSegmentTrailerSize > file.size()) return false;
  uint64_t stored_len = DecodeFixed32(file.data() + pos + 5);
  return DecodeFixed32(file.data() + pos) == kFooterBlockMagic &&
         pos + kBlockHeaderSize + stored_len + kSegmentTrailerSize == file.size();
}

}  // namespace

Status ScanSegmentBlocks(
    std::string_view file, const Cipher* cipher, std::vector<SegmentEntry>* entries,
    const std::function<void(uint64_t, uint64_t, const Status&)>& on_bad_block,
    const std::function<void(uint64_t, std::string_view)>& on_record) {
  entries->clear();
  uint64_t pos = 0;
  std::string raw;
  std::shared_ptr<const ZstdDictionary> dict;
  while (pos < file.size() && !FooterAt(file, pos)) {
    uint32_t magic = 0;
    uint64_t length = 0;
    Status why;
    if (!GoodBlockAt(file, pos, cipher, dict.get(), &magic, &length, &raw, &why)) {
      // Neither the header nor its length can be trusted: resume at the next
      // offset where a good block starts (or give up at the end of the file).
      uint64_t next = pos + 1;
      uint32_t m;
      uint64_t l;
      Status ignored;
      std::string scratch;
      while (next < file.size() && !FooterAt(file, next) &&
             !GoodBlockAt(file, next, cipher, dict.get(), &m, &l, &scratch, &ignored)) {
        ++next;
      }
      on_bad_block(pos, next, why);
      pos = next;
      continue;
    }
    if (magic == kFooterBlockMagic) break;
    if (magic == kDictionaryBlockMagic) {
      Status s = ZstdDictionary::Make(std::move(raw), 0, &dict);
      if (!s.ok()) on_bad_block(pos, pos + length, Status::Corruption("dictionary " + s.message()));
      pos += length;
      continue;
    }
    Decoder d(raw);
    while (!d.empty()) {
      uint32_t len;
      std::string_view bytes;
      if (!d.GetFixed32(&len) || !d.GetBytes(len, &bytes)) {
        on_bad_block(pos, pos + length, Status::Corruption("block records do not parse"));
        break;
      }
      if (on_record) on_record(pos, bytes);
      RecordView r;
      if (!DecodeRecord(bytes, &r).ok()) {
        on_bad_block(pos, pos + length, Status::Corruption("a record in the block does not decode"));
        continue;
      }
      SegmentEntry e;
      e.id.assign(r.id);
      e.seq = r.seq;
      e.version = r.version;
      e.flags = r.flags;
      e.block_offset = pos;
      e.block_length = static_cast<uint32_t>(length);
      e.inner_offset = static_cast<uint32_t>(bytes.data() - raw.data());
      e.inner_length = len;
      entries->push_back(std::move(e));
    }
    pos += length;
  }
  return Status::OK();
}

}  // namespace spirapi
