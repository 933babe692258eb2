// spirapi_bench: SpiraPi beside the embedded stores people compare it with,
// in the spirit of LevelDB's db_bench. One run drives SpiraPi (at its default
// compression level and at level 6), SQLite (WAL), LMDB, RocksDB (zstd, and
// bzip2 as its nearest to LZMA, which RocksDB lacks) and LevelDB (snappy)
// through the same workloads on the same records, then times SpiraPi's π
// against MPFR and FLINT/Arb, and prints Markdown tables (--json: figures).
//
// Fair by construction:
//  - every engine gets the same keys (16 decimal digits), the same value
//    bytes, the same key order and the same random choices (one seed);
//  - each workload states whether its commits are durable, and every engine
//    is set to match (SpiraPi/RocksDB/LevelDB WriteOptions::sync, SQLite
//    synchronous=FULL or NORMAL, LMDB default or MDB_NOSYNC);
//  - each engine's own cache gets the same budget (--cache-mib); the OS page
//    cache is shared and unconstrained (LMDB has no other);
//  - each engine x value size x run is a forked child, so no engine's memory
//    or caches help or burden another, and its peak RSS is its own; the data
//    directory is removed after every child;
//  - runs interleave the engines, and the median of --runs runs is reported.
//
// Values: 100 B and 16 KB of printable text, half random and half a repeat
// (compressible to about 0.4-0.5 as db_bench's values are), and about 1 KB of
// π-sequence JSON like SpiraPi's seed data (bench/pi_records.h). SpiraPi
// stores the JSON as the record's data and the text values as the record's
// blob (PutWithBlob with data and metadata "{}"), so it gets exactly the same
// bytes as the others and never parses text as JSON.
//
//   spirapi_bench                  the full run (about 20 minutes, 2 cores)
//   spirapi_bench --quick          CI smoke test, well under a minute
//   spirapi_bench --large          1,000,000 records of 1 KB: data ten times the cache
//   spirapi_bench --json out.json  figures as JSON as well
// Progress goes to stderr, the report to stdout.

#include <lmdb.h>
#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/write_batch.h>
#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/options_util.h>
#include <rocksdb/write_batch.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <latch>
#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <unordered_set>

#include "bench_util.h"
#include "pi_peers.h"
#include "pi_records.h"
#include "spirapi/db.h"
#include "spirapi/options.h"
#include "sqlite_util.h"

