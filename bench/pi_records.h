// The benchmarks' data set of π-sequence records, like SpiraPi's seed data,
// shared by storage_bench and spirapi_bench so both measure the same bytes.

#ifndef SPIRAPI_BENCH_PI_RECORDS_H_
#define SPIRAPI_BENCH_PI_RECORDS_H_

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iterator>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "bench_util.h"

namespace spirapi_bench {

// ---------------------------------------------------------------------------
// The data set: π-sequence records like SpiraPi's seed data.

struct RecordRef {
  std::string_view id;
  std::string_view data;
  std::string_view metadata;
};

// Records packed into one buffer: a million of them cost ~1 GiB rather than
// ~1.2 GiB as separate strings, and the benchmark's own memory disturbs the
// engines' less.
class RecordSet {
 public:
  void Reserve(size_t records, size_t bytes) {
    entries_.reserve(records);
    arena_.reserve(bytes);
  }

  void Add(std::string_view id, std::string_view data, std::string_view metadata) {
    entries_.push_back({arena_.size(), static_cast<uint32_t>(id.size()),
                        static_cast<uint32_t>(data.size()),
                        static_cast<uint32_t>(metadata.size())});
    arena_.append(id).append(data).append(metadata);
    raw_bytes_ += id.size() + data.size() + metadata.size();
  }

  size_t size() const { return entries_.size(); }
  uint64_t raw_bytes() const { return raw_bytes_; }
  uint64_t memory_bytes() const { return arena_.capacity() + entries_.capacity() * sizeof(Entry); }

  RecordRef operator[](size_t i) const {
    const Entry& e = entries_[i];
    const char* base = arena_.data() + e.offset;
    return {std::string_view(base, e.id_len), std::string_view(base + e.id_len, e.data_len),
            std::string_view(base + e.id_len + e.data_len, e.metadata_len)};
  }

 private:
  struct Entry {
    uint64_t offset;
    uint32_t id_len;
    uint32_t data_len;
    uint32_t metadata_len;
  };
  std::string arena_;
  std::vector<Entry> entries_;
  uint64_t raw_bytes_ = 0;
};

// Writes a number rounded to `decimals` places in its shortest fixed
// notation, as seed data would hold it. "+ 0.0" turns -0 into 0.
inline void AppendRounded(std::string* out, double value, int decimals) {
  double scale = std::pow(10.0, decimals);
  double rounded = std::round(value * scale) / scale + 0.0;
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), rounded, std::chars_format::fixed);
  out->append(buffer, result.ptr);
}

inline void AppendUint(std::string* out, uint64_t value) {
  char buffer[24];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out->append(buffer, result.ptr);
}

// Makes π-sequence records: 200 random digits and statistics really computed
// from them (so compressors see realistic, not synthetic, redundancy), plus
// metadata; about 1,000 bytes in all. Ids are "pi-" and 16 hex digits of a
// random 64-bit value (19 bytes), so insertion order is random in id order.
class PiRecordGenerator {
 public:
  static constexpr int kDigits = 200;
  static constexpr size_t kMaxKgrams = 3;

  // batch_records: the metadata's "batch" field is ordinal / batch_records.
  PiRecordGenerator(uint64_t seed, std::unordered_set<uint64_t>* used_ids,
                    uint64_t batch_records)
      : rng_(seed), used_ids_(used_ids), batch_records_(batch_records) {}

  void Generate(uint64_t ordinal, RecordSet* out) {
    uint64_t id_value;
    do {
      id_value = rng_.Next();
    } while (!used_ids_->insert(id_value).second);  // ids must be unique across both sets
    char id[32];
    std::snprintf(id, sizeof(id), "pi-%016llx", static_cast<unsigned long long>(id_value));

    char digits[kDigits];
    for (char& d : digits) d = static_cast<char>('0' + rng_.Uniform(10));
    BuildData(digits);
    BuildMetadata(ordinal);
    out->Add(id, data_, metadata_);
  }

