// The journal damage cases of issue 14, as a user meets them through the
// spirapi tool: each lost acknowledged data or served an older version as
// current without a word before journal format 3.

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tools/cli_test_util.h"

namespace spirapi {
namespace {

class CliJournalDamageTest : public CliTest {
 protected:
  std::string Journal() {
    std::vector<std::string> logs;
    for (const auto& e : std::filesystem::directory_iterator(db_ + "/journal")) {
      if (e.path().extension() == ".log") logs.push_back(e.path().string());
    }
    std::sort(logs.begin(), logs.end());
    return logs.back();
  }
  void Overwrite(const std::string& path, uint64_t offset, const std::string& bytes) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(offset));
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  void FlipByteAt(const std::string& path, uint64_t offset) {
    const std::string contents = ReadFile(path);
    Overwrite(path, offset, std::string(1, static_cast<char>(contents[offset] ^ 0x01)));
  }
  // put acct OLD, compact (OLD into a segment), put acct NEW.
  void OldThenNew() {
    Init();
    RunOk({"put", db_, "cache", "acct", R"({"balance":"OLD"})"});
    RunOk({"compact", db_});
    RunOk({"put", db_, "cache", "acct", R"({"balance":"NEW"})"});
  }
  // get acct: NEW, or exit 3 naming it; never OLD.
  void ExpectNewOrReported() {
    CliResult r = Run({"get", db_, "cache", "acct"});
    if (r.exit_code == 0) {
      EXPECT_NE(r.out.find("NEW"), std::string::npos) << r.out;
    } else {
      EXPECT_EQ(r.exit_code, 3) << r.err;
      EXPECT_NE(r.err.find("acct"), std::string::npos) << r.err;
    }
  }
};

TEST_F(CliJournalDamageTest, DamageInTheLastFrameAfterACleanCloseIsReported) {
  // Case 1: 2,000 records loaded in batches of 1,000; three bytes in the
  // middle of the last frame overwritten. verify said "ok" and 1,000
  // acknowledged records were gone.
  Init();
  std::string lines;
  for (int i = 0; i < 2000; ++i) {
    lines += R"({"id":"r)" + std::to_string(i) + R"(","data":{"n":)" + std::to_string(i) + "}}\n";
  }
  WriteFile(dir_ + "/recs.jsonl", lines);
  RunOk({"load", db_, "cache", dir_ + "/recs.jsonl", "--batch", "1000"});
  const std::string journal = Journal();
  const std::string contents = ReadFile(journal);
  const size_t last_frame = contents.rfind("SPJ3", contents.rfind("SPJ3") - 1);
  ASSERT_NE(last_frame, std::string::npos);
  Overwrite(journal, last_frame + (contents.size() - last_frame) / 2, "zzz");

  CliResult verify = Run({"verify", db_});
  EXPECT_EQ(verify.exit_code, 3) << verify.out;
  EXPECT_NE(verify.out.find("damaged: journal/"), std::string::npos) << verify.out;
  // Every record is returned intact or reported damaged, and a write does
  // not cut the damaged frame off.
  RunOk({"put", db_, "cache", "later", "1"});
  CliResult dump = Run({"dump", db_, "cache"});
  EXPECT_EQ(dump.exit_code, 3);
  const size_t dumped = ScanIds(dump.out).size();
  const size_t reported = SplitLines(dump.err).size() - 1;
  EXPECT_EQ(dumped + reported, 2001u) << dump.err;
  EXPECT_GE(reported, 1u);
}

TEST_F(CliJournalDamageTest, CompactStopsInsteadOfResurrectingTheOldVersion) {
  // Case 2: a byte inside NEW flipped; compact exited 0 and get returned OLD.
  OldThenNew();
  const std::string journal = Journal();
  const size_t at = ReadFile(journal).find("NEW");
  ASSERT_NE(at, std::string::npos);
  FlipByteAt(journal, at + 1);
  EXPECT_EQ(Run({"get", db_, "cache", "acct"}).exit_code, 3);
  CliResult compact = Run({"compact", db_});
  EXPECT_EQ(compact.exit_code, 3) << compact.err;
  EXPECT_NE(compact.err.find("spirapi repair"), std::string::npos) << compact.err;
  ExpectNewOrReported();
  EXPECT_EQ(Run({"get", db_, "cache", "acct"}).exit_code, 3);
  EXPECT_EQ(Run({"verify", db_}).exit_code, 3);
}

TEST_F(CliJournalDamageTest, DamagedFrameHeaderNeverServesTheOldVersion) {
  // Case 3: byte 3 of the journal holding NEW (its frame's magic): get
  // returned OLD with exit 0 and verify said clean. Every header byte now.
  OldThenNew();
  const std::string pristine = dir_ + "/pristine";
  std::filesystem::copy(db_, pristine, std::filesystem::copy_options::recursive);
  const std::string rel = std::filesystem::relative(Journal(), db_).string();
  const std::string contents = ReadFile(Journal());
  const size_t frame = contents.rfind("SPJ3", contents.find("NEW"));
  for (size_t byte = 0; byte < 44; byte += 3) {
    SCOPED_TRACE(byte);
    std::filesystem::remove_all(db_);
    std::filesystem::copy(pristine, db_, std::filesystem::copy_options::recursive);
    FlipByteAt(db_ + "/" + rel, frame + byte);
    ExpectNewOrReported();
    CliResult verify = Run({"verify", db_});
    EXPECT_EQ(verify.exit_code, 3) << verify.out;
  }
}

TEST_F(CliJournalDamageTest, TailAfterACrashIsKeptAndReported) {
  // Without a close frame (a crash), damage in the last frame cannot be told
  // from a torn write: its bytes are kept aside and stats and verify say so.
  OldThenNew();
  const std::string journal = Journal();
  std::string contents = ReadFile(journal);
  const size_t close = contents.rfind("SPJ3");
  const size_t at = contents.find("NEW");
  ASSERT_LT(at, close);
  contents.resize(close);  // as if the process had died before closing
  contents[at + 1] ^= 0x01;
  WriteFile(journal, contents);
  // verify opens read-only: it reports the tail, which the next open for
  // writing moves aside.
  CliResult verify = Run({"verify", db_});
  EXPECT_EQ(verify.exit_code, 0) << verify.out;
  EXPECT_NE(verify.out.find("warning: journal/"), std::string::npos) << verify.out;
  EXPECT_NE(verify.out.find("do not check: a commit interrupted by a crash, or damage (kept aside "
                            "at the next open for writing)"),
            std::string::npos)
      << verify.out;
  RunOk({"put", db_, "cache", "later", "1"});
  CliResult stats = Run({"stats", db_, "--json"});
  EXPECT_NE(stats.out.find(R"("journal_tails":[{"file":"journal/)"), std::string::npos)
      << stats.out;
  EXPECT_NE(Run({"stats", db_}).out.find("(kept in journal/"), std::string::npos);
}

}  // namespace
}  // namespace spirapi
