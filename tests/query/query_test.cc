// The query language over components and schemas (include/spirapi/query.h).

#include "spirapi/query.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "spirapi/pi.h"
#include "spirapi/schema.h"
#include "support/temp_dir.h"

namespace spirapi {
namespace {

class QueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Options o;
    o.background_work = false;
    ASSERT_TRUE(DB::Open(o, dir_.Sub("db"), &db_).ok());
    WriteOptions wo;
    wo.sync = false;
    const char* records[][3] = {
        {"a", R"({"n":3,"s":"x","tags":["p","q"],"o":{"k":1},"b":true})", R"({"by":"ann"})"},
        {"b", R"({"n":3.0,"s":"y","o":{"k":2}})", R"({"by":"bob"})"},
        {"c", R"({"n":"3","s":"x","b":1})", "{}"},
        {"d", R"({"n":10,"s":"xyz","o":{"k":1,"j":[1,2]}})", R"({"by":"ann"})"},
        {"e", R"({"n":-1.5,"s":"ab"})", "{}"},
        {"f", R"([1,2,3])", "{}"},
    };
    for (const auto& r : records) {
      ASSERT_TRUE(db_->Put(wo, Component::kCache, r[0], r[1], r[2]).ok());
    }
  }

  // The rows of a query, or "ERROR: ..." .
  std::vector<std::string> Run(const std::string& q, QueryStats* stats = nullptr,
                               const QuerySource* source = nullptr) {
    QuerySource cache;
    cache.component = Component::kCache;
    std::vector<std::string> rows;
    Status s = RunQuery(db_.get(), source ? *source : cache, q, QueryOptions(),
                        [&](std::string_view row) {
                          rows.emplace_back(row);
                          return true;
                        },
                        stats);
    if (!s.ok()) return {"ERROR: " + s.ToString()};
    return rows;
  }

  // Just the ids of the rows (from "$fields": ["@id"]).
  std::string Ids(const std::string& filter_and_options) {
    std::string q = filter_and_options;
    q.insert(q.size() - 1, std::string(q.size() > 2 ? "," : "") + R"("$fields":["@id"])");
    std::string out;
    for (const std::string& row : Run(q)) {
      if (row.rfind("ERROR", 0) == 0) return row;
      out += row.substr(8, row.size() - 10) + " ";  // {"@id":"a"}
    }
    return out;
  }

  test::TempDir dir_;
  std::unique_ptr<DB> db_;
};

TEST_F(QueryTest, EqualityIsByJsonValue) {
  EXPECT_EQ(Ids(R"({"n":3})"), "a b ");         // 3 and 3.0; not "3"
  EXPECT_EQ(Ids(R"({"n":"3"})"), "c ");
  EXPECT_EQ(Ids(R"({"b":true})"), "a ");        // true is not 1
  EXPECT_EQ(Ids(R"({"b":1})"), "c ");
  EXPECT_EQ(Ids(R"({"o":{"k":1}})"), "a ");     // objects by members
  EXPECT_EQ(Ids(R"({"tags":["p","q"]})"), "a ");
  EXPECT_EQ(Ids(R"({"o.k":1,"s":"x"})"), "a ");
  EXPECT_EQ(Ids(R"({"tags.1":"q"})"), "a ");
  EXPECT_EQ(Ids(R"({"o.j.0":1})"), "d ");
  EXPECT_EQ(Ids(R"({"0":1})"), "f ");           // into an array's data
  EXPECT_EQ(Ids(R"({})"), "a b c d e f ");
}

TEST_F(QueryTest, Operators) {
  EXPECT_EQ(Ids(R"({"n":{"$gt":3}})"), "d ");
  EXPECT_EQ(Ids(R"({"n":{"$gte":3,"$lt":10}})"), "a b ");
  EXPECT_EQ(Ids(R"({"n":{"$lte":-1.5}})"), "e ");
  EXPECT_EQ(Ids(R"({"s":{"$gt":"x"}})"), "b d ");   // strings bytewise; never numbers
  EXPECT_EQ(Ids(R"({"n":{"$ne":3}})"), "c d e f "); // missing counts as not equal
  EXPECT_EQ(Ids(R"({"s":{"$in":["ab","y"]}})"), "b e ");
  EXPECT_EQ(Ids(R"({"s":{"$nin":["x","xyz"]}})"), "b e f ");
  EXPECT_EQ(Ids(R"({"b":{"$exists":true}})"), "a c ");
  EXPECT_EQ(Ids(R"({"b":{"$exists":false},"s":{"$exists":true}})"), "b d e ");
  EXPECT_EQ(Ids(R"({"s":{"$prefix":"x"}})"), "a c d ");
  EXPECT_EQ(Ids(R"({"s":{"$regex":"^x.z$"}})"), "d ");
  EXPECT_EQ(Ids(R"({"n":{"$not":{"$gt":0}}})"), "c e f ");
  EXPECT_EQ(Ids(R"({"$or":[{"s":"y"},{"n":10}]})"), "b d ");
  EXPECT_EQ(Ids(R"({"$and":[{"s":"x"},{"n":"3"}]})"), "c ");
  EXPECT_EQ(Ids(R"({"$not":{"s":"x"}})"), "b d e f ");
}

