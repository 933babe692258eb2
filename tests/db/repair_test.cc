// RepairDB: a clean database is copied exactly (versions, timestamps,
// checksums); damage in a segment block, a journal frame or the MANIFEST
// loses only what it hit (named in the report), everything else is salvaged
// exactly, the repaired database verifies clean, and the damaged one is kept.

#include "spirapi/repair.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "spirapi/db.h"
#include "spirapi/maintenance.h"
#include "support/temp_dir.h"

namespace spirapi {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void FlipByteAt(const std::string& path, const std::string& marker) {
  std::string contents = ReadFile(path);
  const size_t at = contents.find(marker);
  ASSERT_NE(at, std::string::npos) << marker << " not in " << path;
  contents[at] = static_cast<char>(contents[at] ^ 0x5a);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << contents;
}

// The live records of every component, as read.
using Contents = std::map<std::pair<int, std::string>, StorageRecord>;

Contents ReadAll(DB* db) {
  Contents out;
  for (Component c : kAllComponents) {
    EXPECT_TRUE(db->Scan(ReadOptions(), c, ScanOptions(), [&](const StorageRecord& r) {
                    out[{static_cast<int>(c), r.id}] = r;
                    return true;
                  }).ok());
  }
  return out;
}

class RepairTest : public ::testing::Test {
 protected:
  RepairTest() : path_(dir_.Sub("db")) {}

  Options DbOptions() {
    Options o;
    o.background_work = false;
    o.compression_level = 0;  // markers stay findable in segment files
    // No metrics sample at close: a build slower than a second (a loaded
    // machine, a sanitizer) would add a METADATA record the counts miss.
    o.metrics_interval_seconds = 0;
    if (encrypted_) {
      o.encryption_enabled = true;
      o.passphrase = "correct horse";
    }
    return o;
  }

  // Segments with 300 records (some overwritten, some deleted), then 20
  // journal transactions of two records each.
  void Build() {
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(DbOptions(), path_, &db).ok());
    for (int i = 0; i < 300; ++i) {
      const Component c = i % 2 ? Component::kSequence : Component::kIndex;
      ASSERT_TRUE(db->Put(WriteOptions(), c, "r" + std::to_string(i),
                          R"({"v":"segment-marker-)" + std::to_string(i) + R"(","pad":")" +
                              std::string(200, 'x') + R"("})")
                      .ok());
    }
    for (int i = 0; i < 300; i += 10) {
      const Component c = i % 2 ? Component::kSequence : Component::kIndex;
      ASSERT_TRUE(db->Put(WriteOptions(), c, "r" + std::to_string(i), R"({"v":"second"})").ok());
    }
    ASSERT_TRUE(db->Delete(WriteOptions(), Component::kIndex, "r4").ok());
    ASSERT_TRUE(db->Flush().ok());
    for (int t = 0; t < 20; ++t) {
      std::unique_ptr<Transaction> txn;
      ASSERT_TRUE(db->BeginTransaction(WriteOptions(), &txn).ok());
      ASSERT_TRUE(txn->Put(Component::kMetadata, "m" + std::to_string(t),
                           R"({"v":"journal-marker-)" + std::to_string(t) + R"("})")
                      .ok());
      ASSERT_TRUE(txn->Put(Component::kQuery, "q" + std::to_string(t), R"({"t":1})").ok());
      ASSERT_TRUE(txn->Commit().ok());
    }
    original_ = ReadAll(db.get());
    ASSERT_TRUE(db->GetVersion(ReadOptions(), Component::kIndex, "r10", 1, &r10_v1_).ok());
  }

  RepairReport Repair() {
    RepairOptions ro;
    ro.output = dir_.Sub("out");
    RepairReport report;
    Status s = RepairDB(DbOptions(), path_, ro, &report);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return report;
  }

  // Repairs into dir/out; checks the result verifies clean and that every
  // original record not in `lost_ids` reads back exactly.
  RepairReport RepairAndCheck(const std::vector<std::string>& lost_ids) {
    RepairReport report = Repair();
    Check(lost_ids);
    return report;
  }

  void Check(const std::vector<std::string>& lost_ids) {
    std::unique_ptr<DB> db;
    Status s = DB::Open(DbOptions(), dir_.Sub("out"), &db);
    ASSERT_TRUE(s.ok()) << s.ToString();
    VerifyReport verify;
    EXPECT_TRUE(db->Verify(&verify).ok());
    EXPECT_TRUE(verify.clean());
    Contents repaired = ReadAll(db.get());
    for (const auto& [key, record] : original_) {
      bool lost = false;
      for (const std::string& id : lost_ids) lost |= key.second == id;
      auto it = repaired.find(key);
      if (lost) {
        EXPECT_TRUE(it == repaired.end() || it->second.version < record.version) << key.second;
        continue;
      }
      if (it == repaired.end()) {
        ADD_FAILURE() << key.second << " was not salvaged";
        continue;
      }
      EXPECT_EQ(it->second.data, record.data) << key.second;
      EXPECT_EQ(it->second.metadata, record.metadata);
      EXPECT_EQ(it->second.version, record.version) << key.second;
      EXPECT_EQ(it->second.timestamp, record.timestamp) << key.second;
      EXPECT_EQ(it->second.checksum, record.checksum) << key.second;
    }
    for (const auto& [key, record] : repaired) {
      // SpiraPi's own records (the Verify above recorded itself).
      if (IsInternalRecord(static_cast<Component>(key.first), key.second)) continue;
      EXPECT_EQ(original_.count(key), 1u) << "resurrected " << key.second;
    }
  }

  test::TempDir dir_;
  const std::string path_;
  bool encrypted_ = false;
  Contents original_;
  StorageRecord r10_v1_;
};

