// The query history (include/spirapi/query_log.h): entries in and out in
// both orders, filters, retention by count and by age, other records of the
// QUERY component left alone, read-only and encrypted databases.

#include "spirapi/query_log.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace spirapi {
namespace {

constexpr int64_t kDay = 86'400'000'000;

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class QueryLogTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(Options()); }

  void Open(Options o) {
    db_.reset();
    o.background_work = false;
    ASSERT_TRUE(DB::Open(o, dir_.Sub("db"), &db_).ok());
  }

  QueryLogEntry Entry(int64_t time_us, double seconds, const std::string& query = "{}") {
    QueryLogEntry e;
    e.query = query;
    e.source = "component sequence";
    e.plan = "scan component sequence (no index)";
    e.seconds = seconds;
    e.rows_examined = 10;
    e.rows_returned = 2;
    e.time_us = time_us;
    return e;
  }

  // No retention: the entries a test appends all stay. Tests that set an
  // age have it checked on every append.
  static QueryLogOptions KeepAll() {
    QueryLogOptions o;
    o.max_entries = 0;
    o.max_age_days = 0;
    o.age_check_seconds = 0;
    return o;
  }

  void Append(const QueryLogEntry& e, const QueryLogOptions& o = KeepAll()) {
    Status s = AppendQueryLog(db_.get(), e, o);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  std::vector<QueryLogEntry> Read(QueryLogFilter f = QueryLogFilter()) {
    std::vector<QueryLogEntry> out;
    Status s = ReadQueryLog(db_.get(), f, [&](const QueryLogEntry& e) {
      out.push_back(e);
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }

  // The queries of the entries read with `f`, in order.
  std::vector<std::string> Queries(QueryLogFilter f = QueryLogFilter()) {
    std::vector<std::string> out;
    for (const QueryLogEntry& e : Read(f)) out.push_back(e.query);
    return out;
  }

  test::TempDir dir_;
  std::unique_ptr<DB> db_;
};

TEST_F(QueryLogTest, EntriesReadBackNewestOrOldestFirst) {
  const int64_t t = Now() - 1000;
  Append(Entry(t + 2, 0.5, "{\"b\":1}"));
  Append(Entry(t, 0.01, "{\"a\":1}"));
  QueryLogEntry failed = Entry(t + 3, 0.2, "{\"c\":");
  failed.status = "InvalidArgument: query: not JSON";
  failed.plan.clear();
  Append(failed);
  EXPECT_EQ(Queries(), (std::vector<std::string>{"{\"c\":", "{\"b\":1}", "{\"a\":1}"}));
  QueryLogFilter oldest;
  oldest.newest_first = false;
  EXPECT_EQ(Queries(oldest), (std::vector<std::string>{"{\"a\":1}", "{\"b\":1}", "{\"c\":"}));
  oldest.limit = 2;
  EXPECT_EQ(Queries(oldest), (std::vector<std::string>{"{\"a\":1}", "{\"b\":1}"}));

  QueryLogFilter slow;
  slow.min_seconds = kDefaultSlowQuerySeconds;
  EXPECT_EQ(Queries(slow), (std::vector<std::string>{"{\"c\":", "{\"b\":1}"}));
  slow.limit = 1;
  EXPECT_EQ(Queries(slow), (std::vector<std::string>{"{\"c\":"}));

  const std::vector<QueryLogEntry> all = Read();
  ASSERT_EQ(all.size(), 3u);
  const QueryLogEntry& b = all[1];
  EXPECT_EQ(b.time_us, t + 2);
  EXPECT_EQ(b.seconds, 0.5);
  EXPECT_EQ(b.rows_examined, 10u);
  EXPECT_EQ(b.rows_returned, 2u);
  EXPECT_EQ(b.source, "component sequence");
  EXPECT_EQ(b.plan, "scan component sequence (no index)");
  EXPECT_EQ(b.status, "ok");
  EXPECT_EQ(b.id.rfind("~log/", 0), 0u) << b.id;
  EXPECT_EQ(all[0].status, "InvalidArgument: query: not JSON");

  // The stored record: the entry as JSON, with the history's metadata.
  StorageRecord r;
  ASSERT_TRUE(db_->Get(ReadOptions(), Component::kQuery, b.id, &r).ok());
  EXPECT_EQ(r.metadata, "{\"kind\":\"query_log\"}");
  QueryLogEntry no_id = b;
  no_id.id.clear();
  EXPECT_EQ(r.data, QueryLogEntryToJson(no_id));
  EXPECT_NE(r.data.find("\"seconds\":0.5,\"rows_examined\":10"), std::string::npos) << r.data;
}

TEST_F(QueryLogTest, TimeZeroMeansNowAndIdsSortByTime) {
  const int64_t before = Now();
  Append(Entry(0, 0));
  Append(Entry(0, 0));
  const std::vector<QueryLogEntry> all = Read();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_GE(all[1].time_us, before);
  EXPECT_LE(all[0].time_us, Now());
  EXPECT_NE(all[0].id, all[1].id);
  EXPECT_GT(all[0].id, all[1].id);  // newest first
}

TEST_F(QueryLogTest, FormatsTimesAsIso8601Utc) {
  EXPECT_EQ(FormatQueryLogTime(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatQueryLogTime(1714566896789012), "2024-05-01T12:34:56.789012Z");
  EXPECT_EQ(FormatQueryLogTime(-1), "1969-12-31T23:59:59.999999Z");
}

TEST_F(QueryLogTest, NewestFirstCrossesWindowsOfTime) {
  // Entries a minute to years apart, and a dense burst of more than one
  // window holds: newest first must be oldest first reversed.
  const int64_t now = Now();
  for (int i = 0; i < 40; ++i) Append(Entry(now - static_cast<int64_t>(i) * i * 7 * kDay, 0));
  for (int i = 0; i < 5000; ++i) Append(Entry(now - 30 * kDay + i, 0, std::to_string(i)));
  Append(Entry(now + kDay, 0, "future"));  // a clock set ahead
  QueryLogFilter oldest;
  oldest.newest_first = false;
  std::vector<std::string> forwards;
  for (const QueryLogEntry& e : Read(oldest)) forwards.push_back(e.id);
  std::vector<std::string> backwards;
  for (const QueryLogEntry& e : Read()) backwards.push_back(e.id);
  ASSERT_EQ(forwards.size(), 5041u);
  std::reverse(backwards.begin(), backwards.end());
  EXPECT_EQ(forwards, backwards);
  QueryLogFilter newest;
  newest.limit = 3;
  const std::vector<QueryLogEntry> top = Read(newest);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].query, "future");
}

TEST_F(QueryLogTest, RetentionByCount) {
  QueryLogOptions o = KeepAll();
  o.max_entries = 10;  // under 20: every append checks the count
  const int64_t t = Now() - 1000;
  for (int i = 0; i < 25; ++i) {
    Append(Entry(t + i, 0, std::to_string(i)), o);
    EXPECT_LE(Read().size(), 10u);
  }
  const std::vector<std::string> kept = Queries();
  ASSERT_EQ(kept.size(), 10u);
  EXPECT_EQ(kept.front(), "24");
  EXPECT_EQ(kept.back(), "15");

  // A larger limit is applied in batches; PruneQueryLog applies it exactly.
  o.max_entries = 100;
  for (int i = 0; i < 400; ++i) Append(Entry(t + 100 + i, 0, std::to_string(100 + i)), o);
  EXPECT_LT(Read().size(), 400u);
  uint64_t removed = 0;
  ASSERT_TRUE(PruneQueryLog(db_.get(), o, &removed).ok());
  const std::vector<std::string> left = Queries();
  ASSERT_EQ(left.size(), 100u);
  EXPECT_EQ(left.front(), "499");
  EXPECT_EQ(left.back(), "400");
  ASSERT_TRUE(PruneQueryLog(db_.get(), o, &removed).ok());
  EXPECT_EQ(removed, 0u);
}

TEST_F(QueryLogTest, RetentionByAge) {
  const int64_t now = Now();
  Append(Entry(now - 40 * kDay, 0, "40 days"));
  Append(Entry(now - 20 * kDay, 0, "20 days"));
  Append(Entry(now - kDay, 0, "1 day"));
  QueryLogOptions o = KeepAll();
  o.max_age_days = 30;
  Append(Entry(0, 0, "now"), o);  // the oldest is past 30 days by over 1%
  EXPECT_EQ(Queries(), (std::vector<std::string>{"now", "1 day", "20 days"}));
  o.max_age_days = 10;
  uint64_t removed = 0;
  ASSERT_TRUE(PruneQueryLog(db_.get(), o, &removed).ok());
  EXPECT_EQ(removed, 1u);
  EXPECT_EQ(Queries(), (std::vector<std::string>{"now", "1 day"}));
  // Both limits at once: age first, then count.
  o.max_entries = 1;
  ASSERT_TRUE(PruneQueryLog(db_.get(), o, &removed).ok());
  EXPECT_EQ(removed, 1u);
  EXPECT_EQ(Queries(), (std::vector<std::string>{"now"}));
}

TEST_F(QueryLogTest, AgeIsCheckedOncePerIntervalAndDatabase) {
  QueryLogOptions o = KeepAll();
  o.max_age_days = 30;
  o.age_check_seconds = 3600;
  const int64_t now = Now();
  Append(Entry(now, 0, "first"), o);  // checks, and finds nothing to prune
  Append(Entry(now - 40 * kDay, 0, "old"), o);
  Append(Entry(now, 0, "third"), o);  // within the hour: no check
  EXPECT_EQ(Read().size(), 3u);
  o.age_check_seconds = 0;
  Append(Entry(now, 0, "fourth"), o);
  EXPECT_EQ(Read().size(), 3u);
}

TEST_F(QueryLogTest, OtherQueryRecordsAreNeverListedOrTouched) {
  WriteOptions wo;
  // store_query()'s records: any ids, even ones that look like the history's.
  const std::vector<std::string> user_ids = {"abc", "3.14159265", "~log/", "~log/x",
                                             "~log/00000000000000000001-0000000000000000",
                                             "~logbook", "~~"};
  for (const std::string& id : user_ids) {
    ASSERT_TRUE(db_->Put(wo, Component::kQuery, id, R"({"query":"mine","seconds":9})").ok());
  }
  ASSERT_TRUE(db_->Put(wo, Component::kQuery, "~log/00000000000000000002-00", "{}",
                       R"({"kind":"query_log","by":"me"})")
                  .ok());
  const int64_t t = Now() - 1000;
  QueryLogOptions o = KeepAll();
  o.max_entries = 2;
  o.max_age_days = 1;
  for (int i = 0; i < 5; ++i) Append(Entry(t + i, 1, std::to_string(i)), o);
  Append(Entry(t - 5 * kDay, 1, "old"), o);
  EXPECT_EQ(Queries(), (std::vector<std::string>{"4", "3"}));
  QueryLogFilter oldest;
  oldest.newest_first = false;
  EXPECT_EQ(Queries(oldest), (std::vector<std::string>{"3", "4"}));
  uint64_t removed = 0;
  o.max_entries = 1;
  ASSERT_TRUE(PruneQueryLog(db_.get(), o, &removed).ok());
  EXPECT_EQ(removed, 1u);
  for (const std::string& id : user_ids) {
    StorageRecord r;
    EXPECT_TRUE(db_->Get(ReadOptions(), Component::kQuery, id, &r).ok()) << id;
    EXPECT_EQ(r.version, 1u) << id;
  }
  uint64_t count = 0;
  ASSERT_TRUE(db_->Count(ReadOptions(), Component::kQuery, &count).ok());
  EXPECT_EQ(count, user_ids.size() + 2);  // theirs, the look-alike, and one entry
}

TEST_F(QueryLogTest, ReadOnlyInstancesReadButNeverWrite) {
  Append(Entry(Now() - 10, 0.3, "q"));
  db_.reset();
  Options o;
  o.read_only = true;
  Open(o);
  Status s = AppendQueryLog(db_.get(), Entry(0, 0));
  EXPECT_TRUE(s.IsNotSupported()) << s.ToString();
  uint64_t removed = 7;
  s = PruneQueryLog(db_.get(), QueryLogOptions(), &removed);
  EXPECT_TRUE(s.IsNotSupported()) << s.ToString();
  EXPECT_EQ(removed, 0u);
  EXPECT_EQ(Queries(), std::vector<std::string>{"q"});
}

TEST_F(QueryLogTest, EncryptedDatabases) {
  db_.reset();
  Options o;
  o.encryption_enabled = true;
  o.passphrase = "correct horse";
  o.background_work = false;
  ASSERT_TRUE(DB::Open(o, dir_.Sub("encrypted"), &db_).ok());
  Append(Entry(Now() - 5, 0.25, "{\"secret\":1}"));
  ASSERT_TRUE(db_->Flush().ok());
  db_.reset();
  ASSERT_TRUE(DB::Open(o, dir_.Sub("encrypted"), &db_).ok());
  const std::vector<QueryLogEntry> all = Read();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].query, "{\"secret\":1}");
  EXPECT_EQ(all[0].seconds, 0.25);
}

