// Tests for the fixed-width and varint encodings of util/coding.h, which every
// on-disk format is built from.

#include "util/coding.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace spirapi {
namespace {

constexpr uint64_t kU64Max = std::numeric_limits<uint64_t>::max();

// Number of bytes a LEB128-style varint of v takes: one per started 7 bits.
size_t ExpectedVarintLength(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Values around every 7-bit boundary, plus the extremes.
std::vector<uint64_t> VarintBoundaryValues() {
  std::vector<uint64_t> values = {0, 1, 2, 126, 127, 128, 129, 255, 256, 300};
  for (int bits = 7; bits < 64; bits += 7) {
    uint64_t edge = uint64_t{1} << bits;
    values.push_back(edge - 1);
    values.push_back(edge);
    values.push_back(edge + 1);
  }
  values.push_back((uint64_t{1} << 32) - 1);
  values.push_back(uint64_t{1} << 32);
  values.push_back((uint64_t{1} << 63) - 1);
  values.push_back(uint64_t{1} << 63);
  values.push_back((uint64_t{1} << 63) + 1);
  values.push_back(kU64Max - 1);
  values.push_back(kU64Max);
  return values;
}

TEST(CodingTest, Fixed32IsLittleEndian) {
  std::string buf;
  PutFixed32(&buf, 0x04030201u);
  EXPECT_EQ(buf, std::string("\x01\x02\x03\x04", 4));
  EXPECT_EQ(DecodeFixed32(buf.data()), 0x04030201u);
}

TEST(CodingTest, Fixed64IsLittleEndian) {
  std::string buf;
  PutFixed64(&buf, 0x0807060504030201ull);
  EXPECT_EQ(buf, std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  EXPECT_EQ(DecodeFixed64(buf.data()), 0x0807060504030201ull);
}

TEST(CodingTest, Fixed32RoundTripsBoundaries) {
  const uint32_t values[] = {0u,      1u,       0x7fu,       0x80u,       0xffu,       0x100u,
                             0xffffu, 0x10000u, 0x7fffffffu, 0x80000000u, 0xfffffffeu, 0xffffffffu};
  std::string buf;
  for (uint32_t v : values) PutFixed32(&buf, v);
  ASSERT_EQ(buf.size(), 4 * std::size(values));
  Decoder d(buf);
  for (uint32_t v : values) {
    uint32_t got = 0;
    ASSERT_TRUE(d.GetFixed32(&got));
    EXPECT_EQ(got, v);
  }
  EXPECT_TRUE(d.empty());
}

TEST(CodingTest, Fixed64RoundTripsBoundaries) {
  std::vector<uint64_t> values = {
      0, 1, 0xff, 0x100, 0xffffffffull, 0x100000000ull, uint64_t{1} << 63, kU64Max - 1, kU64Max};
  std::string buf;
  for (uint64_t v : values) PutFixed64(&buf, v);
  ASSERT_EQ(buf.size(), 8 * values.size());
  Decoder d(buf);
  for (uint64_t v : values) {
    uint64_t got = 0;
    ASSERT_TRUE(d.GetFixed64(&got));
    EXPECT_EQ(got, v);
  }
  EXPECT_TRUE(d.empty());
}

TEST(CodingTest, VarintKnownEncodings) {
  struct Case {
    uint64_t value;
    std::string bytes;
  };
  const Case cases[] = {
      {0, std::string("\x00", 1)},
      {1, "\x01"},
      {127, "\x7f"},
      {128, "\x80\x01"},
      {300, "\xac\x02"},
      {16383, "\xff\x7f"},
      {16384, "\x80\x80\x01"},
      {uint64_t{1} << 63, "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01"},
      {kU64Max, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"},
  };
  for (const Case& c : cases) {
    std::string buf;
    PutVarint64(&buf, c.value);
    EXPECT_EQ(buf, c.bytes) << "value " << c.value;
  }
}

TEST(CodingTest, VarintRoundTripsEveryBoundary) {
  std::vector<uint64_t> values = VarintBoundaryValues();
  std::string buf;
  for (uint64_t v : values) {
    size_t before = buf.size();
    PutVarint64(&buf, v);
    EXPECT_EQ(buf.size() - before, ExpectedVarintLength(v)) << "value " << v;
  }
  Decoder d(buf);
  for (uint64_t v : values) {
    uint64_t got = ~v;
    ASSERT_TRUE(d.GetVarint64(&got)) << "value " << v;
    EXPECT_EQ(got, v);
  }
  EXPECT_TRUE(d.empty());
}

TEST(CodingTest, VarintRefusesUnterminatedInput) {
  // Every byte has its continuation bit set: there is no last byte.
  for (size_t n = 1; n <= 12; ++n) {
    std::string buf(n, '\x80');
    Decoder d(buf);
    uint64_t v;
    EXPECT_FALSE(d.GetVarint64(&v)) << n << " continuation bytes";
  }
}

TEST(CodingTest, VarintRefusesMoreThanTenBytes) {
  // 64 bits need at most ten 7-bit groups; an eleventh byte is malformed
  // even if it terminates the varint.
  std::string buf(10, '\x80');
  buf.push_back('\x00');
  Decoder d(buf);
  uint64_t v;
  EXPECT_FALSE(d.GetVarint64(&v));
}

TEST(CodingTest, VarintRefusesNonShortestEncodings) {
  // Found by fuzz/record_fuzzer: 0x8b 0x00 decoded as 11, like 0x0b, so a
  // record with rewritten length bytes still decoded and passed its checksum.
  // Only the encoding PutVarint64 writes is accepted.
  for (const std::string& buf :
       {std::string("\x8b\x00", 2), std::string("\x80\x00", 2), std::string("\xff\x80\x00", 3),
        std::string(9, '\xff') + '\x02', std::string(9, '\xff') + '\x7f'}) {
    Decoder d(buf);
    uint64_t v;
    EXPECT_FALSE(d.GetVarint64(&v)) << testing::PrintToString(buf);
  }
  std::string max;
  PutVarint64(&max, ~uint64_t{0});
  EXPECT_EQ(max, std::string(9, '\xff') + '\x01');
  Decoder d(max);
  uint64_t v;
  ASSERT_TRUE(d.GetVarint64(&v));
  EXPECT_EQ(v, ~uint64_t{0});
}

TEST(CodingTest, LengthPrefixedRoundTrip) {
  const std::string long_value(300, 'x');  // needs a two-byte length
  const std::string_view values[] = {"", "a", std::string_view("\0\xff", 2), long_value};
  std::string buf;
  for (std::string_view v : values) PutLengthPrefixed(&buf, v);
  Decoder d(buf);
  for (std::string_view v : values) {
    std::string_view got;
    ASSERT_TRUE(d.GetLengthPrefixed(&got));
    EXPECT_EQ(got, v);
    // The result is a view into the input, not a copy.
    EXPECT_GE(got.data(), buf.data());
    EXPECT_LE(got.data() + got.size(), buf.data() + buf.size());
  }
  EXPECT_TRUE(d.empty());
}

TEST(CodingTest, LengthPrefixedRefusesLengthPastTheEnd) {
  std::string buf;
  PutVarint64(&buf, 5);
  buf.append("abcd");  // one byte short
  Decoder d(buf);
  std::string_view got;
  EXPECT_FALSE(d.GetLengthPrefixed(&got));

  // A huge length must not overflow any pointer arithmetic.
  std::string huge;
  PutVarint64(&huge, kU64Max);
  huge.append("abc");
  Decoder d2(huge);
  EXPECT_FALSE(d2.GetLengthPrefixed(&got));
}

TEST(CodingTest, GetBytesAndRest) {
  Decoder d("hello world");
  std::string_view got;
  ASSERT_TRUE(d.GetBytes(5, &got));
  EXPECT_EQ(got, "hello");
  EXPECT_EQ(d.rest(), " world");
  EXPECT_FALSE(d.GetBytes(7, &got));
  ASSERT_TRUE(d.GetBytes(6, &got));
  EXPECT_EQ(got, " world");
  EXPECT_TRUE(d.empty());
  ASSERT_TRUE(d.GetBytes(0, &got));
  EXPECT_TRUE(got.empty());
  uint8_t byte;
  EXPECT_FALSE(d.GetByte(&byte));
}

// Decodes the fixed layout written by EncodeSample; false at the first
// field that does not fit.
bool DecodeSample(std::string_view in) {
  Decoder d(in);
  uint32_t f32;
  uint64_t f64, small_varint, big_varint;
  uint8_t byte;
  std::string_view prefixed, raw;
  return d.GetFixed32(&f32) && d.GetVarint64(&small_varint) && d.GetFixed64(&f64) &&
         d.GetByte(&byte) && d.GetVarint64(&big_varint) && d.GetLengthPrefixed(&prefixed) &&
         d.GetBytes(3, &raw) && d.empty() && f32 == 0xdeadbeefu && small_varint == 300 &&
         f64 == 0x0123456789abcdefull && byte == 0x7f && big_varint == kU64Max &&
         prefixed == "payload" && raw == "end";
}

std::string EncodeSample() {
  std::string buf;
  PutFixed32(&buf, 0xdeadbeefu);
  PutVarint64(&buf, 300);
  PutFixed64(&buf, 0x0123456789abcdefull);
  buf.push_back('\x7f');
  PutVarint64(&buf, kU64Max);
  PutLengthPrefixed(&buf, "payload");
  buf.append("end");
  return buf;
}

TEST(CodingTest, DecoderRefusesTruncationAtEveryCutPoint) {
  const std::string full = EncodeSample();
  ASSERT_TRUE(DecodeSample(full));
  for (size_t cut = 0; cut < full.size(); ++cut) {
    // A copy of exactly `cut` bytes, so that a read past the end is a heap
    // overflow that sanitizer builds report.
    std::string truncated = full.substr(0, cut);
    EXPECT_FALSE(DecodeSample(truncated)) << "cut at " << cut;
  }
}

TEST(CodingTest, EveryGetterRefusesEmptyInput) {
  Decoder d{std::string_view()};
  uint32_t f32;
  uint64_t f64;
  uint8_t byte;
  std::string_view s;
  EXPECT_FALSE(d.GetFixed32(&f32));
  EXPECT_FALSE(d.GetFixed64(&f64));
  EXPECT_FALSE(d.GetByte(&byte));
  EXPECT_FALSE(d.GetVarint64(&f64));
  EXPECT_FALSE(d.GetLengthPrefixed(&s));
  EXPECT_FALSE(d.GetBytes(1, &s));
}

TEST(CodingTest, FixedGettersRefuseShortInputWithoutConsuming) {
  // A failed fixed-width read leaves the input alone, so a caller can report
  // where the damage is.
  Decoder d("abc");
  uint32_t f32;
  EXPECT_FALSE(d.GetFixed32(&f32));
  EXPECT_EQ(d.rest(), "abc");
  uint64_t f64;
  EXPECT_FALSE(d.GetFixed64(&f64));
  EXPECT_EQ(d.rest(), "abc");
}

}  // namespace
}  // namespace spirapi
