// storage_bench: measures SpiraPi's storage engine against its acceptance
// targets, and SQLite on the same data, in the same run, on the same disk.
//
// Phases (select with --phases):
//   1 load     bulk load of N records in durable transactions of 1,000
//   2 commit1  durable single-record commits, one writer thread
//   3 commit4  the same with 4 writer threads (group commit)
//   4 read     random point reads with a warm cache, one thread
//   5 size     bytes on disk after compaction, as a fraction of the raw JSON
//   6 open     time to open the N-record database, index memory per record
//
// Each engine gets a freshly emptied --dir. The N records are loaded first in
// every case (phases 2-6 need them); phase 1 only decides whether that load is
// reported. After the load the engine's data is flushed and compacted (SQLite:
// WAL checkpoint and VACUUM), so phases 2-6 see a database in its steady state.
//
// Phase 3 also runs phase 2, the rate it is judged against. An fdatasync
// probe of --dir at the start and the end shows whether the disk was quiet.
// Results go to stdout as Markdown (and with --json to a file); progress goes
// to stderr. Any failed operation ends the program with a message naming it.
//
// Build and run (a Release build, on a quiet machine):
//   cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DSPIRAPI_BUILD_BENCH=ON
//   cmake --build build --target storage_bench
//   build/storage_bench --json bench.json > bench.md     # 1,000,000 records
//   build/storage_bench --quick                          # CI smoke test, under a minute

#include <sqlite3.h>

#include <cctype>
#include <charconv>
#include <cstdarg>
#include <cstring>
#include <functional>
#include <latch>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <thread>
#include <unordered_set>

#include "bench_util.h"
#include "pi_records.h"
#include "sqlite_util.h"
#include "spirapi/db.h"
#include "spirapi/options.h"
#include "spirapi/record.h"
#include "spirapi/status.h"

namespace spirapi_bench {
namespace {

// ---------------------------------------------------------------------------
// Configuration.

constexpr uint64_t kDefaultRecords = 1'000'000;
constexpr uint64_t kQuickRecords = 20'000;
constexpr uint64_t kDefaultSeed = 314159265358979ULL;
constexpr size_t kBatchRecords = 1'000;
constexpr size_t kSpiraPiCacheBytes = size_t{2} << 30;  // 2 GiB: the whole data set fits
constexpr int64_t kSqliteCacheKiB = 2'000'000;          // the same budget for SQLite
constexpr int kSqliteBusyTimeoutMs = 10'000;
constexpr char kDirMarker[] = ".storage_bench_dir";

// Acceptance targets of the engine.
constexpr double kTargetLoadPerSec = 150'000;
constexpr double kTargetMultiWriterFactor = 3.0;
constexpr double kTargetReadsPerSec = 1'000'000;
constexpr double kTargetSizeRatio = 0.35;
constexpr double kTargetOpenSeconds = 1.0;

enum Phase { kLoad = 1, kCommit1 = 2, kCommitN = 3, kRead = 4, kSize = 5, kOpen = 6 };
constexpr const char* kPhaseNames[] = {"", "load", "commit1", "commit4", "read", "size", "open"};

struct Config {
  uint64_t records = kDefaultRecords;
  std::string dir = "./bench-data";
  bool skip_sqlite = false;
  bool quick = false;
  std::set<int> phases = {1, 2, 3, 4, 5, 6};
  std::string json_path;
  std::string dump_path;
  uint64_t seed = kDefaultSeed;
  int runs = 3;                  // repetitions of phases 2-4 (median reported)
  uint64_t commits = 3'000;      // per writer thread and run
  double commit_seconds = 5.0;   // per run; a run stops at whichever comes first
  uint64_t reads = 1'000'000;    // timed random reads per run
  int writers = 4;               // threads of phase 3
  bool verify_checksums = true;  // SpiraPi Options::verify_checksums (its default)
  std::string command_line;

  bool Has(Phase p) const { return phases.count(p) != 0; }
};

[[noreturn]] void Usage(const std::string& error) {
  if (!error.empty()) std::fprintf(stderr, "storage_bench: %s\n\n", error.c_str());
  std::fprintf(stderr,
               "usage: storage_bench [options]\n"
               "  --records N         records to load (default 1000000; --quick: 20000)\n"
               "  --dir PATH          scratch directory, emptied before and removed after each\n"
               "                      engine's run (default ./bench-data)\n"
               "  --skip-sqlite       measure SpiraPi only\n"
               "  --quick             small, fast run for CI: 20000 records, 1 run per phase,\n"
               "                      fewer commits and reads, no target checks\n"
               "  --phases LIST       comma-separated phases to report, by number or name:\n"
               "                      1 load, 2 commit1, 3 commit4, 4 read, 5 size, 6 open\n"
               "                      (3 also runs 2, its reference; the N records are loaded\n"
               "                      in any case, 1 only decides whether that is reported)\n"
               "  --json FILE         also write the figures as JSON to FILE\n"
               "  --seed N            data set seed (default %llu)\n"
               "  --runs N            runs of phases 2-4, median reported (default 3; --quick: 1)\n"
               "  --commits N         commits per writer thread per run (default 3000)\n"
               "  --commit-seconds S  time limit of one commit run (default 5)\n"
               "  --reads N           timed random reads per run (default 1000000)\n"
               "  --writers N         writer threads of phase 3 (default 4)\n"
               "  --no-verify-checksums  open SpiraPi with Options::verify_checksums=false\n"
               "                      (default: the engine's default, true)\n"
               "  --dump-records FILE write the generated records as JSON lines and exit\n",
               static_cast<unsigned long long>(kDefaultSeed));
  std::exit(error.empty() ? 0 : 1);
}

uint64_t ParseUint(const std::string& flag, const std::string& text) {
  uint64_t value = 0;
  std::string digits;
  for (char c : text) {
    if (c != '_' && c != ',') digits += c;  // allow 1_000_000 and 1,000,000
  }
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) {
    Usage(flag + " needs a non-negative integer, got '" + text + "'");
  }
  return value;
}

double ParsePositiveDouble(const std::string& flag, const std::string& text) {
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || !(value > 0)) {
    Usage(flag + " needs a positive number, got '" + text + "'");
  }
  return value;
}

std::set<int> ParsePhases(const std::string& text) {
  std::set<int> phases;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    item = Trim(item);
    int phase = 0;
    for (int p = 1; p <= 6; ++p) {
      if (item == std::to_string(p) || item == kPhaseNames[p]) phase = p;
    }
    if (item == "commit") phase = kCommit1;  // the name alone means the single writer
    if (phase == 0) Usage("unknown phase '" + item + "' in --phases");
    phases.insert(phase);
  }
  if (phases.empty()) Usage("--phases needs at least one phase");
  // Phase 3 is judged against the single writer's rate, so it brings phase 2.
  if (phases.count(kCommitN)) phases.insert(kCommit1);
  return phases;
}

std::string ShellQuote(const std::string& arg) {
  if (!arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789-_./=,:+") == std::string::npos) {
    return arg;
  }
  std::string out = "'";
  for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

Config ParseArgs(int argc, char** argv) {
  Config config;
  for (int i = 0; i < argc; ++i) {
    config.command_line += (i ? " " : "") + ShellQuote(argv[i]);
  }
  bool records_set = false, runs_set = false, commits_set = false, seconds_set = false,
       reads_set = false;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    std::string value;
    size_t eq = flag.find('=');
    if (flag.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    }
    auto next = [&]() -> std::string {
      if (!value.empty()) return value;
      if (i + 1 >= argc) Usage(flag + " needs a value");
      return argv[++i];
    };
    if (flag == "--help" || flag == "-h") {
      Usage("");
    } else if (flag == "--records") {
      config.records = ParseUint(flag, next());
      records_set = true;
    } else if (flag == "--dir") {
      config.dir = next();
    } else if (flag == "--skip-sqlite") {
      config.skip_sqlite = true;
    } else if (flag == "--quick") {
      config.quick = true;
    } else if (flag == "--phases") {
      config.phases = ParsePhases(next());
    } else if (flag == "--json") {
      config.json_path = next();
    } else if (flag == "--dump-records") {
      config.dump_path = next();
    } else if (flag == "--seed") {
      config.seed = ParseUint(flag, next());
    } else if (flag == "--runs") {
      config.runs = static_cast<int>(std::min<uint64_t>(ParseUint(flag, next()), 100));
      runs_set = true;
    } else if (flag == "--commits") {
      config.commits = ParseUint(flag, next());
      commits_set = true;
    } else if (flag == "--commit-seconds") {
      config.commit_seconds = ParsePositiveDouble(flag, next());
      seconds_set = true;
    } else if (flag == "--reads") {
      config.reads = ParseUint(flag, next());
      reads_set = true;
    } else if (flag == "--no-verify-checksums") {
      config.verify_checksums = false;
    } else if (flag == "--writers") {
      config.writers = static_cast<int>(std::min<uint64_t>(ParseUint(flag, next()), 256));
    } else {
      Usage("unknown option '" + std::string(argv[i]) + "'");
    }
  }
  // --quick only changes defaults; explicit options still win.
  if (config.quick) {
    if (!records_set) config.records = kQuickRecords;
    if (!runs_set) config.runs = 1;
    if (!commits_set) config.commits = 500;
    if (!seconds_set) config.commit_seconds = 2.0;
    if (!reads_set) config.reads = 200'000;
  }
  if (config.records == 0) Usage("--records must be at least 1");
  if (config.records > 100'000'000) Usage("--records above 100,000,000 is not supported");
  if (config.runs < 1) Usage("--runs must be at least 1");
  if (config.commits < 1) Usage("--commits must be at least 1");
  if (config.writers < 1) Usage("--writers must be at least 1");
  if (config.reads < 1) Usage("--reads must be at least 1");
  if (config.dir.empty()) Usage("--dir must not be empty");
  return config;
}

