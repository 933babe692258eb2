#include "stress/stress_run.h"

#include <cinttypes>
#include <cstdio>
#include <filesystem>

#include "stress/expected_state.h"
#include "stress/stress_verify.h"

namespace spirapi::stress {
namespace {

constexpr char kPassphrase[] = "spirapi-stress passphrase";

std::string LogPath(const Args& a) { return a.dir + "/expected.log"; }

// Loads the oracle and opens it for appending (writing its header if new).
// The oracle is always on the real file system: it is the outside world's
// record of what was acknowledged, which a power loss does not touch.
Status OpenOracle(const Args& a, ExpectedState* state, ExpectedLog* log) {
  Status s = state->Load(LogPath(a), a.keys);
  if (!s.ok()) return s;
  if (!state->has_header() && std::filesystem::exists(StressDbPath(a) + "/MANIFEST")) {
    return Status::InvalidArgument(StressDbPath(a) + " exists but " + LogPath(a) +
                                   " does not: the oracle is lost, start in a new --dir");
  }
  s = log->Open(LogPath(a), state->valid_end());
  if (s.ok() && !state->has_header()) s = log->AppendHeader(a.keys);
  return s;
}

}  // namespace

std::string StressDbPath(const Args& a) { return a.dir + "/db"; }

Options StressDbOptions(const Args& a, FileSystem* fs, bool background) {
  Options o;
  o.compression_level = 1;
  o.max_file_size_mb = 1;
  o.compaction_garbage_ratio = 0.3;
  o.max_versions_kept = 2;
  o.background_work = background;
  o.file_system = fs;
  if (a.encrypt) {
    o.encryption_enabled = true;
    o.passphrase = kPassphrase;
  }
  return o;
}

Status VerifyOnce(const Args& a, FileSystem* fs, bool power_loss, Totals* totals) {
  ExpectedState state;
  ExpectedLog log;
  std::unique_ptr<DB> db;
  Status s = OpenOracle(a, &state, &log);
  if (!s.ok()) return s;
  // After any crash the database must open.
  s = DB::Open(StressDbOptions(a, fs, /*background=*/false), StressDbPath(a), &db);
  if (!s.ok()) return Status::Corruption("opening the database: " + s.ToString());
  VerifyOptions options;
  options.power_loss = power_loss;
  VerifyResult r;
  s = VerifyAgainstOracle(db.get(), &state, &log, options, &r);
  if (!s.ok()) return s;
  totals->keys_verified += r.keys_verified;
  totals->in_flight_applied += r.in_flight_applied;
  totals->in_flight_not_applied += r.in_flight_not_applied;
  totals->unsynced_lost += r.unsynced_lost;
  totals->acked_lost += r.acked_lost;
  totals->verify_records += r.records_checked;
  totals->acked = state.acked();
  if (!r.failure.empty()) return Status::Corruption(r.failure);
  return Status::OK();
}

Status RunSession(const Args& a, FileSystem* fs, const std::atomic<bool>& stop,
                  const WorkloadOptions& workload, WorkloadStats* stats, DbStats* db_stats) {
  ExpectedState state;
  ExpectedLog log;
  std::unique_ptr<DB> db;
  Status s = OpenOracle(a, &state, &log);
  if (s.ok()) s = DB::Open(StressDbOptions(a, fs, /*background=*/true), StressDbPath(a), &db);
  if (!s.ok()) return s;
  if (!state.pending().empty()) {
    VerifyOptions options;
    options.power_loss = true;
    options.run_db_verify = false;
    VerifyResult r;
    s = VerifyAgainstOracle(db.get(), &state, &log, options, &r);
    if (!s.ok()) return s;
    if (!r.failure.empty()) return Status::Corruption(r.failure);
  }
  const uint64_t session = state.sessions() + 1;
  s = log.AppendSession(session);
  if (!s.ok()) return s;
  WorkloadOptions w = workload;
  w.threads = a.threads;
  w.seed = a.seed;
  s = RunWorkload(db.get(), &state, &log, session, w, stop, stats);
  if (s.ok() && db_stats != nullptr) s = db->GetStats(db_stats);
  return s;
}

std::string Summary(const char* mode, const Totals& t) {
  char buf[512];
  std::snprintf(buf, sizeof(buf),
                "%s: %" PRIu64 " cycles, %" PRIu64 " commits acknowledged, %" PRIu64
                " keys verified, in flight at a crash %" PRIu64 " applied / %" PRIu64
                " not, DB::Verify %" PRIu64 " records, acknowledged commits lost: %" PRIu64,
                mode, t.cycles, t.acked, t.keys_verified, t.in_flight_applied,
                t.in_flight_not_applied, t.verify_records, t.acked_lost);
  std::string out = buf;
  if (t.unsynced_lost > 0) {
    out += " (and " + std::to_string(t.unsynced_lost) +
           " acknowledged unsynced commits lost to power loss, as allowed)";
  }
  return out;
}

int Fail(const std::string& what, const Totals& t, const Args& a) {
  std::fprintf(stderr, "spirapi_stress: FAILED: %s\n", what.c_str());
  std::printf("spirapi_stress: %s; seed %" PRIu64 ", dir %s kept\n",
              Summary("FAILED", t).c_str(), a.seed, a.dir.c_str());
  return 1;
}

}  // namespace spirapi::stress
