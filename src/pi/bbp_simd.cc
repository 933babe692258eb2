#include "pi/bbp_simd.h"

#include <cmath>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define SPIRAPI_BBP_SIMD 1
#endif

namespace spirapi::pi {

using u128 = unsigned __int128;

#ifdef SPIRAPI_BBP_SIMD

namespace {

// x·2^128 for x in (-1, 1), two's complement, truncated.
u128 ToFixed(double x) {
  if (x < 0) return 0 - ToFixed(-x);
  const double a = std::floor(std::ldexp(x, 64));  // exact: x has 53 bits
  const double b = std::floor(std::ldexp(std::ldexp(x, 64) - a, 64));
  return (static_cast<u128>(static_cast<uint64_t>(a)) << 64) | static_cast<uint64_t>(b);
}

}  // namespace

bool BbpSimdAvailable() {
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

namespace {

// Four odd moduli below 2^31, one per 64-bit lane, with Montgomery
// constants for R = 2^32.
struct Lanes {
  __m256i m, minv, x;
};

__attribute__((target("avx2,fma"))) inline __m256i Reduce(__m256i t, const Lanes& l) {
  // u = t·m^-1 mod 2^32; t - u·m is divisible by 2^32, and its quotient is
  // the difference of the high halves, corrected into [0, m).
  const __m256i u = _mm256_mul_epu32(t, l.minv);
  const __m256i uh = _mm256_srli_epi64(_mm256_mul_epu32(u, l.m), 32);
  const __m256i th = _mm256_srli_epi64(t, 32);
  const __m256i r = _mm256_sub_epi64(th, uh);
  return _mm256_add_epi64(r, _mm256_and_si256(_mm256_cmpgt_epi64(uh, th), l.m));
}

// x = x² (and doubled where `twice` is all ones), mod m.
__attribute__((target("avx2,fma"))) inline void Step(Lanes* l, __m256i twice) {
  __m256i y = Reduce(_mm256_mul_epu32(l->x, l->x), *l);
  y = _mm256_add_epi64(y, _mm256_and_si256(y, twice));
  l->x = _mm256_sub_epi64(y, _mm256_andnot_si256(_mm256_cmpgt_epi64(l->m, y), l->m));
}

__attribute__((target("avx2,fma"))) inline __m256i Half(__m256i x, __m256i m) {
  const __m256i odd = _mm256_sub_epi64(_mm256_setzero_si256(),
                                       _mm256_and_si256(x, _mm256_set1_epi64x(1)));
  return _mm256_srli_epi64(_mm256_add_epi64(x, _mm256_and_si256(odd, m)), 1);
}

// Integers below 2^52 in 64-bit lanes as doubles, exactly.
__attribute__((target("avx2,fma"))) inline __m256d ToDouble(__m256i x) {
  const __m256i magic = _mm256_set1_epi64x(0x4330000000000000);  // 2^52
  return _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(x, magic)),
                       _mm256_set1_pd(4503599627370496.0));
}

// acc += w·(r/m) in double-double, with r/m as hi + lo from one division.
__attribute__((target("avx2,fma"))) inline void AddFraction(__m256i r, __m256i m, double w,
                                                            __m256d* acc_hi, __m256d* acc_lo) {
  const __m256d dr = ToDouble(r), dm = ToDouble(m);
  const __m256d inv = _mm256_div_pd(_mm256_set1_pd(1.0), dm);
  const __m256d hi = _mm256_mul_pd(dr, inv);
  const __m256d lo = _mm256_mul_pd(_mm256_fnmadd_pd(hi, dm, dr), inv);  // (r - hi·m)/m
  const __m256d vw = _mm256_set1_pd(w);
  const __m256d b = _mm256_mul_pd(hi, vw);  // exact: w is ±2^j
  const __m256d s = _mm256_add_pd(*acc_hi, b);
  const __m256d v = _mm256_sub_pd(s, *acc_hi);
  const __m256d err = _mm256_add_pd(_mm256_sub_pd(*acc_hi, _mm256_sub_pd(s, v)),
                                    _mm256_sub_pd(b, v));  // TwoSum
  *acc_hi = s;
  *acc_lo = _mm256_add_pd(*acc_lo, _mm256_fmadd_pd(lo, vw, err));
}

// Keeps acc_hi in [-1/2, 1/2] and acc_lo below its last bit, so that
// rounding stays near 2^-105 per addition. Subtracting the nearest integer
// is exact (subtracting the floor is not: -2^-9 + 1 loses bits).
__attribute__((target("avx2,fma"))) inline void Normalize(__m256d* acc_hi, __m256d* acc_lo) {
  const __m256d s = _mm256_add_pd(*acc_hi, *acc_lo);
  *acc_lo = _mm256_sub_pd(*acc_lo, _mm256_sub_pd(s, *acc_hi));
  *acc_hi = _mm256_sub_pd(s, _mm256_round_pd(s, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

}  // namespace

__attribute__((target("avx2,fma"))) u128 BbpHeadSimd(uint64_t d, uint64_t begin, uint64_t end) {
  // Per group of 4 values of k: one lane set per modulus 8k+1, 2k+1, 8k+5,
  // 4k+3 (the even moduli 8k+4 and 8k+6 halved, as in bbp.cc).
  constexpr int kGroups = 2;
  __m256d acc_hi[kGroups], acc_lo[kGroups];
  for (int g = 0; g < kGroups; ++g) acc_hi[g] = acc_lo[g] = _mm256_setzero_pd();
  for (uint64_t k0 = begin; k0 < end; k0 += 4 * kGroups) {
    Lanes lanes[kGroups][4];
    __m256i exps[kGroups];
    for (int g = 0; g < kGroups; ++g) {
      alignas(32) uint64_t m[4][4], minv[4][4], one[4][4], e[4];
      for (int i = 0; i < 4; ++i) {
        const uint64_t k = k0 + 4 * g + i;
        e[i] = 4 * (d - k);
        const uint64_t mod[4] = {8 * k + 1, 2 * k + 1, 8 * k + 5, 4 * k + 3};
        for (int c = 0; c < 4; ++c) {
          const uint32_t mm = static_cast<uint32_t>(mod[c]);
          uint32_t inv = mm;
          for (int s = 0; s < 4; ++s) inv *= 2 - mm * inv;
          // R mod m from a floating-point quotient, corrected.
          int64_t r = (int64_t{1} << 32) -
                      static_cast<int64_t>(static_cast<uint64_t>(4294967296.0 / mm) * mm);
          while (r < 0) r += mm;
          while (r >= mm) r -= mm;
          m[c][i] = mm;
          minv[c][i] = inv;
          one[c][i] = static_cast<uint64_t>(r);
        }
      }
      for (int c = 0; c < 4; ++c) {
        lanes[g][c].m = _mm256_load_si256(reinterpret_cast<const __m256i*>(m[c]));
        lanes[g][c].minv = _mm256_load_si256(reinterpret_cast<const __m256i*>(minv[c]));
        lanes[g][c].x = _mm256_load_si256(reinterpret_cast<const __m256i*>(one[c]));
      }
      exps[g] = _mm256_load_si256(reinterpret_cast<const __m256i*>(e));
    }
    // 2^e by squaring and doubling from the top bit of the largest e; the
    // lanes with smaller e square 1 until their own top bit.
    const uint64_t top = 4 * (d - k0);
    for (int bit = 63 - __builtin_clzll(top); bit >= 0; --bit) {
      const __m128i shift = _mm_cvtsi32_si128(bit);
      for (int g = 0; g < kGroups; ++g) {
        const __m256i b = _mm256_and_si256(_mm256_srl_epi64(exps[g], shift), _mm256_set1_epi64x(1));
        const __m256i twice = _mm256_sub_epi64(_mm256_setzero_si256(), b);
        for (int c = 0; c < 4; ++c) Step(&lanes[g][c], twice);
      }
    }
    for (int g = 0; g < kGroups; ++g) {
      Lanes* l = lanes[g];
      const __m256i r1 = Reduce(l[0].x, l[0]), r5 = Reduce(l[2].x, l[2]);
      const __m256i r4 = Half(Half(Reduce(l[1].x, l[1]), l[1].m), l[1].m);
      const __m256i r6 = Half(Reduce(l[3].x, l[3]), l[3].m);
      AddFraction(r1, l[0].m, 4, &acc_hi[g], &acc_lo[g]);
      AddFraction(r4, l[1].m, -2, &acc_hi[g], &acc_lo[g]);
      AddFraction(r5, l[2].m, -1, &acc_hi[g], &acc_lo[g]);
      AddFraction(r6, l[3].m, -1, &acc_hi[g], &acc_lo[g]);
      Normalize(&acc_hi[g], &acc_lo[g]);
    }
  }
  u128 sum = 0;
  for (int g = 0; g < kGroups; ++g) {
    alignas(32) double hi[4], lo[4];
    _mm256_store_pd(hi, acc_hi[g]);
    _mm256_store_pd(lo, acc_lo[g]);
    for (int i = 0; i < 4; ++i) sum += ToFixed(hi[i]) + ToFixed(lo[i]);
  }
  return sum;
}

#else  // !SPIRAPI_BBP_SIMD

bool BbpSimdAvailable() { return false; }
u128 BbpHeadSimd(uint64_t, uint64_t, uint64_t) { return 0; }

#endif

}  // namespace spirapi::pi
