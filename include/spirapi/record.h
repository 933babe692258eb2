// StorageRecord and the six components a database is made of.

#ifndef SPIRAPI_RECORD_H_
#define SPIRAPI_RECORD_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
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

// A record read without copying its bytes (DB::GetPinned), as RocksDB's
// PinnableSlice: the views point into the database's decoded copy of the
// record, which this object keeps alive, so they stay valid until it is
// reset, assigned or destroyed, even if the block cache evicts the block or
// a compaction deletes its file meanwhile. Holding many pins holds their
// blocks (4 KiB each by default) in memory. Not thread-safe; movable.
class SPIRAPI_EXPORT PinnedRecord {
 public:
  PinnedRecord() = default;
  PinnedRecord(PinnedRecord&&) noexcept = default;
  PinnedRecord& operator=(PinnedRecord&&) noexcept = default;
  PinnedRecord(const PinnedRecord&) = delete;
  PinnedRecord& operator=(const PinnedRecord&) = delete;

  // Empty views after Reset or before a successful read.
  std::string_view id() const { return id_; }
  std::string_view data() const { return data_; }
  std::string_view metadata() const { return metadata_; }
  std::string_view blob() const { return blob_; }
  Component data_type() const { return data_type_; }
  double timestamp() const { return static_cast<double>(timestamp_us_) / 1e6; }
  uint64_t version() const { return version_; }
  // Lowercase hex, as StorageRecord::checksum.
  std::string checksum() const;

  // Releases the pinned bytes.
  void Reset();
  // A copy, for when the record must outlive the pin.
  void CopyTo(StorageRecord* out) const;

 private:
  friend class DBImpl;
  std::shared_ptr<const void> pin_;
  std::string_view id_, data_, metadata_, blob_;
  Component data_type_ = Component::kSequence;
  int64_t timestamp_us_ = 0;
  uint64_t version_ = 0;
  std::array<uint8_t, 32> checksum_{};
};

}  // namespace spirapi

#endif  // SPIRAPI_RECORD_H_
