#include "pi/pattern_index.h"

#include <divsufsort.h>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstring>
#include <new>

#include "pi/digit_analysis.h"
#include "util/coding.h"
#include "util/hash.h"

namespace spirapi::pi {

namespace {

constexpr char kMagic[8] = {'S', 'P', 'P', 'I', 'D', 'X', '\r', '\n'};
constexpr uint32_t kVersion = 1;
constexpr uint32_t kBucketBytes = 4;
constexpr size_t kHeaderSize = 40;
constexpr size_t kTailPadding = 8;

// w for n digits: the bits that hold every offset below n.
uint32_t SuffixBits(uint64_t n) { return n <= 1 ? 1 : static_cast<uint32_t>(std::bit_width(n - 1)); }

uint64_t PackedSuffixBytes(uint64_t n) { return (n * SuffixBits(n) + 7) / 8 + kTailPadding; }

constexpr uint64_t kPow10[kMaxBucketDigits + 1] = {1,      10,      100,      1000,
                                                   10'000, 100'000, 1'000'000, 10'000'000};

// The suffix array is stored little-endian; divsufsort writes host order.
inline uint32_t LoadLE32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap32(v);
  return v;
}

// The value of `n` digits read as a decimal number.
uint64_t DigitValue(const char* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = v * 10 + static_cast<uint64_t>(p[i] - '0');
  return v;
}

int ChooseBucketDigits(uint64_t n) {
  int k = 1;
  while (k < kMaxBucketDigits && 16 * kPow10[k + 1] <= n) ++k;
  return k;
}

Status Corrupt(const std::string& what) { return Status::Corruption("pattern_index: " + what); }

}  // namespace

Status ValidatePattern(std::string_view pattern) {
  if (pattern.empty()) return Status::InvalidArgument("pattern is empty");
  if (pattern.size() > kMaxPatternDigits) {
    return Status::InvalidArgument("pattern has " + std::to_string(pattern.size()) +
                                   " digits, more than the " + std::to_string(kMaxPatternDigits) +
                                   " allowed");
  }
  for (size_t i = 0; i < pattern.size(); ++i) {
    const auto c = static_cast<unsigned char>(pattern[i]);
    if (static_cast<unsigned>(c - '0') > 9u) {
      std::string shown = c >= 0x20 && c < 0x7f ? "'" + std::string(1, static_cast<char>(c)) + "'"
                                                 : "byte " + std::to_string(c);
      return Status::InvalidArgument("pattern has a non-digit " + shown + " at offset " +
                                     std::to_string(i));
    }
  }
  return Status::OK();
}

namespace {

// ValidatePattern without building a message: queries check every pattern.
bool IsValidPattern(std::string_view p) {
  if (p.empty() || p.size() > kMaxPatternDigits) return false;
  for (char c : p) {
    if (static_cast<unsigned char>(c - '0') > 9) return false;
  }
  return true;
}

}  // namespace

void PatternIndex::InitLayout(int k, uint64_t n) {
  k_ = k;
  buckets_offset_ = kHeaderSize;
  sa_offset_ = buckets_offset_ + kBucketBytes * (kPow10[k] + 1);
  sa_bits_ = SuffixBits(n);
  sa_mask_ = (uint64_t{1} << sa_bits_) - 1;
}

uint32_t PatternIndex::BucketAt(uint64_t v) const {
  return LoadLE32(bytes_.data() + buckets_offset_ + kBucketBytes * v);
}

uint64_t PatternIndex::SuffixAt(uint64_t rank) const {
  // w <= 31 bits starting at bit 0..7 of the loaded word: always inside it.
  const uint64_t bit = rank * sa_bits_;
  uint64_t word;
  std::memcpy(&word, bytes_.data() + sa_offset_ + (bit >> 3), 8);
  if constexpr (std::endian::native == std::endian::big) word = __builtin_bswap64(word);
  return (word >> (bit & 7)) & sa_mask_;
}

