// Tests of the FaultInjectionFileSystem test helper itself: the durability
// model behind SimulatePowerLoss, deactivation and error injection.

#include "support/temp_dir.h"
#include "support/fault_injection_fs.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace spirapi::test {
namespace {

using Op = FaultInjectionFileSystem::Op;
using TornWrite = FaultInjectionFileSystem::TornWrite;

class FaultFs : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_.path();
    // The test directory itself counts as durable (it is not tracked).
    ASSERT_TRUE(fs_.CreateDir(dir_ + "/sub").ok());
    fs_.ResetCounters();
  }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  // Creates `name` with `synced` bytes synced and `unsynced` more appended.
  void Write(const std::string& name, const std::string& synced, const std::string& unsynced,
             bool sync_dir) {
    std::unique_ptr<WritableFile> f;
    ASSERT_TRUE(fs_.NewWritableFile(Path(name), &f).ok());
    ASSERT_TRUE(f->Append(synced).ok());
    ASSERT_TRUE(f->Sync().ok());
    if (!unsynced.empty()) {
      ASSERT_TRUE(f->Append(unsynced).ok());
    }
    ASSERT_TRUE(f->Close().ok());
    if (sync_dir) {
      ASSERT_TRUE(fs_.SyncDir(std::filesystem::path(Path(name)).parent_path().string()).ok());
    }
  }

  std::string Read(const std::string& name) {
    std::unique_ptr<RandomAccessFile> f;
    Status s = FileSystem::Default()->NewRandomAccessFile(Path(name), &f);
    if (!s.ok()) return "<" + s.ToString() + ">";
    std::string out;
    s = f->Read(0, 1 << 20, &out);
    if (!s.ok()) return "<" + s.ToString() + ">";
    return out;
  }

  bool Exists(const std::string& name) { return FileSystem::Default()->FileExists(Path(name)); }

  test::TempDir temp_;
  std::string dir_;
  FaultInjectionFileSystem fs_;
};

TEST_F(FaultFs, PassesDataThrough) {
  Write("a", "hello ", "world", /*sync_dir=*/true);
  EXPECT_EQ(Read("a"), "hello world");
  uint64_t size = 0;
  ASSERT_TRUE(fs_.GetFileSize(Path("a"), &size).ok());
  EXPECT_EQ(size, 11u);
  std::vector<std::string> names;
  ASSERT_TRUE(fs_.GetChildren(dir_, &names).ok());
  EXPECT_NE(std::find(names.begin(), names.end(), "a"), names.end());
  EXPECT_EQ(fs_.SyncedSize(Path("a")), std::optional<uint64_t>(6));

  std::unique_ptr<RandomAccessFile> r;
  ASSERT_TRUE(fs_.NewRandomAccessFile(Path("a"), &r).ok());
  std::string got;
  ASSERT_TRUE(r->Read(6, 100, &got).ok());
  EXPECT_EQ(got, "world");
  EXPECT_EQ(fs_.OpCount(Op::kRead), 1u);
  EXPECT_EQ(fs_.OpCount(Op::kWrite), 2u);
  EXPECT_EQ(fs_.OpCount(Op::kSync), 1u);
  EXPECT_EQ(fs_.OpCount(Op::kCreate), 1u);
  EXPECT_EQ(fs_.OpCount(Op::kSyncDir), 1u);
}

TEST_F(FaultFs, PowerLossDropsUnsyncedTail) {
  Write("a", "durable", "-lost", /*sync_dir=*/true);
  ASSERT_EQ(Read("a"), "durable-lost");
  ASSERT_TRUE(fs_.SimulatePowerLoss(TornWrite::kNone).ok());
  EXPECT_EQ(Read("a"), "durable");
}

TEST_F(FaultFs, PowerLossKeepsFilesWrittenByOthers) {
  // A file the wrapper never wrote counts as durable as it is.
  {
    std::unique_ptr<WritableFile> f;
    ASSERT_TRUE(FileSystem::Default()->NewWritableFile(Path("other"), &f).ok());
    ASSERT_TRUE(f->Append("untouched").ok());
  }
  ASSERT_TRUE(fs_.SimulatePowerLoss(TornWrite::kNone).ok());
  EXPECT_EQ(Read("other"), "untouched");
}

