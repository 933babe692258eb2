// Tests for util/base64.h.

#include "util/base64.h"

#include <gtest/gtest.h>

#include <string>

namespace spirapi {
namespace {

std::string Encode(std::string_view bytes) {
  std::string out;
  AppendBase64(bytes, &out);
  return out;
}

TEST(Base64Test, Rfc4648TestVectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Encode(plain), encoded);
    std::string decoded = "junk";
    ASSERT_TRUE(DecodeBase64(encoded, &decoded)) << encoded;
    EXPECT_EQ(decoded, plain);
  }
}

TEST(Base64Test, AppendsAndRoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  EXPECT_EQ(Encode(std::string_view("\0\xff\xfe", 3)), "AP/+");
  for (size_t n = 0; n <= all.size(); ++n) {
    std::string out = "prefix";
    AppendBase64(std::string_view(all).substr(0, n), &out);
    ASSERT_EQ(out.substr(0, 6), "prefix");
    std::string back;
    ASSERT_TRUE(DecodeBase64(std::string_view(out).substr(6), &back)) << n;
    EXPECT_EQ(back, all.substr(0, n));
  }
}

TEST(Base64Test, RefusesAnythingButTheOneSpelling) {
  std::string out;
  for (const char* bad : {"Zg", "Zg=", "Zm9", "Z===", "====", "Zg==Zg==", "Zm=v", "Zm 9v",
                          "Zm9v\n", "Zm9-", "Zm9_", "Zh==", "Zm9=", "Zm8=Zm8=", "=Zm8"}) {
    EXPECT_FALSE(DecodeBase64(bad, &out)) << bad;
  }
  // Unused bits of a padded group must be zero ("Zh==" and "Zm9=" above).
  EXPECT_TRUE(DecodeBase64("Zg==", &out));
  EXPECT_TRUE(DecodeBase64("Zm8=", &out));
}

}  // namespace
}  // namespace spirapi