struct Dataset {
  RecordSet main;  // the N records loaded into every database
  RecordSet pool;  // fresh records for the commit phases
  double generate_seconds = 0;
};

void GenerateDataset(const Config& config, Dataset* dataset) {
  Stopwatch clock;
  // Pool: every commit run of phases 2 and 3 writes new ids.
  const uint64_t pool_records =
      (config.Has(kCommit1) ? config.commits * config.runs : 0) +
      (config.Has(kCommitN) ? config.commits * config.writers * config.runs : 0);
  std::unordered_set<uint64_t> used_ids;
  used_ids.reserve(config.records + pool_records);
  dataset->main.Reserve(config.records, config.records * 1'050);
  dataset->pool.Reserve(pool_records, pool_records * 1'050);
  // Separate streams, so the pool does not depend on --records.
  PiRecordGenerator main_generator(config.seed, &used_ids, kBatchRecords);
  for (uint64_t i = 0; i < config.records; ++i) main_generator.Generate(i, &dataset->main);
  PiRecordGenerator pool_generator(config.seed ^ 0xc0ffee1234567890ULL, &used_ids,
                                   kBatchRecords);
  for (uint64_t i = 0; i < pool_records; ++i) pool_generator.Generate(i, &dataset->pool);
  dataset->generate_seconds = clock.Seconds();
}

void DumpRecords(const RecordSet& records, const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) Fatal("cannot create " + path + ": " + std::strerror(errno));
  std::string line;
  for (size_t i = 0; i < records.size(); ++i) {
    RecordRef r = records[i];
    line = "{\"id\":";
    AppendJsonQuoted(&line, r.id);
    line += ",\"data\":";
    line += r.data;
    line += ",\"metadata\":";
    line += r.metadata;
    line += "}\n";
    if (std::fwrite(line.data(), 1, line.size(), f) != line.size()) {
      Fatal("cannot write " + path + ": " + std::strerror(errno));
    }
  }
  if (std::fclose(f) != 0) Fatal("cannot write " + path + ": " + std::strerror(errno));
}

// ---------------------------------------------------------------------------
// The engines behind one small interface, so every phase runs the same code
// for both.

// One thread's handle for writing. Not thread-safe; one per thread.
class Writer {
 public:
  virtual ~Writer() = default;
  virtual void BeginBatch() = 0;
  virtual void AddToBatch(const RecordRef& record) = 0;
  virtual void CommitBatch() = 0;
  // One record in its own durable transaction.
  virtual void PutDurable(const RecordRef& record) = 0;
  // Times the engine reported "busy" and the write was retried.
  virtual uint64_t busy_retries() const { return 0; }
};

// One thread's handle for reading. Not thread-safe; one per thread.
class Reader {
 public:
  virtual ~Reader() = default;
  // Reads a record into this reader's buffers; false if there is none.
  virtual bool Get(std::string_view id) = 0;
  virtual const std::string& data() const = 0;
  virtual const std::string& metadata() const = 0;
};

// Figures only some engines have.
struct EngineStats {
  std::optional<uint64_t> durable_syncs;
  std::optional<uint64_t> index_memory_bytes;
  std::optional<uint64_t> reported_disk_bytes;
  std::optional<uint64_t> cache_hits;
  std::optional<uint64_t> cache_misses;
  std::optional<int> compression_level;
};

class Engine {
 public:
  virtual ~Engine() = default;
  virtual std::string name() const = 0;
  virtual std::string flush_name() const = 0;    // what Flush() does, for the report
  virtual std::string compact_name() const = 0;  // what Compact() does, for the report
  // Opens the database in `dir`, creating it if missing.
  virtual void Open(const std::string& dir) = 0;
  virtual void Close() = 0;
  virtual std::unique_ptr<Writer> NewWriter() = 0;
  virtual std::unique_ptr<Reader> NewReader() = 0;
  // Moves all committed data to the main data files.
  virtual void Flush() = 0;
  // Rewrites the data files without garbage.
  virtual void Compact() = 0;
  virtual uint64_t Count() = 0;
  virtual EngineStats Stats() { return {}; }
};

// ----- SpiraPi

void Check(const spirapi::Status& status, const std::string& what) {
  if (!status.ok()) Fatal("SpiraPi " + what + " failed: " + status.ToString());
}

spirapi::WriteOptions DurableWrite() {
  spirapi::WriteOptions options;
  options.sync = true;  // matched with SQLite's synchronous=FULL
  return options;
}

class SpiraPiWriter : public Writer {
 public:
  explicit SpiraPiWriter(spirapi::DB* db) : db_(db) {}

  void BeginBatch() override {
    Check(db_->BeginTransaction(DurableWrite(), &txn_), "BeginTransaction");
  }

  void AddToBatch(const RecordRef& r) override {
    Check(txn_->Put(spirapi::Component::kSequence, r.id, r.data, r.metadata),
          "Transaction::Put(" + std::string(r.id) + ")");
  }

  void CommitBatch() override {
    Check(txn_->Commit(), "Transaction::Commit");
    txn_.reset();
  }

  void PutDurable(const RecordRef& r) override {
    Check(db_->Put(DurableWrite(), spirapi::Component::kSequence, r.id, r.data, r.metadata),
          "DB::Put(" + std::string(r.id) + ")");
  }

 private:
  spirapi::DB* db_;
  std::unique_ptr<spirapi::Transaction> txn_;
};

class SpiraPiReader : public Reader {
 public:
  explicit SpiraPiReader(spirapi::DB* db) : db_(db) {}

  bool Get(std::string_view id) override {
    spirapi::Status s = db_->Get(read_options_, spirapi::Component::kSequence, id, &record_);
    if (s.IsNotFound()) return false;
    Check(s, "DB::Get(" + std::string(id) + ")");
    return true;
  }
  const std::string& data() const override { return record_.data; }
  const std::string& metadata() const override { return record_.metadata; }

 private:
  spirapi::DB* db_;
  spirapi::ReadOptions read_options_;
  spirapi::StorageRecord record_;  // reused, as an application reading in a loop would
};

class SpiraPiEngine : public Engine {
 public:
  // compression_level: unset for the database default.
  SpiraPiEngine(size_t block_cache_bytes, bool verify_checksums,
                std::optional<int> compression_level)
      : block_cache_bytes_(block_cache_bytes),
        verify_checksums_(verify_checksums),
        compression_level_(compression_level) {}

  std::string name() const override { return "SpiraPi"; }
  std::string flush_name() const override { return "DB::Flush()"; }
  std::string compact_name() const override { return "DB::Compact()"; }

  void Open(const std::string& dir) override {
    spirapi::Options options;
    options.block_cache_bytes = block_cache_bytes_;
    options.verify_checksums = verify_checksums_;
    options.compression_level = compression_level_;
    Check(spirapi::DB::Open(options, dir, &db_), "DB::Open(" + dir + ")");
  }
  void Close() override { db_.reset(); }  // the destructor waits for background work

  std::unique_ptr<Writer> NewWriter() override {
    return std::make_unique<SpiraPiWriter>(db_.get());
  }
  std::unique_ptr<Reader> NewReader() override {
    return std::make_unique<SpiraPiReader>(db_.get());
  }
  void Flush() override { Check(db_->Flush(), "DB::Flush"); }
  void Compact() override { Check(db_->Compact(), "DB::Compact"); }

  uint64_t Count() override {
    uint64_t count = 0;
    Check(db_->Count(spirapi::ReadOptions(), spirapi::Component::kSequence, &count), "DB::Count");
    return count;
  }

  EngineStats Stats() override {
    spirapi::DbStats s;
    Check(db_->GetStats(&s), "DB::GetStats");
    EngineStats stats;
    stats.durable_syncs = s.journal_syncs;
    stats.index_memory_bytes = s.index_memory_bytes;
    stats.reported_disk_bytes = s.total_disk_bytes;
    stats.cache_hits = s.block_cache_hits;
    stats.cache_misses = s.block_cache_misses;
    stats.compression_level = s.compression_level;
    return stats;
  }

 private:
  size_t block_cache_bytes_;
  bool verify_checksums_;
  std::optional<int> compression_level_;
  std::unique_ptr<spirapi::DB> db_;
};

// ----- SQLite

// A connection with the benchmark's settings: WAL, synchronous=FULL (a commit
// returns after the WAL is fsynced, as SpiraPi's sync=true), the same cache
// budget as SpiraPi's block cache, and a busy timeout for concurrent writers.
class SqliteConnection {
 public:
  explicit SqliteConnection(const std::string& file) {
    int rc =
        sqlite3_open_v2(file.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      Fatal("SQLite open of " + file + " failed: " + (db_ ? sqlite3_errmsg(db_) : "out of memory"));
    }
    sqlite3_busy_timeout(db_, kSqliteBusyTimeoutMs);
    if (SqliteQueryText(db_, "PRAGMA journal_mode=WAL") != "wal") {
      Fatal("SQLite refused journal_mode=WAL on " + file);
    }
    SqliteExec(db_, "PRAGMA synchronous=FULL");
    if (SqliteQueryText(db_, "PRAGMA synchronous") != "2") {
      Fatal("SQLite did not accept synchronous=FULL");
    }
    SqliteExec(db_, "PRAGMA cache_size=-" + std::to_string(kSqliteCacheKiB));
    SqliteExec(db_,
               "CREATE TABLE IF NOT EXISTS records("
               "id TEXT PRIMARY KEY, data TEXT, metadata TEXT)");
  }
  ~SqliteConnection() {
    if (db_ != nullptr && sqlite3_close(db_) != SQLITE_OK) {
      Fatal(std::string("SQLite close failed: ") + sqlite3_errmsg(db_));
    }
  }
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  sqlite3* get() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

class SqliteWriter : public Writer {
 public:
  explicit SqliteWriter(const std::string& file)
      : connection_(file),
        insert_(connection_.get(), "INSERT INTO records(id, data, metadata) VALUES(?, ?, ?)"),
        begin_(connection_.get(), "BEGIN IMMEDIATE"),
        commit_(connection_.get(), "COMMIT") {}

  void BeginBatch() override { Step(&begin_, "BEGIN IMMEDIATE"); }
  void AddToBatch(const RecordRef& r) override { Insert(r); }
  void CommitBatch() override { Step(&commit_, "COMMIT"); }
  void PutDurable(const RecordRef& r) override { Insert(r); }  // autocommit: one transaction
  uint64_t busy_retries() const override { return busy_retries_; }

 private:
  void Insert(const RecordRef& r) {
    insert_.BindText(1, r.id);
    insert_.BindText(2, r.data);
    insert_.BindText(3, r.metadata);
    Step(&insert_, "INSERT");
  }

  // Runs a statement that returns no rows; retries while the database is
  // busy (possible only after the busy timeout ran out).
  void Step(SqliteStatement* stmt, const char* what) {
    int rc;
    while ((rc = sqlite3_step(stmt->get())) == SQLITE_BUSY) {
      sqlite3_reset(stmt->get());
      ++busy_retries_;
    }
    if (rc != SQLITE_DONE) {
      Fatal(std::string("SQLite ") + what + " failed: " + sqlite3_errmsg(connection_.get()));
    }
    sqlite3_reset(stmt->get());
  }

  SqliteConnection connection_;
  SqliteStatement insert_;
  SqliteStatement begin_;
  SqliteStatement commit_;
  uint64_t busy_retries_ = 0;
};

class SqliteReader : public Reader {
 public:
  explicit SqliteReader(const std::string& file)
      : connection_(file),
        select_(connection_.get(), "SELECT data, metadata FROM records WHERE id = ?") {}

  bool Get(std::string_view id) override {
    sqlite3_stmt* stmt = select_.get();
    select_.BindText(1, id);
    int rc = sqlite3_step(stmt);
    bool found = rc == SQLITE_ROW;
    if (found) {
      // Copied out, as SpiraPi copies into a StorageRecord.
      data_.assign(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)),
                   static_cast<size_t>(sqlite3_column_bytes(stmt, 0)));
      metadata_.assign(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1)),
                       static_cast<size_t>(sqlite3_column_bytes(stmt, 1)));
    } else if (rc != SQLITE_DONE) {
      Fatal("SQLite SELECT of " + std::string(id) +
            " failed: " + sqlite3_errmsg(connection_.get()));
    }
    sqlite3_reset(stmt);
    return found;
  }
  const std::string& data() const override { return data_; }
  const std::string& metadata() const override { return metadata_; }

 private:
  SqliteConnection connection_;
  SqliteStatement select_;
  std::string data_;
  std::string metadata_;
};

