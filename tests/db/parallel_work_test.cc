// Verify and Compact on several threads (Options::background_threads): the
// same report and the same records as on one thread, cancellation, and
// progress that never goes back.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "spirapi/db.h"
#include "support/db_state.h"
#include "support/temp_dir.h"
#include "util/parallel_for.h"

namespace spirapi {
namespace {

namespace fs = std::filesystem;

constexpr Component kSegmentComponents[] = {Component::kSequence, Component::kSchema,
                                            Component::kQuery, Component::kIndex};

std::string Marker(Component c, int batch, int i) {
  return std::string("MARK-") + ComponentName(c) + "-" + std::to_string(batch) + "-" +
         std::to_string(i) + "-";
}

// XORs one byte of the file at the first occurrence of `marker`, a few bytes in.
void FlipAt(const std::string& path, const std::string& marker) {
  std::string contents;
  {
    std::ifstream in(path, std::ios::binary);
    contents.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const size_t pos = contents.find(marker);
  ASSERT_NE(pos, std::string::npos) << marker << " not in " << path;
  contents[pos + 3] = static_cast<char>(contents[pos + 3] ^ 0x5a);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
}

// The files of `dir` (relative to db) whose names end in `suffix`, sorted.
std::vector<std::string> ListFiles(const std::string& db, const std::string& dir,
                                   const std::string& suffix) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(db + "/" + dir)) {
    const std::string name = e.path().filename().string();
    if (name.ends_with(suffix)) out.push_back(db + "/" + dir + "/" + name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string Describe(const VerifyReport& r) {
  std::string out = "files " + std::to_string(r.files_checked) + ", records " +
                    std::to_string(r.records_checked) + "\n";
  for (const Damage& d : r.damage) {
    out += d.file + " @" + std::to_string(d.offset) + " " + d.component + " '" + d.id +
           "': " + d.what + "\n";
  }
  return out;
}

class ParallelWorkTest : public ::testing::Test {
 protected:
  Options MakeOptions(int threads) const {
    Options o;
    o.background_work = false;  // the test flushes and compacts itself
    o.background_threads = threads;
    o.compression_codec = CompressionCodec::kNone;  // markers stay findable in segments
    o.max_file_size_mb = 1;
    o.metrics_interval_seconds = 0;
    o.warm_cache_on_open = false;
    return o;
  }

  // Four components with segments from three flushes each (overwrites and
  // deletes among them), METADATA and the rest in the journal.
  void Build(const std::string& path) {
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(MakeOptions(1), path, &db).ok());
    WriteOptions wo;
    wo.sync = false;
    for (int batch = 0; batch < 3; ++batch) {
      for (Component c : kSegmentComponents) {
        for (int i = 0; i < 300; ++i) {
          const std::string id = "r" + std::to_string((i * 7 + batch * 100) % 500);
          const std::string data = "\"" + Marker(c, batch, i) + std::string(200, 'x') + "\"";
          ASSERT_TRUE(db->Put(wo, c, id, data).ok());
        }
        for (int i = 0; i < 20; ++i) {
          Status s = db->Delete(wo, c, "r" + std::to_string(batch * 37 + i));
          ASSERT_TRUE(s.ok() || s.IsNotFound()) << s.ToString();
        }
      }
      ASSERT_TRUE(db->Flush().ok());
    }
    for (int i = 0; i < 50; ++i) {
      const std::string data = "\"" + Marker(Component::kMetadata, 9, i) + "\"";
      ASSERT_TRUE(db->Put(wo, Component::kMetadata, "m" + std::to_string(i), data).ok());
    }
  }

  // A copy of `from`, verified with `threads` threads; its status.
  Status VerifyCopy(const std::string& from, int threads, VerifyReport* report,
                    const std::function<bool(double)>& progress = nullptr) {
    const std::string copy = dir_.Sub("copy" + std::to_string(copies_++));
    fs::copy(from, copy, fs::copy_options::recursive);
    std::unique_ptr<DB> db;
    Status s = DB::Open(MakeOptions(threads), copy, &db);
    if (!s.ok()) return s;
    return db->Verify(report, progress);
  }

  test::TempDir dir_;
  int copies_ = 0;
};

TEST(ParallelForTest, RunsEveryIndexOnceAndStopsWhenTold) {
  for (int threads : {1, 2, 8}) {
    std::vector<std::atomic<int>> runs(100);
    ParallelFor(runs.size(), threads, [&](size_t i) {
      runs[i].fetch_add(1);
      return true;
    });
    for (size_t i = 0; i < runs.size(); ++i) EXPECT_EQ(runs[i].load(), 1) << i;
    std::atomic<int> ran{0};
    ParallelFor(1000, threads, [&](size_t i) {
      ran.fetch_add(1);
      return i < 10;
    });
    // Index 10 stops the handing out; each thread finishes the one it took.
    EXPECT_GE(ran.load(), 11);
    EXPECT_LE(ran.load(), 11 + threads);
  }
  ParallelFor(0, 4, [](size_t) { return true; });  // nothing to run
  EXPECT_EQ(BackgroundThreads(3), 3);
  EXPECT_GE(BackgroundThreads(0), 1);
}

TEST_F(ParallelWorkTest, BadThreadCountIsRefused) {
  Options o = MakeOptions(-1);
  std::unique_ptr<DB> db;
  Status s = DB::Open(o, dir_.Sub("db"), &db);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_FALSE(fs::exists(dir_.Sub("db")));
}

TEST_F(ParallelWorkTest, VerifyReportIsTheSameOnSeveralThreads) {
  const std::string db = dir_.Sub("db");
  ASSERT_NO_FATAL_FAILURE(Build(db));
  // Damage in two components' segments and in the journal.
  const auto seq = ListFiles(db, "sequence", ".seg");
  const auto schema = ListFiles(db, "schema", ".seg");
  const auto journals = ListFiles(db, "journal", "");
  ASSERT_GE(seq.size(), 2u);
  ASSERT_GE(schema.size(), 2u);
  ASSERT_FALSE(journals.empty());
  ASSERT_NO_FATAL_FAILURE(FlipAt(seq[1], Marker(Component::kSequence, 1, 3)));
  ASSERT_NO_FATAL_FAILURE(FlipAt(schema[0], Marker(Component::kSchema, 0, 5)));
  ASSERT_NO_FATAL_FAILURE(FlipAt(journals.back(), Marker(Component::kMetadata, 9, 20)));

  VerifyReport one;
  ASSERT_TRUE(VerifyCopy(db, 1, &one).ok());
  ASSERT_GE(one.files_checked, 10u);
  // Every damaged file is named.
  for (const std::string& damaged : {seq[1], schema[0], journals.back()}) {
    const std::string rel = damaged.substr(db.size() + 1);
    EXPECT_TRUE(std::any_of(one.damage.begin(), one.damage.end(),
                            [&](const Damage& d) { return d.file == rel; }))
        << rel << " not in\n" << Describe(one);
  }
  for (int threads : {2, 4, 0}) {
    VerifyReport many;
    ASSERT_TRUE(VerifyCopy(db, threads, &many).ok());
    EXPECT_EQ(Describe(many), Describe(one)) << threads << " threads";
  }
}

TEST_F(ParallelWorkTest, VerifyCancelsAndProgressNeverGoesBack) {
  const std::string db = dir_.Sub("db");
  ASSERT_NO_FATAL_FAILURE(Build(db));
  for (int threads : {1, 3}) {
    std::vector<double> seen;
    VerifyReport report;
    Status s = VerifyCopy(db, threads, &report, [&](double f) {
      seen.push_back(f);
      return seen.size() < 3;
    });
    EXPECT_TRUE(s.IsCancelled()) << s.ToString();
    EXPECT_EQ(seen.size(), 3u);
    EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
    // The files started before the cancellation, no more.
    EXPECT_EQ(report.files_checked, 2u);
    EXPECT_TRUE(report.damage.empty()) << Describe(report);

    seen.clear();
    ASSERT_TRUE(VerifyCopy(db, threads, &report, [&](double f) {
                  seen.push_back(f);
                  return true;
                }).ok());
    EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
    EXPECT_EQ(seen.back(), 1.0);
    EXPECT_EQ(seen.size(), report.files_checked + 1);
  }
}

TEST_F(ParallelWorkTest, CompactionKeepsEveryRecordOnSeveralThreads) {
  const std::string built = dir_.Sub("db");
  ASSERT_NO_FATAL_FAILURE(Build(built));
  test::State want;
  {
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(MakeOptions(1), built, &db).ok());
    std::string problem;
    ASSERT_TRUE(test::ReadState(db.get(), {}, &want, &problem).ok());
    ASSERT_EQ(problem, "");
  }
  ASSERT_GT(want.size(), 1500u);
  for (int threads : {1, 4}) {
    SCOPED_TRACE(std::to_string(threads) + " threads");
    const std::string path = dir_.Sub("compact" + std::to_string(threads));
    fs::copy(built, path, fs::copy_options::recursive);
    {
      std::unique_ptr<DB> db;
      ASSERT_TRUE(DB::Open(MakeOptions(threads), path, &db).ok());
      std::vector<double> seen;
      ASSERT_TRUE(db->Compact([&](double f) {
                      seen.push_back(f);
                      return true;
                    }).ok());
      EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
      ASSERT_FALSE(seen.empty());
      EXPECT_EQ(seen.back(), 1.0);
      DbStats stats;
      ASSERT_TRUE(db->GetStats(&stats).ok());
      // Every component with segments was rewritten: the four, and METADATA
      // (the flush before the compaction).
      EXPECT_EQ(stats.compactions, 5u);
      for (Component c : kSegmentComponents) {
        EXPECT_EQ(stats.components[static_cast<int>(c)].segment_files, 1u) << ComponentName(c);
      }
      test::State got;
      std::string problem;
      ASSERT_TRUE(test::ReadState(db.get(), {}, &got, &problem).ok());
      EXPECT_EQ(problem, "");
      EXPECT_TRUE(got == want) << test::Describe(want, got);
      VerifyReport report;
      ASSERT_TRUE(db->Verify(&report).ok());
      EXPECT_TRUE(report.clean()) << Describe(report);
    }
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(MakeOptions(threads), path, &db).ok());
    test::State got;
    std::string problem;
    ASSERT_TRUE(test::ReadState(db.get(), {}, &got, &problem).ok());
    EXPECT_TRUE(got == want) << test::Describe(want, got);
  }
}

TEST_F(ParallelWorkTest, CancelledCompactionLeavesTheRecords) {
  const std::string path = dir_.Sub("db");
  ASSERT_NO_FATAL_FAILURE(Build(path));
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(MakeOptions(4), path, &db).ok());
  test::State want;
  std::string problem;
  ASSERT_TRUE(test::ReadState(db.get(), {}, &want, &problem).ok());
  int calls = 0;
  Status s = db->Compact([&](double) { return ++calls < 2; });
  EXPECT_TRUE(s.IsCancelled()) << s.ToString();
  EXPECT_EQ(calls, 2);
  test::State got;
  ASSERT_TRUE(test::ReadState(db.get(), {}, &got, &problem).ok());
  EXPECT_TRUE(got == want) << test::Describe(want, got);
  // The next compaction finishes the work.
  ASSERT_TRUE(db->Compact().ok());
  ASSERT_TRUE(test::ReadState(db.get(), {}, &got, &problem).ok());
  EXPECT_TRUE(got == want) << test::Describe(want, got);
  VerifyReport report;
  ASSERT_TRUE(db->Verify(&report).ok());
  EXPECT_TRUE(report.clean()) << Describe(report);
}

}  // namespace
}  // namespace spirapi
