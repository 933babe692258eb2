#include "pi/bbp.h"

#include <system_error>
#include <thread>
#include <vector>

#include "pi/bbp_simd.h"

namespace spirapi::pi {

namespace {

using u128 = unsigned __int128;

// A fraction in [0, 1) is kept as a u128 x meaning x/2^128, so adding
// fractions mod 1 is plain wrapping addition.

// floor(r·2^128/m), for r < m.
u128 FracOf(uint64_t r, uint64_t m) {
#if defined(__x86_64__)
  // Two hardware 128-by-64 divisions; the quotients fit because r < m.
  uint64_t hi, lo, rem;
  __asm__("divq %4" : "=a"(hi), "=d"(rem) : "a"(uint64_t{0}), "d"(r), "rm"(m));
  __asm__("divq %4" : "=a"(lo), "=d"(rem) : "a"(uint64_t{0}), "d"(rem), "rm"(m));
#else
  const u128 n = static_cast<u128>(r) << 64;
  const uint64_t hi = static_cast<uint64_t>(n / m);
  const uint64_t rem = static_cast<uint64_t>(n % m);
  const uint64_t lo = static_cast<uint64_t>((static_cast<u128>(rem) << 64) / m);
#endif
  return (static_cast<u128>(hi) << 64) | lo;
}

// Montgomery arithmetic modulo an odd m < 2^32 with R = 2^32: products of
// residues fit 64 bits, and the reduction needs no division.
struct Mont {
  explicit Mont(uint32_t modulus) : m(modulus) {
    uint32_t inv = m;  // right to 3 bits for odd m; each step doubles them
    for (int i = 0; i < 4; ++i) inv *= 2 - m * inv;
    minv = inv;
    // 2R mod m from a floating-point quotient, corrected (no division).
    const uint64_t two_r = uint64_t{2} << 32;
    int64_t rem = static_cast<int64_t>(two_r) -
                  static_cast<int64_t>(static_cast<uint64_t>(8589934592.0 / m) * m);
    while (rem < 0) rem += m;
    while (rem >= static_cast<int64_t>(m)) rem -= m;
    two = static_cast<uint32_t>(rem);
  }
  // t·2^-32 mod m, for t < m·2^32. t and u·m agree in their low 32 bits, so
  // (t - u·m)/2^32 is the difference of the high halves.
  uint32_t Reduce(uint64_t t) const {
    const uint32_t u = static_cast<uint32_t>(t) * minv;
    const uint32_t th = static_cast<uint32_t>(t >> 32);
    const uint32_t uh = static_cast<uint32_t>((static_cast<uint64_t>(u) * m) >> 32);
    return th >= uh ? th - uh : th - uh + m;
  }
  // 2x mod m if bit is 1, else x; branch-free (exponent bits are random).
  uint32_t DoubleIf(uint32_t x, uint32_t bit) const {
    const uint64_t y = static_cast<uint64_t>(x) + (x & (0u - bit));
    return static_cast<uint32_t>(y >= m ? y - m : y);
  }
  uint32_t Half(uint32_t x) const {  // x/2 mod m, m odd
    return static_cast<uint32_t>((x & 1) ? (static_cast<uint64_t>(x) + m) >> 1 : x >> 1);
  }

