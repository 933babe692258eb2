// Tests for codec/cipher.h: AES-256-GCM sealing under a scrypt-derived key.
// The scrypt cost is kept small (n = 1024) so that key derivation is fast.

#include "codec/cipher.h"

#include <gtest/gtest.h>

#include <string>

namespace spirapi {
namespace {

KdfParams FastParams(std::string salt = std::string(16, '\x5a')) {
  KdfParams p;
  p.n = 1024;
  p.r = 8;
  p.p = 1;
  p.salt = std::move(salt);
  return p;
}

Cipher MakeCipher(std::string_view passphrase, const KdfParams& params = FastParams()) {
  Cipher c;
  Status s = Cipher::Create(passphrase, params, &c);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return c;
}

std::string Seal(const Cipher& c, std::string_view plain) {
  std::string sealed;
  Status s = c.Seal(plain, &sealed);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return sealed;
}

TEST(CipherTest, DefaultCipherIsDisabled) {
  Cipher c;
  EXPECT_FALSE(c.enabled());
  EXPECT_TRUE(MakeCipher("secret").enabled());
}

TEST(CipherTest, SealOpenRoundTrip) {
  const Cipher c = MakeCipher("correct horse battery staple");
  std::string big(100000, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 31);
  for (const std::string& plain :
       {std::string(), std::string("x"), std::string("a record of moderate length"), big}) {
    std::string sealed = Seal(c, plain);
    ASSERT_EQ(sealed.size(), plain.size() + Cipher::kOverhead);
    if (plain.size() >= 16) {
      EXPECT_EQ(sealed.find(plain.substr(0, 16)), std::string::npos) << "plaintext visible";
    }
    std::string opened = "stale";
    Status s = c.Open(sealed, &opened);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(opened, plain);
  }
}

TEST(CipherTest, SealAppendsToOutput) {
  const Cipher c = MakeCipher("pw");
  std::string out = "header";
  ASSERT_TRUE(c.Seal("body", &out).ok());
  ASSERT_EQ(out.size(), 6 + 4 + Cipher::kOverhead);
  EXPECT_EQ(out.substr(0, 6), "header");
  std::string opened;
  ASSERT_TRUE(c.Open(std::string_view(out).substr(6), &opened).ok());
  EXPECT_EQ(opened, "body");
}

TEST(CipherTest, EverySealUsesAFreshNonce) {
  // The same key and text sealed twice must not repeat the nonce (GCM with a
  // repeated nonce leaks the XOR of the plaintexts and the authentication key).
  const Cipher c = MakeCipher("pw");
  const std::string a = Seal(c, "same text");
  const std::string b = Seal(c, "same text");
  EXPECT_NE(a.substr(0, Cipher::kNonceBytes), b.substr(0, Cipher::kNonceBytes));
  EXPECT_NE(a.substr(Cipher::kNonceBytes), b.substr(Cipher::kNonceBytes));
  std::string opened;
  ASSERT_TRUE(c.Open(b, &opened).ok());
  EXPECT_EQ(opened, "same text");
}

TEST(CipherTest, SameParamsDeriveTheSameKey) {
  // A database reopened with its passphrase must read what it wrote.
  const Cipher writer = MakeCipher("pw");
  const Cipher reader = MakeCipher("pw");
  std::string opened;
  ASSERT_TRUE(reader.Open(Seal(writer, "persisted"), &opened).ok());
  EXPECT_EQ(opened, "persisted");
}

TEST(CipherTest, FlippedByteAnywhereIsCorruption) {
  const Cipher c = MakeCipher("pw");
  const std::string sealed =
      Seal(c, "sixty-four bytes of plaintext, give or take, for the flip test");
  for (size_t i = 0; i < sealed.size(); ++i) {
    for (uint8_t mask : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xff}}) {
      std::string damaged = sealed;
      damaged[i] = static_cast<char>(damaged[i] ^ mask);
      std::string opened = "stale";
      Status s = c.Open(damaged, &opened);
      EXPECT_TRUE(s.IsCorruption()) << "byte " << i << ": " << s.ToString();
      EXPECT_TRUE(opened.empty()) << "unauthenticated plaintext left in the output";
    }
  }
}