namespace spirapi_bench {
namespace {

constexpr uint64_t kSeed = 271828182845904ULL;
constexpr size_t kBatch = 1'000;  // records per transaction of fillrandom
constexpr size_t kScanLength = 100;
constexpr int kSyncThreads = 4;
constexpr int kMixThreads = 2;
constexpr int kMixWritePercent = 10;
constexpr size_t kVerifiedReads = 1'000;  // warm reads checked against the data set
constexpr char kDirMarker[] = ".spirapi_bench_dir";

// ---------------------------------------------------------------------------
// Configuration.

// Record counts of one value size.
struct Counts {
  uint64_t records = 0;    // fillseq, fillrandom; the loaded database
  uint64_t reads = 0;      // readrandom (warm)
  uint64_t cold_reads = 0; // readrandom after reopening with the files out of the page cache
  uint64_t scans = 0;      // seeks of the 100-record scans
  uint64_t overwrites = 0;
  uint64_t mix_ops = 0;    // per thread
  uint64_t deletes = 0;
  uint64_t sync_records = 0;  // fillsync, and fillsync on 4 threads (in all)
};

struct ValueSpec {
  std::string name;  // "100B", "1KB", "16KB"
  bool json = false;
  size_t bytes = 0;  // text values: the exact size; JSON: about
  Counts counts;
};

// Full-run counts: sized so that all engines, value sizes and 3 runs take
// about 20 minutes on a 2-core machine with an NVMe-class disk.
Counts FullCounts(size_t value_bytes, uint64_t records) {
  Counts c;
  c.records = records;
  c.reads = records;
  c.cold_reads = std::max<uint64_t>(1, records / 10);
  c.scans = std::max<uint64_t>(1, records / 100);
  c.overwrites = records / 2;
  c.mix_ops = records / 4;
  c.deletes = records / 4;
  c.sync_records = value_bytes > 4096 ? 1'000 : 2'000;
  return c;
}

struct Config {
  bool quick = false;
  int runs = 3;
  std::string dir = "./spirapi-bench-data";
  std::string json_path;
  size_t cache_mib = 64;
  std::vector<std::string> engines;  // empty: all
  std::vector<std::string> sizes;    // empty: all
  std::vector<uint64_t> pi_digits = {1'000'000, 10'000'000};
  int pi_threads = 1;
  uint64_t scale_percent = 100;  // scales the full-run record counts
  std::string command_line;
};

[[noreturn]] void Usage(const std::string& error) {
  if (!error.empty()) std::fprintf(stderr, "spirapi_bench: %s\n\n", error.c_str());
  std::fprintf(stderr,
               "usage: spirapi_bench [options]\n"
               "  --quick            CI smoke test: small counts, 1 run, π at 10^5 digits\n"
               "  --large            1,000,000 records of 1 KB (820 MiB, ten times the cache):\n"
               "                     --sizes 1KB --scale 1000 --runs 1 --pi-digits 0\n"
               "  --runs N           runs per engine and value size, median reported (default 3)\n"
               "  --dir PATH         scratch directory, emptied first and removed at the end\n"
               "                     (default ./spirapi-bench-data)\n"
               "  --json PATH        also write the figures as JSON\n"
               "  --cache-mib N      each engine's cache budget (default 64)\n"
               "  --engines LIST     spirapi,spirapi-space,spirapi-speed,spirapi-lzma,sqlite,lmdb,\n"
               "                     rocksdb-zstd,rocksdb-bzip2,leveldb\n"
               "  --sizes LIST       100B,1KB,16KB\n"
               "  --scale PERCENT    scales the full run's record counts (default 100)\n"
               "  --pi-digits LIST   π sizes (default 1000000,10000000; 0: none)\n"
               "  --pi-threads N     threads for SpiraPi and Arb (default 1; MPFR has one)\n");
  std::exit(error.empty() ? 0 : 1);
}

Config ParseArgs(int argc, char** argv) {
  Config config;
  for (int i = 0; i < argc; ++i) {
    if (i) config.command_line += ' ';
    config.command_line += argv[i];
  }
  bool runs_set = false, pi_set = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Usage(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--quick") {
      config.quick = true;
    } else if (arg == "--large") {
      config.sizes = {"1KB"};
      config.scale_percent = 1000;
      config.pi_digits.clear();
      pi_set = true;
      if (!runs_set) config.runs = 1;
    } else if (arg == "--runs") {
      config.runs = std::max(1, std::atoi(value().c_str()));
      runs_set = true;
    } else if (arg == "--dir") {
      config.dir = value();
    } else if (arg == "--json") {
      config.json_path = value();
    } else if (arg == "--cache-mib") {
      config.cache_mib = std::strtoull(value().c_str(), nullptr, 10);
    } else if (arg == "--engines") {
      config.engines = SplitList(value());
    } else if (arg == "--sizes") {
      config.sizes = SplitList(value());
    } else if (arg == "--scale") {
      config.scale_percent = std::max<uint64_t>(1, std::strtoull(value().c_str(), nullptr, 10));
    } else if (arg == "--pi-digits") {
      config.pi_digits.clear();
      for (const auto& s : SplitList(value())) {
        if (uint64_t n = std::strtoull(s.c_str(), nullptr, 10)) config.pi_digits.push_back(n);
      }
      pi_set = true;
    } else if (arg == "--pi-threads") {
      config.pi_threads = std::max(1, std::atoi(value().c_str()));
    } else if (arg == "--help" || arg == "-h") {
      Usage("");
    } else {
      Usage("unknown option " + arg);
    }
  }
  if (config.quick) {
    if (!runs_set) config.runs = 1;
    if (!pi_set) config.pi_digits = {100'000};
  }
  return config;
}

std::vector<ValueSpec> ValueSpecs(const Config& config) {
  auto scaled = [&](uint64_t n) { return std::max<uint64_t>(100, n * config.scale_percent / 100); };
  std::vector<ValueSpec> specs = {
      {"100B", false, 100, FullCounts(100, scaled(200'000))},
      {"1KB", true, 1'000, FullCounts(1'000, scaled(100'000))},
      {"16KB", false, 16'384, FullCounts(16'384, scaled(10'000))},
  };
  if (config.quick) {
    for (ValueSpec& s : specs) {
      const uint64_t n = s.bytes > 4096 ? 300 : 2'000;
      s.counts = {n, n, n / 10, n / 100, n / 2, n / 4, n / 4, 100};
    }
  }
  std::vector<ValueSpec> chosen;
  for (const ValueSpec& s : specs) {
    if (config.sizes.empty() ||
        std::find(config.sizes.begin(), config.sizes.end(), s.name) != config.sizes.end()) {
      chosen.push_back(s);
    }
  }
  if (chosen.empty()) Usage("--sizes names none of 100B,1KB,16KB");
  return chosen;
}

// ---------------------------------------------------------------------------
// The data set of one value size.

struct DataSet {
  bool json = false;
  std::string arena;              // every value, back to back
  std::vector<uint64_t> offsets;  // value i is arena[offsets[i], offsets[i + 1])
  std::vector<uint32_t> fill_order;    // fillrandom's key order: a permutation
  std::vector<uint32_t> delete_order;  // another permutation; delete takes its head
  uint64_t raw_bytes = 0;              // keys and values of the loaded database

  uint64_t size() const { return offsets.size() - 1; }
  std::string_view value(uint64_t i) const {
    return std::string_view(arena).substr(offsets[i], offsets[i + 1] - offsets[i]);
  }
  // The value an overwrite of key i writes: another record's, so the bytes
  // change but their kind and size do not.
  std::string_view new_value(uint64_t i) const { return value((i + size() / 2) % size()); }
};

// Keys are the record number as 16 decimal digits: fixed length, and in key
// order exactly when in number order (so fillseq is sequential for all).
struct Key {
  char bytes[16];
  explicit Key(uint64_t n) {
    for (int i = 15; i >= 0; --i, n /= 10) bytes[i] = static_cast<char>('0' + n % 10);
  }
  std::string_view view() const { return std::string_view(bytes, sizeof(bytes)); }
};
constexpr size_t kKeyBytes = sizeof(Key::bytes);

std::vector<uint32_t> Permutation(uint64_t n, Rng* rng) {
  std::vector<uint32_t> p(n);
  for (uint64_t i = 0; i < n; ++i) p[i] = static_cast<uint32_t>(i);
  for (uint64_t i = n; i > 1; --i) std::swap(p[i - 1], p[rng->Uniform(i)]);
  return p;
}

void GenerateDataSet(const ValueSpec& spec, DataSet* ds) {
  const uint64_t n = spec.counts.records;
  Rng rng(kSeed ^ spec.bytes);
  ds->json = spec.json;
  ds->arena.clear();
  ds->arena.reserve(n * (spec.json ? 1'000 : spec.bytes));
  ds->offsets.assign(1, 0);
  if (spec.json) {
    // The record's data object: 200 digits, their statistics and a source.
    std::unordered_set<uint64_t> used_ids;
    PiRecordGenerator generator(rng.Next(), &used_ids, kBatch);
    RecordSet one;
    for (uint64_t i = 0; i < n; ++i) {
      one = RecordSet();
      generator.Generate(i, &one);
      ds->arena += one[0].data;
      ds->offsets.push_back(ds->arena.size());
    }
  } else {
    // Half random letters and digits, half a repeat of them: compressible to
    // about half, as db_bench's values are, by any engine's compressor.
    static constexpr char kAlphabet[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
    for (uint64_t i = 0; i < n; ++i) {
      const size_t start = ds->arena.size();
      const size_t half = (spec.bytes + 1) / 2;
      for (size_t b = 0; b < half; ++b) ds->arena.push_back(kAlphabet[rng.Next() & 63]);
      for (size_t b = half; b < spec.bytes; ++b) ds->arena.push_back(ds->arena[start + b - half]);
      ds->offsets.push_back(ds->arena.size());
    }
  }
  ds->fill_order = Permutation(n, &rng);
  ds->delete_order = Permutation(n, &rng);
  ds->raw_bytes = ds->arena.size() + n * kKeyBytes;
}

// ---------------------------------------------------------------------------
// The engines behind one small interface, so every workload runs the same
// code for all of them.

using ScanFn = std::function<void(std::string_view key, std::string_view value)>;

// One thread's handle. Not thread-safe; one per thread.
class Session {
 public:
  virtual ~Session() = default;
  // One record in its own transaction, durable if `sync`.
  virtual void Put(std::string_view key, std::string_view value, bool sync) = 0;
  // Several records in one transaction, durable if `sync`.
  virtual void BeginBatch(bool sync) = 0;
  virtual void BatchPut(std::string_view key, std::string_view value) = 0;
  virtual void CommitBatch() = 0;
  // False if the key has no record.
  virtual bool Get(std::string_view key, std::string* value) = 0;
  virtual void Delete(std::string_view key, bool sync) = 0;
  // Up to `limit` records (0: all) in key order from the first key >= from.
  virtual void Scan(std::string_view from, size_t limit, const ScanFn& fn) = 0;
};

class Engine {
 public:
  virtual ~Engine() = default;
  // Opens the database in `dir`, creating it if missing.
  virtual void Open(const std::string& dir) = 0;
  virtual void Close() = 0;  // every session must be gone
  virtual std::unique_ptr<Session> NewSession() = 0;
  // Called before a workload that writes: for engines whose durability is a
  // setting of the whole database rather than of a commit.
  virtual void SetSync(bool /*sync*/) {}
  // Rewrites the data without overwritten or deleted records.
  virtual void Compact() = 0;
};

// ----- SpiraPi

constexpr spirapi::Component kComponent = spirapi::Component::kSequence;

void Check(const spirapi::Status& s, const char* what) {
  if (!s.ok()) Fatal(std::string("SpiraPi ") + what + " failed: " + s.ToString());
}

class SpiraPiSession : public Session {
 public:
  SpiraPiSession(spirapi::DB* db, bool json) : db_(db), json_(json) {}

  void Put(std::string_view key, std::string_view value, bool sync) override {
    spirapi::WriteOptions wo;
    wo.sync = sync;
    Check(json_ ? db_->Put(wo, kComponent, key, value)
                : db_->PutWithBlob(wo, kComponent, key, "{}", "{}", value),
          "Put");
  }
  void BeginBatch(bool sync) override {
    spirapi::WriteOptions wo;
    wo.sync = sync;
    Check(db_->BeginTransaction(wo, &txn_), "BeginTransaction");
  }
  void BatchPut(std::string_view key, std::string_view value) override {
    Check(json_ ? txn_->Put(kComponent, key, value)
                : txn_->PutWithBlob(kComponent, key, "{}", "{}", value),
          "Transaction::Put");
  }
  void CommitBatch() override {
    Check(txn_->Commit(), "Commit");
    txn_.reset();
  }
  bool Get(std::string_view key, std::string* value) override {
    spirapi::Status s = db_->Get(spirapi::ReadOptions(), kComponent, key, &record_);
    if (s.IsNotFound()) return false;
    Check(s, "Get");
    // A swap, not a copy: the engine has already copied the bytes out once,
    // as the others do into *value.
    value->swap(json_ ? record_.data : record_.blob);
    return true;
  }
  void Delete(std::string_view key, bool sync) override {
    spirapi::WriteOptions wo;
    wo.sync = sync;
    Check(db_->Delete(wo, kComponent, key), "Delete");
  }
  void Scan(std::string_view from, size_t limit, const ScanFn& fn) override {
    spirapi::ScanOptions so;
    so.from = std::string(from);
    so.limit = limit;
    Check(db_->Scan(spirapi::ReadOptions(), kComponent, so,
                    [&](const spirapi::StorageRecord& r) {
                      fn(r.id, json_ ? r.data : r.blob);
                      return true;
                    }),
          "Scan");
  }

 private:
  spirapi::DB* db_;
  bool json_;
  std::unique_ptr<spirapi::Transaction> txn_;
  spirapi::StorageRecord record_;
};

// SpiraPi at its defaults, tuned by DB::OptimizeFor, or with explicit
// compression settings (the LZMA configuration of earlier releases).
struct SpiraPiConfig {
  std::optional<spirapi::CompressionCodec> codec;
  std::optional<int> level;
  std::optional<int> block_kib;
  std::optional<spirapi::OptimizationGoal> goal;
};

class SpiraPiEngine : public Engine {
 public:
  SpiraPiEngine(const SpiraPiConfig& config, size_t cache_bytes, bool json)
      : config_(config), cache_bytes_(cache_bytes), json_(json) {}
  void Open(const std::string& dir) override {
    spirapi::Options options;
    options.compression_codec = config_.codec;
    options.compression_level = config_.level;
    options.block_size_kib = config_.block_kib;
    options.block_cache_bytes = cache_bytes_;
    Check(spirapi::DB::Open(options, dir, &db_), "Open");
    if (config_.goal) Check(db_->OptimizeFor(*config_.goal), "OptimizeFor");
  }
  void Close() override { db_.reset(); }
  std::unique_ptr<Session> NewSession() override {
    return std::make_unique<SpiraPiSession>(db_.get(), json_);
  }
  void Compact() override { Check(db_->Compact(), "Compact"); }

 private:
  SpiraPiConfig config_;
  size_t cache_bytes_;
  bool json_;
  std::unique_ptr<spirapi::DB> db_;
};

// ----- SQLite: a rowid table with the key as its primary key, WAL mode.

class SqliteSession : public Session {
 public:
  SqliteSession(const std::string& file, size_t cache_bytes) {
    if (sqlite3_open_v2(file.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
      Fatal("SQLite open of " + file + " failed");
    }
    sqlite3_busy_timeout(db_, 10'000);
    if (SqliteQueryText(db_, "PRAGMA journal_mode=WAL") != "wal") Fatal("SQLite refused WAL");
    SqliteExec(db_, "PRAGMA cache_size=-" + std::to_string(cache_bytes / 1024));
    SqliteExec(db_, "CREATE TABLE IF NOT EXISTS kv(k TEXT PRIMARY KEY, v BLOB)");
    SetSync(false);
    put_ = std::make_unique<SqliteStatement>(db_, "INSERT OR REPLACE INTO kv(k, v) VALUES(?, ?)");
    get_ = std::make_unique<SqliteStatement>(db_, "SELECT v FROM kv WHERE k = ?");
    del_ = std::make_unique<SqliteStatement>(db_, "DELETE FROM kv WHERE k = ?");
    scan_ = std::make_unique<SqliteStatement>(
        db_, "SELECT k, v FROM kv WHERE k >= ? ORDER BY k LIMIT ?");
    begin_ = std::make_unique<SqliteStatement>(db_, "BEGIN IMMEDIATE");
    commit_ = std::make_unique<SqliteStatement>(db_, "COMMIT");
  }
  ~SqliteSession() override {
    put_.reset(), get_.reset(), del_.reset(), scan_.reset(), begin_.reset(), commit_.reset();
    sqlite3_close(db_);
  }

  void Put(std::string_view key, std::string_view value, bool sync) override {
    SetSync(sync);
    BindAndStep(put_.get(), key, value);
  }
  void BeginBatch(bool sync) override {
    SetSync(sync);
    Step(begin_.get());
  }
  void BatchPut(std::string_view key, std::string_view value) override {
    BindAndStep(put_.get(), key, value);
  }
  void CommitBatch() override { Step(commit_.get()); }
  bool Get(std::string_view key, std::string* value) override {
    sqlite3_stmt* stmt = get_->get();
    get_->BindText(1, key);
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
      value->assign(static_cast<const char*>(sqlite3_column_blob(stmt, 0)),
                    static_cast<size_t>(sqlite3_column_bytes(stmt, 0)));
    } else if (rc != SQLITE_DONE) {
      Fatal(std::string("SQLite SELECT failed: ") + sqlite3_errmsg(db_));
    }
    sqlite3_reset(stmt);
    return rc == SQLITE_ROW;
  }
  void Delete(std::string_view key, bool sync) override {
    SetSync(sync);
    del_->BindText(1, key);
    Step(del_.get());
  }
  void Scan(std::string_view from, size_t limit, const ScanFn& fn) override {
    sqlite3_stmt* stmt = scan_->get();
    scan_->BindText(1, from);
    sqlite3_bind_int64(stmt, 2, limit == 0 ? -1 : static_cast<sqlite3_int64>(limit));
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      fn(std::string_view(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)),
                          static_cast<size_t>(sqlite3_column_bytes(stmt, 0))),
         std::string_view(static_cast<const char*>(sqlite3_column_blob(stmt, 1)),
                          static_cast<size_t>(sqlite3_column_bytes(stmt, 1))));
    }
    if (rc != SQLITE_DONE) Fatal(std::string("SQLite scan failed: ") + sqlite3_errmsg(db_));
    sqlite3_reset(stmt);
  }

 private:
  // synchronous=FULL: a commit returns once the WAL is fsynced; NORMAL: the
  // WAL is fsynced only at checkpoints (durable against a process crash, not
  // a power loss), as the others' sync=false.
  void SetSync(bool sync) {
    if (sync_ == sync) return;
    SqliteExec(db_, sync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    sync_ = sync;
  }
  void BindAndStep(SqliteStatement* stmt, std::string_view key, std::string_view value) {
    stmt->BindText(1, key);
    stmt->BindBlob(2, value);
    Step(stmt);
  }
  void Step(SqliteStatement* stmt) {
    int rc;
    while ((rc = sqlite3_step(stmt->get())) == SQLITE_BUSY) sqlite3_reset(stmt->get());
    if (rc != SQLITE_DONE) Fatal(std::string("SQLite step failed: ") + sqlite3_errmsg(db_));
    sqlite3_reset(stmt->get());
  }

  sqlite3* db_ = nullptr;
  std::optional<bool> sync_;
  std::unique_ptr<SqliteStatement> put_, get_, del_, scan_, begin_, commit_;
};

class SqliteEngine : public Engine {
 public:
  explicit SqliteEngine(size_t cache_bytes) : cache_bytes_(cache_bytes) {}
  void Open(const std::string& dir) override {
    std::filesystem::create_directories(dir);
    file_ = dir + "/bench.sqlite";
    main_ = std::make_unique<SqliteSession>(file_, cache_bytes_);
  }
  void Close() override { main_.reset(); }
  std::unique_ptr<Session> NewSession() override {
    return std::make_unique<SqliteSession>(file_, cache_bytes_);
  }
  void Compact() override {
    main_.reset();  // VACUUM needs the only connection to run alone
    sqlite3* db = nullptr;
    if (sqlite3_open(file_.c_str(), &db) != SQLITE_OK) Fatal("SQLite open failed");
    SqliteExec(db, "VACUUM");
    SqliteExec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
    sqlite3_close(db);
    main_ = std::make_unique<SqliteSession>(file_, cache_bytes_);
  }

 private:
  size_t cache_bytes_;
  std::string file_;
  std::unique_ptr<SqliteSession> main_;
};

// ----- LMDB: one unnamed database; reads in a reset-and-renewed read
// transaction per session, as LMDB's documentation advises.

void LmdbCheck(int rc, const char* what) {
  if (rc != MDB_SUCCESS) Fatal(std::string("LMDB ") + what + " failed: " + mdb_strerror(rc));
}

MDB_val LmdbVal(std::string_view s) { return {s.size(), const_cast<char*>(s.data())}; }
std::string_view LmdbView(const MDB_val& v) {
  return std::string_view(static_cast<const char*>(v.mv_data), v.mv_size);
}

class LmdbSession : public Session {
 public:
  LmdbSession(MDB_env* env, MDB_dbi dbi) : env_(env), dbi_(dbi) {}
  ~LmdbSession() override {
    if (read_ != nullptr) mdb_txn_abort(read_);
  }
  void Put(std::string_view key, std::string_view value, bool) override {
    BeginBatch(false);
    BatchPut(key, value);
    CommitBatch();
  }
  void BeginBatch(bool) override { LmdbCheck(mdb_txn_begin(env_, nullptr, 0, &write_), "begin"); }
  void BatchPut(std::string_view key, std::string_view value) override {
    MDB_val k = LmdbVal(key), v = LmdbVal(value);
    LmdbCheck(mdb_put(write_, dbi_, &k, &v, 0), "put");
  }
  void CommitBatch() override {
    LmdbCheck(mdb_txn_commit(write_), "commit");
    write_ = nullptr;
  }
  bool Get(std::string_view key, std::string* value) override {
    BeginRead();
    MDB_val k = LmdbVal(key), v;
    const int rc = mdb_get(read_, dbi_, &k, &v);
    if (rc == MDB_SUCCESS) value->assign(LmdbView(v));
    if (rc != MDB_NOTFOUND) LmdbCheck(rc, "get");
    mdb_txn_reset(read_);
    return rc == MDB_SUCCESS;
  }
  void Delete(std::string_view key, bool) override {
    BeginBatch(false);
    MDB_val k = LmdbVal(key);
    LmdbCheck(mdb_del(write_, dbi_, &k, nullptr), "del");
    CommitBatch();
  }
  void Scan(std::string_view from, size_t limit, const ScanFn& fn) override {
    BeginRead();
    MDB_cursor* cursor = nullptr;
    LmdbCheck(mdb_cursor_open(read_, dbi_, &cursor), "cursor_open");
    MDB_val k = LmdbVal(from), v;
    size_t n = 0;
    // An empty key is no valid LMDB key: "from the start" is MDB_FIRST.
    for (int rc = mdb_cursor_get(cursor, &k, &v, from.empty() ? MDB_FIRST : MDB_SET_RANGE);
         limit == 0 || n < limit;
         rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT), ++n) {
      if (rc == MDB_NOTFOUND) break;
      LmdbCheck(rc, "cursor_get");
      fn(LmdbView(k), LmdbView(v));
    }
    mdb_cursor_close(cursor);
    mdb_txn_reset(read_);
  }

 private:
  void BeginRead() {
    if (read_ == nullptr) {
      LmdbCheck(mdb_txn_begin(env_, nullptr, MDB_RDONLY, &read_), "begin read");
    } else {
      LmdbCheck(mdb_txn_renew(read_), "renew");
    }
  }
  MDB_env* env_;
  MDB_dbi dbi_;
  MDB_txn* write_ = nullptr;
  MDB_txn* read_ = nullptr;
};

class LmdbEngine : public Engine {
 public:
  void Open(const std::string& dir) override {
    std::filesystem::create_directories(dir);
    dir_ = dir;
    LmdbCheck(mdb_env_create(&env_), "env_create");
    LmdbCheck(mdb_env_set_mapsize(env_, size_t{64} << 30), "set_mapsize");  // address space only
    // MDB_NOTLS: read transactions belong to sessions, not threads.
    LmdbCheck(mdb_env_open(env_, dir.c_str(), MDB_NOTLS, 0644), "env_open");
    MDB_txn* txn = nullptr;
    LmdbCheck(mdb_txn_begin(env_, nullptr, 0, &txn), "begin");
    LmdbCheck(mdb_dbi_open(txn, nullptr, 0, &dbi_), "dbi_open");
    LmdbCheck(mdb_txn_commit(txn), "commit");
  }
  void Close() override {
    if (env_ != nullptr) mdb_env_close(env_);
    env_ = nullptr;
  }
  std::unique_ptr<Session> NewSession() override {
    return std::make_unique<LmdbSession>(env_, dbi_);
  }
  // LMDB's durability is a flag of the environment: by default a commit
  // fsyncs; MDB_NOSYNC leaves the writes to the operating system.
  void SetSync(bool sync) override {
    LmdbCheck(mdb_env_set_flags(env_, MDB_NOSYNC, sync ? 0 : 1), "set_flags");
  }
  // LMDB reuses free pages but never shrinks its file: its compaction is a
  // compacting copy (mdb_env_copy2 with MDB_CP_COMPACT) put in place.
  void Compact() override {
    const std::string copy = dir_ + ".compact";
    std::filesystem::remove_all(copy);
    std::filesystem::create_directories(copy);
    LmdbCheck(mdb_env_copy2(env_, copy.c_str(), MDB_CP_COMPACT), "env_copy2");
    Close();
    std::filesystem::rename(copy + "/data.mdb", dir_ + "/data.mdb");
    std::filesystem::remove_all(copy);
    Open(dir_);
  }

 private:
  std::string dir_;
  MDB_env* env_ = nullptr;
  MDB_dbi dbi_ = 0;
};

// ----- RocksDB and LevelDB: the same API shape in two namespaces, so one
// session serves both.

struct RocksApi {
  using DB = rocksdb::DB;
  using Slice = rocksdb::Slice;
  using Status = rocksdb::Status;
  using ReadOptions = rocksdb::ReadOptions;
  using WriteOptions = rocksdb::WriteOptions;
  using WriteBatch = rocksdb::WriteBatch;
  using Iterator = rocksdb::Iterator;
  static constexpr const char* kName = "RocksDB";
};

struct LevelApi {
  using DB = leveldb::DB;
  using Slice = leveldb::Slice;
  using Status = leveldb::Status;
  using ReadOptions = leveldb::ReadOptions;
  using WriteOptions = leveldb::WriteOptions;
  using WriteBatch = leveldb::WriteBatch;
  using Iterator = leveldb::Iterator;
  static constexpr const char* kName = "LevelDB";
};

template <typename Api>
void LsmCheck(const typename Api::Status& s, const char* what) {
  if (!s.ok()) Fatal(std::string(Api::kName) + " " + what + " failed: " + s.ToString());
}

template <typename Api>
class LsmSession : public Session {
 public:
  explicit LsmSession(typename Api::DB* db) : db_(db) {}
  void Put(std::string_view key, std::string_view value, bool sync) override {
    typename Api::WriteOptions wo;
    wo.sync = sync;
    LsmCheck<Api>(db_->Put(wo, SliceOf(key), SliceOf(value)), "Put");
  }
  void BeginBatch(bool sync) override {
    batch_.Clear();
    batch_sync_ = sync;
  }
  void BatchPut(std::string_view key, std::string_view value) override {
    batch_.Put(SliceOf(key), SliceOf(value));
  }
  void CommitBatch() override {
    typename Api::WriteOptions wo;
    wo.sync = batch_sync_;
    LsmCheck<Api>(db_->Write(wo, &batch_), "Write");
  }
  bool Get(std::string_view key, std::string* value) override {
    typename Api::Status s = db_->Get(typename Api::ReadOptions(), SliceOf(key), value);
    if (s.IsNotFound()) return false;
    LsmCheck<Api>(s, "Get");
    return true;
  }
  void Delete(std::string_view key, bool sync) override {
    typename Api::WriteOptions wo;
    wo.sync = sync;
    LsmCheck<Api>(db_->Delete(wo, SliceOf(key)), "Delete");
  }
  void Scan(std::string_view from, size_t limit, const ScanFn& fn) override {
    std::unique_ptr<typename Api::Iterator> it(db_->NewIterator(typename Api::ReadOptions()));
    size_t n = 0;
    for (it->Seek(SliceOf(from)); it->Valid() && (limit == 0 || n < limit); it->Next(), ++n) {
      fn(std::string_view(it->key().data(), it->key().size()),
         std::string_view(it->value().data(), it->value().size()));
    }
    LsmCheck<Api>(it->status(), "iterator");
  }

 private:
  using Slice = typename Api::Slice;
  static Slice SliceOf(std::string_view s) { return Slice(s.data(), s.size()); }
  typename Api::DB* db_;
  typename Api::WriteBatch batch_;
  bool batch_sync_ = false;
};

class RocksEngine : public Engine {
 public:
  RocksEngine(rocksdb::CompressionType compression, size_t cache_bytes)
      : compression_(compression), cache_(rocksdb::NewLRUCache(cache_bytes)) {}
  void Open(const std::string& dir) override {
    rocksdb::Options options;
    options.create_if_missing = true;
    options.compression = compression_;
    options.bottommost_compression = compression_;
    rocksdb::BlockBasedTableOptions table;
    table.block_cache = cache_;
    options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    rocksdb::DB* db = nullptr;
    LsmCheck<RocksApi>(rocksdb::DB::Open(options, dir, &db), "Open");
    db_.reset(db);
  }
  void Close() override { db_.reset(); }
  std::unique_ptr<Session> NewSession() override {
    return std::make_unique<LsmSession<RocksApi>>(db_.get());
  }
  void Compact() override {
    LsmCheck<RocksApi>(db_->Flush(rocksdb::FlushOptions()), "Flush");
    rocksdb::CompactRangeOptions options;
    options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    LsmCheck<RocksApi>(db_->CompactRange(options, nullptr, nullptr), "CompactRange");
  }

 private:
  rocksdb::CompressionType compression_;
  std::shared_ptr<rocksdb::Cache> cache_;
  std::unique_ptr<rocksdb::DB> db_;
};

class LevelEngine : public Engine {
 public:
  explicit LevelEngine(size_t cache_bytes) : cache_(leveldb::NewLRUCache(cache_bytes)) {}
  void Open(const std::string& dir) override {
    leveldb::Options options;  // snappy, its default
    options.create_if_missing = true;
    options.block_cache = cache_.get();
    leveldb::DB* db = nullptr;
    LsmCheck<LevelApi>(leveldb::DB::Open(options, dir, &db), "Open");
    db_.reset(db);
  }
  void Close() override { db_.reset(); }
  std::unique_ptr<Session> NewSession() override {
    return std::make_unique<LsmSession<LevelApi>>(db_.get());
  }
  void Compact() override { db_->CompactRange(nullptr, nullptr); }

 private:
  std::unique_ptr<leveldb::Cache> cache_;  // outlives db_ (declared first)
  std::unique_ptr<leveldb::DB> db_;
};

// The engines, in report order.
struct EngineSpec {
  std::string key;    // for --engines and JSON
  std::string label;  // for the tables
  bool spirapi = false;
};

const std::vector<EngineSpec>& AllEngines() {
  static const std::vector<EngineSpec> engines = {
      {"spirapi", "SpiraPi (zstd 3 + dictionary, 4 KiB)", true},
      {"spirapi-space", "SpiraPi (optimize_for space)", true},
      {"spirapi-speed", "SpiraPi (optimize_for speed)", true},
      {"spirapi-lzma", "SpiraPi (LZMA 3, 64 KiB)", true},
      {"sqlite", "SQLite (WAL)", false},
      {"lmdb", "LMDB", false},
      {"rocksdb-zstd", "RocksDB (zstd)", false},
      {"rocksdb-bzip2", "RocksDB (bzip2)", false},
      {"leveldb", "LevelDB (snappy)", false},
  };
  return engines;
}

std::unique_ptr<Engine> MakeEngine(const std::string& key, size_t cache_bytes, bool json) {
  using spirapi::CompressionCodec;
  using spirapi::OptimizationGoal;
  if (key == "spirapi") return std::make_unique<SpiraPiEngine>(SpiraPiConfig{}, cache_bytes, json);
  if (key == "spirapi-space" || key == "spirapi-speed") {
    SpiraPiConfig config;
    config.goal = key == "spirapi-space" ? OptimizationGoal::kSpace : OptimizationGoal::kSpeed;
    return std::make_unique<SpiraPiEngine>(config, cache_bytes, json);
  }
  if (key == "spirapi-lzma") {
    return std::make_unique<SpiraPiEngine>(SpiraPiConfig{CompressionCodec::kLzma, 3, 64, {}},
                                           cache_bytes, json);
  }
  if (key == "sqlite") return std::make_unique<SqliteEngine>(cache_bytes);
  if (key == "lmdb") return std::make_unique<LmdbEngine>();
  if (key == "rocksdb-zstd") return std::make_unique<RocksEngine>(rocksdb::kZSTD, cache_bytes);
  if (key == "rocksdb-bzip2") {
    return std::make_unique<RocksEngine>(rocksdb::kBZip2Compression, cache_bytes);
  }
  if (key == "leveldb") return std::make_unique<LevelEngine>(cache_bytes);
  Fatal("unknown engine " + key);
}

// ---------------------------------------------------------------------------
// Workloads.

struct WorkloadSpec {
  const char* key;
  const char* label;
  const char* sync;  // as the report states it
};

const std::vector<WorkloadSpec>& AllWorkloads() {
  static const std::vector<WorkloadSpec> workloads = {
      {"fillseq", "fillseq (key order, 1 per commit)", "no"},
      {"fillrandom", "fillrandom (random order, 1,000 per commit)", "yes, per commit"},
      {"fillsync", "fillsync (1 per durable commit)", "yes"},
      {"fillsync4", "fillsync, 4 threads", "yes"},
      {"overwrite", "overwrite (random, 1 per commit)", "no"},
      {"readrandom", "readrandom, warm", "—"},
      {"readcold", "readrandom, cold (reopened, files out of the page cache)", "—"},
      {"readseq", "readseq (every record in key order)", "—"},
      {"scan100", "seek + 100 records in key order", "—"},
      {"delete", "delete (random, 1 per commit)", "no"},
      {"mix", "90% readrandom / 10% overwrite, 2 threads", "no"},
  };
  return workloads;
}

struct Measured {
  double ops_per_sec = kNaN;
  double p50_ns = kNaN;
  double p99_ns = kNaN;
};

// Runs fn(thread, latencies) on `threads` threads started together; returns
// the rate of `ops` operations over the wall time and the latency percentiles
// of all threads' samples.
Measured RunTimed(int threads, uint64_t ops,
                  const std::function<void(int, std::vector<uint64_t>*)>& fn) {
  std::vector<std::vector<uint64_t>> latencies(threads);
  std::latch ready(threads);
  std::latch go(1);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      latencies[t].reserve(ops / threads + 16);
      ready.count_down();
      go.wait();
      fn(t, &latencies[t]);
    });
  }
  ready.wait();
  Stopwatch clock;
  go.count_down();
  for (std::thread& w : workers) w.join();
  const double seconds = clock.Seconds();
  std::vector<uint64_t> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  Measured m;
  m.ops_per_sec = static_cast<double>(ops) / seconds;
  m.p50_ns = Percentile(&all, 0.50);
  m.p99_ns = Percentile(&all, 0.99);
  return m;
}

// One child's results, sent to the parent as text lines.
class Report {
 public:
  void Workload(const char* key, const Measured& m) {
    char line[256];
    std::snprintf(line, sizeof(line), "W %s %.17g %.17g %.17g\n", key, m.ops_per_sec, m.p50_ns,
                  m.p99_ns);
    text_ += line;
  }
  void Metric(const char* key, double value) {
    char line[128];
    std::snprintf(line, sizeof(line), "M %s %.17g\n", key, value);
    text_ += line;
  }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

bool SameValue(const DataSet& ds, std::string_view got, std::string_view want) {
  return got == want || (ds.json && SameJson(got, want));
}

// The whole sequence of one engine on one value size, in a forked child.
void RunSequence(const std::string& engine_key, const DataSet& ds, const Counts& c,
                 size_t cache_bytes, const std::string& base, Report* report) {
  const uint64_t baseline_rss = CurrentRssBytes();  // the data set, shared with the parent
  PeakRssTracker rss;
  const uint64_t n = ds.size();
  const std::string dir = base + "/db";
  std::filesystem::create_directories(base);
  std::unique_ptr<Engine> engine = MakeEngine(engine_key, cache_bytes, ds.json);
  auto fresh = [&] {
    engine->Close();
    RemoveBenchDir(dir);
    engine->Open(dir);
  };
  Rng rng(kSeed ^ 0x5eed);  // the same random choices for every engine

  // fillseq: every key in order, one non-durable commit each.
  engine->Open(dir);
  engine->SetSync(false);
  {
    auto s = engine->NewSession();
    report->Workload("fillseq", RunTimed(1, n, [&](int, std::vector<uint64_t>* lat) {
                       for (uint64_t i = 0; i < n; ++i) {
                         const uint64_t t0 = NowNanos();
                         s->Put(Key(i).view(), ds.value(i), false);
                         lat->push_back(NowNanos() - t0);
                       }
                     }));
  }

  // fillrandom: every key in random order, durable transactions of 1,000;
  // latency is per transaction. This is the database the reads use.
  fresh();
  engine->SetSync(true);
  {
    auto s = engine->NewSession();
    report->Workload("fillrandom", RunTimed(1, n, [&](int, std::vector<uint64_t>* lat) {
                       for (uint64_t b = 0; b < n; b += kBatch) {
                         const uint64_t t0 = NowNanos();
                         s->BeginBatch(true);
                         for (uint64_t i = b; i < std::min(n, b + kBatch); ++i) {
                           const uint32_t k = ds.fill_order[i];
                           s->BatchPut(Key(k).view(), ds.value(k));
                         }
                         s->CommitBatch();
                         lat->push_back(NowNanos() - t0);
                       }
                     }));
  }
  report->Metric("bytes_after_load", static_cast<double>(MeasureDirectory(dir).allocated_bytes));
  {
    Stopwatch clock;
    engine->Compact();
    report->Metric("compact_seconds", clock.Seconds());
  }
  report->Metric("bytes_after_compaction",
                 static_cast<double>(MeasureDirectory(dir).allocated_bytes));

  // readseq first: it also warms every cache for readrandom.
  {
    auto s = engine->NewSession();
    uint64_t seen = 0;
    report->Workload("readseq", RunTimed(1, n, [&](int, std::vector<uint64_t>* lat) {
                       std::string copy;
                       uint64_t last = NowNanos();
                       s->Scan("", 0, [&](std::string_view, std::string_view value) {
                         copy.assign(value);
                         const uint64_t now = NowNanos();
                         lat->push_back(now - last);
                         last = now;
                         ++seen;
                       });
                     }));
    if (seen != n) Fatal(engine_key + ": readseq saw " + std::to_string(seen) + " records");
  }

  // readrandom, warm; the first reads are checked against the data set.
  {
    auto s = engine->NewSession();
    std::vector<uint32_t> keys(c.reads);
    for (auto& k : keys) k = static_cast<uint32_t>(rng.Uniform(n));
    report->Workload("readrandom", RunTimed(1, c.reads, [&](int, std::vector<uint64_t>* lat) {
                       std::string value;
                       for (uint64_t i = 0; i < c.reads; ++i) {
                         const uint64_t t0 = NowNanos();
                         const bool found = s->Get(Key(keys[i]).view(), &value);
                         lat->push_back(NowNanos() - t0);
                         if (!found) Fatal(engine_key + ": a loaded key is missing");
                         if (i < kVerifiedReads && !SameValue(ds, value, ds.value(keys[i]))) {
                           Fatal(engine_key + ": a read returned other bytes than were written");
                         }
                       }
                     }));
  }

  // Short scans from random keys.
  {
    auto s = engine->NewSession();
    std::vector<uint32_t> keys(c.scans);
    for (auto& k : keys) k = static_cast<uint32_t>(rng.Uniform(n));
    report->Workload("scan100", RunTimed(1, c.scans, [&](int, std::vector<uint64_t>* lat) {
                       std::string copy;
                       for (uint64_t i = 0; i < c.scans; ++i) {
                         const uint64_t t0 = NowNanos();
                         s->Scan(Key(keys[i]).view(), kScanLength,
                                 [&](std::string_view, std::string_view v) { copy.assign(v); });
                         lat->push_back(NowNanos() - t0);
                       }
                     }));
  }

  // readrandom, cold: closed, the files' pages dropped, reopened.
  {
    engine->Close();
    EvictFromPageCache(dir);
    engine->Open(dir);
    auto s = engine->NewSession();
    std::vector<uint32_t> keys(c.cold_reads);
    for (auto& k : keys) k = static_cast<uint32_t>(rng.Uniform(n));
    report->Workload("readcold", RunTimed(1, c.cold_reads, [&](int, std::vector<uint64_t>* lat) {
                       std::string value;
                       for (uint64_t i = 0; i < c.cold_reads; ++i) {
                         const uint64_t t0 = NowNanos();
                         const bool found = s->Get(Key(keys[i]).view(), &value);
                         lat->push_back(NowNanos() - t0);
                         if (!found) Fatal(engine_key + ": a loaded key is missing (cold)");
                       }
                     }));
  }

  // overwrite: random existing keys, new bytes, one non-durable commit each.
  engine->SetSync(false);
  {
    auto s = engine->NewSession();
    std::vector<uint32_t> keys(c.overwrites);
    for (auto& k : keys) k = static_cast<uint32_t>(rng.Uniform(n));
    report->Workload("overwrite", RunTimed(1, c.overwrites, [&](int, std::vector<uint64_t>* lat) {
                       for (uint64_t i = 0; i < c.overwrites; ++i) {
                         const uint64_t t0 = NowNanos();
                         s->Put(Key(keys[i]).view(), ds.new_value(keys[i]), false);
                         lat->push_back(NowNanos() - t0);
                       }
                     }));
  }

  // 90/10 read/write mix on 2 threads, each with its own random stream.
  {
    std::vector<std::unique_ptr<Session>> sessions;
    std::vector<std::vector<uint32_t>> choices(kMixThreads);
    for (int t = 0; t < kMixThreads; ++t) {
      sessions.push_back(engine->NewSession());
      choices[t].resize(c.mix_ops);
      // Low 7 bits: read or write; the rest: the key.
      for (auto& x : choices[t]) x = static_cast<uint32_t>(rng.Uniform(n) << 7 | rng.Uniform(100));
    }
    report->Workload("mix", RunTimed(kMixThreads, c.mix_ops * kMixThreads,
                                     [&](int t, std::vector<uint64_t>* lat) {
                                       std::string value;
                                       Session* s = sessions[t].get();
                                       for (uint32_t x : choices[t]) {
                                         const uint32_t k = x >> 7;
                                         const uint64_t t0 = NowNanos();
                                         if ((x & 127) < kMixWritePercent) {
                                           s->Put(Key(k).view(), ds.value(k), false);
                                         } else if (!s->Get(Key(k).view(), &value)) {
                                           Fatal(engine_key + ": a key is missing (mix)");
                                         }
                                         lat->push_back(NowNanos() - t0);
                                       }
                                     }));
  }

  // delete: distinct random keys, one non-durable commit each.
  {
    auto s = engine->NewSession();
    const uint64_t d = std::min<uint64_t>(c.deletes, n);
    report->Workload("delete", RunTimed(1, d, [&](int, std::vector<uint64_t>* lat) {
                       for (uint64_t i = 0; i < d; ++i) {
                         const uint64_t t0 = NowNanos();
                         s->Delete(Key(ds.delete_order[i]).view(), false);
                         lat->push_back(NowNanos() - t0);
                       }
                     }));
  }

  // fillsync: one durable commit per record, on 1 and on 4 threads, each
  // into a fresh database.
  for (int threads : {1, kSyncThreads}) {
    fresh();
    engine->SetSync(true);
    const uint64_t m = std::min<uint64_t>(c.sync_records, n) / threads * threads;
    std::vector<std::unique_ptr<Session>> sessions;
    for (int t = 0; t < threads; ++t) sessions.push_back(engine->NewSession());
    report->Workload(threads == 1 ? "fillsync" : "fillsync4",
                     RunTimed(threads, m, [&](int t, std::vector<uint64_t>* lat) {
                       for (uint64_t i = t; i < m; i += threads) {
                         const uint32_t k = ds.fill_order[i];
                         const uint64_t t0 = NowNanos();
                         sessions[t]->Put(Key(k).view(), ds.value(k), true);
                         lat->push_back(NowNanos() - t0);
                       }
                     }));
  }
  engine->Close();
  engine.reset();
  RemoveBenchDir(dir);
  report->Metric("baseline_rss_bytes", static_cast<double>(baseline_rss));
  report->Metric("peak_rss_bytes", static_cast<double>(rss.PeakBytes()));
}

// ---------------------------------------------------------------------------
// Runs in children, and their results.

struct ChildResult {
  std::map<std::string, Measured> workloads;
  std::map<std::string, double> metrics;
  double maxrss_bytes = kNaN;  // from wait4: includes the shared data set
  double seconds = 0;
};

ChildResult RunChild(const std::string& engine_key, const DataSet& ds, const Counts& c,
                     size_t cache_bytes, const std::string& base) {
  int fds[2];
  if (pipe(fds) != 0) Fatal("pipe failed");
  std::fflush(stdout);
  std::fflush(stderr);
  Stopwatch clock;
  const pid_t pid = fork();
  if (pid < 0) Fatal("fork failed");
  if (pid == 0) {
    close(fds[0]);
    Report report;
    RunSequence(engine_key, ds, c, cache_bytes, base, &report);
    const std::string& text = report.text();
    for (size_t done = 0; done < text.size();) {
      const ssize_t w = write(fds[1], text.data() + done, text.size() - done);
      if (w <= 0) _exit(3);
      done += static_cast<size_t>(w);
    }
    _exit(0);
  }
  close(fds[1]);
  std::string reply;
  char buffer[4096];
  for (ssize_t r; (r = read(fds[0], buffer, sizeof(buffer))) > 0;) reply.append(buffer, r);
  close(fds[0]);
  int status = 0;
  struct rusage usage {};
  wait4(pid, &status, 0, &usage);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    Fatal(engine_key + ": the child failed (status " + std::to_string(status) + ")");
  }
  ChildResult result;
  result.seconds = clock.Seconds();
  result.maxrss_bytes = static_cast<double>(usage.ru_maxrss) * 1024;
  size_t start = 0;
  for (size_t end; (end = reply.find('\n', start)) != std::string::npos; start = end + 1) {
    char kind = 0;
    char name[64] = {0};
    Measured m;
    const std::string line = reply.substr(start, end - start);
    if (std::sscanf(line.c_str(), "W %63s %lf %lf %lf", name, &m.ops_per_sec, &m.p50_ns,
                    &m.p99_ns) == 4) {
      result.workloads[name] = m;
    } else if (double v; std::sscanf(line.c_str(), "M %63s %lf", name, &v) == 2) {
      result.metrics[name] = v;
    } else {
      (void)kind;
      Fatal("bad line from the child: " + line);
    }
  }
  return result;
}

// Every run of one engine on one value size.
struct Cell {
  std::vector<ChildResult> runs;

  Measured Workload(const std::string& key) const {
    std::vector<double> ops, p50, p99;
    for (const auto& r : runs) {
      auto it = r.workloads.find(key);
      if (it == r.workloads.end()) continue;
      ops.push_back(it->second.ops_per_sec);
      p50.push_back(it->second.p50_ns);
      p99.push_back(it->second.p99_ns);
    }
    return {Median(ops), Median(p50), Median(p99)};
  }
  std::vector<double> WorkloadRuns(const std::string& key) const {
    std::vector<double> ops;
    for (const auto& r : runs) {
      auto it = r.workloads.find(key);
      if (it != r.workloads.end()) ops.push_back(it->second.ops_per_sec);
    }
    return ops;
  }
  double Metric(const std::string& key) const {
    std::vector<double> values;
    for (const auto& r : runs) {
      auto it = r.metrics.find(key);
      if (it != r.metrics.end()) values.push_back(it->second);
    }
    return Median(values);
  }
  // The engine's own memory: peak RSS above the data set it shares with the
  // parent (the largest of the runs).
  double PeakRssAboveData() const {
    double peak = kNaN;
    for (const auto& r : runs) {
      auto p = r.metrics.find("peak_rss_bytes");
      auto b = r.metrics.find("baseline_rss_bytes");
      if (p == r.metrics.end() || b == r.metrics.end()) continue;
      const double v = p->second - b->second;
      peak = std::isnan(peak) ? v : std::max(peak, v);
    }
    return peak;
  }
};

struct SizeResults {
  ValueSpec spec;
  double mean_value_bytes = 0;
  uint64_t raw_bytes = 0;
  std::map<std::string, Cell> cells;  // by engine key
};

struct PiRow {
  uint64_t digits = 0;
  std::string engine;
  PiResult result;
  bool same = false;
};

// ---------------------------------------------------------------------------
// The report.

std::string RatioToBestPeer(const SizeResults& size, const std::vector<EngineSpec>& engines,
                            const std::string& spirapi_key, const std::string& workload) {
  auto it = size.cells.find(spirapi_key);
  if (it == size.cells.end()) return "—";
  const double mine = it->second.Workload(workload).ops_per_sec;
  double best = kNaN;
  std::string best_label;
  for (const EngineSpec& e : engines) {
    if (e.spirapi) continue;
    auto c = size.cells.find(e.key);
    if (c == size.cells.end()) continue;
    const double v = c->second.Workload(workload).ops_per_sec;
    if (!std::isnan(v) && (std::isnan(best) || v > best)) {
      best = v;
      best_label = e.label;
    }
  }
  if (std::isnan(mine) || std::isnan(best)) return "—";
  // Two decimals, or two significant digits below 0.1, so that a ratio of
  // 0.0044 does not print as 0.00.
  const double ratio = mine / best;
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), ratio >= 0.1 ? "%.2f" : "%.2g", ratio);
  return std::string(buffer) + "× " + best_label;
}

void PrintMarkdown(const Config& config, const std::vector<EngineSpec>& engines,
                   const std::vector<SizeResults>& sizes, const std::vector<PiRow>& pi,
                   const SyncProbe& probe_start, const SyncProbe& probe_end, double seconds) {
  std::printf("## Peers: SpiraPi beside SQLite, LMDB, RocksDB and LevelDB (%s)\n\n",
              UtcDateTime().c_str());
  std::printf("- Command: `%s`%s\n", config.command_line.c_str(),
              config.quick ? " (quick: a smoke test, not figures to quote)" : "");
  std::printf("- Machine: %s, %u cores, %s; %s under %s\n", CpuModel().c_str(),
              std::thread::hardware_concurrency(), KernelVersion().c_str(),
              FileSystemType(config.dir).c_str(), config.dir.c_str());
  std::printf("- Versions: SQLite %s, LMDB %d.%d.%d, RocksDB %d.%d.%d, LevelDB %d.%d; "
              "GMP %s, MPFR %s, Arb %s, FLINT %s\n",
              sqlite3_libversion(), MDB_VERSION_MAJOR, MDB_VERSION_MINOR, MDB_VERSION_PATCH,
              ROCKSDB_MAJOR, ROCKSDB_MINOR, ROCKSDB_PATCH, leveldb::kMajorVersion,
              leveldb::kMinorVersion, gmp_version, mpfr_get_version(), arb_version,
              FLINT_VERSION);
  std::printf("- fdatasync of a 1 KiB append: p50 %s, p99 %s at the start; p50 %s, p99 %s at "
              "the end\n",
              FormatLatency(probe_start.p50_ns).c_str(), FormatLatency(probe_start.p99_ns).c_str(),
              FormatLatency(probe_end.p50_ns).c_str(), FormatLatency(probe_end.p99_ns).c_str());
  std::printf("- Cache budget: %zu MiB for each engine's own cache (SpiraPi block cache, SQLite "
              "cache_size per connection, RocksDB and LevelDB block cache; LMDB has none but the "
              "OS page cache, which all share). Median of %d run(s); each engine × value size × "
              "run in a forked child; %.0f s in all.\n",
              config.cache_mib, config.runs, seconds);
  std::printf("- Durability: \"sync yes\" is SpiraPi/RocksDB/LevelDB `sync=true`, SQLite "
              "`synchronous=FULL`, LMDB's default; \"no\" is `sync=false`, `synchronous=NORMAL`, "
              "`MDB_NOSYNC`. SpiraPi stores text values as the record's blob and the JSON value "
              "as its data. RocksDB has no LZMA; bzip2 is its nearest stand-in.\n\n");
  std::printf("Cells: operations per second; p50 / p99 latency of one operation (fillrandom: "
              "of one transaction of 1,000; readseq: of one record; scan100: of one scan).\n\n");
  for (const SizeResults& size : sizes) {
    const Counts& c = size.spec.counts;
    std::printf("### Values of %s (mean %.0f B; %s records, %s of keys and values)\n\n",
                size.spec.name.c_str(), size.mean_value_bytes,
                FormatCount(static_cast<double>(c.records)).c_str(),
                FormatBytes(static_cast<double>(size.raw_bytes)).c_str());
    std::printf("Counts: fill %s, readrandom %s, cold %s, scans %s, overwrite %s, mix %s × %d "
                "threads, delete %s, fillsync %s (and %s on %d threads).\n\n",
                FormatCount(c.records).c_str(), FormatCount(c.reads).c_str(),
                FormatCount(c.cold_reads).c_str(), FormatCount(c.scans).c_str(),
                FormatCount(c.overwrites).c_str(), FormatCount(c.mix_ops).c_str(), kMixThreads,
                FormatCount(c.deletes).c_str(), FormatCount(c.sync_records).c_str(),
                FormatCount(c.sync_records).c_str(), kSyncThreads);
    std::printf("| workload | sync |");
    for (const EngineSpec& e : engines) std::printf(" %s |", e.label.c_str());
    std::printf(" SpiraPi ÷ best peer |\n|---|---|");
    for (size_t i = 0; i < engines.size(); ++i) std::printf("---:|");
    std::printf("---|\n");
    for (const WorkloadSpec& w : AllWorkloads()) {
      std::printf("| %s | %s |", w.label, w.sync);
      for (const EngineSpec& e : engines) {
        auto it = size.cells.find(e.key);
        if (it == size.cells.end()) {
          std::printf(" — |");
          continue;
        }
        const Measured m = it->second.Workload(w.key);
        std::printf(" %s<br>%s / %s |", FormatCount(m.ops_per_sec).c_str(),
                    FormatLatency(m.p50_ns).c_str(), FormatLatency(m.p99_ns).c_str());
      }
      std::printf(" %s |\n", RatioToBestPeer(size, engines, "spirapi", w.key).c_str());
    }
    std::printf("\n");
  }

  std::printf("### Bytes on disk (after fillrandom; after compaction) and compaction time\n\n");
  std::printf("| engine |");
  for (const SizeResults& size : sizes) {
    std::printf(" %s: after load | after compaction | ÷ raw | compaction |", size.spec.name.c_str());
  }
  std::printf("\n|---|");
  for (size_t i = 0; i < sizes.size(); ++i) std::printf("---:|---:|---:|---:|");
  std::printf("\n| raw keys + values |");
  for (const SizeResults& size : sizes) {
    std::printf(" %s | %s | 1.000 | |", FormatBytes(static_cast<double>(size.raw_bytes)).c_str(),
                FormatBytes(static_cast<double>(size.raw_bytes)).c_str());
  }
  std::printf("\n");
  for (const EngineSpec& e : engines) {
    std::printf("| %s |", e.label.c_str());
    for (const SizeResults& size : sizes) {
      auto it = size.cells.find(e.key);
      if (it == size.cells.end()) {
        std::printf(" — | — | — | — |");
        continue;
      }
      const double load = it->second.Metric("bytes_after_load");
      const double compacted = it->second.Metric("bytes_after_compaction");
      std::printf(" %s | %s | %s | %s s |", FormatBytes(load).c_str(),
                  FormatBytes(compacted).c_str(),
                  FormatFixed(compacted / static_cast<double>(size.raw_bytes), 3).c_str(),
                  FormatFixed(it->second.Metric("compact_seconds"), 2).c_str());
    }
    std::printf("\n");
  }
  std::printf("\n### Peak RSS of the whole sequence, above the shared data set (largest of the "
              "runs)\n\n| engine |");
  for (const SizeResults& size : sizes) std::printf(" %s |", size.spec.name.c_str());
  std::printf("\n|---|");
  for (size_t i = 0; i < sizes.size(); ++i) std::printf("---:|");
  std::printf("\n");
  for (const EngineSpec& e : engines) {
    std::printf("| %s |", e.label.c_str());
    for (const SizeResults& size : sizes) {
      auto it = size.cells.find(e.key);
      std::printf(" %s |",
                  it == size.cells.end() ? "—" : FormatBytes(it->second.PeakRssAboveData()).c_str());
    }
    std::printf("\n");
  }
  if (!pi.empty()) {
    std::printf("\n### π: SpiraPi beside MPFR (mpfr_const_pi) and FLINT/Arb (arb_const_pi), "
                "%d thread(s), digits written out in decimal\n\n",
                config.pi_threads);
    std::printf("| digits | engine | seconds | CPU seconds | peak RSS | last 10 digits | same "
                "digits as SpiraPi | its time ÷ SpiraPi's |\n|---:|---|---:|---:|---:|---|---|---:|\n");
    for (const PiRow& row : pi) {
      double spirapi_seconds = kNaN;
      for (const PiRow& other : pi) {
        if (other.digits == row.digits && other.engine == "spirapi" && other.result.ok) {
          spirapi_seconds = other.result.seconds;
        }
      }
      if (!row.result.ok) {
        std::printf("| %s | %s | failed: %s | | | | | |\n", FormatCount(row.digits).c_str(),
                    row.engine.c_str(), row.result.error.c_str());
        continue;
      }
      std::printf("| %s | %s | %.3f | %.3f | %s | %s | %s | %s |\n",
                  FormatCount(row.digits).c_str(), row.engine.c_str(), row.result.seconds,
                  row.result.cpu_seconds, FormatBytes(row.result.peak_mib * 1048576.0).c_str(),
                  row.result.tail.c_str(), row.same ? "yes" : "NO",
                  FormatFixed(row.result.seconds / spirapi_seconds, 2).c_str());
    }
  }
  std::printf("\n");
}

void WriteJson(const Config& config, const std::vector<EngineSpec>& engines,
               const std::vector<SizeResults>& sizes, const std::vector<PiRow>& pi,
               const SyncProbe& probe_start, const SyncProbe& probe_end) {
  std::string j = "{\n  \"tool\": \"spirapi_bench\",\n  \"date\": ";
  AppendJsonQuoted(&j, UtcDateTime());
  j += ",\n  \"command\": ";
  AppendJsonQuoted(&j, config.command_line);
  j += ",\n  \"machine\": {\"cpu\": ";
  AppendJsonQuoted(&j, CpuModel());
  j += ", \"cores\": " + std::to_string(std::thread::hardware_concurrency()) + ", \"kernel\": ";
  AppendJsonQuoted(&j, KernelVersion());
  j += ", \"file_system\": ";
  AppendJsonQuoted(&j, FileSystemType(config.dir));
  j += ", \"fdatasync_p50_ns\": [" + JsonNumber(probe_start.p50_ns) + ", " +
       JsonNumber(probe_end.p50_ns) + "]},\n";
  j += "  \"quick\": " + std::string(config.quick ? "true" : "false") +
       ", \"runs\": " + std::to_string(config.runs) +
       ", \"cache_bytes\": " + std::to_string(config.cache_mib << 20) + ",\n  \"results\": [";
  bool first = true;
  for (const SizeResults& size : sizes) {
    for (const EngineSpec& e : engines) {
      auto it = size.cells.find(e.key);
      if (it == size.cells.end()) continue;
      const Cell& cell = it->second;
      j += first ? "\n    " : ",\n    ";
      first = false;
      j += "{\"value_size\": ";
      AppendJsonQuoted(&j, size.spec.name);
      j += ", \"engine\": ";
      AppendJsonQuoted(&j, e.key);
      j += ", \"records\": " + std::to_string(size.spec.counts.records) +
           ", \"raw_bytes\": " + std::to_string(size.raw_bytes) +
           ", \"bytes_after_load\": " + JsonNumber(cell.Metric("bytes_after_load")) +
           ", \"bytes_after_compaction\": " + JsonNumber(cell.Metric("bytes_after_compaction")) +
           ", \"compact_seconds\": " + JsonNumber(cell.Metric("compact_seconds")) +
           ", \"peak_rss_above_data_bytes\": " + JsonNumber(cell.PeakRssAboveData()) +
           ", \"workloads\": {";
      bool first_w = true;
      for (const WorkloadSpec& w : AllWorkloads()) {
        const Measured m = cell.Workload(w.key);
        j += first_w ? "" : ", ";
        first_w = false;
        AppendJsonQuoted(&j, w.key);
        j += ": {\"ops_per_sec\": " + JsonNumber(m.ops_per_sec) +
             ", \"p50_ns\": " + JsonNumber(m.p50_ns) + ", \"p99_ns\": " + JsonNumber(m.p99_ns) +
             ", \"runs_ops_per_sec\": [";
        const auto runs = cell.WorkloadRuns(w.key);
        for (size_t i = 0; i < runs.size(); ++i) j += (i ? ", " : "") + JsonNumber(runs[i]);
        j += "]}";
      }
      j += "}}";
    }
  }
  j += "\n  ],\n  \"pi\": [";
  for (size_t i = 0; i < pi.size(); ++i) {
    j += i ? ",\n    " : "\n    ";
    j += "{\"digits\": " + std::to_string(pi[i].digits) + ", \"engine\": ";
    AppendJsonQuoted(&j, pi[i].engine);
    j += ", \"ok\": " + std::string(pi[i].result.ok ? "true" : "false") +
         ", \"seconds\": " + JsonNumber(pi[i].result.seconds) +
         ", \"cpu_seconds\": " + JsonNumber(pi[i].result.cpu_seconds) +
         ", \"peak_rss_bytes\": " + JsonNumber(pi[i].result.peak_mib * 1048576.0) +
         ", \"sha256\": ";
    AppendJsonQuoted(&j, pi[i].result.digest);
    j += ", \"same_digits\": " + std::string(pi[i].same ? "true" : "false") + "}";
  }
  j += "\n  ]\n}\n";
  std::FILE* f = std::fopen(config.json_path.c_str(), "w");
  if (f == nullptr || std::fwrite(j.data(), 1, j.size(), f) != j.size() || std::fclose(f) != 0) {
    Fatal("cannot write " + config.json_path);
  }
}

int Main(int argc, char** argv) {
  const Config config = ParseArgs(argc, argv);
  std::vector<EngineSpec> engines;
  for (const EngineSpec& e : AllEngines()) {
    if (config.engines.empty() ||
        std::find(config.engines.begin(), config.engines.end(), e.key) != config.engines.end()) {
      engines.push_back(e);
    }
  }
  if (engines.empty()) Usage("--engines names no known engine");
  for (rocksdb::CompressionType t : {rocksdb::kZSTD, rocksdb::kBZip2Compression}) {
    const auto supported = rocksdb::GetSupportedCompressions();
    if (std::find(supported.begin(), supported.end(), t) == supported.end()) {
      Fatal("this RocksDB lacks a compression the benchmark needs (zstd or bzip2)");
    }
  }
  const std::vector<ValueSpec> specs = ValueSpecs(config);
  Stopwatch total;
  PrepareBenchDir(config.dir, kDirMarker);
  const SyncProbe probe_start = ProbeSyncLatency(config.dir, 200);

  std::vector<SizeResults> sizes;
  for (const ValueSpec& spec : specs) {
    SizeResults size;
    size.spec = spec;
    DataSet ds;
    {
      Stopwatch clock;
      GenerateDataSet(spec, &ds);
      Log("%s: %s records generated in %.1f s", spec.name.c_str(),
          FormatCount(static_cast<double>(ds.size())).c_str(), clock.Seconds());
    }
    size.raw_bytes = ds.raw_bytes;
    size.mean_value_bytes = static_cast<double>(ds.arena.size()) / static_cast<double>(ds.size());
    for (int run = 0; run < config.runs; ++run) {
      for (const EngineSpec& e : engines) {
        const std::string base = config.dir + "/" + e.key;
        ChildResult r = RunChild(e.key, ds, spec.counts, config.cache_mib << 20, base);
        Log("%s run %d/%d %s: %.1f s", spec.name.c_str(), run + 1, config.runs, e.label.c_str(),
            r.seconds);
        size.cells[e.key].runs.push_back(std::move(r));
        RemoveBenchDir(base);
      }
    }
    sizes.push_back(std::move(size));
  }
  const SyncProbe probe_end = ProbeSyncLatency(config.dir, 200);

  std::vector<PiRow> pi;
  for (uint64_t digits : config.pi_digits) {
    std::string reference;
    for (const char* engine : {"spirapi", "mpfr", "arb"}) {
      PiRow row;
      row.digits = digits;
      row.engine = engine;
      row.result = RunPiInChild(engine, digits, config.pi_threads);
      if (row.result.ok && reference.empty()) reference = row.result.digest;
      row.same = row.result.ok && row.result.digest == reference;
      Log("π %s digits %s: %s %.2f s", FormatCount(static_cast<double>(digits)).c_str(), engine,
          row.result.ok ? "ok" : row.result.error.c_str(), row.result.seconds);
      pi.push_back(row);
    }
  }
  RemoveBenchDir(config.dir);

  PrintMarkdown(config, engines, sizes, pi, probe_start, probe_end, total.Seconds());
  if (!config.json_path.empty()) WriteJson(config, engines, sizes, pi, probe_start, probe_end);
  bool digits_agree = true;
  for (const PiRow& row : pi) digits_agree = digits_agree && row.same;
  return digits_agree ? 0 : 1;
}

}  // namespace
}  // namespace spirapi_bench

int main(int argc, char** argv) { return spirapi_bench::Main(argc, argv); }
