// Systematic I/O fault sweep (SQLite's method): a scripted workload runs
// again and again from the same starting database, and in run N the N-th
// file operation of one kind fails, with EIO or ENOSPC, once or from then on
// (FaultInjectionFileSystem::FailAfter), for N = 1, 2, ... until the workload
// completes without the fault firing.
//
// The workload: open (which truncates a torn journal tail left in the starting
// database), transactions over four components (some with values of tens of
// KiB, some deletes, some single DB::Put/DB::Delete), DB::Flush (journal to
// segments), point reads of every key, DB::Compact, a close and reopen
// (recovery from segments and journals), more transactions, DB::Verify.
//
// After every run:
//  * no step crashed; a commit during which a write or fsync failed did not
//    return OK (a failed fsync is never reported as a successful commit), and
//    the first step that failed because of the fault returned IOError naming
//    the error (strerror);
//  * reads during the run never returned data that was not written;
//  * the database is closed, the fault cleared, and the database reopened
//    through the same file system: it opens, DB::Verify finds no damage, and
//    its contents are exactly the acknowledged transactions plus, as wholes,
//    some of the transactions whose commit failed (all-or-nothing: each
//    transaction writes one marker value to every record it puts, including
//    a marker record of its own, so a partial one cannot match);
//  * it accepts a new durable write.
//
// Writes also fail "partially": half the bytes reach the file before ENOSPC,
// as a write(2) cut short by a full disk leaves them.
//
// The default run samples N (every N up to 8, then a stride) and rotates
// through the error variants; SPIRAPI_LONG_TESTS=1 runs every N with every
// variant. Each test prints how many runs it made and how many faults fired.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "spirapi/db.h"
#include "support/db_state.h"
#include "support/fault_injection_fs.h"
#include "support/long_tests.h"
#include "support/temp_dir.h"