class SqliteEngine : public Engine {
 public:
  std::string name() const override { return "SQLite"; }
  std::string flush_name() const override { return "wal_checkpoint(TRUNCATE)"; }
  std::string compact_name() const override { return "VACUUM"; }

  void Open(const std::string& dir) override {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) Fatal("cannot create " + dir + ": " + ec.message());
    file_ = dir + "/bench.sqlite";
    main_ = std::make_unique<SqliteConnection>(file_);
  }
  void Close() override { main_.reset(); }

  std::unique_ptr<Writer> NewWriter() override { return std::make_unique<SqliteWriter>(file_); }
  std::unique_ptr<Reader> NewReader() override { return std::make_unique<SqliteReader>(file_); }

  void Flush() override {
    // Columns: busy, WAL frames, frames checkpointed. busy=1 would mean a
    // reader blocked the checkpoint; none is open here.
    SqliteStatement stmt(main_->get(), "PRAGMA wal_checkpoint(TRUNCATE)");
    if (sqlite3_step(stmt.get()) != SQLITE_ROW || sqlite3_column_int(stmt.get(), 0) != 0) {
      Fatal(std::string("SQLite wal_checkpoint(TRUNCATE) failed: ") + sqlite3_errmsg(main_->get()));
    }
  }
  void Compact() override {
    SqliteExec(main_->get(), "VACUUM");
    Flush();  // VACUUM's pages go through the WAL too
  }
  uint64_t Count() override {
    return std::strtoull(SqliteQueryText(main_->get(), "SELECT count(*) FROM records").c_str(),
                         nullptr, 10);
  }

 private:
  std::string file_;
  std::unique_ptr<SqliteConnection> main_;
};

// ---------------------------------------------------------------------------
// Results.

struct Result {
  std::string engine;
  int phase = 0;
  std::string key;       // machine-readable workload name
  std::string workload;  // for people
  double ops_per_sec = kNaN;
  double p50_ns = kNaN;
  double p99_ns = kNaN;
  std::vector<double> run_ops_per_sec;  // every run, when repeated
  std::vector<std::pair<std::string, double>> metrics;
  std::string notes;

  double Metric(const std::string& name) const {
    for (const auto& [k, v] : metrics) {
      if (k == name) return v;
    }
    return kNaN;
  }
};

std::string RunsNote(const std::vector<double>& runs, const char* unit) {
  if (runs.size() < 2) return "";
  std::string note = "median of " + std::to_string(runs.size()) + " runs (";
  for (size_t i = 0; i < runs.size(); ++i) note += (i ? " / " : "") + FormatCount(runs[i]);
  return note + " " + unit + ")";
}

std::string RssNote(const PeakRssTracker& tracker, Result* result) {
  uint64_t peak = tracker.PeakBytes();
  result->metrics.emplace_back("peak_rss_bytes", static_cast<double>(peak));
  return std::string(tracker.per_phase() ? "peak RSS " : "peak RSS since start ") +
         FormatBytes(static_cast<double>(peak));
}

void AppendNote(std::string* notes, const std::string& note) {
  if (note.empty()) return;
  if (!notes->empty()) *notes += "; ";
  *notes += note;
}

// ---------------------------------------------------------------------------
// Directories.

