// The JSON form of a record (StorageRecord::ToJson) from its parts, for
// readers that hold views of a record rather than a StorageRecord.

#ifndef SPIRAPI_UTIL_RECORD_JSON_H_
#define SPIRAPI_UTIL_RECORD_JSON_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "spirapi/record.h"

namespace spirapi {

struct RecordJsonParts {
  std::string_view id;
  Component data_type = Component::kSequence;
  std::string_view data;      // JSON; empty: null
  std::string_view metadata;  // JSON; empty: {}
  double timestamp = 0;       // seconds
  std::string_view checksum;  // lowercase hex
  uint64_t version = 0;
  std::string_view blob;  // empty: none
};

// Appends the record's JSON to *out.
void AppendRecordJson(const RecordJsonParts& r, std::string* out);

}  // namespace spirapi

#endif  // SPIRAPI_UTIL_RECORD_JSON_H_
