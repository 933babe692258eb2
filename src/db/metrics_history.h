// The metrics history's records (docs/MONITORING.md): METADATA records
// `~metrics/minute/<start>`, `~metrics/hour/<start>` and `~metrics/day/<start>`
// (start: microseconds since the epoch, 16 digits), each one MetricsSample
// as JSON, merged into coarser ones with age.

#ifndef SPIRAPI_DB_METRICS_HISTORY_H_
#define SPIRAPI_DB_METRICS_HISTORY_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "spirapi/db.h"
#include "spirapi/metrics.h"
#include "util/histogram.h"

namespace spirapi {

inline constexpr std::string_view kMetricsRecordPrefix = "~metrics/";
// How long samples of the finest tier and of hours are kept before merging.
inline constexpr int64_t kMinuteSamplesKeptUs = 24LL * 3600 * 1000000;
inline constexpr int64_t kHourSamplesKeptUs = 30LL * 24 * 3600 * 1000000;

// A stored histogram as counts that merge (HistogramData::Merge) and give
// percentiles (FillLatency, db/metrics_recorder.h).
HistogramData ToHistogram(const MetricsSample::Histogram& h);
std::string MetricsSampleId(MetricsResolution r, int64_t start_us);
Status ParseMetricsSample(std::string_view json, MetricsSample* sample);
// Sets the percentiles, means, max and rates from the histograms, counts
// and interval.
void FinishMetricsSample(MetricsSample* sample);
// Adds part into *into (interval widened; the end-of-interval figures of
// whichever ends later), then FinishMetricsSample.
void MergeMetricsSample(const MetricsSample& part, MetricsSample* into);
// Writes one sample record (its id from its resolution and start).
Status StoreMetricsSample(DB* db, const MetricsSample& sample);
// Merges the minute samples of every hour that ended more than a day
// before now_us into that hour's sample, and the hour samples of every day
// that ended more than 30 days before into the day's, one transaction per
// merged interval.
Status DownsampleMetricsHistory(DB* db, int64_t now_us);

}  // namespace spirapi

#endif  // SPIRAPI_DB_METRICS_HISTORY_H_
