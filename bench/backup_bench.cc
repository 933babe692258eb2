// backup_bench: SpiraPi's backups beside SQLite's online backup API and
// RocksDB's BackupEngine, on the same π-sequence JSON records
// (bench/pi_records.h), one engine after the other in one run:
//
//  1. a full backup of the loaded, compacted database: time and bytes;
//  2. an incremental backup after 1% of the records were rewritten with new
//     data and flushed (SQLite's backup API always copies everything);
//  3. a restore of that newest backup, checked: record count and the data of
//     a sample of rewritten and untouched ids (the program fails otherwise);
//  4. the cost of continuous archiving (Options::archive_journals) on
//     SpiraPi's commit throughput, single writer, sync on and off.
//
// The page cache is not dropped (that needs root): the report gives the
// fraction of each database's bytes that were cached before its backup.
//
//   backup_bench                    about 1 GB of records (1,200,000)
//   backup_bench --records N        another size
//   backup_bench --quick            CI smoke run, about 15 seconds
// Progress goes to stderr, the Markdown report to stdout.

#include <cinttypes>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "backup_bench_engines.h"
#include "bench_util.h"
#include "pi_records.h"

namespace spirapi_backup_bench {
namespace {

using spirapi_bench::FormatBytes;
using spirapi_bench::FormatCount;
using spirapi_bench::FormatFixed;
using spirapi_bench::Log;
using spirapi_bench::Stopwatch;

constexpr uint64_t kSeed = 314159265358979ULL;
constexpr char kDirMarker[] = ".backup_bench_dir";
constexpr size_t kExpectedSample = 200;  // ids of each kind checked after a restore

struct Config {
  bool quick = false;
  uint64_t records = 1'200'000;
  double rewrite_percent = 1.0;
  uint64_t sync_commits = 10'000;     // archiving phase, sync=true
  uint64_t nosync_commits = 200'000;  // archiving phase, sync=false
  int rounds = 3;
  int file_mib = 4;           // max_file_size_mb of the archiving phase
  bool archive_only = false;  // skip the backups and restores
  std::string dir = "./backup-bench-data";
  std::string command_line;
};

[[noreturn]] void Usage(const std::string& error) {
  if (!error.empty()) std::fprintf(stderr, "backup_bench: %s\n\n", error.c_str());
  std::fprintf(
      stderr,
      "usage: backup_bench [options]\n"
      "  --quick              CI smoke run (~15 s): 20,000 records, small commit counts, 1 round\n"
      "  --records N          records loaded in each engine (default 1,200,000: ~1 GB)\n"
      "  --sync-commits N     archiving phase, durable commits per run (10,000)\n"
      "  --nosync-commits N   archiving phase, unsynced commits per run (200,000)\n"
      "  --rounds N           archiving phase, runs of each kind, median (3)\n"
      "  --archive-only       only the archiving phase\n"
      "  --dir PATH           scratch directory, emptied first and removed at the end\n");
  std::exit(error.empty() ? 0 : 1);
}

uint64_t ParseCount(const char* text) {
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (end == text || *end != '\0' || value == 0) Usage(std::string("bad number: ") + text);
  return value;
}

Config ParseArgs(int argc, char** argv) {
  Config config;
  for (int i = 0; i < argc; ++i) config.command_line += (i ? " " : "") + std::string(argv[i]);
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) Usage(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--quick") {
      config.quick = true;
      config.records = 20'000;
      config.sync_commits = 1'000;
      config.nosync_commits = 20'000;
      config.rounds = 1;
    } else if (arg == "--records") {
      config.records = ParseCount(value());
    } else if (arg == "--sync-commits") {
      config.sync_commits = ParseCount(value());
    } else if (arg == "--nosync-commits") {
      config.nosync_commits = ParseCount(value());
    } else if (arg == "--rounds") {
      config.rounds = static_cast<int>(ParseCount(value()));
    } else if (arg == "--archive-only") {
      config.archive_only = true;
    } else if (arg == "--dir") {
      config.dir = value();
    } else if (arg == "--help" || arg == "-h") {
      Usage("");
    } else {
      Usage("unknown option " + arg);
    }
  }
  config.sync_commits = std::min(config.sync_commits, config.records);
  config.nosync_commits = std::min(config.nosync_commits, config.records);
  return config;
}