TEST_F(FaultFs, AppendableFileContinuesFromDurableSize) {
  Write("a", "0123", "", /*sync_dir=*/true);
  ASSERT_TRUE(fs_.SimulatePowerLoss(TornWrite::kNone).ok());
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(fs_.NewAppendableFile(Path("a"), &f).ok());
  ASSERT_TRUE(f->Append("45").ok());
  ASSERT_TRUE(f->Sync().ok());
  ASSERT_TRUE(f->Append("67").ok());
  ASSERT_TRUE(f->Close().ok());
  EXPECT_EQ(fs_.SyncedSize(Path("a")), std::optional<uint64_t>(6));
  ASSERT_TRUE(fs_.SimulatePowerLoss(TornWrite::kNone).ok());
  EXPECT_EQ(Read("a"), "012345");
}

TEST_F(FaultFs, TornWritesKeepUpToABoundary) {
  const std::string synced(100, 's');
  std::string unsynced;
  for (int i = 0; i < 10000; ++i) unsynced.push_back(static_cast<char>('a' + i % 26));
  const std::string all = synced + unsynced;

  Write("t512", synced, unsynced, true);
  Write("t4096", synced, unsynced, true);
  Write("garbage", synced, unsynced, true);
  Write("short", synced, "xyz", true);  // the tail ends before the boundary
  ASSERT_TRUE(fs_.SimulatePowerLoss(TornWrite::kTorn512).ok());
  EXPECT_EQ(Read("t512"), all.substr(0, 512));
  EXPECT_EQ(Read("short"), synced + "xyz");

  Write("t4096", synced, unsynced, true);
  ASSERT_TRUE(fs_.SimulatePowerLoss(TornWrite::kTorn4096).ok());
  EXPECT_EQ(Read("t4096"), all.substr(0, 4096));

  Write("garbage", synced, unsynced, true);
  ASSERT_TRUE(fs_.SimulatePowerLoss(TornWrite::kGarbageTail, /*seed=*/7).ok());
  std::string g = Read("garbage");
  ASSERT_EQ(g.size(), 4096u);
  EXPECT_EQ(g.substr(0, 100), synced);
  EXPECT_NE(g.substr(100), all.substr(100, 4096 - 100)) << "tail should be random bytes";
}

TEST_F(FaultFs, TornWriteOfFullySyncedFileChangesNothing) {
  Write("a", std::string(1024, 'x'), "", true);
  ASSERT_TRUE(fs_.SimulatePowerLoss(TornWrite::kGarbageTail, 1).ok());
  EXPECT_EQ(Read("a"), std::string(1024, 'x'));
}

TEST_F(FaultFs, CreationWithoutSyncDirIsLost) {
  // The SyncDir covers every entry created before it, so create this one last.
  Write("sub/dirsynced", "data", "", /*sync_dir=*/true);
  Write("sub/nodirsync", "data", "", /*sync_dir=*/false);
  EXPECT_TRUE(fs_.IsNameDurable(Path("sub/dirsynced")));
  EXPECT_FALSE(fs_.IsNameDurable(Path("sub/nodirsync")));
  ASSERT_TRUE(fs_.SimulatePowerLoss(TornWrite::kNone).ok());
  EXPECT_FALSE(Exists("sub/nodirsync"));
  EXPECT_EQ(Read("sub/dirsynced"), "data");
}

TEST_F(FaultFs, SyncDirCoversOnlyItsOwnDirectory) {
  Write("sub/x", "data", "", /*sync_dir=*/false);
  ASSERT_TRUE(fs_.SyncDir(dir_).ok());  // the parent, not sub/
  ASSERT_TRUE(fs_.SimulatePowerLoss(TornWrite::kNone).ok());
  EXPECT_FALSE(Exists("sub/x"));
}

TEST_F(FaultFs, RenameWithoutSyncDirIsUndone) {
  // The manifest pattern: write a temp file, sync it, rename over the old one.
  Write("MANIFEST", "v1", "", /*sync_dir=*/true);
  Write("MANIFEST.tmp", "v2", "", /*sync_dir=*/false);
  ASSERT_TRUE(fs_.RenameFile(Path("MANIFEST.tmp"), Path("MANIFEST")).ok());
  ASSERT_EQ(Read("MANIFEST"), "v2");
  ASSERT_TRUE(fs_.SimulatePowerLoss(TornWrite::kNone).ok());
  EXPECT_EQ(Read("MANIFEST"), "v1");
  EXPECT_FALSE(Exists("MANIFEST.tmp")) << "its creation was never made durable";
}

