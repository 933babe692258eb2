// Tests for codec/zstd_codec.h: frames with a content checksum, with and
// without a trained dictionary.

#include "codec/zstd_codec.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace spirapi {
namespace {

std::vector<std::string> Records(int n) {
  std::mt19937 rng(7);
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    std::string digits;
    for (int k = 0; k < 40; ++k) digits.push_back(static_cast<char>('0' + rng() % 10));
    out.push_back(R"({"id":"seq-)" + std::to_string(i) + R"(","digits":")" + digits +
                  R"(","algorithm":"chudnovsky","verified":true})");
  }
  return out;
}

TEST(ZstdCodecTest, RoundTripsAtEveryLevelWithAndWithoutADictionary) {
  const std::vector<std::string> records = Records(2000);
  std::vector<std::string_view> samples(records.begin(), records.end());
  std::string trained;
  ASSERT_TRUE(TrainZstdDictionary(samples, 16 * 1024, &trained));
  EXPECT_LE(trained.size(), 16u * 1024);
  std::string block;
  for (int i = 0; i < 40; ++i) block += records[i];
  for (int level = 1; level <= 9; ++level) {
    std::shared_ptr<const ZstdDictionary> dict;
    ASSERT_TRUE(ZstdDictionary::Make(trained, ZstdLevelFor(level), &dict).ok());
    for (const ZstdDictionary* d : {static_cast<const ZstdDictionary*>(nullptr), dict.get()}) {
      std::string compressed = "prefix";
      ASSERT_TRUE(ZstdCompress(ZstdLevelFor(level), block, d, &compressed).ok());
      ASSERT_EQ(compressed.substr(0, 6), "prefix") << "appended, not assigned";
      const std::string frame = compressed.substr(6);
      std::string back;
      bool checked = false;
      Status s = ZstdDecompress(frame, block.size(), d, &back, &checked);
      ASSERT_TRUE(s.ok()) << s.ToString();
      EXPECT_EQ(back, block);
      EXPECT_TRUE(checked) << "frames carry a content checksum";
    }
  }
  // Too little to train on: no dictionary, and the caller goes without.
  std::vector<std::string_view> few(samples.begin(), samples.begin() + 3);
  EXPECT_FALSE(TrainZstdDictionary(few, 16 * 1024, &trained));
  EXPECT_TRUE(trained.empty());
}

TEST(ZstdCodecTest, DamageIsCorruptionNeverWrongBytes) {
  const std::vector<std::string> records = Records(200);
  std::string block;
  for (const std::string& r : records) block += r;
  std::string frame;
  ASSERT_TRUE(ZstdCompress(3, block, nullptr, &frame).ok());
  int corrupt = 0;
  for (size_t i = 0; i < frame.size(); ++i) {
    std::string damaged = frame;
    damaged[i] ^= 0x10;
    std::string back;
    Status s = ZstdDecompress(damaged, block.size(), nullptr, &back);
    if (s.ok()) {
      EXPECT_EQ(back, block) << "byte " << i << " decoded to other bytes unreported";
    } else {
      EXPECT_TRUE(s.IsCorruption()) << s.ToString();
      ++corrupt;
    }
  }
  EXPECT_GT(corrupt, 0);
  // The wrong dictionary, or none, does not decode a frame that needs one.
  std::vector<std::string_view> samples(records.begin(), records.end());
  std::string trained;
  ASSERT_TRUE(TrainZstdDictionary(samples, 4096, &trained));
  std::shared_ptr<const ZstdDictionary> dict;
  ASSERT_TRUE(ZstdDictionary::Make(trained, 3, &dict).ok());
  std::string with_dict;
  ASSERT_TRUE(ZstdCompress(3, block, dict.get(), &with_dict).ok());
  std::string back;
  EXPECT_TRUE(ZstdDecompress(with_dict, block.size(), nullptr, &back).IsCorruption());
}

// Found by the segment fuzzer: see LzmaCodecTest's test of the same name.
TEST(ZstdCodecTest, ImplausibleLengthsDecodeInStepsAndFailWithoutHugeBuffers) {
  const std::string zeros(8 << 20, '\0');
  std::string frame;
  ASSERT_TRUE(ZstdCompress(3, zeros, nullptr, &frame).ok());
  ASSERT_LT(frame.size() * 256 + (1 << 20), zeros.size()) << "exercises the stepped path";
  std::string back;
  bool checked = false;
  Status s = ZstdDecompress(frame, zeros.size(), nullptr, &back, &checked);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(back, zeros);
  EXPECT_TRUE(checked);
  for (size_t wrong : {zeros.size() - 1, zeros.size() + 1, size_t{1} << 30}) {
    s = ZstdDecompress(frame, wrong, nullptr, &back);
    EXPECT_TRUE(s.IsCorruption()) << wrong << ": " << s.ToString();
  }
  EXPECT_TRUE(ZstdDecompress(frame.substr(0, frame.size() - 3), zeros.size(), nullptr, &back)
                  .IsCorruption());
}

// Found by the segment fuzzer (heap-use-after-free under ASan): the stepped
// path left its dictionary referenced by the thread's context, and a later
// frame without a dictionary was decoded with it after it was freed.
TEST(ZstdCodecTest, ADictionaryIsNotKeptByTheThreadsContext) {
  const std::vector<std::string> records = Records(500);
  std::vector<std::string_view> samples(records.begin(), records.end());
  std::string trained;
  ASSERT_TRUE(TrainZstdDictionary(samples, 4096, &trained));
  const std::string zeros(4 << 20, '\0');
  std::string with_dict;
  {
    std::shared_ptr<const ZstdDictionary> dict;
    ASSERT_TRUE(ZstdDictionary::Make(trained, 3, &dict).ok());
    ASSERT_TRUE(ZstdCompress(3, zeros, dict.get(), &with_dict).ok());
    std::string back;
    ASSERT_TRUE(ZstdDecompress(with_dict, zeros.size(), dict.get(), &back).ok());  // stepped
  }  // the dictionary is freed
  std::string plain_frame;
  ASSERT_TRUE(ZstdCompress(3, records[0], nullptr, &plain_frame).ok());
  std::string back;
  Status s = ZstdDecompress(plain_frame, records[0].size(), nullptr, &back);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(back, records[0]);
}

}  // namespace
}  // namespace spirapi