// ---------------------------------------------------------------------------
// Phases 1-3: full backup, incremental backup, restore.

struct EngineFigures {
  std::string name;
  double load_s = 0;
  uint64_t db_bytes = 0;
  double cached = 0;  // fraction of the database in the page cache before the full backup
  double full_s = 0;
  uint64_t full_bytes = 0;
  double incr_cached = 0;
  double incr_s = 0;
  uint64_t incr_bytes = 0;  // bytes the incremental backup added to the backup storage
  double restore_s = 0;
  uint64_t restored_bytes = 0;
  std::string full_note, incr_note;
};

// Backups go to one directory that keeps every backup (SpiraPi, RocksDB)
// or to one new file each (SQLite).
std::string BackupDest(const Engine& engine, const std::string& dir, int k) {
  if (std::string(engine.Name()) == "SQLite")
    return dir + "/backup-" + std::to_string(k) + ".sqlite";
  return dir + "/backups";
}

EngineFigures RunEngine(Engine* engine, const std::string& dir, const RecordSet& records,
                        const std::vector<size_t>& rewrite, const RecordSet& fresh,
                        const Expected& expected) {
  EngineFigures f;
  f.name = engine->Name();
  Log("%s: loading %zu records", engine->Name(), records.size());
  std::filesystem::create_directories(dir);
  Stopwatch load;
  engine->Load(dir + "/db", records);
  f.load_s = load.Seconds();
  f.db_bytes = engine->DatabaseBytes();

  Log("%s: full backup of %s", engine->Name(),
      FormatBytes(static_cast<double>(f.db_bytes)).c_str());
  const std::string full_dest = BackupDest(*engine, dir, 1);
  f.cached = CachedFraction(engine->DatabasePath());
  Stopwatch full;
  engine->Backup(full_dest);
  f.full_s = full.Seconds();
  f.full_bytes = DirBytes(full_dest);
  f.full_note = engine->note;

  Log("%s: rewriting %zu records, then an incremental backup", engine->Name(), rewrite.size());
  engine->Rewrite(records, rewrite, fresh);
  const std::string incr_dest = BackupDest(*engine, dir, 2);
  const uint64_t before = incr_dest == full_dest ? DirBytes(incr_dest) : 0;
  f.incr_cached = CachedFraction(engine->DatabasePath());
  Stopwatch incr;
  engine->Backup(incr_dest);
  f.incr_s = incr.Seconds();
  f.incr_bytes = DirBytes(incr_dest) - before;
  f.incr_note = engine->note;
  engine->Close();

  Log("%s: restoring the newest backup", engine->Name());
  const std::string target = dir + "/restored";
  Stopwatch restore;
  engine->Restore(incr_dest, target);
  f.restore_s = restore.Seconds();
  f.restored_bytes = DirBytes(target);
  engine->Check(target, records.size(), expected);
  Log("%s: restore checked (%zu records, %zu ids' data)", engine->Name(), records.size(),
      expected.size());
  spirapi_bench::RemoveBenchDir(dir);
  return f;
}

// ---------------------------------------------------------------------------
// Phase 4: commit throughput with and without the journal archive.

struct CommitRun {
  double rate = 0;        // commits/s
  uint64_t archived = 0;  // journals archived while committing and at the final flush
};

spirapi::Options CommitOptions(const Config& config) {
  spirapi::Options options;
  options.max_file_size_mb = config.file_mib;
  options.background_work = true;
  return options;
}

