#include "codec/record_codec.h"

#include <algorithm>
#include <cstring>

#include "util/coding.h"
#include "util/thread_cache.h"

namespace spirapi {
namespace {

struct CanonicalBytes {
  std::string bytes;
};

void PutU32Prefixed(std::string* dst, std::string_view s) {
  PutFixed32(dst, static_cast<uint32_t>(s.size()));
  dst->append(s);
}

}  // namespace

Sha256Digest RecordChecksum(const RecordView& r) {
  CanonicalBytes own_at_exit;  // a buffer kept per thread: no allocation per record
  std::string& canonical = ThreadCache<CanonicalBytes>::GetOr(&own_at_exit)->bytes;
  canonical.clear();
  PutU32Prefixed(&canonical, r.id);
  canonical.push_back(static_cast<char>(r.component));
  PutU32Prefixed(&canonical, r.data);
  PutU32Prefixed(&canonical, r.metadata);
  PutFixed64(&canonical, static_cast<uint64_t>(r.timestamp_us));
  PutFixed64(&canonical, r.version);
  // Appended only when present, so that records without a blob keep the
  // checksum they had before blobs existed.
  if (!r.blob.empty()) PutU32Prefixed(&canonical, r.blob);
  return Sha256Of(canonical);
}

void EncodeRecord(const RecordView& r, std::string* out) {
  const bool has_blob = !r.blob.empty();
  out->push_back(static_cast<char>(has_blob ? kRecordFormatWithBlob : kRecordFormat));
  out->push_back(static_cast<char>(r.component));
  out->push_back(static_cast<char>(r.flags));
  PutFixed64(out, r.seq);
  PutFixed64(out, r.version);
  PutFixed64(out, static_cast<uint64_t>(r.timestamp_us));
  PutLengthPrefixed(out, r.id);
  PutLengthPrefixed(out, r.data);
  PutLengthPrefixed(out, r.metadata);
  if (has_blob) PutLengthPrefixed(out, r.blob);
  Sha256Digest digest = RecordChecksum(r);
  out->append(reinterpret_cast<const char*>(digest.data()), digest.size());
}

Status DecodeRecord(std::string_view in, RecordView* r) {
  Decoder d(in);
  uint8_t format, component, flags;
  uint64_t ts;
  std::string_view digest;
  if (!d.GetByte(&format)) return Status::Corruption("record does not decode");
  if (format != kRecordFormat && format != kRecordFormatWithBlob) {
    return Status::Corruption("record has an unknown format byte");
  }
  r->blob = {};
  if (!d.GetByte(&component) || !d.GetByte(&flags) || !d.GetFixed64(&r->seq) ||
      !d.GetFixed64(&r->version) || !d.GetFixed64(&ts) || !d.GetLengthPrefixed(&r->id) ||
      !d.GetLengthPrefixed(&r->data) || !d.GetLengthPrefixed(&r->metadata) ||
      (format == kRecordFormatWithBlob && !d.GetLengthPrefixed(&r->blob)) ||
      !d.GetBytes(32, &digest) || !d.empty()) {
    return Status::Corruption("record does not decode");
  }
  if (component >= kNumComponents) return Status::Corruption("record has a bad component");
  // One encoding per record: an empty blob is written as format 1.
  if (format == kRecordFormatWithBlob && r->blob.empty()) {
    return Status::Corruption("record of format 2 has an empty blob");
  }
  // The checksum does not cover the flags, so check that they agree with the
  // contents: a delete marker is empty, a stored record always has data.
  bool tombstone = (flags & kRecordTombstone) != 0;
  bool agrees = tombstone ? r->data.empty() && r->metadata.empty() && r->blob.empty()
                          : !r->data.empty();
  if ((flags & ~kRecordTombstone) != 0 || !agrees) {
    return Status::Corruption("record flags disagree with its contents");
  }
  r->component = static_cast<Component>(component);
  r->flags = flags;
  r->timestamp_us = static_cast<int64_t>(ts);
  std::memcpy(r->checksum.data(), digest.data(), 32);
  return Status::OK();
}

bool ChecksumMatches(const RecordView& r) { return RecordChecksum(r) == r.checksum; }

void ToStorageRecord(const RecordView& r, StorageRecord* out) {
  out->id.assign(r.id);
  out->data_type = r.component;
  out->data.assign(r.data);
  out->metadata.assign(r.metadata);
  out->blob.assign(r.blob);
  out->timestamp = static_cast<double>(r.timestamp_us) / 1e6;
  AssignHex(r.checksum.data(), r.checksum.size(), &out->checksum);  // reuses its buffer
  out->version = r.version;
}

}  // namespace spirapi
