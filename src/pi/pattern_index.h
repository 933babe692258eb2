// Exact search for digit patterns in a long decimal digit string (the digits
// of π): a suffix array built with libdivsufsort plus a bucket table that
// maps every k-digit prefix to its suffix-array range, so that a query binary
// searches a range of about N / 10^k entries, comparing against the digit
// text itself.
//
//   PatternIndex index;
//   Status s = PatternIndex::Build(digits, &index);
//   uint64_t n = index.Count("999999");
//   WriteSomewhere(index.bytes());            // the digits are stored apart
//   ...
//   s = PatternIndex::Open(std::move(bytes), digits, &index);  // no copy
//
// Serialized layout (bytes()): little-endian throughout.
//
//   offset  size  field
//   0       8     magic "SPPIDX\r\n" (53 50 50 49 44 58 0d 0a)
//   8       4     format version, 1
//   12      4     w, bits per suffix-array entry: max(1, bit_width(N - 1))
//   16      8     N, the number of digits indexed
//   24      4     k, the digits of the bucket prefixes, 1..kMaxBucketDigits
//   28      4     CRC-32 (gzip polynomial) of the N digit characters
//   32      4     CRC-32 of every byte from offset 40 to the end
//   36      4     CRC-32 of bytes [0, 36)
//   40      4(10^k + 1)  bucket table: entry v (0 <= v < 10^k) is the number
//                 of suffixes lexicographically smaller than the k-digit
//                 string of v (leading zeros kept); entry 10^k is N
//   then    ceil(N·w / 8)  suffix array, one little-endian bit stream: entry
//                 i, the 0-based offset of the i-th smallest suffix of the
//                 digits, is bits [i·w, (i+1)·w)
//   then    8     zero bytes, so that any entry is one 8-byte load
//
// A suffix shorter than k digits (the last k - 1) sorts before every string
// it is a prefix of, as usual. Size: 48 + 4(10^k + 1) + ceil(N·w / 8)
// bytes; k is chosen so that the table is at most 1/16 of N 4-byte entries
// (10^8 digits: k = 6, w = 27, 3.42 bytes per digit). Packing the entries
// to w bits leaves nothing for a general-purpose compressor to find, so the
// database stores the index without spending LZMA time on it.
//
// Patterns are 1..kMaxPatternDigits characters '0'..'9'. A query with a
// pattern that ValidatePattern rejects matches nothing (Count 0, First
// false); callers that want the reason call ValidatePattern first.
//
// Thread safety: a built or opened index is immutable; any number of threads
// may query it at once.

#ifndef SPIRAPI_PI_PATTERN_INDEX_H_
#define SPIRAPI_PI_PATTERN_INDEX_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "spirapi/status.h"

namespace spirapi::pi {

// libdivsufsort's 32-bit suffix array indexes at most 2^31 - 1 characters.
inline constexpr uint64_t kMaxIndexedDigits = (uint64_t{1} << 31) - 1;
inline constexpr size_t kMaxPatternDigits = 64;
// 10^7 + 1 table entries (40 MB) at most.
inline constexpr int kMaxBucketDigits = 7;

// OK for 1..kMaxPatternDigits characters '0'..'9'; otherwise InvalidArgument
// saying what is wrong, e.g. "pattern has a non-digit 'x' at offset 3".
Status ValidatePattern(std::string_view pattern);

struct PatternIndexOptions {
  // k, the length of the prefixes in the bucket table, 1..kMaxBucketDigits;
  // 0 chooses the largest k with 16·10^k <= N (at least 1).
  int bucket_digits = 0;
};

class PatternIndex {
 public:
  // Ranks [begin, end) of the suffix array: the suffixes that start with a
  // pattern. Empty when begin == end.
  struct SuffixRange {
    uint64_t begin = 0;
    uint64_t end = 0;
    uint64_t size() const { return end - begin; }
  };

  PatternIndex() = default;
  PatternIndex(PatternIndex&&) = default;
  PatternIndex& operator=(PatternIndex&&) = default;
  // Copying would duplicate the whole suffix array; move instead.
  PatternIndex(const PatternIndex&) = delete;
  PatternIndex& operator=(const PatternIndex&) = delete;

  // Indexes `digits`, which must outlive *out and stay unchanged.
  // InvalidArgument naming the offset of the first non-digit, or if there are
  // more than kMaxIndexedDigits digits or options are out of range; IOError
  // if memory runs out. Takes about 0.1 µs per digit on one thread (9.8 s
  // for 10^8) and little memory besides the result, which divsufsort fills
  // in place.
  static Status Build(std::string_view digits, PatternIndex* out);
  static Status Build(std::string_view digits, const PatternIndexOptions& options,
                      PatternIndex* out);

  // Takes `bytes` (an earlier bytes()) and queries straight from them, with
  // no copy. `digits` must be the text the index was built over; the caller
  // keeps it alive and unchanged while *out is used. Corruption saying what
  // is wrong if the bytes are malformed, fail a checksum or were built over
  // other digits (count or CRC). Reads everything once: O(N).
  static Status Open(std::string bytes, std::string_view digits, PatternIndex* out);

  // The serialized index (layout above); does not contain the digits.
  const std::string& bytes() const { return bytes_; }

  uint64_t size() const { return digits_.size(); }  // digits indexed
  std::string_view digits() const { return digits_; }
  int bucket_digits() const { return k_; }

  // Occurrences of `pattern`, overlapping ones included. O(k) for patterns of
  // at most k digits; otherwise two binary searches in one bucket.
  uint64_t Count(std::string_view pattern) const;

  // The smallest offset (0-based into the digits) where `pattern` occurs;
  // false if it does not.
  bool First(std::string_view pattern, uint64_t* offset) const;

  // Occurrence offsets in increasing order: skips the first `skip`, then
  // appends at most `limit` to *offsets (which is cleared first). *total (if
  // not null) gets Count(pattern). Costs O(occurrences) plus
  // O(limit log limit), or less when the first few occurrences of a frequent
  // pattern are found faster by reading the digits from the start.
  void Locate(std::string_view pattern, uint64_t skip, uint64_t limit,
              std::vector<uint64_t>* offsets, uint64_t* total) const;

  // The lower-level view that the searches above are made of: the range of
  // suffixes starting with `pattern`, and the offset of the suffix of a rank.
  SuffixRange Find(std::string_view pattern) const;
  uint64_t SuffixAt(uint64_t rank) const;  // rank < size()

 private:
  uint32_t BucketAt(uint64_t v) const;
  // Suffixes shorter than k digits that compare below `key` (k digits).
  uint64_t ShortSuffixesBelow(std::string_view key) const;
  // Compares the suffix at `offset` with `pattern`: < 0, 0 if the pattern is
  // a prefix of the suffix, > 0.
  int CompareSuffix(uint64_t offset, std::string_view pattern) const;
  void InitLayout(int k, uint64_t n);  // sets k_, sa_bits_ and the offsets

  std::string bytes_;
  std::string_view digits_;
  int k_ = 1;
  uint64_t buckets_offset_ = 0;  // byte offset of the bucket table in bytes_
  uint64_t sa_offset_ = 0;       // byte offset of the suffix array in bytes_
  uint32_t sa_bits_ = 1;         // w
  uint64_t sa_mask_ = 1;         // 2^w - 1
};

}  // namespace spirapi::pi

#endif  // SPIRAPI_PI_PATTERN_INDEX_H_
