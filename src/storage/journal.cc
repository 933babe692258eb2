#include "storage/journal.h"

#include "util/coding.h"
#include "util/hash.h"

namespace spirapi {

FrameBuilder::FrameBuilder(uint64_t seq, std::string* out)
    : seq_(seq), out_(out), start_(out->size()) {
  out->append(kFrameHeaderSize, '\0');
}

uint32_t FrameBuilder::AddRecord(std::string_view bytes) {
  BeginRecord()->append(bytes);
  return EndRecord();
}

std::string* FrameBuilder::BeginRecord() {
  record_start_ = out_->size();
  out_->append(4, '\0');
  return out_;
}

uint32_t FrameBuilder::EndRecord() {
  const auto length = static_cast<uint32_t>(out_->size() - record_start_ - 4);
  EncodeFixed32(out_->data() + record_start_, length);
  offsets_.push_back(static_cast<uint32_t>(record_start_ + 4 - start_));
  ++count_;
  return length;
}

void FrameBuilder::Finish(std::vector<uint32_t>* record_offsets) {
  char* header = out_->data() + start_;
  const size_t payload = out_->size() - start_ - kFrameHeaderSize;
  EncodeFixed32(header, kFrameMagic);
  EncodeFixed32(header + 4, static_cast<uint32_t>(payload));
  EncodeFixed64(header + 8, seq_);
  EncodeFixed32(header + 16, count_);
  uint32_t crc = Crc32(std::string_view(header, 20));
  crc = Crc32(std::string_view(header + kFrameHeaderSize, payload), crc);
  EncodeFixed32(header + 20, crc);
  record_offsets->swap(offsets_);
  offsets_.clear();
}

namespace {

// Splits a payload into records; false if the lengths do not add up.
bool SplitPayload(std::string_view payload, uint64_t payload_offset, uint32_t count,
                  std::vector<JournalRecord>* records) {
  records->clear();
  Decoder d(payload);
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t len;
    uint64_t at = payload_offset + (payload.size() - d.rest().size()) + 4;
    std::string_view bytes;
    if (!d.GetFixed32(&len) || !d.GetBytes(len, &bytes)) return false;
    records->push_back({at, bytes});
  }
  return d.empty();
}

struct Header {
  uint32_t payload_len;
  uint64_t seq;
  uint32_t count;
  uint32_t crc;
};

bool ReadHeader(std::string_view file, uint64_t pos, Header* h) {
  if (file.size() - pos < kFrameHeaderSize) return false;
  const char* p = file.data() + pos;
  if (DecodeFixed32(p) != kFrameMagic) return false;
  h->payload_len = DecodeFixed32(p + 4);
  h->seq = DecodeFixed64(p + 8);
  h->count = DecodeFixed32(p + 16);
  h->crc = DecodeFixed32(p + 20);
  return h->payload_len <= kMaxFramePayload;
}

bool FrameIsGood(std::string_view file, uint64_t pos, const Header& h) {
  if (file.size() - pos - kFrameHeaderSize < h.payload_len) return false;
  uint32_t crc = Crc32(file.substr(pos, 20));
  crc = Crc32(file.substr(pos + kFrameHeaderSize, h.payload_len), crc);
  return crc == h.crc;
}

// Whether a frame the scan accepts starts at pos: its header reads, its CRC
// matches and its payload splits into exactly `count` records (into
// *records, with *h its header).
bool GoodFrameAt(std::string_view file, uint64_t pos, Header* h,
                 std::vector<JournalRecord>* records) {
  return ReadHeader(file, pos, h) && FrameIsGood(file, pos, *h) &&
         SplitPayload(file.substr(pos + kFrameHeaderSize, h->payload_len),
                      pos + kFrameHeaderSize, h->count, records);
}

// The next offset after `from` where a good frame starts, or npos. Good as
// the scan loop means it: a frame with an intact CRC whose records do not
// add up is damage too, and resuming there would report damage before a
// frame the loop then refuses, beyond the end of the good frames.
uint64_t FindNextGoodFrame(std::string_view file, uint64_t from) {
  Header h;
  std::vector<JournalRecord> scratch;
  for (uint64_t pos = from; pos + kFrameHeaderSize <= file.size(); ++pos) {
    if (GoodFrameAt(file, pos, &h, &scratch)) return pos;
  }
  return std::string_view::npos;
}

}  // namespace

void ScanJournal(std::string_view file,
                 const std::function<void(uint64_t, const std::vector<JournalRecord>&)>& on_frame,
                 const std::function<void(uint64_t, const std::vector<JournalRecord>&)>&
                     on_damaged_frame,
                 JournalScan* result) {
  *result = JournalScan();
  std::vector<JournalRecord> records;
  uint64_t pos = 0;
  while (pos < file.size()) {
    Header h;
    if (GoodFrameAt(file, pos, &h, &records)) {
      on_frame(h.seq, records);
      pos += kFrameHeaderSize + h.payload_len;
      result->valid_end = pos;
      continue;
    }
    // Not a good frame here. If a good frame follows, this is damage in the
    // middle of the file; otherwise it is the tail of an interrupted write.
    uint64_t next = FindNextGoodFrame(file, pos + 1);
    if (next == std::string_view::npos) {
      result->torn_tail = true;
      return;
    }
    std::string what = "journal frame damaged";
    if (ReadHeader(file, pos, &h) && pos + kFrameHeaderSize + h.payload_len <= next) {
      std::string_view payload = file.substr(pos + kFrameHeaderSize, h.payload_len);
      if (SplitPayload(payload, pos + kFrameHeaderSize, h.count, &records)) {
        on_damaged_frame(h.seq, records);
        what = "journal frame checksum mismatch (transaction " + std::to_string(h.seq) + ")";
      }
    }
    result->damage.push_back({pos, next - pos, what});
    pos = next;
  }
}

}  // namespace spirapi
