// The metrics history: sample records, their merging with age, and
// ReadMetricsHistory (include/spirapi/metrics.h).

#include "db/metrics_history.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <vector>

#include "db/metrics_recorder.h"
#include "util/histogram.h"

namespace spirapi {
namespace {

constexpr int64_t kHourUs = 3600LL * 1000000;
constexpr int64_t kDayUs = 24 * kHourUs;
constexpr const char* kResolutionNames[] = {"any", "minute", "hour", "day"};

std::string Num(double v) {
  if (!std::isfinite(v)) return "0";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.9g", v);
  return buf;
}

std::string Prefix(MetricsResolution r) {
  return std::string(kMetricsRecordPrefix) + MetricsResolutionName(r) + "/";
}

int64_t AlignDown(int64_t t, int64_t len) { return t < 0 ? 0 : t / len * len; }

int64_t LengthOf(MetricsResolution r) { return r == MetricsResolution::kDay ? kDayUs : kHourUs; }

MetricsSample::Histogram FromHistogram(const HistogramData& d) {
  MetricsSample::Histogram h;
  for (int i = 0; i < HistogramData::kNumBuckets; ++i) {
    if (d.buckets[i] != 0) h.buckets.emplace_back(i, d.buckets[i]);
  }
  h.sum_ns = d.sum;
  h.max_ns = d.max;
  return h;
}

uint64_t U64(const rapidjson::Value& obj, const char* key) {
  if (!obj.IsObject()) return 0;
  auto it = obj.FindMember(key);
  return it != obj.MemberEnd() && it->value.IsUint64() ? it->value.GetUint64() : 0;
}

int64_t I64(const rapidjson::Value& obj, const char* key) {
  auto it = obj.FindMember(key);
  return it != obj.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : 0;
}

// The samples of one tier that may overlap [from_us, to_us): a sample of
// the finest tier spans at most a day (the longest interval allowed).
Status ReadTier(DB* db, MetricsResolution r, int64_t from_us, int64_t to_us,
                std::vector<MetricsSample>* out) {
  const std::string prefix = Prefix(r);
  ScanOptions so;
  so.prefix = prefix;
  so.from = MetricsSampleId(r, from_us - (r == MetricsResolution::kHour ? kHourUs : kDayUs));
  if (to_us < INT64_MAX) so.to = MetricsSampleId(r, to_us);
  Status parse;
  Status s = db->Scan(ReadOptions(), Component::kMetadata, so, [&](const StorageRecord& rec) {
    MetricsSample sample;
    parse = ParseMetricsSample(rec.data, &sample);
    if (!parse.ok()) {
      parse = Status::Corruption("metrics sample " + rec.id + ": " + parse.ToString());
      return false;
    }
    if (sample.end_us > from_us && sample.start_us < to_us) out->push_back(std::move(sample));
    return true;
  });
  return s.ok() ? parse : s;
}

// Merges the samples finer than r into intervals of r.
std::vector<MetricsSample> Coarsen(std::vector<MetricsSample> samples, MetricsResolution r) {
  std::map<int64_t, MetricsSample> merged;
  std::vector<MetricsSample> out;
  for (MetricsSample& s : samples) {
    if (static_cast<int>(s.resolution) >= static_cast<int>(r)) {
      out.push_back(std::move(s));
      continue;
    }
    const int64_t key = AlignDown(s.start_us, LengthOf(r));
    auto [it, fresh] = merged.try_emplace(key);
    if (fresh) {
      it->second = std::move(s);
      it->second.resolution = r;
    } else {
      MergeMetricsSample(s, &it->second);
    }
  }
  for (auto& [key, s] : merged) out.push_back(std::move(s));
  return out;
}

// Merges every sample of tier `from` in an interval of `to` that ended
// before cutoff_us into that interval's sample.
Status Downsample(DB* db, MetricsResolution from, MetricsResolution to, int64_t cutoff_us) {
  const int64_t len = LengthOf(to);
  const int64_t boundary = AlignDown(cutoff_us, len);
  ScanOptions so;
  so.prefix = Prefix(from);
  so.to = MetricsSampleId(from, boundary);
  std::map<int64_t, std::vector<std::pair<std::string, MetricsSample>>> groups;
  Status s = db->Scan(ReadOptions(), Component::kMetadata, so, [&](const StorageRecord& rec) {
    MetricsSample sample;
    // A sample that does not parse is merged as empty: it would otherwise
    // stay forever.
    if (!ParseMetricsSample(rec.data, &sample).ok()) sample.resolution = from;
    groups[AlignDown(sample.start_us, len)].emplace_back(rec.id, std::move(sample));
    return true;
  });
  if (!s.ok()) return s;
  for (auto& [start, parts] : groups) {
    std::unique_ptr<Transaction> txn;
    s = db->BeginTransaction(WriteOptions(), &txn);
    if (!s.ok()) return s;
    const std::string id = MetricsSampleId(to, start);
    MetricsSample merged;
    StorageRecord existing;
    bool have = txn->Get(Component::kMetadata, id, &existing).ok() &&
                ParseMetricsSample(existing.data, &merged).ok();
    for (auto& [part_id, part] : parts) {
      if (!have) {
        merged = part;
        have = true;
      } else {
        MergeMetricsSample(part, &merged);
      }
      s = txn->Delete(Component::kMetadata, part_id);
      if (!s.ok()) return s;
    }
    merged.resolution = to;
    FinishMetricsSample(&merged);
    s = txn->Put(Component::kMetadata, id, merged.ToJson());
    if (s.ok()) s = txn->Commit();
    if (!s.ok()) return s;
  }
  return Status::OK();
}

}  // namespace

HistogramData ToHistogram(const MetricsSample::Histogram& h) {
  HistogramData d;
  for (const auto& [bucket, n] : h.buckets) {
    d.buckets[bucket] += n;
    d.count += n;
  }
  d.sum = h.sum_ns;
  d.max = h.max_ns;
  return d;
}

const char* MetricsResolutionName(MetricsResolution r) {
  return kResolutionNames[static_cast<int>(r)];
}

bool ParseMetricsResolution(std::string_view name, MetricsResolution* r) {
  for (int i = 0; i < 4; ++i) {
    if (name == kResolutionNames[i]) {
      *r = static_cast<MetricsResolution>(i);
      return true;
    }
  }
  return false;
}

std::string MetricsSampleId(MetricsResolution r, int64_t start_us) {
  char digits[24];
  std::snprintf(digits, sizeof(digits), "%016" PRId64, std::max<int64_t>(0, start_us));
  return Prefix(r) + digits;
}

std::string MetricsSample::ToJson() const {
  std::string out = "{\"start_us\":" + std::to_string(start_us) +
                    ",\"end_us\":" + std::to_string(end_us) + ",\"resolution\":\"" +
                    MetricsResolutionName(resolution) + "\",\"ops_per_second\":" +
                    Num(ops_per_second) + ",\"block_cache_hits\":" +
                    std::to_string(block_cache_hits) + ",\"block_cache_misses\":" +
                    std::to_string(block_cache_misses) + ",\"total_disk_bytes\":" +
                    std::to_string(total_disk_bytes) + ",\"records\":{";
  for (Component c : kAllComponents) {
    if (c != Component::kSequence) out += ",";
    out += std::string("\"") + ComponentName(c) + "\":" +
           std::to_string(records[static_cast<int>(c)]);
  }
  out += "},\"ops\":{";
  bool first = true;
  for (int i = 0; i < kNumMetricOps; ++i) {
    const OpMetrics& m = ops[i];
    if (m.count == 0) continue;  // kinds that did not run are left out
    out += std::string(first ? "" : ",") + "\"" + MetricOpName(static_cast<MetricOp>(i)) +
           "\":{\"count\":" + std::to_string(m.count) + ",\"errors\":" +
           std::to_string(m.errors) + ",\"not_found\":" + std::to_string(m.not_found) +
           ",\"bytes_read\":" + std::to_string(m.bytes_read) + ",\"bytes_written\":" +
           std::to_string(m.bytes_written) + ",\"p50_seconds\":" + Num(m.p50_seconds) +
           ",\"p90_seconds\":" + Num(m.p90_seconds) + ",\"p99_seconds\":" + Num(m.p99_seconds) +
           ",\"p999_seconds\":" + Num(m.p999_seconds) + ",\"max_seconds\":" +
           Num(m.max_seconds) + ",\"mean_seconds\":" + Num(m.mean_seconds) +
           ",\"ops_per_second\":" + Num(m.ops_per_second) + ",\"latency\":{\"sum_ns\":" +
           std::to_string(latency[i].sum_ns) + ",\"max_ns\":" +
           std::to_string(latency[i].max_ns) + ",\"buckets\":[";
    for (size_t b = 0; b < latency[i].buckets.size(); ++b) {
      out += std::string(b > 0 ? "," : "") + "[" + std::to_string(latency[i].buckets[b].first) +
             "," + std::to_string(latency[i].buckets[b].second) + "]";
    }
    out += "]}}";
    first = false;
  }
  return out + "}}";
}

Status ParseMetricsSample(std::string_view json, MetricsSample* sample) {
  *sample = MetricsSample();
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return Status::Corruption("a metrics sample is not a JSON object");
  }
  sample->start_us = I64(doc, "start_us");
  sample->end_us = I64(doc, "end_us");
  auto res = doc.FindMember("resolution");
  if (res == doc.MemberEnd() || !res->value.IsString() ||
      !ParseMetricsResolution(res->value.GetString(), &sample->resolution) ||
      sample->resolution == MetricsResolution::kAny || sample->end_us < sample->start_us) {
    return Status::Corruption("a metrics sample without a valid resolution and interval");
  }
  sample->block_cache_hits = U64(doc, "block_cache_hits");
  sample->block_cache_misses = U64(doc, "block_cache_misses");
  sample->total_disk_bytes = U64(doc, "total_disk_bytes");
  auto records = doc.FindMember("records");
  if (records != doc.MemberEnd()) {
    for (Component c : kAllComponents) {
      sample->records[static_cast<int>(c)] = U64(records->value, ComponentName(c));
    }
  }
  auto ops = doc.FindMember("ops");
  if (ops != doc.MemberEnd() && ops->value.IsObject()) {
    for (auto& m : ops->value.GetObject()) {
      MetricOp op;
      if (!m.name.IsString() || !ParseMetricOp(m.name.GetString(), &op) || !m.value.IsObject()) {
        continue;  // a kind a newer version records
      }
      const int i = static_cast<int>(op);
      OpMetrics& o = sample->ops[i];
      o.errors = U64(m.value, "errors");
      o.not_found = U64(m.value, "not_found");
      o.bytes_read = U64(m.value, "bytes_read");
      o.bytes_written = U64(m.value, "bytes_written");
      auto lat = m.value.FindMember("latency");
      if (lat == m.value.MemberEnd() || !lat->value.IsObject()) continue;
      sample->latency[i].sum_ns = U64(lat->value, "sum_ns");
      sample->latency[i].max_ns = U64(lat->value, "max_ns");
      auto buckets = lat->value.FindMember("buckets");
      if (buckets == lat->value.MemberEnd() || !buckets->value.IsArray()) continue;
      for (auto& b : buckets->value.GetArray()) {
        if (!b.IsArray() || b.Size() != 2 || !b[0].IsInt() || !b[1].IsUint64() || b[0].GetInt() < 0 ||
            b[0].GetInt() >= HistogramData::kNumBuckets) {
          return Status::Corruption("a metrics sample with a bad latency bucket");
        }
        sample->latency[i].buckets.emplace_back(b[0].GetInt(), b[1].GetUint64());
      }
    }
  }
  FinishMetricsSample(sample);
  return Status::OK();
}

