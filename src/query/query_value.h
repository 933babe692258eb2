// JSON values as a query sees them: parsed records, paths into them, and the
// comparisons the query language defines (docs/QUERY.md, "Values").

#ifndef SPIRAPI_QUERY_QUERY_VALUE_H_
#define SPIRAPI_QUERY_QUERY_VALUE_H_

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spirapi::query {

using Json = rapidjson::Value;

// The kinds in the order a sort puts them: a missing field first.
enum class Kind { kMissing, kNull, kBool, kNumber, kString, kArray, kObject };

Kind KindOf(const Json* v);

// <0, 0, >0 for two values of the same kind (all numbers are one kind,
// compared exactly: integers of 64 bits and doubles alike); nullopt for
// values of different kinds, which neither equal nor order each other.
// Objects are equal when they have the same members with equal values, in
// any order; they order by their compact JSON text.
std::optional<int> Compare(const Json& a, const Json& b);

inline bool Equal(const Json& a, const Json& b) {
  std::optional<int> c = Compare(a, b);
  return c.has_value() && *c == 0;
}

// The compact JSON text of a value.
std::string ToJson(const Json& v);

// An owned copy of a value (or of a missing one) for sorting and grouping,
// totally ordered: kinds in Kind's order, then as Compare.
class Key {
 public:
  Key() = default;
  explicit Key(const Json* v);

  Kind kind() const { return kind_; }
  // Appends the value as JSON (null if missing).
  void AppendJson(std::string* out) const;
  // The number, for sums and averages (kNumber only).
  long double number() const { return number_; }

  friend int CompareKeys(const Key& a, const Key& b);

 private:
  Kind kind_ = Kind::kMissing;
  bool boolean_ = false;
  long double number_ = 0;
  std::string text_;  // a string's bytes, or an array's or object's JSON
  std::string number_text_;  // as written, for output
};

int CompareKeys(const Key& a, const Key& b);

// A path: which field of the record, and the steps into it.
struct Path {
  enum class Root { kData, kId, kVersion, kTimestamp, kChecksum, kMetadata };
  Root root = Root::kData;
  std::vector<std::string> steps;  // object member names, or array indexes as text
  std::string text;                // as written in the query
};

// Parses "a.b.0", "@id", "@metadata.x". Returns an error message, or empty.
std::string ParsePath(std::string_view text, Path* out);

// What a path reads: a record's parts, already parsed.
struct RecordView {
  std::string_view id;
  const Json* data = nullptr;
  const Json* metadata = nullptr;  // null: none (schema records)
  uint64_t version = 0;
  double timestamp = 0;
  std::string_view checksum;
};

// The value at `path` in `record`, or null if absent. Values of @id,
// @version, @timestamp and @checksum are made in *scratch.
const Json* Resolve(const Path& path, const RecordView& record, Json* scratch);

}  // namespace spirapi::query

#endif  // SPIRAPI_QUERY_QUERY_VALUE_H_
