// Similarity indexes (include/spirapi/index.h): one entry per distinct
// q-gram of a string value, kept exact by every write, and $contains and
// $near answered through them exactly as by a scan.

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "db/db_impl.h"
#include "index/index_catalog.h"
#include "index/index_key.h"
#include "query/query_similarity.h"
#include "spirapi/index.h"
#include "spirapi/query.h"
#include "support/index_fixture.h"

namespace spirapi {
namespace {

class IndexSimilarityTest : public IndexTest {
 protected:
  Status PutStatus(const std::string& id, const std::string& data) {
    WriteOptions wo;
    wo.sync = false;
    return db_->Put(wo, Component::kCache, id, data, "{}");
  }

  Status Create(const std::string& name = "sim", const std::string& field = "s") {
    return CreateIndex(db_.get(), Spec(name, {field}, IndexType::kSimilarity));
  }

  std::string Explain(const std::string& q) {
    QuerySource source;
    source.component = Component::kCache;
    std::string plan;
    Status s = ExplainQuery(db_.get(), source, q, &plan);
    return s.ok() ? plan : "ERROR: " + s.ToString();
  }

  // Records no pattern of the tests below matches, so that the planner
  // finds an index worth using (kMaxIndexShare).
  void PutFiller() {
    for (int i = 0; i < 40; ++i) Put("f" + std::to_string(i), R"({"s":"-----"})");
  }

