// Tests for codec/deflate_codec.h: raw DEFLATE blocks (segment footers).

#include "codec/deflate_codec.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>

namespace spirapi {
namespace {

std::string FooterLikeData(size_t n) {
  std::string out;
  for (int i = 0; out.size() < n; ++i) out += "pi-" + std::to_string(i * 7919) + "\x01\x00\x07";
  out.resize(n);
  return out;
}

TEST(DeflateCodecTest, RoundTripsAndAppends) {
  std::mt19937 rng(5);
  for (size_t n : {0u, 1u, 100u, 65536u, 3u << 20}) {
    for (bool random : {false, true}) {
      std::string raw = FooterLikeData(n);
      if (random) {
        for (char& c : raw) c = static_cast<char>(rng());
      }
      std::string stored = "prefix";
      ASSERT_TRUE(DeflateCompress(6, raw, &stored).ok());
      ASSERT_EQ(stored.substr(0, 6), "prefix");  // appended, not assigned
      if (!random && n >= 65536) {
        EXPECT_LT(stored.size() - 6, raw.size() / 3);
      }
      std::string back = "junk";
      ASSERT_TRUE(DeflateDecompress(std::string_view(stored).substr(6), raw.size(), &back).ok());
      EXPECT_EQ(back, raw) << n;
    }
  }
}

TEST(DeflateCodecTest, DamageAndWrongLengthsAreCorruption) {
  const std::string raw = FooterLikeData(100000);
  std::string stored;
  ASSERT_TRUE(DeflateCompress(6, raw, &stored).ok());
  std::string back;
  EXPECT_TRUE(DeflateDecompress(stored, raw.size() - 1, &back).IsCorruption());
  EXPECT_TRUE(DeflateDecompress(stored, raw.size() + 1, &back).IsCorruption());
  EXPECT_TRUE(DeflateDecompress(std::string_view(stored).substr(0, stored.size() / 2), raw.size(),
                                &back)
                  .IsCorruption());
  EXPECT_TRUE(DeflateDecompress("\xff\xff\xff\xff garbage", raw.size(), &back).IsCorruption());
  EXPECT_TRUE(back.empty());
}

}  // namespace
}  // namespace spirapi