namespace spirapi {
namespace {

using test::FaultInjectionFileSystem;
using Op = FaultInjectionFileSystem::Op;

using test::LongTests;

using test::Describe;
using test::Key;
using test::SplitKey;
using test::State;

struct Write {
  Component component;
  std::string id;
  bool is_delete = false;
};

struct Txn {
  int number = 0;
  bool single = false;  // one DB::Put or DB::Delete, without a marker record
  std::vector<Write> writes;
  std::string value;    // the data of every put: {"m":"t<n>","pad":"..."}
};

struct Step {
  enum class Kind { kTxn, kFlush, kCompact, kReopen, kReadAll, kVerify };
  Kind kind;
  int txn = -1;  // index into Script::txns
};

struct Script {
  std::vector<Txn> txns;
  std::vector<Step> steps;
  std::set<std::string> keys;                       // every key ever written
  std::map<std::string, std::set<std::string>> written;  // key -> every value put there
};

constexpr Component kComponents[] = {Component::kSequence, Component::kSchema,
                                     Component::kMetadata, Component::kIndex};
constexpr int kIds = 5;

std::string MarkerId(int n) { return "txn-" + std::to_string(n); }

// The deterministic workload. Values of several KiB (and a few of 40 KiB) make
// segments of several 64 KiB blocks, so flushes and compactions write, sync
// and read many blocks.
Script MakeScript() {
  std::mt19937_64 rng(20261124);
  auto uniform = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  Script script;
  State live;  // to delete only what exists
  int number = 0;
  auto add_txns = [&](int count) {
    for (int i = 0; i < count; ++i) {
      Txn t;
      t.number = ++number;
      t.single = number % 5 == 0;
      size_t pad = number % 7 == 0 ? 40000 : static_cast<size_t>(uniform(100, 6000));
      t.value = "{\"m\":\"t" + std::to_string(number) + "\",\"pad\":\"";
      for (size_t k = 0; k < pad; ++k) t.value.push_back(static_cast<char>('a' + (k * 7 + number) % 26));
      t.value += "\"}";
      const int n = t.single ? 1 : uniform(2, 4);
      std::set<std::string> used;
      for (int w = 0; w < n; ++w) {
        Component c = kComponents[(number + w) % 4];
        std::string id = "r" + std::to_string(uniform(0, kIds - 1));
        if (!used.insert(Key(c, id)).second) continue;
        bool del = live.count(Key(c, id)) > 0 && uniform(0, 3) == 0;
        t.writes.push_back(Write{c, id, del});
      }
      if (!t.single) t.writes.push_back(Write{Component::kCache, MarkerId(number), false});
      for (const Write& w : t.writes) {
        const std::string k = Key(w.component, w.id);
        script.keys.insert(k);
        if (w.is_delete) {
          live.erase(k);
        } else {
          live[k] = t.value;
          script.written[k].insert(t.value);
        }
      }
      script.steps.push_back(Step{Step::Kind::kTxn, static_cast<int>(script.txns.size())});
      script.txns.push_back(std::move(t));
    }
  };
  auto add = [&](Step::Kind kind) { script.steps.push_back(Step{kind}); };
  add_txns(10);
  add(Step::Kind::kFlush);
  add_txns(8);
  add(Step::Kind::kReadAll);
  add(Step::Kind::kCompact);
  add_txns(6);
  add(Step::Kind::kReopen);
  add(Step::Kind::kReadAll);
  add_txns(6);
  add(Step::Kind::kFlush);
  add_txns(3);
  add(Step::Kind::kVerify);
  return script;
}

// The base data every run starts from (written before the fault is armed).
const State& BaseState() {
  static const State* base = new State{{Key(Component::kSequence, "base-1"), "\"one\""},
                                       {Key(Component::kQuery, "base-2"), "{\"q\":2}"}};
  return *base;
}

State Apply(State s, const Txn& t) {
  for (const Write& w : t.writes) {
    if (w.is_delete) {
      s.erase(Key(w.component, w.id));
    } else {
      s[Key(w.component, w.id)] = t.value;
    }
  }
  return s;
}

Status ApplyTxn(DB* db, const Txn& t) {
  WriteOptions wo;
  wo.sync = true;
  if (t.single) {
    const Write& w = t.writes[0];
    return w.is_delete ? db->Delete(wo, w.component, w.id) : db->Put(wo, w.component, w.id, t.value);
  }
  std::unique_ptr<Transaction> txn;
  Status s = db->BeginTransaction(wo, &txn);
  for (size_t i = 0; s.ok() && i < t.writes.size(); ++i) {
    const Write& w = t.writes[i];
    s = w.is_delete ? txn->Delete(w.component, w.id) : txn->Put(w.component, w.id, t.value);
  }
  return s.ok() ? txn->Commit() : s;
}

// What one run did.
struct RunOutcome {
  std::vector<bool> acked;  // per transaction: Commit returned OK
  uint64_t injected = 0;
  uint64_t op_count = 0;    // operations of the swept kind, faulted or not
  bool step_failed = false; // some step returned an error
  std::string fault;        // where the first fault fired
  std::string problem;      // first violated expectation, empty if none
  // The first fault fired while closing, where nothing can report it: in
  // the close frame, after every commit was synced. Losing the close frame
  // loses nothing (a torn one is kept aside as a tail at the next open).
  bool fault_at_close = false;
};

class IoFaultSweep : public ::testing::TestWithParam<Op> {
 protected:
  void SetUp() override {
    options_.background_work = false;  // deterministic operation counts
    options_.compression_level = 1;
    options_.max_file_size_mb = 1;
    options_.file_system = &fs_;
    fs_.SetRealSync(false);  // nothing here simulates power loss
    MakeTemplate();
  }

  std::string DbPath() const { return dir_.Sub("db"); }
  std::string TemplatePath() const { return dir_.Sub("template"); }

  // The starting database: base records, and a journal ending in the first
  // bytes of a frame, as a write cut short leaves it.
  void MakeTemplate() {
    Options o = options_;
    o.file_system = nullptr;
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(o, TemplatePath(), &db).ok());
    for (const auto& [key, value] : BaseState()) {
      Component c;
      std::string id;
      ASSERT_TRUE(SplitKey(key, &c, &id).ok());
      ASSERT_TRUE(db->Put(WriteOptions(), c, id, value).ok());
    }
    db.reset();
    std::string journal;
    for (const auto& e : std::filesystem::directory_iterator(TemplatePath() + "/journal")) {
      journal = std::max(journal, e.path().string());
    }
    ASSERT_FALSE(journal.empty());
    const auto size = std::filesystem::file_size(journal);
    ASSERT_GT(size, 24u);
    std::FILE* f = std::fopen(journal.c_str(), "r+b");
    ASSERT_NE(f, nullptr);
    std::string head(24, '\0');
    ASSERT_EQ(std::fread(head.data(), 1, head.size(), f), head.size());
    std::fseek(f, 0, SEEK_END);
    ASSERT_EQ(std::fwrite(head.data(), 1, head.size(), f), head.size());
    std::fclose(f);
  }

