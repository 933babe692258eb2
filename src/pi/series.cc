#include "pi/series.h"

#include <algorithm>

namespace spirapi::pi {

namespace {

constexpr uint64_t kA = 13591409;
constexpr uint64_t kB = 545140134;
// C^3/24 = 2^15 · 3^2 · 5^3 · 23^3 · 29^3 with C = 640320.
constexpr uint64_t kC3Over24 = 10939058860032000;

// Nodes with at least this many terms remove common factors. Below it the
// numbers are small and the gcd would not pay; the top levels, where the
// multiplications are large, gain almost all there is to gain.
constexpr uint64_t kFactorMinTerms = 1024;

}  // namespace

ChudnovskySeries::ChudnovskySeries(uint64_t terms, Progress* progress)
    : terms_(terms), progress_(progress) {
  // Sieve of Eratosthenes over numbers coprime to 6 (index x/3), up to the
  // largest factor 6k-1 of any p(k).
  const uint64_t limit = 6 * terms + 6;
  sieve_.assign(limit / 3 + 2, 0);
  for (uint64_t p = 5, step = 2; p * p <= limit; p += step, step = 6 - step) {
    if (sieve_[p / 3] != 0) continue;
    // Multiples p·j with j >= p coprime to 6; j steps alternate 2 and 4.
    for (uint64_t j = p, s = (p % 6 == 5) ? 2 : 4; p * j <= limit; j += s, s = 6 - s) {
      uint16_t& e = sieve_[p * j / 3];
      if (e == 0) e = static_cast<uint16_t>(p);
    }
  }
}

uint64_t ChudnovskySeries::Levels(uint64_t terms) {
  uint64_t levels = 1;
  while ((uint64_t{1} << levels) < terms) ++levels;
  return levels;
}

// Appends the prime factorization of x, without 2, 3 and primes above
// terms_ (which divide no q(k)), each exponent multiplied by `times`.
void ChudnovskySeries::AddFactorsOf(uint64_t x, uint32_t times, Factors* out) const {
  while (x % 2 == 0) x /= 2;
  while (x % 3 == 0) x /= 3;
  const uint64_t bound = std::max<uint64_t>(terms_, 29);
  while (x > 1) {
    uint64_t p = sieve_[x / 3];
    if (p == 0) p = x;
    uint32_t e = 0;
    do {
      x /= p;
      ++e;
    } while (x % p == 0);
    if (p <= bound) out->push_back({static_cast<uint32_t>(p), e * times});
  }
}

namespace {

template <typename F>
void SortAndCombine(std::vector<F>* f) {
  std::sort(f->begin(), f->end(), [](const F& x, const F& y) { return x.prime < y.prime; });
  size_t out = 0;
  for (size_t i = 0; i < f->size(); ++i) {
    if (out > 0 && (*f)[out - 1].prime == (*f)[i].prime) {
      (*f)[out - 1].exp += (*f)[i].exp;
    } else {
      (*f)[out++] = (*f)[i];
    }
  }
  f->resize(out);
}

// x + y, as factorizations of a product.
template <typename F>
std::vector<F> Union(const std::vector<F>& x, const std::vector<F>& y) {
  std::vector<F> out;
  out.reserve(x.size() + y.size());
  size_t i = 0, j = 0;
  while (i < x.size() && j < y.size()) {
    if (x[i].prime < y[j].prime) {
      out.push_back(x[i++]);
    } else if (y[j].prime < x[i].prime) {
      out.push_back(y[j++]);
    } else {
      out.push_back({x[i].prime, x[i].exp + y[j].exp});
      ++i, ++j;
    }
  }
  out.insert(out.end(), x.begin() + i, x.end());
  out.insert(out.end(), y.begin() + j, y.end());
  return out;
}

// The factorization of gcd(x, y).
template <typename F>
std::vector<F> Common(const std::vector<F>& x, const std::vector<F>& y) {
  std::vector<F> out;
  size_t i = 0, j = 0;
  while (i < x.size() && j < y.size()) {
    if (x[i].prime < y[j].prime) {
      ++i;
    } else if (y[j].prime < x[i].prime) {
      ++j;
    } else {
      out.push_back({x[i].prime, std::min(x[i].exp, y[j].exp)});
      ++i, ++j;
    }
  }
  return out;
}

// x / g, where g divides x.
template <typename F>
void Remove(const std::vector<F>& g, std::vector<F>* x) {
  size_t out = 0, j = 0;
  for (size_t i = 0; i < x->size(); ++i) {
    F f = (*x)[i];
    if (j < g.size() && g[j].prime == f.prime) f.exp -= g[j++].exp;
    if (f.exp != 0) (*x)[out++] = f;
  }
  x->resize(out);
}

// The integer with factorization f[lo, hi), by a product tree.
template <typename F>
void Product(const std::vector<F>& f, size_t lo, size_t hi, mpz_ptr out) {
  if (hi - lo <= 16) {
    mpz_set_ui(out, 1);
    Mpz power;
    for (size_t i = lo; i < hi; ++i) {
      if (f[i].exp == 1) {
        mpz_mul_ui(out, out, f[i].prime);
      } else {
        mpz_ui_pow_ui(power.get(), f[i].prime, f[i].exp);
        mpz_mul(out, out, power.get());
      }
    }
    return;
  }
  const size_t mid = lo + (hi - lo) / 2;
  Mpz right;
  Product(f, lo, mid, out);
  Product(f, mid, hi, right.get());
  mpz_mul(out, out, right.get());
}

}  // namespace

void ChudnovskySeries::FactorRange(uint64_t a, uint64_t b, bool need_p, Factors* fp,
                                   Factors* fq) const {
  fp->clear();
  fq->clear();
  const uint64_t first = std::max<uint64_t>(a, 1);  // p(0) = q(0) = 1
  if (first >= b) return;
  for (uint64_t k = first; k < b; ++k) {
    if (need_p) {
      AddFactorsOf(6 * k - 5, 1, fp);
      AddFactorsOf(2 * k - 1, 1, fp);
      AddFactorsOf(6 * k - 1, 1, fp);
    }
    AddFactorsOf(k, 3, fq);
  }
  const auto c_exp = static_cast<uint32_t>(3 * (b - first));
  for (uint32_t p : {5u, 23u, 29u}) fq->push_back({p, c_exp});
  SortAndCombine(fp);
  SortAndCombine(fq);
}

void ChudnovskySeries::Split(uint64_t a, uint64_t b, bool need_p, int depth, Pqt* out) {
  if (b - a >= kFactorMinTerms) {
    Factors fp, fq;
    SplitFactored(a, b, need_p, depth, out, &fp, &fq);
  } else {
    SplitPlain(a, b, need_p, out);
  }
}

void ChudnovskySeries::SplitFactored(uint64_t a, uint64_t b, bool need_p, int depth, Pqt* out,
                                     Factors* fp, Factors* fq) {
  if (progress_->cancelled()) return;
  const uint64_t m = a + (b - a) / 2;
  Pqt r;
  Factors lp, lq, rp, rq;
  auto side = [&](uint64_t lo, uint64_t hi, bool p, Pqt* node, Factors* np, Factors* nq) {
    if (hi - lo >= kFactorMinTerms) {
      SplitFactored(lo, hi, p, depth - 1, node, np, nq);
    } else {
      SplitPlain(lo, hi, p, node);
      FactorRange(lo, hi, p, np, nq);
    }
  };
  RunBoth(
      depth > 0, [&] { side(a, m, true, out, &lp, &lq); },
      [&] { side(m, b, need_p, &r, &rp, &rq); });
  if (progress_->cancelled()) return;

  const Factors g = Common(lp, rq);
  if (!g.empty()) {
    Mpz common;
    Product(g, 0, g.size(), common.get());
    RunBoth(
        depth > 0, [&] { mpz_divexact(out->p.get(), out->p.get(), common.get()); },
        [&] { mpz_divexact(r.q.get(), r.q.get(), common.get()); });
    Remove(g, &lp);
    Remove(g, &rq);
  }
  Merge(a, b, need_p, depth, out, &r);
  if (need_p) *fp = Union(lp, rp);
  *fq = Union(lq, rq);
}

void ChudnovskySeries::SplitPlain(uint64_t a, uint64_t b, bool need_p, Pqt* out) {
  if (b - a == 1) {
    const uint64_t k = a;
    if (k == 0) {
      mpz_set_ui(out->p.get(), 1);
      mpz_set_ui(out->q.get(), 1);
      mpz_set_ui(out->t.get(), kA);
    } else {
      mpz_set_ui(out->p.get(), (6 * k - 5) * (2 * k - 1));
      mpz_mul_ui(out->p.get(), out->p.get(), 6 * k - 1);
      mpz_set_ui(out->q.get(), k * k);
      mpz_mul_ui(out->q.get(), out->q.get(), k);
      mpz_mul_ui(out->q.get(), out->q.get(), kC3Over24);
      mpz_mul_ui(out->t.get(), out->p.get(), kA + kB * k);
      if (k & 1) mpz_neg(out->t.get(), out->t.get());
    }
    progress_->Add(1);
    return;
  }
  const uint64_t m = a + (b - a) / 2;
  Pqt r;
  SplitPlain(a, m, true, out);
  SplitPlain(m, b, need_p, &r);
  Merge(a, b, need_p, 0, out, &r);
}

// T = Tl·Qr + Pl·Tr, Q = Ql·Qr, P = Pl·Pr into *left, as two chains of about
// equal work so that a parallel node also combines in parallel. Operands
// are released as soon as they are used: near the top of the tree they are
// tens of megabytes each.
void ChudnovskySeries::Merge(uint64_t a, uint64_t b, bool need_p, int depth, Pqt* left,
                             Pqt* right) {
  Mpz p;
  RunBoth(
      depth > 0,
      [&] {
        mpz_mul(right->t.get(), right->t.get(), left->p.get());
        mpz_mul(left->t.get(), left->t.get(), right->q.get());
      },
      [&] {
        if (need_p) mpz_mul(p.get(), left->p.get(), right->p.get());
        right->p.Release();
        mpz_mul(left->q.get(), left->q.get(), right->q.get());
      });
  left->p = std::move(p);  // swaps: p now holds the old Pl
  p.Release();
  right->q.Release();
  mpz_add(left->t.get(), left->t.get(), right->t.get());
  right->t.Release();
  progress_->Add(b - a);
}

}  // namespace spirapi::pi