TEST_F(RepairTest, CleanDatabaseIsCopiedExactly) {
  Build();
  RepairReport report = RepairAndCheck({});
  EXPECT_TRUE(report.damage.empty());
  EXPECT_TRUE(report.lost.empty());
  EXPECT_FALSE(report.manifest_damaged);
  EXPECT_EQ(report.live_records, original_.size());
  // Older versions come along.
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(DbOptions(), dir_.Sub("out"), &db).ok());
  StorageRecord old;
  ASSERT_TRUE(db->GetVersion(ReadOptions(), Component::kIndex, "r10", 1, &old).ok());
  EXPECT_EQ(old.data, r10_v1_.data);
  EXPECT_EQ(old.checksum, r10_v1_.checksum);
  // The damaged (here: intact) database is untouched and still opens.
  ASSERT_TRUE(DB::Open(DbOptions(), path_, &db).ok());
}

TEST_F(RepairTest, DamagedSegmentBlockLosesOnlyItsRecords) {
  Build();
  std::string segment;
  for (const auto& e : fs::directory_iterator(path_ + "/sequence")) segment = e.path().string();
  FlipByteAt(segment, "segment-marker-151\"");
  RepairReport report = Repair();
  ASSERT_FALSE(report.damage.empty());
  EXPECT_EQ(report.damage[0].file.rfind("sequence/", 0), 0u) << report.damage[0].file;
  // The footer names what the block held: exactly the records reported lost.
  ASSERT_FALSE(report.lost.empty());
  std::vector<std::string> lost_ids;
  bool named = false;
  for (const std::string& lost : report.lost) {
    ASSERT_EQ(lost.rfind("sequence/", 0), 0u) << lost;
    const std::string id = lost.substr(9, lost.find(' ') - 9);
    lost_ids.push_back(id);
    named |= id == "r151";
  }
  EXPECT_TRUE(named);
  Check(lost_ids);
}

TEST_F(RepairTest, DamagedJournalFrameLosesItsWholeTransaction) {
  Build();
  std::string journal;
  for (const auto& e : fs::directory_iterator(path_ + "/journal")) journal = e.path().string();
  FlipByteAt(journal, "journal-marker-7\"");
  RepairReport report = RepairAndCheck({"m7", "q7"});
  ASSERT_FALSE(report.damage.empty());
  EXPECT_EQ(report.damage[0].file.rfind("journal/", 0), 0u);
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(DbOptions(), dir_.Sub("out"), &db).ok());
  StorageRecord r;
  EXPECT_TRUE(db->Get(ReadOptions(), Component::kQuery, "q7", &r).IsNotFound());  // not half
  EXPECT_TRUE(db->Get(ReadOptions(), Component::kQuery, "q8", &r).ok());
}