TEST_F(FaultFs, RenameOfDurableFileWithoutSyncDirRestoresOldName) {
  Write("old", "payload", "", /*sync_dir=*/true);
  ASSERT_TRUE(fs_.RenameFile(Path("old"), Path("new")).ok());
  ASSERT_TRUE(fs_.SimulatePowerLoss(TornWrite::kNone).ok());
  EXPECT_EQ(Read("old"), "payload");
  EXPECT_FALSE(Exists("new"));
}

TEST_F(FaultFs, RenameWithSyncDirPersists) {
  Write("MANIFEST", "v1", "", /*sync_dir=*/true);
  Write("MANIFEST.tmp", "v2", "", /*sync_dir=*/false);
  ASSERT_TRUE(fs_.RenameFile(Path("MANIFEST.tmp"), Path("MANIFEST")).ok());
  ASSERT_TRUE(fs_.SyncDir(dir_).ok());
  ASSERT_TRUE(fs_.SimulatePowerLoss(TornWrite::kNone).ok());
  EXPECT_EQ(Read("MANIFEST"), "v2");
  EXPECT_FALSE(Exists("MANIFEST.tmp"));
}

TEST_F(FaultFs, RenamedFileKeepsItsUnsyncedTailModel) {
  Write("a.tmp", "synced", "+unsynced", /*sync_dir=*/true);
  ASSERT_TRUE(fs_.RenameFile(Path("a.tmp"), Path("a")).ok());
  ASSERT_TRUE(fs_.SyncDir(dir_).ok());
  EXPECT_EQ(fs_.SyncedSize(Path("a")), std::optional<uint64_t>(6));
  ASSERT_TRUE(fs_.SimulatePowerLoss(TornWrite::kNone).ok());
  EXPECT_EQ(Read("a"), "synced");
}

TEST_F(FaultFs, RemovalWithoutSyncDirIsUndone) {
  Write("gone", "durable", "-tail", /*sync_dir=*/true);
  Write("gone_synced", "durable", "", /*sync_dir=*/true);
  ASSERT_TRUE(fs_.RemoveFile(Path("gone")).ok());
  ASSERT_TRUE(fs_.RemoveFile(Path("gone_synced")).ok());
  EXPECT_FALSE(Exists("gone"));
  // A SyncDir of another directory does not cover these removals.
  ASSERT_TRUE(fs_.SyncDir(dir_ + "/sub").ok());
  ASSERT_TRUE(fs_.SimulatePowerLoss(TornWrite::kNone).ok());
  EXPECT_EQ(Read("gone"), "durable") << "only the synced bytes come back";
  EXPECT_EQ(Read("gone_synced"), "durable");

  ASSERT_TRUE(fs_.RemoveFile(Path("gone")).ok());
  ASSERT_TRUE(fs_.SyncDir(dir_).ok());
  ASSERT_TRUE(fs_.SimulatePowerLoss(TornWrite::kNone).ok());
  EXPECT_FALSE(Exists("gone"));
}

TEST_F(FaultFs, RemovalModelCanBeTurnedOff) {
  fs_.SetModelUnsyncedRemovals(false);
  Write("gone", "durable", "", /*sync_dir=*/true);
  ASSERT_TRUE(fs_.RemoveFile(Path("gone")).ok());
  ASSERT_TRUE(fs_.SimulatePowerLoss(TornWrite::kNone).ok());
  EXPECT_FALSE(Exists("gone"));
}

TEST_F(FaultFs, RemovalOfUndurableFileStaysRemoved) {
  Write("fresh", "data", "", /*sync_dir=*/false);
  ASSERT_TRUE(fs_.RemoveFile(Path("fresh")).ok());
  ASSERT_TRUE(fs_.SimulatePowerLoss(TornWrite::kNone).ok());
  EXPECT_FALSE(Exists("fresh"));
}

TEST_F(FaultFs, TruncateShrinksDurableSize) {
  Write("a", "0123456789", "", /*sync_dir=*/true);
  ASSERT_TRUE(fs_.TruncateFile(Path("a"), 4).ok());
  EXPECT_EQ(fs_.SyncedSize(Path("a")), std::optional<uint64_t>(4));
  ASSERT_TRUE(fs_.SimulatePowerLoss(TornWrite::kTorn4096).ok());
  EXPECT_EQ(Read("a"), "0123");
}

