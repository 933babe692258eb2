// The query language's $contains and $near (docs/QUERY.md) as filters, with
// no index: substrings and Hamming distance over string values.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "spirapi/db.h"
#include "spirapi/query.h"
#include "support/temp_dir.h"

namespace spirapi {
namespace {

class QuerySimilarityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Options o;
    o.background_work = false;
    ASSERT_TRUE(DB::Open(o, dir_.Sub("db"), &db_).ok());
    const char* records[][2] = {
        {"a", R"({"s":"3141592653589793"})"},
        {"b", R"({"s":"2718281828459045"})"},
        {"c", R"({"s":31415926})"},        // a number never matches
        {"d", R"({"s":["3141592653"]})"},  // nor an array of strings
        {"e", R"({"s":"31"})"},            // shorter than the patterns
        {"f", R"({"t":"3141592653"})"},    // no such field
        {"g", R"({"s":"caf\u00e9 3141592"})"},
    };
    for (const auto& r : records) {
      ASSERT_TRUE(db_->Put(WriteOptions(), Component::kCache, r[0], r[1], "{}").ok());
    }
  }

  // The ids of the rows, or "ERROR: ...".
  std::string Ids(const std::string& filter) {
    QuerySource source;
    source.component = Component::kCache;
    std::string q = filter;
    q.insert(q.size() - 1, R"(,"$fields":["@id"])");
    std::string out;
    Status s = RunQuery(db_.get(), source, q, QueryOptions(), [&](std::string_view row) {
      out += std::string(row.substr(8, row.size() - 10)) + " ";
      return true;
    });
    return s.ok() ? out : "ERROR: " + s.ToString();
  }

  test::TempDir dir_;
  std::unique_ptr<DB> db_;
};

TEST_F(QuerySimilarityTest, ContainsMatchesSubstringsOfStrings) {
  EXPECT_EQ(Ids(R"({"s":{"$contains":"14159"}})"), "a g ");
  EXPECT_EQ(Ids(R"({"s":{"$contains":"3"}})"), "a e g ");
  EXPECT_EQ(Ids(R"({"s":{"$contains":"9045"}})"), "b ");
  EXPECT_EQ(Ids(R"({"s":{"$contains":"\u00e9 31"}})"), "g ");
  EXPECT_EQ(Ids(R"({"s":{"$contains":"3141592653589793x"}})"), "");
  EXPECT_EQ(Ids(R"({"s":{"$not":{"$contains":"1"}}})"), "c d f ");
}

TEST_F(QuerySimilarityTest, NearMatchesWindowsWithinHammingDistance) {
  // a holds "2653", one byte from "2658".
  EXPECT_EQ(Ids(R"({"s":{"$near":{"pattern":"2658","distance":0}}})"), "");
  EXPECT_EQ(Ids(R"({"s":{"$near":{"pattern":"2658","distance":1}}})"), "a ");
  EXPECT_EQ(Ids(R"({"s":{"$near":{"pattern":"14159","distance":0}}})"), "a g ");
  // "31415" vs b's "28182": windows of b differ in 4 or 5 bytes.
  EXPECT_EQ(Ids(R"({"s":{"$near":{"pattern":"x1415","distance":1}}})"), "a g ");
  EXPECT_EQ(Ids(R"({"s":{"$near":{"pattern":"31","distance":1}}})"), "a b e g ");
  // A window must be whole: "31" cannot hold a 3-byte pattern.
  EXPECT_EQ(Ids(R"({"s":{"$near":{"pattern":"319","distance":2}},"@id":"e"})"), "");
  // One equal byte in place is enough at distance 5; e is too short.
  EXPECT_EQ(Ids(R"({"s":{"$near":{"pattern":"271828","distance":5}}})"), "a b g ");
}

TEST_F(QuerySimilarityTest, BadOperandsNameThePlace) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"s":{"$contains":""}})", "query: s.$contains: needs a non-empty string"},
      {R"({"s":{"$contains":3}})", "query: s.$contains: needs a string, not a number"},
      {R"({"s":{"$near":"31"}})", "query: s.$near: needs {\"pattern\""},
      {R"({"s":{"$near":{"pattern":"31"}}})", "query: s.$near: needs {\"pattern\""},
      {R"({"s":{"$near":{"pattern":"","distance":0}}})",
       "query: s.$near.pattern: needs a non-empty string, not \"\""},
      {R"({"s":{"$near":{"pattern":7,"distance":0}}})",
       "query: s.$near.pattern: needs a non-empty string, not a number"},
      {R"({"s":{"$near":{"pattern":"31","distance":2}}})",
       "query: s.$near.distance: needs an integer from 0 to the pattern's length - 1 (1), not 2"},
      {R"({"s":{"$near":{"pattern":"31","distance":-1}}})",
       "query: s.$near.distance: needs an integer from 0 to the pattern's length - 1 (1), not -1"},
      {R"({"s":{"$near":{"pattern":"31","distance":0.5}}})",
       "query: s.$near.distance: needs an integer"},
      {R"({"s":{"$near":{"pattern":"31","distance":0,"max":1}}})",
       "query: s.$near.max: unknown key"},
      {R"({"$or":[{"s":{"$near":{"pattern":"31"}}}]})", "query: $or[0].s.$near: needs"},
  };
  for (const auto& [q, error] : cases) {
    EXPECT_NE(Ids(q).find(error), std::string::npos) << q << "\n" << Ids(q);
    EXPECT_TRUE(CheckQuery(q).IsInvalidArgument()) << q;
  }
}

}  // namespace
}  // namespace spirapi