void PrepareBenchDir(const std::string& dir) { spirapi_bench::PrepareBenchDir(dir, kDirMarker); }

// ---------------------------------------------------------------------------
// Workloads shared by the phases.

struct LoadTiming {
  double seconds = 0;
  std::vector<uint64_t> txn_nanos;  // per 1,000-record transaction
};

LoadTiming LoadRecords(Engine* engine, const RecordSet& records) {
  LoadTiming timing;
  timing.txn_nanos.reserve(records.size() / kBatchRecords + 1);
  auto writer = engine->NewWriter();
  Stopwatch clock;
  for (size_t begin = 0; begin < records.size(); begin += kBatchRecords) {
    const size_t end = std::min(records.size(), begin + kBatchRecords);
    const uint64_t start = NowNanos();
    writer->BeginBatch();
    for (size_t i = begin; i < end; ++i) writer->AddToBatch(records[i]);
    writer->CommitBatch();
    timing.txn_nanos.push_back(NowNanos() - start);
  }
  timing.seconds = clock.Seconds();
  return timing;
}

struct CommitRun {
  uint64_t commits = 0;
  double seconds = 0;
  std::vector<uint64_t> latency_nanos;
  uint64_t busy_retries = 0;
};

// `threads` writers each commit up to `per_thread` records from the pool,
// starting at `first`, one durable transaction per record; a run ends early
// after `max_seconds`.
CommitRun RunCommits(Engine* engine, const RecordSet& pool, size_t first, int threads,
                     uint64_t per_thread, double max_seconds) {
  if (first + static_cast<size_t>(threads) * per_thread > pool.size()) {
    Fatal("internal error: the commit phases need more records than were generated");
  }
  std::vector<std::unique_ptr<Writer>> writers;
  for (int t = 0; t < threads; ++t) writers.push_back(engine->NewWriter());
  std::vector<std::vector<uint64_t>> latencies(threads);
  for (auto& l : latencies) l.reserve(per_thread);

  std::latch ready(threads);
  std::latch go(1);
  uint64_t start_nanos = 0;  // written before `go` opens, read after
  const uint64_t max_nanos = static_cast<uint64_t>(max_seconds * 1e9);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      ready.count_down();
      go.wait();
      const uint64_t deadline = start_nanos + max_nanos;
      const size_t base = first + static_cast<size_t>(t) * per_thread;
      for (uint64_t i = 0; i < per_thread; ++i) {
        const uint64_t before = NowNanos();
        writers[t]->PutDurable(pool[base + i]);
        const uint64_t after = NowNanos();
        latencies[t].push_back(after - before);
        if (after >= deadline) break;
      }
    });
  }
  ready.wait();  // threads started: thread creation is not timed
  start_nanos = NowNanos();
  go.count_down();
  for (auto& w : workers) w.join();
  CommitRun run;
  run.seconds = static_cast<double>(NowNanos() - start_nanos) * 1e-9;
  for (int t = 0; t < threads; ++t) {
    run.commits += latencies[t].size();
    run.latency_nanos.insert(run.latency_nanos.end(), latencies[t].begin(), latencies[t].end());
    run.busy_retries += writers[t]->busy_retries();
  }
  return run;
}

// Reads every `stride`-th record and checks it holds what was written.
void ReadAndVerify(Reader* reader, const RecordSet& records, size_t stride,
                   const std::string& engine_name) {
  for (size_t i = 0; i < records.size(); i += stride) {
    RecordRef r = records[i];
    if (!reader->Get(r.id)) Fatal(engine_name + ": record " + std::string(r.id) + " is missing");
    const bool data_ok = reader->data() == r.data || SameJson(reader->data(), r.data);
    const bool metadata_ok =
        reader->metadata() == r.metadata || SameJson(reader->metadata(), r.metadata);
    if (!data_ok || !metadata_ok) {
      const std::string& got = data_ok ? reader->metadata() : reader->data();
      const std::string_view want = data_ok ? r.metadata : r.data;
      size_t at = 0;
      while (at < got.size() && at < want.size() && got[at] == want[at]) ++at;
      Fatal(engine_name + ": record " + std::string(r.id) + " reads back different " +
            (data_ok ? "metadata" : "data") + " from byte " + std::to_string(at) + ": wrote \"" +
            std::string(want.substr(at, 40)) + "\", read \"" + got.substr(at, 40) + "\"");
    }
  }
}

// ---------------------------------------------------------------------------
// One engine's run through the phases.

class EngineRun {
 public:
  using EngineFactory = std::function<std::unique_ptr<Engine>(std::optional<int> level)>;

  EngineRun(const Config& config, const Dataset& dataset, EngineFactory factory,
            bool has_compression_levels, std::vector<Result>* results)
      : config_(config),
        dataset_(dataset),
        factory_(std::move(factory)),
        has_levels_(has_compression_levels),
        results_(results) {}

  void Run() {
    engine_ = factory_(std::nullopt);
    name_ = engine_->name();
    PrepareBenchDir(config_.dir);
    main_dir_ = config_.dir + "/" + Lower(name_) + "-main";
    LoadMainDatabase();
    if (config_.Has(kCommit1)) CommitPhase(1, kCommit1);
    if (config_.Has(kCommitN)) CommitPhase(config_.writers, kCommitN);
    if (config_.Has(kRead)) ReadPhase();
    if (config_.Has(kOpen)) OpenPhase();
    engine_->Close();
    RemoveBenchDir(main_dir_);
    if (config_.Has(kSize) && has_levels_) Level6SizePhase();
    RemoveBenchDir(config_.dir);
  }

 private:
  static std::string Lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

  Result NewResult(Phase phase, const std::string& key, const std::string& workload) {
    Result r;
    r.engine = name_;
    r.phase = phase;
    r.key = key;
    r.workload = workload;
    return r;
  }

  std::optional<uint64_t> Syncs() { return engine_->Stats().durable_syncs; }

  // Phase 1, or the setup of every other phase: load, flush, compact.
  void LoadMainDatabase() {
    const RecordSet& records = dataset_.main;
    PeakRssTracker rss;
    engine_->Open(main_dir_);
    std::optional<uint64_t> syncs_before = Syncs();
    Log("%s: loading %s records in transactions of %zu", name_.c_str(),
        FormatCount(static_cast<double>(records.size())).c_str(), kBatchRecords);
    LoadTiming load = LoadRecords(engine_.get(), records);
    std::optional<uint64_t> syncs_after = Syncs();
    Log("%s: loaded in %.2f s; %s", name_.c_str(), load.seconds, engine_->flush_name().c_str());
    Stopwatch flush_clock;
    engine_->Flush();
    const double flush_seconds = flush_clock.Seconds();
    flushed_size_ = MeasureDirectory(main_dir_);
    Log("%s: flushed in %.2f s; %s", name_.c_str(), flush_seconds, engine_->compact_name().c_str());
    Stopwatch compact_clock;
    engine_->Compact();
    compact_seconds_ = compact_clock.Seconds();
    compacted_size_ = MeasureDirectory(main_dir_);
    const EngineStats compacted_stats = engine_->Stats();
    Log("%s: compacted in %.2f s", name_.c_str(), compact_seconds_);
    const uint64_t count = engine_->Count();
    if (count != records.size()) {
      Fatal(name_ + " holds " + std::to_string(count) + " records after the load, expected " +
            std::to_string(records.size()));
    }
    const double n = static_cast<double>(records.size());

    if (config_.Has(kLoad)) {
      Result r = NewResult(kLoad, "bulk_load", "bulk load, 1,000 records/txn, durable commits");
      r.ops_per_sec = n / load.seconds;
      r.p50_ns = Percentile(&load.txn_nanos, 0.50);
      r.p99_ns = Percentile(&load.txn_nanos, 0.99);
      r.metrics = {{"records", n}, {"seconds", load.seconds}};
      r.notes = "p50/p99 per 1,000-record transaction";
      if (syncs_before && syncs_after) {
        r.metrics.emplace_back("durable_syncs", static_cast<double>(*syncs_after - *syncs_before));
        AppendNote(&r.notes, FormatCount(static_cast<double>(*syncs_after - *syncs_before)) +
                                 " journal fdatasyncs for " +
                                 FormatCount(static_cast<double>(load.txn_nanos.size())) + " txns");
      }
      AppendNote(&r.notes, RssNote(rss, &r));
      results_->push_back(r);

      // Until the data is in its final, compressed files: an engine that
      // defers work past commit must not look faster than it is.
      Result f = NewResult(kLoad, "bulk_load_flushed", "bulk load + " + engine_->flush_name());
      f.ops_per_sec = n / (load.seconds + flush_seconds);
      f.metrics = {{"flush_seconds", flush_seconds}, {"compact_seconds", compact_seconds_}};
      f.notes = engine_->flush_name() + " took " + FormatFixed(flush_seconds, 2) + " s; then " +
                engine_->compact_name() + " took " + FormatFixed(compact_seconds_, 2) + " s";
      results_->push_back(f);
    }
    if (config_.Has(kSize)) ReportMainSize(compacted_stats);
  }

