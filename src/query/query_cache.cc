// Query results in the result cache: one entry of kind "query" per source
// and query text, whose value is {"plan": P, "rows_examined": N, "rows":
// [R, ...]} with each row kept as a JSON string, so that a hit returns it
// byte for byte as the query printed it.

#include "query/query_cache.h"

#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "spirapi/result_cache.h"
#include "util/json.h"

namespace spirapi::query {

namespace {

constexpr std::string_view kKind = "query";

std::string CacheKey(const QuerySource& source, std::string_view normalized) {
  std::string key = source.schema.empty()
                        ? std::string("component ") + ComponentName(source.component)
                        : "schema " + source.schema;
  return key + "\n" + std::string(normalized);
}

}  // namespace

bool QueryCacheApplies(const QuerySource& source, const QueryOptions& options) {
  return options.cache_ttl_seconds > 0 && options.snapshot == nullptr &&
         (!source.schema.empty() || source.component != Component::kCache);
}

Status RunCachedQuery(DB* db, const QuerySource& source, std::string_view query_json,
                      const QueryOptions& options, const QueryExecutor& execute,
                      const std::function<bool(std::string_view)>& fn, QueryStats* stats) {
  std::string normalized;
  Status s = NormalizeJson(query_json, JsonKind::kObject, "query", &normalized);
  if (!s.ok()) return s;
  const std::string key = CacheKey(source, normalized);
  ResultCacheOptions cache_options;
  cache_options.max_value_bytes = kMaxCachedQueryBytes;
  ResultCache cache(db, cache_options);
  std::string value;
  bool hit = false;
  s = cache.Lookup(kKind, key, &value, &hit);
  if (!s.ok()) return s;
  if (hit) {
    rapidjson::Document doc;
    doc.Parse(value.data(), value.size());
    auto rows = doc.IsObject() ? doc.FindMember("rows") : doc.MemberEnd();
    auto plan = doc.IsObject() ? doc.FindMember("plan") : doc.MemberEnd();
    if (rows != doc.MemberEnd() && rows->value.IsArray() && plan != doc.MemberEnd() &&
        plan->value.IsString()) {
      stats->plan = std::string("cached: ") + plan->value.GetString();
      for (const rapidjson::Value& row : rows->value.GetArray()) {
        if (!row.IsString()) break;
        ++stats->rows_returned;
        if (!fn(std::string_view(row.GetString(), row.GetStringLength()))) break;
      }
      return Status::OK();
    }
    // Not an entry this code wrote: computed again and replaced below.
  }
  // The inputs' state before the query reads: a write after this point
  // makes the stored entry stale rather than wrong.
  CacheFingerprint fp;
  s = cache.Fingerprint({{source.schema.empty() ? source.component : Component::kSchema, ""}}, &fp);
  if (!s.ok()) return s;
  std::string rows = "[";
  bool too_big = false;
  bool stopped = false;
  s = execute(
      [&](std::string_view row) {
        if (!too_big) {
          if (rows.size() > 1) rows.push_back(',');
          AppendJsonString(&rows, row);
          too_big = rows.size() > kMaxCachedQueryBytes;
          if (too_big) std::string().swap(rows);
        }
        if (fn(row)) return true;
        stopped = true;
        return false;
      },
      stats);
  if (!s.ok() || stopped || too_big) return s;
  std::string entry = "{\"plan\":";
  AppendJsonString(&entry, stats->plan);
  entry +=
      ",\"rows_examined\":" + std::to_string(stats->rows_examined) + ",\"rows\":" + rows + "]}";
  return cache.Store(kKind, key, fp, entry, options.cache_ttl_seconds);
}

}  // namespace spirapi::query
