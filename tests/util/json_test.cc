// Tests for util/json.h: the write-path normalisation whose output the record
// checksum covers, the UTF-8 validator for ids, and string escaping.

#include "util/json.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace spirapi {
namespace {

// Normalizes and expects success; returns the compact form.
std::string Normalized(std::string_view in, JsonKind kind = JsonKind::kAnyValue) {
  std::string out;
  Status s = NormalizeJson(in, kind, "data", &out);
  EXPECT_TRUE(s.ok()) << s.ToString() << " for input: " << in;
  return out;
}

// Normalizes and expects InvalidArgument; returns the message.
std::string Rejected(std::string_view in, JsonKind kind = JsonKind::kAnyValue) {
  std::string out = "untouched";
  Status s = NormalizeJson(in, kind, "data", &out);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString() << " for input: " << in;
  EXPECT_EQ(out, "untouched") << "output written on failure";
  return s.message();
}

TEST(JsonTest, CompactsWhiteSpace) {
  EXPECT_EQ(Normalized(" {\n\t\"a\" : 1 ,\r\n \"b\" : [ 1 , 2 , { } , [ ] ] } \n"),
            R"({"a":1,"b":[1,2,{},[]]})");
  EXPECT_EQ(Normalized("  true "), "true");
  EXPECT_EQ(Normalized("null"), "null");
  EXPECT_EQ(Normalized(R"( "  spaces inside strings stay  " )"),
            R"("  spaces inside strings stay  ")");
}

TEST(JsonTest, KeepsMemberOrderAndDuplicates) {
  // Re-ordering members would change the checksummed bytes.
  EXPECT_EQ(Normalized(R"({"z":1,"a":2,"m":{"y":0,"b":0}})"), R"({"z":1,"a":2,"m":{"y":0,"b":0}})");
  EXPECT_EQ(Normalized(R"({"k":1,"k":2})"), R"({"k":1,"k":2})");
}

TEST(JsonTest, KeepsNumbersExactlyAsWritten) {
  const char* numbers[] = {"0",
                           "-0",
                           "1.50",
                           "1e2",
                           "1E+2",
                           "-2.5e-10",
                           "3.2850799999999999",
                           "12345678901234567890123",
                           "-9223372036854775809",
                           "18446744073709551616",
                           "0.1000000000000000055511151231257827"};
  for (const char* n : numbers) {
    EXPECT_EQ(Normalized(n), n);
    EXPECT_EQ(Normalized(std::string("[ ") + n + " ]"), std::string("[") + n + "]");
    EXPECT_EQ(Normalized(std::string("{\"n\": ") + n + "}", JsonKind::kObject),
              std::string("{\"n\":") + n + "}");
  }
}

TEST(JsonTest, RejectsMalformedNumbers) {
  for (const char* n : {"01", "1.", ".5", "+1", "1e", "-", "0x10", "NaN", "Infinity"}) {
    Rejected(n);
  }
}

TEST(JsonTest, ReEscapesStringsMinimally) {
  // Unneeded escapes are decoded; needed ones are kept.
  EXPECT_EQ(Normalized(R"("\u0041\/\u00e9")"), "\"A/\xc3\xa9\"");
  EXPECT_EQ(Normalized(R"("q\"b\\n\nt\tr\rb\bf\f")"), R"("q\"b\\n\nt\tr\rb\bf\f")");
  // A surrogate pair becomes the 4-byte UTF-8 form of U+1F600.
  EXPECT_EQ(Normalized(R"("\ud83d\ude00")"), "\"\xf0\x9f\x98\x80\"");
  // Raw UTF-8 passes through unchanged.
  EXPECT_EQ(Normalized("\"\xe2\x82\xac \xf0\x9f\x98\x80\""), "\"\xe2\x82\xac \xf0\x9f\x98\x80\"");
  // A NUL stays escaped (it cannot appear raw in a JSON string).
  EXPECT_EQ(Normalized(R"("a\u0000b")"), R"("a\u0000b")");
  // Member names are strings too.
  EXPECT_EQ(Normalized(R"({"\u0061":1})"), R"({"a":1})");
}

TEST(JsonTest, NormalizedOutputIsAFixedPoint) {
  const char* inputs[] = {R"( { "a" : [ 1.50 , "x\u00e9\/" , null , { "b" : 1e2 } ] } )",
                          R"("\ud83d\ude00 \t")", "[ ]"};
  for (const char* in : inputs) {
    std::string once = Normalized(in);
    EXPECT_EQ(Normalized(once), once);
  }
}

TEST(JsonTest, NormalizedOutputIsValidUtf8) {
  // The stored text must itself be valid JSON in UTF-8, or re-reading it (an
  // export, a re-import, a repair) fails.
  const char* inputs[] = {R"("\ud83d\ude00")", R"("\uffff")", R"("\u07ff")", R"("\ud7ff")",
                          R"("\ue000")"};
  for (const char* in : inputs) {
    EXPECT_TRUE(IsValidUtf8(Normalized(in))) << in;
  }
}

TEST(JsonTest, LoneSurrogateEscapesDoNotProduceInvalidUtf8) {
  // "\udc00" names half of a surrogate pair, which has no UTF-8 form. It must
  // be refused (or replaced), never stored as the invalid bytes ED B0 80 that
  // NormalizeJson itself refuses on the way back in.
  for (const char* in : {R"({"a":"\udc00"})", R"({"a":"x\udfffy"})"}) {
    std::string out;
    Status s = NormalizeJson(in, JsonKind::kObject, "data", &out);
    if (s.ok()) {
      EXPECT_TRUE(IsValidUtf8(out)) << in << " normalized to " << testing::PrintToString(out);
      std::string again;
      EXPECT_TRUE(NormalizeJson(out, JsonKind::kObject, "data", &again).ok()) << in;
    } else {
      EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
    }
  }
  // A lone high surrogate is refused.
  Rejected(R"("\ud800")");
  Rejected(R"("\ud800\u0041")");
}

TEST(JsonTest, RejectsInvalidJsonWithOffset) {
  // `{"a" 1}`: the colon is missing at offset 5.
  std::string msg = Rejected(R"({"a" 1})");
  EXPECT_NE(msg.find("data is not valid JSON at offset 5"), std::string::npos) << msg;

  msg = Rejected(R"({"a":1,})");
  EXPECT_NE(msg.find("at offset 7"), std::string::npos) << msg;

  msg = Rejected("[1,2");
  EXPECT_NE(msg.find("at offset 4"), std::string::npos) << msg;

  msg = Rejected("");
  EXPECT_NE(msg.find("at offset 0"), std::string::npos) << msg;

  for (const char* bad : {"{", "}", "[", "{a:1}", "{'a':1}", "[1,]", "tru", "nul", "\"abc",
                          "\"tab\there\"", "\"\\x\"", "\"\\u12\"", "// comment\n{}"}) {
    Rejected(bad);
  }
}

TEST(JsonTest, NamesTheInputInTheMessage) {
  std::string out;
  Status s = NormalizeJson("[", JsonKind::kObject, "metadata", &out);
  ASSERT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message().rfind("metadata is not valid JSON", 0), 0u) << s.message();
}

TEST(JsonTest, RejectsTrailingGarbage) {
  std::string msg = Rejected(R"({"a":1} x)");
  EXPECT_NE(msg.find("at offset 8"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unexpected text after the value"), std::string::npos) << msg;

  Rejected(R"({"a":1}{})");
  Rejected("1 2");
  Rejected("[]]");
  Rejected(std::string_view("{}\0", 3));
  // Trailing white space alone is fine.
  EXPECT_EQ(Normalized("{} \t\r\n", JsonKind::kObject), "{}");
}

TEST(JsonTest, RejectsInvalidUtf8InStrings) {
  const std::string_view bad[] = {
      "\"\xff\"",              // never valid
      "\"\x80\"",              // lone continuation byte
      "\"\xc3\"",              // truncated 2-byte sequence
      "\"\xc0\xaf\"",          // overlong '/'
      "\"\xe0\x80\xaf\"",      // overlong, 3 bytes
      "\"\xed\xa0\x80\"",      // UTF-16 surrogate D800 encoded as UTF-8
      "\"\xf4\x90\x80\x80\"",  // above U+10FFFF
      "{\"\xff\":1}",          // in a member name
  };
  for (std::string_view in : bad) Rejected(in);
}

TEST(JsonTest, ObjectKindRequiresAnObject) {
  for (const char* not_object : {"[]", "[{}]", "1", "\"{}\"", "null", "true"}) {
    std::string msg = Rejected(not_object, JsonKind::kObject);
    EXPECT_NE(msg.find("must be a JSON object"), std::string::npos) << msg;
    // The same text is any value.
    Normalized(not_object, JsonKind::kAnyValue);
  }
  EXPECT_EQ(Normalized(" { } ", JsonKind::kObject), "{}");
}

TEST(JsonTest, DeepNestingDoesNotCrash) {
  // 100,000 nested arrays is 200 KB of input, far under the value size limit;
  // the parser must refuse (or accept) it, not overflow the stack. Run in a
  // child process so that a crash fails only this test.
  const std::string old_style = GTEST_FLAG_GET(death_test_style);
  GTEST_FLAG_SET(death_test_style, "threadsafe");  // re-exec: other tests may own threads
  EXPECT_EXIT(
      {
        const size_t depth = 100000;
        std::string in(depth, '[');
        in.append(depth, ']');
        std::string out;
        Status s = NormalizeJson(in, JsonKind::kAnyValue, "data", &out);
        std::exit(s.ok() || s.IsInvalidArgument() ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
  GTEST_FLAG_SET(death_test_style, old_style);
}

TEST(JsonTest, NestingDepthIsLimited) {
  auto nested = [](int depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  EXPECT_EQ(Normalized(nested(kMaxJsonDepth)), nested(kMaxJsonDepth));
  std::string msg = Rejected(nested(kMaxJsonDepth + 1));
  EXPECT_NE(msg.find(std::to_string(kMaxJsonDepth)), std::string::npos) << msg;

  // Objects count as levels too.
  std::string objects;
  for (int i = 0; i < kMaxJsonDepth; ++i) objects += R"({"k":)";
  objects += "1" + std::string(kMaxJsonDepth, '}');
  EXPECT_EQ(Normalized(objects, JsonKind::kObject), objects);
  Rejected("[" + objects + "]");
}

// Compact JSON without escapes takes a fast path (validated, kept as it is);
// everything else is re-serialised. Both must give the same bytes: generate
// random values, and normalize each compact form and a spaced-out form of it.
class RandomJson {
 public:
  explicit RandomJson(uint64_t seed) : state_(seed) {}

  // Appends a value to *compact and the same value with white space to *spaced.
  void Value(int depth, std::string* compact, std::string* spaced) {
    switch (depth > 4 ? Next() % 4 : Next() % 6) {
      case 0: Both(compact, spaced, kNumbers[Next() % std::size(kNumbers)]); break;
      case 1: Both(compact, spaced, kLiterals[Next() % std::size(kLiterals)]); break;
      case 2: String(compact, spaced); break;
      case 3: String(compact, spaced); break;
      case 4: Container(depth, '[', ']', compact, spaced); break;
      default: Container(depth, '{', '}', compact, spaced); break;
    }
  }

 private:
  static constexpr const char* kNumbers[] = {
      "0", "-0", "1", "-17", "3.14159", "1e5", "2.5E-3", "-1e-400", "1.5e308",
      "123456789012345678901234567890", "0.10000000000000000555"};
  static constexpr const char* kLiterals[] = {"true", "false", "null"};
  static constexpr const char* kPieces[] = {"a", "pi", " ", "3.14", "é", "π", "😀", "/", "\x7f",
                                            "key with spaces", "{", "]", ":", ","};

  uint64_t Next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return state_;
  }
  static void Both(std::string* compact, std::string* spaced, std::string_view text) {
    compact->append(text);
    spaced->append(text);
  }
  void String(std::string* compact, std::string* spaced) {
    std::string s = "\"";
    for (uint64_t n = Next() % 5; n > 0; --n) s += kPieces[Next() % std::size(kPieces)];
    s += "\"";
    Both(compact, spaced, s);
  }
  void Container(int depth, char open, char close, std::string* compact, std::string* spaced) {
    compact->push_back(open);
    spaced->append({open, '\n', ' '});
    for (uint64_t n = Next() % 4, i = 0; i < n; ++i) {
      if (i > 0) {
        compact->push_back(',');
        spaced->append(" ,\t");
      }
      if (open == '{') {
        String(compact, spaced);
        compact->push_back(':');
        spaced->append(" : ");
      }
      Value(depth + 1, compact, spaced);
    }
    spaced->append({'\r', '\n', close});
    compact->push_back(close);
  }

  uint64_t state_;
};

TEST(JsonTest, CompactInputAndItsSpacedFormNormalizeAlike) {
  RandomJson gen(20261124);
  for (int i = 0; i < 3000; ++i) {
    std::string compact, spaced;
    gen.Value(0, &compact, &spaced);
    EXPECT_EQ(Normalized(compact), compact);
    EXPECT_EQ(Normalized(spaced), compact) << spaced;
  }
}

TEST(JsonTest, EscapesAreRewrittenEvenInOtherwiseCompactInput) {
  EXPECT_EQ(Normalized(R"({"a":"\u00e9\/"})"), "{\"a\":\"\xc3\xa9/\"}");
  EXPECT_EQ(Normalized(R"(["\n\"\\"])"), R"(["\n\"\\"])");
  EXPECT_EQ(Normalized(R"(["\u000A"])"), R"(["\n"])");
}

TEST(JsonTest, CompactButInvalidInputIsStillRejected) {
  for (const char* bad : {"{\"a\":1,}", "[1,,2]", "{\"a\"}", "[tru]", "\"abc", "01", "[1.]",
                          "{\"a\":\"\x01\"}", "{\"a\":1}x"}) {
    Rejected(bad);
  }
  Rejected("\"\xed\xa0\x80\"");  // a surrogate encoded as UTF-8
}

TEST(JsonTest, IsValidUtf8AcceptsWellFormedText) {
  const std::string_view good[] = {
      "",
      "plain ascii",
      std::string_view("\0", 1),
      "\x7f",
      "\xc2\x80",          // U+0080, smallest 2-byte
      "\xdf\xbf",          // U+07FF
      "\xe0\xa0\x80",      // U+0800, smallest 3-byte
      "\xed\x9f\xbf",      // U+D7FF, just below the surrogates
      "\xee\x80\x80",      // U+E000, just above
      "\xef\xbf\xbf",      // U+FFFF
      "\xf0\x90\x80\x80",  // U+10000, smallest 4-byte
      "\xf4\x8f\xbf\xbf",  // U+10FFFF, the largest code point
      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
  };
  for (std::string_view s : good) EXPECT_TRUE(IsValidUtf8(s)) << testing::PrintToString(s);
}

TEST(JsonTest, IsValidUtf8RefusesMalformedText) {
  const std::string_view bad[] = {
      "\x80",  // lone continuation
      "a\xbf",
      "\xc0\x80",                  // overlong NUL
      "\xc1\xbf",                  // overlong U+007F
      "\xe0\x80\x80",              // overlong, 3 bytes
      "\xe0\x9f\xbf",              // overlong U+07FF
      "\xf0\x80\x80\x80",          // overlong, 4 bytes
      "\xf0\x8f\xbf\xbf",          // overlong U+FFFF
      "\xed\xa0\x80",              // surrogate U+D800
      "\xed\xbf\xbf",              // surrogate U+DFFF
      "\xed\xa0\xbd\xed\xb8\x80",  // CESU-8 surrogate pair
      "\xf4\x90\x80\x80",          // U+110000
      "\xf5\x80\x80\x80",
      "\xf8\x88\x80\x80\x80",  // 5-byte form
      "\xfe",
      "\xff",
      "\xc3",  // truncated at the end
      "\xe2\x82",
      "\xf0\x9f\x98",
      "\xe2\x82!",     // truncated before more text
      "\xc3\xc3\xa9",  // lead byte where a continuation belongs
  };
  for (std::string_view s : bad) EXPECT_FALSE(IsValidUtf8(s)) << testing::PrintToString(s);
}

// An independent reference: the well-formed byte sequences of Unicode
// Table 3-7, as explicit ranges per lead byte.
size_t WellFormedLength(std::string_view s) {
  auto b = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
  auto in = [](uint8_t x, uint8_t lo, uint8_t hi) { return x >= lo && x <= hi; };
  if (s.empty()) return 0;
  uint8_t c = b(0);
  if (c <= 0x7f) return 1;
  if (in(c, 0xc2, 0xdf)) return s.size() >= 2 && in(b(1), 0x80, 0xbf) ? 2 : 0;
  if (in(c, 0xe0, 0xef)) {
    if (s.size() < 3) return 0;
    uint8_t lo = c == 0xe0 ? 0xa0 : 0x80;
    uint8_t hi = c == 0xed ? 0x9f : 0xbf;
    return in(b(1), lo, hi) && in(b(2), 0x80, 0xbf) ? 3 : 0;
  }
  if (in(c, 0xf0, 0xf4)) {
    if (s.size() < 4) return 0;
    uint8_t lo = c == 0xf0 ? 0x90 : 0x80;
    uint8_t hi = c == 0xf4 ? 0x8f : 0xbf;
    return in(b(1), lo, hi) && in(b(2), 0x80, 0xbf) && in(b(3), 0x80, 0xbf) ? 4 : 0;
  }
  return 0;
}

bool ReferenceIsValidUtf8(std::string_view s) {
  while (!s.empty()) {
    size_t n = WellFormedLength(s);
    if (n == 0) return false;
    s.remove_prefix(n);
  }
  return true;
}

TEST(JsonTest, IsValidUtf8AgreesWithReferenceOnAllShortSequences) {
  // Every 1- and 2-byte string, and every 3-byte string with a non-ASCII lead.
  std::string s;
  for (int a = 0; a < 256; ++a) {
    s.assign(1, static_cast<char>(a));
    ASSERT_EQ(IsValidUtf8(s), ReferenceIsValidUtf8(s)) << testing::PrintToString(s);
    for (int b = 0; b < 256; ++b) {
      s.assign({static_cast<char>(a), static_cast<char>(b)});
      ASSERT_EQ(IsValidUtf8(s), ReferenceIsValidUtf8(s)) << testing::PrintToString(s);
    }
  }
  for (int a = 0xc0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      for (int c = 0; c < 256; ++c) {
        s.assign({static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)});
        ASSERT_EQ(IsValidUtf8(s), ReferenceIsValidUtf8(s)) << testing::PrintToString(s);
      }
    }
  }
  // 4-byte leads with the interesting continuation values.
  const uint8_t tails[] = {0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xff};
  for (int a = 0xf0; a < 256; ++a) {
    for (uint8_t b : tails) {
      for (uint8_t c : tails) {
        for (uint8_t d : tails) {
          s.assign({static_cast<char>(a), static_cast<char>(b), static_cast<char>(c),
                    static_cast<char>(d)});
          ASSERT_EQ(IsValidUtf8(s), ReferenceIsValidUtf8(s)) << testing::PrintToString(s);
        }
      }
    }
  }
}

TEST(JsonTest, AppendJsonStringQuotesAndEscapes) {
  std::string out = "prefix:";
  AppendJsonString(&out, R"(say "hi" \ bye)");
  EXPECT_EQ(out, R"(prefix:"say \"hi\" \\ bye")");

  out.clear();
  AppendJsonString(&out, "");
  EXPECT_EQ(out, R"("")");

  out.clear();
  AppendJsonString(&out, "\b\f\n\r\t");
  EXPECT_EQ(out, R"("\b\f\n\r\t")");

  // '/' and DEL need no escape; UTF-8 passes through.
  out.clear();
  AppendJsonString(&out, "a/b\x7f\xc3\xa9");
  EXPECT_EQ(out, "\"a/b\x7f\xc3\xa9\"");
}

TEST(JsonTest, AppendJsonStringEscapesEveryControlCharacter) {
  for (int c = 0; c < 0x20; ++c) {
    const char ch = static_cast<char>(c);
    std::string out;
    AppendJsonString(&out, std::string_view(&ch, 1));
    // No raw control byte may remain, and the literal must decode back to
    // the same single character.
    for (char o : out) EXPECT_GE(static_cast<uint8_t>(o), 0x20) << "char " << c;
    std::string normalized;
    ASSERT_TRUE(NormalizeJson(out, JsonKind::kAnyValue, "data", &normalized).ok()) << out;
    EXPECT_EQ(normalized, out) << "char " << c;
    std::string expected_hex =
        "\\u00" + std::string(1, "01"[c >> 4]) + std::string(1, "0123456789abcdef"[c & 15]);
    std::string lowered = out;
    for (char& o : lowered) o = static_cast<char>(std::tolower(static_cast<unsigned char>(o)));
    switch (c) {
      case '\b':
        EXPECT_EQ(out, R"("\b")");
        break;
      case '\f':
        EXPECT_EQ(out, R"("\f")");
        break;
      case '\n':
        EXPECT_EQ(out, R"("\n")");
        break;
      case '\r':
        EXPECT_EQ(out, R"("\r")");
        break;
      case '\t':
        EXPECT_EQ(out, R"("\t")");
        break;
      default:
        EXPECT_EQ(lowered, "\"" + expected_hex + "\"") << "char " << c;
    }
  }
}

TEST(JsonTest, FastAndSlowPathsAgreeOnLongExponents) {
  // Found by fuzz/json_fuzzer: "0e468" was accepted by the fast path
  // (simdjson: it is 0) and refused by the slow one (RapidJSON refuses an
  // exponent above 308), so a trailing space changed the verdict.
  // Likewise for a 308-digit integer (RapidJSON refuses from 1.8e307).
  const std::string big = "[" + std::string(308, '2') + "]";
  const std::string huge = "[1" + std::string(308, '0') + "]";
  for (const std::string& text : {std::string("0e468"), std::string("[0.0E+999]"),
                                  std::string("{\"a\":0e400}"), std::string("1e309"),
                                  std::string("1e308"), std::string("2E-400"), big, huge,
                                  "[" + std::string(307, '9') + "]"}) {
    std::string compact, spaced;
    const Status a = NormalizeJson(text, JsonKind::kAnyValue, "data", &compact);
    const Status b = NormalizeJson(std::string(text) + " ", JsonKind::kAnyValue, "data", &spaced);
    EXPECT_EQ(a.ok(), b.ok()) << text << ": " << a.ToString() << " / " << b.ToString();
    if (a.ok() && b.ok()) {
      EXPECT_EQ(compact, spaced) << text;
    }
  }
  std::string out;
  EXPECT_TRUE(NormalizeJson("1e308", JsonKind::kAnyValue, "data", &out).ok());
  EXPECT_EQ(out, "1e308");
}

TEST(JsonTest, NestingDepthCountsBracketsOutsideStrings) {
  EXPECT_FALSE(JsonNestsDeeperThan("[[1]]", 2));
  EXPECT_TRUE(JsonNestsDeeperThan("[[1]]", 1));
  EXPECT_FALSE(JsonNestsDeeperThan(R"({"a":[{}],"b":{}})", 3));
  EXPECT_TRUE(JsonNestsDeeperThan(R"({"a":[{}],"b":{}})", 2));
  // Brackets in strings, escaped quotes included, do not count.
  EXPECT_FALSE(JsonNestsDeeperThan(R"(["[[[\"[[[", "\\", {}])", 2));
  EXPECT_TRUE(JsonNestsDeeperThan(std::string(1000000, '['), kMaxJsonDepth));
  EXPECT_FALSE(JsonNestsDeeperThan(std::string(kMaxJsonDepth, '['), kMaxJsonDepth));
}

}  // namespace
}  // namespace spirapi