  // Phases 2 and 3.
  void CommitPhase(int threads, Phase phase) {
    PeakRssTracker rss;
    std::vector<double> rates, p50s, p99s;
    uint64_t total_commits = 0, retries = 0;
    std::optional<uint64_t> syncs_before = Syncs();
    for (int run = 0; run < config_.runs; ++run) {
      Log("%s: durable commits, %d writer(s), run %d of %d", name_.c_str(), threads, run + 1,
          config_.runs);
      CommitRun c = RunCommits(engine_.get(), dataset_.pool, pool_next_, threads, config_.commits,
                               config_.commit_seconds);
      pool_next_ += static_cast<size_t>(threads) * config_.commits;
      rates.push_back(static_cast<double>(c.commits) / c.seconds);
      p50s.push_back(Percentile(&c.latency_nanos, 0.50));
      p99s.push_back(Percentile(&c.latency_nanos, 0.99));
      total_commits += c.commits;
      retries += c.busy_retries;
    }
    std::optional<uint64_t> syncs_after = Syncs();

    Result r = NewResult(phase, threads == 1 ? "commit_1_writer" : "commit_n_writers",
                         "durable 1-record commits, " + std::to_string(threads) +
                             (threads == 1 ? " writer" : " writers"));
    r.ops_per_sec = Median(rates);
    r.p50_ns = Median(p50s);
    r.p99_ns = Median(p99s);
    r.run_ops_per_sec = rates;
    r.metrics = {{"threads", threads}, {"commits", static_cast<double>(total_commits)}};
    r.notes = RunsNote(rates, "/s");
    AppendNote(&r.notes,
               FormatCount(static_cast<double>(total_commits) / config_.runs) + " commits per run");
    if (syncs_before && syncs_after) {
      const double syncs = static_cast<double>(*syncs_after - *syncs_before);
      r.metrics.emplace_back("durable_syncs", syncs);
      AppendNote(&r.notes,
                 FormatFixed(static_cast<double>(total_commits) / std::max(syncs, 1.0), 2) +
                     " commits per fdatasync");
    }
    if (retries > 0) {
      r.metrics.emplace_back("busy_retries", static_cast<double>(retries));
      AppendNote(&r.notes, FormatCount(static_cast<double>(retries)) + " SQLITE_BUSY retries");
    }
    if (phase == kCommitN) {
      for (const Result& one : *results_) {
        if (one.engine == name_ && one.key == "commit_1_writer") {
          const double factor = r.ops_per_sec / one.ops_per_sec;
          r.metrics.emplace_back("factor_vs_1_writer", factor);
          AppendNote(&r.notes, FormatFixed(factor, 2) + "x the 1-writer rate");
        }
      }
    }
    AppendNote(&r.notes, RssNote(rss, &r));
    results_->push_back(r);
  }

  // Phase 4.
  void ReadPhase() {
    const RecordSet& records = dataset_.main;
    PeakRssTracker rss;
    auto reader = engine_->NewReader();
    Log("%s: warming the cache (reading and checking every record)", name_.c_str());
    Stopwatch warm_clock;
    ReadAndVerify(reader.get(), records, 1, name_);
    const double warm_seconds = warm_clock.Seconds();
    EngineStats before = engine_->Stats();

    std::vector<double> rates, p50s, p99s;
    std::vector<uint64_t> latencies;
    latencies.reserve(config_.reads);
    for (int run = 0; run < config_.runs; ++run) {
      Log("%s: %s random reads, run %d of %d", name_.c_str(),
          FormatCount(static_cast<double>(config_.reads)).c_str(), run + 1, config_.runs);
      Rng rng(config_.seed + 1000 + static_cast<uint64_t>(run));  // same ids for both engines
      latencies.clear();
      const uint64_t start = NowNanos();
      uint64_t previous = start;
      // One clock read per operation: each read's latency is the time since
      // the previous one ended (the loop's own cost is a few ns).
      for (uint64_t k = 0; k < config_.reads; ++k) {
        std::string_view id = records[rng.Uniform(records.size())].id;
        if (!reader->Get(id)) Fatal(name_ + ": record " + std::string(id) + " is missing");
        const uint64_t now = NowNanos();
        latencies.push_back(now - previous);
        previous = now;
      }
      rates.push_back(static_cast<double>(config_.reads) /
                      (static_cast<double>(previous - start) * 1e-9));
      p50s.push_back(Percentile(&latencies, 0.50));
      p99s.push_back(Percentile(&latencies, 0.99));
    }
    EngineStats after = engine_->Stats();

    Result r = NewResult(kRead, "random_read", "random point reads, warm cache, 1 thread");
    r.ops_per_sec = Median(rates);
    r.p50_ns = Median(p50s);
    r.p99_ns = Median(p99s);
    r.run_ops_per_sec = rates;
    r.metrics = {{"reads_per_run", static_cast<double>(config_.reads)},
                 {"warmup_seconds", warm_seconds}};
    r.notes = RunsNote(rates, "/s");
    AppendNote(&r.notes, "warm-up read+check of all " +
                             FormatCount(static_cast<double>(records.size())) + " took " +
                             FormatFixed(warm_seconds, 2) + " s");
    if (before.cache_hits && after.cache_hits && before.cache_misses && after.cache_misses) {
      const double hits = static_cast<double>(*after.cache_hits - *before.cache_hits);
      const double misses = static_cast<double>(*after.cache_misses - *before.cache_misses);
      if (hits + misses > 0) {
        r.metrics.emplace_back("block_cache_hit_ratio", hits / (hits + misses));
        AppendNote(&r.notes,
                   "block cache hits " + FormatFixed(100 * hits / (hits + misses), 2) + "%");
      }
    }
    AppendNote(&r.notes, RssNote(rss, &r));
    results_->push_back(r);
  }

  // Phase 6: close, then time reopening (page cache warm, then evicted).
  void OpenPhase() {
    PeakRssTracker rss;
    const uint64_t expected = engine_->Count();
    const RecordSet& records = dataset_.main;
    for (bool cold : {false, true}) {
      std::vector<double> open_times, first_read_times, close_times;
      for (int run = 0; run < config_.runs; ++run) {
        Stopwatch close_clock;
        engine_->Close();
        close_times.push_back(close_clock.Seconds());
        if (cold) EvictFromPageCache(main_dir_);
        Stopwatch clock;
        engine_->Open(main_dir_);
        open_times.push_back(clock.Seconds());
        auto reader = engine_->NewReader();
        if (!reader->Get(records[static_cast<size_t>(run) * 7919 % records.size()].id)) {
          Fatal(name_ + ": a record is missing after reopening");
        }
        first_read_times.push_back(clock.Seconds());
      }
      const double open_seconds = Median(open_times);
      Log("%s: open (%s page cache) %.3f s", name_.c_str(), cold ? "cold" : "warm", open_seconds);
      Result r = NewResult(kOpen, cold ? "open_cold" : "open",
                           cold ? "open the database, its files evicted from the page cache"
                                : "open the database (close, then open)");
      r.metrics = {{"open_seconds", open_seconds},
                   {"open_and_first_read_seconds", Median(first_read_times)},
                   {"close_seconds", Median(close_times)}};
      r.notes = "open " + FormatFixed(open_seconds, 3) + " s, open + first read " +
                FormatFixed(Median(first_read_times), 3) + " s";
      if (config_.runs > 1) r.notes += " (medians of " + std::to_string(config_.runs) + ")";
      AppendNote(&r.notes, "close before it " + FormatFixed(Median(close_times), 3) + " s");
      if (!cold) {
        EngineStats stats = engine_->Stats();
        if (stats.index_memory_bytes) {
          const double per_record =
              static_cast<double>(*stats.index_memory_bytes) / static_cast<double>(expected);
          r.metrics.emplace_back("index_memory_bytes",
                                 static_cast<double>(*stats.index_memory_bytes));
          r.metrics.emplace_back("index_memory_bytes_per_record", per_record);
          AppendNote(&r.notes, "index " +
                                   FormatBytes(static_cast<double>(*stats.index_memory_bytes)) +
                                   " = " + FormatFixed(per_record, 1) + " B/record over " +
                                   FormatCount(static_cast<double>(expected)) + " records");
        }
      }
      if (cold) AppendNote(&r.notes, RssNote(rss, &r));
      results_->push_back(r);
    }
    // The reopened database must still hold everything.
    const uint64_t count = engine_->Count();
    if (count != expected) {
      Fatal(name_ + " holds " + std::to_string(count) + " records after reopening, expected " +
            std::to_string(expected));
    }
    auto reader = engine_->NewReader();
    ReadAndVerify(reader.get(), records, std::max<size_t>(1, records.size() / 1000), name_);
  }

