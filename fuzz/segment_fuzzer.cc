// Fuzzes segment reading and recovery: the footer reader every open uses,
// the block reader behind every read, and the block walk that rebuilds the
// entries of a segment whose footer is damaged (and that verify runs).
// Input: one mode byte, then the segment file.
//   mode bit 0: first recompute the CRCs of the blocks along the chain of
//               headers and of the trailer, so that mutations get past the
//               CRC checks to the decompressors and the footer parser;
//   mode bit 1: the database is encrypted (blocks sealed with TestCipher).
// Checks: the records are read as a read would (the entry's block, the
// record at its place inside, identity with the entry) without crashing;
// every entry the block walk returns lies in a block that decodes and holds,
// at the entry's place, a record with the entry's id, seq, version and flags;
// and the records found, written again by SegmentWriter, read back through
// the footer and the walk as the same entries.

#include <map>
#include <vector>

#include "fuzz_util.h"
#include "storage/segment.h"
#include "util/coding.h"
#include "util/hash.h"

namespace spirapi::fuzz {
namespace {

void FixCrcs(std::string* file) {
  uint64_t pos = 0;
  while (pos + kBlockHeaderSize <= file->size()) {
    char* h = file->data() + pos;
    const uint32_t magic = DecodeFixed32(h);
    const uint32_t stored = DecodeFixed32(h + 5);
    if ((magic != kDataBlockMagic && magic != kFooterBlockMagic &&
         magic != kDictionaryBlockMagic) ||
        stored > file->size() - pos - kBlockHeaderSize) {
      break;
    }
    EncodeFixed32(h + 13, Crc32(std::string_view(h + kBlockHeaderSize, stored)));
    pos += kBlockHeaderSize + stored;
  }
  if (file->size() >= kSegmentTrailerSize) {
    char* t = file->data() + file->size() - kSegmentTrailerSize;
    EncodeFixed32(t + 16, Crc32(std::string_view(t, 16)));
  }
}

// What identifies an entry; the rest is where it is.
bool SameRecord(const SegmentEntry& a, const SegmentEntry& b) {
  return a.id == b.id && a.seq == b.seq && a.version == b.version && a.flags == b.flags;
}

// The record an entry points at, as a read finds it (empty if it cannot).
std::string ReadEntry(const RandomAccessFile& file, const SegmentEntry& e, const Cipher* cipher,
                      const ZstdDictionary* dict, std::map<uint64_t, std::string>* blocks) {
  auto it = blocks->find(e.block_offset);
  if (it == blocks->end()) {
    std::string raw;
    if (!ReadBlock(file, e.block_offset, e.block_length, cipher, &raw, dict).ok()) return "";
    it = blocks->emplace(e.block_offset, std::move(raw)).first;
  }
  const std::string& raw = it->second;
  if (static_cast<uint64_t>(e.inner_offset) + e.inner_length > raw.size()) return "";
  return raw.substr(e.inner_offset, e.inner_length);
}

// Decodes the record and compares it with the entry, as reads do.
bool RecordMatches(std::string_view bytes, const SegmentEntry& e) {
  RecordView r;
  if (!DecodeRecord(bytes, &r).ok()) return false;
  return r.id == e.id && r.seq == e.seq && r.version == e.version && r.flags == e.flags;
}

// Walks the blocks; every entry must be readable as it says. Returns the
// entries and, through *records, their bytes.
std::vector<SegmentEntry> Walk(std::string_view file, const Cipher* cipher,
                               std::vector<std::string>* records) {
  std::vector<SegmentEntry> entries;
  // Damage is reported in file order (a block with several bad records is
  // reported once for each).
  uint64_t last = 0;
  ScanSegmentBlocks(file, cipher, &entries, [&](uint64_t offset, uint64_t end, const Status& s) {
    FUZZ_CHECK(!s.ok() && offset < end && end <= file.size() && offset >= last);
    last = offset;
  });
  StringFile f(file);
  std::shared_ptr<const ZstdDictionary> dict;
  ReadSegmentDictionary(f, file.size(), cipher, &dict);
  std::map<uint64_t, std::string> blocks;
  records->clear();
  for (const SegmentEntry& e : entries) {
    FUZZ_CHECK(e.block_offset + e.block_length <= file.size());
    const std::string bytes = ReadEntry(f, e, cipher, dict.get(), &blocks);
    FUZZ_CHECK(RecordMatches(bytes, e));
    records->push_back(bytes);
  }
  return entries;
}

void Check(std::string_view input) {
  FileInput in;
  if (!ReadFileInput(input, FixCrcs, &in)) return;
  const auto& [file, cipher] = in;
  StringFile f(file);

  // As open and reads do: the footer, then each entry's record.
  std::vector<SegmentEntry> footer;
  std::shared_ptr<const ZstdDictionary> dict;
  ReadSegmentDictionary(f, file.size(), cipher, &dict);
  if (ReadSegmentFooter(f, file.size(), cipher, &footer).ok()) {
    std::map<uint64_t, std::string> blocks;
    for (const SegmentEntry& e : footer) {
      FUZZ_CHECK(e.block_offset + e.block_length <= file.size());
      RecordMatches(ReadEntry(f, e, cipher, dict.get(), &blocks), e);
    }
  } else {
    FUZZ_CHECK(footer.empty());
  }

  // As recovery and verify do: every block.
  std::vector<std::string> records;
  const std::vector<SegmentEntry> entries = Walk(file, cipher, &records);

  // What was found, written again, reads back the same both ways.
  StringSink sink;
  SegmentWriter writer(&sink, SegmentSettings{CompressionCodec::kNone, 0, 256}, cipher);
  for (size_t i = 0; i < entries.size(); ++i) {
    const SegmentEntry& e = entries[i];
    FUZZ_CHECK(writer.Add(e.id, e.seq, e.version, e.flags, records[i]).ok());
  }
  FUZZ_CHECK(writer.Finish().ok());
  StringFile rewritten(sink.bytes);
  std::vector<SegmentEntry> footer_again;
  FUZZ_CHECK(ReadSegmentFooter(rewritten, sink.bytes.size(), cipher, &footer_again).ok());
  std::vector<std::string> records_again;
  const std::vector<SegmentEntry> walked_again = Walk(sink.bytes, cipher, &records_again);
  FUZZ_CHECK(footer_again.size() == entries.size() && walked_again.size() == entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    FUZZ_CHECK(SameRecord(footer_again[i], entries[i]) && SameRecord(walked_again[i], entries[i]));
    FUZZ_CHECK(records_again[i] == records[i]);
  }
}

// Segments as flushes write them: uncompressed, LZMA and zstd (with a
// dictionary when there are records enough to train one), plain and sealed,
// one block and several.
void WriteSeeds(const std::function<void(std::string_view)>& add) {
  std::vector<std::string> records = SampleRecords();
  std::vector<std::string> many;
  for (int copy = 0; copy < 60; ++copy) {
    for (const std::string& bytes : records) many.push_back(bytes);
  }
  for (int encrypted = 0; encrypted <= 1; ++encrypted) {
    for (CompressionCodec codec :
         {CompressionCodec::kNone, CompressionCodec::kLzma, CompressionCodec::kZstd}) {
      for (uint32_t block_size : {64u, 4096u}) {
        StringSink sink;
        SegmentSettings settings{codec, codec == CompressionCodec::kNone ? 0 : 1, block_size};
        settings.dictionary_min_bytes = 16 * 1024;  // small seeds with a dictionary
        SegmentWriter writer(&sink, settings, encrypted ? TestCipher() : nullptr);
        for (const std::string& bytes : codec == CompressionCodec::kZstd ? many : records) {
          RecordView r;
          FUZZ_CHECK(DecodeRecord(bytes, &r).ok());
          FUZZ_CHECK(writer.Add(r.id, r.seq, r.version, r.flags, bytes).ok());
        }
        FUZZ_CHECK(writer.Finish().ok());
        add(FileSeed(encrypted, false, sink.bytes));
      }
    }
  }
}

}  // namespace
}  // namespace spirapi::fuzz

SPIRAPI_FUZZ_TARGET(spirapi::fuzz::Check, spirapi::fuzz::WriteSeeds)
