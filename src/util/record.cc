#include <cstdio>

#include "spirapi/record.h"
#include "util/base64.h"
#include "util/hash.h"
#include "util/json.h"

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

std::string StorageRecord::ToJson() const {
  std::string out = "{\"id\":";
  AppendJsonString(&out, id);
  out += ",\"data_type\":\"";
  out += ComponentName(data_type);
  out += "\",\"data\":";
  out += data.empty() ? "null" : data;
  out += ",\"metadata\":";
  out += metadata.empty() ? "{}" : metadata;
  char ts[64];
  std::snprintf(ts, sizeof(ts), "%.6f", timestamp);
  out += ",\"timestamp\":";
  out += ts;
  out += ",\"checksum\":\"" + checksum + "\",\"version\":" + std::to_string(version);
  if (!blob.empty()) {
    out += ",\"blob_base64\":\"";
    AppendBase64(blob, &out);
    out += '"';
  }
  out += '}';
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
