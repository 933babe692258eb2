// Tests for util/hash.h: SHA-256 against the FIPS 180-2 test vectors, CRC-32
// against its standard check value, and the hex helpers.

#include "util/hash.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>

namespace spirapi {
namespace {

std::string Hex(const Sha256Digest& d) { return ToHex(d.data(), d.size()); }

// FIPS 180-2, appendix B.
constexpr char kSha256Empty[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr char kSha256Abc[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr char kTwoBlockMessage[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
constexpr char kSha256TwoBlock[] =
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
constexpr char kSha256MillionA[] =
    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

TEST(HashTest, Sha256OfKnownVectors) {
  EXPECT_EQ(Hex(Sha256Of("")), kSha256Empty);
  EXPECT_EQ(Hex(Sha256Of("abc")), kSha256Abc);
  EXPECT_EQ(Hex(Sha256Of(kTwoBlockMessage)), kSha256TwoBlock);
  EXPECT_EQ(Hex(Sha256Of(std::string(1000000, 'a'))), kSha256MillionA);
}

TEST(HashTest, IncrementalSha256MatchesKnownVectors) {
  {
    Sha256 sha;
    EXPECT_EQ(Hex(sha.Finish()), kSha256Empty);
  }
  {
    Sha256 sha;
    sha.Update("a");
    sha.Update("");
    sha.Update("bc");
    EXPECT_EQ(Hex(sha.Finish()), kSha256Abc);
  }
  {
    // A million 'a's in uneven pieces that straddle 64-byte blocks.
    Sha256 sha;
    const std::string piece(997, 'a');
    size_t left = 1000000;
    while (left > 0) {
      size_t n = std::min(left, piece.size());
      sha.Update(std::string_view(piece.data(), n));
      left -= n;
    }
    EXPECT_EQ(Hex(sha.Finish()), kSha256MillionA);
  }
}

TEST(HashTest, IncrementalEqualsOneShotAtEverySplit) {
  std::string message;
  for (int i = 0; i < 200; ++i) message.push_back(static_cast<char>(i * 7 + 3));
  const Sha256Digest expected = Sha256Of(message);
  for (size_t split = 0; split <= message.size(); ++split) {
    Sha256 sha;
    sha.Update(std::string_view(message).substr(0, split));
    sha.Update(std::string_view(message).substr(split));
    EXPECT_EQ(sha.Finish(), expected) << "split at " << split;
  }
  Sha256 bytewise;
  for (char c : message) bytewise.Update(std::string_view(&c, 1));
  EXPECT_EQ(bytewise.Finish(), expected);
}

TEST(HashTest, Sha256OfIsStableAcrossCalls) {
  // Sha256Of reuses a per-thread context: a previous call must not leak into
  // the next.
  Sha256Digest first = Sha256Of("abc");
  Sha256Of(std::string(5000, 'z'));
  EXPECT_EQ(Sha256Of("abc"), first);
  EXPECT_NE(Sha256Of("abd"), first);
}

TEST(HashTest, Crc32CheckValue) {
  // The standard check value of CRC-32/ISO-HDLC (zlib).
  EXPECT_EQ(Crc32("123456789"), 0xCBF43926u);
  EXPECT_EQ(Crc32(""), 0u);
  EXPECT_EQ(Crc32("a"), 0xE8B7BE43u);
}

TEST(HashTest, Crc32SeedChains) {
  const std::string data = "The quick brown fox jumps over the lazy dog";
  for (size_t split = 0; split <= data.size(); ++split) {
    uint32_t crc = Crc32(std::string_view(data).substr(0, split));
    crc = Crc32(std::string_view(data).substr(split), crc);
    EXPECT_EQ(crc, 0x414FA339u) << "split at " << split;
  }
}

TEST(HashTest, Crc32DetectsEverySingleBitFlip) {
  const std::string data = "journal frame payload";
  const uint32_t good = Crc32(data);
  for (size_t i = 0; i < data.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string damaged = data;
      damaged[i] = static_cast<char>(damaged[i] ^ (1 << bit));
      EXPECT_NE(Crc32(damaged), good) << "byte " << i << " bit " << bit;
    }
  }
}

TEST(HashTest, ToHexIsLowercaseTwoDigitsPerByte) {
  const uint8_t bytes[] = {0x00, 0x01, 0x0f, 0x10, 0xab, 0xcd, 0xef, 0xff};
  EXPECT_EQ(ToHex(bytes, sizeof(bytes)), "00010f10abcdefff");
  EXPECT_EQ(ToHex(bytes, 0), "");
}

TEST(HashTest, HexRoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  std::string hex = ToHex(reinterpret_cast<const uint8_t*>(all.data()), all.size());
  ASSERT_EQ(hex.size(), 512u);
  std::string back = "stale contents";
  ASSERT_TRUE(FromHex(hex, &back));
  EXPECT_EQ(back, all);
}

TEST(HashTest, FromHexAcceptsUppercaseAndEmpty) {
  std::string out;
  ASSERT_TRUE(FromHex("ABCDEFabcdef09", &out));
  EXPECT_EQ(out, "\xab\xcd\xef\xab\xcd\xef\x09");
  ASSERT_TRUE(FromHex("", &out));
  EXPECT_EQ(out, "");
}

TEST(HashTest, FromHexRefusesBadHex) {
  // Odd lengths, non-digits, white space, prefixes, signs, non-ASCII.
  const char* bad[] = {"0", "abc", "0g", "g0", "zz", " 0", "00 ", "0x00", "-1", "\xc3\xa9"};
  for (const char* hex : bad) {
    std::string out;
    EXPECT_FALSE(FromHex(hex, &out)) << "'" << hex << "'";
  }
  // An embedded NUL is not a digit either.
  std::string out;
  EXPECT_FALSE(FromHex(std::string_view("0\0", 2), &out));
}

}  // namespace
}  // namespace spirapi
