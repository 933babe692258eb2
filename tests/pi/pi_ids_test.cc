// π identifiers: a store reserves only the positions it uses, so that short
// processes do not make the identifier source grow; the source cannot be
// cut below positions already handed out.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "spirapi/db.h"
#include "spirapi/pi.h"
#include "support/temp_dir.h"

namespace spirapi {
namespace {

uint64_t PositionOf(const std::string& id) { return std::stoull(id.substr(id.find('-') + 1)); }

class PiIdsTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    store_.reset();
    db_.reset();
    Options o;
    o.background_work = false;
    ASSERT_TRUE(DB::Open(o, dir_.Sub("db"), &db_).ok());
    ASSERT_TRUE(PiStore::Open(db_.get(), &store_).ok());
  }
  std::string NewId() {
    std::vector<std::string> ids;
    Status s = store_->NewIds(1, 12, &ids);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return ids.empty() ? "" : ids[0];
  }

  test::TempDir dir_;
  std::unique_ptr<DB> db_;
  std::unique_ptr<PiStore> store_;
};

// Regression: every store reserved 1,024 positions, so N open/insert/close
// cycles moved the counter N x 1,024 positions on.
TEST_F(PiIdsTest, OneIdPerOpenAdvancesTheCounterByOne) {
  const uint64_t first = PositionOf(NewId());
  constexpr int kCycles = 30;
  uint64_t last = first;
  for (int i = 0; i < kCycles; ++i) {
    Reopen();
    last = PositionOf(NewId());
  }
  EXPECT_EQ(last, first + kCycles);
}

TEST_F(PiIdsTest, ManyIdsInOneStoreWasteAtMostAsManyAsUsed) {
  std::vector<std::string> ids;
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(store_->NewIds(1, 12, &ids).ok());
  Reopen();
  // Blocks double from one position: at most what was used lies unused.
  EXPECT_LE(PositionOf(NewId()), 2u * 1000 + 1);
}

// Regression: computing "pi-ids" shorter than the positions handed out made
// their identifiers unresolvable.
TEST_F(PiIdsTest, IdSourceCannotShrinkBelowHandedOutPositions) {
  std::vector<std::string> ids;
  ASSERT_TRUE(store_->NewIds(500, 12, &ids).ok());
  SequenceInfo before;
  ASSERT_TRUE(store_->RetrieveSequence("pi-ids", &before).ok());

  ComputeOptions options;
  options.id = "pi-ids";
  options.digits = 100;
  SequenceInfo info;
  Status s = store_->ComputeSequence(options, &info);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("position 500"), std::string::npos) << s.ToString();
  std::string digits;
  ASSERT_TRUE(store_->ReadDigits("pi-ids", 1, 500, &digits).ok());
  s = store_->StoreSequence("pi-ids", digits, StoreOptions(), &info);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();

  SequenceInfo after;
  ASSERT_TRUE(store_->RetrieveSequence("pi-ids", &after).ok());
  EXPECT_EQ(after.precision, before.precision);
  EXPECT_EQ(after.digits_sha256, before.digits_sha256);
  PiIdInfo resolved;
  EXPECT_TRUE(store_->ResolveId(ids.back(), &resolved).ok());

  // Long enough for every handed-out id (up to 32 digits at position 500).
  options.digits = 500 + 31;
  s = store_->ComputeSequence(options, &info);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(store_->ResolveId(ids.back(), &resolved).ok());
  // Other sequences may be any length.
  options.id = "short";
  options.digits = 10;
  EXPECT_TRUE(store_->ComputeSequence(options, &info).ok());
}

}  // namespace
}  // namespace spirapi
