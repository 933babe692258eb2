// parallel_work_bench: DB::Verify and DB::Compact with Options::background_threads
// 1 against more, on the same database.
//
//   parallel_work_bench [--quick] [--records N] [--threads 1,2] [--dir PATH]
//
// The database: N records of about 300 bytes (default 100000; --quick:
// 20000), zstd, written in ten flushes, a third of the ids overwritten once,
// in two layouts: spread evenly over four components, and all in one
// (compaction then has one component to work on). Each round copies the
// database and, per thread count, opens the copy, times Verify, then
// Compact. Three alternating rounds, median seconds. The page cache is warm
// (the copy was just written).

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.h"
#include "spirapi/db.h"

using namespace spirapi;
using namespace spirapi_bench;

namespace {

void Check(const Status& s, const char* what) { CheckOk(s, "parallel_work_bench", what); }

Options BenchOptions(int threads) {
  Options o;
  o.background_work = false;  // only the work being timed
  o.background_threads = threads;
  o.metrics_interval_seconds = 0;
  o.warm_cache_on_open = false;
  return o;
}

void Build(const std::string& path, uint64_t count, int components) {
  std::unique_ptr<DB> db;
  Check(DB::Open(BenchOptions(1), path, &db), "open");
  WriteOptions wo;
  wo.sync = false;
  Rng rng(7);
  const uint64_t writes = count + count / 3;
  const uint64_t per_flush = writes / 10 + 1;
  for (uint64_t w = 0; w < writes; ++w) {
    // The last third overwrites ids written before.
    const uint64_t i = w < count ? w : rng.Uniform(count);
    const Component c = kAllComponents[i % static_cast<uint64_t>(components)];
    char data[512];
    std::snprintf(data, sizeof(data),
                  R"({"n":%llu,"w":%llu,"text":"%016llx%016llx%016llx %s"})",
                  static_cast<unsigned long long>(i), static_cast<unsigned long long>(w),
                  static_cast<unsigned long long>(rng.Next()),
                  static_cast<unsigned long long>(rng.Next()),
                  static_cast<unsigned long long>(rng.Next()),
                  "lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod "
                  "tempor incididunt ut labore et dolore magna aliqua ut enim ad minim veniam "
                  "quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo");
    Check(db->Put(wo, c, "id" + std::to_string(i), data), "put");
    if ((w + 1) % per_flush == 0) Check(db->Flush(), "flush");
  }
  Check(db->Flush(), "flush");
}

struct Times {
  double verify = 0;
  double compact = 0;
};

Times Run(const std::string& pristine, const std::string& path, int threads) {
  std::filesystem::copy(pristine, path, std::filesystem::copy_options::recursive);
  Times t;
  {
    std::unique_ptr<DB> db;
    Check(DB::Open(BenchOptions(threads), path, &db), "open copy");
    VerifyReport report;
    Stopwatch sw;
    Check(db->Verify(&report), "verify");
    t.verify = sw.Seconds();
    if (!report.clean()) Fatal("verify found damage in " + path);
    sw = Stopwatch();
    Check(db->Compact(), "compact");
    t.compact = sw.Seconds();
  }
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t count = 100000;
  std::vector<int> threads = {1, 2};
  std::string dir;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick")) {
      count = 20000;
    } else if (!std::strcmp(argv[i], "--records") && i + 1 < argc) {
      count = std::strtoull(argv[++i], nullptr, 10);
    } else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) {
      threads.clear();
      for (const std::string& t : SplitList(argv[++i])) threads.push_back(std::stoi(t));
    } else if (!std::strcmp(argv[i], "--dir") && i + 1 < argc) {
      dir = argv[++i];
    } else {
      std::fprintf(stderr,
                   "usage: parallel_work_bench [--quick] [--records N] [--threads 1,2] "
                   "[--dir PATH]\n");
      return 2;
    }
  }
  if (count < 100 || threads.empty()) {
    std::fprintf(stderr, "parallel_work_bench: needs --records of 100 or more and a thread count\n");
    return 2;
  }
  for (int t : threads) {
    if (t < 1) {
      std::fprintf(stderr, "parallel_work_bench: thread counts must be 1 or more\n");
      return 2;
    }
  }
  if (dir.empty()) dir = NewTempDir("parallel_work_bench");
  std::printf("parallel_work_bench: %s, %s, %u hardware threads, %s, %llu records, median of "
              "3\n\n",
              UtcDateTime().c_str(), CpuModel().c_str(), std::thread::hardware_concurrency(),
              FileSystemType(dir).c_str(), static_cast<unsigned long long>(count));
  std::printf("| layout | background_threads | Verify s | Compact s |\n|---|---:|---:|---:|\n");
  for (int components : {4, 1}) {
    const std::string pristine = dir + "/pristine" + std::to_string(components);
    Log("building %llu records in %d component(s)", static_cast<unsigned long long>(count),
        components);
    Build(pristine, count, components);
    std::vector<std::vector<double>> verify(threads.size()), compact(threads.size());
    for (int round = 0; round < 3; ++round) {
      for (size_t k = 0; k < threads.size(); ++k) {
        Times t = Run(pristine, dir + "/copy", threads[k]);
        verify[k].push_back(t.verify);
        compact[k].push_back(t.compact);
      }
    }
    for (size_t k = 0; k < threads.size(); ++k) {
      std::printf("| %d component%s | %d | %.3f | %.3f |\n", components,
                  components == 1 ? "" : "s", threads[k], Median(verify[k]), Median(compact[k]));
    }
    std::error_code ec;
    std::filesystem::remove_all(pristine, ec);
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}
