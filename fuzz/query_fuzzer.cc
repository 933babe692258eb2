// Fuzzes the query language (include/spirapi/query.h): fuzzed query text
// parsed, explained and run over a fixed small database in a temporary
// directory (one per process, without background work), whose records hold
// every kind of JSON value, nested values, arrays and metadata.
// Checks: CheckQuery, ExplainQuery and RunQuery agree on what is a valid
// query (a refusal is InvalidArgument, nothing else); a valid query runs to
// OK (or InvalidArgument for a sort past max_sort_rows, set low here); every
// row is valid compact JSON; $limit bounds the rows and $count returns one;
// running the same query twice gives the same rows.

#include <unistd.h>

#include <filesystem>
#include <memory>

#include "fuzz_util.h"
#include "spirapi/db.h"
#include "spirapi/query.h"
#include "util/json.h"

namespace spirapi::fuzz {
namespace {

constexpr const char* kRecords[][3] = {
    {"a", R"({"n":3,"s":"x","t":[1,"2",null],"o":{"k":1,"l":{"m":true}}})", R"({"by":"ann"})"},
    {"b", R"({"n":3.0,"s":"y","o":{"k":2}})", R"({"by":"bob","n":1})"},
    {"c", R"({"n":"3","b":true,"e":[],"f":{}})", "{}"},
    {"d", R"({"n":-1e300,"s":"\u00e9\u0000","t":[[1],[2]]})", "{}"},
    {"e", R"([1,{"a":2}])", "{}"},
    {"f", R"("text")", "{}"},
    {"g", R"(null)", "{}"},
    {"h", R"({"n":18446744073709551615,"m":-9223372036854775808,"big":123456789012345678901234})",
     "{}"},
};

class Database {
 public:
  Database() {
    dir_ = (std::filesystem::temp_directory_path() /
            ("spirapi-query-fuzz-" + std::to_string(getpid()))).string();
    std::filesystem::remove_all(dir_);
    Options options;
    options.background_work = false;
    FUZZ_CHECK(DB::Open(options, dir_, &db_).ok());
    WriteOptions wo;
    wo.sync = false;
    for (const auto& r : kRecords) FUZZ_CHECK(db_->Put(wo, Component::kCache, r[0], r[1], r[2]).ok());
  }
  ~Database() {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  DB* db() { return db_.get(); }

 private:
  std::string dir_;
  std::unique_ptr<DB> db_;
};

Status Run(std::string_view query, std::vector<std::string>* rows) {
  static Database database;
  QuerySource source;
  source.component = Component::kCache;
  QueryOptions options;
  options.max_sort_rows = 5;
  return RunQuery(database.db(), source, query, options, [&](std::string_view row) {
    rows->emplace_back(row);
    return true;
  });
}

void Check(std::string_view query) {
  const Status checked = CheckQuery(query);
  std::string plan;
  const Status explained = ExplainQuery(QuerySource(), query, &plan);
  std::vector<std::string> rows;
  const Status ran = Run(query, &rows);
  FUZZ_CHECK(checked.ok() == explained.ok());
  if (!checked.ok()) {
    FUZZ_CHECK(checked.IsInvalidArgument() && ran.IsInvalidArgument());
    FUZZ_CHECK(checked.message().rfind("query: ", 0) == 0);
    return;
  }
  FUZZ_CHECK(!plan.empty());
  if (!ran.ok()) {
    FUZZ_CHECK(ran.IsInvalidArgument() &&
               ran.message().find("max_sort_rows") != std::string::npos);
    return;
  }
  for (const std::string& row : rows) {
    std::string normalized;
    FUZZ_CHECK(NormalizeJson(row, JsonKind::kObject, "row", &normalized).ok());
  }
  FUZZ_CHECK(rows.size() <= std::size(kRecords) || query.find("$group") != std::string::npos);
  std::vector<std::string> again;
  FUZZ_CHECK(Run(query, &again).ok());
  FUZZ_CHECK(again == rows);
}

void WriteSeeds(const std::function<void(std::string_view)>& add) {
  add(R"({"n":3})");
  add(R"({"n":{"$gte":3,"$lt":"z"},"s":{"$in":["x","y"]},"$sort":{"n":"desc"},"$limit":2})");
  add(R"({"$or":[{"o.k":1},{"t.1":"2"}],"$not":{"b":true},"$fields":["@id","o.l.m"]})");
  add(R"({"s":{"$regex":"^x","$prefix":"x"},"@metadata.by":{"$exists":true},"$count":true})");
  add(R"({"$group":{"by":["s","@metadata.by"],"c":{"$count":true},"x":{"$max":"n"},)"
      R"("a":{"$avg":"n"},"s":{"$sum":"n"},"m":{"$min":"t"}},"$sort":["-c"],"$skip":1})");
  add(R"({"@id":{"$nin":["a"]},"@version":1,"@timestamp":{"$gt":0},"$sort":["@checksum"]})");
}

}  // namespace
}  // namespace spirapi::fuzz

SPIRAPI_FUZZ_TARGET(spirapi::fuzz::Check, spirapi::fuzz::WriteSeeds)
