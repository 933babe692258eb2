// Tests for pi/radix.h: the divide-and-conquer conversion against GMP's own
// integer conversion on random and extreme fractions.

#include "pi/radix.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>

namespace spirapi::pi {
namespace {

// floor(f·10^n/2^p) as n digits, the slow exact way.
std::string Exact(mpz_srcptr f, uint64_t p, uint64_t n) {
  Mpz v;
  mpz_ui_pow_ui(v.get(), 10, n);
  mpz_mul(v.get(), v.get(), f);
  mpz_tdiv_q_2exp(v.get(), v.get(), p);
  std::unique_ptr<char[]> buf(new char[n + 2]);
  mpz_get_str(buf.get(), 10, v.get());
  std::string s(buf.get());
  return std::string(n - s.size(), '0') + s;
}

std::string Convert(mpz_srcptr f, uint64_t p, uint64_t n, int threads) {
  DecimalConverter converter(n);
  std::function<bool(double)> none;
  Progress progress(none);
  std::string out(n, '?');
  EXPECT_TRUE(converter.Convert(f, p, threads, &progress, out.data()));
  return out;
}

TEST(RadixTest, RandomFractionsMatchGmp) {
  gmp_randstate_t state;
  gmp_randinit_mt(state);
  gmp_randseed_ui(state, 7);
  std::mt19937_64 rng(7);
  for (uint64_t n : {1, 2, 17, 1500, 1501, 3001, 4567, 20000, 65537}) {
    const uint64_t p = DecimalConverter::BitsNeeded(n) + rng() % 100;
    Mpz f;
    mpz_urandomb(f.get(), state, p);
    EXPECT_EQ(Convert(f.get(), p, n, 1 + n % 2), Exact(f.get(), p, n)) << n;
  }
  gmp_randclear(state);
}

TEST(RadixTest, ExtremeFractions) {
  for (uint64_t n : {5, 3000, 10001}) {
    const uint64_t p = DecimalConverter::BitsNeeded(n);
    Mpz f;
    EXPECT_EQ(Convert(f.get(), p, n, 2), std::string(n, '0'));
    mpz_setbit(f.get(), p);
    mpz_sub_ui(f.get(), f.get(), 1);  // 1 - 2^-p
    EXPECT_EQ(Convert(f.get(), p, n, 2), std::string(n, '9'));
    mpz_set_ui(f.get(), 0);
    mpz_setbit(f.get(), p - 1);  // exactly 1/2
    EXPECT_EQ(Convert(f.get(), p, n, 2), "5" + std::string(n - 1, '0'));
    // 1/2 + 2^-p: the digits after the first are zeros, a hard case for the
    // truncated halves; the result may be low only within MaxErrorUnits.
    mpz_add_ui(f.get(), f.get(), 1);
    const std::string got = Convert(f.get(), p, n, 2);
    const std::string exact = Exact(f.get(), p, n);
    EXPECT_EQ(got.substr(0, n - 3), exact.substr(0, n - 3)) << n;
  }
}

TEST(RadixTest, MulParallelMatchesMpzMul) {
  gmp_randstate_t state;
  gmp_randinit_mt(state);
  gmp_randseed_ui(state, 9);
  for (auto [abits, bbits] : {std::pair<int, int>{64 * 45000, 64 * 21000}, {64 * 21000, 64 * 45001},
                              {5000, 7000}}) {
    Mpz a, b, want, got;
    mpz_urandomb(a.get(), state, abits);
    mpz_urandomb(b.get(), state, bbits);
    mpz_neg(a.get(), a.get());  // the series multiplies negative T values too
    mpz_mul(want.get(), a.get(), b.get());
    MulParallel(got.get(), a.get(), b.get(), true);
    EXPECT_EQ(mpz_cmp(got.get(), want.get()), 0) << abits << " x " << bbits;
  }
  gmp_randclear(state);
}

}  // namespace
}  // namespace spirapi::pi
