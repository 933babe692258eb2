// metrics_bench: the cost of recording operation metrics
// (Options::record_metrics) on spirapi_bench-like workloads: random reads
// of a warm cache, random overwrites (fillrandom, unsynced) and full scans,
// on 1 and 2 threads. Two databases with the same records are open at once,
// one recording and one not; runs alternate between them (which goes first
// alternates too), and each figure is the median of the runs.
//
// A throughput difference of a few percent is within what a shared machine
// varies between runs, so the cost is also measured directly: the time one
// operation's recording takes (OpTimer + MetricsRecorder::Record, two clock
// reads and the relaxed atomic adds), against each workload's time per
// operation without recording.
//
//   metrics_bench [--quick] [--dir DIR] [--runs N] [--records N]

#include <atomic>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.h"
#include "db/metrics_recorder.h"
#include "spirapi/db.h"

using namespace spirapi_bench;

namespace {

struct Config {
  bool quick = false;
  std::string dir;
  int runs = 7;
  uint64_t records = 200000;
};

std::string IdOf(uint64_t i) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "k%012llu", static_cast<unsigned long long>(i));
  return buf;
}

std::unique_ptr<spirapi::DB> OpenDb(const std::string& path, bool record) {
  spirapi::Options o;
  o.record_metrics = record;
  o.metrics_interval_seconds = 0;  // the recording's cost only
  std::unique_ptr<spirapi::DB> db;
  spirapi::Status s = spirapi::DB::Open(o, path, &db);
  if (!s.ok()) Fatal(s.ToString());
  return db;
}

void Load(spirapi::DB* db, uint64_t n) {
  spirapi::WriteOptions wo;
  wo.sync = false;
  for (uint64_t i = 0; i < n; i += 1000) {
    std::unique_ptr<spirapi::Transaction> txn;
    if (!db->BeginTransaction(wo, &txn).ok()) Fatal("begin");
    for (uint64_t j = i; j < std::min(n, i + 1000); ++j) {
      txn->Put(spirapi::Component::kSequence, IdOf(j),
               "{\"n\":" + std::to_string(j) + ",\"text\":\"" + std::string(60, 'a' + j % 26) +
                   "\"}");
    }
    if (!txn->Commit().ok()) Fatal("commit");
  }
  if (!db->Flush().ok()) Fatal("flush");
}

// Nanoseconds one recorded operation adds: a loop of empty operations timed
// and recorded, less the same loop with recording off; median of 5.
double RecordingNanos() {
  constexpr int kOps = 2000000;
  auto loop = [](spirapi::MetricsRecorder* recorder) {
    Stopwatch watch;
    for (int i = 0; i < kOps; ++i) {
      spirapi::OpTimer timer(recorder, spirapi::MetricOp::kGet);
      timer.Done(spirapi::Status::OK(), 100);
    }
    return watch.Seconds() * 1e9 / kOps;
  };
  std::vector<double> costs;
  for (int r = 0; r < 5; ++r) {
    spirapi::MetricsRecorder on(true), off(false);
    costs.push_back(loop(&on) - loop(&off));
  }
  return Median(costs);
}

enum class Work { kRead, kWrite, kScan };

// Runs `ops` operations per thread on `threads` threads; returns ops/s.
double Run(spirapi::DB* db, Work work, int threads, uint64_t ops, uint64_t records, uint64_t seed) {
  std::vector<std::thread> pool;
  std::atomic<uint64_t> done{0};
  Stopwatch watch;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      Rng rng(seed * 31 + t);
      spirapi::WriteOptions wo;
      wo.sync = false;
      spirapi::StorageRecord r;
      uint64_t n = 0;
      for (uint64_t i = 0; i < ops; ++i) {
        const uint64_t k = rng.Uniform(records);
        if (work == Work::kRead) {
          if (!db->Get(spirapi::ReadOptions(), spirapi::Component::kSequence, IdOf(k), &r).ok()) {
            Fatal("get");
          }
          ++n;
        } else if (work == Work::kWrite) {
          if (!db->Put(wo, spirapi::Component::kSequence, IdOf(k),
                       "{\"n\":" + std::to_string(i) + ",\"text\":\"bench\"}")
                   .ok()) {
            Fatal("put");
          }
          ++n;
        } else {
          db->Scan(spirapi::ReadOptions(), spirapi::Component::kSequence, spirapi::ScanOptions(),
                   [&](const spirapi::StorageRecord&) {
                     ++n;
                     return true;
                   });
        }
      }
      done += n;
    });
  }
  for (auto& th : pool) th.join();
  return static_cast<double>(done.load()) / watch.Seconds();
}

}  // namespace

