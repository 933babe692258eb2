// Shared plumbing for the π computations: progress reporting with
// cancellation, an owning mpz wrapper, and running two pieces of work on two
// threads without letting a thread-creation failure escape as an exception.

#ifndef SPIRAPI_PI_PROGRESS_H_
#define SPIRAPI_PI_PROGRESS_H_

#include <gmp.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>

namespace spirapi::pi {

// Owns one mpz_t. Moves swap the limbs, never copy them.
class Mpz {
 public:
  Mpz() { mpz_init(v_); }
  ~Mpz() { mpz_clear(v_); }
  Mpz(Mpz&& other) noexcept {
    mpz_init(v_);
    mpz_swap(v_, other.v_);
  }
  Mpz& operator=(Mpz&& other) noexcept {
    mpz_swap(v_, other.v_);
    return *this;
  }
  Mpz(const Mpz&) = delete;
  Mpz& operator=(const Mpz&) = delete;

  mpz_ptr get() { return v_; }
  mpz_srcptr get() const { return v_; }
  // Frees the limbs now rather than at destruction (peak memory matters).
  void Release() {
    mpz_clear(v_);
    mpz_init(v_);
  }

 private:
  mpz_t v_;
};

// Turns units of work done into calls of the caller's callback. Work is
// reported per stage: a stage covers [begin, end) of the overall fraction
// and has a known number of units. Thread-safe; the callback is never called
// by two threads at once and at most about once per 1/500 of the work.
class Progress {
 public:
  explicit Progress(const std::function<bool(double)>& callback) : callback_(callback) {}
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void BeginStage(double begin, double end, uint64_t units) {
    std::lock_guard<std::mutex> l(mu_);
    begin_ = begin;
    end_ = end;
    units_ = units == 0 ? 1 : units;
    done_.store(0, std::memory_order_relaxed);
    CallLocked(begin);
  }

  void Add(uint64_t units) {
    if (!callback_) return;
    uint64_t done = done_.fetch_add(units, std::memory_order_relaxed) + units;
    double f = begin_ + (end_ - begin_) * (static_cast<double>(done) / static_cast<double>(units_));
    if (f > end_) f = end_;
    if (f - last_.load(std::memory_order_relaxed) < 0.002) return;
    std::lock_guard<std::mutex> l(mu_);
    CallLocked(f);
  }

  // Reports an exact fraction, e.g. 1.0 at the end.
  void Set(double f) {
    std::lock_guard<std::mutex> l(mu_);
    CallLocked(f);
  }

  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }

 private:
  void CallLocked(double f) {
    if (!callback_ || cancelled()) return;
    if (f < last_.load(std::memory_order_relaxed)) return;  // reports never go backwards
    last_.store(f, std::memory_order_relaxed);
    if (!callback_(f)) cancelled_.store(true, std::memory_order_relaxed);
  }

  const std::function<bool(double)>& callback_;
  std::mutex mu_;
  double begin_ = 0, end_ = 1;
  uint64_t units_ = 1;
  std::atomic<uint64_t> done_{0};
  std::atomic<double> last_{-1.0};
  std::atomic<bool> cancelled_{false};
};

// Runs a() on a new thread and b() on this one when `parallel`, else both
// here. If the thread cannot be started, falls back to running both here.
template <typename A, typename B>
void RunBoth(bool parallel, A&& a, B&& b) {
  if (parallel) {
    std::thread t;
    try {
      t = std::thread([&a] { a(); });  // by reference: `a` stays usable below
    } catch (const std::system_error&) {
      parallel = false;
    }
    if (parallel) {
      b();
      t.join();
      return;
    }
  }
  a();
  b();
}

// out = a·b, as two half products on two threads when `parallel` and the
// operands are large (GMP multiplies on one thread). out must not alias a
// or b.
inline void MulParallel(mpz_ptr out, mpz_srcptr a, mpz_srcptr b, bool parallel) {
  constexpr size_t kMinLimbs = 20000;  // below this a thread costs more than it saves
  if (mpz_size(a) < mpz_size(b)) std::swap(a, b);
  if (!parallel || mpz_size(b) < kMinLimbs) {
    mpz_mul(out, a, b);
    return;
  }
  const mp_bitcnt_t split = 64 * (mpz_size(a) / 2);
  Mpz high, low;
  mpz_tdiv_q_2exp(high.get(), a, split);
  mpz_tdiv_r_2exp(low.get(), a, split);
  RunBoth(
      true, [&] { mpz_mul(high.get(), high.get(), b); }, [&] { mpz_mul(out, low.get(), b); });
  mpz_mul_2exp(high.get(), high.get(), split);
  mpz_add(out, out, high.get());
}

}  // namespace spirapi::pi

#endif  // SPIRAPI_PI_PROGRESS_H_
