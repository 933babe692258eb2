#include "storage/journal.h"

#include "util/coding.h"
#include "util/hash.h"

namespace spirapi {

Status EncodeFrameDirectory(uint64_t seq, const std::vector<DirectoryEntry>& entries,
                            const Cipher* cipher, std::string* out) {
  std::string body;
  PutFixed64(&body, seq);
  PutVarint64(&body, entries.size());
  for (const DirectoryEntry& e : entries) {
    body.push_back(static_cast<char>(e.component));
    PutLengthPrefixed(&body, e.id);
  }
  out->clear();
  PutFixed32(out, 0);  // the body's length, set below
  if (cipher != nullptr) {
    Status s = cipher->Seal(body, out);
    if (!s.ok()) return s;
  } else {
    out->append(body);
    PutFixed32(out, Crc32(body));
  }
  EncodeFixed32(out->data(), static_cast<uint32_t>(out->size() - 4));
  return Status::OK();
}

FrameBuilder::FrameBuilder(FrameKind kind, uint64_t seq, uint64_t durable_end,
                           std::string_view directory, std::string* out)
    : kind_(kind),
      seq_(seq),
      durable_end_(durable_end),
      out_(out),
      start_(out->size()),
      directory_len_(static_cast<uint32_t>(directory.size())) {
  out->append(kFrameHeaderSize, '\0');
  out->append(directory);
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
  EncodeFixed32(header + 4, static_cast<uint32_t>(kind_));
  EncodeFixed64(header + 8, seq_);
  EncodeFixed64(header + 16, durable_end_);
  EncodeFixed32(header + 24, static_cast<uint32_t>(payload));
  EncodeFixed32(header + 28, count_);
  EncodeFixed32(header + 32, directory_len_);
  EncodeFixed32(header + 36, Crc32(std::string_view(header + kFrameHeaderSize, payload)));
  EncodeFixed32(header + 40, Crc32(std::string_view(header, 40)));
  record_offsets->swap(offsets_);
  offsets_.clear();
}

void AppendCloseFrame(uint64_t seq, uint64_t durable_end, std::string* out) {
  std::string directory;
  EncodeFrameDirectory(seq, {}, nullptr, &directory);  // cannot fail unsealed
  FrameBuilder frame(FrameKind::kClose, seq, durable_end, directory, out);
  std::vector<uint32_t> offsets;
  frame.Finish(&offsets);
}

bool SplitRecords(std::string_view payload, uint64_t payload_offset, uint32_t count,
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

bool ReadFrameHeader(std::string_view file, uint64_t pos, FrameHeader* h) {
  *h = FrameHeader();
  if (pos > file.size()) return false;
  const size_t left = file.size() - pos;
  const char* p = file.data() + pos;
  if (left >= kFrameHeaderSizeV2 && DecodeFixed32(p) == kFrameMagicV2) {
    h->format = 2;
    h->payload_len = DecodeFixed32(p + 4);
    h->seq = DecodeFixed64(p + 8);
    h->count = DecodeFixed32(p + 16);
    h->payload_crc = DecodeFixed32(p + 20);
    return true;
  }
  if (left < kFrameHeaderSize) return false;
  h->format = DecodeFixed32(p) == kFrameMagic ? 3 : 0;
  const uint32_t kind = DecodeFixed32(p + 4);
  h->kind = kind == static_cast<uint32_t>(FrameKind::kClose) ? FrameKind::kClose
                                                              : FrameKind::kCommit;
  h->seq = DecodeFixed64(p + 8);
  h->durable_end = DecodeFixed64(p + 16);
  h->payload_len = DecodeFixed32(p + 24);
  h->count = DecodeFixed32(p + 28);
  h->directory_len = DecodeFixed32(p + 32);
  h->payload_crc = DecodeFixed32(p + 36);
  const bool known_kind = kind == static_cast<uint32_t>(FrameKind::kCommit) ||
                          (kind == static_cast<uint32_t>(FrameKind::kClose) && h->count == 0);
  h->checks = h->format == 3 && known_kind && h->payload_len <= kMaxFramePayload &&
              h->directory_len <= h->payload_len &&
              Crc32(std::string_view(p, 40)) == DecodeFixed32(p + 40);
  return true;
}

bool GoodFrameAt(std::string_view file, uint64_t pos, FrameHeader* h,
                 std::vector<JournalRecord>* records, uint64_t* end) {
  if (!ReadFrameHeader(file, pos, h)) return false;
  if (h->format == 2) {
    if (h->payload_len > kMaxFramePayload) return false;
  } else if (!h->checks) {
    return false;
  }
  const size_t header = h->header_size();
  if (file.size() - pos - header < h->payload_len) return false;
  std::string_view payload = file.substr(pos + header, h->payload_len);
  uint32_t crc;
  if (h->format == 2) {
    crc = Crc32(payload, Crc32(file.substr(pos, 20)));
  } else {
    crc = Crc32(payload);
  }
  if (crc != h->payload_crc) return false;
  const uint32_t skip = h->format == 2 ? 0 : h->directory_len;
  if (!SplitRecords(payload.substr(skip), pos + header + skip, h->count, records)) return false;
  *end = pos + header + h->payload_len;
  return true;
}

bool DirectoryLengthPrefix(std::string_view payload, uint32_t* length) {
  if (payload.size() < 4) return false;
  *length = DecodeFixed32(payload.data()) + 4;
  return *length >= 4 && *length <= payload.size();
}

bool ParseFrameDirectory(std::string_view payload, uint32_t length, const Cipher* cipher,
                         FrameDirectory* dir) {
  uint32_t stated;
  if (length > payload.size() || !DirectoryLengthPrefix(payload, &stated) || stated != length) {
    return false;
  }
  std::string_view section = payload.substr(4, length - 4);
  std::string plain;
  std::string_view body;
  if (cipher != nullptr) {
    if (!cipher->Open(section, &plain).ok()) return false;
    body = plain;
  } else {
    if (section.size() < 4) return false;
    body = section.substr(0, section.size() - 4);
    if (Crc32(body) != DecodeFixed32(section.data() + body.size())) return false;
  }
  Decoder d(body);
  uint64_t count;
  if (!d.GetFixed64(&dir->seq) || !d.GetVarint64(&count) || count > body.size()) return false;
  dir->entries.clear();
  for (uint64_t i = 0; i < count; ++i) {
    uint8_t component;
    std::string_view id;
    if (!d.GetByte(&component) || component >= kNumComponents || !d.GetLengthPrefixed(&id)) {
      return false;
    }
    dir->entries.emplace_back(static_cast<Component>(component), std::string(id));
  }
  return d.empty();
}

}  // namespace spirapi
