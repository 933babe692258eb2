// The index advisor (include/spirapi/index_advisor.h): the QUBO solver
// against exhaustive search, the slack encoding of the budget, and advice
// on a database with a logged workload.

#include "spirapi/index_advisor.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "index/index_advisor.h"
#include "index/qubo.h"
#include "spirapi/query.h"
#include "spirapi/query_log.h"
#include "support/temp_dir.h"

namespace spirapi {
namespace {

using index::Qubo;

// A random QUBO shaped like the advisor's: negative linear gains, positive
// overlaps, and (half the time) a knapsack budget.
Qubo RandomQubo(size_t n, std::mt19937_64* rng) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Qubo q(n);
  for (size_t i = 0; i < n; ++i) q.AddLinear(i, -20 * u(*rng) + 4 * u(*rng));
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i + 1; j < n; ++j) {
      if (u(*rng) < 0.3) q.AddPair(i, j, 12 * u(*rng) - 2);
    }
  }
  if ((*rng)() & 1) {
    std::vector<uint64_t> w(n);
    uint64_t sum = 0;
    for (auto& x : w) sum += x = 1 + (*rng)() % 100;
    q.SetCapacity(w, sum / 3, 20.0 * double(n) + 1);
  }
  return q;
}

TEST(IndexAdvisorQubo, AnnealingEqualsExhaustiveOnSmallInstances) {
  std::mt19937_64 rng(42);
  for (int t = 0; t < 300; ++t) {
    const size_t n = 1 + rng() % 12;
    Qubo q = RandomQubo(n, &rng);
    index::AnnealOptions o;
    o.seed = t;
    o.sweeps = 500;
    const index::QuboSolution annealed = index::Anneal(q, o);
    const index::QuboSolution exact = index::Exhaustive(q);
    ASSERT_NEAR(annealed.energy, exact.energy, 1e-6) << "instance " << t << ", n " << n;
    EXPECT_TRUE(q.Feasible(annealed.x)) << t;
    const index::QuboSolution greedy = index::Greedy(q);
    EXPECT_GE(greedy.energy, exact.energy - 1e-6) << t;
    EXPECT_TRUE(q.Feasible(greedy.x)) << t;
  }
}

TEST(IndexAdvisorQubo, SlackBitsEncodeTheBudgetExactly) {
  std::mt19937_64 rng(7);
  for (int t = 0; t < 50; ++t) {
    const size_t n = 2 + rng() % 6;
    Qubo q(n);
    std::vector<uint64_t> w(n);
    for (size_t i = 0; i < n; ++i) {
      q.AddLinear(i, -double(rng() % 50));
      w[i] = 1 + rng() % 20;
    }
    q.SetCapacity(w, 5 + rng() % 30, 3.5);
    const int bits = q.slack_bits();
    ASSERT_GE((uint64_t{1} << bits) - 1, q.capacity());
    for (uint64_t xs = 0; xs < (uint64_t{1} << n); ++xs) {
      std::vector<uint8_t> x(n);
      for (size_t i = 0; i < n; ++i) x[i] = (xs >> i) & 1;
      double best = 1e300;
      for (uint64_t ys = 0; ys < (uint64_t{1} << bits); ++ys) {
        std::vector<uint8_t> y(bits);
        for (int k = 0; k < bits; ++k) y[k] = (ys >> k) & 1;
        best = std::min(best, q.FullEnergy(x, y));
      }
      ASSERT_NEAR(best, q.Energy(x), 1e-9) << t << " " << xs;
    }
  }
}

class IndexAdvisorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Options o;
    o.background_work = false;
    ASSERT_TRUE(DB::Open(o, dir_.Sub("db"), &db_).ok());
    WriteOptions wo;
    wo.sync = false;
    for (int i = 0; i < 3000; ++i) {
      const std::string data = "{\"n\":" + std::to_string(i) + ",\"s\":\"v" +
                               std::to_string(i % 4) + "\",\"t\":" + std::to_string(i % 50) + "}";
      ASSERT_TRUE(db_->Put(wo, Component::kCache, "r" + std::to_string(i), data, "{}").ok());
    }
  }

  void Query(const std::string& json, int times = 1) {
    QueryLogOptions log;
    QueryOptions qo;
    qo.history = &log;
    QuerySource src;
    src.component = Component::kCache;
    for (int i = 0; i < times; ++i) {
      Status s = RunQuery(db_.get(), src, json, qo, [](std::string_view) { return true; });
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
  }

  std::string Explain(const std::string& json) {
    QuerySource src;
    src.component = Component::kCache;
    std::string plan;
    EXPECT_TRUE(ExplainQuery(db_.get(), src, json, &plan).ok());
    return plan;
  }

  test::TempDir dir_;
  std::unique_ptr<DB> db_;
};