  uint32_t m, minv, two;  // two: 2 in Montgomery form
};

// Terms k of the four sums with 16^(d-k) mod 8k+j, for k in [begin, end),
// end <= d. The moduli 8k+4 and 8k+6 are even; their terms are taken as
// (16^e/4 mod 2k+1)/(2k+1) and (16^e/2 mod 4k+3)/(4k+3), all moduli odd.
u128 HeadFast(uint64_t d, uint64_t begin, uint64_t end) {
  u128 sum = 0;
  for (uint64_t k = begin; k < end; ++k) {
    const Mont m1(static_cast<uint32_t>(8 * k + 1)), m4(static_cast<uint32_t>(2 * k + 1));
    const Mont m5(static_cast<uint32_t>(8 * k + 5)), m6(static_cast<uint32_t>(4 * k + 3));
    // 16^e = 2^(4e): square-and-double over the bits of 4e, the four moduli
    // in lockstep so that their dependency chains overlap.
    const uint64_t exp = 4 * (d - k);
    int bit = 63 - __builtin_clzll(exp);
    uint32_t x1 = m1.two, x4 = m4.two, x5 = m5.two, x6 = m6.two;
    while (--bit >= 0) {
      const uint32_t b = static_cast<uint32_t>(exp >> bit) & 1;
      x1 = m1.DoubleIf(m1.Reduce(static_cast<uint64_t>(x1) * x1), b);
      x4 = m4.DoubleIf(m4.Reduce(static_cast<uint64_t>(x4) * x4), b);
      x5 = m5.DoubleIf(m5.Reduce(static_cast<uint64_t>(x5) * x5), b);
      x6 = m6.DoubleIf(m6.Reduce(static_cast<uint64_t>(x6) * x6), b);
    }
    const uint32_t r1 = m1.Reduce(x1), r5 = m5.Reduce(x5);
    const uint32_t r4 = m4.Half(m4.Half(m4.Reduce(x4))), r6 = m6.Half(m6.Reduce(x6));
    sum += 4 * FracOf(r1, m1.m) - 2 * FracOf(r4, m4.m) - FracOf(r5, m5.m) - FracOf(r6, m6.m);
  }
  return sum;
}

// 2^exp mod m for any m < 2^63 (slow: 128-bit remainders).
uint64_t Pow2Mod(uint64_t exp, uint64_t m) {
  if (m == 1) return 0;
  uint64_t result = 1, base = 2 % m;
  for (; exp > 0; exp >>= 1) {
    if (exp & 1) result = static_cast<uint64_t>(static_cast<u128>(result) * base % m);
    base = static_cast<uint64_t>(static_cast<u128>(base) * base % m);
  }
  return result;
}

// The same sums for moduli too large for HeadFast.
u128 HeadSlow(uint64_t d, uint64_t begin, uint64_t end) {
  u128 sum = 0;
  for (uint64_t k = begin; k < end; ++k) {
    const uint64_t e = 4 * (d - k);
    sum += 4 * FracOf(Pow2Mod(e, 8 * k + 1), 8 * k + 1) -
           2 * FracOf(Pow2Mod(e, 8 * k + 4), 8 * k + 4) -
           FracOf(Pow2Mod(e, 8 * k + 5), 8 * k + 5) - FracOf(Pow2Mod(e, 8 * k + 6), 8 * k + 6);
  }
  return sum;
}

u128 Head(uint64_t d, uint64_t begin, uint64_t end) {
  // HeadFast needs 8k+5 < 2^32.
  constexpr uint64_t kFastEnd = ((uint64_t{1} << 32) - 6) / 8;
  u128 sum = 0;
  if (begin < kFastEnd) {
    const uint64_t fast_end = end < kFastEnd ? end : kFastEnd;
    uint64_t k = begin;
    if (BbpSimdAvailable()) {
      const uint64_t simd_end = k + (fast_end - k) / 8 * 8;
      sum += BbpHeadSimd(d, k, simd_end);
      k = simd_end;
    }
    sum += HeadFast(d, k, fast_end);
  }
  if (end > kFastEnd) sum += HeadSlow(d, begin > kFastEnd ? begin : kFastEnd, end);
  return sum;
}

// Terms k >= d, where 16^(d-k) is a plain fraction; 32 terms reach 2^-128.
u128 Tail(uint64_t d) {
  u128 sum = 0;
  for (uint64_t i = 0; i < 32; ++i) {
    const uint64_t k = d + i;
    const u128 scale = i == 0 ? ~u128{0} : u128{1} << (128 - 4 * i);
    sum += 4 * (scale / (8 * k + 1)) - 2 * (scale / (8 * k + 4)) - scale / (8 * k + 5) -
           scale / (8 * k + 6);
  }
  return sum;
}

// frac(16^d·π) as a 128-bit fraction, the head split among threads.
u128 FracPiTimes16Pow(uint64_t d, int threads) {
  if (threads < 1) threads = 1;
  if (d < 4096) threads = 1;
  std::vector<u128> parts(threads, 0);
  std::vector<std::thread> workers;
  for (int i = 1; i < threads; ++i) {
    const uint64_t begin = d * i / threads, end = d * (i + 1) / threads;
    try {
      workers.emplace_back([&parts, i, d, begin, end] { parts[i] = Head(d, begin, end); });
    } catch (const std::system_error&) {
      parts[i] = Head(d, begin, end);
    }
  }
  parts[0] = Head(d, 0, d / threads);
  for (auto& t : workers) t.join();
  u128 sum = Tail(d);
  for (u128 p : parts) sum += p;
  return sum;
}

char HexChar(int v) { return "0123456789ABCDEF"[v & 15]; }

std::string TopHex(u128 x, int count) {
  std::string out;
  for (int i = 0; i < count; ++i) out.push_back(HexChar(static_cast<int>(x >> (124 - 4 * i))));
  return out;
}

}  // namespace

Status BbpHexDigits(uint64_t position, int count, int threads, std::string* hex) {
  if (position == 0 || position > kMaxBbpPosition) {
    return Status::InvalidArgument("bbp: position must be in [1, 2^40], not " +
                                   std::to_string(position));
  }
  if (count < 1 || count > kMaxBbpDigits) {
    return Status::InvalidArgument("bbp: digit count must be in [1, " +
                                   std::to_string(kMaxBbpDigits) + "]");
  }
  const uint64_t d = position - 1;
  const u128 x = FracPiTimes16Pow(d, threads);
  // Each term errs by under 2^-98 (BbpHeadSimd) or 8·2^-128 (the rest).
  const u128 error = static_cast<u128>(d + 32) << 32;
  std::string digits = TopHex(x, count);
  if (TopHex(x - error, count) != digits || TopHex(x + error, count) != digits) {
    return Status::NotSupported("bbp: the digits after hex position " + std::to_string(position) +
                                " are too close to a carry to give " + std::to_string(count));
  }
  *hex = std::move(digits);
  return Status::OK();
}

Status VerifyBinaryPi(const BinaryPi& pi, int threads) {
  constexpr int kDigits = 8;
  const uint64_t reliable = pi.ReliableHexDigits();
  if (reliable < kDigits) return Status::InvalidArgument("bbp: too few bits to verify");
  const uint64_t last = reliable - kDigits + 1;
  for (uint64_t start : {uint64_t{1}, last / 2 + 1, last}) {
    std::string expected;
    Status s;
    // If BBP cannot decide at this position, the one just before will do.
    for (int attempt = 0; attempt < 4 && start >= 1; ++attempt, --start) {
      s = BbpHexDigits(start, kDigits, threads, &expected);
      if (!s.IsNotSupported()) break;
    }
    if (!s.ok()) return s;
    std::string got;
    for (int i = 0; i < kDigits; ++i) got.push_back(HexChar(pi.HexDigit(start + i)));
    if (got != expected) {
      return Status::Corruption("pi: hex digits at position " + std::to_string(start) + " are " +
                                got + ", BBP says " + expected);
    }
  }
  return Status::OK();
}

}  // namespace spirapi::pi