  uint64_t Entries(const std::string& name = "sim") {
    std::vector<IndexInfo> infos;
    EXPECT_TRUE(ListIndexes(db_.get(), &infos).ok());
    for (const IndexInfo& info : infos) {
      if (info.spec.name == name) return info.entries;
    }
    ADD_FAILURE() << "no index " << name;
    return 0;
  }
};

size_t DistinctGrams(const std::string& s) {
  std::set<std::string> grams;
  for (size_t i = 0; i + kSimilarityGramBytes <= s.size(); ++i) {
    grams.insert(s.substr(i, kSimilarityGramBytes));
  }
  return grams.size();
}

TEST_F(IndexSimilarityTest, PigeonholePiecesCoverThePattern) {
  const std::vector<std::string_view> pieces = query::NearPieces("14159265358", 2);
  ASSERT_EQ(pieces.size(), 3u);
  EXPECT_EQ(pieces[0], "141");
  EXPECT_EQ(pieces[1], "5926");
  EXPECT_EQ(pieces[2], "5358");
  EXPECT_EQ(query::NearPieces("abcd", 0), std::vector<std::string_view>{"abcd"});
}

TEST_F(IndexSimilarityTest, AnswersEqualAScan) {
  std::mt19937 rng(7);
  // Digits (π-like), a two-letter alphabet (repeated and overlapping
  // q-grams), UTF-8 text, and values that are not strings.
  auto text = [&](const std::string& alphabet, size_t max_len) {
    std::string s;
    const size_t n = rng() % (max_len + 1);
    for (size_t i = 0; i < n; ++i) s += alphabet[rng() % alphabet.size()];
    return s;
  };
  auto value = [&]() -> std::string {
    switch (rng() % 8) {
      case 0:
        return "\"" + text("ab", 40) + "\"";
      case 1:
        return "\"" + text("0123456789", 12) + "\"";
      case 2:
        return "\"h\u00e9llo w\u00f6rld " + text("ab", 6) + "\"";
      case 3:
        return std::to_string(rng() % 100000);
      case 4:
        return "[\"31415926\"]";
      default:
        return "\"" + text("0123456789", 80) + "\"";
    }
  };
  // A long id: its entries name it by hash ('h'), the data holds it.
  const std::string long_id(500, 'L');
  auto write = [&](int round) {
    for (int i = 0; i < 300; ++i) {
      const std::string id = rng() % 50 == 0 ? long_id : "r" + std::to_string(rng() % 200);
      if (round > 0 && rng() % 6 == 0) {
        Status s = db_->Delete(WriteOptions(), Component::kCache, id);
        ASSERT_TRUE(s.ok() || s.IsNotFound()) << s.ToString();
      } else {
        ASSERT_TRUE(
            PutStatus(id, "{\"s\":" + value() + ",\"n\":" + std::to_string(i % 7) + "}").ok());
      }
    }
  };
  write(0);
  std::vector<std::string> queries = {
      R"({"s":{"$contains":"abab"}})",
      R"({"s":{"$contains":"bbbbb"}})",
      R"({"s":{"$contains":"aaaaaaaa"}})",
      R"({"s":{"$contains":"ab"}})",
      R"({"s":{"$contains":"3141"}})",
      R"({"s":{"$contains":"14159"}})",
      R"({"s":{"$contains":"w\u00f6rld"}})",
      R"({"s":{"$contains":"0000"},"n":{"$lt":4}})",
      R"({"s":{"$contains":"abba"},"$count":true})",
      R"({"s":{"$near":{"pattern":"abababab","distance":1}}})",
      R"({"s":{"$near":{"pattern":"aaaabbbbaaaa","distance":2}}})",
      R"({"s":{"$near":{"pattern":"1415926535","distance":1}}})",
      R"({"s":{"$near":{"pattern":"14159265358979","distance":2},"$contains":"9"}})",
      R"({"s":{"$near":{"pattern":"123456","distance":2}}})",
      R"({"s":{"$near":{"pattern":"2718","distance":0}},"$count":true})",
      R"({"s":{"$near":{"pattern":"abbaabba","distance":1}},"$sort":{"n":"desc"},"$limit":5})",
  };
  // Random patterns: pieces of stored values and made-up ones.
  for (int i = 0; i < 40; ++i) {
    const std::string alphabet = i % 2 ? "ab" : "0123456789";
    std::string p = text(alphabet, 14);
    if (p.empty()) p = alphabet.substr(0, 1);
    const uint64_t d = rng() % p.size() % 4;
    queries.push_back(i % 3 == 0 ? "{\"s\":{\"$contains\":\"" + p + "\"}}"
                                 : "{\"s\":{\"$near\":{\"pattern\":\"" + p +
                                       "\",\"distance\":" + std::to_string(d) + "}}}");
  }
  auto expect_as_scan = [&](const std::vector<std::string>& expected, int* used) {
    for (size_t i = 0; i < queries.size(); ++i) {
      QueryStats stats;
      EXPECT_EQ(Run(queries[i], &stats), expected[i]) << queries[i] << "\n" << stats.plan;
      *used += stats.plan.find("by index sim") != std::string::npos;
      EXPECT_EQ(stats.plan.find("counted from the entries"), std::string::npos) << stats.plan;
    }
  };
  std::vector<std::string> expected;
  for (const auto& q : queries) expected.push_back(Run(q));
  ASSERT_TRUE(Create().ok());  // built on existing records
  ExpectClean();
  int used = 0;
  expect_as_scan(expected, &used);
  EXPECT_GE(used, 8);
  for (int round = 1; round <= 3; ++round) {
    write(round);  // updates and deletes keep the entries exact
    ExpectClean();
    std::vector<std::string> indexed;
    for (const auto& q : queries) indexed.push_back(Run(q));
    ASSERT_TRUE(DropIndex(db_.get(), "sim").ok());
    for (size_t i = 0; i < queries.size(); ++i) {
      EXPECT_EQ(indexed[i], Run(queries[i])) << "round " << round << ": " << queries[i];
    }
    ASSERT_TRUE(Create().ok());
  }
  ExpectClean();
}

TEST_F(IndexSimilarityTest, EntriesFollowWrites) {
  ASSERT_TRUE(Create().ok());
  ASSERT_TRUE(PutStatus("a", R"({"s":"3141592653"})").ok());
  ASSERT_TRUE(PutStatus("b", R"({"s":"aaaaaaa"})").ok());  // one distinct 4-gram
  ASSERT_TRUE(PutStatus("c", R"({"s":12345678})").ok());   // not a string: none
  ASSERT_TRUE(PutStatus("d", R"({"s":"abc"})").ok());      // shorter than q: none
  EXPECT_EQ(Entries(), DistinctGrams("3141592653") + 1);
  // An update keeps the shared q-grams and changes the others.
  ASSERT_TRUE(PutStatus("a", R"({"s":"1592653589"})").ok());
  EXPECT_EQ(Entries(), DistinctGrams("1592653589") + 1);
  ExpectClean();
  EXPECT_EQ(Run(R"({"s":{"$contains":"3141"},"$fields":["@id"]})"), "");
  EXPECT_EQ(Run(R"({"s":{"$contains":"3589"},"$fields":["@id"]})"), R"({"@id":"a"} )");
  ASSERT_TRUE(db_->Delete(WriteOptions(), Component::kCache, "a").ok());
  ASSERT_TRUE(PutStatus("b", R"({"t":"aaaaaaa"})").ok());
  EXPECT_EQ(Entries(), 0u);
  ExpectClean();
  // The definition keeps q: after reopening, queries still use the index.
  ASSERT_TRUE(PutStatus("e", R"({"s":"2718281828"})").ok());
  Open();
  QueryStats stats;
  EXPECT_EQ(Run(R"({"s":{"$contains":"8182"},"$fields":["@id"]})", &stats), R"({"@id":"e"} )");
  EXPECT_NE(stats.plan.find("by index sim (similarity on s): 1 range"), std::string::npos)
      << stats.plan;
  ExpectClean();
}

TEST_F(IndexSimilarityTest, ARecordInSeveralPostingsIsReturnedOnce) {
  ASSERT_TRUE(PutStatus("a", R"({"s":"xxxx1111yyyy2222zzzz"})").ok());
  ASSERT_TRUE(PutStatus("b", R"({"s":"1111"})").ok());
  PutFiller();
  ASSERT_TRUE(Create().ok());
  // Pieces "1111", "yyyy", "2222": record a is in all three postings.
  const std::string q =
      R"({"s":{"$near":{"pattern":"1111yyyy2222","distance":2}},"$fields":["@id"]})";
  QueryStats stats;
  EXPECT_EQ(Run(q, &stats), R"({"@id":"a"} )");
  EXPECT_NE(stats.plan.find("3 ranges"), std::string::npos) << stats.plan;
  EXPECT_EQ(stats.rows_examined, 2u);  // a once, b once
}

TEST_F(IndexSimilarityTest, ShortPatternsScanAndSaySo) {
  ASSERT_TRUE(PutStatus("a", R"({"s":"31415926"})").ok());
  PutFiller();
  ASSERT_TRUE(Create().ok());
  EXPECT_NE(Explain(R"({"s":{"$contains":"141"}})")
                .find("scan component cache (no index: similarity index sim needs patterns of "
                      "at least 4 bytes, not 3)"),
            std::string::npos)
      << Explain(R"({"s":{"$contains":"141"}})");
  EXPECT_NE(Explain(R"({"s":{"$near":{"pattern":"3141592","distance":1}}})")
                .find("no index: similarity index sim needs $near pieces"),
            std::string::npos);
  EXPECT_NE(Explain(R"({"s":{"$near":{"pattern":"31415926","distance":1}}})")
                .find("by index sim (similarity on s): 2 ranges"),
            std::string::npos)
      << Explain(R"({"s":{"$near":{"pattern":"31415926","distance":1}}})");
  EXPECT_EQ(Run(R"({"s":{"$contains":"141"},"$fields":["@id"]})"), R"({"@id":"a"} )");
  EXPECT_EQ(Run(R"({"s":{"$near":{"pattern":"3141592","distance":1}},"$count":true})"),
            R"({"count":1} )");
}

TEST_F(IndexSimilarityTest, VerifyDetectsARemovedEntryAndRebuildRepairsIt) {
  ASSERT_TRUE(PutStatus("r1", R"({"s":"0123456789"})").ok());
  ASSERT_TRUE(PutStatus("r2", R"({"s":"9876543210"})").ok());
  ASSERT_TRUE(Create().ok());
  auto* impl = static_cast<DBImpl*>(db_.get());
  const index::IndexDef* def = impl->IndexCatalog()->Find("sim");
  ASSERT_NE(def, nullptr);
  WriteBatch batch;
  batch.internal = true;
  WriteOp gone;
  gone.component = Component::kIndex;
  gone.id = index::EntryId("sim", index::GramKey("3456"), "r1");
  gone.is_delete = true;
  batch.ops = {gone};
  ASSERT_TRUE(impl->Write(WriteOptions(), &batch, DBImpl::Conditions()).ok());
  std::vector<IndexMismatch> mismatches;
  ASSERT_TRUE(VerifyIndex(db_.get(), "sim", &mismatches).ok());
  ASSERT_EQ(mismatches.size(), 1u);
  EXPECT_EQ(mismatches[0].record_id, "r1");
  EXPECT_EQ(mismatches[0].what, "entry missing");
  ASSERT_TRUE(RebuildIndex(db_.get(), "sim").ok());
  ExpectClean();
  EXPECT_EQ(Entries(), 14u);
}

TEST_F(IndexSimilarityTest, ARolledBackTransactionLeavesNoEntries) {
  ASSERT_TRUE(Create().ok());
  std::unique_ptr<Transaction> txn;
  ASSERT_TRUE(db_->BeginTransaction(WriteOptions(), &txn).ok());
  ASSERT_TRUE(txn->Put(Component::kCache, "a", R"({"s":"31415926535"})").ok());
  ASSERT_TRUE(txn->Rollback().ok());
  EXPECT_EQ(Entries(), 0u);
  ASSERT_TRUE(db_->BeginTransaction(WriteOptions(), &txn).ok());
  ASSERT_TRUE(txn->Put(Component::kCache, "b", R"({"s":"27182818284"})").ok());
  ASSERT_TRUE(txn->Commit().ok());
  EXPECT_EQ(Entries(), DistinctGrams("27182818284"));
  ExpectClean();
}

// A value with more distinct q-grams than an index takes: the write fails
// whole, and a record written before the index stops its build but can
// still be deleted.
TEST_F(IndexSimilarityTest, TooManyQGramsFailTheWrite) {
  std::mt19937 rng(3);
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string big;
  while (DistinctGrams(big) <= kMaxSimilarityGrams) {
    for (int i = 0; i < 20000; ++i) big += alphabet[rng() % alphabet.size()];
  }
  const std::string data = "{\"s\":\"" + big + "\"}";
  ASSERT_TRUE(PutStatus("big", data).ok());
  Status s = Create();
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.ToString().find("record 'big' has more than 262144 distinct 4-grams"),
            std::string::npos)
      << s.ToString();
  ASSERT_TRUE(PutStatus("small", R"({"s":"31415926"})").ok());
  ASSERT_TRUE(db_->Delete(WriteOptions(), Component::kCache, "big").ok());
  ASSERT_TRUE(RebuildIndex(db_.get(), "sim").ok());
  s = PutStatus("big", data);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  StorageRecord r;
  EXPECT_TRUE(db_->Get(ReadOptions(), Component::kCache, "big", &r).IsNotFound());
  EXPECT_EQ(Entries(), DistinctGrams("31415926"));
  ExpectClean();
}

TEST_F(IndexSimilarityTest, BadSpecsAreRefused) {
  IndexSpec spec;
  spec.name = "two";
  spec.component = Component::kCache;
  spec.fields = {"a", "b"};
  spec.type = IndexType::kSimilarity;
  EXPECT_TRUE(CreateIndex(db_.get(), spec).IsInvalidArgument());
  IndexType type;
  ASSERT_TRUE(ParseIndexType("similarity", &type).ok());
  EXPECT_EQ(type, IndexType::kSimilarity);
  EXPECT_STREQ(IndexTypeName(type), "similarity");
}

}  // namespace
}  // namespace spirapi
