// π to N decimal digits with the Chudnovsky series, evaluated by binary
// splitting on GMP integers, then converted to decimal by a divide-and-conquer
// fraction conversion. Both steps use several threads.
//
// The work is split in two so that a caller can check the binary result (see
// bbp.h) before paying for the radix conversion:
//
//   BinaryPi bin;
//   Status s = ComputeBinaryPi(digits, options, &bin);
//   if (s.ok()) s = VerifyBinaryPi(bin);
//   if (s.ok()) s = BinaryPiToDecimal(bin, digits, options, &text);
//
// ComputePiDigits does exactly that in one call.
//
// Thread safety: the functions share no state; concurrent calls are safe.

#ifndef SPIRAPI_PI_CHUDNOVSKY_H_
#define SPIRAPI_PI_CHUDNOVSKY_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "spirapi/status.h"

namespace spirapi::pi {

// Largest digit count accepted. Beyond this the intermediate integers would
// not fit the memory of any machine this runs on, so a larger N is a mistake.
inline constexpr uint64_t kMaxPiDigits = 4'000'000'000;

struct PiOptions {
  // Worker threads; 1 computes everything on the calling thread.
  int threads = 2;
  // Called now and then with the fraction of the work done, in [0, 1], from
  // one of the worker threads (never two calls at once). Returning false
  // cancels: the computation stops at its next check and returns Cancelled.
  std::function<bool(double fraction)> progress;
  // ComputePiDigits only: check the binary result with BBP (bbp.h) before the
  // radix conversion. Costs O(N log N) word operations, about a tenth of the
  // computation.
  bool verify = true;
};

// π in binary fixed point: the integer `words` (little-endian 64-bit words)
// is π·2^frac_bits rounded down, within a few units of its last bit. The top
// 2 bits are the integer part (3); hex digit i after the point is bits
// [frac_bits - 4i, frac_bits - 4i + 4).
struct BinaryPi {
  std::vector<uint64_t> words;
  uint64_t frac_bits = 0;

  // Hex digits after the point that are certain; the bits below them only
  // absorb rounding error.
  uint64_t ReliableHexDigits() const { return frac_bits < 64 ? 0 : (frac_bits - 64) / 4; }
  // Hex digit (0..15) at 1-based position after the point; positions past
  // frac_bits / 4 return 0.
  int HexDigit(uint64_t position) const;
};

// Computes π with enough bits for `digits` decimal digits after the point.
// InvalidArgument if digits is 0 or above kMaxPiDigits; Cancelled if the
// progress callback asked to stop.
Status ComputeBinaryPi(uint64_t digits, const PiOptions& options, BinaryPi* out);

// The first `digits` decimal digits after the point of `pi` (the "3." is not
// included): out[0] is the digit at position 1. `pi` must have been computed
// for at least `digits` digits.
Status BinaryPiToDecimal(const BinaryPi& pi, uint64_t digits, const PiOptions& options,
                         std::string* out);

// ComputeBinaryPi, VerifyBinaryPi (if options.verify) and BinaryPiToDecimal.
Status ComputePiDigits(uint64_t digits, const PiOptions& options, std::string* out);

}  // namespace spirapi::pi

#endif  // SPIRAPI_PI_CHUDNOVSKY_H_