Status PatternIndex::Build(std::string_view digits, PatternIndex* out) {
  return Build(digits, PatternIndexOptions(), out);
}

Status PatternIndex::Build(std::string_view digits, const PatternIndexOptions& options,
                           PatternIndex* out) {
  const uint64_t n = digits.size();
  if (n > kMaxIndexedDigits) {
    return Status::InvalidArgument("pattern_index: " + std::to_string(n) +
                                   " digits, more than the " + std::to_string(kMaxIndexedDigits) +
                                   " an index can hold");
  }
  if (options.bucket_digits < 0 || options.bucket_digits > kMaxBucketDigits) {
    return Status::InvalidArgument("pattern_index: bucket_digits " +
                                   std::to_string(options.bucket_digits) + " is not in 0..." +
                                   std::to_string(kMaxBucketDigits));
  }
  Status s = ValidateDecimalDigits(digits);
  if (!s.ok()) return Status::InvalidArgument("pattern_index: " + s.message());
  const int k = options.bucket_digits != 0 ? options.bucket_digits : ChooseBucketDigits(n);
  const uint64_t buckets = kPow10[k];
  try {
    PatternIndex index;
    index.digits_ = digits;
    index.InitLayout(k, n);
    // divsufsort writes 4-byte entries in place, which are then packed to w
    // bits front to back in the same buffer: packing entry i writes below
    // byte i·w/8 <= 4i, so it never overwrites an entry not yet read.
    const uint64_t packed_end = index.sa_offset_ + PackedSuffixBytes(n);
    index.bytes_.resize(std::max(packed_end, index.sa_offset_ + 4 * n));
    char* base = index.bytes_.data();

    if (n > 0) {
      // operator new aligns the buffer to 16 and sa_offset_ is a multiple of
      // 4, so divsufsort can write its int32 entries in place.
      auto* sa = reinterpret_cast<saidx_t*>(base + index.sa_offset_);
      if (divsufsort(reinterpret_cast<const sauchar_t*>(digits.data()), sa,
                     static_cast<saidx_t>(n)) != 0) {
        return Status::IOError("pattern_index: divsufsort could not allocate its work space");
      }
      auto* out = reinterpret_cast<unsigned char*>(base + index.sa_offset_);
      uint64_t acc = 0;
      uint32_t acc_bits = 0;
      for (uint64_t i = 0; i < n; ++i) {
        acc |= static_cast<uint64_t>(static_cast<uint32_t>(sa[i])) << acc_bits;
        acc_bits += index.sa_bits_;
        while (acc_bits >= 8) {
          *out++ = static_cast<unsigned char>(acc);
          acc >>= 8;
          acc_bits -= 8;
        }
      }
      if (acc_bits > 0) *out++ = static_cast<unsigned char>(acc);
    }
    std::memset(base + packed_end - kTailPadding, 0, kTailPadding);
    // Shrinking in place keeps the capacity (up to 4N bytes): copying to a
    // tight buffer would cost a second copy at the peak of memory use.
    index.bytes_.resize(packed_end);

    // The bucket table from k-gram counts rather than from the suffix array:
    // one sequential pass over the digits instead of N random reads. Entry u
    // counts the suffixes below the k-digit string u. A suffix of k or more
    // digits whose first k read as x is below u iff x < u; a shorter suffix
    // s is below u iff s padded with zeros to k digits, as a number, is <= u
    // (a proper prefix sorts first). So each suffix adds 1 to every entry
    // from x + 1 (or from pad(s)) on: a difference array, then prefix sums.
    std::vector<uint32_t> diff(buckets + 1, 0);
    const auto* d = reinterpret_cast<const unsigned char*>(digits.data());
    uint64_t x = 0;
    for (uint64_t i = 0; i < n; ++i) {
      x = x * 10 + (d[i] - '0');
      if (i >= static_cast<uint64_t>(k)) x -= (d[i - k] - '0') * buckets;
      if (i + 1 >= static_cast<uint64_t>(k)) ++diff[x + 1];
    }
    for (uint64_t len = 1; len < static_cast<uint64_t>(k) && len <= n; ++len) {
      ++diff[DigitValue(digits.data() + n - len, len) * kPow10[k - len]];
    }
    uint32_t sum = 0;
    for (uint64_t u = 0; u <= buckets; ++u) {
      sum += diff[u];
      EncodeFixed32(base + index.buckets_offset_ + kBucketBytes * u, sum);
    }

    std::memcpy(base, kMagic, 8);
    EncodeFixed32(base + 8, kVersion);
    EncodeFixed32(base + 12, index.sa_bits_);
    EncodeFixed64(base + 16, n);
    EncodeFixed32(base + 24, static_cast<uint32_t>(k));
    EncodeFixed32(base + 28, Crc32(digits));
    EncodeFixed32(base + 32, Crc32(std::string_view(index.bytes_).substr(kHeaderSize)));
    EncodeFixed32(base + 36, Crc32(std::string_view(base, 36)));
    *out = std::move(index);
    return Status::OK();
  } catch (const std::bad_alloc&) {
    return Status::IOError("pattern_index: out of memory indexing " + std::to_string(n) +
                           " digits");
  }
}