TEST_F(IndexAdvisorTest, SuggestsTheObviousIndexAndAppliesIt) {
  Query(R"({"n":17})", 20);
  Query(R"({"n":{"$gte":100,"$lt":110}})", 5);
  Query(R"({"s":{"$ne":"v1"}})", 3);  // no index serves $ne
  AdviceOptions o;
  IndexAdvice advice;
  ASSERT_TRUE(AdviseIndexes(db_.get(), o, &advice).ok());
  EXPECT_EQ(advice.queries_read, 28u);
  ASSERT_EQ(advice.create.size(), 1u) << IndexAdviceToJson(advice);
  const IndexSuggestion& pick = advice.create[0];
  EXPECT_EQ(pick.spec.fields, std::vector<std::string>{"n"});
  EXPECT_EQ(pick.spec.type, IndexType::kBtree);  // serves the range too
  EXPECT_EQ(pick.queries, 25u);
  // 20 runs save 3000 - 1 rows, 5 runs 3000 - 10.
  EXPECT_NEAR(advice.estimated_gain, 20 * 2999 + 5 * 2990, 1);
  EXPECT_GT(pick.bytes, 3000 * 8);
  EXPECT_LE(advice.estimated_bytes, advice.budget_bytes);
  EXPECT_LE(advice.anneal_energy, advice.greedy_energy + 1e-6);

  ASSERT_TRUE(ApplyAdvice(db_.get(), advice).ok());
  EXPECT_NE(Explain(R"({"n":17})").find("by index " + pick.spec.name), std::string::npos)
      << Explain(R"({"n":17})");
  // Built now: nothing more to suggest for these queries.
  ASSERT_TRUE(AdviseIndexes(db_.get(), o, &advice).ok());
  EXPECT_TRUE(advice.create.empty()) << IndexAdviceToJson(advice);
  EXPECT_TRUE(advice.unused.empty());
}

TEST_F(IndexAdvisorTest, RespectsTheBudgetAndReportsUnusedIndexes) {
  IndexSpec spec;
  spec.name = "by_t";
  spec.component = Component::kCache;
  spec.fields = {"t"};
  ASSERT_TRUE(CreateIndex(db_.get(), spec).ok());
  Query(R"({"n":17})", 4);
  AdviceOptions o;
  o.budget_mib = 0.001;  // ~1 KB: the index on n needs tens of KB
  IndexAdvice advice;
  ASSERT_TRUE(AdviseIndexes(db_.get(), o, &advice).ok());
  EXPECT_TRUE(advice.create.empty()) << IndexAdviceToJson(advice);
  EXPECT_FALSE(advice.candidates.empty());
  EXPECT_EQ(advice.unused, std::vector<std::string>{"by_t"});
  o.budget_mib = -1;
  EXPECT_TRUE(AdviseIndexes(db_.get(), o, &advice).IsInvalidArgument());
}

TEST_F(IndexAdvisorTest, WriteWeightCanOutweighTheGain) {
  // The log's window starts after the records were written: no writes seen.
  Query(R"({"n":17})", 2);
  IndexAdvice advice;
  AdviceOptions o;
  o.write_weight = 1e6;
  ASSERT_TRUE(AdviseIndexes(db_.get(), o, &advice).ok());
  EXPECT_EQ(advice.create.size(), 1u);
  // Writes after the first logged query count against every cache index.
  WriteOptions wo;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(db_->Put(wo, Component::kCache, "w" + std::to_string(i), "{\"n\":-1}", "{}").ok());
  }
  ASSERT_TRUE(AdviseIndexes(db_.get(), o, &advice).ok());
  EXPECT_TRUE(advice.create.empty()) << IndexAdviceToJson(advice);
  ASSERT_FALSE(advice.candidates.empty());
  EXPECT_EQ(advice.candidates[0].write_cost, 1e7);
}

TEST_F(IndexAdvisorTest, AnnealedAdviceEqualsExhaustiveSearchOnItsModel) {
  Query(R"({"n":17})", 3);
  Query(R"({"t":3,"n":{"$gt":2000}})", 4);
  Query(R"({"t":5,"s":"v1"})", 2);
  Query(R"({"t":{"$in":[1,2]},"$sort":["-n"],"$limit":5})", 6);
  Query(R"({"$sort":["n"],"$limit":3})", 2);
  for (double budget : {0.01, 0.05, 0.2, 64.0}) {
    AdviceOptions o;
    o.budget_mib = budget;
    index::AdvisorModel model;
    IndexAdvice advice;
    ASSERT_TRUE(index::BuildAdvisorModel(db_.get(), o, &model, &advice).ok());
    ASSERT_GE(model.candidates.size(), 4u);
    ASSERT_LE(model.candidates.size(), 20u);
    index::AnnealOptions ao;
    const index::QuboSolution annealed = index::Anneal(model.qubo, ao);
    const index::QuboSolution exact = index::Exhaustive(model.qubo);
    EXPECT_NEAR(annealed.energy, exact.energy, 1e-6 * (1 + std::fabs(exact.energy))) << budget;
    ASSERT_TRUE(AdviseIndexes(db_.get(), o, &advice).ok());
    EXPECT_LE(advice.estimated_bytes, advice.budget_bytes) << budget;
    EXPECT_NEAR(advice.anneal_energy, exact.energy, 1e-6 * (1 + std::fabs(exact.energy)));
  }
}

}  // namespace
}  // namespace spirapi
