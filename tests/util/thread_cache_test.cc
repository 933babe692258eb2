// Tests for util/thread_cache.h: one object per thread, and a database that
// is written to and closed from a static destructor at exit, after the main
// thread's thread_local objects were destroyed (the fuzzers' databases did:
// the close's metrics sample parsed its JSON with a destroyed simdjson parser).

#include "util/thread_cache.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "spirapi/db.h"
#include "support/temp_dir.h"

namespace spirapi {
namespace {

struct Counter {
  int calls = 0;
};

TEST(ThreadCacheTest, OneObjectPerThread) {
  Counter* mine = ThreadCache<Counter>::Get();
  ASSERT_NE(mine, nullptr);
  EXPECT_EQ(ThreadCache<Counter>::Get(), mine);
  mine->calls = 7;
  Counter* other = nullptr;
  int other_calls = -1;
  std::thread t([&] {
    other = ThreadCache<Counter>::Get();
    other_calls = other->calls;
  });
  t.join();
  EXPECT_NE(other, mine);
  EXPECT_EQ(other_calls, 0);
  Counter own;
  EXPECT_EQ(ThreadCache<Counter>::GetOr(&own), mine);
}

TEST(ThreadCacheTest, ADatabaseClosedAtExitWritesItsLastRecords) {
  test::TempDir dir;
  // The "threadsafe" child runs this test again from its start: it finds the
  // parent's directory in its environment.
  constexpr char kPathVariable[] = "SPIRAPI_THREAD_CACHE_TEST_DB";
  const char* inherited = std::getenv(kPathVariable);
  const std::string path = inherited != nullptr ? inherited : dir.Sub("db");
  ::setenv(kPathVariable, path.c_str(), 1);
  const std::string old_style = GTEST_FLAG_GET(death_test_style);
  GTEST_FLAG_SET(death_test_style, "threadsafe");  // re-exec: other tests may own threads
  EXPECT_EXIT(
      {
        // Destroyed at exit, after this thread's thread_local objects.
        struct WritesAtExit {
          std::unique_ptr<DB> db;
          ~WritesAtExit() {
            if (db == nullptr) return;
            Status s = db->Put(WriteOptions(), Component::kMetadata, "at-exit",
                               R"({"compact":true,"n":[1,2,3]})", "{}");
            if (!s.ok()) std::_Exit(3);
            db.reset();
          }
        };
        static WritesAtExit holder;
        Options options;
        options.encryption_enabled = true;
        options.passphrase = "exit-time";
        if (!DB::Open(options, path, &holder.db).ok()) std::exit(1);
        // The thread's parser, digest and cipher contexts exist before exit.
        if (!holder.db->Put(WriteOptions(), Component::kMetadata, "before", R"({"a":1})", "{}")
                 .ok()) {
          std::exit(2);
        }
        std::exit(0);
      },
      ::testing::ExitedWithCode(0), "");
  GTEST_FLAG_SET(death_test_style, old_style);
  ::unsetenv(kPathVariable);

  Options options;
  options.create_if_missing = false;
  options.encryption_enabled = true;
  options.passphrase = "exit-time";
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(options, path, &db).ok());
  StorageRecord r;
  ASSERT_TRUE(db->Get(ReadOptions(), Component::kMetadata, "at-exit", &r).ok());
  EXPECT_EQ(r.data, R"({"compact":true,"n":[1,2,3]})");
}

}  // namespace
}  // namespace spirapi
