#include "pi/chudnovsky.h"

#include <gmp.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <cmath>
#include <new>
#include <string>

#include "pi/bbp.h"
#include "pi/progress.h"
#include "pi/radix.h"
#include "pi/series.h"

namespace spirapi::pi {

static_assert(sizeof(mp_limb_t) == sizeof(uint64_t), "BinaryPi stores GMP limbs as 64-bit words");

namespace {

// The series (series.h) gains log10(C^3/1728) digits per term, C = 640320.
constexpr double kDigitsPerTerm = 14.181647462725477;

// Decimal digits computed beyond those asked for, so that the last few
// (which absorb rounding error) can be dropped. 10^19 still fits a uint64_t.
constexpr uint64_t kGuardDigits = 19;

int ParallelDepth(int threads) {
  int depth = 0;
  while ((2 << depth) <= threads) ++depth;
  return depth;
}

Status CheckArguments(uint64_t digits, const PiOptions& options) {
  if (digits == 0) return Status::InvalidArgument("pi: digit count must be at least 1");
  if (digits > kMaxPiDigits) {
    return Status::InvalidArgument("pi: digit count " + std::to_string(digits) +
                                   " is above the limit of " + std::to_string(kMaxPiDigits));
  }
  if (options.threads < 1 || options.threads > 256) {
    return Status::InvalidArgument("pi: threads must be in [1, 256], not " +
                                   std::to_string(options.threads));
  }
  return Status::OK();
}

Status CancelledStatus() { return Status::Cancelled("pi: cancelled by the progress callback"); }

// Hands memory freed by the previous phase back to the system. glibc keeps
// freed blocks below its mmap threshold (which grows to 32 MiB) in its
// arenas; without this, a phase's scratch stays resident through the next
// one and the peak RSS is well above the live data.
void ReleaseFreedMemory() {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

// Keeps the top `bits` bits of x and frees the rest of its memory; returns
// the number of bits dropped (x was x'·2^dropped plus a remainder).
uint64_t Truncate(mpz_ptr x, uint64_t bits) {
  const uint64_t size = mpz_sizeinbase(x, 2);
  if (size <= bits) return 0;
  mpz_tdiv_q_2exp(x, x, size - bits);
  mpz_realloc2(x, bits);
  return size - bits;
}

// x·2^ex + y·2^ey as r·2^e, exactly.
int64_t AddScaled(mpz_ptr x, int64_t ex, mpz_ptr y, int64_t ey, mpz_ptr r) {
  const int64_t e = ex < ey ? ex : ey;
  mpz_mul_2exp(x, x, ex - e);
  mpz_mul_2exp(y, y, ey - e);
  mpz_add(r, x, y);
  return e;
}

uint64_t FracBitsFor(uint64_t digits) {
  return DecimalConverter::BitsNeeded(digits + kGuardDigits);
}

// floor(2^p/sqrt(c)) within a few units, by Newton's iteration for
// y = 1/sqrt(c): y' = y + y·(1 - c·y²)/2, doubling the precision each step.
// Costs about two multiplications of p/2 bits per step, and far less
// scratch memory than mpz_sqrt of a 2p-bit number.
void InverseSqrt(uint64_t c, uint64_t p, mpz_ptr y) {
  if (p <= 40) {
    mpz_set_d(y, std::ldexp(1.0L / std::sqrt(static_cast<long double>(c)), static_cast<int>(p)));
    return;
  }
  const uint64_t h = p / 2 + 16;  // the half-precision step, with guard bits
  InverseSqrt(c, h, y);
  // With y = Y/2^h: e = 1 - c·y² = E/2^(2h), and Y' = Y·2^(p-h) + Y·E/2^(3h+1-p).
  Mpz e;
  mpz_mul(e.get(), y, y);
  mpz_mul_ui(e.get(), e.get(), c);
  Mpz one;
  mpz_setbit(one.get(), 2 * h);
  mpz_sub(e.get(), one.get(), e.get());
  one.Release();
  mpz_mul(e.get(), e.get(), y);
  mpz_fdiv_q_2exp(e.get(), e.get(), 3 * h + 1 - p);
  mpz_mul_2exp(y, y, p - h);
  mpz_add(y, y, e.get());
}

// The body of ComputeBinaryPi. `idle_work`, if set, runs on the second
// thread during the final division.
Status ComputeBinary(uint64_t digits, const PiOptions& options,
                     const std::function<void()>& idle_work, Progress* progress,
                     BinaryPi* out) {
  const uint64_t k = FracBitsFor(digits);
  const uint64_t w = k + 64;  // working precision of the final steps
  // Enough terms for all k bits, guard bits included.
  const uint64_t n =
      static_cast<uint64_t>(static_cast<double>(k) * 0.30102999566398120 / kDigitsPerTerm) + 2;
  const bool parallel = options.threads >= 2;
  const int depth = ParallelDepth(options.threads);

  progress->BeginStage(0, 0.8, n * ChudnovskySeries::Levels(n));

  // The two halves of the series one after the other, each split among the
  // threads: running them side by side would double the peak memory of
  // their top merges.
  ChudnovskySeries series(n, progress);
  Pqt left, right;
  const uint64_t m = n / 2;
  series.Split(0, m, true, depth, &left);
  ReleaseFreedMemory();
  series.Split(m, n, false, depth, &right);
  ReleaseFreedMemory();
  if (progress->cancelled()) return CancelledStatus();

  // The top merge in floating point, where only w bits matter:
  //   Q/T = Ql·Qr / (Tl·Qr + Pl·Tr) = Ql / (Tl + Pl·(Tr/Qr)).
  // Pl·Tr/Qr is smaller than Tl by about the first half's terms, so it needs
  // only w2 bits; this avoids any product of two w-bit numbers here.
  progress->BeginStage(0.8, 1.0, 4);
  const uint64_t tl_bits = mpz_sizeinbase(left.t.get(), 2) + mpz_sizeinbase(right.q.get(), 2);
  const uint64_t tr_bits = mpz_sizeinbase(left.p.get(), 2) + mpz_sizeinbase(right.t.get(), 2);
  uint64_t w2 = w;
  if (tr_bits + w < tl_bits + 64) {
    w2 = 64;
  } else if (tr_bits < tl_bits) {
    w2 = w - (tl_bits - tr_bits) + 64;
  }
  const int64_t e_ql = Truncate(left.q.get(), w), e_tl = Truncate(left.t.get(), w);
  const int64_t e_pl = Truncate(left.p.get(), w2);
  const int64_t e_tr = Truncate(right.t.get(), w2), e_qr = Truncate(right.q.get(), w2);
  Mpz root;  // sqrt(10005)·2^(w+16)
  Mpz& t = left.t;
  int64_t e_t = 0;
  RunBoth(
      parallel,
      [&] {
        InverseSqrt(10005, w + 16, root.get());
        mpz_mul_ui(root.get(), root.get(), 10005);
        progress->Add(1);
      },
      [&] {
        Mpz& d = right.t;  // Tr/Qr, to w2 bits
        const int64_t shift = static_cast<int64_t>(w2 + mpz_sizeinbase(right.q.get(), 2)) -
                              static_cast<int64_t>(mpz_sizeinbase(d.get(), 2));
        mpz_mul_2exp(d.get(), d.get(), shift);
        mpz_tdiv_q(d.get(), d.get(), right.q.get());
        right.q.Release();
        mpz_mul(d.get(), d.get(), left.p.get());
        left.p.Release();
        e_t = AddScaled(t.get(), e_tl, d.get(), e_pl + e_tr - e_qr - shift, t.get());
        d.Release();
        e_t += Truncate(t.get(), w);
        progress->Add(1);
      });
  ReleaseFreedMemory();
  if (progress->cancelled()) return CancelledStatus();

  // y = Q/T to w+32 bits, then X = 426880·sqrt(10005)·y·2^k.
  Mpz& y = left.q;
  const int64_t y_shift = static_cast<int64_t>(w + 32 + mpz_sizeinbase(t.get(), 2)) -
                          static_cast<int64_t>(mpz_sizeinbase(y.get(), 2));
  RunBoth(
      parallel && idle_work != nullptr, [&] { if (idle_work) idle_work(); },
      [&] {
        mpz_mul_2exp(y.get(), y.get(), y_shift);
        mpz_tdiv_q(y.get(), y.get(), t.get());
        t.Release();
        progress->Add(1);
      });
  ReleaseFreedMemory();
  Mpz x;
  MulParallel(x.get(), y.get(), root.get(), parallel);
  y.Release();
  root.Release();
  mpz_mul_ui(x.get(), x.get(), 426880);
  const int64_t shift = e_ql - y_shift - e_t - static_cast<int64_t>(w + 16 - k);
  if (shift >= 0) {
    mpz_mul_2exp(x.get(), x.get(), shift);
  } else {
    mpz_fdiv_q_2exp(x.get(), x.get(), -shift);
  }

  out->frac_bits = k;
  out->words.assign(mpz_limbs_read(x.get()), mpz_limbs_read(x.get()) + mpz_size(x.get()));
  progress->Set(1.0);
  return progress->cancelled() ? CancelledStatus() : Status::OK();
}

// BinaryPiToDecimal with a caller-provided converter for digits+kGuardDigits.
Status ToDecimal(const BinaryPi& pi, uint64_t digits, const PiOptions& options,
                 DecimalConverter* converter, Progress* progress, std::string* out) {
  const uint64_t k = pi.frac_bits;
  if (k < FracBitsFor(digits) || pi.words.size() * 64 < k + 2) {
    return Status::InvalidArgument("pi: binary value has " + std::to_string(k) +
                                   " fraction bits, too few for " + std::to_string(digits) +
                                   " digits");
  }
  mpz_t view;
  mpz_roinit_n(view, reinterpret_cast<const mp_limb_t*>(pi.words.data()),
               static_cast<mp_size_t>(pi.words.size()));
  Mpz f;
  mpz_tdiv_q_2exp(f.get(), view, k);
  if (mpz_cmp_ui(f.get(), 3) != 0) return Status::Corruption("pi: integer part is not 3");
  mpz_tdiv_r_2exp(f.get(), view, k);

  ReleaseFreedMemory();
  std::string text(digits + kGuardDigits, '0');
  if (!converter->Convert(f.get(), k, options.threads, progress, text.data())) {
    return CancelledStatus();
  }
  // The converted digits are low by at most MaxErrorUnits() and the binary
  // value is off by under one unit, so the kept digits are right unless the
  // guard digits sit that close to a multiple of 10^19.
  uint64_t guard = 0;
  for (uint64_t i = digits; i < text.size(); ++i) guard = guard * 10 + (text[i] - '0');
  const uint64_t margin = converter->MaxErrorUnits() + 2;
  if (guard < margin || guard > 9'999'999'999'999'999'999ull - margin) {
    return Status::NotSupported("pi: cannot round the digits before position " +
                                std::to_string(digits + 1) + " with the guard digits used");
  }
  text.resize(digits);
  out->swap(text);
  progress->Set(1.0);
  return Status::OK();
}

// Maps a sub-task's [0, 1] progress into [begin, end] of the caller's.
std::function<bool(double)> SubRange(const std::function<bool(double)>& callback, double begin,
                                     double end) {
  if (!callback) return nullptr;
  return [&callback, begin, end](double f) { return callback(begin + (end - begin) * f); };
}

}  // namespace

int BinaryPi::HexDigit(uint64_t position) const {
  if (position == 0 || 4 * position > frac_bits) return 0;
  const uint64_t low = frac_bits - 4 * position;  // lowest bit of the digit
  int digit = 0;
  for (int i = 3; i >= 0; --i) {
    const uint64_t bit = low + i;
    const uint64_t word = bit / 64 < words.size() ? words[bit / 64] : 0;
    digit = (digit << 1) | static_cast<int>((word >> (bit % 64)) & 1);
  }
  return digit;
}

Status ComputeBinaryPi(uint64_t digits, const PiOptions& options, BinaryPi* out) {
  Status s = CheckArguments(digits, options);
  if (!s.ok()) return s;
  try {
    Progress progress(options.progress);
    return ComputeBinary(digits, options, nullptr, &progress, out);
  } catch (const std::bad_alloc&) {
    return Status::IOError("pi: out of memory computing " + std::to_string(digits) + " digits");
  }
}

Status BinaryPiToDecimal(const BinaryPi& pi, uint64_t digits, const PiOptions& options,
                         std::string* out) {
  Status s = CheckArguments(digits, options);
  if (!s.ok()) return s;
  try {
    Progress progress(options.progress);
    DecimalConverter converter(digits + kGuardDigits);
    return ToDecimal(pi, digits, options, &converter, &progress, out);
  } catch (const std::bad_alloc&) {
    return Status::IOError("pi: out of memory converting " + std::to_string(digits) + " digits");
  }
}

Status ComputePiDigits(uint64_t digits, const PiOptions& options, std::string* out) {
  Status s = CheckArguments(digits, options);
  if (!s.ok()) return s;
  try {
    // Shares of the run time, measured at 10^7 digits.
    constexpr double kBinaryEnd = 0.72, kVerifyEnd = 0.8;
    DecimalConverter converter(digits + kGuardDigits);
    BinaryPi bin;
    {
      auto callback = SubRange(options.progress, 0, kBinaryEnd);
      Progress progress(callback);
      s = ComputeBinary(digits, options, [&] { converter.PreparePowers(); }, &progress, &bin);
      if (!s.ok()) return s;
    }
    if (options.verify) {
      s = VerifyBinaryPi(bin, options.threads);
      if (!s.ok()) return s;
      if (options.progress && !options.progress(kVerifyEnd)) return CancelledStatus();
    }
    auto callback = SubRange(options.progress, kVerifyEnd, 1.0);
    Progress progress(callback);
    return ToDecimal(bin, digits, options, &converter, &progress, out);
  } catch (const std::bad_alloc&) {
    return Status::IOError("pi: out of memory computing " + std::to_string(digits) + " digits");
  }
}

}  // namespace spirapi::pi