Status PatternIndex::Open(std::string bytes, std::string_view digits, PatternIndex* out) {
  const std::string_view b(bytes);
  if (b.size() < kHeaderSize) {
    return Corrupt(std::to_string(b.size()) + " bytes, shorter than the " +
                   std::to_string(kHeaderSize) + "-byte header");
  }
  if (std::memcmp(b.data(), kMagic, 8) != 0) return Corrupt("bad magic");
  if (DecodeFixed32(b.data() + 36) != Crc32(b.substr(0, 36))) {
    return Corrupt("header checksum mismatch");
  }
  const uint32_t version = DecodeFixed32(b.data() + 8);
  if (version != kVersion) return Corrupt("unknown format version " + std::to_string(version));
  const uint64_t n = DecodeFixed64(b.data() + 16);
  if (n != digits.size()) {
    return Corrupt("index covers " + std::to_string(n) + " digits, the text has " +
                   std::to_string(digits.size()));
  }
  if (n > kMaxIndexedDigits) return Corrupt("digit count " + std::to_string(n) + " too large");
  const uint32_t k = DecodeFixed32(b.data() + 24);
  if (k < 1 || k > static_cast<uint32_t>(kMaxBucketDigits)) {
    return Corrupt("bucket digits " + std::to_string(k) + " not in 1..7");
  }
  const uint32_t width = DecodeFixed32(b.data() + 12);
  if (width != SuffixBits(n)) {
    return Corrupt("suffix-array entries of " + std::to_string(width) + " bits, expected " +
                   std::to_string(SuffixBits(n)) + " for " + std::to_string(n) + " digits");
  }
  PatternIndex index;
  index.InitLayout(static_cast<int>(k), n);
  const uint64_t expected = index.sa_offset_ + PackedSuffixBytes(n);
  if (b.size() != expected) {
    return Corrupt(std::to_string(b.size()) + " bytes, expected " + std::to_string(expected) +
                   " for " + std::to_string(n) + " digits");
  }
  if (DecodeFixed32(b.data() + 28) != Crc32(digits)) {
    return Corrupt("built over other digits (CRC of the text differs)");
  }
  if (DecodeFixed32(b.data() + 32) != Crc32(b.substr(kHeaderSize))) {
    return Corrupt("checksum mismatch in the bucket table or suffix array");
  }
  // The checksum catches damage; these checks keep even a forged index from
  // leading a query out of bounds.
  if (b.substr(b.size() - kTailPadding) != std::string_view("\0\0\0\0\0\0\0\0", kTailPadding)) {
    return Corrupt("nonzero padding after the suffix array");
  }
  index.bytes_ = std::move(bytes);
  index.digits_ = digits;
  uint32_t prev = 0;
  for (uint64_t v = 0; v <= kPow10[k]; ++v) {
    const uint32_t e = index.BucketAt(v);
    if (e < prev || e > n) {
      return Corrupt("bucket table entry " + std::to_string(v) + " is " + std::to_string(e) +
                     ", outside [" + std::to_string(prev) + ", " + std::to_string(n) + "]");
    }
    prev = e;
  }
  if (prev != n) return Corrupt("bucket table does not end at the digit count");
  uint32_t max_entry = 0;
  for (uint64_t i = 0; i < n; ++i) {
    max_entry = std::max(max_entry, static_cast<uint32_t>(index.SuffixAt(i)));
  }
  if (n > 0 && max_entry >= n) return Corrupt("suffix-array entry out of range");
  *out = std::move(index);
  return Status::OK();
}

