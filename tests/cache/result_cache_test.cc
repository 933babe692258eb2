// The result cache (include/spirapi/result_cache.h), its use by RunQuery and
// AnalyzeSequenceDigits, and DB::ComponentChangeSequence under reopen,
// compaction and a crash.

#include "spirapi/result_cache.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "spirapi/pi.h"
#include "spirapi/pi_analysis.h"
#include "spirapi/query.h"
#include "spirapi/schema.h"
#include "support/temp_dir.h"

namespace spirapi {
namespace {

class ResultCacheTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open(bool read_only = false) {
    db_.reset();
    Options options;
    options.read_only = read_only;
    ASSERT_TRUE(DB::Open(options, dir_.path(), &db_).ok());
  }

  void Put(Component c, const std::string& id, const std::string& json) {
    ASSERT_TRUE(db_->Put(WriteOptions(), c, id, json).ok());
  }

  ResultCacheCounters Counters() {
    ResultCacheCounters c;
    EXPECT_TRUE(GetResultCacheCounters(db_.get(), &c).ok());
    return c;
  }

  uint64_t ChangeSeq(Component c) {
    uint64_t seq = 0;
    EXPECT_TRUE(db_->ComponentChangeSequence(c, &seq).ok());
    return seq;
  }

  // GetOrCompute of key "k" over `inputs`; returns whether it was a hit and
  // counts the computations in computed_.
  bool Get(ResultCache* cache, const std::vector<CacheInput>& inputs, std::string* value,
           double ttl = 0) {
    bool hit = false;
    Status s = cache->GetOrCompute(
        "test", "k", inputs, ttl,
        [&](std::string* out) {
          ++computed_;
          *out = "{\"n\":" + std::to_string(computed_) + "}";
          return Status::OK();
        },
        value, &hit);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return hit;
  }

  std::vector<std::string> Query(const QuerySource& source, const std::string& q, double ttl,
                                 QueryStats* stats = nullptr) {
    QueryOptions options;
    options.cache_ttl_seconds = ttl;
    std::vector<std::string> rows;
    Status s = RunQuery(
        db_.get(), source, q, options,
        [&](std::string_view row) {
          rows.emplace_back(row);
          return true;
        },
        stats);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return rows;
  }

