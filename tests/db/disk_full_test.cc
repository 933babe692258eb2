// Disk full for real: the database lives on a 64 MiB tmpfs mounted for the
// test (skipped, with a message, where the process may not mount). The
// workload fills it; commits then fail with a clear error and change
// nothing; after space is freed the database reopens, verifies clean, holds
// every acknowledged commit exactly, and takes writes again.

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "spirapi/db.h"
#include "support/temp_dir.h"

namespace spirapi {
namespace {

namespace fs = std::filesystem;

class SmallFileSystem {
 public:
  explicit SmallFileSystem(const std::string& dir) : dir_(dir) {
    fs::create_directories(dir);
    if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=64m") == 0) {
      mounted_ = true;
    } else {
      why_ = std::string("cannot mount a tmpfs (") + std::strerror(errno) + ")";
    }
  }
  ~SmallFileSystem() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& why() const { return why_; }

 private:
  std::string dir_;
  bool mounted_ = false;
  std::string why_;
};

std::string Value(int i) {
  // Incompressible enough that compression does not make the disk last.
  std::string v = R"({"i":)" + std::to_string(i) + R"(,"pad":")";
  uint64_t x = 0x9e3779b97f4a7c15ull * (i + 1);
  for (int k = 0; k < 16 * 1024; ++k) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    v += static_cast<char>('a' + x % 26);
  }
  return v + "\"}";
}

TEST(DiskFull, WritesFailCleanlyAndResumeAfterSpaceIsFreed) {
  test::TempDir dir;
  const std::string mount_point = dir.Sub("small");
  SmallFileSystem small(mount_point);
  if (!small.mounted()) GTEST_SKIP() << small.why() << "; the disk-full test needs root";
  const std::string path = mount_point + "/db";
  // Space to free later.
  {
    std::ofstream filler(mount_point + "/filler", std::ios::binary);
    filler << std::string(8 << 20, 'f');
  }
  std::map<std::string, std::string> acknowledged;  // id -> data
  int failed_commits = 0;
  std::string error;
  {
    std::unique_ptr<DB> db;
    Options o;
    o.compression_level = 1;
    o.max_file_size_mb = 4;
    ASSERT_TRUE(DB::Open(o, path, &db).ok());
    for (int i = 0; i < 20000 && failed_commits < 3; ++i) {
      std::unique_ptr<Transaction> txn;
      Status s = db->BeginTransaction(WriteOptions(), &txn);
      const std::string id = "r" + std::to_string(i);
      const std::string data = Value(i);
      if (s.ok()) s = txn->Put(Component::kSequence, id, data);
      if (s.ok()) s = txn->Put(Component::kIndex, id, R"({"of":")" + id + R"("})");
      if (s.ok()) s = txn->Commit();
      if (s.ok()) {
        acknowledged[id] = data;
      } else {
        ++failed_commits;
        error = s.ToString();
      }
    }
    ASSERT_GT(failed_commits, 0) << "64 MiB never filled";
    EXPECT_NE(error.find("No space left on device"), std::string::npos) << error;
    // A failed commit is not visible.
    StorageRecord r;
    EXPECT_TRUE(db->Get(ReadOptions(), Component::kSequence,
                        "r" + std::to_string(acknowledged.size()), &r)
                    .IsNotFound());
  }
  std::printf("disk full after %zu acknowledged commits (%s)\n", acknowledged.size(),
              error.c_str());
  fs::remove(mount_point + "/filler");
  std::unique_ptr<DB> db;
  Status s = DB::Open(Options(), path, &db);
  ASSERT_TRUE(s.ok()) << s.ToString();
  VerifyReport report;
  ASSERT_TRUE(db->Verify(&report).ok());
  EXPECT_TRUE(report.clean());
  uint64_t count = 0;
  ASSERT_TRUE(db->Count(ReadOptions(), Component::kSequence, &count).ok());
  EXPECT_EQ(count, acknowledged.size());
  for (const auto& [id, data] : acknowledged) {
    StorageRecord r;
    ASSERT_TRUE(db->Get(ReadOptions(), Component::kSequence, id, &r).ok()) << id;
    EXPECT_EQ(r.data, data);
    ASSERT_TRUE(db->Get(ReadOptions(), Component::kIndex, id, &r).ok()) << id;
  }
  // Writes resume.
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(db->Put(WriteOptions(), Component::kMetadata, "after" + std::to_string(i),
                        R"({"ok":true})")
                    .ok());
  }
}

}  // namespace
}  // namespace spirapi
