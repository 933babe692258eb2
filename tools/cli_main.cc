// spirapi: the command-line tool of SpiraPi. One subcommand per operation;
// see docs/CLI.md for the user guide. Uses only the public API, and the
// library's base64 helper for the blobs in dump and load lines. main() is in
// tools/spirapi.cc; this file is the whole tool behind RunCommandLine
// (cli_main.h), so that fuzz/cli_args_fuzzer.cc can run it in-process.
//
// Conventions: records go to stdout as JSON (one object per line for
// multi-record output), every error is one "spirapi: ..." line on stderr, and
// the exit code classifies the failure (see ExitCode in cli_util.h).

#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cli_main.h"

#include "CLI/CLI.hpp"
#include "cli_backup.h"
#include "cli_health.h"
#include "cli_serve.h"
#include "cli_cache.h"
#include "cli_index.h"
#include "cli_input.h"
#include "cli_parse_error.h"
#include "cli_load.h"
#include "cli_load_command.h"
#include "cli_maintenance.h"
#include "cli_pi.h"
#include "cli_query.h"
#include "cli_metrics.h"
#include "cli_plot_metric.h"
#include "cli_query_log.h"
#include "cli_schema.h"
#include "cli_shell.h"
#include "cli_util.h"
#include "spirapi/db.h"
#include "spirapi/index.h"
#include "spirapi/repair.h"
#include "spirapi/options.h"
#include "spirapi/record.h"
#include "spirapi/status.h"
#include "spirapi/version.h"

namespace spirapi::cli {
namespace {

constexpr char kPassphraseEnv[] = "SPIRAPI_PASSPHRASE";

constexpr char kPassphraseHelp[] =
    "The passphrase of an encrypted database is read from the environment\n"
    "variable SPIRAPI_PASSPHRASE or from the first line of --passphrase-file,\n"
    "never from the command line.";

// The first line of --passphrase-file is the passphrase; no passphrase is
// longer than this.
constexpr size_t kMaxPassphraseBytes = 4096;

// put reads its JSON from stdin up to the size Put accepts before compacting
// it (data and metadata of 2 * kMaxValueBytes), so endless input stops.
constexpr size_t kMaxPutStdinBytes = 2 * kMaxValueBytes;

constexpr char kExitCodeHelp[] =
    "Exit codes: 0 ok, 1 not found, 2 bad usage or input, 3 corruption,\n"
    "4 other error (I/O, database busy); health: 5 warnings, 6 critical.";

// Everything the command line can set. The *_given flags tell "not given"
// apart from a value, because e.g. init must store only explicit settings.
struct Args {
  std::string db_path;
  std::string component;
  std::string id;
  std::string passphrase_file;
  bool passphrase_file_given = false;

  // init
  std::string compression_codec;  // empty: not given
  int compression_level = 0;
  bool compression_level_given = false;
  int max_file_size_mb = 0;
  bool max_file_size_given = false;
  int block_size_kib = 0;
  bool block_size_given = false;
  bool encrypt = false;

  // put
  std::string json;
  bool json_given = false;
  std::string metadata = "{}";
  std::string blob_file;
  bool blob_file_given = false;

  // repair
  std::string repair_output;

  // optimize
  std::string goal;
  bool then_compact = false;

  // get
  uint64_t version = 0;
  bool version_given = false;

  // scan
  ScanOptions scan;

  // load
  std::string load_file;
  uint64_t batch = kDefaultLoadBatch;

  // stats
  bool stats_json = false;