TEST(CipherTest, TruncatedOrExtendedIsCorruption) {
  const Cipher c = MakeCipher("pw");
  const std::string sealed = Seal(c, "some text");
  std::string opened;
  for (size_t cut = 0; cut < sealed.size(); ++cut) {
    EXPECT_TRUE(c.Open(sealed.substr(0, cut), &opened).IsCorruption()) << "cut at " << cut;
  }
  EXPECT_TRUE(c.Open(sealed + '\0', &opened).IsCorruption());
}

TEST(CipherTest, WrongKeyIsCorruption) {
  const Cipher c = MakeCipher("right passphrase");
  const std::string sealed = Seal(c, "confidential");
  const Cipher other_passphrase = MakeCipher("wrong passphrase");
  const Cipher other_salt = MakeCipher("right passphrase", FastParams(std::string(16, '\x5b')));
  KdfParams other_n_params = FastParams();
  other_n_params.n = 2048;
  const Cipher other_n = MakeCipher("right passphrase", other_n_params);
  const Cipher disabled;
  for (const Cipher* wrong : {&other_passphrase, &other_salt, &other_n, &disabled}) {
    std::string opened;
    EXPECT_TRUE(wrong->Open(sealed, &opened).IsCorruption());
  }
}

TEST(CipherTest, EmptyPassphraseIsInvalidArgument) {
  Cipher c;
  Status s = Cipher::Create("", FastParams(), &c);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_FALSE(c.enabled());
}

TEST(CipherTest, KdfParamsValidation) {
  struct Case {
    const char* what;
    void (*edit)(KdfParams*);
  };
  const Case bad[] = {
      {"salt too short", [](KdfParams* p) { p->salt.resize(15); }},
      {"no salt", [](KdfParams* p) { p->salt.clear(); }},
      {"n = 0", [](KdfParams* p) { p->n = 0; }},
      {"n = 1", [](KdfParams* p) { p->n = 1; }},
      {"n not a power of two", [](KdfParams* p) { p->n = 1000; }},
      {"n = 3", [](KdfParams* p) { p->n = 3; }},
      {"n above 2^22", [](KdfParams* p) { p->n = uint64_t{1} << 23; }},
      {"n huge", [](KdfParams* p) { p->n = uint64_t{1} << 63; }},
      {"r = 0", [](KdfParams* p) { p->r = 0; }},
      {"r above 32", [](KdfParams* p) { p->r = 33; }},
      {"p = 0", [](KdfParams* p) { p->p = 0; }},
      {"p above 16", [](KdfParams* p) { p->p = 17; }},
  };
  for (const Case& c : bad) {
    KdfParams params = FastParams();
    c.edit(&params);
    Cipher cipher;
    Status s = Cipher::Create("pw", params, &cipher);
    EXPECT_TRUE(s.IsInvalidArgument()) << c.what << ": " << s.ToString();
    EXPECT_FALSE(cipher.enabled()) << c.what;
  }

  // The cheap edges of the valid range are accepted.
  const Case good[] = {
      {"n = 2", [](KdfParams* p) { p->n = 2; }},
      {"r = 1", [](KdfParams* p) { p->r = 1; }},
      {"r = 32, n = 16",
       [](KdfParams* p) {
         p->r = 32;
         p->n = 16;
       }},
      {"p = 16, n = 16",
       [](KdfParams* p) {
         p->p = 16;
         p->n = 16;
       }},
      {"long salt", [](KdfParams* p) { p->salt.assign(64, 's'); }},
  };
  for (const Case& c : good) {
    KdfParams params = FastParams();
    c.edit(&params);
    Cipher cipher;
    Status s = Cipher::Create("pw", params, &cipher);
    EXPECT_TRUE(s.ok()) << c.what << ": " << s.ToString();
    EXPECT_TRUE(cipher.enabled()) << c.what;
  }
}

TEST(CipherTest, DefaultKdfParamsAreValidAndStrong) {
  KdfParams defaults;
  EXPECT_GE(defaults.n, uint64_t{1} << 14);  // OWASP's floor for scrypt with r = 8
  EXPECT_EQ(defaults.r, 8u);
  EXPECT_EQ(defaults.p, 1u);
}

TEST(CipherTest, RandomBytes) {
  std::string a, b;
  ASSERT_TRUE(RandomBytes(32, &a).ok());
  ASSERT_TRUE(RandomBytes(32, &b).ok());
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  ASSERT_TRUE(RandomBytes(0, &a).ok());
  EXPECT_TRUE(a.empty());
}

}  // namespace
}  // namespace spirapi