TEST_F(QueryTest, RecordFields) {
  EXPECT_EQ(Ids(R"({"@id":"c"})"), "c ");
  EXPECT_EQ(Ids(R"({"@id":{"$in":["a","e","zz"]}})"), "a e ");
  EXPECT_EQ(Ids(R"({"@metadata.by":"ann"})"), "a d ");
  EXPECT_EQ(Ids(R"({"@version":1,"@timestamp":{"$gt":1e9}})"), "a b c d e f ");
  ASSERT_TRUE(db_->Put(WriteOptions(), Component::kCache, "a", R"({"n":4})").ok());
  EXPECT_EQ(Ids(R"({"@version":{"$gte":2}})"), "a ");
  StorageRecord d;
  ASSERT_TRUE(db_->Get(ReadOptions(), Component::kCache, "d", &d).ok());
  EXPECT_EQ(Ids(R"({"@checksum":")" + d.checksum + R"("})"), "d ");
  // Sorting by the checksum, which no filter reads.
  std::vector<std::pair<std::string, std::string>> by_checksum;
  ASSERT_TRUE(db_->Scan(ReadOptions(), Component::kCache, ScanOptions(), [&](const StorageRecord& r) {
                    by_checksum.emplace_back(r.checksum, r.id);
                    return true;
                  }).ok());
  std::sort(by_checksum.rbegin(), by_checksum.rend());
  std::string expected;
  for (const auto& [checksum, id] : by_checksum) expected += id + " ";
  EXPECT_EQ(Ids(R"({"$sort":["-@checksum"]})"), expected);
}

// A row is the record exactly as StorageRecord::ToJson writes it, whether
// the query read its checksum or not.
TEST_F(QueryTest, RowsAreTheRecordsJson) {
  for (const char* query : {R"({"@id":"d"})", R"({"@checksum":{"$exists":true},"@id":"d"})"}) {
    StorageRecord d;
    ASSERT_TRUE(db_->Get(ReadOptions(), Component::kCache, "d", &d).ok());
    EXPECT_EQ(Run(query), std::vector<std::string>{d.ToJson()}) << query;
  }
}

