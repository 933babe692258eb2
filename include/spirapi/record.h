// StorageRecord and the six components a database is made of.

#ifndef SPIRAPI_RECORD_H_
#define SPIRAPI_RECORD_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "spirapi/export.h"
#include "spirapi/status.h"

namespace spirapi {

// Each component is a separate store of records with its own directory.
enum class Component : uint8_t {
  kSequence = 0,  // π sequences and mathematical data
  kSchema = 1,    // dynamic schemas and field definitions
  kQuery = 2,     // query history and execution logs
  kMetadata = 3,  // system metadata and statistics
  kIndex = 4,     // search and lookup indexes
  kCache = 5,     // cached results
};

inline constexpr int kNumComponents = 6;
inline constexpr std::array<Component, kNumComponents> kAllComponents = {
    Component::kSequence, Component::kSchema, Component::kQuery,
    Component::kMetadata, Component::kIndex,  Component::kCache};

// "sequence", "schema", "query", "metadata", "index" or "cache".
SPIRAPI_EXPORT const char* ComponentName(Component c);

// Parses a component name as printed by ComponentName().
// Returns InvalidArgument naming the valid choices for any other string.
SPIRAPI_EXPORT Status ParseComponent(std::string_view name, Component* out);

// Limits on what a record may hold. Longer input is refused with
// InvalidArgument and nothing is written.
inline constexpr size_t kMaxIdBytes = 512;             // ids are 1..512 bytes of UTF-8
inline constexpr size_t kMaxValueBytes = 16u << 20;    // data + metadata, compact JSON
inline constexpr size_t kMaxBlobBytes = 16u << 20;     // the binary attachment (blob)

// One stored record, as returned by reads.
struct SPIRAPI_EXPORT StorageRecord {
  std::string id;          // unique within its component
  Component data_type = Component::kSequence;
  std::string data;        // compact JSON text (any JSON value)
  std::string metadata;    // compact JSON text (an object)
  double timestamp = 0;    // commit time, seconds since the Unix epoch (µs precision)
  std::string checksum;    // lowercase hex SHA-256, see docs/FORMAT.md "Record checksum"
  uint64_t version = 0;    // 1 on first write, +1 on every overwrite of the id
  // Optional binary attachment (any bytes; empty = none), for data that JSON
  // cannot hold densely. Written only by PutWithBlob; covered by the checksum.
  std::string blob;

  // The record as one JSON object with the fields above (data and metadata
  // embedded as JSON, data_type as its component name), followed by
  // "blob_base64" (standard base64 with padding) only when the blob is not
  // empty, so that records without a blob print as they always have.
  std::string ToJson() const;
};

}  // namespace spirapi

#endif  // SPIRAPI_RECORD_H_
