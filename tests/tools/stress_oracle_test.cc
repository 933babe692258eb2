// The expected-state oracle of spirapi_stress (tools/stress/): its log
// survives torn tails, and its verifier accepts exactly the databases it
// should: it must catch a lost acknowledged commit and a partly visible
// in-flight transaction, and after a power loss accept the loss of unsynced
// commits only as a suffix, or the stress tool's "0 lost" would mean nothing.

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "spirapi/db.h"
#include "stress/expected_state.h"
#include "stress/stress_verify.h"
#include "support/temp_dir.h"

namespace spirapi::stress {
namespace {

constexpr uint32_t kKeys = 4;
constexpr uint64_t kT1 = (1ull << 32) | 1;
constexpr uint64_t kT2 = (1ull << 32) | 2;

StressOp Put(Component c, uint32_t key, uint32_t pad, uint32_t blob = 0) {
  return StressOp{c, false, key, pad, blob};
}

StressOp Del(Component c, uint32_t key) { return StressOp{c, true, key, 0, 0}; }

class StressOracle : public ::testing::Test {
 protected:
  std::string LogPath() const { return dir_.Sub("expected.log"); }

  // Starts a log with a header and a session.
  void NewLog(ExpectedLog* log) {
    ASSERT_TRUE(log->Open(LogPath(), 0).ok());
    ASSERT_TRUE(log->AppendHeader(kKeys).ok());
    ASSERT_TRUE(log->AppendSession(1).ok());
  }

  void OpenDb() {
    Options o;
    o.background_work = false;
    ASSERT_TRUE(DB::Open(o, dir_.Sub("db"), &db_).ok());
  }

  // Writes what transaction `txn` writes, as the workload does.
  void Commit(uint64_t txn, const std::vector<StressOp>& ops) {
    std::unique_ptr<Transaction> t;
    ASSERT_TRUE(db_->BeginTransaction(WriteOptions(), &t).ok());
    for (const StressOp& op : ops) {
      const std::string id = KeyId(op.key);
      if (op.is_delete) {
        ASSERT_TRUE(t->Delete(op.component, id).ok());
      } else {
        ASSERT_TRUE(t->PutWithBlob(op.component, id,
                                   ExpectedData(txn, op.component, op.key, op.data_pad),
                                   ExpectedMetadata(txn),
                                   ExpectedBlob(txn, op.component, op.key, op.blob_bytes))
                        .ok());
      }
    }
    ASSERT_TRUE(t->Commit().ok());
  }

  VerifyResult Verify(bool power_loss = false) {
    ExpectedState state;
    EXPECT_TRUE(state.Load(LogPath(), kKeys).ok());
    ExpectedLog log;
    EXPECT_TRUE(log.Open(LogPath(), state.valid_end()).ok());
    VerifyOptions options;
    options.power_loss = power_loss;
    VerifyResult r;
    EXPECT_TRUE(VerifyAgainstOracle(db_.get(), &state, &log, options, &r).ok());
    return r;
  }

