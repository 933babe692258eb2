// Tests for codec/lzma_codec.h: raw LZMA2 blocks with a 4-byte dictionary
// size in front.

#include "codec/lzma_codec.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

namespace spirapi {
namespace {

// Records-like text: repetitive, so it compresses well.
std::string CompressibleData(size_t n) {
  std::string out;
  for (int i = 0; out.size() < n; ++i) {
    out += R"({"id":"seq-)" + std::to_string(i) + R"(","digits":"314159265358979","n":)" +
           std::to_string(i * 7) + "}\n";
  }
  out.resize(n);
  return out;
}

std::string RandomData(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng());
  return out;
}

void ExpectRoundTrip(int level, const std::string& raw) {
  std::string compressed = "prefix";
  ASSERT_TRUE(LzmaCompress(level, raw, &compressed).ok()) << "level " << level;
  // The output is appended, not assigned.
  ASSERT_EQ(compressed.substr(0, 6), "prefix");
  std::string_view block = std::string_view(compressed).substr(6);
  std::string back;
  Status s = LzmaDecompress(block, raw.size(), &back);
  ASSERT_TRUE(s.ok()) << s.ToString() << " level " << level << " size " << raw.size();
  EXPECT_EQ(back, raw) << "level " << level << " size " << raw.size();
}

TEST(LzmaCodecTest, EveryLevelRoundTripsCompressibleData) {
  const std::string raw = CompressibleData(100000);
  for (int level = 1; level <= 9; ++level) {
    std::string compressed;
    ASSERT_TRUE(LzmaCompress(level, raw, &compressed).ok());
    EXPECT_LT(compressed.size(), raw.size() / 4) << "level " << level;
    ExpectRoundTrip(level, raw);
  }
}

TEST(LzmaCodecTest, EveryLevelRoundTripsRandomData) {
  const std::string raw = RandomData(70000, 42);  // more than one 64 KiB LZMA2 chunk
  for (int level = 1; level <= 9; ++level) {
    std::string compressed;
    ASSERT_TRUE(LzmaCompress(level, raw, &compressed).ok());
    // Incompressible chunks are stored: only a few bytes of overhead.
    EXPECT_LE(compressed.size(), raw.size() + 64) << "level " << level;
    ExpectRoundTrip(level, raw);
  }
}

TEST(LzmaCodecTest, EveryLevelRoundTripsTinyData) {
  const std::string tiny[] = {"",
                              "a",
                              std::string(1, '\0'),
                              "abc",
                              std::string(4095, 'x'),
                              std::string(4096, 'y'),
                              std::string(4097, 'z')};
  for (int level = 1; level <= 9; ++level) {
    for (const std::string& raw : tiny) ExpectRoundTrip(level, raw);
  }
}

TEST(LzmaCodecTest, RefusesLevelsOutOfRange) {
  std::string out;
  EXPECT_TRUE(LzmaCompress(0, "abc", &out).IsInvalidArgument());
  EXPECT_TRUE(LzmaCompress(10, "abc", &out).IsInvalidArgument());
  EXPECT_TRUE(LzmaCompress(-1, "abc", &out).IsInvalidArgument());
  EXPECT_TRUE(out.empty());
}

TEST(LzmaCodecTest, WrongRawSizeIsCorruption) {
  const std::string raw = CompressibleData(5000);
  std::string compressed;
  ASSERT_TRUE(LzmaCompress(6, raw, &compressed).ok());
  std::string out;
  for (size_t wrong : {size_t{0}, size_t{1}, raw.size() - 1, raw.size() + 1, raw.size() * 2}) {
    Status s = LzmaDecompress(compressed, wrong, &out);
    EXPECT_TRUE(s.IsCorruption()) << "raw_size " << wrong << ": " << s.ToString();
  }
  EXPECT_TRUE(LzmaDecompress(compressed, raw.size(), &out).ok());
}

TEST(LzmaCodecTest, TruncatedOrExtendedBlockIsCorruption) {
  const std::string raw = CompressibleData(5000);
  std::string compressed;
  ASSERT_TRUE(LzmaCompress(3, raw, &compressed).ok());
  std::string out;
  for (size_t cut = 0; cut < compressed.size(); ++cut) {
    Status s = LzmaDecompress(compressed.substr(0, cut), raw.size(), &out);
    EXPECT_TRUE(s.IsCorruption()) << "cut at " << cut << ": " << s.ToString();
  }
  // Bytes after the end of the stream are not ignored.
  EXPECT_TRUE(LzmaDecompress(compressed + "x", raw.size(), &out).IsCorruption());
}

TEST(LzmaCodecTest, ImpossibleDictionarySizeIsCorruption) {
  std::string compressed;
  ASSERT_TRUE(LzmaCompress(1, "hello hello hello", &compressed).ok());
  std::string out;
  std::string small = compressed;
  small[0] = small[1] = small[2] = small[3] = 0;  // below LZMA_DICT_SIZE_MIN
  EXPECT_TRUE(LzmaDecompress(small, 17, &out).IsCorruption());
  std::string huge = compressed;
  huge[3] = '\x7f';  // about 2 GiB: a damaged header must not drive allocation
  EXPECT_TRUE(LzmaDecompress(huge, 17, &out).IsCorruption());
}

// LZMA2 has no checksum of its own, so a damaged block may decode without an
// error to different bytes of the right length; the CRC-32 of the segment
// block (storage/segment.h) is what catches that. What the codec itself must
// guarantee is: no crash, no access out of bounds, and never a success that
// hides the damage. So for a flip in the compressed stream either Corruption
// is returned or the output differs from the original.
//
// The 4-byte dictionary size in front of the stream is the exception: a flip
// there that still leaves a large enough dictionary decodes identically,
// which is harmless (and the segment CRC covers it too).
TEST(LzmaCodecTest, FlippedByteIsCorruptionOrDifferentOutput) {
  struct Case {
    int level;
    bool compressible;
    size_t size;
  };
  // Inputs of 4 KiB and more get a dictionary no larger than themselves,
  // which keeps thousands of decodes cheap (also under sanitizers). Random
  // data is stored in uncompressed chunks whatever the level.
  const Case cases[] = {
      {1, true, 5000}, {6, true, 5000}, {9, true, 5000}, {1, true, 1000}, {1, false, 4096}};
  for (const Case& c : cases) {
    SCOPED_TRACE("level " + std::to_string(c.level) + ", " + std::to_string(c.size) +
                 (c.compressible ? " compressible" : " random") + " bytes");
    const std::string raw = c.compressible ? CompressibleData(c.size) : RandomData(c.size, 7);
    std::string compressed;
    ASSERT_TRUE(LzmaCompress(c.level, raw, &compressed).ok());
    int corruption = 0;
    for (size_t i = 0; i < compressed.size(); ++i) {
      for (uint8_t mask : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xff}}) {
        std::string damaged = compressed;
        damaged[i] = static_cast<char>(damaged[i] ^ mask);
        std::string out;
        Status s = LzmaDecompress(damaged, raw.size(), &out);
        if (!s.ok()) {
          EXPECT_TRUE(s.IsCorruption()) << s.ToString();
          ++corruption;
          continue;
        }
        ASSERT_EQ(out.size(), raw.size());
        if (i >= 4) {
          EXPECT_NE(out, raw) << "byte " << i << " mask " << static_cast<int>(mask)
                              << ": damage went unnoticed";
        }
      }
    }
    // In a compressed chunk the decoder itself detects most damage; in a
    // stored chunk a flipped data byte simply decodes to a different byte.
    if (c.compressible) {
      EXPECT_GT(corruption, static_cast<int>(compressed.size()));
    }
  }
}

}  // namespace
}  // namespace spirapi

namespace spirapi {
namespace {

// Found by the segment fuzzer: a damaged length made a read allocate (and
// zero) up to 1 GiB before decoding failed. A length far beyond what the
// input could expand to is now decoded in steps; a real block that large
// (a long run of one byte) still decodes.
TEST(LzmaCodecTest, ImplausibleLengthsDecodeInStepsAndFailWithoutHugeBuffers) {
  const std::string zeros(8 << 20, '\0');
  std::string compressed;
  ASSERT_TRUE(LzmaCompress(3, zeros, &compressed).ok());
  ASSERT_LT(compressed.size() * 256 + (1 << 20), zeros.size()) << "exercises the stepped path";
  std::string back;
  Status s = LzmaDecompress(compressed, zeros.size(), &back);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(back, zeros);
  for (size_t wrong : {zeros.size() - 1, zeros.size() + 1, size_t{1} << 30}) {
    s = LzmaDecompress(compressed, wrong, &back);
    EXPECT_TRUE(s.IsCorruption()) << wrong << ": " << s.ToString();
  }
  EXPECT_TRUE(LzmaDecompress(compressed.substr(0, compressed.size() / 2), zeros.size(), &back)
                  .IsCorruption());
}

}  // namespace
}  // namespace spirapi
