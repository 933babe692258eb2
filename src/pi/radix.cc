#include "pi/radix.h"

#include <cmath>
#include <cstring>

namespace spirapi::pi {

namespace {

// Digits below which mpz_get_str (quadratic but tight) beats splitting.
constexpr uint64_t kLeafDigits = 1500;
// Extra bits every node keeps beyond what its digits need. A truncation then
// changes the node's value by less than 2^-kGuardBits of its last digit.
constexpr uint64_t kGuardBits = 64;

}  // namespace

DecimalConverter::DecimalConverter(uint64_t digits) : digits_(digits) {}

uint64_t DecimalConverter::BitsNeeded(uint64_t digits) {
  // +2 covers the rounding of the long double product.
  const long double bits = std::ceil(static_cast<long double>(digits) * 3.321928094887362347870L);
  return static_cast<uint64_t>(bits) + kGuardBits + 2;
}

uint64_t DecimalConverter::MaxErrorUnits() const {
  uint64_t levels = 1;
  for (uint64_t n = digits_; n > kLeafDigits; n -= n / 2) ++levels;
  return levels;
}

const Mpz& DecimalConverter::Pow10(uint64_t e) {
  auto it = pow10_.find(e);
  if (it != pow10_.end()) return it->second;
  Mpz v;
  if (e <= 2 * kLeafDigits) {
    mpz_ui_pow_ui(v.get(), 10, e);
  } else {
    // Halves are the exponents of the next level down, mostly needed anyway.
    const Mpz& lo = Pow10(e / 2);
    const Mpz& hi = Pow10(e - e / 2);
    mpz_mul(v.get(), lo.get(), hi.get());
  }
  return pow10_.emplace(e, std::move(v)).first->second;
}

void DecimalConverter::PreparePowers() {
  if (prepared_) return;
  // Node sizes at each level are floor or ceil of digits_/2^level, so a few
  // dozen powers cover the whole tree.
  std::map<uint64_t, bool> level = {{digits_, true}};
  while (!level.empty()) {
    std::map<uint64_t, bool> next;
    for (const auto& [n, unused] : level) {
      if (n <= kLeafDigits) {
        Pow10(n);
      } else {
        Pow10(n - n / 2);
        next[n - n / 2] = true;
        next[n / 2] = true;
      }
    }
    level.swap(next);
  }
  prepared_ = true;
}

bool DecimalConverter::Convert(mpz_srcptr f, uint64_t p, int threads, Progress* progress,
                               char* out) {
  PreparePowers();
  int depth = 0;
  while ((2 << depth) <= threads) ++depth;
  progress->BeginStage(0, 1, digits_);
  if (digits_ > 0) Node(f, p, digits_, depth, progress, out);
  return !progress->cancelled();
}

// Invariant: 0 <= f < 2^p and p >= BitsNeeded(n). Let v = f·10^n/2^p. The n
// digits written are exactly floor(v) unless frac(v) is within about
// levels·2^-kGuardBits of 0, and even then they are low by at most `levels`.
//
// With y = f·10^h and I = floor(y/2^p), the first h digits must be exactly I
// or the halves would disagree about a carry. The high half gets f cut to ph
// bits, which moves the value the child sees by less than 2^-(kGuardBits+2).
// If frac(y/2^p) >= 1/2 cutting down keeps I. Otherwise the cut value is
// raised by about 2^-10 (still well below 1/2), so I is kept and the child's
// value has a fractional part far from 0, where the child is exact. The low
// half gets frac(y/2^p) cut to pl bits, which can only make it low.
void DecimalConverter::Node(mpz_srcptr f, uint64_t p, uint64_t n, int depth,
                            Progress* progress, char* out) {
  if (progress->cancelled()) return;
  if (n <= kLeafDigits) {
    Leaf(f, p, n, out);
    progress->Add(n);
    return;
  }
  const uint64_t h = n - n / 2, l = n / 2;
  const uint64_t ph = BitsNeeded(h), pl = BitsNeeded(l);
  Mpz hi, lo;
  {
    Mpz y;
    MulParallel(y.get(), f, pow10_.at(h).get(), depth > 0);
    const bool upper_half = mpz_tstbit(y.get(), p - 1);
    mpz_tdiv_q_2exp(hi.get(), f, p - ph);
    if (!upper_half) {
      Mpz lift;  // 2^(kGuardBits-8) units of ph: lifts the value by 2^-12..2^-10
      mpz_setbit(lift.get(), kGuardBits - 8);
      mpz_add(hi.get(), hi.get(), lift.get());
    }
    mpz_tdiv_r_2exp(lo.get(), y.get(), p);
    y.Release();
    mpz_tdiv_q_2exp(lo.get(), lo.get(), p - pl);
  }
  RunBoth(
      depth > 0, [&] { Node(hi.get(), ph, h, depth - 1, progress, out); },
      [&] { Node(lo.get(), pl, l, depth - 1, progress, out + h); });
}

void DecimalConverter::Leaf(mpz_srcptr f, uint64_t p, uint64_t n, char* out) {
  Mpz d;
  mpz_mul(d.get(), f, pow10_.at(n).get());
  mpz_tdiv_q_2exp(d.get(), d.get(), p);
  char buf[kLeafDigits + 2];
  mpz_get_str(buf, 10, d.get());
  const size_t len = std::strlen(buf);
  std::memset(out, '0', n - len);
  std::memcpy(out + (n - len), buf, len);
}

}  // namespace spirapi::pi
