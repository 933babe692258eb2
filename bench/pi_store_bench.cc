// pi_store_bench: the π store through the public API (include/spirapi/pi.h):
// storing a computed sequence, its size on disk in bits per digit, random
// digit-range reads, and π identifiers per second from one and two threads.
//
//   pi_store_bench [--digits N] [--dir PATH] [--quick]
//
// Prints a Markdown table. --quick (10^6 digits, fewer ids) keeps CI fast.

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.h"
#include "spirapi/db.h"
#include "spirapi/pi.h"

using namespace spirapi;
using namespace spirapi_bench;

namespace {

void Check(const Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "pi_store_bench: %s: %s\n", what, s.ToString().c_str());
    std::exit(1);
  }
}

void Row(const std::string& what, const std::string& value) {
  std::printf("| %s | %s |\n", what.c_str(), value.c_str());
}

// ids/s with `threads` threads each calling NewIds(batch) until `total` ids.
double IdsPerSecond(PiStore* store, int threads, uint64_t batch, uint64_t total) {
  Stopwatch sw;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      std::vector<std::string> ids;
      for (uint64_t made = 0; made < total / threads; made += batch) {
        ids.clear();
        Check(store->NewIds(batch, 12, &ids), "NewIds");
      }
    });
  }
  for (auto& w : workers) w.join();
  return static_cast<double>(total) / sw.Seconds();
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t digits = 10'000'000;
  std::string dir;
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--digits") && i + 1 < argc) {
      digits = std::strtoull(argv[++i], nullptr, 10);
    } else if (!std::strcmp(argv[i], "--dir") && i + 1 < argc) {
      dir = argv[++i];
    } else if (!std::strcmp(argv[i], "--quick")) {
      quick = true;
      digits = 1'000'000;
    } else {
      std::fprintf(stderr, "usage: pi_store_bench [--digits N] [--dir PATH] [--quick]\n");
      return 2;
    }
  }
  if (dir.empty()) {
    char pattern[] = "/tmp/pi_store_bench-XXXXXX";
    dir = ::mkdtemp(pattern);
  }
  Options options;
  std::unique_ptr<DB> db;
  Check(DB::Open(options, dir + "/db", &db), "open");
  std::unique_ptr<PiStore> store;
  Check(PiStore::Open(db.get(), &store), "PiStore::Open");

  std::printf("pi_store_bench: %s, %s, %s, %llu digits\n\n", UtcDateTime().c_str(),
              CpuModel().c_str(), FileSystemType(dir).c_str(),
              static_cast<unsigned long long>(digits));
  std::printf("| measure | value |\n|---|---:|\n");

  ComputeOptions compute;
  compute.digits = digits;
  compute.id = "pi";
  SequenceInfo info;
  Stopwatch total;
  Check(store->ComputeSequence(compute, &info), "ComputeSequence");
  const double all_seconds = total.Seconds();
  Row("compute (Chudnovsky + BBP check)", FormatFixed(info.computation_time, 3) + " s");
  Row("analyse + pack + commit (durable)", FormatFixed(all_seconds - info.computation_time, 3) +
                                               " s");
  Stopwatch compact;
  Check(db->Compact(), "Compact");
  Row("compact", FormatFixed(compact.Seconds(), 3) + " s");
  DbStats stats;
  Check(db->GetStats(&stats), "GetStats");
  const double bits =
      8.0 * static_cast<double>(stats.components[0].segment_bytes) / static_cast<double>(digits);
  Row("SEQUENCE component on disk", FormatBytes(static_cast<double>(
                                        stats.components[0].segment_bytes)) +
                                        " = " + FormatFixed(bits, 3) + " bits/digit");

  // Random reads of 100 digits, after a first pass has warmed the cache.
  Rng rng(1);
  std::vector<uint64_t> samples;
  std::string out;
  for (int pass = 0; pass < 2; ++pass) {
    samples.clear();
    for (int i = 0; i < 20000; ++i) {
      const uint64_t first = 1 + rng.Uniform(digits - 100);
      const uint64_t t0 = NowNanos();
      Check(store->ReadDigits("pi", first, 100, &out), "ReadDigits");
      samples.push_back(NowNanos() - t0);
    }
  }
  Row("ReadDigits, 100 digits at random, median / p99",
      FormatLatency(Percentile(&samples, 0.5)) + " / " + FormatLatency(Percentile(&samples, 0.99)));

  // Pattern search through the store: build and store the index, then load
  // it as a new process would (a fresh PiStore), then query.
  Stopwatch build;
  Check(store->BuildPatternIndex("pi"), "BuildPatternIndex");
  Row("BuildPatternIndex (build + store, durable)", FormatFixed(build.Seconds(), 3) + " s");
  Check(db->Flush(), "Flush");
  Check(db->GetStats(&stats), "GetStats");
  const uint64_t index_bytes = stats.components[static_cast<int>(Component::kIndex)].segment_bytes;
  Row("INDEX component on disk", FormatBytes(static_cast<double>(index_bytes)) + " = " +
                                     FormatFixed(static_cast<double>(index_bytes) / digits, 3) +
                                     " bytes/digit");
  Check(PiStore::Open(db.get(), &store), "PiStore::Open");
  PatternResult found;
  Stopwatch load;
  Check(store->FindPattern("pi", "999999", PatternQuery(), &found), "FindPattern");
  Row("first FindPattern of a fresh PiStore (loads digits + index)",
      FormatFixed(load.Seconds(), 3) + " s");
  samples.clear();
  for (int i = 0; i < 20000; ++i) {
    const std::string pattern = std::to_string(rng.Uniform(1'000'000'000));
    const uint64_t t0 = NowNanos();
    Check(store->FindPattern("pi", pattern, PatternQuery(), &found), "FindPattern");
    samples.push_back(NowNanos() - t0);
  }
  Row("FindPattern, exact, up to 9 digits, median / p99",
      FormatLatency(Percentile(&samples, 0.5)) + " / " + FormatLatency(Percentile(&samples, 0.99)));

  // Identifiers. From scratch the source digits (the sequence pi-ids) grow
  // on demand, and computing them is most of the cost; then with the source
  // computed ahead (`pi compute --id pi-ids`), the rate of the calls alone.
  const uint64_t n = quick ? 200'000 : 4'000'000;
  Stopwatch scratch;
  std::vector<std::string> ids;
  for (uint64_t made = 0; made < n; made += 10000) {
    ids.clear();
    Check(store->NewIds(10000, 12, &ids), "NewIds");
  }
  Row("NewIds from scratch, " + FormatCount(static_cast<double>(n)) +
          " ids, source computed on demand",
      FormatCount(static_cast<double>(n) / scratch.Seconds()) + " ids/s");
  const uint64_t runs_positions = 2 * (n / 4 + n + n) + n;
  ComputeOptions source;
  source.id = "pi-ids";
  source.digits = 2 * (n + runs_positions) + 100;
  Check(store->ComputeSequence(source, &info), "ComputeSequence pi-ids");
  for (uint64_t batch : {uint64_t{1}, uint64_t{100}, uint64_t{10000}}) {
    for (int threads : {1, 2}) {
      const double rate = IdsPerSecond(store.get(), threads, batch, batch == 1 ? n / 4 : n);
      Row("NewIds, 12 digits, " + std::to_string(batch) + " per call, " +
              std::to_string(threads) + " thread" + (threads > 1 ? "s" : "") +
              ", source computed ahead",
          FormatCount(rate) + " ids/s");
    }
  }
  store.reset();
  db.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}