uint64_t PatternIndex::ShortSuffixesBelow(std::string_view key) const {
  uint64_t below = 0;
  for (uint64_t len = 1; len < static_cast<uint64_t>(k_) && len <= digits_.size(); ++len) {
    below += digits_.substr(digits_.size() - len) < key;
  }
  return below;
}

int PatternIndex::CompareSuffix(uint64_t offset, std::string_view pattern) const {
  const uint64_t avail = digits_.size() - offset;
  const int c = std::memcmp(digits_.data() + offset, pattern.data(),
                            std::min<uint64_t>(avail, pattern.size()));
  if (c != 0) return c;
  return avail < pattern.size() ? -1 : 0;
}

PatternIndex::SuffixRange PatternIndex::Find(std::string_view pattern) const {
  if (bytes_.empty() || !IsValidPattern(pattern)) return {};
  const size_t m = pattern.size();
  const size_t k = static_cast<size_t>(k_);
  if (m <= k) {
    // Answered from the bucket table alone. Of the suffixes of k or more
    // digits, those starting with the pattern p are the ones whose k-digit
    // prefix lies in [p·0…0, (p+1)·0…0); the k - 1 shorter suffixes are
    // compared one by one.
    const uint64_t pad = kPow10[k - m];
    const uint64_t lo = DigitValue(pattern.data(), m) * pad;
    const uint64_t hi = lo + pad;  // <= 10^k
    char key[kMaxBucketDigits];
    std::memcpy(key, pattern.data(), m);
    std::memset(key + m, '0', k - m);
    const uint64_t long_below_lo = BucketAt(lo) - ShortSuffixesBelow({key, k});
    uint64_t long_below_hi = digits_.size() - std::min<uint64_t>(k - 1, digits_.size());
    if (hi < kPow10[k]) {
      for (size_t i = k; i-- > 0;) {  // key = hi as k digits
        key[i] = static_cast<char>('0' + (hi / kPow10[k - 1 - i]) % 10);
      }
      long_below_hi = BucketAt(hi) - ShortSuffixesBelow({key, k});
    }
    uint64_t short_below = 0, short_matching = 0;
    for (uint64_t len = 1; len < k && len <= digits_.size(); ++len) {
      const std::string_view s = digits_.substr(digits_.size() - len);
      short_below += s < pattern;  // a suffix starting with the pattern is not below it
      short_matching += s.starts_with(pattern);
    }
    const uint64_t begin = long_below_lo + short_below;
    return {begin, begin + (long_below_hi - long_below_lo) + short_matching};
  }
  // Longer patterns lie within the bucket of their first k digits.
  const uint64_t v = DigitValue(pattern.data(), k);
  uint64_t lo = BucketAt(v), hi = BucketAt(v + 1);
  uint64_t first = lo, end = hi;
  while (first < end) {  // first rank whose suffix is >= the pattern
    const uint64_t mid = first + (end - first) / 2;
    if (CompareSuffix(SuffixAt(mid), pattern) < 0) {
      first = mid + 1;
    } else {
      end = mid;
    }
  }
  lo = first;
  end = hi;
  while (first < end) {  // first rank whose suffix is above every match
    const uint64_t mid = first + (end - first) / 2;
    if (CompareSuffix(SuffixAt(mid), pattern) <= 0) {
      first = mid + 1;
    } else {
      end = mid;
    }
  }
  return {lo, first};
}

