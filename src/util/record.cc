#include <charconv>

#include "spirapi/record.h"
#include "util/base64.h"
#include "util/hash.h"
#include "util/json.h"
#include "util/record_json.h"

namespace spirapi {

const char* ComponentName(Component c) {
  switch (c) {
    case Component::kSequence: return "sequence";
    case Component::kSchema: return "schema";
    case Component::kQuery: return "query";
    case Component::kMetadata: return "metadata";
    case Component::kIndex: return "index";
    case Component::kCache: return "cache";
  }
  return "unknown";
}

Status ParseComponent(std::string_view name, Component* out) {
  for (Component c : kAllComponents) {
    if (name == ComponentName(c)) {
      *out = c;
      return Status::OK();
    }
  }
  return Status::InvalidArgument("unknown component '" + std::string(name) +
                                 "' (expected sequence, schema, query, metadata, index or cache)");
}

void AppendRecordJson(const RecordJsonParts& r, std::string* out) {
  out->reserve(out->size() + r.id.size() + r.data.size() + r.metadata.size() +
               r.checksum.size() + r.blob.size() * 4 / 3 + 160);
  out->append("{\"id\":");
  AppendJsonString(out, r.id);
  out->append(",\"data_type\":\"");
  out->append(ComponentName(r.data_type));
  out->append("\",\"data\":");
  out->append(r.data.empty() ? std::string_view("null") : r.data);
  out->append(",\"metadata\":");
  out->append(r.metadata.empty() ? std::string_view("{}") : r.metadata);
  // std::to_chars writes what printf's "%.6f" does, several times faster.
  char ts[400];
  const auto [end, ec] =
      std::to_chars(ts, ts + sizeof(ts), r.timestamp, std::chars_format::fixed, 6);
  out->append(",\"timestamp\":");
  out->append(ts, ec == std::errc() ? end - ts : 0);
  out->append(",\"checksum\":\"");
  out->append(r.checksum);
  out->append("\",\"version\":");
  char version[24];
  out->append(version, std::to_chars(version, version + sizeof(version), r.version).ptr - version);
  if (!r.blob.empty()) {
    out->append(",\"blob_base64\":\"");
    AppendBase64(r.blob, out);
    out->push_back('"');
  }
  out->push_back('}');
}

std::string StorageRecord::ToJson() const {
  std::string out;
  AppendRecordJson({id, data_type, data, metadata, timestamp, checksum, version, blob}, &out);
  return out;
}

}  // namespace spirapi

namespace spirapi {

std::string PinnedRecord::checksum() const {
  std::string hex;
  AssignHex(checksum_.data(), checksum_.size(), &hex);
  return hex;
}

void PinnedRecord::Reset() { *this = PinnedRecord(); }

void PinnedRecord::CopyTo(StorageRecord* out) const {
  out->id.assign(id_);
  out->data_type = data_type_;
  out->data.assign(data_);
  out->metadata.assign(metadata_);
  out->blob.assign(blob_);
  out->timestamp = timestamp();
  AssignHex(checksum_.data(), checksum_.size(), &out->checksum);
  out->version = version_;
}

}  // namespace spirapi
