// The result cache's win: a query that scans and groups every record of a
// component, and a π digit analysis, each run uncached and then served from
// the cache (docs/RESULT_CACHE.md). Prints a Markdown table for
// docs/BENCHMARKS.md.
//
//   result_cache_bench [--quick] [--records N] [--digits N] [--runs N]

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "bench_util.h"
#include "spirapi/db.h"
#include "spirapi/pi.h"
#include "spirapi/pi_analysis.h"
#include "spirapi/query.h"

namespace {

using spirapi_bench::Fatal;
using spirapi_bench::Median;
using spirapi_bench::NowNanos;

void Check(const spirapi::Status& s, const char* what) {
  if (!s.ok()) Fatal(std::string(what) + ": " + s.ToString());
}

// Median seconds of `runs` calls of fn.
template <typename Fn>
double Time(int runs, Fn fn) {
  std::vector<double> seconds;
  for (int i = 0; i < runs; ++i) {
    const uint64_t start = NowNanos();
    fn();
    seconds.push_back(static_cast<double>(NowNanos() - start) / 1e9);
  }
  return Median(seconds);
}

void Row(const char* what, double plain, double cached) {
  std::printf("| %s | %.3f ms | %.3f ms | %.0fx |\n", what, plain * 1e3, cached * 1e3,
              plain / cached);
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t records = 200'000;
  uint64_t digits = 10'000'000;
  int runs = 9;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      records = 20'000;
      digits = 1'000'000;
      runs = 5;
    } else if (std::strcmp(argv[i], "--records") == 0 && i + 1 < argc) {
      records = std::strtoull(argv[++i], nullptr, 10);
    } else if (std::strcmp(argv[i], "--digits") == 0 && i + 1 < argc) {
      digits = std::strtoull(argv[++i], nullptr, 10);
    } else if (std::strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
      runs = std::atoi(argv[++i]);
    } else {
      Fatal("usage: result_cache_bench [--quick] [--records N] [--digits N] [--runs N]");
    }
  }
  const std::string dir = spirapi_bench::NewTempDir("result_cache_bench");
  std::unique_ptr<spirapi::DB> db;
  spirapi::Options options;
  options.create_if_missing = true;
  Check(spirapi::DB::Open(options, dir + "/db", &db), "open");
  spirapi::WriteOptions wo;
  wo.sync = false;  // loading only; the figures are of reads
  for (uint64_t i = 0; i < records; ++i) {
    char data[96];
    std::snprintf(data, sizeof(data), "{\"group\":%llu,\"value\":%llu}",
                  static_cast<unsigned long long>(i % 100),
                  static_cast<unsigned long long>((i * 2654435761u) % 100000));
    Check(db->Put(wo, spirapi::Component::kSequence, "r" + std::to_string(i), data), "put");
  }
  Check(db->Flush(), "flush");
  const std::string query =
      R"({"value":{"$gte":500},"$group":{"by":"group","n":{"$count":true},"avg":{"$avg":"value"}},"$sort":{"n":"desc"},"$limit":10})";
  auto run_query = [&](double ttl) {
    spirapi::QueryOptions qo;
    qo.cache_ttl_seconds = ttl;
    uint64_t rows = 0;
    Check(spirapi::RunQuery(db.get(), spirapi::QuerySource(), query, qo,
                            [&](std::string_view) {
                              ++rows;
                              return true;
                            }),
          "query");
    if (rows != 10) Fatal("query: unexpected row count");
  };
  const double query_plain = Time(runs, [&] { run_query(0); });
  run_query(3600);  // stores the entry
  const double query_cached = Time(runs, [&] { run_query(3600); });

  std::unique_ptr<spirapi::PiStore> store;
  Check(spirapi::PiStore::Open(db.get(), &store), "pi store");
  spirapi::ComputeOptions co;
  co.digits = digits;
  co.id = "pi";
  co.verify = false;
  spirapi::SequenceInfo info;
  Check(store->ComputeSequence(co, &info), "compute");
  spirapi::DigitAnalysisOptions ao;
  ao.max_kgram_length = 5;
  std::string json;
  bool cached = false;
  ao.use_cache = false;
  const double pi_plain = Time(runs, [&] {
    Check(spirapi::AnalyzeSequenceDigits(db.get(), "pi", ao, &json, &cached), "analyze");
  });
  ao.use_cache = true;
  Check(spirapi::AnalyzeSequenceDigits(db.get(), "pi", ao, &json, &cached), "analyze");
  const double pi_cached = Time(runs, [&] {
    Check(spirapi::AnalyzeSequenceDigits(db.get(), "pi", ao, &json, &cached), "analyze");
    if (!cached) Fatal("analyze: not served from the cache");
  });
  spirapi::DbStats stats;
  Check(db->GetStats(&stats), "stats");
  db.reset();
  spirapi_bench::RemoveBenchDir(dir);

  std::printf("| workload | uncached | cached (hit) | speed-up |\n|---|---|---|---|\n");
  const std::string q =
      "query: filter + $group + $sort over " + std::to_string(records) + " records";
  Row(q.c_str(), query_plain, query_cached);
  const std::string p = "π analysis (k-grams to 5) of " + std::to_string(digits) + " digits";
  Row(p.c_str(), pi_plain, pi_cached);
  std::printf("\nmedian of %d runs; result cache: %s\n", runs, stats.result_cache.ToJson().c_str());
  return 0;
}
