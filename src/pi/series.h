// Binary splitting of the Chudnovsky series
//
//   1/π = 12 Σ (-1)^k (6k)! (A + Bk) / ((3k)! (k!)^3 C^(3k+3/2)),
//
// whose term k over term k-1 is -p(k)/q(k) with p(k) = (6k-5)(2k-1)(6k-1)
// and q(k) = k^3·C^3/24. Over terms [a, b) it computes integers P = Π p(k),
// Q = Π q(k) and T with T/Q = Σ of the terms relative to term a-1; then
// π = 426880·sqrt(10005)·Q(0,n)/T(0,n).
//
// Merging [a,m) and [m,b) needs only the ratios P/Q and T/Q of each side, so
// a factor g common to Pl and Qr can be divided out of both first. Large
// nodes keep the factorizations of P and Q (primes from a sieve) to find g
// without a gcd; this makes the top of the tree about 40% smaller.

#ifndef SPIRAPI_PI_SERIES_H_
#define SPIRAPI_PI_SERIES_H_

#include <cstdint>
#include <vector>

#include "pi/progress.h"

namespace spirapi::pi {

struct Pqt {
  Mpz p, q, t;
};

class ChudnovskySeries {
 public:
  // For terms in [0, terms). Builds a sieve of 4·terms bytes.
  ChudnovskySeries(uint64_t terms, Progress* progress);
  ChudnovskySeries(const ChudnovskySeries&) = delete;
  ChudnovskySeries& operator=(const ChudnovskySeries&) = delete;

  // P, Q, T over [a, b) into *out, on up to 2^depth threads. P is left
  // unspecified when !need_p (the right edge of the tree never needs it).
  // Adds one progress unit per term per tree level; returns early, with
  // *out unspecified, once progress reports cancellation.
  void Split(uint64_t a, uint64_t b, bool need_p, int depth, Pqt* out);

  // log2 of the work units Split(0, terms) reports, rounded up, per term.
  static uint64_t Levels(uint64_t terms);

 private:
  // Primes other than 2 and 3 with exponents, sorted by prime.
  struct Factor {
    uint32_t prime;
    uint32_t exp;
  };
  using Factors = std::vector<Factor>;

  // Split that also returns the factorizations of P (primes that can divide
  // some Q: at most terms_) and Q; *fp only when need_p.
  void SplitFactored(uint64_t a, uint64_t b, bool need_p, int depth, Pqt* out, Factors* fp,
                     Factors* fq);
  void SplitPlain(uint64_t a, uint64_t b, bool need_p, Pqt* out);
  void Merge(uint64_t a, uint64_t b, bool need_p, int depth, Pqt* left, Pqt* right);
  void FactorRange(uint64_t a, uint64_t b, bool need_p, Factors* fp, Factors* fq) const;
  void AddFactorsOf(uint64_t x, uint32_t times, Factors* out) const;

  const uint64_t terms_;
  Progress* const progress_;
  // Smallest prime factor of x, for x coprime to 6 and below 6·terms_, at
  // index x/3; 0 if x is prime. Factors up to 2^16 suffice for x < 2^32.
  std::vector<uint16_t> sieve_;
};

}  // namespace spirapi::pi

#endif  // SPIRAPI_PI_SERIES_H_