  // verify
  bool verify_record = false;
};

// ---------------------------------------------------------------------------
// Opening the database

// Sets *passphrase from --passphrase-file, else from $SPIRAPI_PASSPHRASE, else
// leaves it empty. Returns an exit code (kExitOk on success).
int ResolvePassphrase(const Args& args, std::string* passphrase) {
  passphrase->clear();
  if (args.passphrase_file_given) {
    std::FILE* f = nullptr;
    if (OpenInputFile(args.passphrase_file, "passphrase file", &f) != kExitOk) return kExitUsage;
    LineReader reader(f, kMaxPassphraseBytes);
    const LineReader::Result r = reader.Next(passphrase);
    std::fclose(f);
    if (r == LineReader::Result::kError) {
      return Fail(kExitIoError, "cannot read passphrase file '" + args.passphrase_file + "'");
    }
    if (r == LineReader::Result::kTooLong) {
      return Fail(kExitUsage, "passphrase file '" + args.passphrase_file +
                                  "' has a first line longer than " +
                                  std::to_string(kMaxPassphraseBytes) + " bytes");
    }
    if (!passphrase->empty() && passphrase->back() == '\r') passphrase->pop_back();
    if (passphrase->empty()) {
      return Fail(kExitUsage, "passphrase file '" + args.passphrase_file +
                                  "' has an empty first line");
    }
    return kExitOk;
  }
  const char* env = std::getenv(kPassphraseEnv);
  if (env != nullptr) *passphrase = env;
  return kExitOk;
}

// Opens an existing database (never creates one). Returns an exit code.
int OpenExisting(const Args& args, DbAccess access, std::unique_ptr<DB>* db) {
  std::error_code ec;
  const std::filesystem::file_status st = std::filesystem::status(args.db_path, ec);
  if (!std::filesystem::exists(st)) {
    return Fail(kExitUsage, "'" + args.db_path +
                                "' does not exist (create a database with 'spirapi init')");
  }
  if (!std::filesystem::is_directory(st)) {
    return Fail(kExitUsage, "'" + args.db_path + "' is not a database directory");
  }

  Options options;
  options.create_if_missing = false;
  std::string passphrase;
  if (int rc = ResolvePassphrase(args, &passphrase); rc != kExitOk) return rc;
  // Whether the database is encrypted is stored in it; a passphrase given for
  // a plain database is refused by Open, which is the user's mistake to see.
  const bool have_passphrase = !passphrase.empty();
  if (have_passphrase) {
    options.encryption_enabled = true;
    options.passphrase = std::move(passphrase);
  }
  options.read_only = access == DbAccess::kReadOnly;
  // A command reads too little to gain from warming the cache (docs/CACHE.md).
  options.warm_cache_on_open = false;
  // Nor does it store metrics samples: a command slower than a second would
  // add a METADATA record at close (docs/MONITORING.md).
  options.metrics_interval_seconds = 0;
  Status s = DB::Open(options, args.db_path, db);
  if (access == DbAccess::kReadWriteIfFree && (s.IsBusy() || s.IsIOError())) {
    // Held by another process, or not writable here: read it as it is.
    options.read_only = true;
    s = DB::Open(options, args.db_path, db);
  }
  if (!s.ok()) {
    // NotFound here means "no database in this directory": bad input.
    const int code = s.IsNotFound() ? kExitUsage : ExitCodeFor(s);
    std::string message = "cannot open '" + args.db_path + "': " + s.message();
    if (s.IsInvalidArgument() && !have_passphrase &&
        s.message().find("passphrase") != std::string::npos) {
      message += std::string(" (set ") + kPassphraseEnv + " or use --passphrase-file)";
    }
    return Fail(code, message);
  }
  return kExitOk;
}

int ParseComponentArg(const std::string& name, Component* c) {
  Status s = ParseComponent(name, c);
  if (!s.ok()) return Fail(kExitUsage, s.message());
  return kExitOk;
}

// ---------------------------------------------------------------------------
// Commands. Each returns the process exit code and has already printed the
// one error line when that code is not kExitOk.

int RunInit(const Args& args) {
  std::error_code ec;
  if (std::filesystem::exists(args.db_path, ec) &&
      !std::filesystem::is_directory(args.db_path, ec)) {
    return Fail(kExitUsage, "'" + args.db_path + "' exists and is not a directory");
  }
  Options options;
  options.create_if_missing = true;
  options.error_if_exists = true;
  if (!args.compression_codec.empty()) {
    spirapi::CompressionCodec codec;
    spirapi::ParseCompressionCodec(args.compression_codec, &codec);  // checked by the parser
    options.compression_codec = codec;
  }
  if (args.compression_level_given) options.compression_level = args.compression_level;
  if (args.max_file_size_given) options.max_file_size_mb = args.max_file_size_mb;
  if (args.block_size_given) options.block_size_kib = args.block_size_kib;
  if (args.encrypt) {
    std::string passphrase;
    if (int rc = ResolvePassphrase(args, &passphrase); rc != kExitOk) return rc;
    if (passphrase.empty()) {
      return Fail(kExitUsage, std::string("--encrypt needs a passphrase: set ") + kPassphraseEnv +
                                  " or use --passphrase-file");
    }
    options.encryption_enabled = true;
    options.passphrase = std::move(passphrase);
  } else if (args.passphrase_file_given) {
    // Creating a plain database while a passphrase was named explicitly is
    // almost certainly a forgotten --encrypt.
    return Fail(kExitUsage, "--passphrase-file given without --encrypt");
  }
  std::unique_ptr<DB> db;
  Status s = DB::Open(options, args.db_path, &db);
  if (!s.ok()) {
    // NotFound here is a missing parent directory: a bad path, not a record.
    const int code = s.IsNotFound() ? kExitUsage : ExitCodeFor(s);
    return Fail(code, "cannot create '" + args.db_path + "': " + s.message());
  }
  return kExitOk;
}

int RunPut(const Args& args) {
  Component c;
  if (int rc = ParseComponentArg(args.component, &c); rc != kExitOk) return rc;
  std::string blob;
  if (args.blob_file_given) {
    if (int rc = ReadInputFile(args.blob_file, kMaxBlobBytes, "blob file", &blob); rc != kExitOk) {
      return rc;
    }
  }
  std::string data = args.json;
  if (!args.json_given) {
    if (!ReadAtMost(stdin, kMaxPutStdinBytes, &data)) {
      return Fail(kExitIoError, std::string("cannot read standard input: ") +
                                    std::strerror(errno));
    }
    if (data.size() > kMaxPutStdinBytes) {
      return Fail(kExitUsage, "the JSON on standard input is larger than the limit of " +
                                  std::to_string(kMaxPutStdinBytes) + " bytes");
    }
  }
  std::unique_ptr<DB> db;
  if (int rc = OpenExisting(args, DbAccess::kReadWrite, &db); rc != kExitOk) return rc;
  Status s = db->PutWithBlob(WriteOptions(), c, args.id, data, args.metadata, blob);
  if (!s.ok()) return FailStatus("put", s);
  return kExitOk;
}

int RunGet(const Args& args) {
  Component c;
  if (int rc = ParseComponentArg(args.component, &c); rc != kExitOk) return rc;
  std::unique_ptr<DB> db;
  if (int rc = OpenExisting(args, DbAccess::kReadOnly, &db); rc != kExitOk) return rc;
  StorageRecord record;
  Status s = args.version_given
                 ? db->GetVersion(ReadOptions(), c, args.id, args.version, &record)
                 : db->Get(ReadOptions(), c, args.id, &record);
  if (!s.ok()) return FailStatus("get", s);
  WriteLine(record.ToJson());
  return kExitOk;
}

int RunDel(const Args& args) {
  Component c;
  if (int rc = ParseComponentArg(args.component, &c); rc != kExitOk) return rc;
  std::unique_ptr<DB> db;
  if (int rc = OpenExisting(args, DbAccess::kReadWrite, &db); rc != kExitOk) return rc;
  Status s = db->Delete(WriteOptions(), c, args.id);
  if (!s.ok()) return FailStatus("del", s);
  return kExitOk;
}

int RunScan(const Args& args) {
  Component c;
  if (int rc = ParseComponentArg(args.component, &c); rc != kExitOk) return rc;
  std::unique_ptr<DB> db;
  if (int rc = OpenExisting(args, DbAccess::kReadOnly, &db); rc != kExitOk) return rc;
  Status s = db->Scan(ReadOptions(), c, args.scan,
                      [](const StorageRecord& r) { return WriteLine(r.ToJson()); });
  if (!s.ok()) return FailStatus(std::string("scan ") + ComponentName(c), s);
  return kExitOk;
}

int RunDump(const Args& args) {
  std::vector<Component> components(kAllComponents.begin(), kAllComponents.end());
  if (!args.component.empty()) {
    Component c;
    if (int rc = ParseComponentArg(args.component, &c); rc != kExitOk) return rc;
    components = {c};
  }
  std::unique_ptr<DB> db;
  if (int rc = OpenExisting(args, DbAccess::kReadOnly, &db); rc != kExitOk) return rc;

  // One snapshot for all components, so a dump is a consistent copy even if
  // another thread of a future embedding writes meanwhile.
  const Snapshot* snapshot = db->GetSnapshot();
  ReadOptions ro;
  ro.snapshot = snapshot;
  // A damaged record is reported and skipped, so that the dump saves every
  // readable one.
  uint64_t damaged = 0;
  ScanOptions so;
  so.on_damaged = SkipDamaged(&damaged);
  Status s;
  for (Component c : components) {
    // Index entries and definitions are not data: load could not write them
    // back (their ids are reserved); indexes are created again after a load.
    s = db->Scan(ro, c, so, [c](const StorageRecord& r) {
      return IsIndexRecord(c, r.id) || WriteLine(DumpLine(c, r));
    });
    if (!s.ok()) {
      db->ReleaseSnapshot(snapshot);
      return FailStatus(std::string("dump ") + ComponentName(c), s);
    }
  }
  db->ReleaseSnapshot(snapshot);
  return FailIfSkipped("dump", damaged);
}

void PrintStatsTable(const DbStats& st) {
  std::printf("%-10s %12s %12s %7s %12s %12s\n", "component", "live", "versions", "files",
              "size", "garbage");
  ComponentStats total;
  for (Component c : kAllComponents) {
    const ComponentStats& cs = st.components[static_cast<int>(c)];
    std::printf("%-10s %12" PRIu64 " %12" PRIu64 " %7" PRIu64 " %12s %12s\n", ComponentName(c),
                cs.live_records, cs.stored_versions, cs.segment_files,
                FormatBytes(cs.segment_bytes).c_str(), FormatBytes(cs.garbage_bytes).c_str());
    total.live_records += cs.live_records;
    total.stored_versions += cs.stored_versions;
    total.segment_files += cs.segment_files;
    total.segment_bytes += cs.segment_bytes;
    total.garbage_bytes += cs.garbage_bytes;
  }
  std::printf("%-10s %12" PRIu64 " %12" PRIu64 " %7" PRIu64 " %12s %12s\n", "all",
              total.live_records, total.stored_versions, total.segment_files,
              FormatBytes(total.segment_bytes).c_str(), FormatBytes(total.garbage_bytes).c_str());
  std::printf("\n");
  std::printf("%-16s %" PRIu64 " files, %s\n", "journal", st.journal_files,
              FormatBytes(st.journal_bytes).c_str());
  std::printf("%-16s %s\n", "disk total", FormatBytes(st.total_disk_bytes).c_str());
  std::printf("%-16s %" PRIu64 "\n", "last sequence", st.last_sequence);
  std::printf("%-16s %" PRIu64 "\n", "compactions", st.compactions);
  const uint64_t lookups = st.block_cache_hits + st.block_cache_misses;
  std::printf("%-16s %" PRIu64 " hits, %" PRIu64 " misses (%.1f%% hit rate, this process)\n",
              "block cache", st.block_cache_hits, st.block_cache_misses,
              lookups == 0 ? 0.0 : 100.0 * static_cast<double>(st.block_cache_hits) /
                                       static_cast<double>(lookups));
  std::printf("%-16s %s of %s in use; warmed %" PRIu64 " of %" PRIu64 " blocks at open\n", "",
              FormatBytes(st.block_cache_usage_bytes).c_str(),
              FormatBytes(st.block_cache_capacity_bytes).c_str(), st.block_cache_blocks_warmed,
              st.block_cache_blocks_to_warm);
  uint64_t versions = 0;
  for (const spirapi::ComponentStats& c : st.components) versions += c.stored_versions;
  const ResultCacheCounters& rc = st.result_cache;
  std::printf("%-16s %" PRIu64 " hits, %" PRIu64 " misses (%" PRIu64 " stale, %" PRIu64
              " expired), %" PRIu64 " stored (%.1f%% hit rate, this process)\n",
              "result cache", rc.hits, rc.misses, rc.stale, rc.expired, rc.stored,
              100.0 * rc.hit_rate());
  std::printf("%-16s %s (estimate; %.0f bytes per stored version)\n", "index memory",
              FormatBytes(st.index_memory_bytes).c_str(),
              versions == 0 ? 0.0
                            : static_cast<double>(st.index_memory_bytes) /
                                  static_cast<double>(versions));
  std::printf("%-16s %s level %d, blocks of %d KiB, max file size %d MiB, "
              "backup every %d h, %s%s%s\n",
              "settings", spirapi::CompressionCodecName(st.compression_codec),
              st.compression_level, st.block_size_kib, st.max_file_size_mb,
              st.backup_interval_hours, st.encrypted ? "encrypted" : "not encrypted",
              st.optimized_for.empty() ? "" : ", optimized for ", st.optimized_for.c_str());
  if (!st.last_backup_id.empty()) {
    std::printf("%-16s %s (%.2f s)\n", "last backup", st.last_backup_id.c_str(),
                st.last_backup_seconds);
  }
  if (!st.last_backup_error.empty()) {
    std::printf("%-16s last backup failed: %s\n", "warning", OneLine(st.last_backup_error).c_str());
  }
  if (!st.archive_error.empty()) {
    std::printf("%-16s journal archive: %s\n", "warning", OneLine(st.archive_error).c_str());
  }
  for (const JournalTail& t : st.journal_tails) {
    std::printf("%-16s %s\n", "warning", OneLine(t.ToString()).c_str());
  }
}

int RunStats(const Args& args) {
  std::unique_ptr<DB> db;
  if (int rc = OpenExisting(args, DbAccess::kReadOnly, &db); rc != kExitOk) return rc;
  DbStats stats;
  Status s = db->GetStats(&stats);
  std::vector<IndexInfo> indexes;
  if (s.ok()) s = ListIndexes(db.get(), &indexes);
  if (!s.ok()) return FailStatus("stats", s);
  if (args.stats_json) {
    std::string json = stats.ToJson();
    json.pop_back();  // '}'
    json += ",\"indexes\":[";
    for (size_t i = 0; i < indexes.size(); ++i) {
      json += (i > 0 ? "," : "") + IndexInfoToJson(indexes[i]);
    }
    std::string metrics;
    s = MetricsStatsJson(db.get(), &metrics);
    if (!s.ok()) return FailStatus("stats", s);
    WriteLine(json + "]," + metrics + "}");
  } else {
    PrintStatsTable(stats);
    PrintLatencyTable(db.get());
    for (const IndexInfo& info : indexes) {
      WriteLine("index " + info.spec.name + " (" + IndexTypeName(info.spec.type) + " on " +
                ComponentName(info.spec.component) + "): " + info.state + ", " +
                std::to_string(info.entries) + " entries, " + std::to_string(info.key_bytes) +
                " key bytes, used by " + std::to_string(info.queries) + " queries");
    }
  }
  return kExitOk;
}

// One line per damaged place, as verify and repair print them.
bool PrintDamage(const std::vector<Damage>& damage) {
  for (const Damage& d : damage) {
    std::string line = "damaged: " + d.file + " offset " + std::to_string(d.offset);
    if (!d.component.empty() || !d.id.empty()) {
      line += ", record " + (d.component.empty() ? std::string("?") : d.component) + " " +
              (d.id.empty() ? std::string("(id unreadable)") : JsonQuote(d.id));
    }
    line += ": " + OneLine(d.what);
    if (!WriteLine(line)) return false;
  }
  return true;
}

int RunVerify(const Args& args) {
  std::unique_ptr<DB> db;
  // Read-only changes nothing and runs beside a writer; --record needs a
  // writable instance to store `~verify/last`.
  const DbAccess access = args.verify_record ? DbAccess::kReadWrite : DbAccess::kReadOnly;
  if (int rc = OpenExisting(args, access, &db); rc != kExitOk) return rc;
  ProgressBar progress("verifying");
  VerifyReport report;
  Status s = db->Verify(&report, [&progress](double fraction) {
    progress.Update(fraction);
    return true;
  });
  progress.Clear();
  if (!s.ok()) return FailStatus("verify", s);

  if (!PrintDamage(report.damage)) return kExitIoError;
  for (const JournalTail& t : report.journal_tails) {
    if (!WriteLine("warning: " + OneLine(t.ToString()))) return kExitIoError;
  }
  const std::string checked = "checked " + std::to_string(report.files_checked) + " files, " +
                              std::to_string(report.records_checked) + " records";
  if (report.clean()) {
    const size_t tails = report.journal_tails.size();
    WriteLine("ok: " + checked + ", no damage found" +
              (tails == 0 ? "" : ", " + std::to_string(tails) + " journal tails kept aside (see the warnings)"));
    return kExitOk;
  }
  WriteLine(checked + ", " + std::to_string(report.damage.size()) + " damaged");
  std::fflush(stdout);  // the report comes before the error line on a terminal
  return Fail(kExitCorruption, "verify found " + std::to_string(report.damage.size()) +
                                   " damaged places (listed on standard output)");
}

int RunRepair(const Args& args) {
  std::error_code ec;
  if (!std::filesystem::is_directory(args.db_path, ec)) {
    return Fail(kExitUsage, "'" + args.db_path + "' is not a database directory");
  }
  Options options;
  std::string passphrase;
  if (int rc = ResolvePassphrase(args, &passphrase); rc != kExitOk) return rc;
  if (!passphrase.empty()) {
    options.encryption_enabled = true;
    options.passphrase = std::move(passphrase);
  }
  RepairOptions repair;
  repair.output = args.repair_output;
  RepairReport report;
  Status s = RepairDB(options, args.db_path, repair, &report);
  if (!s.ok()) {
    return Fail(s.IsInvalidArgument() ? kExitUsage : ExitCodeFor(s),
                "cannot repair '" + args.db_path + "': " + s.message());
  }
  if (report.clean && args.repair_output.empty()) {
    return WriteLine("no damage found in " + std::to_string(report.files_read) + " files: '" +
                     EscapeControls(args.db_path) + "' is left as it is")
               ? kExitOk
               : kExitIoError;
  }
  if (!PrintDamage(report.damage)) return kExitIoError;
  for (const std::string& lost : report.lost) {
    if (!WriteLine("lost: " + EscapeControls(lost))) return kExitIoError;
  }
  std::string summary = std::string(report.clean ? "no damage found; " : "") +
                        "repaired: read " + std::to_string(report.files_read) + " files; " +
                        std::to_string(report.versions_salvaged) + " record versions in " +
                        std::to_string(report.transactions_salvaged) +
                        " transactions salvaged, " + std::to_string(report.live_records) +
                        " live records; " + std::to_string(report.damage.size()) +
                        " damaged places, " + std::to_string(report.lost.size()) +
                        " versions known lost; clean database at '" + report.repaired_path + "'";
  if (!report.damaged_path.empty()) summary += ", damaged one kept at '" + report.damaged_path + "'";
  return WriteLine(summary) ? kExitOk : kExitIoError;
}

int RunOptimize(const Args& args) {
  spirapi::OptimizationGoal goal;
  spirapi::ParseOptimizationGoal(args.goal, &goal);  // checked by the parser
  std::unique_ptr<DB> db;
  if (int rc = OpenExisting(args, DbAccess::kReadWrite, &db); rc != kExitOk) return rc;
  Status s = db->OptimizeFor(goal);
  if (!s.ok()) return FailStatus("optimize", s);
  return args.then_compact ? CompactOpen(db.get()) : kExitOk;
}

// ---------------------------------------------------------------------------
// Command line


int Main(int argc, char** argv) {
  Args args;
  CLI::App app("spirapi: create, read, write, load, dump, check and compact a SpiraPi database.",
               "spirapi");
  app.require_subcommand(1);
  app.set_version_flag("--version",
                       "spirapi " + std::to_string(SPIRAPI_VERSION_MAJOR) + "." +
                           std::to_string(SPIRAPI_VERSION_MINOR) + "." +
                           std::to_string(SPIRAPI_VERSION_PATCH) + " (on-disk format " +
                           std::to_string(SPIRAPI_FORMAT_VERSION) + ")",
                       "Print the version and the on-disk format version it writes");
  // Subcommands copy the footer when they are created, so every help page
  // tells where the passphrase comes from.
  app.footer(kPassphraseHelp);

  auto add_db = [&](CLI::App* cmd) {
    cmd->add_option("DB", args.db_path, "Database directory")->required();
    cmd->add_option("--passphrase-file", args.passphrase_file,
                    "Read the passphrase from the first line of this file")
        ->check(ExistingInputFile());
  };
  auto add_component = [&](CLI::App* cmd, bool required) {
    auto* opt = cmd->add_option("COMPONENT", args.component,
                                "sequence, schema, query, metadata, index or cache");
    if (required) opt->required();
  };
  auto add_id = [&](CLI::App* cmd) {
    cmd->add_option("ID", args.id, "Record id (use -- before an id that starts with '-')")
        ->required();
  };

  CLI::App* init = app.add_subcommand("init", "Create a new database");
  add_db(init);
  init->add_option("--compression-codec", args.compression_codec,
                   "Codec of segment files: zstd (default; blocks share a dictionary trained "
                   "on the segment), lzma or none")
      ->check(CLI::IsMember({"zstd", "lzma", "none"}));
  CLI::Option* level_opt =
      init->add_option("--compression-level", args.compression_level,
                       "Codec effort for segment files, 0 (none) to 9 (smallest; default 3)")
          ->transform(DecimalNumber());
  CLI::Option* size_opt =
      init->add_option("--max-file-size-mb", args.max_file_size_mb,
                       "Rotate journal and segment files at this size in MiB (default 64)")
          ->transform(DecimalNumber());
  CLI::Option* block_opt =
      init->add_option("--block-size-kib", args.block_size_kib,
                       "Segment block size in KiB, 4..4096 (default 4 with zstd, 64 otherwise; "
                       "smaller: faster uncached reads, weaker compression)")
          ->transform(DecimalNumber());
  init->add_flag("--encrypt", args.encrypt, "Encrypt the database (needs a passphrase)");

  CLI::App* put = app.add_subcommand("put", "Write one record (a new version of ID)");
  add_db(put);
  add_component(put, true);
  add_id(put);
  CLI::Option* json_opt =
      put->add_option("JSON", args.json, "Record data as JSON; read from stdin when omitted");
  put->add_option("--metadata", args.metadata, "Metadata as a JSON object (default {})");
  CLI::Option* blob_opt =
      put->add_option("--blob-file", args.blob_file,
                      "Store this file's bytes as the record's blob (at most 16 MiB)")
          ->check(ExistingInputFile());

  CLI::App* get = app.add_subcommand("get", "Print one record as a JSON object");
  add_db(get);
  add_component(get, true);
  add_id(get);
  CLI::Option* version_opt =
      get->add_option("--version", args.version, "Read this older version of the record")
          ->transform(DecimalNumber());

  CLI::App* del = app.add_subcommand("del", "Delete one record");
  add_db(del);
  add_component(del, true);
  add_id(del);

  CLI::App* scan = app.add_subcommand("scan", "Print live records in id order, one per line");
  add_db(scan);
  add_component(scan, true);
  scan->add_option("--prefix", args.scan.prefix, "Only ids starting with P");
  scan->add_option("--from", args.scan.from, "First id to include (inclusive)");
  scan->add_option("--to", args.scan.to, "First id to exclude (exclusive)");
  scan->add_option("--limit", args.scan.limit, "Print at most N records (0: all)")
      ->transform(DecimalNumber());

  CLI::App* load = app.add_subcommand(
      "load", "Write records from a JSON-lines file ({\"id\":..,\"data\":..,\"metadata\":..})");
  add_db(load);
  add_component(load, true);
  load->add_option("FILE", args.load_file, "JSON-lines file, e.g. written by dump; - for stdin")->required();
  load->add_option("--batch", args.batch, "Records per transaction (default 1000)")
      ->transform(DecimalNumber());

  CLI::App* dump = app.add_subcommand("dump", "Print records as JSON lines that load reads back");
  add_db(dump);
  add_component(dump, false);

  CLI::App* stats = app.add_subcommand("stats", "Print database statistics");
  add_db(stats);
  stats->add_flag("--json", args.stats_json, "Print the statistics as one JSON object");

  CLI::App* verify = app.add_subcommand("verify", "Check every file and record");
  add_db(verify);
  verify->add_flag("--record", args.verify_record,
                   "Open the database for writing and record the outcome for 'spirapi health'");

  CLI::App* repair = app.add_subcommand(
      "repair", "Salvage every readable record into a clean database; report what was lost");
  add_db(repair);
  repair->add_option("--output", args.repair_output,
                     "Write the clean database here (a new directory) and leave DB as it is; "
                     "default: replace DB, keeping the damaged one as DB.damaged-<time>");

  CompactCommand compact;
  compact.Add(&app, add_db);
  CleanupCommand cleanup;
  cleanup.Add(&app, add_db);

  CLI::App* optimize = app.add_subcommand(
      "optimize", "Tune the database for speed, space or security (stored; see docs/CLI.md)");
  add_db(optimize);
  optimize->add_option("GOAL", args.goal, "speed, space or security")
      ->required()
      ->check(CLI::IsMember({"speed", "space", "security"}));
  optimize->add_flag("--compact", args.then_compact,
                     "Then rewrite the existing segments with the new settings");

  PiCommands pi;
  pi.Add(&app, add_db);
  SchemaCommands schema;
  schema.Add(&app, add_db);
  QueryCommand query;
  query.Add(&app, add_db);
  QueryLogCommand query_log;
  query_log.Add(&app, add_db);
  MetricsCommand metrics;
  metrics.Add(&app, add_db);
  PlotMetricCommand plot;
  plot.Add(&app, add_db);
  ShellCommand shell;
  shell.Add(&app, add_db);
  IndexCommands index;
  index.Add(&app, add_db);
  HealthCommand health;
  health.Add(&app, add_db);
  ServeCommand serve;
  serve.Add(&app, add_db);
  CacheCommands cache;
  cache.Add(&app, add_db);
  BackupCommands backup;
  backup.Add(&app, [&](CLI::App* cmd) {
    cmd->add_option("--passphrase-file", args.passphrase_file,
                    "Read the passphrase from the first line of this file")
        ->check(ExistingInputFile());
  });

  // Set after the subcommands exist, so only the main help lists exit codes.
  app.footer(std::string(kPassphraseHelp) + "\n\n" + kExitCodeHelp +
             "\n\nRun 'spirapi COMMAND --help' for the options of one command.");

  // CLI11 would report an unknown command as "A subcommand is required".
  const auto is_command = [&app](const char* name) {
    for (const CLI::App* cmd : app.get_subcommands({})) {
      if (cmd->get_name() == name) return true;
    }
    return false;
  };
  if (argc <= 1) return Fail(kExitUsage, "no command given; run 'spirapi --help'");
  if (argv[1][0] != '-' && !is_command(argv[1])) {
    return Fail(kExitUsage,
                std::string("unknown command '") + argv[1] + "'; run 'spirapi --help'");
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help is reported as a "parse error" with exit code 0: print the help.
    if (e.get_exit_code() == 0) return app.exit(e);
    return Fail(kExitUsage, DescribeParseError(app, e));
  }

  args.passphrase_file_given = false;
  // Commands are one or two levels deep ("pi compute").
  const std::function<void(CLI::App*)> note_passphrase_file = [&](CLI::App* cmd) {
    const CLI::Option* opt = cmd->get_option_no_throw("--passphrase-file");
    if (opt != nullptr && opt->count() > 0) args.passphrase_file_given = true;
    for (CLI::App* sub : cmd->get_subcommands()) note_passphrase_file(sub);
  };
  for (CLI::App* cmd : app.get_subcommands()) note_passphrase_file(cmd);
  args.compression_level_given = level_opt->count() > 0;
  args.max_file_size_given = size_opt->count() > 0;
  args.block_size_given = block_opt->count() > 0;
  args.json_given = json_opt->count() > 0;
  args.blob_file_given = blob_opt->count() > 0;
  args.version_given = version_opt->count() > 0;

  int rc = kExitUsage;
  if (init->parsed()) rc = RunInit(args);
  else if (put->parsed()) rc = RunPut(args);
  else if (get->parsed()) rc = RunGet(args);
  else if (del->parsed()) rc = RunDel(args);
  else if (scan->parsed()) rc = RunScan(args);
  else if (load->parsed()) {
    rc = RunLoad(args.component, args.load_file, args.batch,
                 [&](std::unique_ptr<DB>* db) { return OpenExisting(args, DbAccess::kReadWrite, db); });
  }
  else if (dump->parsed()) rc = RunDump(args);
  else if (stats->parsed()) rc = RunStats(args);
  else if (verify->parsed()) rc = RunVerify(args);
  else if (compact.parsed()) {
    rc = compact.Run([&](std::unique_ptr<DB>* db) { return OpenExisting(args, DbAccess::kReadWrite, db); });
  } else if (cleanup.parsed()) {
    rc = cleanup.Run(
        [&](std::unique_ptr<DB>* db) { return OpenExisting(args, cleanup.access(), db); },
        args.db_path);
  }
  else if (optimize->parsed()) rc = RunOptimize(args);
  else if (repair->parsed()) rc = RunRepair(args);
  else if (pi.parsed()) {
    rc = pi.Run([&](std::unique_ptr<DB>* db) { return OpenExisting(args, pi.access(), db); });
  } else if (query.parsed()) {
    rc = query.Run([&](std::unique_ptr<DB>* db) { return OpenExisting(args, query.access(), db); });
  } else if (metrics.parsed()) {
    rc = metrics.Run([&](std::unique_ptr<DB>* db) { return OpenExisting(args, DbAccess::kReadOnly, db); });
  } else if (plot.parsed()) {
    rc = plot.Run([&](std::unique_ptr<DB>* db) { return OpenExisting(args, DbAccess::kReadOnly, db); });
  } else if (query_log.parsed()) {
    rc = query_log.Run([&](std::unique_ptr<DB>* db) { return OpenExisting(args, query_log.access(), db); });
  } else if (index.parsed()) {
    rc = index.Run([&](std::unique_ptr<DB>* db) { return OpenExisting(args, index.access(), db); });
  } else if (health.parsed()) {
    rc = health.Run([&](std::unique_ptr<DB>* db) { return OpenExisting(args, DbAccess::kReadOnly, db); });
  } else if (cache.parsed()) {
    rc = cache.Run([&](std::unique_ptr<DB>* db) { return OpenExisting(args, cache.access(), db); });
  } else if (backup.parsed()) {
    rc = backup.Run([&](std::string* passphrase) { return ResolvePassphrase(args, passphrase); });
  } else if (serve.parsed()) {
    rc = serve.Run([&](std::unique_ptr<DB>* db) { return OpenExisting(args, DbAccess::kReadOnly, db); },
                   args.db_path);
  } else if (shell.parsed()) {
    rc = shell.Run([&](std::unique_ptr<DB>* db) { return OpenExisting(args, DbAccess::kReadOnly, db); });
  } else if (schema.parsed()) {
    rc = schema.Run(
        [&](std::unique_ptr<DB>* db) { return OpenExisting(args, schema.access(), db); });
  }

  // Output is buffered: a full disk or closed pipe shows up only here.
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    const int code = Fail(kExitIoError, std::string("cannot write to standard output: ") +
                                            std::strerror(errno));
    if (rc == kExitOk) rc = code;
  }
  return rc;
}

}  // namespace

int RunCommandLine(int argc, char** argv) {
  // A caller that runs the tool more than once (the fuzz target) must not
  // have an earlier run's end of input or failed output counted against
  // this one; in a fresh process these are no-ops.
  std::clearerr(stdin);
  std::clearerr(stdout);
  // Nothing in the tool should throw, but a std::bad_alloc or a CLI11 setup
  // error must still end as one line and a defined exit code.
  try {
    return Main(argc, argv);
  } catch (const std::exception& e) {
    return Fail(kExitIoError, std::string("unexpected error: ") + e.what());
  } catch (...) {
    return Fail(kExitIoError, "unexpected error");
  }
}

}  // namespace spirapi::cli