TEST_F(FaultFs, DeactivatedFileSystemRefusesMutations) {
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(fs_.NewWritableFile(Path("a"), &f).ok());
  ASSERT_TRUE(f->Append("before").ok());
  fs_.SetDeactivated(true);
  EXPECT_TRUE(fs_.deactivated());
  EXPECT_TRUE(f->Append("after").IsIOError());
  EXPECT_TRUE(f->Sync().IsIOError());
  EXPECT_TRUE(f->Close().ok());
  std::unique_ptr<WritableFile> g;
  EXPECT_TRUE(fs_.NewWritableFile(Path("b"), &g).IsIOError());
  EXPECT_TRUE(fs_.RenameFile(Path("a"), Path("c")).IsIOError());
  EXPECT_TRUE(fs_.RemoveFile(Path("a")).IsIOError());
  EXPECT_TRUE(fs_.TruncateFile(Path("a"), 0).IsIOError());
  EXPECT_TRUE(fs_.SyncDir(dir_).IsIOError());
  EXPECT_TRUE(fs_.CreateDir(Path("d")).IsIOError());
  EXPECT_FALSE(Exists("b"));
  EXPECT_FALSE(Exists("d"));
  EXPECT_EQ(Read("a"), "before") << "reads keep working";

  fs_.SetDeactivated(false);
  ASSERT_TRUE(fs_.SimulatePowerLoss(TornWrite::kNone).ok());
  EXPECT_FALSE(Exists("a")) << "never synced, never dir-synced";
}

TEST_F(FaultFs, DeactivateAfterMutationsCountsEveryMutation) {
  fs_.DeactivateAfterMutations(3);
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(fs_.NewWritableFile(Path("a"), &f).ok());  // 1
  ASSERT_TRUE(f->Append("x").ok());                        // 2
  ASSERT_TRUE(f->Sync().ok());                             // 3
  EXPECT_FALSE(fs_.deactivated());
  Status s = f->Append("y");
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_TRUE(fs_.deactivated());
  EXPECT_EQ(fs_.mutation_count(), 3u);
  EXPECT_EQ(Read("a"), "x");

  fs_.SetDeactivated(false);
  EXPECT_TRUE(f->Append("z").ok());
  EXPECT_EQ(fs_.mutation_count(), 4u);
  EXPECT_TRUE(f->Close().ok());

  fs_.DeactivateAfterMutations(0);
  EXPECT_TRUE(fs_.SyncDir(dir_).IsIOError());
}

TEST_F(FaultFs, FailAfterInjectsOneError) {
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(fs_.NewWritableFile(Path("a"), &f).ok());
  fs_.FailAfter(Op::kSync, 2, EIO, /*persistent=*/false);
  EXPECT_TRUE(f->Sync().ok());
  Status s = f->Sync();
  ASSERT_TRUE(s.IsIOError());
  EXPECT_NE(s.message().find(std::strerror(EIO)), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("sync"), std::string::npos) << s.ToString();
  EXPECT_TRUE(f->Sync().ok());
  EXPECT_EQ(fs_.injected_failures(), 1u);
  EXPECT_EQ(fs_.OpCount(Op::kSync), 3u);
}

TEST_F(FaultFs, FailAfterPersistentKeepsFailing) {
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(fs_.NewWritableFile(Path("a"), &f).ok());
  fs_.FailAfter(Op::kWrite, 1, ENOSPC, /*persistent=*/true);
  for (int i = 0; i < 3; ++i) {
    Status s = f->Append("x");
    ASSERT_TRUE(s.IsIOError());
    EXPECT_NE(s.message().find(std::strerror(ENOSPC)), std::string::npos) << s.ToString();
  }
  EXPECT_EQ(Read("a"), "") << "a failed append writes nothing";
  EXPECT_EQ(fs_.injected_failures(), 3u);
  fs_.ClearFailures();
  EXPECT_TRUE(f->Append("x").ok());
  EXPECT_EQ(Read("a"), "x");
}

