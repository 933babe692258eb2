// The parts of a stored record's JSON that a query reads, parsed without
// parsing the rest. A filter on one number of a 1 KB record need not build
// the DOM of the whole record: the record's top-level members are found by
// simdjson's On-Demand parser, which skips the values it is not asked for,
// and only the members the query's paths begin with are parsed (by
// RapidJSON, as a whole parse would, so that every value compares exactly
// as before). A member that occurs twice counts by its first occurrence, as
// RapidJSON's FindMember finds it.
//
// Thread safety: an instance is used by one thread at a time.

#ifndef SPIRAPI_QUERY_RECORD_FIELDS_H_
#define SPIRAPI_QUERY_RECORD_FIELDS_H_

#include <rapidjson/document.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "query/query_parse.h"
#include "spirapi/status.h"

namespace spirapi::query {

class RecordFields {
 public:
  // Which parts of `root` (data or metadata) the query's paths read.
  RecordFields(const Query& q, Path::Root root);
  // Which parts of `root` the paths read.
  RecordFields(const std::vector<Path>& paths, Path::Root root);
  ~RecordFields();
  RecordFields(const RecordFields&) = delete;
  RecordFields& operator=(const RecordFields&) = delete;

  // False if no path of the query reads this part: Load need not be called.
  bool needed() const { return whole_ || !members_.empty(); }

  // Makes *doc hold what the query reads of `json`: the whole value, or an
  // object of the members it reads (the value itself when it is not an
  // object). Corruption naming the offset if the text does not parse.
  Status Load(std::string_view json, rapidjson::Document* doc);

 private:
  Status LoadWhole(std::string_view json, rapidjson::Document* doc);

  bool whole_ = false;                // some path reads the value itself
  std::vector<std::string> members_;  // the top-level members read
  std::vector<bool> found_;           // Load's: which members it met
};

}  // namespace spirapi::query

#endif  // SPIRAPI_QUERY_RECORD_FIELDS_H_
