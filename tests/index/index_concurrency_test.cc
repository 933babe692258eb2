// Indexed queries beside writers, flushes and compactions: each query sees
// one snapshot, whatever moves under it (also run under ThreadSanitizer,
// Makefile's test-tsan).

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "spirapi/index.h"
#include "spirapi/query.h"
#include "support/index_fixture.h"

namespace spirapi {
namespace {

// Writers swap the values of two records in one transaction, so the
// multiset of values never changes: every snapshot holds the same number
// of records below a bound, and the same largest values. Queries through
// the index (a filter walk and an ordered top-k) must see exactly that
// while records move between blocks, files and the journal.
TEST_F(IndexTest, QueriesDuringSwapsFlushesAndCompactions) {
  constexpr int kRecords = 600;
  for (int i = 0; i < kRecords; ++i) {
    Put("r" + std::to_string(i), "{\"n\":" + std::to_string(i) + ",\"pad\":\"" +
                                     std::string(200, static_cast<char>('a' + i % 26)) + "\"}");
  }
  ASSERT_TRUE(CreateIndex(db_.get(), Spec("by_n", {"n"})).ok());
  std::atomic<bool> stop{false};
  std::atomic<int> swaps{0};
  std::thread writer([&] {
    std::mt19937 rng(11);
    WriteOptions wo;
    wo.sync = false;
    while (!stop) {
      const std::string a = "r" + std::to_string(rng() % kRecords);
      const std::string b = "r" + std::to_string(rng() % kRecords);
      if (a == b) continue;
      std::unique_ptr<Transaction> txn;
      ASSERT_TRUE(db_->BeginTransaction(wo, &txn).ok());
      StorageRecord ra, rb;
      ASSERT_TRUE(txn->Get(Component::kCache, a, &ra).ok());
      ASSERT_TRUE(txn->Get(Component::kCache, b, &rb).ok());
      ASSERT_TRUE(txn->Put(Component::kCache, a, rb.data).ok());
      ASSERT_TRUE(txn->Put(Component::kCache, b, ra.data).ok());
      const Status s = txn->Commit();
      ASSERT_TRUE(s.ok() || s.IsConflict()) << s.ToString();
      if (s.ok()) ++swaps;
    }
  });
  std::thread maintenance([&] {
    while (!stop) {
      ASSERT_TRUE(db_->Flush().ok());
      ASSERT_TRUE(db_->Compact(nullptr).ok());
    }
  });
  for (int round = 0; round < 60; ++round) {
    QueryStats stats;
    std::string rows = Run(R"({"n":{"$lt":100},"$fields":["n"]})", &stats);
    ASSERT_EQ(std::count(rows.begin(), rows.end(), '{'), 100) << rows;
    ASSERT_NE(stats.plan.find("by_n"), std::string::npos) << stats.plan;
    rows = Run(R"({"$sort":{"n":"desc"},"$limit":3,"$fields":["n"]})", &stats);
    ASSERT_EQ(rows, R"({"n":599} {"n":598} {"n":597} )");
    ASSERT_NE(stats.plan.find("descending"), std::string::npos) << stats.plan;
  }
  stop = true;
  writer.join();
  maintenance.join();
  EXPECT_GT(swaps.load(), 0);
  ExpectClean();
}

}  // namespace
}  // namespace spirapi
