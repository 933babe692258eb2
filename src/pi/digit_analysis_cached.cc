// AnalyzeSequenceDigits: the statistics of digit_analysis.h over a range of
// a stored sequence, through the result cache.

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <memory>
#include <vector>

#include "pi/digit_analysis.h"
#include "pi/sequence_record.h"
#include "spirapi/pi.h"
#include "spirapi/pi_analysis.h"
#include "spirapi/result_cache.h"
#include "util/json.h"

namespace spirapi {

namespace {

constexpr std::string_view kKind = "pi-analysis";

Status CheckOptions(const DigitAnalysisOptions& o) {
  if (o.first == 0) return Status::InvalidArgument("pi analysis: positions start at 1");
  if (o.max_kgram_length < 1 || o.max_kgram_length > pi::kMaxKgramLength) {
    return Status::InvalidArgument("pi analysis: the k-gram length must be 1.." +
                                   std::to_string(pi::kMaxKgramLength));
  }
  if (o.top_kgrams < 0 || o.top_kgrams > 1000 || o.max_lag < 0 || o.max_lag > 1000) {
    return Status::InvalidArgument("pi analysis: top k-grams and lags must be 0..1000");
  }
  if (!(o.cache_ttl_seconds >= 0)) {
    return Status::InvalidArgument("pi analysis: the cache TTL must be >= 0 seconds");
  }
  return Status::OK();
}

Status Analyze(std::string_view id, uint64_t first, std::string_view digits,
               const DigitAnalysisOptions& o, std::string* json) {
  pi::DigitDistribution distribution;
  Status s = pi::AnalyzeDigitDistribution(digits, &distribution);
  pi::PatternOptions po;
  po.max_kgram_length = o.max_kgram_length;
  po.top_kgrams = o.top_kgrams;
  po.max_lag = o.max_lag;
  pi::PatternAnalysis patterns;
  if (s.ok()) s = pi::AnalyzePatterns(digits, po, &patterns);
  pi::UniquenessScore u;
  if (s.ok()) s = pi::ComputeUniquenessScore(digits, first, &u);
  if (!s.ok()) return s;
  const std::string props = pi::MathematicalPropertiesJson(distribution, patterns);
  *json = "{\"id\":";
  AppendJsonString(json, id);
  *json += ",\"first\":" + std::to_string(first) + ",\"count\":" + std::to_string(digits.size()) +
           "," + props.substr(1, props.size() - 2) + ",\"uniqueness\":";
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  const std::pair<const char*, double> parts[] = {{"score", u.score},
                                                  {"entropy", u.entropy},
                                                  {"position", u.position},
                                                  {"length", u.length},
                                                  {"variety", u.variety}};
  for (const auto& [name, v] : parts) {
    w.Key(name);
    w.Double(v);
  }
  w.EndObject();
  *json += std::string(sb.GetString(), sb.GetSize()) + "}";
  return Status::OK();
}

}  // namespace

Status AnalyzeSequenceDigits(DB* db, std::string_view id, const DigitAnalysisOptions& options,
                             std::string* json, bool* cached) {
  *cached = false;
  if (db == nullptr) return Status::InvalidArgument("pi analysis: no database");
  Status s = pi::ValidateSequenceId(id);
  if (s.ok()) s = CheckOptions(options);
  if (!s.ok()) return s;
  // The description names the chunks that hold the range (their generation).
  StorageRecord description;
  s = db->Get(ReadOptions(), Component::kSequence, pi::SequenceKey(id), &description);
  if (s.IsNotFound()) return Status::NotFound("no sequence '" + std::string(id) + "'");
  pi::SequenceRecord record;
  if (s.ok()) s = pi::DecodeSequenceRecord(description.data, &record);
  if (!s.ok()) return s;
  const uint64_t precision = record.info.precision;
  const uint64_t first = options.first;
  if (first > precision) {
    return Status::InvalidArgument("position " + std::to_string(first) + " is past the end of '" +
                                   std::string(id) + "' (" + std::to_string(precision) +
                                   " digits)");
  }
  const uint64_t count = options.count == 0 ? precision - first + 1 : options.count;
  if (count > precision - first + 1) {
    return Status::InvalidArgument("positions " + std::to_string(first) + ".." +
                                   std::to_string(first + count - 1) + " are not within 1.." +
                                   std::to_string(precision) + " of sequence '" + std::string(id) +
                                   "'");
  }
  std::vector<CacheInput> inputs = {{Component::kSequence, pi::SequenceKey(id)}};
  const uint64_t chunk_digits = record.chunk_digits == 0 ? 1 : record.chunk_digits;
  for (uint64_t c = (first - 1) / chunk_digits; c <= (first + count - 2) / chunk_digits; ++c) {
    inputs.push_back({Component::kSequence, pi::ChunkKey(id, record.generation, c)});
  }
  auto compute = [&](std::string* out) {
    std::unique_ptr<PiStore> store;
    Status st = PiStore::Open(db, &store);
    std::string digits;
    if (st.ok()) st = store->ReadDigits(id, first, count, &digits);
    if (st.ok()) st = Analyze(id, first, digits, options, out);
    return st;
  };
  if (!options.use_cache) return compute(json);
  const std::string key = std::string(id) + "\n" + std::to_string(first) + "\n" +
                          std::to_string(count) + "\n" + std::to_string(options.max_kgram_length) +
                          "\n" + std::to_string(options.top_kgrams) + "\n" +
                          std::to_string(options.max_lag);
  ResultCacheOptions cache_options;
  cache_options.max_value_bytes = kMaxBlobBytes;
  ResultCache cache(db, cache_options);
  return cache.GetOrCompute(kKind, key, inputs, options.cache_ttl_seconds, compute, json, cached);
}

}  // namespace spirapi