  // A phase 5 row: bytes on disk (as du counts them) over the raw JSON bytes.
  Result MakeSizeResult(const std::string& key, const std::string& workload,
                        const DirectorySize& size, const EngineStats& stats) {
    const double raw = static_cast<double>(dataset_.main.raw_bytes());
    const double ratio = static_cast<double>(size.allocated_bytes) / raw;
    Result r = NewResult(kSize, key, workload);
    r.metrics = {{"ratio", ratio},
                 {"allocated_bytes", static_cast<double>(size.allocated_bytes)},
                 {"apparent_bytes", static_cast<double>(size.apparent_bytes)},
                 {"raw_json_bytes", raw},
                 {"files", static_cast<double>(size.files)}};
    r.notes = FormatFixed(ratio, 3) + " of raw JSON (" +
              FormatBytes(static_cast<double>(size.allocated_bytes)) + " on disk / " +
              FormatBytes(raw) + " raw); apparent size " +
              FormatBytes(static_cast<double>(size.apparent_bytes)) + " in " +
              std::to_string(size.files) + " files";
    if (stats.reported_disk_bytes) {
      r.metrics.emplace_back("stats_total_disk_bytes",
                             static_cast<double>(*stats.reported_disk_bytes));
      AppendNote(&r.notes, "DbStats::total_disk_bytes " +
                               FormatBytes(static_cast<double>(*stats.reported_disk_bytes)));
    }
    return r;
  }

  // Phase 5 for the main database, measured right after its load so the
  // figure covers exactly the N records.
  void ReportMainSize(const EngineStats& stats) {
    const double raw = static_cast<double>(dataset_.main.raw_bytes());
    std::string workload = "size after " + engine_->compact_name();
    if (stats.compression_level) {
      workload += ", level " + std::to_string(*stats.compression_level) + " (default)";
    }
    Result r = MakeSizeResult(has_levels_ ? "size_default_level" : "size", workload,
                              compacted_size_, stats);
    const double flushed_ratio = static_cast<double>(flushed_size_.allocated_bytes) / raw;
    r.metrics.emplace_back("ratio_before_compact", flushed_ratio);
    r.metrics.emplace_back("compact_seconds", compact_seconds_);
    AppendNote(&r.notes, FormatFixed(flushed_ratio, 3) + " after " + engine_->flush_name() +
                             ", before " + engine_->compact_name() + " (which took " +
                             FormatFixed(compact_seconds_, 2) + " s)");
    results_->push_back(r);
  }

  // Phase 5 at compression level 6: a separate database loaded like phase 1.
  void Level6SizePhase() {
    PeakRssTracker rss;
    const std::string dir = config_.dir + "/" + Lower(name_) + "-level6";
    std::unique_ptr<Engine> engine = factory_(6);
    engine->Open(dir);
    Log("%s: loading a database created with compression_level=6", name_.c_str());
    LoadTiming load = LoadRecords(engine.get(), dataset_.main);
    Stopwatch flush_clock;
    engine->Flush();
    const double flush_seconds = flush_clock.Seconds();
    Stopwatch compact_clock;
    engine->Compact();
    const double compact_seconds = compact_clock.Seconds();
    Log("%s: level 6: load %.2f s, flush %.2f s, compact %.2f s", name_.c_str(), load.seconds,
        flush_seconds, compact_seconds);
    const DirectorySize size = MeasureDirectory(dir);
    const EngineStats stats = engine->Stats();
    if (stats.compression_level && *stats.compression_level != 6) {
      Fatal(name_ + " reports compression level " + std::to_string(*stats.compression_level) +
            " for a database created with 6");
    }
    const double load_rate = static_cast<double>(dataset_.main.size()) / load.seconds;
    Result r = MakeSizeResult("size_level6", "size after " + engine->compact_name() + ", level 6",
                              size, stats);
    r.metrics.emplace_back("load_records_per_sec", load_rate);
    r.metrics.emplace_back("flush_seconds", flush_seconds);
    r.metrics.emplace_back("compact_seconds", compact_seconds);
    AppendNote(&r.notes, "its load " + FormatCount(load_rate) + " rec/s, " + engine->flush_name() +
                             " " + FormatFixed(flush_seconds, 2) + " s, " + engine->compact_name() +
                             " " + FormatFixed(compact_seconds, 2) + " s");
    AppendNote(&r.notes, RssNote(rss, &r));
    results_->push_back(r);
    engine->Close();
    RemoveBenchDir(dir);
  }

  const Config& config_;
  const Dataset& dataset_;
  EngineFactory factory_;
  bool has_levels_;
  std::vector<Result>* results_;
  std::unique_ptr<Engine> engine_;
  std::string name_;
  std::string main_dir_;
  size_t pool_next_ = 0;
  double compact_seconds_ = 0;
  DirectorySize flushed_size_;
  DirectorySize compacted_size_;
};

// ---------------------------------------------------------------------------
// The report.

struct MachineInfo {
  unsigned nproc = 0;
  std::string cpu_model;
  std::string kernel;
  std::string date_utc;
  uint64_t memory_bytes = 0;
  std::string dir_filesystem;
  uint64_t free_disk_bytes = 0;
  SyncProbe sync_at_start;
  SyncProbe sync_at_end;
  std::string compiler;
  bool ndebug = false;
  std::string sqlite_version;
};

MachineInfo GatherMachineInfo(const Config& config) {
  MachineInfo m;
  m.nproc = static_cast<unsigned>(sysconf(_SC_NPROCESSORS_ONLN));
  m.cpu_model = CpuModel();
  m.kernel = KernelVersion();
  m.date_utc = UtcDateTime();
  m.memory_bytes = ReadProcKiB("/proc/meminfo", "MemTotal:");
  m.dir_filesystem = FileSystemType(config.dir);
  m.free_disk_bytes = FreeDiskBytes(config.dir);
#if defined(__clang__)
  m.compiler = "clang " __clang_version__;
#elif defined(__GNUC__)
  m.compiler = "g++ " __VERSION__;
#endif
#ifdef NDEBUG
  m.ndebug = true;
#endif
  m.sqlite_version = sqlite3_libversion();
  return m;
}