// One run: a new database (and, with `archive`, a repository holding a
// backup of it taken before the clock starts, so that no automatic backup
// runs meanwhile), then `n` single-record commits on one thread.
CommitRun TimeCommits(const Config& config, const RecordSet& records, uint64_t n, bool sync,
                      bool archive, bool check) {
  const std::string dir = config.dir + "/commits";
  const std::string db_path = dir + "/db", repo = dir + "/repo";
  std::filesystem::create_directories(dir);
  {
    std::unique_ptr<spirapi::DB> db;
    CheckSpirapi(spirapi::DB::Open(CommitOptions(config), db_path, &db), "Open");
  }
  spirapi::Options options = CommitOptions(config);
  if (archive) {
    spirapi::BackupInfo info;
    CheckSpirapi(spirapi::BackupDatabase(db_path, repo, spirapi::BackupOptions(), &info),
                 "BackupDatabase");
    options.backup_repository = repo;
    options.archive_journals = true;
  }
  std::unique_ptr<spirapi::DB> db;
  CheckSpirapi(spirapi::DB::Open(options, db_path, &db), "Open");
  spirapi::WriteOptions wo;
  wo.sync = sync;
  Stopwatch clock;
  for (uint64_t i = 0; i < n; ++i) {
    CheckSpirapi(db->Put(wo, kComponent, records[i].id, records[i].data), "Put");
  }
  CommitRun run;
  run.rate = static_cast<double>(n) / clock.Seconds();
  CheckSpirapi(db->Flush(), "Flush");  // seals (and archives) the last journal
  spirapi::DbStats stats;
  CheckSpirapi(db->GetStats(&stats), "GetStats");
  run.archived = stats.journals_archived;
  db.reset();
  if (archive && !stats.archive_error.empty()) Fatal("journal archive: " + stats.archive_error);
  if (check) {
    // The backup was taken of the empty database: every record must come
    // back from the archived journals, commits 1 to n. (A time after the
    // last commit is refused: the repository cannot tell whether the active
    // journal, never archived, held more commits before it.)
    spirapi::RestoreOptions ro;
    ro.to_commit = n;
    spirapi::RestoreInfo info;
    CheckSpirapi(spirapi::RestoreBackup(repo, dir + "/restored", ro, &info),
                 "RestoreBackup from the journal archive");
    Expected expected = {{records[0].id, records[0].data},
                         {records[n - 1].id, records[n - 1].data}};
    SpiraPiEngine().Check(dir + "/restored", n, expected);
    Log("archive: restore to commit n replayed %" PRIu64 " journals, %" PRIu64 " records checked",
        info.journals_replayed, n);
  }
  spirapi_bench::RemoveBenchDir(dir);
  return run;
}

struct ArchiveFigures {
  bool sync = false;
  uint64_t commits = 0;
  double off = 0, on = 0;
  uint64_t archived = 0;
};

ArchiveFigures MeasureArchiving(const Config& config, const RecordSet& records, bool sync) {
  ArchiveFigures f;
  f.sync = sync;
  f.commits = sync ? config.sync_commits : config.nosync_commits;
  std::vector<double> off, on;
  for (int round = 0; round < config.rounds; ++round) {
    // Alternate which goes first, so that drift on the shared disk evens out.
    for (int k = 0; k < 2; ++k) {
      const bool archive = (k == 0) == (round % 2 == 1);
      CommitRun run = TimeCommits(config, records, f.commits, sync, archive, archive && round == 0);
      Log("commits sync=%s archive=%s: %.0f/s (%" PRIu64 " journals archived)",
          sync ? "true" : "false", archive ? "on" : "off", run.rate, run.archived);
      (archive ? on : off).push_back(run.rate);
      if (archive) f.archived = run.archived;
    }
  }
  f.off = spirapi_bench::Median(off);
  f.on = spirapi_bench::Median(on);
  return f;
}

// ---------------------------------------------------------------------------
// The report.

// The bytes every engine is given: ids and data (not the generator's metadata).
uint64_t StoredBytes(const RecordSet& records) {
  uint64_t bytes = 0;
  for (size_t i = 0; i < records.size(); ++i)
    bytes += records[i].id.size() + records[i].data.size();
  return bytes;
}

std::string Seconds(double s) { return FormatFixed(s, s < 10 ? 2 : 1) + " s"; }

std::string Rate(uint64_t bytes, double s) {
  return FormatFixed(static_cast<double>(bytes) / s / 1e6, 0) + " MB/s";
}

void PrintBackupTable(const std::vector<EngineFigures>& engines);
void PrintArchiveTable(const Config& config, const std::vector<ArchiveFigures>& archiving);

