// Produces the results of a numbered list of jobs in order on a thread of its
// own, a bounded number ahead of the consumer: opening a database reads and
// decodes its files this way while the index is built on the calling thread.
//
// Thread safety: one consumer thread calls Next and Recycle.

#ifndef SPIRAPI_UTIL_PREFETCHER_H_
#define SPIRAPI_UTIL_PREFETCHER_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace spirapi {

template <typename T>
class Prefetcher {
 public:
  // produce(i, out) fills *out for job i, for i = 0 .. count-1 in order; *out
  // is default-constructed or a recycled result. At most `ahead` results wait.
  Prefetcher(size_t count, std::function<void(size_t, T*)> produce, size_t ahead)
      : count_(count), produce_(std::move(produce)), ahead_(ahead < 1 ? 1 : ahead) {
    if (count_ > 0) thread_ = std::thread([this] { Run(); });
  }
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;
  // Stops after the job in progress (skipping the rest) and joins.
  ~Prefetcher() {
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  // The next result in job order, waiting for it; nullptr after the last.
  std::unique_ptr<T> Next() {
    std::unique_lock<std::mutex> l(mu_);
    if (handed_out_ == count_) return nullptr;
    cv_.wait(l, [&] { return !ready_.empty(); });
    std::unique_ptr<T> next = std::move(ready_.front());
    ready_.pop_front();
    ++handed_out_;
    l.unlock();
    cv_.notify_all();
    return next;
  }

  // Gives a used result back so that its buffers are reused.
  void Recycle(std::unique_ptr<T> used) {
    std::lock_guard<std::mutex> l(mu_);
    spare_.push_back(std::move(used));
  }

 private:
  void Run() {
    for (size_t i = 0; i < count_; ++i) {
      std::unique_ptr<T> out;
      {
        std::unique_lock<std::mutex> l(mu_);
        cv_.wait(l, [&] { return stop_ || ready_.size() < ahead_; });
        if (stop_) return;
        if (!spare_.empty()) {
          out = std::move(spare_.back());
          spare_.pop_back();
        }
      }
      if (out == nullptr) out = std::make_unique<T>();
      produce_(i, out.get());
      {
        std::lock_guard<std::mutex> l(mu_);
        ready_.push_back(std::move(out));
      }
      cv_.notify_all();
    }
  }

  const size_t count_;
  const std::function<void(size_t, T*)> produce_;
  const size_t ahead_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<T>> ready_;  // guarded by mu_
  std::vector<std::unique_ptr<T>> spare_;  // guarded by mu_
  size_t handed_out_ = 0;                 // guarded by mu_
  bool stop_ = false;                     // guarded by mu_
  std::thread thread_;
};

}  // namespace spirapi

#endif  // SPIRAPI_UTIL_PREFETCHER_H_