void PrintHeader(const Config& config, const MachineInfo& m, const Dataset& dataset) {
  const RecordSet& records = dataset.main;
  const double n = static_cast<double>(records.size());
  std::printf("# SpiraPi storage benchmark\n\n");
  std::printf("- command: `%s`\n", config.command_line.c_str());
  std::printf("- date: %s\n", m.date_utc.c_str());
  std::printf("- machine: %u CPUs (nproc), %s, %s RAM\n", m.nproc, m.cpu_model.c_str(),
              FormatBytes(static_cast<double>(m.memory_bytes)).c_str());
  std::printf("- kernel: %s\n", m.kernel.c_str());
  std::printf(
      "- disk: `%s` on %s, %s free at start; fdatasync after a 1 KiB append at start: "
      "p50 %s, p99 %s (%d samples; again at the end of the report)\n",
      config.dir.c_str(), m.dir_filesystem.c_str(),
      FormatBytes(static_cast<double>(m.free_disk_bytes)).c_str(),
      FormatLatency(m.sync_at_start.p50_ns).c_str(), FormatLatency(m.sync_at_start.p99_ns).c_str(),
      m.sync_at_start.samples);
  std::printf("- build: %s, %s; SQLite %s\n", m.compiler.c_str(),
              m.ndebug ? "NDEBUG (release)" : "assertions ON (not a release build!)",
              m.sqlite_version.c_str());
  std::printf("- mode: %s\n",
              config.quick ? "--quick (smoke test: small data, no target checks)" : "full");
  std::printf(
      "- data: %s π-sequence records (seed %llu), ids of %zu bytes in random order, "
      "mean record %.0f bytes (id + data + metadata), raw JSON %s; "
      "%s more for the commit phases; generated in %.1f s\n",
      FormatCount(n).c_str(), static_cast<unsigned long long>(config.seed),
      records.size() ? records[0].id.size() : 0, static_cast<double>(records.raw_bytes()) / n,
      FormatBytes(static_cast<double>(records.raw_bytes())).c_str(),
      FormatCount(static_cast<double>(dataset.pool.size())).c_str(), dataset.generate_seconds);
  std::printf(
      "- durability: SpiraPi WriteOptions::sync=true (commit returns after fdatasync; "
      "concurrent commits share one); SQLite journal_mode=WAL, synchronous=FULL\n");
  std::printf(
      "- caches: SpiraPi Options::block_cache_bytes = %s; SQLite cache_size = -%lld "
      "(KiB, %s) per connection, mmap off\n",
      FormatBytes(static_cast<double>(kSpiraPiCacheBytes)).c_str(),
      static_cast<long long>(kSqliteCacheKiB),
      FormatBytes(static_cast<double>(kSqliteCacheKiB) * 1024).c_str());
  std::printf(
      "- SpiraPi options: the defaults (compression_level as created, "
      "background_work on) except block_cache_bytes; verify_checksums=%s%s\n",
      config.verify_checksums ? "true" : "false",
      config.verify_checksums ? " (SHA-256 of every record read)" : " (--no-verify-checksums)");
  std::printf(
      "- SQLite schema: one table records(id TEXT PRIMARY KEY, data TEXT, metadata TEXT); "
      "busy_timeout %d ms; one connection per thread\n",
      kSqliteBusyTimeoutMs);
  std::printf(
      "- repetitions: phases 2-4 %s; commit runs stop after %s commits per writer or "
      "%.1f s; %s timed reads per run\n",
      config.runs > 1 ? ("median of " + std::to_string(config.runs) +
                         " runs (ops/s, p50 "
                         "and p99 each the median over runs)")
                            .c_str()
                      : "a single run",
      FormatCount(static_cast<double>(config.commits)).c_str(), config.commit_seconds,
      FormatCount(static_cast<double>(config.reads)).c_str());
  std::printf(
      "- memory: peak RSS is per phase and includes the benchmark's own data set (%s)\n",
      FormatBytes(static_cast<double>(dataset.main.memory_bytes() + dataset.pool.memory_bytes()))
          .c_str());
  if (m.dir_filesystem == "tmpfs") {
    std::printf(
        "- WARNING: --dir is on tmpfs, where fsync costs nothing: durable figures are "
        "meaningless\n");
  }
  std::printf("\n");
  std::fflush(stdout);
}

std::string MarkdownCell(std::string s) {
  for (size_t at = 0; (at = s.find('|', at)) != std::string::npos; at += 2) s.replace(at, 1, "\\|");
  return s;
}

void PrintResults(const std::vector<Result>& results) {
  std::printf("## Results\n\n");
  std::printf("| engine | workload | ops/s | p50 | p99 | notes |\n");
  std::printf("|---|---|---:|---:|---:|---|\n");
  for (const Result& r : results) {
    std::printf("| %s | %d. %s | %s | %s | %s | %s |\n", r.engine.c_str(), r.phase,
                MarkdownCell(r.workload).c_str(), FormatCount(r.ops_per_sec).c_str(),
                FormatLatency(r.p50_ns).c_str(), FormatLatency(r.p99_ns).c_str(),
                MarkdownCell(r.notes).c_str());
  }
  std::printf("\n");
}

struct TargetCheck {
  std::string name;
  std::string target;
  std::string measured;
  std::optional<bool> pass;  // unset: not measured in this run
};

const Result* Find(const std::vector<Result>& results, const std::string& engine,
                   const std::string& key) {
  for (const Result& r : results) {
    if (r.engine == engine && r.key == key) return &r;
  }
  return nullptr;
}

std::vector<TargetCheck> CheckTargets(const Config& config, const std::vector<Result>& results) {
  std::vector<TargetCheck> checks;
  auto add = [&](std::string name, std::string target, const Result* r,
                 const std::function<std::pair<std::string, bool>(const Result&)>& judge) {
    TargetCheck c{std::move(name), std::move(target), "not measured", std::nullopt};
    if (r != nullptr) {
      auto [measured, pass] = judge(*r);
      c.measured = measured;
      if (measured.find("—") == std::string::npos) c.pass = pass;  // "—": a figure is missing
    }
    checks.push_back(c);
  };
  add("1. bulk load", "≥ " + FormatCount(kTargetLoadPerSec) + " rec/s",
      Find(results, "SpiraPi", "bulk_load"), [](const Result& r) {
        return std::make_pair(FormatCount(r.ops_per_sec) + " rec/s",
                              r.ops_per_sec >= kTargetLoadPerSec);
      });
  const Result* sqlite_commit = Find(results, "SQLite", "commit_1_writer");
  add("2. durable commits, 1 writer", "≥ SQLite",
      sqlite_commit ? Find(results, "SpiraPi", "commit_1_writer") : nullptr, [&](const Result& r) {
        return std::make_pair(FormatCount(r.ops_per_sec) + "/s vs SQLite " +
                                  FormatCount(sqlite_commit->ops_per_sec) + "/s",
                              r.ops_per_sec >= sqlite_commit->ops_per_sec);
      });
  add("3. durable commits, " + std::to_string(config.writers) + " writers",
      "≥ " + FormatFixed(kTargetMultiWriterFactor, 0) + "x the 1-writer rate",
      Find(results, "SpiraPi", "commit_n_writers"), [](const Result& r) {
        double factor = r.Metric("factor_vs_1_writer");
        return std::make_pair(FormatCount(r.ops_per_sec) + "/s = " + FormatFixed(factor, 2) + "x",
                              factor >= kTargetMultiWriterFactor);
      });
  add("4. warm random reads", "≥ " + FormatCount(kTargetReadsPerSec) + "/s",
      Find(results, "SpiraPi", "random_read"), [](const Result& r) {
        return std::make_pair(FormatCount(r.ops_per_sec) + "/s",
                              r.ops_per_sec >= kTargetReadsPerSec);
      });
  add("5. size after Compact(), level 6", "≤ " + FormatFixed(kTargetSizeRatio, 2) + " of raw",
      Find(results, "SpiraPi", "size_level6"), [](const Result& r) {
        double ratio = r.Metric("ratio");
        return std::make_pair(FormatFixed(ratio, 3), ratio <= kTargetSizeRatio);
      });
  add("6. open", "< " + FormatFixed(kTargetOpenSeconds, 0) + " s", Find(results, "SpiraPi", "open"),
      [](const Result& r) {
        double s = r.Metric("open_seconds");
        return std::make_pair(FormatFixed(s, 3) + " s", s < kTargetOpenSeconds);
      });
  add("6. open, cold page cache (stricter)", "< " + FormatFixed(kTargetOpenSeconds, 0) + " s",
      Find(results, "SpiraPi", "open_cold"), [](const Result& r) {
        double s = r.Metric("open_seconds");
        return std::make_pair(FormatFixed(s, 3) + " s", s < kTargetOpenSeconds);
      });
  return checks;
}

void PrintTargets(const Config& config, const std::vector<TargetCheck>& checks) {
  std::printf("## Targets\n\n");
  if (config.quick) {
    std::printf("Not checked in --quick mode (the figures above are a smoke test only).\n\n");
    return;
  }
  std::printf("| target | required | measured | result |\n|---|---|---|---|\n");
  for (const TargetCheck& c : checks) {
    std::printf("| %s | %s | %s | %s |\n", c.name.c_str(), c.target.c_str(), c.measured.c_str(),
                !c.pass ? "—" : (*c.pass ? "PASS" : "FAIL"));
  }
  std::printf("\n");
}

// Whether the disk behaved the same at the end as at the start: durable
// commit figures are only comparable if it did.
void PrintConditions(const MachineInfo& m) {
  std::printf("## Conditions\n\n");
  std::printf(
      "fdatasync after a 1 KiB append in --dir: p50 %s / p99 %s at the start, "
      "p50 %s / p99 %s at the end.\n",
      FormatLatency(m.sync_at_start.p50_ns).c_str(), FormatLatency(m.sync_at_start.p99_ns).c_str(),
      FormatLatency(m.sync_at_end.p50_ns).c_str(), FormatLatency(m.sync_at_end.p99_ns).c_str());
  const double ratio = m.sync_at_end.p50_ns / m.sync_at_start.p50_ns;
  if (ratio > 1.5 || ratio < 1 / 1.5) {
    std::printf(
        "WARNING: the disk's sync latency changed by %.1fx during the run; durable-commit "
        "figures (phases 1-3) are not reliable. Rerun on a quiet machine.\n",
        ratio > 1 ? ratio : 1 / ratio);
  }
  std::printf("\n");
}

