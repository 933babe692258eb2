// MathematicalPropertiesJson: the analysis results as compact JSON.

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>

#include "pi/digit_analysis.h"

namespace spirapi::pi {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// First positions are listed only while short enough to read: 10 or 100.
constexpr int kMaxKWithFirstPositions = 2;

// RapidJSON refuses NaN and infinities; JSON has null for "no value".
void WriteNumberOrNull(JsonWriter* w, double value) {
  if (std::isfinite(value)) {
    w->Double(value);
  } else {
    w->Null();
  }
}

void WriteDistribution(JsonWriter* w, const DigitDistribution& distribution) {
  w->StartObject();
  w->Key("total");
  w->Uint64(distribution.total);
  w->Key("counts");
  w->StartArray();
  for (uint64_t count : distribution.counts) w->Uint64(count);
  w->EndArray();
  w->Key("chi_square");
  WriteNumberOrNull(w, distribution.chi_square);
  w->Key("p_value");
  WriteNumberOrNull(w, distribution.p_value);
  w->EndObject();
}

void WriteKgramStats(JsonWriter* w, const KgramStats& stats) {
  w->StartObject();
  w->Key("k");
  w->Int(stats.k);
  w->Key("distinct");
  w->Uint64(stats.distinct);
  w->Key("all_occurred_by");
  if (stats.all_occurred) {
    w->Uint64(stats.all_occurred_by);
  } else {
    w->Null();
  }
  if (stats.k <= kMaxKWithFirstPositions) {
    w->Key("first_positions");
    w->StartArray();
    for (uint64_t position : stats.first_position) w->Uint64(position);
    w->EndArray();
  }
  w->Key("most_frequent");
  w->StartArray();
  for (const KgramCount& entry : stats.most_frequent) {
    w->StartObject();
    w->Key("kgram");
    const std::string text = KgramText(entry.kgram, stats.k);
    w->String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
    w->Key("count");
    w->Uint64(entry.count);
    w->EndObject();
  }
  w->EndArray();
  w->EndObject();
}

void WritePatterns(JsonWriter* w, const PatternAnalysis& patterns) {
  w->StartObject();
  w->Key("longest_runs");
  w->StartArray();
  for (int digit = 0; digit < 10; ++digit) {
    const DigitRun& run = patterns.longest_runs[digit];
    w->StartObject();
    w->Key("digit");
    w->Int(digit);
    w->Key("length");
    w->Uint64(run.length);
    w->Key("position");
    w->Uint64(run.start);
    w->EndObject();
  }
  w->EndArray();
  w->Key("kgrams");
  w->StartArray();
  for (const KgramStats& stats : patterns.kgrams) WriteKgramStats(w, stats);
  w->EndArray();
  w->Key("serial_correlation");
  w->StartArray();
  for (double r : patterns.serial_correlation) WriteNumberOrNull(w, r);
  w->EndArray();
  w->EndObject();
}

}  // namespace

std::string MathematicalPropertiesJson(const DigitDistribution& distribution,
                                       const PatternAnalysis& patterns) {
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  writer.StartObject();
  writer.Key("digit_distribution");
  WriteDistribution(&writer, distribution);
  writer.Key("pattern_analysis");
  WritePatterns(&writer, patterns);
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace spirapi::pi