TEST_F(RepairTest, DamagedManifestReadsEveryFile) {
  Build();
  FlipByteAt(path_ + "/MANIFEST", "\"segments\"");
  std::unique_ptr<DB> db;
  EXPECT_TRUE(DB::Open(DbOptions(), path_, &db).IsCorruption());
  RepairReport report = RepairAndCheck({});
  EXPECT_TRUE(report.manifest_damaged);
  EXPECT_EQ(report.damage.size(), 1u);
  EXPECT_EQ(report.damage[0].file, "MANIFEST");
}

TEST_F(RepairTest, EncryptedDatabaseNeedsItsPassphrase) {
  encrypted_ = true;
  Build();
  Options no_passphrase;
  RepairOptions ro;
  ro.output = dir_.Sub("out");
  RepairReport report;
  EXPECT_TRUE(RepairDB(no_passphrase, path_, ro, &report).IsInvalidArgument());
  Options wrong = DbOptions();
  wrong.passphrase = "wrong";
  EXPECT_TRUE(RepairDB(wrong, path_, ro, &report).IsInvalidArgument());
  EXPECT_FALSE(fs::exists(ro.output));
  report = RepairAndCheck({});
  EXPECT_TRUE(report.damage.empty());
}

TEST_F(RepairTest, InPlaceKeepsTheDamagedCopyAndRefusesAnOpenDatabase) {
  Build();
  {
    std::unique_ptr<DB> open;
    ASSERT_TRUE(DB::Open(DbOptions(), path_, &open).ok());
    RepairReport report;
    EXPECT_TRUE(RepairDB(DbOptions(), path_, RepairOptions(), &report).IsBusy());
  }
  std::string journal;
  for (const auto& e : fs::directory_iterator(path_ + "/journal")) journal = e.path().string();
  FlipByteAt(journal, "journal-marker-7\"");  // loses m7 and q7
  RepairReport report;
  ASSERT_TRUE(RepairDB(DbOptions(), path_, RepairOptions(), &report).ok());
  EXPECT_FALSE(report.clean);
  EXPECT_EQ(report.repaired_path, path_);
  ASSERT_FALSE(report.damaged_path.empty());
  EXPECT_TRUE(fs::exists(report.damaged_path + "/MANIFEST"));
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(DbOptions(), path_, &db).ok());
  EXPECT_EQ(ReadAll(db.get()).size(), original_.size() - 2);
  RepairOptions into_existing;
  into_existing.output = report.damaged_path;
  db.reset();
  EXPECT_TRUE(RepairDB(DbOptions(), path_, into_existing, &report).IsInvalidArgument());
  EXPECT_TRUE(RepairDB(DbOptions(), dir_.Sub("nothing"), RepairOptions(), &report)
                  .IsInvalidArgument());
}

TEST_F(RepairTest, CleanDatabaseIsLeftInPlace) {
  // An in-place repair of a clean database rewrote it all the same, and kept
  // the original as a "damaged" copy.
  Build();
  RepairOptions missing_parent;
  missing_parent.output = dir_.Sub("nowhere/out");
  RepairReport report;
  EXPECT_TRUE(RepairDB(DbOptions(), path_, missing_parent, &report).IsInvalidArgument());
  EXPECT_FALSE(fs::exists(dir_.Sub("nowhere")));

  ASSERT_TRUE(RepairDB(DbOptions(), path_, RepairOptions(), &report).ok());
  EXPECT_TRUE(report.clean);
  EXPECT_TRUE(report.damage.empty());
  EXPECT_EQ(report.repaired_path, path_);
  EXPECT_EQ(report.damaged_path, "");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_.path()), fs::directory_iterator()), 1);
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(DbOptions(), path_, &db).ok());
  const Contents after = ReadAll(db.get());
  ASSERT_EQ(after.size(), original_.size());
  for (const auto& [key, record] : original_) {
    EXPECT_EQ(after.at(key).version, record.version) << key.second;
    EXPECT_EQ(after.at(key).checksum, record.checksum) << key.second;
  }
}

}  // namespace
}  // namespace spirapi