void FinishMetricsSample(MetricsSample* sample) {
  const double seconds = std::max<int64_t>(1, sample->end_us - sample->start_us) / 1e6;
  uint64_t total = 0;
  for (int i = 0; i < kNumMetricOps; ++i) {
    OpMetrics& o = sample->ops[i];
    FillLatency(ToHistogram(sample->latency[i]), &o);
    o.ops_per_second = o.count / seconds;
    total += o.count;
  }
  sample->ops_per_second = total / seconds;
}

void MergeMetricsSample(const MetricsSample& part, MetricsSample* into) {
  if (part.end_us >= into->end_us) {
    into->total_disk_bytes = part.total_disk_bytes;
    std::copy(std::begin(part.records), std::end(part.records), std::begin(into->records));
  }
  into->start_us = std::min(into->start_us, part.start_us);
  into->end_us = std::max(into->end_us, part.end_us);
  into->block_cache_hits += part.block_cache_hits;
  into->block_cache_misses += part.block_cache_misses;
  for (int i = 0; i < kNumMetricOps; ++i) {
    OpMetrics& o = into->ops[i];
    const OpMetrics& p = part.ops[i];
    o.errors += p.errors;
    o.not_found += p.not_found;
    o.bytes_read += p.bytes_read;
    o.bytes_written += p.bytes_written;
    HistogramData h = ToHistogram(into->latency[i]);
    h.Merge(ToHistogram(part.latency[i]));
    into->latency[i] = FromHistogram(h);
  }
  FinishMetricsSample(into);
}

