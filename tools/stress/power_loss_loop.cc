#include "stress/power_loss_loop.h"

#include <array>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <thread>

#include "support/fault_injection_fs.h"

namespace spirapi::stress {
namespace {

using test::FaultInjectionFileSystem;
using TornWrite = FaultInjectionFileSystem::TornWrite;

constexpr std::array<TornWrite, 4> kTornModes = {TornWrite::kNone, TornWrite::kTorn512,
                                                 TornWrite::kTorn4096, TornWrite::kGarbageTail};
// Mutations a recovery may make before the second power cut: open writes a
// few files (MANIFEST, a new journal, truncations), so this reaches all of it.
constexpr int kMaxRecoveryMutations = 40;

// Cuts the power: from now on nothing reaches the disk. The flag goes first,
// so that a writer whose commit fails already knows why.
void CutPower(FaultInjectionFileSystem* fs, std::atomic<bool>* power_lost) {
  power_lost->store(true);
  fs->SetDeactivated(true);
}

// Rewrites the files into a state the power failure may leave, and restores
// power.
Status AfterPowerLoss(FaultInjectionFileSystem* fs, TornWrite mode, uint64_t seed) {
  fs->SetDeactivated(true);  // nothing may be open for writing now anyway
  fs->DeactivateAfterMutations(-1);
  Status s = fs->SimulatePowerLoss(mode, seed);
  fs->SetDeactivated(false);
  return s;
}

}  // namespace

int RunPowerLossLoop(const Args& a) {
  Totals t;
  std::mt19937_64 rng(a.seed);
  FaultInjectionFileSystem fs;
  // What survives is decided by the model, not by the disk, so real fsyncs
  // are skipped; but each sync takes as long as this machine's fdatasync of
  // a small append (0.3-0.45 ms), so that cuts land inside syncs as often as
  // they would on the real disk.
  fs.SetRealSync(false);
  fs.SetSyncDelay(std::chrono::microseconds(350));
  std::array<uint64_t, kTornModes.size()> mode_counts{};
  uint64_t recovery_cuts = 0;

  for (int cycle = 1; cycle <= a.power_loss_loop; ++cycle) {
    std::atomic<bool> stop{false};
    std::atomic<bool> power_lost{false};
    std::atomic<bool> session_over{false};
    // As in the kill loop: mostly while transactions flow, sometimes during
    // open.
    const int delay_ms = rng() % 8 == 0
                             ? static_cast<int>(rng() % 20)
                             : 20 + static_cast<int>(rng() % std::max(1, a.max_kill_delay_ms - 19));
    std::thread cutter([&] {
      const auto at = std::chrono::steady_clock::now() + std::chrono::milliseconds(delay_ms);
      while (!session_over.load() && std::chrono::steady_clock::now() < at) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      if (!session_over.load()) CutPower(&fs, &power_lost);
      stop = true;
    });
    WorkloadOptions workload = a.workload;
    workload.power_lost = &power_lost;
    WorkloadStats stats;
    // Returns after the database is closed (through the dead file system).
    Status s = RunSession(a, &fs, stop, workload, &stats);
    session_over = true;
    cutter.join();
    const std::string where = "cycle " + std::to_string(cycle) + " (power cut after " +
                              std::to_string(delay_ms) + " ms)";
    if (!power_lost.load()) {
      return Fail(where + ": the session ended before the power cut: " + s.ToString(), t, a);
    }
    // Failed writes are the point; a wrong read (Corruption) is a finding.
    if (s.IsCorruption()) return Fail(where + ": session: " + s.ToString(), t, a);

    const size_t mode = rng() % kTornModes.size();
    ++mode_counts[mode];
    s = AfterPowerLoss(&fs, kTornModes[mode], rng());
    if (!s.ok()) return Fail(where + ": simulating the power loss: " + s.ToString(), t, a);

    bool recovery_cut = false;
    if (rng() % 4 == 0) {
      // The power fails again while recovery runs.
      recovery_cut = true;
      ++recovery_cuts;
      fs.DeactivateAfterMutations(static_cast<int64_t>(rng() % kMaxRecoveryMutations));
      {
        // It fails if the cut comes before it is done; either way the
        // verification's open recovers from what the disk holds after.
        std::unique_ptr<DB> db;
        Status open = DB::Open(StressDbOptions(a, &fs, /*background=*/false), StressDbPath(a), &db);
        (void)open;
      }
      s = AfterPowerLoss(&fs, kTornModes[rng() % kTornModes.size()], rng());
      if (!s.ok()) return Fail(where + ": simulating the second power loss: " + s.ToString(), t, a);
    }

    t.cycles = static_cast<uint64_t>(cycle);
    s = VerifyOnce(a, &fs, /*power_loss=*/true, &t);
    if (!s.ok()) {
      return Fail(where + ", torn mode " + FaultInjectionFileSystem::TornWriteName(kTornModes[mode]) +
                      (recovery_cut ? ", power cut again during recovery" : "") + ": " +
                      s.ToString(),
                  t, a);
    }
    if (a.verbose) {
      std::fprintf(stderr,
                   "cycle %d: power cut after %d ms (%s%s); %" PRIu64
                   " commits acknowledged, %" PRIu64 " unsynced lost so far\n",
                   cycle, delay_ms, FaultInjectionFileSystem::TornWriteName(kTornModes[mode]),
                   recovery_cut ? ", again in recovery" : "", t.acked, t.unsynced_lost);
    }
  }
  std::string modes;
  for (size_t m = 0; m < kTornModes.size(); ++m) {
    modes += (m == 0 ? "" : ", ") + std::string(FaultInjectionFileSystem::TornWriteName(kTornModes[m])) +
             " " + std::to_string(mode_counts[m]);
  }
  std::printf("spirapi_stress: %s; power cut again during recovery in %" PRIu64
              " cycles; torn modes: %s; seed %" PRIu64 "\n",
              Summary("ok", t).c_str(), recovery_cuts, modes.c_str(), a.seed);
  return 0;
}

}  // namespace spirapi::stress