  test::TempDir dir_;
  std::unique_ptr<DB> db_;
};

TEST_F(StressOracle, ReplaysAcknowledgedAndInFlightTransactions) {
  {
    ExpectedLog log;
    NewLog(&log);
    ASSERT_TRUE(log.AppendIntent(kT1, {Put(Component::kSchema, 1, 10, 5)}).ok());
    ASSERT_TRUE(log.AppendAck(kT1, true).ok());
    ASSERT_TRUE(log.AppendIntent(kT2, {Del(Component::kSchema, 1), Put(Component::kCache, 0, 3)})
                    .ok());
  }
  ExpectedState state;
  ASSERT_TRUE(state.Load(LogPath(), kKeys).ok());
  EXPECT_EQ(state.acked(), 1u);
  EXPECT_EQ(state.sessions(), 1u);
  EXPECT_FALSE(state.at(Component::kSchema, 1).exists) << "not verified yet: pending";
  ASSERT_EQ(state.pending().size(), 2u);
  EXPECT_TRUE(state.pending()[0].acked && state.pending()[0].synced);
  EXPECT_EQ(state.pending()[1].txn, kT2);
  EXPECT_FALSE(state.pending()[1].acked);
  {
    ExpectedLog log;
    ASSERT_TRUE(log.Open(LogPath(), state.valid_end()).ok());
    ASSERT_TRUE(log.AppendVerified().ok());
  }
  ASSERT_TRUE(state.Load(LogPath(), kKeys).ok());
  EXPECT_TRUE(state.pending().empty());
  EXPECT_TRUE(state.at(Component::kSchema, 1) == KeyValue::After(kT1, Put(Component::kSchema, 1, 10, 5)));
  EXPECT_FALSE(state.at(Component::kCache, 0).exists) << "never acknowledged, not resolved";

  ExpectedState other;
  EXPECT_TRUE(other.Load(LogPath(), kKeys + 1).IsInvalidArgument()) << "another key space";
}

TEST_F(StressOracle, TornLastRecordIsDroppedAndCutOff) {
  {
    ExpectedLog log;
    NewLog(&log);
    ASSERT_TRUE(log.AppendIntent(kT1, {Put(Component::kSequence, 0, 1)}).ok());
    ASSERT_TRUE(log.AppendAck(kT1, true).ok());
  }
  const auto intact = std::filesystem::file_size(LogPath());
  {
    ExpectedLog log;
    ASSERT_TRUE(log.Open(LogPath(), intact).ok());
    ASSERT_TRUE(log.AppendIntent(kT2, {Put(Component::kSequence, 1, 1)}).ok());
  }
  std::filesystem::resize_file(LogPath(), std::filesystem::file_size(LogPath()) - 3);
  ExpectedState state;
  ASSERT_TRUE(state.Load(LogPath(), kKeys).ok());
  EXPECT_EQ(state.valid_end(), intact);
  EXPECT_EQ(state.pending().size(), 1u) << "a torn intent was never followed by a commit";
  {
    ExpectedLog log;
    ASSERT_TRUE(log.Open(LogPath(), state.valid_end()).ok());
    ASSERT_TRUE(log.AppendIntent(kT2, {Put(Component::kSequence, 1, 1)}).ok());
  }
  ASSERT_TRUE(state.Load(LogPath(), kKeys).ok());
  EXPECT_EQ(state.pending().size(), 2u) << "appended after the cut, not after garbage";
}

TEST_F(StressOracle, DamageBeforeTheEndIsAnError) {
  {
    ExpectedLog log;
    NewLog(&log);
    ASSERT_TRUE(log.AppendIntent(kT1, {Put(Component::kSequence, 0, 1)}).ok());
    ASSERT_TRUE(log.AppendAck(kT1, true).ok());
  }
  std::FILE* f = std::fopen(LogPath().c_str(), "r+b");
  ASSERT_NE(f, nullptr);
  std::fseek(f, 12, SEEK_SET);  // inside the header's payload
  std::fputc(0x5a, f);
  std::fclose(f);
  ExpectedState state;
  EXPECT_TRUE(state.Load(LogPath(), kKeys).IsCorruption());
}

TEST_F(StressOracle, VerifierAcceptsTheExpectedDatabase) {
  OpenDb();
  ExpectedLog log;
  NewLog(&log);
  const std::vector<StressOp> ops = {Put(Component::kIndex, 2, 100, 64), Put(Component::kQuery, 3, 0)};
  ASSERT_TRUE(log.AppendIntent(kT1, ops).ok());
  Commit(kT1, ops);
  ASSERT_TRUE(log.AppendAck(kT1, true).ok());
  VerifyResult r = Verify();
  EXPECT_EQ(r.failure, "");
  EXPECT_EQ(r.keys_verified, kKeys * kNumComponents);
  EXPECT_EQ(r.acked_lost, 0u);
  EXPECT_GT(r.records_checked, 0u);
}

TEST_F(StressOracle, VerifierCatchesALostAcknowledgedCommit) {
  OpenDb();
  ExpectedLog log;
  NewLog(&log);
  ASSERT_TRUE(log.AppendIntent(kT1, {Put(Component::kIndex, 2, 100)}).ok());
  ASSERT_TRUE(log.AppendAck(kT1, true).ok());  // acknowledged, but never written
  VerifyResult r = Verify();
  EXPECT_NE(r.failure.find("index/k00002"), std::string::npos) << r.failure;
  EXPECT_EQ(r.acked_lost, 1u);
}

TEST_F(StressOracle, VerifierCatchesWrongBytes) {
  OpenDb();
  ExpectedLog log;
  NewLog(&log);
  const std::vector<StressOp> ops = {Put(Component::kIndex, 2, 100, 16)};
  ASSERT_TRUE(log.AppendIntent(kT1, ops).ok());
  ASSERT_TRUE(log.AppendAck(kT1, true).ok());
  // The same transaction's data, with another blob.
  ASSERT_TRUE(db_->PutWithBlob(WriteOptions(), Component::kIndex, KeyId(2),
                               ExpectedData(kT1, Component::kIndex, 2, 100), ExpectedMetadata(kT1),
                               "not the blob")
                  .ok());
  EXPECT_EQ(Verify().acked_lost, 1u);
}

TEST_F(StressOracle, VerifierCatchesAPartlyVisibleInFlightTransaction) {
  OpenDb();
  ExpectedLog log;
  NewLog(&log);
  ASSERT_TRUE(log.AppendIntent(kT1, {Put(Component::kSequence, 0, 5), Put(Component::kCache, 1, 5)})
                  .ok());
  Commit(kT1, {Put(Component::kSequence, 0, 5)});  // half of it
  VerifyResult r = Verify();
  EXPECT_NE(r.failure.find("partly visible"), std::string::npos) << r.failure;
}

TEST_F(StressOracle, VerifierResolvesInFlightTransactions) {
  OpenDb();
  ExpectedLog log;
  NewLog(&log);
  const std::vector<StressOp> applied = {Put(Component::kSequence, 0, 5), Del(Component::kCache, 1)};
  const std::vector<StressOp> base = {Put(Component::kCache, 1, 2)};
  ASSERT_TRUE(log.AppendIntent(kT1, base).ok());
  Commit(kT1, base);
  ASSERT_TRUE(log.AppendAck(kT1, true).ok());
  const uint64_t t3 = (1ull << 32) | 3;
  ASSERT_TRUE(log.AppendIntent(kT2, applied).ok());
  ASSERT_TRUE(log.AppendIntent(t3, {Put(Component::kMetadata, 3, 1)}).ok());
  Commit(kT2, applied);  // in flight, applied; t3 in flight, not applied
  VerifyResult r = Verify();
  EXPECT_EQ(r.failure, "");
  EXPECT_EQ(r.in_flight_applied, 1u);
  EXPECT_EQ(r.in_flight_not_applied, 1u);

  ExpectedState state;
  ASSERT_TRUE(state.Load(LogPath(), kKeys).ok());
  EXPECT_TRUE(state.pending().empty()) << "resolved and verified in the log";
  EXPECT_EQ(state.resolved_applied(), 1u);
  EXPECT_EQ(state.resolved_not_applied(), 1u);
  EXPECT_FALSE(state.at(Component::kCache, 1).exists);
  EXPECT_TRUE(state.at(Component::kSequence, 0).exists);
  EXPECT_FALSE(state.at(Component::kMetadata, 3).exists);
  EXPECT_EQ(Verify().failure, "") << "exact again";
}

TEST_F(StressOracle, VerifierCatchesIdsOutsideTheKeySpace) {
  OpenDb();
  ExpectedLog log;
  NewLog(&log);
  ASSERT_TRUE(db_->Put(WriteOptions(), Component::kQuery, "stray", "1").ok());
  VerifyResult r = Verify();
  EXPECT_NE(r.failure.find("outside the key space"), std::string::npos) << r.failure;
}

TEST_F(StressOracle, ASessionMustFollowAVerifiedOne) {
  {
    ExpectedLog log;
    NewLog(&log);
    ASSERT_TRUE(log.AppendIntent(kT1, {Put(Component::kSequence, 0, 1)}).ok());
    ASSERT_TRUE(log.AppendSession(2).ok());
  }
  ExpectedState state;
  EXPECT_TRUE(state.Load(LogPath(), kKeys).IsCorruption());
}

// After a process crash every acknowledged commit counts, synced or not.
TEST_F(StressOracle, ProcessCrashLosesNoUnsyncedCommit) {
  OpenDb();
  ExpectedLog log;
  NewLog(&log);
  ASSERT_TRUE(log.AppendIntent(kT1, {Put(Component::kIndex, 2, 10)}).ok());
  ASSERT_TRUE(log.AppendAck(kT1, /*synced=*/false).ok());  // never written
  VerifyResult r = Verify(/*power_loss=*/false);
  EXPECT_NE(r.failure.find("acknowledged, not synced"), std::string::npos) << r.failure;
  EXPECT_EQ(r.acked_lost, 1u);
}

TEST_F(StressOracle, PowerLossKeepsEverySyncedCommit) {
  OpenDb();
  ExpectedLog log;
  NewLog(&log);
  ASSERT_TRUE(log.AppendIntent(kT1, {Put(Component::kIndex, 2, 10)}).ok());
  ASSERT_TRUE(log.AppendAck(kT1, /*synced=*/true).ok());  // never written
  VerifyResult r = Verify(/*power_loss=*/true);
  EXPECT_NE(r.failure.find("acknowledged, synced"), std::string::npos) << r.failure;
  EXPECT_EQ(r.acked_lost, 1u);
}

// A synced commit makes every commit acknowledged before it began durable.
TEST_F(StressOracle, PowerLossKeepsUnsyncedCommitsBeforeASyncedOne) {
  OpenDb();
  ExpectedLog log;
  NewLog(&log);
  const std::vector<StressOp> second = {Put(Component::kCache, 0, 3)};
  ASSERT_TRUE(log.AppendIntent(kT1, {Put(Component::kIndex, 2, 10)}).ok());
  ASSERT_TRUE(log.AppendAck(kT1, /*synced=*/false).ok());  // lost
  ASSERT_TRUE(log.AppendIntent(kT2, second).ok());
  Commit(kT2, second);
  ASSERT_TRUE(log.AppendAck(kT2, /*synced=*/true).ok());
  VerifyResult r = Verify(/*power_loss=*/true);
  EXPECT_NE(r.failure.find("index/k00002"), std::string::npos) << r.failure;
  EXPECT_EQ(r.acked_lost, 1u);
}

// Unsynced commits may be lost after a power loss, but only as a suffix of
// the commit order, and whole; the verifier then makes the oracle exact.
TEST_F(StressOracle, PowerLossMayLoseUnsyncedCommitsAsASuffix) {
  OpenDb();
  ExpectedLog log;
  NewLog(&log);
  const uint64_t t3 = (1ull << 32) | 3;
  const std::vector<StressOp> first = {Put(Component::kCache, 1, 2), Put(Component::kQuery, 0, 4)};
  ASSERT_TRUE(log.AppendIntent(kT1, first).ok());
  Commit(kT1, first);
  ASSERT_TRUE(log.AppendAck(kT1, /*synced=*/false).ok());
  // T2 and T3 overwrite and delete T1's keys; both acknowledged, both lost.
  ASSERT_TRUE(log.AppendIntent(kT2, {Put(Component::kCache, 1, 7), Put(Component::kIndex, 3, 1)}).ok());
  ASSERT_TRUE(log.AppendAck(kT2, /*synced=*/false).ok());
  ASSERT_TRUE(log.AppendIntent(t3, {Del(Component::kQuery, 0)}).ok());
  ASSERT_TRUE(log.AppendAck(t3, /*synced=*/false).ok());
  VerifyResult r = Verify(/*power_loss=*/true);
  EXPECT_EQ(r.failure, "");
  EXPECT_EQ(r.unsynced_lost, 2u);
  EXPECT_EQ(r.acked_lost, 0u);

  ExpectedState state;
  ASSERT_TRUE(state.Load(LogPath(), kKeys).ok());
  EXPECT_TRUE(state.pending().empty());
  EXPECT_TRUE(state.at(Component::kCache, 1) == KeyValue::After(kT1, first[0]));
  EXPECT_TRUE(state.at(Component::kQuery, 0).exists) << "the lost delete is undone";
  EXPECT_FALSE(state.at(Component::kIndex, 3).exists);
  EXPECT_EQ(Verify().failure, "") << "exact again";
}

TEST_F(StressOracle, PowerLossMustNotLoseAnEarlierCommitAndKeepALaterOne) {
  OpenDb();
  ExpectedLog log;
  NewLog(&log);
  const std::vector<StressOp> second = {Put(Component::kCache, 0, 3)};
  ASSERT_TRUE(log.AppendIntent(kT1, {Put(Component::kIndex, 2, 10)}).ok());
  ASSERT_TRUE(log.AppendAck(kT1, /*synced=*/false).ok());  // lost...
  ASSERT_TRUE(log.AppendIntent(kT2, second).ok());
  Commit(kT2, second);  // ...but a later commit, unsynced too, survived
  ASSERT_TRUE(log.AppendAck(kT2, /*synced=*/false).ok());
  VerifyResult r = Verify(/*power_loss=*/true);
  EXPECT_NE(r.failure.find("index/k00002"), std::string::npos) << r.failure;
}

// Writes to one key apply in order: a later in-flight write on a key implies
// the earlier one, which must then show on all of its keys.
TEST_F(StressOracle, PowerLossAppliesWritesToAKeyInOrder) {
  OpenDb();
  ExpectedLog log;
  NewLog(&log);
  const std::vector<StressOp> later = {Put(Component::kSchema, 0, 9)};
  ASSERT_TRUE(log.AppendIntent(kT1, {Put(Component::kSchema, 0, 1), Put(Component::kCache, 3, 1)})
                  .ok());
  ASSERT_TRUE(log.AppendIntent(kT2, later).ok());  // both in flight
  Commit(kT2, later);
  VerifyResult r = Verify(/*power_loss=*/true);
  EXPECT_NE(r.failure.find("partly visible"), std::string::npos) << r.failure;
}

}  // namespace
}  // namespace spirapi::stress