 private:
  void BuildData(const char* digits) {
    int counts[10] = {};
    double sum = 0;
    for (int i = 0; i < kDigits; ++i) {
      ++counts[digits[i] - '0'];
      sum += digits[i] - '0';
    }
    const double mean = sum / kDigits;
    const double expected = kDigits / 10.0;
    double chi_square = 0, entropy = 0, variance = 0;
    for (int d = 0; d < 10; ++d) {
      chi_square += (counts[d] - expected) * (counts[d] - expected) / expected;
      if (counts[d] > 0) {
        double p = static_cast<double>(counts[d]) / kDigits;
        entropy -= p * std::log2(p);
      }
    }
    for (int i = 0; i < kDigits; ++i) {
      double x = digits[i] - '0' - mean;
      variance += x * x;
    }
    variance /= kDigits;

    // Longest run of one repeated digit.
    int run_digit = digits[0] - '0', run_length = 1, run_start = 0;
    for (int i = 1, start = 0; i < kDigits; ++i) {
      if (digits[i] != digits[i - 1]) start = i;
      if (i - start + 1 > run_length) {
        run_length = i - start + 1;
        run_start = start;
        run_digit = digits[i] - '0';
      }
    }

    // 3-grams seen more than once, most frequent first (ties: first seen).
    uint16_t kgram_count[1000] = {};
    int16_t kgram_first[1000];
    std::fill(std::begin(kgram_first), std::end(kgram_first), int16_t{-1});
    int distinct = 0;
    for (int i = 0; i + 3 <= kDigits; ++i) {
      int k = (digits[i] - '0') * 100 + (digits[i + 1] - '0') * 10 + (digits[i + 2] - '0');
      if (kgram_count[k]++ == 0) {
        kgram_first[k] = static_cast<int16_t>(i);
        ++distinct;
      }
    }
    std::vector<int> repeated;
    for (int k = 0; k < 1000; ++k) {
      if (kgram_count[k] >= 2) repeated.push_back(k);
    }
    std::sort(repeated.begin(), repeated.end(), [&](int a, int b) {
      if (kgram_count[a] != kgram_count[b]) return kgram_count[a] > kgram_count[b];
      return kgram_first[a] < kgram_first[b];
    });
    if (repeated.size() > kMaxKgrams) repeated.resize(kMaxKgrams);

    // Serial correlation at lags 1-3.
    double correlation[3];
    for (int lag = 1; lag <= 3; ++lag) {
      double cov = 0;
      for (int i = 0; i + lag < kDigits; ++i) {
        cov += (digits[i] - '0' - mean) * (digits[i + lag] - '0' - mean);
      }
      cov /= kDigits - lag;
      correlation[lag - 1] = variance > 0 ? cov / variance : 0;
    }

    // Share of distinct 3-grams among all 3-gram positions.
    const double uniqueness = static_cast<double>(distinct) / (kDigits - 2);

    std::string& s = data_;
    s.clear();
    s += "{\"sequence\":\"";
    s.append(digits, kDigits);
    s += "\",\"precision\":";
    AppendUint(&s, kDigits);
    s += ",\"algorithm\":\"chudnovsky\",\"computation_time\":";
    AppendRounded(&s, 0.0005 + rng_.NextDouble() * 0.05, 6);
    s += ",\"uniqueness_score\":";
    AppendRounded(&s, uniqueness, 6);
    s += ",\"mathematical_properties\":{\"digit_distribution\":{";
    for (int d = 0; d < 10; ++d) {
      s += d ? ",\"" : "\"";
      s += static_cast<char>('0' + d);
      s += "\":";
      AppendUint(&s, static_cast<uint64_t>(counts[d]));
    }
    s += "},\"mean\":";
    AppendRounded(&s, mean, 4);
    s += ",\"variance\":";
    AppendRounded(&s, variance, 6);
    s += ",\"chi_square\":";
    AppendRounded(&s, chi_square, 4);
    s += ",\"entropy_bits\":";
    AppendRounded(&s, entropy, 6);
    s += ",\"pattern_analysis\":{\"longest_run\":{\"digit\":\"";
    s += static_cast<char>('0' + run_digit);
    s += "\",\"length\":";
    AppendUint(&s, static_cast<uint64_t>(run_length));
    s += ",\"start\":";
    AppendUint(&s, static_cast<uint64_t>(run_start));
    s += "},\"repeated_kgrams\":[";
    for (size_t r = 0; r < repeated.size(); ++r) {
      int k = repeated[r];
      char kgram[4] = {static_cast<char>('0' + k / 100), static_cast<char>('0' + k / 10 % 10),
                       static_cast<char>('0' + k % 10), 0};
      s += r ? ",{\"kgram\":\"" : "{\"kgram\":\"";
      s += kgram;
      s += "\",\"count\":";
      AppendUint(&s, kgram_count[k]);
      s += ",\"first\":";
      AppendUint(&s, static_cast<uint64_t>(kgram_first[k]));
      s += '}';
    }
    s += "],\"serial_correlation\":[";
    for (int lag = 0; lag < 3; ++lag) {
      if (lag) s += ',';
      AppendRounded(&s, correlation[lag], 6);
    }
    s += "]}},\"source\":{\"generator\":\"storage_bench\",\"offset\":";
    AppendUint(&s, rng_.Uniform(1'000'000'000));
    s += ",\"length\":";
    AppendUint(&s, kDigits);
    s += ",\"verified\":true}}";
  }

  void BuildMetadata(uint64_t ordinal) {
    static constexpr const char* kTags[] = {"benchmark",  "chudnovsky", "random-digits",
                                            "statistics", "spiral",     "archive"};
    const uint64_t batch = ordinal / batch_records_;
    std::string& s = metadata_;
    s.clear();
    s += "{\"created_by\":\"bench\",\"batch\":";
    AppendUint(&s, batch);
    s += ",\"ordinal\":";
    AppendUint(&s, ordinal);
    s += ",\"tags\":[\"pi\",\"";
    s += kTags[rng_.Uniform(std::size(kTags))];
    s += "\",\"precision-200\"]";
    // A fixed, plausible creation time one second apart per record; as a
    // string, since a large float would not survive re-serialisation unchanged.
    std::time_t created = 1'700'000'000 + static_cast<std::time_t>(ordinal);
    std::tm tm{};
    gmtime_r(&created, &tm);
    char date[32];
    std::strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
    s += ",\"created_at\":\"";
    s += date;
    s += "\",\"schema_version\":1}";
  }

  Rng rng_;
  std::unordered_set<uint64_t>* used_ids_;
  uint64_t batch_records_;
  std::string data_;
  std::string metadata_;
};

// True if two compact JSON texts hold the same values: bytes equal except
// that numbers may be spelt differently if they parse to the same double.
// Why: SpiraPi stores a re-serialisation of the JSON it is given, and its
// writer does not always pick the shortest spelling (3.28508 may come back as
// 3.2850799999999999); that is the same number, not damage.
inline bool SameJson(std::string_view a, std::string_view b) {
  auto is_number_char = [](char c) {
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
  };
  auto parse_number = [&](std::string_view s, size_t* pos, double* value) {
    size_t end = *pos;
    while (end < s.size() && is_number_char(s[end])) ++end;
    char buffer[64];
    const size_t len = std::min(end - *pos, sizeof(buffer) - 1);
    std::memcpy(buffer, s.data() + *pos, len);
    buffer[len] = '\0';
    *value = std::strtod(buffer, nullptr);
    *pos = end;
  };
  size_t i = 0, j = 0;
  bool in_string = false;
  while (i < a.size() && j < b.size()) {
    const char c = a[i];
    if (!in_string && (c == '-' || (c >= '0' && c <= '9'))) {
      double x, y;
      parse_number(a, &i, &x);
      parse_number(b, &j, &y);
      if (x != y) return false;
      continue;
    }
    if (c != b[j]) return false;
    if (in_string && c == '\\') {  // an escape: the next byte is taken as is
      if (++i >= a.size() || ++j >= b.size() || a[i] != b[j]) return false;
    } else if (c == '"') {
      in_string = !in_string;
    }
    ++i;
    ++j;
  }
  return i == a.size() && j == b.size();
}

}  // namespace spirapi_bench

#endif  // SPIRAPI_BENCH_PI_RECORDS_H_
