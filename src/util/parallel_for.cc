// ParallelFor: a shared counter hands out the indexes; no thread outlives the call.

#include "util/parallel_for.h"

#include <algorithm>
#include <atomic>
#include <system_error>
#include <thread>
#include <vector>

namespace spirapi {

int BackgroundThreads(int option) {
  if (option > 0) return option;
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

void ParallelFor(size_t n, int threads, const std::function<bool(size_t)>& task) {
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  auto run = [&] {
    while (!stop.load(std::memory_order_acquire)) {
      size_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= n) return;
      if (!task(i)) stop.store(true, std::memory_order_release);
    }
  };
  size_t extra = std::min(n, static_cast<size_t>(std::max(threads, 1))) - (n > 0 ? 1 : 0);
  std::vector<std::thread> workers;
  workers.reserve(extra);
  for (size_t t = 0; t < extra; ++t) {
    try {
      workers.emplace_back(run);
    } catch (const std::system_error&) {
      break;  // out of threads: fewer do the work
    }
  }
  run();
  for (std::thread& w : workers) w.join();
}

}  // namespace spirapi