Status StoreMetricsSample(DB* db, const MetricsSample& sample) {
  return db->Put(WriteOptions(), Component::kMetadata,
                 MetricsSampleId(sample.resolution, sample.start_us), sample.ToJson());
}

Status DownsampleMetricsHistory(DB* db, int64_t now_us) {
  Status s = Downsample(db, MetricsResolution::kMinute, MetricsResolution::kHour,
                        now_us - kMinuteSamplesKeptUs);
  if (!s.ok()) return s;
  return Downsample(db, MetricsResolution::kHour, MetricsResolution::kDay,
                    now_us - kHourSamplesKeptUs);
}

Status ReadMetricsHistory(DB* db, const MetricsHistoryQuery& query,
                          std::vector<MetricsSample>* samples) {
  samples->clear();
  if (db == nullptr) return Status::InvalidArgument("metrics history: no database");
  if (query.from_us > query.to_us) {
    return Status::InvalidArgument("metrics history: from is after to");
  }
  MetricsRecorder::Pause pause;  // the history's reads are not the application's scans
  for (MetricsResolution r :
       {MetricsResolution::kDay, MetricsResolution::kHour, MetricsResolution::kMinute}) {
    Status s = ReadTier(db, r, query.from_us, query.to_us, samples);
    if (!s.ok()) return s;
  }
  if (query.resolution != MetricsResolution::kAny) {
    *samples = Coarsen(std::move(*samples), query.resolution);
  }
  std::stable_sort(samples->begin(), samples->end(),
                   [](const MetricsSample& a, const MetricsSample& b) {
                     return a.start_us < b.start_us;
                   });
  return Status::OK();
}

}  // namespace spirapi