  void ResetDatabase() {
    std::error_code ec;
    std::filesystem::remove_all(DbPath(), ec);
    std::filesystem::copy(TemplatePath(), DbPath(), std::filesystem::copy_options::recursive);
    std::filesystem::remove(DbPath() + "/LOCK", ec);
    fs_.ClearFailures();
    fs_.ForgetUnsyncedState();
    fs_.ResetCounters();
  }

  void Close(std::unique_ptr<DB>* db, RunOutcome* out) {
    const uint64_t before = fs_.injected_failures();
    db->reset();
    if (before == 0 && fs_.injected_failures() > 0) out->fault_at_close = true;
  }

  // Runs the script with the fault armed (if any), then closes the database.
  RunOutcome Run(const Script& script, Op counted, std::optional<Op> op, int n, int err,
                 bool persistent, bool partial = false) {
    ResetDatabase();
    fs_.SetPartialFailedWrites(partial);
    if (op) fs_.FailAfter(*op, n, err, persistent);
    RunOutcome out;
    out.acked.assign(script.txns.size(), false);
    auto note = [&out](const std::string& what) {
      if (out.problem.empty()) out.problem = what;
    };
    bool uncertain = false;  // a failed commit may be on disk: reads see it after a reopen
    bool fault_reported = false;
    State model = BaseState();

    std::unique_ptr<DB> db;
    Status s = DB::Open(options_, DbPath(), &db);
    auto check_status = [&](const std::string& step, const Status& st, uint64_t before) {
      if (!st.ok()) out.step_failed = true;
      if (st.ok() || fault_reported || fs_.injected_failures() == before) return;
      // The step the fault broke: a clear I/O error naming its cause.
      fault_reported = true;
      if (!st.IsIOError() || st.message().find(std::strerror(err)) == std::string::npos) {
        note(step + " failed with " + st.ToString() + ", not the injected " + std::strerror(err));
      }
    };
    check_status("open", s, 0);

    for (const Step& step : script.steps) {
      const uint64_t before = fs_.injected_failures();
      if (step.kind == Step::Kind::kReopen) {
        Close(&db, &out);
        s = DB::Open(options_, DbPath(), &db);
        check_status("reopen", s, before);
        continue;
      }
      if (db == nullptr) continue;  // open failed: nothing more to do
      switch (step.kind) {
        case Step::Kind::kTxn: {
          const Txn& t = script.txns[static_cast<size_t>(step.txn)];
          s = ApplyTxn(db.get(), t);
          // (A fault of another kind may fire in the journal rotation that
          // follows a durable commit, which then rightly returns OK.)
          const bool write_path = op == Op::kWrite || op == Op::kSync;
          if (s.ok() && write_path && fs_.injected_failures() != before) {
            note("txn " + std::to_string(t.number) + " returned OK though a fault fired during it");
          }
          out.acked[static_cast<size_t>(step.txn)] = s.ok();
          if (s.ok()) {
            model = Apply(model, t);
          } else {
            uncertain = true;
          }
          check_status("txn " + std::to_string(t.number), s, before);
          break;
        }
        case Step::Kind::kFlush:
          s = db->Flush();
          check_status("flush", s, before);
          break;
        case Step::Kind::kCompact:
          s = db->Compact();
          check_status("compact", s, before);
          break;
        case Step::Kind::kVerify: {
          VerifyReport report;
          s = db->Verify(&report);
          check_status("verify", s, before);
          if (s.ok() && !report.clean()) note("Verify during the run: " + report.damage[0].what);
          break;
        }
        case Step::Kind::kReadAll:
          for (const std::string& key : script.keys) {
            Component c;
            std::string id;
            SplitKey(key, &c, &id);
            StorageRecord rec;
            s = db->Get(ReadOptions(), c, id, &rec);
            if (!s.IsNotFound()) check_status("read of " + key, s, before);
            if (!s.ok() && !s.IsNotFound()) continue;
            auto want = model.find(key);
            const bool exact_ok = s.ok() ? want != model.end() && want->second == rec.data
                                         : want == model.end();
            const bool possible = !s.ok() || script.written.at(key).count(rec.data) > 0;
            if (!(uncertain ? possible : exact_ok)) {
              note("read of " + key + " returned " + (s.ok() ? rec.data.substr(0, 14) : "nothing") +
                   (uncertain ? ", never written there" : ", not the acknowledged state"));
            }
          }
          break;
        case Step::Kind::kReopen:
          break;
      }
    }
    Close(&db, &out);  // with the fault still armed
    out.injected = fs_.injected_failures();
    out.op_count = fs_.OpCount(counted);
    out.fault = fs_.first_injected_failure();
    return out;
  }

