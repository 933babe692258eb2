// The bulk of the BBP sum (bbp.cc) on AVX2: the modular powers for 8 values
// of k and the 4 moduli of each run in 32 lanes, and the fractions are summed
// in double-double arithmetic instead of 128-bit divisions. About 4x faster
// than the scalar loop; used only when the CPU has AVX2 and FMA.

#ifndef SPIRAPI_PI_BBP_SIMD_H_
#define SPIRAPI_PI_BBP_SIMD_H_

#include <cstdint>

namespace spirapi::pi {

// Whether BbpHeadSimd can run on this CPU.
bool BbpSimdAvailable();

// Σ over k in [begin, end) of 4·frac(16^(d-k)/(8k+1)) - 2·frac(../(8k+4))
// - frac(../(8k+5)) - frac(../(8k+6)), mod 1, as x/2^128, with an error
// below (end - begin)·2^-98. Requires end <= d, 8·end + 5 < 2^32 and
// (end - begin) a multiple of 8.
unsigned __int128 BbpHeadSimd(uint64_t d, uint64_t begin, uint64_t end);

}  // namespace spirapi::pi

#endif  // SPIRAPI_PI_BBP_SIMD_H_