void PrintReport(const Config& config, const RecordSet& records, size_t rewritten,
                 const std::vector<EngineFigures>& engines,
                 const std::vector<ArchiveFigures>& archiving, const std::string& date,
                 const std::vector<spirapi_bench::SyncProbe>& probes) {
  std::printf("## Backups and restores: SpiraPi beside SQLite and RocksDB (%s)\n\n", date.c_str());
  std::printf("- command: `%s`\n", config.command_line.c_str());
  std::printf("- machine: %s, %ld cores, %s; %s\n", spirapi_bench::CpuModel().c_str(),
              sysconf(_SC_NPROCESSORS_ONLN), spirapi_bench::FileSystemType(config.dir).c_str(),
              spirapi_bench::KernelVersion().c_str());
  std::printf(
      "- disk: a 1 KiB append + fdatasync took %s (p50; p99 %s) at the start and %s "
      "(p99 %s) at the end\n",
      spirapi_bench::FormatLatency(probes[0].p50_ns).c_str(),
      spirapi_bench::FormatLatency(probes[0].p99_ns).c_str(),
      spirapi_bench::FormatLatency(probes[1].p50_ns).c_str(),
      spirapi_bench::FormatLatency(probes[1].p99_ns).c_str());
  std::printf("- versions: SQLite %s, RocksDB %d.%d.%d\n", sqlite3_libversion(), ROCKSDB_MAJOR,
              ROCKSDB_MINOR, ROCKSDB_PATCH);
  std::printf(
      "- data: %s records of π-sequence JSON, %s of ids and data; %s (%.1f%%) "
      "rewritten with new data before the incremental backup\n",
      FormatCount(static_cast<double>(records.size())).c_str(),
      FormatBytes(static_cast<double>(StoredBytes(records))).c_str(),
      FormatCount(static_cast<double>(rewritten)).c_str(), config.rewrite_percent);
  std::printf(
      "- each database loaded in transactions of %zu, then compacted (SpiraPi Compact; "
      "RocksDB zstd, Flush + CompactRange; SQLite WAL checkpointed); backups taken with "
      "the database open; every backup syncs its files\n",
      kBatch);
  if (!engines.empty()) PrintBackupTable(engines);
  PrintArchiveTable(config, archiving);
}

void PrintBackupTable(const std::vector<EngineFigures>& engines) {
  std::printf(
      "- page cache: not dropped (warm). Fraction of each database's bytes cached "
      "before its full / incremental backup: ");
  for (size_t i = 0; i < engines.size(); ++i) {
    std::printf("%s%s %.0f%% / %.0f%%", i ? ", " : "", engines[i].name.c_str(),
                engines[i].cached * 100, engines[i].incr_cached * 100);
  }
  std::printf("; restores read backups just written\n\n");

  std::printf("| |");
  for (const EngineFigures& e : engines) std::printf(" %s |", e.name.c_str());
  std::printf("\n|---|");
  for (size_t i = 0; i < engines.size(); ++i) std::printf("---:|");
  std::printf("\n");
  auto row = [&](const char* label, auto cell) {
    std::printf("| %s |", label);
    for (const EngineFigures& e : engines) std::printf(" %s |", cell(e).c_str());
    std::printf("\n");
  };
  auto bytes = [](uint64_t b) { return FormatBytes(static_cast<double>(b)); };
  row("load + compaction", [](const EngineFigures& e) { return Seconds(e.load_s); });
  row("database on disk", [&](const EngineFigures& e) { return bytes(e.db_bytes); });
  row("full backup: time", [](const EngineFigures& e) {
    return Seconds(e.full_s) + " (" + Rate(e.db_bytes, e.full_s) + ")";
  });
  row("full backup: bytes written", [&](const EngineFigures& e) { return bytes(e.full_bytes); });
  row("incremental (1% rewritten): time", [](const EngineFigures& e) { return Seconds(e.incr_s); });
  row("incremental: bytes added", [&](const EngineFigures& e) { return bytes(e.incr_bytes); });
  row("restore of the newest backup: time", [](const EngineFigures& e) {
    return Seconds(e.restore_s) + " (" + Rate(e.restored_bytes, e.restore_s) + ")";
  });
  row("restored database", [&](const EngineFigures& e) { return bytes(e.restored_bytes); });
  std::printf("\n");
  for (const EngineFigures& e : engines) {
    if (!e.full_note.empty()) {
      std::printf("%s: full %s; incremental %s.\n", e.name.c_str(), e.full_note.c_str(),
                  e.incr_note.c_str());
    }
  }
  std::printf(
      "Every restore was checked: record count, and the data of %zu rewritten and %zu "
      "untouched ids.\n\n",
      kExpectedSample, kExpectedSample);
}