int main(int argc, char** argv) {
  Config c;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--quick") {
      c.quick = true;
      c.runs = 3;
      c.records = 20000;
    } else if (a == "--dir" && i + 1 < argc) {
      c.dir = argv[++i];
    } else if (a == "--runs" && i + 1 < argc) {
      c.runs = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--records" && i + 1 < argc) {
      c.records = std::max<uint64_t>(1000, std::strtoull(argv[++i], nullptr, 10));
    } else {
      Fatal("usage: metrics_bench [--quick] [--dir DIR] [--runs N] [--records N]");
    }
  }
  if (c.dir.empty()) c.dir = NewTempDir("metrics_bench");
  PrepareBenchDir(c.dir, "metrics_bench");
  auto on = OpenDb(c.dir + "/on", true);
  auto off = OpenDb(c.dir + "/off", false);
  Load(on.get(), c.records);
  Load(off.get(), c.records);
  const uint64_t point_ops = c.quick ? 20000 : 400000;
  const uint64_t scan_ops = c.quick ? 2 : 10;
  // Warm both caches.
  Run(on.get(), Work::kScan, 1, 1, c.records, 1);
  Run(off.get(), Work::kScan, 1, 1, c.records, 1);

  std::printf("# metrics_bench: record_metrics on vs off\n\n");
  std::printf("- machine: %s, %u cores; kernel %s\n- date: %s\n- records: %llu; runs: %d "
              "(interleaved, median)\n\n",
              CpuModel().c_str(), std::thread::hardware_concurrency(), KernelVersion().c_str(),
              UtcDateTime().c_str(), static_cast<unsigned long long>(c.records), c.runs);
  const double recording_ns = RecordingNanos();
  std::printf("- recording one operation: %.1f ns (OpTimer + Record, median of 5 loops of 2M)\n\n",
              recording_ns);
  std::printf("| workload | threads | off (ops/s) | on (ops/s) | on ÷ off | off: ns/op per thread | "
              "recording ÷ op |\n|---|---|---|---|---|---|---|\n");
  struct Case {
    const char* name;
    Work work;
    int threads;
  };
  const Case cases[] = {{"readrandom, warm", Work::kRead, 1}, {"readrandom, warm", Work::kRead, 2},
                        {"fillrandom (overwrite, unsynced)", Work::kWrite, 1},
                        {"fillrandom (overwrite, unsynced)", Work::kWrite, 2},
                        {"scan (records/s)", Work::kScan, 1}, {"scan (records/s)", Work::kScan, 2}};
  for (const Case& k : cases) {
    std::vector<double> on_rates, off_rates;
    const uint64_t ops = k.work == Work::kScan ? scan_ops : point_ops / k.threads;
    for (int r = 0; r < c.runs; ++r) {
      const uint64_t seed = 100 + r;
      if (r % 2 == 0) {
        on_rates.push_back(Run(on.get(), k.work, k.threads, ops, c.records, seed));
        off_rates.push_back(Run(off.get(), k.work, k.threads, ops, c.records, seed));
      } else {
        off_rates.push_back(Run(off.get(), k.work, k.threads, ops, c.records, seed));
        on_rates.push_back(Run(on.get(), k.work, k.threads, ops, c.records, seed));
      }
    }
    const double on_m = Median(on_rates), off_m = Median(off_rates);
    // A scan is one recorded operation over all records.
    const double op_ns = 1e9 * k.threads / off_m * (k.work == Work::kScan ? c.records : 1);
    std::printf("| %s | %d | %s | %s | %.3f | %s | %.2f%% |\n", k.name, k.threads,
                FormatCount(off_m).c_str(), FormatCount(on_m).c_str(), on_m / off_m,
                FormatCount(op_ns).c_str(), 100.0 * recording_ns / op_ns);
    std::fflush(stdout);
  }
  on.reset();
  off.reset();
  RemoveBenchDir(c.dir);
  return 0;
}
