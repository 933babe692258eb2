// A query document parsed and checked (docs/QUERY.md).

#ifndef SPIRAPI_QUERY_QUERY_PARSE_H_
#define SPIRAPI_QUERY_QUERY_PARSE_H_

#include <re2/re2.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "query/query_value.h"
#include "spirapi/status.h"

namespace spirapi::query {

struct Condition {
  enum class Op { kEq, kNe, kGt, kGte, kLt, kLte, kIn, kNin, kExists, kPrefix, kRegex,
                  kWithin, kContains, kNear, kAnd, kOr, kNot };
  Op op = Op::kAnd;
  Path path;                          // the comparisons' field
  const Json* operand = nullptr;      // in Query::document; kNear: the pattern
  uint64_t distance = 0;              // kNear: the most bytes that may differ
  std::shared_ptr<const RE2> regex;   // kRegex
  // kWithin: a box {x0, y0, x1, y1} or (disc) a disc {cx, cy, r}.
  bool disc = false;
  long double area[4] = {0, 0, 0, 0};
  std::vector<Condition> children;    // kAnd, kOr, kNot (one)

  bool Matches(const RecordView& record) const;
};

struct SortKey {
  Path path;
  bool descending = false;
};

struct Aggregate {
  enum class Fn { kCount, kSum, kMin, kMax, kAvg };
  std::string name;
  Fn fn = Fn::kCount;
  Path path;  // not for kCount
};

struct Query {
  rapidjson::Document document;  // owns the operands
  Condition where;               // kAnd of the top-level conditions
  std::vector<SortKey> sort;
  uint64_t skip = 0;
  std::optional<uint64_t> limit;
  std::vector<Path> fields;      // projection; empty: whole records
  bool count = false;
  bool group = false;
  std::vector<Path> group_by;
  std::vector<Aggregate> aggregates;
  bool uses_metadata = false;    // some path reads @metadata

  // Counts the comparisons in `where`, for plans.
  size_t ConditionCount() const;
  // "filter 2 conditions; sort by a desc, top 10 in memory; ..." (after the
  // source's part of the plan).
  std::string Describe() const;
};

// Parses and checks `text`. InvalidArgument: "query: <where>: <what>".
Status ParseQuery(std::string_view text, Query* query);

}  // namespace spirapi::query

#endif  // SPIRAPI_QUERY_QUERY_PARSE_H_
