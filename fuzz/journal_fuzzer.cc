// Fuzzes journal reading (ScanJournalContents: frames of format 3 and 2,
// header and payload CRCs, directories, decryption, record decoding,
// recovery of frames with damaged framing, damage and tail classification),
// what every open, flush, Verify and repair runs on every journal. Input: one
// mode byte, then the journal file.
//   mode bit 0: first recompute the CRCs of each format 3 frame along the
//               chain of headers, so that mutated payloads get past the CRC
//               checks and exercise the payload and record parsing behind;
//   mode bit 1: the database is encrypted (records sealed with TestCipher).
// Checks, as the last journal and as a sealed one: every version read as
// intact decodes, at the place it names, to the id, seq and version it was
// indexed with; damage lies within the file and the tail is the file's end;
// a sealed journal has no tail; and a journal rebuilt (FrameBuilder) from the
// whole transactions read back scans to the same versions without damage.

#include <map>
#include <vector>

#include "db/journal_replay.h"
#include "fuzz_util.h"
#include "storage/journal.h"
#include "util/coding.h"
#include "util/hash.h"

namespace spirapi::fuzz {
namespace {

void FixFrameCrcs(std::string* file) {
  uint64_t pos = 0;
  while (pos + kFrameHeaderSize <= file->size()) {
    char* h = file->data() + pos;
    const uint32_t len = DecodeFixed32(h + 24);
    if (DecodeFixed32(h) != kFrameMagic || len > file->size() - pos - kFrameHeaderSize) return;
    EncodeFixed32(h + 36, Crc32(std::string_view(h + kFrameHeaderSize, len)));
    EncodeFixed32(h + 40, Crc32(std::string_view(h, 40)));
    pos += kFrameHeaderSize + len;
  }
}

// Builds a frame of `records` (encoded, plain) under `seq`, sealed as needed.
void AppendFrame(uint64_t seq, const std::vector<std::string_view>& records,
                 const Cipher* cipher, std::string* out) {
  std::vector<DirectoryEntry> entries;
  std::vector<RecordView> views(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    FUZZ_CHECK(DecodeRecord(records[i], &views[i]).ok());
    entries.push_back({views[i].component, views[i].id});
  }
  std::string directory;
  FUZZ_CHECK(EncodeFrameDirectory(seq, entries, cipher, &directory).ok());
  FrameBuilder builder(FrameKind::kCommit, seq, out->size(), directory, out);
  for (std::string_view r : records) {
    if (cipher != nullptr) {
      std::string sealed;
      FUZZ_CHECK(cipher->Seal(r, &sealed).ok());
      builder.AddRecord(sealed);
    } else {
      builder.AddRecord(r);
    }
  }
  std::vector<uint32_t> offsets;
  builder.Finish(&offsets);
}

void CheckReplay(const std::string& file, const Cipher* cipher, const JournalReplay& replay,
                 bool is_last) {
  FUZZ_CHECK(replay.contents == file);
  FUZZ_CHECK(replay.tail_offset + replay.tail_length == file.size());
  FUZZ_CHECK(is_last || replay.tail_length == 0);
  for (const Damage& d : replay.damage) FUZZ_CHECK(d.offset <= file.size());
  for (const JournalReplay::Version& v : replay.versions) {
    FUZZ_CHECK(!v.id.empty());
    if (v.ref.corrupt()) continue;
    FUZZ_CHECK(v.ref.loc.offset + v.ref.loc.length <= file.size());
    std::string_view bytes = std::string_view(file).substr(v.ref.loc.offset, v.ref.loc.length);
    std::string plain;
    if (cipher != nullptr) {
      FUZZ_CHECK(cipher->Open(bytes, &plain).ok());
      bytes = plain;
    }
    FUZZ_CHECK(bytes == v.plain);
    RecordView r;
    FUZZ_CHECK(DecodeRecord(bytes, &r).ok());
    FUZZ_CHECK(r.id == v.id && r.seq == v.ref.seq && r.version == v.ref.version &&
               r.component == v.component && r.tombstone() == v.ref.tombstone());
  }
}

void Check(std::string_view input) {
  FileInput in;
  if (!ReadFileInput(input, FixFrameCrcs, &in)) return;
  const auto& [file, cipher] = in;
  for (bool is_last : {true, false}) {
    JournalScanOptions options;
    options.is_last = is_last;
    JournalReplay replay;
    ScanJournalContents(file, 1, cipher, options, &replay);
    CheckReplay(file, cipher, replay, is_last);
    if (!is_last) continue;

    // The whole transactions make a journal without damage that reads back
    // to the same versions.
    std::map<uint64_t, std::vector<std::string_view>> txns;
    for (const JournalReplay::Version& v : replay.versions) {
      if (!v.ref.corrupt() && !v.partial) txns[v.ref.seq].push_back(v.plain);
    }
    std::string clean;
    for (const auto& [seq, records] : txns) AppendFrame(seq, records, cipher, &clean);
    JournalReplay again;
    ScanJournalContents(clean, 1, cipher, options, &again);
    FUZZ_CHECK(again.damage.empty() && again.tail_length == 0);
    size_t n = 0;
    for (const auto& [seq, records] : txns) n += records.size();
    FUZZ_CHECK(again.versions.size() == n);
  }
}

// Journals as the write path builds them: one frame per transaction.
void WriteSeeds(const std::function<void(std::string_view)>& add) {
  const std::vector<std::string> records = SampleRecords();
  for (int encrypted = 0; encrypted <= 1; ++encrypted) {
    const Cipher* cipher = encrypted ? TestCipher() : nullptr;
    std::string one, several;
    AppendFrame(7, {records[0]}, cipher, &one);
    add(FileSeed(encrypted, false, one));
    for (size_t i = 1; i + 1 < records.size(); i += 2) {
      RecordView a, b;
      DecodeRecord(records[i], &a);
      DecodeRecord(records[i + 1], &b);
      // One transaction's records share its seq.
      std::string ra, rb;
      a.seq = b.seq = a.seq;
      EncodeRecord(a, &ra);
      EncodeRecord(b, &rb);
      AppendFrame(a.seq, {ra, rb}, cipher, &several);
    }
    AppendCloseFrame(99, several.size(), &several);
    add(FileSeed(encrypted, false, several));
    add(FileSeed(encrypted, false, several.substr(0, several.size() - 5)));  // torn
    several[kFrameHeaderSize + 10] ^= 1;  // damage in the first of several frames
    add(FileSeed(encrypted, false, several));
    add(FileSeed(encrypted, true, several));  // the same, with its CRCs fixed up
    several[3] ^= 1;  // and its header too
    add(FileSeed(encrypted, false, several));
  }
}

}  // namespace
}  // namespace spirapi::fuzz

SPIRAPI_FUZZ_TARGET(spirapi::fuzz::Check, spirapi::fuzz::WriteSeeds)