uint64_t PatternIndex::Count(std::string_view pattern) const { return Find(pattern).size(); }

namespace {

// Reading the digits from the start finds the first occurrences of a frequent
// pattern sooner than gathering its whole suffix-array range. Costs measured
// on this project's 2-core VM: about 0.5 ns per digit read with
// std::string_view::find, about 1 ns per range entry for a minimum and
// about 10 ns per entry for a gather plus selection. The scan expects the
// occurrences spread evenly (π's are); its budget is 4 times that
// expectation, after which the range is used anyway.
constexpr uint64_t kScanBudgetFactor = 4;

uint64_t ExpectedScan(uint64_t wanted, uint64_t count, uint64_t n) {
  const double bytes = static_cast<double>(wanted) * static_cast<double>(n) /
                       static_cast<double>(count);
  return bytes >= static_cast<double>(n) ? n : static_cast<uint64_t>(bytes);
}

// Appends to *found the offsets of `pattern` in digits[0, budget + m - 1),
// at most `max` of them; returns false if it stopped for the budget.
bool ScanForOccurrences(std::string_view digits, std::string_view pattern, uint64_t budget,
                        uint64_t max, std::vector<uint64_t>* found) {
  const std::string_view window =
      digits.substr(0, std::min<uint64_t>(digits.size(), budget + pattern.size() - 1));
  for (size_t pos = window.find(pattern); pos != std::string_view::npos;
       pos = window.find(pattern, pos + 1)) {
    found->push_back(pos);
    if (found->size() == max) return true;
  }
  return window.size() == digits.size();
}

}  // namespace

bool PatternIndex::First(std::string_view pattern, uint64_t* offset) const {
  const SuffixRange r = Find(pattern);
  if (r.size() == 0) return false;
  const uint64_t scan = ExpectedScan(1, r.size(), size());
  if (scan < r.size()) {
    std::vector<uint64_t> found;
    if (ScanForOccurrences(digits_, pattern, kScanBudgetFactor * scan + 64, 1, &found) &&
        !found.empty()) {
      *offset = found[0];
      return true;
    }
  }
  uint64_t best = UINT64_MAX;
  for (uint64_t i = r.begin; i < r.end; ++i) best = std::min(best, SuffixAt(i));
  *offset = best;
  return true;
}

void PatternIndex::Locate(std::string_view pattern, uint64_t skip, uint64_t limit,
                          std::vector<uint64_t>* offsets, uint64_t* total) const {
  offsets->clear();
  const SuffixRange r = Find(pattern);
  if (total != nullptr) *total = r.size();
  if (skip >= r.size() || limit == 0) return;
  const uint64_t want = std::min(limit, r.size() - skip);
  const uint64_t scan = ExpectedScan(skip + want, r.size(), size());
  if (scan < 16 * r.size()) {
    std::vector<uint64_t> found;
    found.reserve(skip + want);
    if (ScanForOccurrences(digits_, pattern, kScanBudgetFactor * scan + 64, skip + want,
                           &found) &&
        found.size() == skip + want) {
      offsets->assign(found.begin() + static_cast<ptrdiff_t>(skip), found.end());
      return;
    }
  }
  // Select ranks [skip, skip + want) of the offsets, then sort only those.
  std::vector<uint32_t> all(r.size());
  for (uint64_t i = 0; i < r.size(); ++i) all[i] = static_cast<uint32_t>(SuffixAt(r.begin + i));
  auto from = all.begin() + static_cast<ptrdiff_t>(skip);
  auto to = from + static_cast<ptrdiff_t>(want);
  if (skip > 0) std::nth_element(all.begin(), from, all.end());
  std::partial_sort(from, to, all.end());
  offsets->assign(from, to);
}

}  // namespace spirapi::pi