TEST_F(FaultFs, PartialFailedWritesKeepHalfTheData) {
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(fs_.NewWritableFile(Path("a"), &f).ok());
  fs_.SetPartialFailedWrites(true);
  fs_.FailAfter(Op::kWrite, 2, ENOSPC, /*persistent=*/false);
  ASSERT_TRUE(f->Append("0123").ok());
  EXPECT_TRUE(f->Append("abcdefgh").IsIOError());
  EXPECT_EQ(Read("a"), "0123abcd") << "a write cut short by a full disk";
  ASSERT_TRUE(f->Sync().ok());
  EXPECT_EQ(fs_.SyncedSize(Path("a")), 8u) << "the model follows the bytes written";
  // A deactivated file system (a simulated crash) still writes nothing.
  fs_.SetDeactivated(true);
  EXPECT_TRUE(f->Append("zz").IsIOError());
  fs_.SetDeactivated(false);
  EXPECT_EQ(Read("a"), "0123abcd");
}

TEST_F(FaultFs, FailAfterHonoursPathFilter) {
  std::unique_ptr<WritableFile> a, b;
  ASSERT_TRUE(fs_.NewWritableFile(Path("journal.log"), &a).ok());
  ASSERT_TRUE(fs_.NewWritableFile(Path("other.seg"), &b).ok());
  fs_.FailAfter(Op::kWrite, 1, EIO, /*persistent=*/true, ".log");
  EXPECT_TRUE(b->Append("fine").ok());
  EXPECT_TRUE(a->Append("fails").IsIOError());
  EXPECT_TRUE(b->Append("fine").ok());
}

TEST_F(FaultFs, FailAfterCoversEveryOpKind) {
  Write("a", "data", "", true);
  fs_.FailAfter(Op::kRename, 1, EIO, false);
  EXPECT_TRUE(fs_.RenameFile(Path("a"), Path("b")).IsIOError());
  EXPECT_TRUE(Exists("a"));
  fs_.FailAfter(Op::kRemove, 1, EIO, false);
  EXPECT_TRUE(fs_.RemoveFile(Path("a")).IsIOError());
  EXPECT_TRUE(Exists("a"));
  fs_.FailAfter(Op::kCreate, 1, ENOSPC, false);
  std::unique_ptr<WritableFile> f;
  EXPECT_TRUE(fs_.NewWritableFile(Path("c"), &f).IsIOError());
  EXPECT_FALSE(Exists("c"));
  fs_.FailAfter(Op::kSyncDir, 1, EIO, false);
  EXPECT_TRUE(fs_.SyncDir(dir_).IsIOError());
  fs_.FailAfter(Op::kTruncate, 1, EIO, false);
  EXPECT_TRUE(fs_.TruncateFile(Path("a"), 1).IsIOError());
  fs_.FailAfter(Op::kRead, 1, EIO, false);
  std::unique_ptr<RandomAccessFile> r;
  ASSERT_TRUE(fs_.NewRandomAccessFile(Path("a"), &r).ok());
  std::string got;
  EXPECT_TRUE(r->Read(0, 4, &got).IsIOError());
  ASSERT_TRUE(r->Read(0, 4, &got).ok());
  EXPECT_EQ(got, "data");
  EXPECT_EQ(fs_.injected_failures(), 6u);
}

TEST_F(FaultFs, SyncDelayIsApplied) {
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(fs_.NewWritableFile(Path("a"), &f).ok());
  fs_.SetSyncDelay(std::chrono::milliseconds(20));
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(f->Sync().ok());
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(20));
}

TEST_F(FaultFs, ConcurrentWritersAreTrackedSeparately) {
  constexpr int kThreads = 4;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      std::unique_ptr<WritableFile> f;
      ASSERT_TRUE(fs_.NewWritableFile(Path("f" + std::to_string(t)), &f).ok());
      for (int i = 0; i < 200; ++i) {
        ASSERT_TRUE(f->Append("0123456789").ok());
        if (i == 99) {
          ASSERT_TRUE(f->Sync().ok());
        }
      }
      ASSERT_TRUE(f->Close().ok());
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_TRUE(fs_.SyncDir(dir_).ok());
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(fs_.SyncedSize(Path("f" + std::to_string(t))), std::optional<uint64_t>(1000));
  }
  EXPECT_EQ(fs_.OpCount(Op::kWrite), kThreads * 200u);
  ASSERT_TRUE(fs_.SimulatePowerLoss(TornWrite::kNone).ok());
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(Read("f" + std::to_string(t)).size(), 1000u);
}

}  // namespace
}  // namespace spirapi::test