TEST_F(QueryTest, SortSkipLimitProjection) {
  EXPECT_EQ(Ids(R"({"n":{"$exists":true},"$sort":{"n":"desc"}})"), "c d a b e ");
  // Ties keep id order; kinds order: numbers before strings.
  EXPECT_EQ(Ids(R"({"$sort":["s","-@id"]})"), "f e c a d b ");
  EXPECT_EQ(Ids(R"({"$sort":{"n":1},"$skip":1,"$limit":2})"), "e a ");
  EXPECT_EQ(Ids(R"({"$limit":2})"), "a b ");
  EXPECT_EQ(Ids(R"({"$skip":5})"), "f ");
  EXPECT_EQ(Run(R"({"@id":"a","$fields":["@id","o.k","missing","@metadata.by"]})"),
            std::vector<std::string>{R"({"@id":"a","o.k":1,"@metadata.by":"ann"})"});
  std::vector<std::string> whole = Run(R"({"@id":"b"})");
  ASSERT_EQ(whole.size(), 1u);
  EXPECT_NE(whole[0].find(R"("data":{"n":3.0,"s":"y","o":{"k":2}})"), std::string::npos)
      << whole[0];  // numbers as stored
  EXPECT_NE(whole[0].find(R"("checksum":")"), std::string::npos);
}

TEST_F(QueryTest, CountAndGroup) {
  EXPECT_EQ(Run(R"({"s":{"$prefix":"x"},"$count":true})"),
            std::vector<std::string>{R"({"count":3})"});
  EXPECT_EQ(Run(R"({"$group":{"by":"s","n":{"$count":true},"total":{"$sum":"n"},)"
                R"("lo":{"$min":"n"},"hi":{"$max":"n"},"mean":{"$avg":"n"}}})"),
            (std::vector<std::string>{
                R"({"s":null,"n":1,"total":0,"lo":null,"hi":null,"mean":null})",
                R"({"s":"ab","n":1,"total":-1.5,"lo":-1.5,"hi":-1.5,"mean":-1.5})",
                R"({"s":"x","n":2,"total":3,"lo":3,"hi":"3","mean":3})",
                R"({"s":"xyz","n":1,"total":10,"lo":10,"hi":10,"mean":10})",
                R"({"s":"y","n":1,"total":3,"lo":3.0,"hi":3.0,"mean":3})"}));
  EXPECT_EQ(Run(R"({"@metadata.by":{"$exists":true},"$group":{"by":["@metadata.by"],)"
                R"("n":{"$count":true}},"$sort":{"n":"desc"},"$limit":1})"),
            std::vector<std::string>{R"({"@metadata.by":"ann","n":2})"});
}

// Found by the fuzzer: a sum past int64 was converted to one (undefined).
// A sum past a double's range is null (JSON has no infinity); the average
// is summed wider, so it stays exact.
TEST_F(QueryTest, SumsPastIntegersAndDoubles) {
  WriteOptions wo;
  wo.sync = false;
  ASSERT_TRUE(db_->Put(wo, Component::kIndex, "x", R"({"g":1,"n":18446744073709551615})").ok());
  ASSERT_TRUE(db_->Put(wo, Component::kIndex, "y", R"({"g":1,"n":1e308})").ok());
  ASSERT_TRUE(db_->Put(wo, Component::kIndex, "z", R"({"g":2,"n":1.7e308})").ok());
  ASSERT_TRUE(db_->Put(wo, Component::kIndex, "w", R"({"g":2,"n":1.7e308})").ok());
  ASSERT_TRUE(db_->Put(wo, Component::kIndex, "v", R"({"g":3,"n":18446744073709551615})").ok());
  QuerySource index;
  index.component = Component::kIndex;
  EXPECT_EQ(Run(R"({"$group":{"by":"g","s":{"$sum":"n"},"a":{"$avg":"n"}}})", nullptr, &index),
            (std::vector<std::string>{R"({"g":1,"s":1e308,"a":5e307})",
                                      R"({"g":2,"s":null,"a":1.7e308})",
                                      R"({"g":3,"s":18446744073709553000.0,"a":18446744073709553000.0})"}));
}

TEST_F(QueryTest, BadQueriesNameThePlace) {
  auto error = [&](const std::string& q) {
    Status s = CheckQuery(q);
    EXPECT_TRUE(s.IsInvalidArgument()) << q;
    return s.message();
  };
  EXPECT_EQ(error(R"({"n":{"$gt":[1]}})"), "query: n.$gt: needs a number or a string, not an array");
  EXPECT_EQ(error(R"({"n":{"$bogus":1}})").find("query: n.$bogus: unknown operator"), 0u);
  EXPECT_EQ(error(R"({"$sort":{"n":"up"}})"),
            R"(query: $sort.n: unknown order "up" ("asc", "desc", 1 or -1))");
  EXPECT_NE(error(R"({"s":{"$regex":"("}})").find("s.$regex: not a valid RE2"), std::string::npos);
  EXPECT_NE(error(R"({"@nope":1})").find("@id, @version"), std::string::npos);
  EXPECT_NE(error(R"({"a..b":1})").find("empty step"), std::string::npos);
  EXPECT_NE(error(R"({"$limit":-1})").find("$limit: needs an integer >= 0"), std::string::npos);
  EXPECT_NE(error(R"({"$count":true,"$fields":["a"]})").find("exclude"), std::string::npos);
  EXPECT_NE(error(R"({"$or":[]})").find("$or: needs a non-empty array"), std::string::npos);
  EXPECT_NE(error(R"({"$or":[{"a":{"$in":3}}]})").find("$or[0].a.$in: needs an array"),
            std::string::npos);
  EXPECT_NE(error(R"({"$where":"x"})").find("$where: unknown key"), std::string::npos);
  EXPECT_NE(error(R"({"$group":{"n":{"$count":true}}})").find("needs \"by\""), std::string::npos);
  EXPECT_NE(error("[1]").find("needs an object"), std::string::npos);
  EXPECT_NE(error("{").find("not valid JSON"), std::string::npos);
  // Found by the fuzzer: a name that is not UTF-8 reached the rows.
  EXPECT_NE(error("{\"$group\":{\"by\":\"s\",\"\xd7\":{\"$count\":true}}}").find("encoding"),
            std::string::npos);
  EXPECT_NE(error(std::string(600, '[') + std::string(600, ']')).find("deeper"),
            std::string::npos);
}

TEST_F(QueryTest, StatsPlanAndEarlyStop) {
  QueryStats stats;
  Run(R"({"s":"x","$sort":{"n":"desc"},"$limit":1})", &stats);
  EXPECT_EQ(stats.rows_examined, 6u);
  EXPECT_EQ(stats.rows_returned, 1u);
  EXPECT_EQ(stats.plan,
            "scan component cache (no index); filter 1 condition; sort by n desc, top 1 in memory; "
            "limit 1");
  std::string plan;
  QuerySource src;
  ASSERT_TRUE(ExplainQuery(src, R"({"a":1,"b":2,"$count":true})", &plan).ok());
  EXPECT_EQ(plan, "scan component sequence (no index); filter 2 conditions; count");
  int seen = 0;
  QuerySource cache;
  cache.component = Component::kCache;
  ASSERT_TRUE(RunQuery(db_.get(), cache, "{}", QueryOptions(), [&](std::string_view) {
                return ++seen < 2;
              }).ok());
  EXPECT_EQ(seen, 2);
}

TEST_F(QueryTest, SortsPastTheLimitAreRefused) {
  QueryOptions o;
  o.max_sort_rows = 3;
  QuerySource cache;
  cache.component = Component::kCache;
  Status s = RunQuery(db_.get(), cache, R"({"$sort":{"n":1}})", o, [](std::string_view) {
    return true;
  });
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("max_sort_rows"), std::string::npos) << s.ToString();
  std::vector<std::string> rows;
  ASSERT_TRUE(RunQuery(db_.get(), cache, R"({"$sort":{"n":1},"$limit":2})", o,
                       [&](std::string_view r) {
                         rows.emplace_back(r);
                         return true;
                       }).ok());
  EXPECT_EQ(rows.size(), 2u);  // a top-k needs only k rows
}

TEST_F(QueryTest, ASnapshotIsReadAsOfItsMoment) {
  const Snapshot* snap = db_->GetSnapshot();
  ASSERT_TRUE(db_->Put(WriteOptions(), Component::kCache, "g", R"({"n":3})").ok());
  QueryOptions o;
  o.snapshot = snap;
  QuerySource cache;
  cache.component = Component::kCache;
  int rows = 0;
  ASSERT_TRUE(RunQuery(db_.get(), cache, R"({"n":3})", o, [&](std::string_view) {
                ++rows;
                return true;
              }).ok());
  EXPECT_EQ(rows, 2);
  db_->ReleaseSnapshot(snap);
  EXPECT_EQ(Ids(R"({"n":3})"), "a b g ");
}

TEST_F(QueryTest, SchemaRecords) {
  std::unique_ptr<PiStore> pi;
  ASSERT_TRUE(PiStore::Open(db_.get(), &pi).ok());
  ComputeOptions co;
  co.digits = 20000;
  co.id = "pi-ids";
  SequenceInfo info;
  ASSERT_TRUE(pi->ComputeSequence(co, &info).ok());
  std::unique_ptr<SchemaManager> schemas;
  ASSERT_TRUE(SchemaManager::Open(db_.get(), &schemas).ok());
  SchemaInfo si;
  ASSERT_TRUE(schemas->CreateSchema("people", SchemaZone::kFlexible,
                                    R"({"name":{"type":"string"},"age":{"type":"integer"}})", &si)
                  .ok());
  std::string id;
  ASSERT_TRUE(schemas->Insert("people", R"({"name":"Ada","age":36})", &id).ok());
  ASSERT_TRUE(schemas->Insert("people", R"({"name":"Bob","age":17})", &id).ok());
  QuerySource people;
  people.schema = "people";
  std::vector<std::string> rows = Run(R"({"age":{"$gte":18},"$fields":["name"]})", nullptr, &people);
  EXPECT_EQ(rows, std::vector<std::string>{R"({"name":"Ada"})"});
  rows = Run(R"({"name":"Bob"})", nullptr, &people);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], R"({"id":")" + id + R"(","schema_version":1,"data":{"name":"Bob","age":17}})");
  QuerySource missing;
  missing.schema = "nobody";
  EXPECT_EQ(Run("{}", nullptr, &missing)[0].find("ERROR: NotFound"), 0u);
}

}  // namespace
}  // namespace spirapi
