#include <cstdio>

#include "spirapi/record.h"
#include "util/base64.h"
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