  test::TempDir dir_;
  std::unique_ptr<DB> db_;
  int computed_ = 0;
};

TEST_F(ResultCacheTest, MissThenHitAndCounters) {
  Put(Component::kSequence, "a", "1");
  ResultCache cache(db_.get());
  std::string v;
  EXPECT_FALSE(Get(&cache, {{Component::kSequence, ""}}, &v));
  EXPECT_EQ(v, "{\"n\":1}");
  EXPECT_TRUE(Get(&cache, {{Component::kSequence, ""}}, &v));
  EXPECT_EQ(v, "{\"n\":1}");
  EXPECT_EQ(computed_, 1);
  ResultCacheCounters c = Counters();
  EXPECT_EQ(c.hits, 1u);
  EXPECT_EQ(c.misses, 1u);
  EXPECT_EQ(c.stored, 1u);
  EXPECT_DOUBLE_EQ(c.hit_rate(), 0.5);
  DbStats stats;
  ASSERT_TRUE(db_->GetStats(&stats).ok());
  EXPECT_NE(stats.ToJson().find("\"result_cache\":{\"hits\":1,\"misses\":1,"), std::string::npos);
  // The entry is a record of the CACHE component under ~result/.
  StorageRecord r;
  ASSERT_TRUE(
      db_->Get(ReadOptions(), Component::kCache, ResultCacheRecordId("test", "k"), &r).ok());
  EXPECT_EQ(r.blob, "{\"n\":1}");
}

TEST_F(ResultCacheTest, TtlExpiresWithTheInjectedClock) {
  int64_t now = 1'000'000'000'000;
  ResultCacheOptions options;
  options.now_us = [&now] { return now; };
  ResultCache cache(db_.get(), options);
  std::string v;
  EXPECT_FALSE(Get(&cache, {{Component::kSequence, ""}}, &v, 10));
  now += 9'999'999;
  EXPECT_TRUE(Get(&cache, {{Component::kSequence, ""}}, &v, 10));
  now += 1;
  EXPECT_FALSE(Get(&cache, {{Component::kSequence, ""}}, &v, 10));
  EXPECT_EQ(Counters().expired, 1u);
  EXPECT_EQ(v, "{\"n\":2}");
}

TEST_F(ResultCacheTest, WriteOrDeleteInTheInputComponentMakesItStale) {
  Put(Component::kSequence, "a", "1");
  ResultCache cache(db_.get());
  std::string v;
  const std::vector<CacheInput> in = {{Component::kSequence, ""}};
  EXPECT_FALSE(Get(&cache, in, &v));
  Put(Component::kSequence, "b", "2");
  EXPECT_FALSE(Get(&cache, in, &v));
  EXPECT_EQ(Counters().stale, 1u);
  EXPECT_TRUE(Get(&cache, in, &v));
  ASSERT_TRUE(db_->Delete(WriteOptions(), Component::kSequence, "b").ok());
  EXPECT_FALSE(Get(&cache, in, &v));
  EXPECT_EQ(Counters().stale, 2u);
  // A transaction's write counts as well.
  EXPECT_TRUE(Get(&cache, in, &v));
  std::unique_ptr<Transaction> txn;
  ASSERT_TRUE(db_->BeginTransaction(WriteOptions(), &txn).ok());
  ASSERT_TRUE(txn->Put(Component::kSequence, "c", "3").ok());
  ASSERT_TRUE(txn->Commit().ok());
  EXPECT_FALSE(Get(&cache, in, &v));
}

TEST_F(ResultCacheTest, OtherComponentsAndTheCacheItselfDoNotInvalidate) {
  ResultCache cache(db_.get());
  std::string v;
  const std::vector<CacheInput> in = {{Component::kSequence, ""}};
  EXPECT_FALSE(Get(&cache, in, &v));
  const uint64_t before = ChangeSeq(Component::kSequence);
  Put(Component::kMetadata, "x", "1");
  Put(Component::kCache, "user-entry", "1");
  Put(Component::kSchema, "y", "1");
  EXPECT_EQ(ChangeSeq(Component::kSequence), before);
  EXPECT_GT(ChangeSeq(Component::kCache), before);
  EXPECT_TRUE(Get(&cache, in, &v));
  EXPECT_EQ(computed_, 1);
}

TEST_F(ResultCacheTest, RecordInputsCompareTheRecordOnly) {
  Put(Component::kSequence, "a", "1");
  ResultCache cache(db_.get());
  std::string v;
  const std::vector<CacheInput> in = {{Component::kSequence, "a"}};
  EXPECT_FALSE(Get(&cache, in, &v));
  Put(Component::kSequence, "other", "1");
  EXPECT_TRUE(Get(&cache, in, &v));
  Put(Component::kSequence, "a", "2");
  EXPECT_FALSE(Get(&cache, in, &v));
  EXPECT_TRUE(Get(&cache, in, &v));
  ASSERT_TRUE(db_->Delete(WriteOptions(), Component::kSequence, "a").ok());
  EXPECT_FALSE(Get(&cache, in, &v));
  // Recreated: a new version 1, but a new commit sequence all the same.
  EXPECT_TRUE(Get(&cache, in, &v));
  ASSERT_TRUE(db_->Compact().ok());
  Put(Component::kSequence, "a", "1");
  EXPECT_FALSE(Get(&cache, in, &v));
  // An absent record is an input too: its creation makes the entry stale.
  const std::vector<CacheInput> absent = {{Component::kSequence, "later"}};
  bool hit = true;
  ASSERT_TRUE(cache
                  .GetOrCompute(
                      "test", "absent", absent, 0,
                      [](std::string* o) {
                        *o = "1";
                        return Status::OK();
                      },
                      &v, &hit)
                  .ok());
  Put(Component::kSequence, "later", "1");
  ASSERT_TRUE(cache.Lookup("test", "absent", &v, &hit).ok());
  EXPECT_FALSE(hit);
}

TEST_F(ResultCacheTest, BadInputIsRefusedAndChangesNothing) {
  ResultCache cache(db_.get());
  std::string v;
  bool hit;
  EXPECT_TRUE(cache.Lookup("Bad Kind", "k", &v, &hit).IsInvalidArgument());
  EXPECT_TRUE(cache.Lookup("", "k", &v, &hit).IsInvalidArgument());
  CacheFingerprint fp;
  EXPECT_TRUE(cache.Fingerprint({}, &fp).IsInvalidArgument());
  EXPECT_TRUE(cache.Fingerprint({{static_cast<Component>(9), ""}}, &fp).IsInvalidArgument());
  ASSERT_TRUE(cache.Fingerprint({{Component::kSequence, ""}}, &fp).ok());
  EXPECT_TRUE(cache.Store("test", "k", fp, "{not json", 0).IsInvalidArgument());
  EXPECT_TRUE(cache.Store("test", "k", fp, "1", -1).IsInvalidArgument());
  EXPECT_TRUE(cache.Store("test", "k", CacheFingerprint(), "1", 0).IsInvalidArgument());
  uint64_t n = 0;
  ASSERT_TRUE(db_->Count(ReadOptions(), Component::kCache, &n).ok());
  EXPECT_EQ(n, 0u);
  // Too large: not stored, counted as skipped.
  ResultCacheOptions small;
  small.max_value_bytes = 4;
  ResultCache tight(db_.get(), small);
  ASSERT_TRUE(tight.Store("test", "k", fp, "[1,2,3]", 0).ok());
  EXPECT_EQ(Counters().skipped, 1u);
  ASSERT_TRUE(tight.Lookup("test", "k", &v, &hit).ok());
  EXPECT_FALSE(hit);
}

TEST_F(ResultCacheTest, PurgeModesAndList) {
  int64_t now = 1'000'000'000'000;
  ResultCacheOptions options;
  options.now_us = [&now] { return now; };
  ResultCache cache(db_.get(), options);
  CacheFingerprint seq_fp, meta_fp;
  ASSERT_TRUE(cache.Fingerprint({{Component::kSequence, ""}}, &seq_fp).ok());
  ASSERT_TRUE(cache.Fingerprint({{Component::kMetadata, ""}}, &meta_fp).ok());
  ASSERT_TRUE(cache.Store("test", "expiring", seq_fp, "1", 5).ok());
  ASSERT_TRUE(cache.Store("test", "stale", meta_fp, "2", 0).ok());
  ASSERT_TRUE(cache.Store("test", "fresh", seq_fp, "3", 0).ok());
  Put(Component::kMetadata, "m", "1");
  now += 6'000'000;
  std::vector<CacheEntryInfo> entries;
  ASSERT_TRUE(cache
                  .List([&](const CacheEntryInfo& e) {
                    entries.push_back(e);
                    return true;
                  })
                  .ok());
  ASSERT_EQ(entries.size(), 3u);
  int expired = 0, stale = 0;
  for (const CacheEntryInfo& e : entries) {
    expired += e.expired;
    stale += e.stale;
    EXPECT_EQ(e.kind, "test");
    EXPECT_NE(e.ToJson().find("\"inputs\":[{\"component\":"), std::string::npos);
  }
  EXPECT_EQ(expired, 1);
  EXPECT_EQ(stale, 1);
  uint64_t removed = 0;
  ASSERT_TRUE(cache.Purge(ResultCache::PurgeMode::kExpiredOnly, &removed).ok());
  EXPECT_EQ(removed, 1u);
  ASSERT_TRUE(cache.Purge(ResultCache::PurgeMode::kUnusable, &removed).ok());
  EXPECT_EQ(removed, 2u);
  std::string v;
  bool hit = false;
  ASSERT_TRUE(cache.Lookup("test", "fresh", &v, &hit).ok());
  EXPECT_TRUE(hit);
  ASSERT_TRUE(cache.Purge(ResultCache::PurgeMode::kAll, &removed).ok());
  EXPECT_EQ(removed, 3u);
  uint64_t n = 0;
  ASSERT_TRUE(db_->Count(ReadOptions(), Component::kCache, &n).ok());
  EXPECT_EQ(n, 0u);
}

TEST_F(ResultCacheTest, EntriesAndChangeSequencesSurviveReopen) {
  Put(Component::kSequence, "a", "1");
  Put(Component::kSequence, "b", "1");
  {
    ResultCache cache(db_.get());
    std::string v;
    EXPECT_FALSE(Get(&cache, {{Component::kSequence, ""}}, &v));
  }
  const uint64_t seq = ChangeSeq(Component::kSequence);
  Put(Component::kMetadata, "unrelated", "1");
  Open();
  EXPECT_EQ(ChangeSeq(Component::kSequence), seq);
  ResultCache cache(db_.get());
  std::string v;
  EXPECT_TRUE(Get(&cache, {{Component::kSequence, ""}}, &v));
  // Flushed to segments: the same.
  ASSERT_TRUE(db_->Flush().ok());
  Open();
  EXPECT_EQ(ChangeSeq(Component::kSequence), seq);
}

// A compaction drops a deleted record entirely; its delete's sequence must
// still count after a reopen (the MANIFEST's floor), or an entry computed
// before the delete would be served again.
TEST_F(ResultCacheTest, CompactedAwayDeleteStillCountsAfterReopen) {
  Put(Component::kSequence, "a", "1");
  Put(Component::kSequence, "b", "1");
  ResultCache first(db_.get());
  std::string v;
  EXPECT_FALSE(Get(&first, {{Component::kSequence, ""}}, &v));
  ASSERT_TRUE(db_->Delete(WriteOptions(), Component::kSequence, "a").ok());
  const uint64_t seq = ChangeSeq(Component::kSequence);
  ASSERT_TRUE(db_->Compact().ok());
  DbStats stats;
  ASSERT_TRUE(db_->GetStats(&stats).ok());
  EXPECT_EQ(stats.components[0].stored_versions, 1u);  // "a" is gone entirely
  Open();
  EXPECT_EQ(ChangeSeq(Component::kSequence), seq);
  ResultCache cache(db_.get());
  EXPECT_FALSE(Get(&cache, {{Component::kSequence, ""}}, &v));
  EXPECT_EQ(Counters().stale, 1u);
}

// A process that dies without closing: the journal's commits set the change
// sequence at the next open, and entries it stored are served.
TEST_F(ResultCacheTest, ChangeSequenceSurvivesACrash) {
  db_.reset();
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::unique_ptr<DB> db;
    if (!DB::Open(Options(), dir_.path(), &db).ok()) _exit(1);
    for (int i = 0; i < 50; ++i) {
      WriteOptions wo;
      wo.sync = i % 10 == 0;
      if (!db->Put(wo, Component::kSequence, "r" + std::to_string(i), "1").ok()) _exit(1);
    }
    if (!db->Compact().ok()) _exit(1);
    if (!db->Delete(WriteOptions(), Component::kSequence, "r3").ok()) _exit(1);
    ResultCache cache(db.get());
    std::string v;
    bool hit = false;
    Status s = cache.GetOrCompute(
        "test", "k", {{Component::kSequence, ""}}, 0,
        [](std::string* o) {
          *o = "49";
          return Status::OK();
        },
        &v, &hit);
    if (!s.ok()) _exit(1);
    if (!db->Put(WriteOptions(), Component::kMetadata, "after", "1").ok()) _exit(1);
    _exit(0);  // no close: the DB is never destroyed
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  Open();
  DbStats stats;
  ASSERT_TRUE(db_->GetStats(&stats).ok());
  // The delete of r3 was the last sequence write; METADATA and CACHE came after.
  EXPECT_EQ(ChangeSeq(Component::kSequence) + 2, stats.last_sequence);
  ResultCache cache(db_.get());
  std::string v;
  EXPECT_TRUE(Get(&cache, {{Component::kSequence, ""}}, &v));
  EXPECT_EQ(v, "49");
  Put(Component::kSequence, "r3", "2");
  EXPECT_FALSE(Get(&cache, {{Component::kSequence, ""}}, &v));
}

TEST_F(ResultCacheTest, ReadOnlyInstanceServesButStoresNothing) {
  Put(Component::kSequence, "a", "1");
  {
    ResultCache cache(db_.get());
    std::string v;
    EXPECT_FALSE(Get(&cache, {{Component::kSequence, ""}}, &v));
  }
  Open(/*read_only=*/true);
  ResultCache cache(db_.get());
  std::string v;
  EXPECT_TRUE(Get(&cache, {{Component::kSequence, ""}}, &v));
  bool hit = true;
  ASSERT_TRUE(cache
                  .GetOrCompute(
                      "test", "other", {{Component::kSequence, ""}}, 0,
                      [](std::string* o) {
                        *o = "2";
                        return Status::OK();
                      },
                      &v, &hit)
                  .ok());
  EXPECT_FALSE(hit);
  EXPECT_EQ(v, "2");
  ResultCacheCounters c = Counters();
  EXPECT_EQ(c.hits, 1u);
  EXPECT_EQ(c.misses, 1u);
  EXPECT_EQ(c.stored, 0u);
  EXPECT_EQ(c.skipped, 1u);
  uint64_t removed = 0;
  EXPECT_TRUE(cache.Purge(ResultCache::PurgeMode::kAll, &removed).IsNotSupported());
}

TEST_F(ResultCacheTest, CachedQueryReturnsTheSameRows) {
  for (int i = 0; i < 20; ++i) {
    Put(Component::kSequence, "r" + std::to_string(i),
        "{\"n\":" + std::to_string(i) + ",\"x\":1.50}");
  }
  const QuerySource source;
  const std::string q = "{\"n\": {\"$gte\": 5}, \"$sort\": {\"n\": \"desc\"}, \"$limit\": 7}";
  const std::vector<std::string> plain = Query(source, q, 0);
  ASSERT_EQ(plain.size(), 7u);
  QueryStats stats;
  EXPECT_EQ(Query(source, q, 60, &stats), plain);
  EXPECT_EQ(stats.plan.rfind("cached: ", 0), std::string::npos);
  EXPECT_EQ(Query(source, q, 60, &stats), plain);
  EXPECT_EQ(stats.plan.rfind("cached: ", 0), 0u);
  EXPECT_EQ(stats.rows_examined, 0u);
  EXPECT_EQ(stats.rows_returned, 7u);
  // A write to the source: the next run reads the records again.
  Put(Component::kSequence, "r99", "{\"n\":99}");
  const std::vector<std::string> after = Query(source, q, 60, &stats);
  EXPECT_EQ(stats.plan.rfind("cached: ", 0), std::string::npos);
  EXPECT_EQ(after, Query(source, q, 0));
  EXPECT_NE(after, plain);
}

TEST_F(ResultCacheTest, QueryResultsCutShortOrTooLargeAreNotStored) {
  const std::string big(40'000, 'x');
  for (int i = 0; i < 30; ++i)
    Put(Component::kSequence, "r" + std::to_string(i), "\"" + big + "\"");
  QueryOptions options;
  options.cache_ttl_seconds = 60;
  int seen = 0;
  ASSERT_TRUE(RunQuery(db_.get(), QuerySource(), "{}", options, [&](std::string_view) {
                return ++seen < 3;
              }).ok());
  EXPECT_EQ(Counters().stored, 0u);
  Query(QuerySource(), "{}", 60);  // about 1.2 MiB of rows
  EXPECT_EQ(Counters().stored, 0u);
  EXPECT_EQ(Counters().skipped, 0u);  // given up while collecting, before Store
  Query(QuerySource(), "{\"$limit\": 2}", 60);
  EXPECT_EQ(Counters().stored, 1u);
  // With a snapshot the cache is not used at all.
  const Snapshot* snap = db_->GetSnapshot();
  options.snapshot = snap;
  ASSERT_TRUE(RunQuery(db_.get(), QuerySource(), "{\"$limit\": 2}", options, [](std::string_view) {
                return true;
              }).ok());
  db_->ReleaseSnapshot(snap);
  EXPECT_EQ(Counters().hits, 0u);
}

TEST_F(ResultCacheTest, SchemaQueriesGoStaleWithTheSchemasRecords) {
  std::unique_ptr<SchemaManager> schemas;
  ASSERT_TRUE(SchemaManager::Open(db_.get(), &schemas).ok());
  SchemaInfo info;
  ASSERT_TRUE(
      schemas
          ->CreateSchema("people", SchemaZone::kFlexible, "{\"age\":{\"type\":\"integer\"}}", &info)
          .ok());
  std::string id;
  ASSERT_TRUE(schemas->Insert("people", "{\"age\":30}", &id).ok());
  QuerySource source;
  source.schema = "people";
  const std::string q = "{\"$count\": true}";
  EXPECT_EQ(Query(source, q, 60), std::vector<std::string>{"{\"count\":1}"});
  QueryStats stats;
  EXPECT_EQ(Query(source, q, 60, &stats), std::vector<std::string>{"{\"count\":1}"});
  EXPECT_EQ(stats.plan.rfind("cached: ", 0), 0u);
  ASSERT_TRUE(schemas->Insert("people", "{\"age\":40}", &id).ok());
  EXPECT_EQ(Query(source, q, 60, &stats), std::vector<std::string>{"{\"count\":2}"});
  // A write to the sequence component leaves the schema's entry fresh.
  Put(Component::kSequence, "x", "1");
  EXPECT_EQ(Query(source, q, 60, &stats), std::vector<std::string>{"{\"count\":2}"});
  EXPECT_EQ(stats.plan.rfind("cached: ", 0), 0u);
}

// Writers commit while readers run a cached count: a reader must see at
// least every commit acknowledged before its query began.
TEST_F(ResultCacheTest, ConcurrentWritersNeverGetStaleRows) {
  std::atomic<uint64_t> acknowledged{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (int w = 0; w < 2; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < 150; ++i) {
        if (!db_->Put(WriteOptions(), Component::kSequence,
                      "w" + std::to_string(w) + "-" + std::to_string(i), "1")
                 .ok()) {
          failed = true;
        }
        acknowledged.fetch_add(1);
      }
    });
  }
  std::atomic<uint64_t> hits{0};
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&] {
      QueryOptions options;
      options.cache_ttl_seconds = 600;
      for (int i = 0; i < 300; ++i) {
        const uint64_t floor = acknowledged.load();
        uint64_t count = 0;
        QueryStats stats;
        Status s = RunQuery(
            db_.get(), QuerySource(), "{\"$count\": true}", options,
            [&](std::string_view row) {
              count = std::stoull(std::string(row.substr(9)));
              return true;
            },
            &stats);
        if (!s.ok() || count < floor) failed = true;
        if (stats.plan.rfind("cached: ", 0) == 0) hits.fetch_add(1);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_FALSE(failed.load());
  uint64_t count = 0;
  ASSERT_TRUE(db_->Count(ReadOptions(), Component::kSequence, &count).ok());
  EXPECT_EQ(count, 300u);
}

TEST_F(ResultCacheTest, PiAnalysisIsCachedUntilTheSequenceChanges) {
  std::unique_ptr<PiStore> store;
  ASSERT_TRUE(PiStore::Open(db_.get(), &store).ok());
  SequenceInfo info;
  ASSERT_TRUE(store->StoreSequence("s", "14159265358979323846", StoreOptions(), &info).ok());
  DigitAnalysisOptions options;
  options.first = 3;
  options.count = 10;
  std::string json, again;
  bool cached = true;
  ASSERT_TRUE(AnalyzeSequenceDigits(db_.get(), "s", options, &json, &cached).ok());
  EXPECT_FALSE(cached);
  EXPECT_EQ(json.rfind("{\"id\":\"s\",\"first\":3,\"count\":10,\"digit_distribution\":", 0), 0u);
  ASSERT_TRUE(AnalyzeSequenceDigits(db_.get(), "s", options, &again, &cached).ok());
  EXPECT_TRUE(cached);
  EXPECT_EQ(again, json);
  // Another range is another entry; storing the sequence again invalidates.
  options.count = 0;
  ASSERT_TRUE(AnalyzeSequenceDigits(db_.get(), "s", options, &again, &cached).ok());
  EXPECT_FALSE(cached);
  EXPECT_NE(again.find("\"count\":18"), std::string::npos);
  ASSERT_TRUE(store->StoreSequence("s", "99999999999999999999", StoreOptions(), &info).ok());
  ASSERT_TRUE(AnalyzeSequenceDigits(db_.get(), "s", options, &again, &cached).ok());
  EXPECT_FALSE(cached);
  EXPECT_NE(again.find("\"counts\":[0,0,0,0,0,0,0,0,0,18]"), std::string::npos) << again;
  options.use_cache = false;
  ASSERT_TRUE(AnalyzeSequenceDigits(db_.get(), "s", options, &json, &cached).ok());
  EXPECT_FALSE(cached);
  EXPECT_EQ(json, again);
  // Bad input.
  EXPECT_TRUE(AnalyzeSequenceDigits(db_.get(), "nope", options, &json, &cached).IsNotFound());
  options.first = 21;
  EXPECT_TRUE(AnalyzeSequenceDigits(db_.get(), "s", options, &json, &cached).IsInvalidArgument());
  options.first = 1;
  options.max_kgram_length = 7;
  EXPECT_TRUE(AnalyzeSequenceDigits(db_.get(), "s", options, &json, &cached).IsInvalidArgument());
}

}  // namespace
}  // namespace spirapi
