// Binary fraction to decimal digits, divide and conquer, multiplications only.
//
// GMP's mpz_get_str converts an integer by dividing by powers of ten on one
// thread. A fraction needs no division: for x = f/2^p in [0, 1), the first h
// digits of x are the first h digits of x truncated to about 3.32·h bits, and
// the remaining l digits are the first l digits of frac(x·10^h). Both halves
// are again fractions, converted independently (the top levels on separate
// threads), down to small leaves that mpz_get_str handles.
//
// Truncating the halves loses precision, so a result may be low by a few
// units in its last digit (at most one per level; see radix.cc); digits are
// never inconsistent across a split. Callers convert a few guard digits more
// than they keep.

#ifndef SPIRAPI_PI_RADIX_H_
#define SPIRAPI_PI_RADIX_H_

#include <cstdint>
#include <map>

#include "pi/progress.h"

namespace spirapi::pi {

class DecimalConverter {
 public:
  // Converts fractions to exactly `digits` decimal digits.
  explicit DecimalConverter(uint64_t digits);
  DecimalConverter(const DecimalConverter&) = delete;
  DecimalConverter& operator=(const DecimalConverter&) = delete;

  // Fraction bits an input needs so that truncation error stays below the
  // guard margin (Convert accepts more).
  static uint64_t BitsNeeded(uint64_t digits);

  // Builds the powers of ten the conversion uses (a minor part of its cost).
  // Convert calls it if nobody did; callers with an idle core call it early.
  void PreparePowers();

  // Writes the first digits() decimal digits of f/2^p to out[0..digits()),
  // as '0'..'9'. Requires 0 <= f < 2^p and p >= BitsNeeded(digits()).
  // Returns false only if `progress` reports cancellation.
  bool Convert(mpz_srcptr f, uint64_t p, int threads, Progress* progress, char* out);

  uint64_t digits() const { return digits_; }

  // Worst-case error of Convert, in units of the last digit (always low).
  uint64_t MaxErrorUnits() const;

 private:
  const Mpz& Pow10(uint64_t e);
  void Node(mpz_srcptr f, uint64_t p, uint64_t n, int depth, Progress* progress, char* out);
  void Leaf(mpz_srcptr f, uint64_t p, uint64_t n, char* out);

  const uint64_t digits_;
  bool prepared_ = false;
  std::map<uint64_t, Mpz> pow10_;  // read-only once prepared_
};

}  // namespace spirapi::pi

#endif  // SPIRAPI_PI_RADIX_H_