  // Reopens after a run with the fault cleared and checks the contents.
  ::testing::AssertionResult CheckRecovered(const Script& script, const RunOutcome& run) {
    fs_.ClearFailures();
    std::unique_ptr<DB> db;
    Status s = DB::Open(options_, DbPath(), &db);
    if (!s.ok()) return ::testing::AssertionFailure() << "reopen: " << s.ToString();
    VerifyReport report;
    s = db->Verify(&report);
    if (!s.ok()) return ::testing::AssertionFailure() << "Verify: " << s.ToString();
    if (!report.clean()) {
      return ::testing::AssertionFailure() << "Verify: " << report.damage[0].file << " @"
                                           << report.damage[0].offset << ": "
                                           << report.damage[0].what;
    }
    std::set<std::string> keys = script.keys;
    for (const auto& [k, v] : BaseState()) keys.insert(k);
    State got;
    std::string problem;
    s = test::ReadState(db.get(), keys, &got, &problem);
    if (!s.ok()) return ::testing::AssertionFailure() << "reading: " << s.ToString();
    if (!problem.empty()) return ::testing::AssertionFailure() << problem;

    // The acknowledged transactions, and those failed ones that reached the
    // disk: a transaction's marker record shows whether it did; a single
    // write shows in its one record (if nothing later overwrote it, which
    // then makes the choice moot).
    State want = BaseState();
    for (size_t i = 0; i < script.txns.size(); ++i) {
      const Txn& t = script.txns[i];
      bool applied = run.acked[i];
      if (!applied && !t.single) {
        applied = got.count(Key(Component::kCache, MarkerId(t.number))) > 0;
      } else if (!applied) {
        const Write& w = t.writes[0];
        auto it = got.find(Key(w.component, w.id));
        applied = w.is_delete ? it == got.end() : it != got.end() && it->second == t.value;
      }
      if (applied) want = Apply(want, t);
    }
    if (want != got) {
      return ::testing::AssertionFailure() << "contents after recovery differ from the "
                                              "acknowledged transactions:" << Describe(want, got);
    }
    s = db->Put(WriteOptions(), Component::kCache, "after", "\"ok\"");
    if (!s.ok()) return ::testing::AssertionFailure() << "write after recovery: " << s.ToString();
    return ::testing::AssertionSuccess();
  }