void PrintArchiveTable(const Config& config, const std::vector<ArchiveFigures>& archiving) {
  std::printf("\n### Continuous archiving: SpiraPi commit throughput, one writer\n\n");
  std::printf(
      "One record (~1 KB) per commit, max_file_size_mb=%d (a journal seals every ~4,000 "
      "records), background work on; archive on = backup_repository + archive_journals, "
      "the repository holding a backup taken before the clock starts. Median of %d "
      "alternating runs, a new database each.\n\n",
      config.file_mib, config.rounds);
  std::printf(
      "| commits | archive off, commits/s | archive on, commits/s | on ÷ off | journals "
      "archived |\n|---|---:|---:|---:|---:|\n");
  for (const ArchiveFigures& a : archiving) {
    std::printf("| %s, sync=%s | %s | %s | %s | %" PRIu64 " |\n",
                FormatCount(static_cast<double>(a.commits)).c_str(), a.sync ? "true" : "false",
                FormatCount(a.off).c_str(), FormatCount(a.on).c_str(),
                FormatFixed(a.on / a.off, 3).c_str(), a.archived);
  }
  std::printf("\n");
}

int Main(int argc, char** argv) {
  const Config config = ParseArgs(argc, argv);
  const std::string date = spirapi_bench::UtcDateTime();
  spirapi_bench::PrepareBenchDir(config.dir, kDirMarker);

  Log("generating %" PRIu64 " records", config.records);
  RecordSet records, fresh;
  std::vector<size_t> rewrite;
  {
    std::unordered_set<uint64_t> used_ids;
    spirapi_bench::PiRecordGenerator generator(kSeed, &used_ids, kBatch);
    records.Reserve(config.records, config.records * 900);
    for (uint64_t i = 0; i < config.records; ++i) generator.Generate(i, &records);
    // 1% of the records, spread at random, each rewritten with new data.
    const size_t n = std::max<size_t>(
        1, static_cast<size_t>(static_cast<double>(records.size()) * config.rewrite_percent / 100));
    spirapi_bench::Rng rng(kSeed + 1);
    std::unordered_set<size_t> chosen;
    while (chosen.size() < n) chosen.insert(rng.Uniform(records.size()));
    rewrite.assign(chosen.begin(), chosen.end());
    std::sort(rewrite.begin(), rewrite.end());
    spirapi_bench::PiRecordGenerator fresh_generator(kSeed + 2, &used_ids, kBatch);
    for (size_t i = 0; i < n; ++i) fresh_generator.Generate(i, &fresh);
  }
  // What every restore must hold: rewritten ids with their new data, and
  // untouched ids with their first.
  Expected expected;
  for (size_t i = 0; i < std::min(kExpectedSample, rewrite.size()); ++i) {
    expected.emplace_back(records[rewrite[i]].id, fresh[i].data);
  }
  for (size_t i = 0, found = 0; i < records.size() && found < kExpectedSample; ++i) {
    if (!std::binary_search(rewrite.begin(), rewrite.end(), i)) {
      expected.emplace_back(records[i].id, records[i].data);
      ++found;
    }
  }

  const spirapi_bench::SyncProbe probe_start = spirapi_bench::ProbeSyncLatency(config.dir, 200);
  std::vector<EngineFigures> engines;
  {
    SpiraPiEngine spirapi_engine;
    SqliteEngine sqlite_engine;
    RocksEngine rocks_engine;
    for (Engine* engine : std::vector<Engine*>{&spirapi_engine, &sqlite_engine, &rocks_engine}) {
      if (config.archive_only) break;
      engines.push_back(
          RunEngine(engine, config.dir + "/" + engine->Name(), records, rewrite, fresh, expected));
    }
  }
  std::vector<ArchiveFigures> archiving;
  for (bool sync : {true, false}) archiving.push_back(MeasureArchiving(config, records, sync));

  const spirapi_bench::SyncProbe probe_end = spirapi_bench::ProbeSyncLatency(config.dir, 200);
  PrintReport(config, records, rewrite.size(), engines, archiving, date, {probe_start, probe_end});
  spirapi_bench::RemoveBenchDir(config.dir);
  return 0;
}

}  // namespace
}  // namespace spirapi_backup_bench

int main(int argc, char** argv) { return spirapi_backup_bench::Main(argc, argv); }
