// spirapi query --cache-ttl, pi analyze, cache list|stats|purge: hits shown
// by --stats, entries listed and purged, bad input, a database held open by
// another process.

#include <memory>
#include <string>
#include <vector>

#include "spirapi/result_cache.h"
#include "tools/cli_test_util.h"

namespace spirapi {
namespace {

class CliCacheTest : public CliTest {
 protected:
  void Fill() {
    Init();
    for (int i = 0; i < 5; ++i) {
      RunOk({"put", db_, "sequence", "r" + std::to_string(i), "{\"n\":" + std::to_string(i) + "}"});
    }
  }
};

TEST_F(CliCacheTest, QueryWithCacheTtlIsServedFromTheCacheUntilAWrite) {
  Fill();
  const std::vector<std::string> q = {
      "query",       db_,  "--component", "sequence", "{\"n\":{\"$gte\":2},\"$fields\":[\"@id\"]}",
      "--cache-ttl", "60", "--stats"};
  CliResult first = Run(q);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(SplitLines(first.out).size(), 3u);
  EXPECT_EQ(first.err.find("plan: cached: "), std::string::npos) << first.err;
  CliResult second = Run(q);
  EXPECT_EQ(second.out, first.out);
  EXPECT_NE(second.err.find("plan: cached: scan component sequence"), std::string::npos)
      << second.err;
  RunOk({"put", db_, "sequence", "r9", "{\"n\":9}"});
  CliResult third = Run(q);
  EXPECT_EQ(SplitLines(third.out).size(), 4u);
  EXPECT_EQ(third.err.find("plan: cached: "), std::string::npos) << third.err;

  // list, stats
  const std::vector<std::string> list = SplitLines(RunOk({"cache", "list", db_}));
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].rfind("kind", 0), 0u);
  EXPECT_EQ(list[1].rfind("query        fresh", 0), 0u) << list[1];
  rapidjson::Document entry = ParseJson(RunOk({"cache", "list", db_, "--json"}));
  EXPECT_EQ(std::string(entry["kind"].GetString()), "query");
  EXPECT_EQ(std::string(entry["inputs"][0]["component"].GetString()), "sequence");
  rapidjson::Document stats = ParseJson(RunOk({"cache", "stats", db_, "--json"}));
  EXPECT_EQ(stats["total"]["entries"].GetUint64(), 1u);
  EXPECT_EQ(stats["kinds"]["query"]["fresh"].GetUint64(), 1u);
  EXPECT_NE(RunOk({"cache", "stats", db_}).find("(all)"), std::string::npos);

  // A write makes it stale; purge removes it.
  RunOk({"put", db_, "sequence", "r10", "{\"n\":10}"});
  stats = ParseJson(RunOk({"cache", "stats", db_, "--json"}));
  EXPECT_EQ(stats["total"]["stale"].GetUint64(), 1u);
  EXPECT_EQ(RunOk({"cache", "purge", db_, "--expired-only"}), "removed 0 cache entries\n");
  EXPECT_EQ(RunOk({"cache", "purge", db_}), "removed 1 cache entry\n");
  EXPECT_EQ(RunOk({"cache", "list", db_, "--json"}), "");
}

TEST_F(CliCacheTest, StatsShowTheResultCacheCounters) {
  Fill();
  const std::string table = RunOk({"stats", db_});
  EXPECT_NE(table.find("result cache     0 hits, 0 misses"), std::string::npos) << table;
  rapidjson::Document json = ParseJson(RunOk({"stats", db_, "--json"}));
  ASSERT_TRUE(json.HasMember("result_cache"));
  EXPECT_EQ(json["result_cache"]["hits"].GetUint64(), 0u);
}

TEST_F(CliCacheTest, PiAnalyzeIsCached) {
  Init();
  RunOk({"pi", "compute", db_, "--digits", "2000", "--id", "p"});
  const std::string first = RunOk({"pi", "analyze", db_, "p", "--from", "10", "--count", "500"});
  rapidjson::Document doc = ParseJson(first);
  EXPECT_EQ(doc["count"].GetUint64(), 500u);
  EXPECT_TRUE(doc.HasMember("uniqueness"));
  EXPECT_EQ(RunOk({"pi", "analyze", db_, "p", "--from", "10", "--count", "500"}), first);
  rapidjson::Document stats = ParseJson(RunOk({"cache", "stats", db_, "--json"}));
  EXPECT_EQ(stats["kinds"]["pi-analysis"]["fresh"].GetUint64(), 1u);
  EXPECT_NE(RunOk({"pi", "analyze", db_, "p", "--no-cache"}).find("\"count\":2000"),
            std::string::npos);
  stats = ParseJson(RunOk({"cache", "stats", db_, "--json"}));
  EXPECT_EQ(stats["total"]["entries"].GetUint64(), 1u);
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"pi", "analyze", db_, "nope"},
        std::vector<std::string>{"pi", "analyze", db_, "p", "--from", "2001"},
        std::vector<std::string>{"pi", "analyze", db_, "p", "--kgram", "9"},
        std::vector<std::string>{"pi", "analyze", db_, "p", "--cache-ttl", "-1"}}) {
    CliResult r = Run(bad);
    EXPECT_EQ(r.exit_code, 2) << Join(bad) << r.err;
    ExpectOneErrorLine(r);
  }
}

TEST_F(CliCacheTest, BadInputChangesNothing) {
  Fill();
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"query", db_, "--component", "sequence", "{}", "--cache-ttl",
                                 "-5"},
        std::vector<std::string>{"query", db_, "--component", "sequence", "{}", "--cache-ttl",
                                 "soon"},
        std::vector<std::string>{"cache", "purge", db_, "--all", "--expired-only"},
        std::vector<std::string>{"cache", "frobnicate", db_},
        std::vector<std::string>{"cache", "list", dir_ + "/nothing"}}) {
    CliResult r = Run(bad);
    EXPECT_EQ(r.exit_code, 2) << Join(bad) << r.err;
    ExpectOneErrorLine(r);
  }
  EXPECT_EQ(RunOk({"cache", "list", db_, "--json"}), "");
  EXPECT_EQ(RunOk({"cache", "purge", db_, "--all"}), "removed 0 cache entries\n");
}

TEST_F(CliCacheTest, HeldOpenElsewhereServesButNeitherStoresNorPurges) {
  Fill();
  const std::vector<std::string> q = {
      "query", db_, "--component", "sequence", "{\"$count\":true}", "--cache-ttl", "60", "--stats"};
  RunOk(q);  // stored
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(Options(), db_, &db).ok());
  CliResult hit = Run(q);
  EXPECT_EQ(hit.exit_code, 0) << hit.err;
  EXPECT_NE(hit.err.find("plan: cached: "), std::string::npos) << hit.err;
  CliResult other =
      Run({"query", db_, "--component", "sequence", "{\"$limit\":1}", "--cache-ttl", "60"});
  EXPECT_EQ(other.exit_code, 0) << other.err;
  EXPECT_EQ(SplitLines(RunOk({"cache", "list", db_, "--json"})).size(), 1u);
  CliResult purge = Run({"cache", "purge", db_});
  EXPECT_EQ(purge.exit_code, 4) << purge.err;
  ExpectOneErrorLine(purge);
}

}  // namespace
}  // namespace spirapi