  test::TempDir dir_;
  FaultInjectionFileSystem fs_;
  Options options_;
};

// "syncdir db/journal", "write db/sequence/*.seg": where a fault fired,
// without the temporary directory and file numbers.
std::string FileKind(const std::string& fault) {
  const size_t db = fault.find("/db");
  std::string out = fault.substr(0, fault.find(' ')) + " " +
                    (db == std::string::npos ? fault : fault.substr(db + 1));
  const size_t dot = out.rfind('.');
  const size_t slash = out.rfind('/');
  if (dot != std::string::npos && slash != std::string::npos && dot > slash &&
      std::isdigit(static_cast<unsigned char>(out[slash + 1]))) {
    out = out.substr(0, slash + 1) + "*" + out.substr(dot);
  }
  return out;
}

// The only faults the engine may absorb without reporting them: the read of
// a segment's trailer at open that only sizes the index (LoadSegment reads
// it again and fails), and the directory sync after compaction deletes its
// inputs (a deletion lost to a crash leaves orphans that the next open
// deletes), and any on CACHE-WARM (a hint: without it the next open loads
// nothing into the block cache; docs/CACHE.md).
bool IsJournal(const std::string& fault) {
  const std::string kind = FileKind(fault);
  return (kind.rfind("write db/journal/", 0) == 0 || kind.rfind("sync db/journal/", 0) == 0) &&
         kind.ends_with(".log");
}

bool Absorbable(const std::string& fault) {
  const std::string kind = FileKind(fault);
  if (kind.ends_with(" db/CACHE-WARM") || kind.ends_with(" db/CACHE-WARM.tmp")) return true;
  if (kind.rfind("read db/", 0) == 0) return kind.size() > 4 && kind.ends_with(".seg");
  if (kind.rfind("syncdir db/", 0) != 0) return false;
  Component c;
  return ParseComponent(kind.substr(std::string("syncdir db/").size()), &c).ok();
}

// N to try for an operation kind done `count` times by the workload.
std::vector<int> Points(uint64_t count, bool all) {
  std::vector<int> points;
  const uint64_t stride = all || count <= 24 ? 1 : (count - 8) / 16 + 1;
  for (uint64_t n = 1; n <= count; n += n < 8 ? 1 : stride) points.push_back(static_cast<int>(n));
  if (points.back() != static_cast<int>(count)) points.push_back(static_cast<int>(count));
  return points;
}

TEST_P(IoFaultSweep, EveryNthOperationFails) {
  const Op op = GetParam();
  const Script script = MakeScript();
  const bool all = LongTests();

  // A run without faults counts the operations and must itself pass.
  RunOutcome clean = Run(script, op, std::nullopt, 0, 0, false);
  ASSERT_EQ(clean.problem, "");
  ASSERT_TRUE(std::all_of(clean.acked.begin(), clean.acked.end(), [](bool b) { return b; }));
  ASSERT_TRUE(CheckRecovered(script, clean));
  const uint64_t count = clean.op_count;

  int runs = 0, runs_with_fault = 0, failures = 0;
  // Faults after which every step still succeeded, by operation and file.
  std::map<std::string, int> absorbed;
  uint64_t injected = 0;
  for (bool persistent : {false, true}) {
    std::vector<int> points = count > 0 ? Points(count, all) : std::vector<int>();
    points.push_back(static_cast<int>(count) + 1);  // must complete without the fault firing
    for (size_t i = 0; i < points.size(); ++i) {
      const int n = points[i];
      // EIO; ENOSPC; and for writes, ENOSPC after half the bytes were
      // written. The engine treats the errors alike: by default each N gets
      // one variant.
      const int variants = op == Op::kWrite ? 3 : 2;
      for (int variant = 0; variant < variants; ++variant) {
        if (!all && variant != static_cast<int>(i + (persistent ? 1 : 0)) % variants) continue;
        const int err = variant == 0 ? EIO : ENOSPC;
        const bool partial = variant == 2;
        RunOutcome run = Run(script, op, op, n, err, persistent, partial);
        ++runs;
        runs_with_fault += run.injected > 0 ? 1 : 0;
        injected += run.injected;
        ::testing::AssertionResult ok = ::testing::AssertionSuccess();
        if (run.injected > 0 && !run.step_failed) {
          ++absorbed[FileKind(run.fault)];
          if (!Absorbable(run.fault) && !(run.fault_at_close && IsJournal(run.fault))) {
            ok = ::testing::AssertionFailure() << "the fault (" << run.fault
                                               << ") fired, but no step reported an error";
          }
        }
        if (ok && !run.problem.empty()) ok = ::testing::AssertionFailure() << run.problem;
        if (ok) ok = CheckRecovered(script, run);
        if (n > static_cast<int>(count) && run.injected != 0) {
          ok = ::testing::AssertionFailure() << "the fault fired after the last operation";
        }
        if (!ok && ++failures <= 5) {
          ADD_FAILURE() << FaultInjectionFileSystem::OpName(op) << " #" << n << " of " << count
                        << " fails with " << std::strerror(err)
                        << (partial ? " after writing half its bytes" : "")
                        << (persistent ? " persistently" : " once") << ": " << ok.message();
        }
      }
    }
  }
  EXPECT_EQ(failures, 0) << "of " << runs << " runs";
  std::string absorbed_text;
  for (const auto& [what, n] : absorbed) absorbed_text += " " + what + " x" + std::to_string(n);
  std::printf("io fault sweep: %-8s %4llu ops in the workload, %4d runs, %4d with a fault, %5llu "
              "faults injected, %d failed; absorbed without an error:%s\n",
              FaultInjectionFileSystem::OpName(op), static_cast<unsigned long long>(count), runs,
              runs_with_fault, static_cast<unsigned long long>(injected), failures,
              absorbed_text.empty() ? " none" : absorbed_text.c_str());
}

INSTANTIATE_TEST_SUITE_P(Ops, IoFaultSweep,
                         ::testing::Values(Op::kWrite, Op::kSync, Op::kRename, Op::kRead,
                                           Op::kCreate, Op::kSyncDir, Op::kTruncate),
                         [](const ::testing::TestParamInfo<Op>& info) {
                           return std::string(FaultInjectionFileSystem::OpName(info.param));
                         });

}  // namespace
}  // namespace spirapi
