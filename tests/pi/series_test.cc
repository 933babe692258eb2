// Tests for pi/series.h: with common factors removed, the ratios P/Q and T/Q
// must equal those of the plain binary splitting, on ranges large enough to
// use the factored path, sequentially and on two threads.

#include "pi/series.h"

#include <gtest/gtest.h>

#include <functional>

namespace spirapi::pi {
namespace {

// The textbook recursion, no factor removal.
void Plain(uint64_t a, uint64_t b, Pqt* out) {
  if (b - a == 1) {
    const uint64_t k = a;
    if (k == 0) {
      mpz_set_ui(out->p.get(), 1);
      mpz_set_ui(out->q.get(), 1);
    } else {
      mpz_set_ui(out->p.get(), (6 * k - 5) * (2 * k - 1) * (6 * k - 1));
      mpz_set_ui(out->q.get(), k * k * k);
      mpz_mul_ui(out->q.get(), out->q.get(), 10939058860032000ull);
    }
    mpz_mul_ui(out->t.get(), out->p.get(), 13591409 + 545140134 * k);
    if (k & 1) mpz_neg(out->t.get(), out->t.get());
    return;
  }
  const uint64_t m = a + (b - a) / 2;
  Pqt r;
  Plain(a, m, out);
  Plain(m, b, &r);
  mpz_mul(r.t.get(), r.t.get(), out->p.get());
  mpz_mul(out->t.get(), out->t.get(), r.q.get());
  mpz_add(out->t.get(), out->t.get(), r.t.get());
  mpz_mul(out->p.get(), out->p.get(), r.p.get());
  mpz_mul(out->q.get(), out->q.get(), r.q.get());
}

// x1/y1 == x2/y2
bool SameRatio(const Mpz& x1, const Mpz& y1, const Mpz& x2, const Mpz& y2) {
  Mpz l, r;
  mpz_mul(l.get(), x1.get(), y2.get());
  mpz_mul(r.get(), x2.get(), y1.get());
  return mpz_cmp(l.get(), r.get()) == 0;
}

TEST(SeriesTest, FactorRemovalKeepsTheRatios) {
  std::function<bool(double)> none;
  Progress progress(none);
  ChudnovskySeries series(20000, &progress);
  for (auto [a, b] : {std::pair<uint64_t, uint64_t>{0, 5000}, {1234, 9000}, {0, 20000}}) {
    for (int depth : {0, 1}) {
      Pqt got, want;
      series.Split(a, b, true, depth, &got);
      Plain(a, b, &want);
      EXPECT_TRUE(SameRatio(got.p, got.q, want.p, want.q)) << a << ".." << b;
      EXPECT_TRUE(SameRatio(got.t, got.q, want.t, want.q)) << a << ".." << b;
      // The point of it: the factored numbers are much smaller.
      EXPECT_LT(mpz_sizeinbase(got.q.get(), 2), mpz_sizeinbase(want.q.get(), 2) * 9 / 10);
    }
  }
  // Without P (the right edge of the tree), Q and T are the same.
  Pqt got, want;
  series.Split(3000, 20000, false, 1, &got);
  Plain(3000, 20000, &want);
  EXPECT_TRUE(SameRatio(got.t, got.q, want.t, want.q));
}

}  // namespace
}  // namespace spirapi::pi
