// Partial parsing of records for queries (src/query/record_fields.h): what
// a query reads of a record must be what a whole parse would give it.

#include "query/record_fields.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "query/query_value.h"

namespace spirapi::query {
namespace {

Query Parse(std::string_view text) {
  Query q;
  EXPECT_TRUE(ParseQuery(text, &q).ok()) << text;
  return q;
}

// The value at `path` (dotted) in `json`, as ToJson writes it, by a whole
// parse and by RecordFields for query `q`.
void ExpectSameValue(const Query& q, RecordFields* fields, std::string_view json,
                     std::string_view path_text) {
  Path path;
  ASSERT_EQ(ParsePath(path_text, &path), "");
  rapidjson::Document whole, partial;
  whole.Parse(json.data(), json.size());
  ASSERT_FALSE(whole.HasParseError());
  ASSERT_TRUE(fields->Load(json, &partial).ok()) << json;
  Json scratch1, scratch2;
  const Json* a = Resolve(path, RecordView{"id", &whole, nullptr, 1, 0, {}}, &scratch1);
  const Json* b = Resolve(path, RecordView{"id", &partial, nullptr, 1, 0, {}}, &scratch2);
  ASSERT_EQ(a == nullptr, b == nullptr) << json << " at " << path_text;
  if (a != nullptr) EXPECT_EQ(ToJson(*a), ToJson(*b)) << json << " at " << path_text;
}

TEST(RecordFieldsTest, ReadsOnlyTheMembersTheQueryNames) {
  Query q = Parse(R"({"a.b":{"$gt":1},"$or":[{"c":1},{"@metadata.m":2}],"$sort":{"d":"asc"}})");
  RecordFields data(q, Path::Root::kData);
  RecordFields metadata(q, Path::Root::kMetadata);
  EXPECT_TRUE(data.needed());
  EXPECT_TRUE(metadata.needed());
  rapidjson::Document doc;
  ASSERT_TRUE(data.Load(R"({"x":[1,2,{"y":"z"}],"a":{"b":5},"big":"0123456789","d":null,)"
                        R"("c":-0.5e3})",
                        &doc)
                  .ok());
  ASSERT_TRUE(doc.IsObject());
  EXPECT_EQ(doc.MemberCount(), 3u);  // a, d, c
  EXPECT_FALSE(doc.HasMember("x"));
  EXPECT_FALSE(doc.HasMember("big"));
  EXPECT_EQ(ToJson(doc["a"]), R"({"b":5})");
  EXPECT_EQ(ToJson(doc["c"]), "-500.0");

  Query ids = Parse(R"({"@id":{"$prefix":"a"}})");
  EXPECT_FALSE(RecordFields(ids, Path::Root::kData).needed());
  EXPECT_FALSE(RecordFields(ids, Path::Root::kMetadata).needed());
}

TEST(RecordFieldsTest, AgreesWithAWholeParse) {
  Query q = Parse(R"({"k":1,"A":1,"q\"uote":1,"n.0":1,"e":1,"s":1,"$fields":["o.p"]})");
  RecordFields fields(q, Path::Root::kData);
  const char* records[] = {
      // A member named twice counts by its first occurrence, as FindMember
      // finds it.
      R"({"k":1,"k":2})",
      R"({"x":{"k":9},"k":[3,{"k":4}]})",
      // Escaped names are compared unescaped.
      R"({"\u0041":"by escape","q\"uote":true})",
      // Numbers as RapidJSON reads them in place: integers, exponents, big
      // ones.
      R"({"e":1e-7,"n":[18446744073709551615,-9223372036854775808,0.1]})",
      R"({"s":"tab\tnewline\n\u00e9\ud83d\ude00","o":{"p":[{}]}})",
      R"({})",
      // Not objects: the whole value.
      R"([1,2,3])",
      R"("text")",
      R"(42)",
      R"(null)",
  };
  for (const char* json : records) {
    for (const char* path : {"k", "k.1.k", "A", "q\"uote", "n.0", "n.2", "e", "s", "o.p"}) {
      ExpectSameValue(q, &fields, json, path);
    }
  }
}

TEST(RecordFieldsTest, ReportsTextThatIsNotJson) {
  Query q = Parse(R"({"a":1})");
  RecordFields fields(q, Path::Root::kData);
  rapidjson::Document doc;
  Status s = fields.Load(R"({"a":1,"b":)", &doc);
  ASSERT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.ToString().find("does not parse as JSON (offset"), std::string::npos);
  EXPECT_TRUE(fields.Load(R"({"a":[1,2})", &doc).IsCorruption());
}

// Regression: one document reused for every record of a query kept all
// their values in its pool allocator, so scanning a million 1 KB records
// held gigabytes until the query ended.
TEST(RecordFieldsTest, MemoryDoesNotGrowWithTheRecordsLoaded) {
  Query partial = Parse(R"({"a":{"$exists":true}})");
  std::mt19937 rng(3);
  for (const bool object : {true, false}) {
    RecordFields fields(partial, Path::Root::kData);
    rapidjson::Document doc;
    for (int i = 0; i < 20000; ++i) {
      std::string big(1000, static_cast<char>('a' + rng() % 26));
      const std::string json = object ? R"({"a":")" + big + R"(","b":1})" : R"([")" + big + R"("])";
      ASSERT_TRUE(fields.Load(json, &doc).ok());
    }
    EXPECT_LT(doc.GetAllocator().Capacity(), 4u << 20) << (object ? "object" : "array");
  }
}

}  // namespace
}  // namespace spirapi::query