TEST_F(QueryLogTest, TextIsCutAndCleanedAndBadNumbersRefused) {
  QueryLogOptions o = KeepAll();
  o.max_query_bytes = 10;
  // "é" is two bytes: the cut at 10 would split the fifth one.
  Append(Entry(Now() - 3, 0, "\"ééééééé\""), o);
  Append(Entry(Now() - 2, 0, std::string("bad \xff\xc3 bytes")), o);
  const std::vector<QueryLogEntry> all = Read();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].query, "bad \xef\xbf\xbd\xef\xbf\xbd byt");  // cut at 10, then cleaned
  EXPECT_EQ(all[1].query, "\"éééé");
  EXPECT_EQ(all[1].query_bytes, 16u);
  EXPECT_NE(QueryLogEntryToJson(all[1]).find("\"query_bytes\":16"), std::string::npos);

  EXPECT_TRUE(AppendQueryLog(db_.get(), Entry(0, -1)).IsInvalidArgument());
  EXPECT_TRUE(AppendQueryLog(db_.get(), Entry(0, std::nan(""))).IsInvalidArgument());
  EXPECT_TRUE(AppendQueryLog(db_.get(), Entry(0, INFINITY)).IsInvalidArgument());
  QueryLogOptions bad_age;
  bad_age.max_age_days = -1;
  EXPECT_TRUE(AppendQueryLog(db_.get(), Entry(0, 0), bad_age).IsInvalidArgument());
  EXPECT_TRUE(PruneQueryLog(db_.get(), bad_age).IsInvalidArgument());
  QueryLogFilter bad_filter;
  bad_filter.min_seconds = std::nan("");
  EXPECT_TRUE(ReadQueryLog(db_.get(), bad_filter, [](const QueryLogEntry&) { return true; })
                  .IsInvalidArgument());
  EXPECT_EQ(Read().size(), 2u);
}

TEST_F(QueryLogTest, CallbackStopsTheRead) {
  for (int i = 0; i < 5; ++i) Append(Entry(Now() - 100 + i, 0));
  for (bool newest : {true, false}) {
    QueryLogFilter f;
    f.newest_first = newest;
    int calls = 0;
    ASSERT_TRUE(ReadQueryLog(db_.get(), f, [&](const QueryLogEntry&) { return ++calls < 2; }).ok());
    EXPECT_EQ(calls, 2);
  }
}

}  // namespace
}  // namespace spirapi