void WriteJson(const Config& config, const MachineInfo& m, const Dataset& dataset,
               const std::vector<Result>& results, const std::vector<TargetCheck>& checks) {
  std::string j =
      "{\n  \"tool\": \"storage_bench\",\n  \"format_version\": 1,\n  \"command_line\": ";
  AppendJsonQuoted(&j, config.command_line);
  j += ",\n  \"machine\": {\"nproc\": " + std::to_string(m.nproc) + ", \"cpu_model\": ";
  AppendJsonQuoted(&j, m.cpu_model);
  j += ", \"kernel\": ";
  AppendJsonQuoted(&j, m.kernel);
  j += ", \"date_utc\": ";
  AppendJsonQuoted(&j, m.date_utc);
  j += ", \"memory_bytes\": " + std::to_string(m.memory_bytes) + ", \"dir\": ";
  AppendJsonQuoted(&j, config.dir);
  j += ", \"dir_filesystem\": ";
  AppendJsonQuoted(&j, m.dir_filesystem);
  j += ", \"free_disk_bytes\": " + std::to_string(m.free_disk_bytes);
  j += ", \"fdatasync_1k_append\": {\"samples\": " + std::to_string(m.sync_at_start.samples) +
       ", \"start_p50_us\": " + JsonNumber(m.sync_at_start.p50_ns / 1e3) +
       ", \"start_p99_us\": " + JsonNumber(m.sync_at_start.p99_ns / 1e3) +
       ", \"end_p50_us\": " + JsonNumber(m.sync_at_end.p50_ns / 1e3) +
       ", \"end_p99_us\": " + JsonNumber(m.sync_at_end.p99_ns / 1e3) + "}";
  j += ", \"compiler\": ";
  AppendJsonQuoted(&j, m.compiler);
  j += std::string(", \"ndebug\": ") + (m.ndebug ? "true" : "false") + ", \"sqlite_version\": ";
  AppendJsonQuoted(&j, m.sqlite_version);
  j += "},\n  \"config\": {\"quick\": " + std::string(config.quick ? "true" : "false") +
       ", \"records\": " + std::to_string(dataset.main.size()) +
       ", \"seed\": " + std::to_string(config.seed) + ", \"runs\": " + std::to_string(config.runs) +
       ", \"commits_per_writer\": " + std::to_string(config.commits) +
       ", \"commit_seconds\": " + JsonNumber(config.commit_seconds) +
       ", \"reads_per_run\": " + std::to_string(config.reads) +
       ", \"writers\": " + std::to_string(config.writers) +
       ", \"batch_records\": " + std::to_string(kBatchRecords) + ", \"phases\": [";
  bool first = true;
  for (int p : config.phases) {
    j += (first ? "" : ", ") + std::to_string(p);
    first = false;
  }
  j += "], \"raw_json_bytes\": " + std::to_string(dataset.main.raw_bytes()) +
       ", \"mean_record_bytes\": " +
       JsonNumber(static_cast<double>(dataset.main.raw_bytes()) /
                  static_cast<double>(dataset.main.size())) +
       ", \"spirapi_block_cache_bytes\": " + std::to_string(kSpiraPiCacheBytes) +
       ", \"spirapi_write_sync\": true, \"spirapi_verify_checksums\": " +
       std::string(config.verify_checksums ? "true" : "false") + ", \"sqlite_cache_size\": -" +
       std::to_string(kSqliteCacheKiB) +
       ", \"sqlite_journal_mode\": \"wal\", \"sqlite_synchronous\": \"FULL\"},\n  \"results\": [";
  first = true;
  for (const Result& r : results) {
    j += first ? "\n    {" : ",\n    {";
    first = false;
    j += "\"engine\": ";
    AppendJsonQuoted(&j, r.engine);
    j += ", \"phase\": " + std::to_string(r.phase) + ", \"key\": ";
    AppendJsonQuoted(&j, r.key);
    j += ", \"workload\": ";
    AppendJsonQuoted(&j, r.workload);
    j += ", \"ops_per_sec\": " + JsonNumber(r.ops_per_sec) +
         ", \"p50_us\": " + JsonNumber(r.p50_ns / 1e3) +
         ", \"p99_us\": " + JsonNumber(r.p99_ns / 1e3) + ", \"runs_ops_per_sec\": [";
    for (size_t i = 0; i < r.run_ops_per_sec.size(); ++i) {
      j += (i ? ", " : "") + JsonNumber(r.run_ops_per_sec[i]);
    }
    j += "], \"metrics\": {";
    for (size_t i = 0; i < r.metrics.size(); ++i) {
      if (i) j += ", ";
      AppendJsonQuoted(&j, r.metrics[i].first);
      j += ": " + JsonNumber(r.metrics[i].second);
    }
    j += "}, \"notes\": ";
    AppendJsonQuoted(&j, r.notes);
    j += "}";
  }
  j += "\n  ],\n  \"targets\": [";
  first = true;
  for (const TargetCheck& c : checks) {
    j += first ? "\n    {" : ",\n    {";
    first = false;
    j += "\"name\": ";
    AppendJsonQuoted(&j, c.name);
    j += ", \"required\": ";
    AppendJsonQuoted(&j, c.target);
    j += ", \"measured\": ";
    AppendJsonQuoted(&j, c.measured);
    j += ", \"pass\": ";
    j += config.quick || !c.pass ? "null" : (*c.pass ? "true" : "false");
    j += "}";
  }
  j += "\n  ]\n}\n";
  std::FILE* f = std::fopen(config.json_path.c_str(), "w");
  if (f == nullptr || std::fwrite(j.data(), 1, j.size(), f) != j.size() || std::fclose(f) != 0) {
    Fatal("cannot write " + config.json_path + ": " + std::strerror(errno));
  }
}

int Main(int argc, char** argv) {
  ProgramClock();  // start the progress clock
  const Config config = ParseArgs(argc, argv);

  Dataset dataset;
  Log("generating %s records", FormatCount(static_cast<double>(config.records)).c_str());
  GenerateDataset(config, &dataset);
  if (!config.dump_path.empty()) {
    DumpRecords(dataset.main, config.dump_path);
    Log("wrote %zu records to %s", dataset.main.size(), config.dump_path.c_str());
    return 0;
  }

  MachineInfo machine = GatherMachineInfo(config);
  const int probe_samples = config.quick ? 50 : 200;
  PrepareBenchDir(config.dir);
  machine.sync_at_start = ProbeSyncLatency(config.dir, probe_samples);
  PrintHeader(config, machine, dataset);
  // Each database holds the records a few times over (journal, segments,
  // SQLite's B-tree and WAL); warn early rather than fail late.
  const uint64_t need = dataset.main.raw_bytes() * 4;
  if (machine.free_disk_bytes != 0 && machine.free_disk_bytes < need) {
    Log("warning: %s free on the disk of %s; about %s may be needed",
        FormatBytes(static_cast<double>(machine.free_disk_bytes)).c_str(), config.dir.c_str(),
        FormatBytes(static_cast<double>(need)).c_str());
  }

  std::vector<Result> results;
  EngineRun spirapi(
      config, dataset,
      [&config](std::optional<int> level) -> std::unique_ptr<Engine> {
        return std::make_unique<SpiraPiEngine>(kSpiraPiCacheBytes, config.verify_checksums, level);
      },
      /*has_compression_levels=*/true, &results);
  spirapi.Run();
  if (!config.skip_sqlite) {
    EngineRun sqlite(
        config, dataset,
        [](std::optional<int>) -> std::unique_ptr<Engine> {
          return std::make_unique<SqliteEngine>();
        },
        /*has_compression_levels=*/false, &results);
    sqlite.Run();
  }

  // Rows grouped by phase, SpiraPi before SQLite within a phase.
  std::stable_sort(results.begin(), results.end(),
                   [](const Result& a, const Result& b) { return a.phase < b.phase; });
  const std::vector<TargetCheck> checks = CheckTargets(config, results);
  PrintResults(results);
  PrintTargets(config, checks);

  PrepareBenchDir(config.dir);
  machine.sync_at_end = ProbeSyncLatency(config.dir, probe_samples);
  RemoveBenchDir(config.dir);
  PrintConditions(machine);
  if (!config.json_path.empty()) {
    WriteJson(config, machine, dataset, results, checks);
    Log("wrote %s", config.json_path.c_str());
  }
  Log("done");
  return 0;
}

}  // namespace
}  // namespace spirapi_bench

int main(int argc, char** argv) { return spirapi_bench::Main(argc, argv); }
