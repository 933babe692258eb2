// query_bench: SpiraPi queries that use secondary indexes beside SQLite
// holding the same records with the equivalent indexes, in one run (issue 17).
//
//   query_bench                    1,000,000 records (about 14 minutes on 2 cores)
//   query_bench --quick            20,000 records, about 15 s: the CI check
//   query_bench --queries-only     skip the unindexed loads and index builds
//   (also --records N, --seconds S a query kind per engine, --seed N, --dir PARENT,
//   --cells-per-point K the spiral points' sparseness, --similarity-records N
//   the similarity benchmark's records)
//
// The records are π-sequence JSON of about 900 bytes (bench/pi_records.h)
// with three typed fields to query: "precision", an integer uniform in
// [0, N) so that a range of N/1000 values holds 0.1% of the records;
// "algorithm", one of four strings; "score", a float uniform in [0, 1).
// SpiraPi stores the JSON as the record's data and gets btree indexes on
// "precision" and on ["algorithm", "precision"]. SQLite gets the table a
// typical user would write: the JSON in a column, the queried fields
// extracted into columns of their own, indexes on (precision) and on
// (algorithm, precision). Both return each row's whole JSON (SpiraPi the
// record as StorageRecord::ToJson writes it, SQLite the json column).
//
// Spatial queries: every record also holds a point "pos": [x, y], integers
// uniform in a square around the spiral's origin, one lattice cell a point
// by default (SpiralSide), so that a window of 32 x 32 cells or a disc of
// radius 18 holds about 1,000 points whatever the record count. After the
// queries above, SpiraPi gets a spiral index on "pos" (answering $within
// box and disc) and SQLite an R*Tree virtual table of the points joined to
// the records by rowid, the disc as its bounding box plus the same
// distance check (edge included); their build times, sizes and query rates
// are reported in tables of their own (RunSpiralBench).
//
// Similarity searches (RunSimilarityBench, last): "sequence", each record's
// 200 random digits (its own draw), searched with $contains of 6 and 8
// digits and $near of 12 digits at distance 1 and 2, the patterns taken
// from random records (the $near ones with that many digits changed) so
// that each matches one record at least. A similarity index holds about
// 190 entries a record (one a distinct 4-gram), so this part runs on
// databases of its own holding the first --similarity-records records
// (default 20,000; --quick 500), not on the big ones. SpiraPi gets a
// similarity index on "sequence" (its build and compaction timed, the disk
// growth reported); SQLite answers as a typical user would, by a scan with
// instr(json_extract(json, '$.sequence'), ?) and, for $near, with a C
// function hamming_within(text, pattern, d) registered through
// sqlite3_create_function (SQL has no Hamming distance), and also through
// its indexed peer, a contentless FTS5 table with the trigram tokenizer:
// a phrase MATCH for $contains, the OR of the pattern's d + 1 pieces'
// phrases then hamming_within for $near (the same pigeonhole filter).
//
// Fair by construction: one seed gives both engines the same records in the
// same order and the same query parameters; commits are durable on both
// (SpiraPi WriteOptions::sync, SQLite WAL with synchronous=FULL), 1,000
// records a transaction; SpiraPi runs at its defaults (a 256 MiB block
// cache) and SQLite at its defaults but with a cache of the same 256 MiB
// (its default is 2 MiB). Every query's row count must be the same on both
// engines: a difference is a fatal error, so --quick (20,000 records, well
// under a minute) is also a correctness check of the planner against SQLite.
// Progress goes to stderr, the Markdown report to stdout.

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "bench_util.h"
#include "pi_records.h"
#include "spirapi/db.h"
#include "spirapi/index.h"
#include "spirapi/query.h"
#include "sqlite_util.h"

using namespace spirapi_bench;

namespace {

constexpr spirapi::Component kComponent = spirapi::Component::kSequence;
constexpr size_t kBatchRecords = 1000;
constexpr size_t kCacheBytes = 256u << 20;  // SpiraPi's default block cache
constexpr const char* kAlgorithms[] = {"chudnovsky", "ramanujan", "bbp", "machin"};
constexpr size_t kAlgorithmCount = std::size(kAlgorithms);

void Check(const spirapi::Status& s, const std::string& what) {
  if (!s.ok()) Fatal("SpiraPi " + what + " failed: " + s.ToString());
}

struct Config {
  uint64_t records = 1'000'000;
  double seconds = 2.0;  // time budget of one workload on one engine
  uint64_t seed = 17;
  std::string parent = "/tmp";
  bool quick = false;
  bool queries_only = false;  // load only the databases the queries read
  uint64_t cells_per_point = 1;  // the spiral benchmark's density (SpiralSide)
  uint64_t similarity_records = 20'000;  // the similarity benchmark's (RunSimilarityBench)
};

Config ParseArgs(int argc, char** argv) {
  Config config;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Fatal(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--records") {
      config.records = std::strtoull(value().c_str(), nullptr, 10);
    } else if (arg == "--seconds") {
      config.seconds = std::strtod(value().c_str(), nullptr);
    } else if (arg == "--seed") {
      config.seed = std::strtoull(value().c_str(), nullptr, 10);
    } else if (arg == "--dir") {
      config.parent = value();
    } else if (arg == "--cells-per-point") {
      config.cells_per_point = std::max<uint64_t>(1, std::strtoull(value().c_str(), nullptr, 10));
    } else if (arg == "--similarity-records") {
      config.similarity_records = std::strtoull(value().c_str(), nullptr, 10);
    } else if (arg == "--queries-only") {
      config.queries_only = true;
    } else if (arg == "--quick") {
      config.quick = true;
      config.records = 20'000;
      config.seconds = 0.1;
      config.similarity_records = 500;
    } else {
      std::fprintf(stderr,
                   "usage: query_bench [--records N] [--seconds S] [--seed N] [--dir PARENT] "
                   "[--queries-only] [--cells-per-point K] [--similarity-records N] [--quick]\n"
                   "  --records N   records of about 900 bytes (default 1,000,000)\n"
                   "  --seconds S   time of each workload on each engine (default 2)\n"
                   "  --dir PARENT  where the temporary databases go (default /tmp)\n"
                   "  --queries-only  skip the loads without indexes and the index builds\n"
                   "  --cells-per-point K  lattice cells per \"pos\" point (default 1)\n"
                   "  --similarity-records N  records the similarity benchmark indexes\n"
                   "                (the first N, default 20,000; --quick 500)\n"
                   "  --quick       20,000 records, 0.1 s a workload: the CI check\n");
      std::exit(2);
    }
  }
  // Ranges are N/1000 values wide: below 1,000 records they would be empty.
  if (config.records < 1000) Fatal("--records must be at least 1000");
  config.similarity_records = std::clamp<uint64_t>(config.similarity_records, 1, config.records);
  return config;
}

// ---------------------------------------------------------------------------
// The data set.

// The fields SQLite keeps in columns, as the JSON holds them.
struct Fields {
  int64_t precision;
  uint32_t algorithm;  // index into kAlgorithms
  double score;
};

struct DataSet {
  RecordSet records;  // id and data; metadata empty
  std::vector<Fields> fields;
};

// The spiral benchmark's points: "pos" is [x, y], integers uniform in a
// square of side SpiralSide centred on the spiral's origin (so some windows
// straddle it), with cells_per_point lattice cells a point on average. The
// spiral index numbers unit cells, so its work for a window of 1,000 points
// grows with the window's side in cells: at the default 1 (the density of
// the π engine's spiral_coordinates, one digit a cell) a window is about 32
// cells wide. Integers are exact in SQLite's R*Tree (32-bit floats, exact
// below 2^24) and in SpiraPi, so the engines agree on every boundary point.
int64_t SpiralSide(const Config& config) {
  return std::max<int64_t>(
      1, std::llround(std::sqrt(double(config.records) * double(config.cells_per_point))));
}

void AppendPoint(int64_t side, Rng* rng, std::string* out) {
  const int64_t low = -side / 2;
  *out += ",\"pos\":[";
  *out += std::to_string(low + static_cast<int64_t>(rng->Uniform(uint64_t(side))));
  *out += ',';
  *out += std::to_string(low + static_cast<int64_t>(rng->Uniform(uint64_t(side))));
  *out += ']';
}

// PiRecordGenerator's records all have precision 200 and the algorithm
// "chudnovsky"; that fragment is replaced by varied values and a score, so
// the rest of the record (its statistics, its size) stays the shared one.
DataSet MakeDataSet(const Config& config) {
  static constexpr std::string_view kFixed = R"("precision":200,"algorithm":"chudnovsky")";
  DataSet set;
  set.records.Reserve(config.records, config.records * 960);
  set.fields.reserve(config.records);
  std::unordered_set<uint64_t> used_ids;
  PiRecordGenerator generator(config.seed, &used_ids, kBatchRecords);
  Rng rng(config.seed ^ 0x5eed);
  Rng point_rng(config.seed ^ 0x5b1a1);  // its own: the other fields stay as they were
  std::string data;
  for (uint64_t i = 0; i < config.records; ++i) {
    RecordSet one;
    generator.Generate(i, &one);
    const RecordRef r = one[0];
    const size_t at = r.data.find(kFixed);
    if (at == std::string_view::npos) Fatal("pi_records.h no longer writes " + std::string(kFixed));
    Fields f;
    f.precision = static_cast<int64_t>(rng.Uniform(config.records));
    f.algorithm = static_cast<uint32_t>(rng.Uniform(kAlgorithmCount));
    f.score = std::round(rng.NextDouble() * 1e6) / 1e6;
    data.assign(r.data.substr(0, at));
    data += "\"precision\":";
    AppendUint(&data, static_cast<uint64_t>(f.precision));
    data += ",\"algorithm\":\"";
    data += kAlgorithms[f.algorithm];
    data += "\",\"score\":";
    AppendRounded(&data, f.score, 6);
    AppendPoint(SpiralSide(config), &point_rng, &data);
    data.append(r.data.substr(at + kFixed.size()));
    set.records.Add(r.id, data, "");
    set.fields.push_back(f);
  }
  return set;
}

// ---------------------------------------------------------------------------
// The workloads: each query kind in SpiraPi's language and in SQL.

enum Kind {
  kPoint,      // precision = X
  kRange01,    // precision in a 0.1% range
  kRange1,     // precision in a 1% range
  kTop100,     // top 100 by precision desc, of all records
  kTop100Of,   // the same of precision < X (X in the upper half)
  kCount10,    // count of a 10% range
  kCompound,   // algorithm = A and precision in a 1% range
  kScanJson,   // computation_time < x: no index, SQLite with json_extract
  kScanScore,  // score < x: no index, SQLite on its (unindexed) score column
  kKinds
};

const char* const kKindNames[kKinds] = {
    "point lookup: precision = X",
    "range, 0.1% of the records",
    "range, 1% of the records",
    "top 100 by precision desc",
    "top 100 by precision desc of precision < X",
    "count of a 10% range",
    "compound: algorithm = A, precision in a 1% range",
    "unindexed: computation_time < x (0.1%)",
    "unindexed: score < x (0.1%)",
};

const char* const kSql[kKinds] = {
    "SELECT json FROM records WHERE precision = ?1",
    "SELECT json FROM records WHERE precision >= ?1 AND precision < ?2",
    "SELECT json FROM records WHERE precision >= ?1 AND precision < ?2",
    "SELECT json FROM records ORDER BY precision DESC LIMIT 100",
    "SELECT json FROM records WHERE precision < ?1 ORDER BY precision DESC LIMIT 100",
    "SELECT count(*) FROM records WHERE precision >= ?1 AND precision < ?2",
    "SELECT json FROM records WHERE algorithm = ?3 AND precision >= ?1 AND precision < ?2",
    "SELECT json FROM records WHERE json_extract(json, '$.computation_time') < ?4",
    "SELECT json FROM records WHERE score < ?4",
};

bool IsScan(int kind) { return kind == kScanJson || kind == kScanScore; }

struct Params {
  int64_t lo = 0, hi = 0;  // precision bounds (lo alone: the point, or the top's bound)
  uint32_t algorithm = 0;
  double x = 0;  // the unindexed bound
};

// The parameters of query i of a kind: the same for both engines.
std::vector<Params> MakeParams(int kind, uint64_t seed, uint64_t records, size_t count) {
  Rng rng(seed * 1000003 + static_cast<uint64_t>(kind));
  std::vector<Params> out(count);
  const int64_t n = static_cast<int64_t>(records);
  const int64_t width = kind == kRange01 ? n / 1000 : kind == kCount10 ? n / 10 : n / 100;
  for (Params& p : out) {
    switch (kind) {
      case kPoint:
        p.lo = static_cast<int64_t>(rng.Uniform(records));
        break;
      case kTop100:
        break;
      case kTop100Of:
        p.lo = n / 2 + static_cast<int64_t>(rng.Uniform(records / 2));
        break;
      case kScanJson:
        // computation_time is 0.0005 + 0.05 u (pi_records.h): a 0.1% slice.
        p.x = 0.0005 + 0.00005 * (0.9 + 0.2 * rng.NextDouble());
        break;
      case kScanScore:
        p.x = 0.001 * (0.9 + 0.2 * rng.NextDouble());
        break;
      default:
        p.lo = static_cast<int64_t>(rng.Uniform(static_cast<uint64_t>(n - width + 1)));
        p.hi = p.lo + width;
        p.algorithm = static_cast<uint32_t>(rng.Uniform(kAlgorithmCount));
    }
  }
  return out;
}

std::string SpiraPiQueryText(int kind, const Params& p) {
  const std::string lo = std::to_string(p.lo), hi = std::to_string(p.hi);
  const std::string range = R"({"$gte":)" + lo + R"(,"$lt":)" + hi + "}";
  switch (kind) {
    case kPoint: return R"({"precision":)" + lo + "}";
    case kRange01:
    case kRange1: return R"({"precision":)" + range + "}";
    case kTop100: return R"({"$sort":{"precision":"desc"},"$limit":100})";
    case kTop100Of:
      return R"({"precision":{"$lt":)" + lo + R"(},"$sort":{"precision":"desc"},"$limit":100})";
    case kCount10: return R"({"precision":)" + range + R"(,"$count":true})";
    case kCompound:
      return R"({"algorithm":")" + std::string(kAlgorithms[p.algorithm]) +
             R"(","precision":)" + range + "}";
    case kScanJson: return R"({"computation_time":{"$lt":)" + JsonNumber(p.x) + "}}";
    default: return R"({"score":{"$lt":)" + JsonNumber(p.x) + "}}";
  }
}

// ---------------------------------------------------------------------------
// The engines.

const spirapi::IndexSpec& IndexSpecAt(size_t i) {
  static const spirapi::IndexSpec kSpecs[2] = {
      {"by_precision", kComponent, {"precision"}, spirapi::IndexType::kBtree},
      {"by_algorithm_precision", kComponent, {"algorithm", "precision"},
       spirapi::IndexType::kBtree},
  };
  return kSpecs[i];
}
constexpr const char* kSqliteIndexes[2] = {
    "CREATE INDEX by_precision ON records(precision)",
    "CREATE INDEX by_algorithm_precision ON records(algorithm, precision)",
};

class SpiraPi {
 public:
  explicit SpiraPi(const std::string& dir) : dir_(dir) {
    Check(spirapi::DB::Open(spirapi::Options(), dir, &db_), "Open " + dir);
  }

  void CreateIndexes(size_t count) {
    for (size_t i = 0; i < count; ++i) {
      Check(spirapi::CreateIndex(db_.get(), IndexSpecAt(i)), "CreateIndex");
    }
  }

  // Writes the first `count` records.
  void Load(const DataSet& set, size_t count) {
    spirapi::WriteOptions wo;  // sync: each commit is durable
    for (size_t i = 0; i < count; i += kBatchRecords) {
      std::unique_ptr<spirapi::Transaction> txn;
      Check(db_->BeginTransaction(wo, &txn), "BeginTransaction");
      const size_t end = std::min(count, i + kBatchRecords);
      for (size_t j = i; j < end; ++j) {
        const RecordRef r = set.records[j];
        Check(txn->Put(kComponent, r.id, r.data), "Transaction::Put");
      }
      Check(txn->Commit(), "Commit");
    }
  }

  void Compact() { Check(db_->Compact(), "Compact"); }

  // Runs a query; returns its rows (the count itself for a $count query).
  uint64_t Query(const std::string& text, uint64_t* examined) {
    uint64_t rows = 0;
    spirapi::QueryStats stats;
    Check(spirapi::RunQuery(db_.get(), spirapi::QuerySource{}, text, spirapi::QueryOptions(),
                            [&](std::string_view) {
                              ++rows;
                              return true;
                            },
                            &stats),
          "RunQuery " + text);
    *examined += stats.rows_examined;
    return rows;
  }

  uint64_t Count(const std::string& text, uint64_t* examined) {
    std::string row;
    spirapi::QueryStats stats;
    Check(spirapi::RunQuery(db_.get(), spirapi::QuerySource{}, text, spirapi::QueryOptions(),
                            [&](std::string_view r) {
                              row.assign(r);
                              return true;
                            },
                            &stats),
          "RunQuery " + text);
    *examined += stats.rows_examined;
    const size_t colon = row.find(':');
    if (colon == std::string::npos) Fatal("SpiraPi $count returned " + row);
    return std::strtoull(row.c_str() + colon + 1, nullptr, 10);
  }

  std::string Plan(const std::string& text) {
    std::string plan;
    Check(spirapi::ExplainQuery(db_.get(), spirapi::QuerySource{}, text, &plan), "ExplainQuery");
    return plan;
  }

  uint64_t DiskBytes() const { return MeasureDirectory(dir_).allocated_bytes; }
  spirapi::DB* db() const { return db_.get(); }

 private:
  std::string dir_;
  std::unique_ptr<spirapi::DB> db_;
};

// EXPLAIN QUERY PLAN's details of `sql`, joined by "; ".
std::string SqlitePlan(sqlite3* db, const char* sql) {
  SqliteStatement stmt(db, (std::string("EXPLAIN QUERY PLAN ") + sql).c_str());
  std::string plan;
  while (sqlite3_step(stmt.get()) == SQLITE_ROW) {
    const unsigned char* detail = sqlite3_column_text(stmt.get(), 3);
    if (!plan.empty()) plan += "; ";
    plan += detail != nullptr ? reinterpret_cast<const char*>(detail) : "";
  }
  return plan;
}

class Sqlite {
 public:
  explicit Sqlite(const std::string& file) : file_(file) {
    if (sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        nullptr) != SQLITE_OK) {
      Fatal("SQLite open of " + file + " failed");
    }
    if (SqliteQueryText(db_, "PRAGMA journal_mode=WAL") != "wal") Fatal("SQLite refused WAL");
    SqliteExec(db_, "PRAGMA synchronous=FULL");
    SqliteExec(db_, "PRAGMA cache_size=-" + std::to_string(kCacheBytes / 1024));
    SqliteExec(db_,
               "CREATE TABLE records(id TEXT PRIMARY KEY, json TEXT, precision INTEGER, "
               "algorithm TEXT, score REAL)");
  }
  ~Sqlite() {
    queries_.clear();
    sqlite3_close(db_);
  }

  void CreateIndexes(size_t count) {
    for (size_t i = 0; i < count; ++i) SqliteExec(db_, kSqliteIndexes[i]);
  }

  void Load(const DataSet& set, size_t count) {
    SqliteStatement insert(db_,
                           "INSERT INTO records(id, json, precision, algorithm, score) "
                           "VALUES(?1, ?2, ?3, ?4, ?5)");
    sqlite3_stmt* stmt = insert.get();
    for (size_t i = 0; i < count; i += kBatchRecords) {
      SqliteExec(db_, "BEGIN");
      const size_t end = std::min(count, i + kBatchRecords);
      for (size_t j = i; j < end; ++j) {
        const RecordRef r = set.records[j];
        const Fields& f = set.fields[j];
        insert.BindText(1, r.id);
        insert.BindText(2, r.data);
        sqlite3_bind_int64(stmt, 3, f.precision);
        sqlite3_bind_text(stmt, 4, kAlgorithms[f.algorithm], -1, SQLITE_STATIC);
        sqlite3_bind_double(stmt, 5, f.score);
        if (sqlite3_step(stmt) != SQLITE_DONE) {
          Fatal(std::string("SQLite insert: ") + sqlite3_errmsg(db_));
        }
        sqlite3_reset(stmt);
      }
      SqliteExec(db_, "COMMIT");
    }
    // Readers then find the table in the database file, not in the WAL.
    SqliteExec(db_, "PRAGMA wal_checkpoint(TRUNCATE)");
  }

  // As SpiraPi::Query; a count(*) query's rows are its count.
  uint64_t Query(int kind, const Params& p) {
    if (queries_.empty()) {
      for (const char* sql : kSql) queries_.push_back(std::make_unique<SqliteStatement>(db_, sql));
    }
    sqlite3_stmt* stmt = queries_[kind]->get();
    // A statement has the parameters up to the highest it names (?4 gives
    // four); binding those it does not use is harmless.
    const int count = sqlite3_bind_parameter_count(stmt);
    if (count >= 1) sqlite3_bind_int64(stmt, 1, p.lo);
    if (count >= 2) sqlite3_bind_int64(stmt, 2, p.hi);
    if (count >= 3) sqlite3_bind_text(stmt, 3, kAlgorithms[p.algorithm], -1, SQLITE_STATIC);
    if (count >= 4) sqlite3_bind_double(stmt, 4, p.x);
    uint64_t rows = 0;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      if (kind == kCount10) {
        rows = static_cast<uint64_t>(sqlite3_column_int64(stmt, 0));
      } else {
        // Reading the text is what a caller would do with the row.
        if (sqlite3_column_text(stmt, 0) == nullptr) Fatal("SQLite returned a NULL json");
        ++rows;
      }
    }
    if (rc != SQLITE_DONE) Fatal(std::string("SQLite query failed: ") + sqlite3_errmsg(db_));
    sqlite3_reset(stmt);
    return rows;
  }

  std::string Plan(int kind) { return SqlitePlan(db_, kSql[kind]); }

  uint64_t DiskBytes() const {
    std::error_code ec;
    uint64_t bytes = 0;
    for (const char* suffix : {"", "-wal", "-shm"}) {
      const auto size = std::filesystem::file_size(file_ + suffix, ec);
      if (!ec) bytes += size;
    }
    return bytes;
  }
  sqlite3* db() const { return db_; }

 private:
  std::string file_;
  sqlite3* db_ = nullptr;
  std::vector<std::unique_ptr<SqliteStatement>> queries_;
};

// ---------------------------------------------------------------------------
// Measuring.

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

void RemoveAll(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec) Fatal("cannot remove " + path + ": " + ec.message());
}

struct LoadResult {
  double spirapi_rate[3] = {}, sqlite_rate[3] = {};  // records/s with 0, 1, 2 indexes
  double spirapi_build_s = 0, sqlite_build_s = 0;     // both indexes over loaded records
};

struct QueryResult {
  uint64_t queries = 0, rows = 0, examined = 0;
  double seconds = 0;
  std::vector<uint64_t> counts;  // rows of each query, to compare the engines
  double qps() const { return queries / seconds; }
  double rps() const { return rows / seconds; }
};

// Runs queries 0, 1, ... of `total` until `budget` seconds have passed (at
// least min_queries of them, at most all), after up to `warm` untimed ones
// (or a tenth of the budget's worth) taken from the end of the list.
// run(i, &examined) returns query i's rows.
template <typename Fn>
QueryResult TimeQueries(size_t total, size_t warm, size_t min_queries, double budget,
                        const Fn& run) {
  QueryResult result;
  uint64_t ignored = 0;
  Stopwatch warm_sw;
  for (size_t i = 0; i < warm && warm_sw.Seconds() < budget / 10; ++i) run(total - 1 - i, &ignored);
  const size_t limit = total - warm;
  Stopwatch sw;
  while (result.queries < limit && (result.queries < min_queries || sw.Seconds() < budget)) {
    const uint64_t rows = run(result.queries, &result.examined);
    result.counts.push_back(rows);
    result.rows += rows;
    ++result.queries;
  }
  result.seconds = sw.Seconds();
  return result;
}

// The engines' (SpiraPi, SQLite) row counts of the same queries must agree.
void CheckSameCounts(const char* name, const std::vector<std::string>& texts,
                     const QueryResult (&results)[2]) {
  const auto& a = results[0].counts;
  const auto& b = results[1].counts;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    if (a[i] != b[i]) {
      Fatal(std::string(name) + ": query " + std::to_string(i) + " (" + texts[i] + ") returned " +
            std::to_string(a[i]) + " rows from SpiraPi and " + std::to_string(b[i]) +
            " from SQLite");
    }
  }
}

void PrintQueryHeader() {
  std::printf("| query | rows/query | SpiraPi queries/s | SpiraPi rows/s | SQLite queries/s |"
              " SQLite rows/s | SpiraPi ÷ SQLite |\n|---|---:|---:|---:|---:|---:|---:|\n");
}

// One query kind's row of the table; a count's rows/s mean nothing.
void PrintQueryRow(const char* name, const QueryResult& s, const QueryResult& q, bool count) {
  const double per_query = static_cast<double>(s.rows) / s.queries;
  std::printf("| %s | %s | %s | %s | %s | %s | %.2f |\n", name,
              per_query < 10 ? FormatFixed(per_query, 2).c_str() : FormatCount(per_query).c_str(),
              s.qps() < 100 ? FormatFixed(s.qps(), 2).c_str() : FormatCount(s.qps()).c_str(),
              count ? "—" : FormatCount(s.rps()).c_str(),
              q.qps() < 100 ? FormatFixed(q.qps(), 2).c_str() : FormatCount(q.qps()).c_str(),
              count ? "—" : FormatCount(q.rps()).c_str(), s.qps() / q.qps());
}

// ---------------------------------------------------------------------------
// The spiral benchmark (issue 17: "a spiral window of 1,000 points"). SpiraPi
// gets a spiral index on "pos" and answers $within; SQLite gets what a user
// of its R*Tree module writes (https://sqlite.org/rtree.html): a virtual
// table of the points, each the box [x, x] x [y, y] under its row's rowid,
// joined to the records for their JSON; the disc is its bounding box in the
// R*Tree plus the distance check SpiraPi makes (docs/QUERY.md: the edge is
// included). Both indexes are built over the loaded records, timed, after
// the other queries ran (so the sizes and plans reported above are those of
// the two btree indexes alone), then settled like the rest.

enum SpiralKind { kWindow, kDisc, kSpiralKinds };

const char* const kSpiralKindNames[kSpiralKinds] = {
    "spiral window of about 1,000 points",
    "spiral disc of about 1,000 points",
};

// ?1..?4 the (inclusive) bounding box; the disc's centre ?5, ?6 and radius ?7.
const char* const kSpiralSql[kSpiralKinds] = {
    "SELECT r.json FROM pos_rtree p JOIN records r ON r.rowid = p.id "
    "WHERE p.minx >= ?1 AND p.maxx <= ?2 AND p.miny >= ?3 AND p.maxy <= ?4",
    "SELECT r.json FROM pos_rtree p JOIN records r ON r.rowid = p.id "
    "WHERE p.minx >= ?1 AND p.maxx <= ?2 AND p.miny >= ?3 AND p.maxy <= ?4 "
    "AND (p.minx - ?5) * (p.minx - ?5) + (p.miny - ?6) * (p.miny - ?6) <= ?7 * ?7",
};

struct SpiralParams {
  int64_t box[4];  // x0, y0, x1, y1, inclusive
  int64_t cx, cy, r;
};

// Query i's area, the same for both engines: windows of w x w cells and
// discs of radius r holding 1,000 points on average, anywhere inside the
// square of points (SpiralSide).
std::vector<SpiralParams> MakeSpiralParams(int kind, const Config& config, size_t count) {
  Rng rng(config.seed * 1000003 + 0x5b1a1 + static_cast<uint64_t>(kind));
  const int64_t side = SpiralSide(config), low = -side / 2;
  const double cells = 1000.0 * static_cast<double>(config.cells_per_point);
  const int64_t w = std::clamp<int64_t>(std::llround(std::sqrt(cells)), 1, side);
  const int64_t r = std::clamp<int64_t>(std::llround(std::sqrt(cells / M_PI)), 0, (side - 1) / 2);
  std::vector<SpiralParams> out(count);
  for (SpiralParams& p : out) {
    if (kind == kWindow) {
      p.box[0] = low + static_cast<int64_t>(rng.Uniform(uint64_t(side - w + 1)));
      p.box[1] = low + static_cast<int64_t>(rng.Uniform(uint64_t(side - w + 1)));
      p.box[2] = p.box[0] + w - 1;
      p.box[3] = p.box[1] + w - 1;
    } else {
      p.cx = low + r + static_cast<int64_t>(rng.Uniform(uint64_t(side - 2 * r)));
      p.cy = low + r + static_cast<int64_t>(rng.Uniform(uint64_t(side - 2 * r)));
      p.r = r;
      const int64_t box[4] = {p.cx - r, p.cy - r, p.cx + r, p.cy + r};
      std::copy(box, box + 4, p.box);
    }
  }
  return out;
}

std::string SpiralQueryText(int kind, const SpiralParams& p) {
  auto list = [](std::initializer_list<int64_t> values) {
    std::string out = "[";
    for (int64_t v : values) out += (out.size() > 1 ? "," : "") + std::to_string(v);
    return out + "]";
  };
  return kind == kWindow
             ? R"({"pos":{"$within":{"box":)" + list({p.box[0], p.box[1], p.box[2], p.box[3]}) +
                   "}}}"
             : R"({"pos":{"$within":{"disc":)" + list({p.cx, p.cy, p.r}) + "}}}";
}

// Steps a bound statement whose column 0 is the row's json; its rows.
uint64_t SqliteJsonRows(sqlite3* db, sqlite3_stmt* stmt) {
  uint64_t rows = 0;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    if (sqlite3_column_text(stmt, 0) == nullptr) Fatal("SQLite returned a NULL json");
    ++rows;
  }
  if (rc != SQLITE_DONE) Fatal(std::string("SQLite query failed: ") + sqlite3_errmsg(db));
  sqlite3_reset(stmt);
  return rows;
}

uint64_t SqliteSpiralQuery(sqlite3* db, sqlite3_stmt* stmt, const SpiralParams& p) {
  const int64_t values[7] = {p.box[0], p.box[2], p.box[1], p.box[3], p.cx, p.cy, p.r};
  for (int i = 1; i <= sqlite3_bind_parameter_count(stmt); ++i) {
    sqlite3_bind_int64(stmt, i, values[i - 1]);
  }
  return SqliteJsonRows(db, stmt);
}

struct SpiralResult {
  double spirapi_build_s = 0, sqlite_build_s = 0, compact_s = 0;
  uint64_t spirapi_index_bytes = 0, sqlite_index_bytes = 0;  // disk growth
  QueryResult results[kSpiralKinds][2];
  std::string plans[kSpiralKinds][2];
};

SpiralResult RunSpiralBench(SpiraPi* spirapi, Sqlite* sqlite, const Config& config) {
  SpiralResult out;
  const uint64_t spirapi_before = spirapi->DiskBytes(), sqlite_before = sqlite->DiskBytes();
  Log("building the spiral index and the R*Tree");
  Stopwatch sw;
  Check(spirapi::CreateIndex(spirapi->db(), {"by_pos", kComponent, {"pos"},
                                             spirapi::IndexType::kSpiral}),
        "CreateIndex by_pos");
  out.spirapi_build_s = sw.Seconds();
  sw = Stopwatch();
  SqliteExec(sqlite->db(), "BEGIN");
  SqliteExec(sqlite->db(), "CREATE VIRTUAL TABLE pos_rtree USING rtree(id, minx, maxx, miny, maxy)");
  SqliteExec(sqlite->db(),
             "INSERT INTO pos_rtree SELECT rowid, json_extract(json, '$.pos[0]'), "
             "json_extract(json, '$.pos[0]'), json_extract(json, '$.pos[1]'), "
             "json_extract(json, '$.pos[1]') FROM records");
  SqliteExec(sqlite->db(), "COMMIT");
  out.sqlite_build_s = sw.Seconds();
  Log("spiral index %.1f s, R*Tree %.1f s; SpiraPi: compacting", out.spirapi_build_s,
      out.sqlite_build_s);
  sw = Stopwatch();
  spirapi->Compact();
  out.compact_s = sw.Seconds();
  SqliteExec(sqlite->db(), "PRAGMA wal_checkpoint(TRUNCATE)");
  out.spirapi_index_bytes = spirapi->DiskBytes() - std::min(spirapi_before, spirapi->DiskBytes());
  out.sqlite_index_bytes = sqlite->DiskBytes() - std::min(sqlite_before, sqlite->DiskBytes());

  for (int kind = 0; kind < kSpiralKinds; ++kind) {
    const size_t warm = config.quick ? 5 : 50;
    const std::vector<SpiralParams> params = MakeSpiralParams(kind, config, 200'000 + warm);
    std::vector<std::string> texts;
    texts.reserve(params.size());
    for (const SpiralParams& p : params) texts.push_back(SpiralQueryText(kind, p));
    SqliteStatement stmt(sqlite->db(), kSpiralSql[kind]);
    out.plans[kind][0] = spirapi->Plan(texts[0]);
    out.plans[kind][1] = SqlitePlan(sqlite->db(), kSpiralSql[kind]);
    Log("%s: SpiraPi", kSpiralKindNames[kind]);
    out.results[kind][0] = TimeQueries(params.size(), warm, 10, config.seconds,
                                       [&](size_t i, uint64_t* examined) {
      return spirapi->Query(texts[i], examined);
    });
    Log("%s: SQLite", kSpiralKindNames[kind]);
    out.results[kind][1] = TimeQueries(params.size(), warm, 10, config.seconds,
                                       [&](size_t i, uint64_t*) {
      return SqliteSpiralQuery(sqlite->db(), stmt.get(), params[i]);
    });
    CheckSameCounts(kSpiralKindNames[kind], texts, out.results[kind]);
  }
  return out;
}

void ReportSpiral(const SpiralResult& spiral, const Config& config) {
  std::printf("\nPoints \"pos\" [x, y]: integers in a square of side %lld around the origin, "
              "%llu cell(s) a point. Building the index over the loaded records: SpiraPi's "
              "spiral index %.1f s (%s on disk after a %.1f s compaction), SQLite's R*Tree "
              "%.1f s (%s).\n\n",
              static_cast<long long>(SpiralSide(config)),
              static_cast<unsigned long long>(config.cells_per_point), spiral.spirapi_build_s,
              FormatBytes(static_cast<double>(spiral.spirapi_index_bytes)).c_str(),
              spiral.compact_s, spiral.sqlite_build_s,
              FormatBytes(static_cast<double>(spiral.sqlite_index_bytes)).c_str());
  PrintQueryHeader();
  for (int kind = 0; kind < kSpiralKinds; ++kind) {
    PrintQueryRow(kSpiralKindNames[kind], spiral.results[kind][0], spiral.results[kind][1], false);
  }
  std::printf("\n| query | SpiraPi rows examined/query | SpiraPi plan (first query) |"
              " SQLite plan |\n|---|---:|---|---|\n");
  for (int kind = 0; kind < kSpiralKinds; ++kind) {
    const QueryResult& s = spiral.results[kind][0];
    std::printf("| %s | %s | %s | %s |\n", kSpiralKindNames[kind],
                FormatCount(static_cast<double>(s.examined) / s.queries).c_str(),
                spiral.plans[kind][0].c_str(), spiral.plans[kind][1].c_str());
  }
}

// ---------------------------------------------------------------------------
// The similarity benchmark: substring ($contains) and Hamming-distance
// ($near) searches in "sequence", the record's 200 random digits (a
// different draw for every record, bench/pi_records.h). SpiraPi gets a
// similarity index on it (4-gram postings, pigeonhole filtering). SQLite has
// no such index: the typical query scans with instr() over json_extract(),
// and $near needs a C function (hamming_within, registered with
// sqlite3_create_function: SQL cannot express a Hamming distance). Its
// indexed peer is an FTS5 table with the trigram tokenizer (SQLite >= 3.34):
// a phrase MATCH is a substring search, and a $near is the same pigeonhole
// filter spelt as an OR of the pieces' phrases, then hamming_within.

enum SimilarityKind { kContains6, kContains8, kNear1, kNear2, kSimilarityKinds };

const char* const kSimilarityKindNames[kSimilarityKinds] = {
    "$contains, 6 digits",
    "$contains, 8 digits",
    "$near, 12 digits, distance 1",
    "$near, 12 digits, distance 2",
};
constexpr size_t kSimilarityLength[kSimilarityKinds] = {6, 8, 12, 12};
constexpr uint64_t kSimilarityDistance[kSimilarityKinds] = {0, 0, 1, 2};

// SQLite's ways, in the order of SimilarityResult's engines 1 and 2.
enum SqliteWay { kSqliteScan, kSqliteFts, kSqliteWays };
// ?1 the pattern, ?2 the distance; FTS5: ?3 the MATCH expression.
const char* const kSimilaritySql[2][kSqliteWays] = {
    {"SELECT json FROM records WHERE instr(json_extract(json, '$.sequence'), ?1) > 0",
     "SELECT r.json FROM seq_fts JOIN records r ON r.rowid = seq_fts.rowid "
     "WHERE seq_fts MATCH ?3"},
    {"SELECT json FROM records WHERE hamming_within(json_extract(json, '$.sequence'), ?1, ?2)",
     "SELECT r.json FROM seq_fts JOIN records r ON r.rowid = seq_fts.rowid "
     "WHERE seq_fts MATCH ?3 AND hamming_within(json_extract(r.json, '$.sequence'), ?1, ?2)"},
};

// True when some window of s of p's length differs from p in at most d
// bytes: SpiraPi's $near (and $contains for d = 0), for SQLite. Written
// again here, not shared with src/query/query_parse.cc: the check of
// SpiraPi's rows should not rest on SpiraPi's own code.
bool HammingWithin(std::string_view s, std::string_view p, uint64_t d) {
  if (d == 0) return s.find(p) != std::string_view::npos;
  for (size_t i = 0; i + p.size() <= s.size(); ++i) {
    uint64_t differ = 0;
    for (size_t j = 0; j < p.size() && differ <= d; ++j) differ += s[i + j] != p[j];
    if (differ <= d) return true;
  }
  return false;
}

// hamming_within(text, pattern, d): 1 or 0; 0 when text is not text.
void SqliteHammingWithin(sqlite3_context* context, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) != SQLITE_TEXT || sqlite3_value_type(argv[1]) != SQLITE_TEXT) {
    sqlite3_result_int(context, 0);
    return;
  }
  const auto text = [](sqlite3_value* v) {
    const char* bytes = reinterpret_cast<const char*>(sqlite3_value_text(v));
    return std::string_view(bytes, static_cast<size_t>(sqlite3_value_bytes(v)));
  };
  const std::string_view s = text(argv[0]), p = text(argv[1]);
  const int64_t d = sqlite3_value_int64(argv[2]);
  sqlite3_result_int(context, d >= 0 && HammingWithin(s, p, static_cast<uint64_t>(d)));
}

struct SimilarityParams {
  std::string pattern;
  uint64_t distance = 0;
  std::string match;  // FTS5's MATCH expression: the pieces' phrases, ORed
};

// The digits of record i's "sequence".
std::string_view SequenceOf(const DataSet& set, size_t i) {
  static constexpr std::string_view kKey = "\"sequence\":\"";
  const std::string_view data = set.records[i].data;
  const size_t at = data.find(kKey);
  const size_t end = at == std::string_view::npos ? at : data.find('"', at + kKey.size());
  if (end == std::string_view::npos) Fatal("a record without \"sequence\"");
  return data.substr(at + kKey.size(), end - at - kKey.size());
}

// Query i's pattern, the same for both engines: the digits at a random
// place of a random record (so that one matches at least), for $near with
// `distance` of them changed (so that it matches at exactly that distance).
// The MATCH expression ORs the phrases of the d + 1 pieces SpiraPi's
// planner splits the pattern into (query_similarity.cc NearPieces).
std::vector<SimilarityParams> MakeSimilarityParams(int kind, const DataSet& set,
                                                   const Config& config, size_t count) {
  Rng rng(config.seed * 1000003 + 0x51a11 + static_cast<uint64_t>(kind));
  const size_t length = kSimilarityLength[kind];
  const uint64_t distance = kSimilarityDistance[kind];
  std::vector<SimilarityParams> out(count);
  for (SimilarityParams& p : out) {
    const std::string_view digits = SequenceOf(set, rng.Uniform(config.similarity_records));
    p.pattern.assign(digits.substr(rng.Uniform(digits.size() - length + 1), length));
    p.distance = distance;
    std::vector<size_t> positions(length);
    for (size_t j = 0; j < length; ++j) positions[j] = j;
    for (uint64_t j = 0; j < distance; ++j) {  // d distinct positions, each another digit
      std::swap(positions[j], positions[j + rng.Uniform(length - j)]);
      char& c = p.pattern[positions[j]];
      c = static_cast<char>('0' + (c - '0' + 1 + rng.Uniform(9)) % 10);
    }
    for (uint64_t j = 0; j <= distance; ++j) {
      const size_t from = j * length / (distance + 1), to = (j + 1) * length / (distance + 1);
      p.match += (j > 0 ? " OR \"" : "\"") + p.pattern.substr(from, to - from) + "\"";
    }
  }
  return out;
}

std::string SimilarityQueryText(const SimilarityParams& p) {
  return p.distance == 0 ? R"({"sequence":{"$contains":")" + p.pattern + R"("}})"
                         : R"({"sequence":{"$near":{"pattern":")" + p.pattern + R"(","distance":)" +
                               std::to_string(p.distance) + "}}}";
}

uint64_t SqliteSimilarityQuery(sqlite3* db, sqlite3_stmt* stmt, const SimilarityParams& p) {
  const int count = sqlite3_bind_parameter_count(stmt);
  sqlite3_bind_text(stmt, 1, p.pattern.data(), static_cast<int>(p.pattern.size()), SQLITE_STATIC);
  if (count >= 2) sqlite3_bind_int64(stmt, 2, static_cast<int64_t>(p.distance));
  if (count >= 3) {
    sqlite3_bind_text(stmt, 3, p.match.data(), static_cast<int>(p.match.size()), SQLITE_STATIC);
  }
  return SqliteJsonRows(db, stmt);
}

struct SimilarityResult {
  double spirapi_build_s = 0, fts_build_s = 0, compact_s = 0;
  uint64_t spirapi_index_bytes = 0, fts_bytes = 0;  // disk growth
  // Engines: SpiraPi, SQLite scanning, SQLite with FTS5.
  QueryResult results[kSimilarityKinds][3];
  std::string plans[kSimilarityKinds][3];
};

SimilarityResult RunSimilarityBench(const std::string& dir, const DataSet& set,
                                    const Config& config) {
  SimilarityResult out;
  Log("similarity benchmark: loading %llu records",
      static_cast<unsigned long long>(config.similarity_records));
  auto spirapi = std::make_unique<SpiraPi>(dir + "/similarity-spirapi");
  spirapi->Load(set, config.similarity_records);
  spirapi->Compact();
  auto sqlite = std::make_unique<Sqlite>(dir + "/similarity.db");
  sqlite->Load(set, config.similarity_records);
  sqlite3* db = sqlite->db();
  if (sqlite3_create_function(db, "hamming_within", 3, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                              SqliteHammingWithin, nullptr, nullptr) != SQLITE_OK) {
    Fatal(std::string("SQLite create_function: ") + sqlite3_errmsg(db));
  }
  const uint64_t spirapi_before = spirapi->DiskBytes(), sqlite_before = sqlite->DiskBytes();
  Log("building the similarity index and the FTS5 trigram table");
  Stopwatch sw;
  Check(spirapi::CreateIndex(
            spirapi->db(),
            {"by_sequence", kComponent, {"sequence"}, spirapi::IndexType::kSimilarity}),
        "CreateIndex by_sequence");
  out.spirapi_build_s = sw.Seconds();
  sw = Stopwatch();
  // Contentless: the index alone, like SpiraPi's (the digits stay in the JSON).
  SqliteExec(db, "BEGIN");
  SqliteExec(db,
             "CREATE VIRTUAL TABLE seq_fts USING fts5(sequence, tokenize='trigram', "
             "content='')");
  SqliteExec(db,
             "INSERT INTO seq_fts(rowid, sequence) "
             "SELECT rowid, json_extract(json, '$.sequence') FROM records");
  SqliteExec(db, "COMMIT");
  out.fts_build_s = sw.Seconds();
  Log("similarity index %.1f s, FTS5 %.1f s; SpiraPi: compacting", out.spirapi_build_s,
      out.fts_build_s);
  sw = Stopwatch();
  spirapi->Compact();
  out.compact_s = sw.Seconds();
  SqliteExec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
  out.spirapi_index_bytes = spirapi->DiskBytes() - std::min(spirapi_before, spirapi->DiskBytes());
  out.fts_bytes = sqlite->DiskBytes() - std::min(sqlite_before, sqlite->DiskBytes());

  for (int kind = 0; kind < kSimilarityKinds; ++kind) {
    const char* name = kSimilarityKindNames[kind];
    const size_t warm = config.quick ? 5 : 50;
    const std::vector<SimilarityParams> params =
        MakeSimilarityParams(kind, set, config, 100'000 + warm);
    std::vector<std::string> texts;
    texts.reserve(params.size());
    for (const SimilarityParams& p : params) texts.push_back(SimilarityQueryText(p));
    const bool near = kSimilarityDistance[kind] > 0;
    SqliteStatement scan(db, kSimilaritySql[near][kSqliteScan]);
    SqliteStatement fts(db, kSimilaritySql[near][kSqliteFts]);
    out.plans[kind][0] = spirapi->Plan(texts[0]);
    out.plans[kind][1] = SqlitePlan(db, kSimilaritySql[near][kSqliteScan]);
    out.plans[kind][2] = SqlitePlan(db, kSimilaritySql[near][kSqliteFts]);
    Log("%s: SpiraPi", name);
    QueryResult* r = out.results[kind];
    r[0] = TimeQueries(params.size(), warm, 10, config.seconds, [&](size_t i, uint64_t* examined) {
      return spirapi->Query(texts[i], examined);
    });
    // Scans are not warmed up (each reads everything) and run at least twice.
    Log("%s: SQLite scanning", name);
    r[1] = TimeQueries(
        std::min<size_t>(params.size(), 20), 0, 2, config.seconds,
        [&](size_t i, uint64_t*) { return SqliteSimilarityQuery(db, scan.get(), params[i]); });
    Log("%s: SQLite FTS5", name);
    r[2] = TimeQueries(params.size(), warm, 10, config.seconds, [&](size_t i, uint64_t*) {
      return SqliteSimilarityQuery(db, fts.get(), params[i]);
    });
    CheckSameCounts((std::string(name) + ", SQLite scanning").c_str(), texts, {r[0], r[1]});
    CheckSameCounts((std::string(name) + ", SQLite FTS5").c_str(), texts, {r[0], r[2]});
  }
  return out;
}

void ReportSimilarity(const SimilarityResult& sim) {
  std::printf(
      "\nSimilarity searches in \"sequence\" (200 random digits a record): patterns "
      "taken from random records, $near's with `distance` digits changed. Building "
      "the index over the loaded records: SpiraPi's similarity index (4-grams) %.1f s "
      "(%s on disk after a %.1f s compaction), SQLite's FTS5 trigram table "
      "(contentless) %.1f s (%s). SQLite scans with instr(json_extract(...)) for "
      "$contains and, for $near, hamming_within(json_extract(...), pattern, d), a C "
      "function registered with sqlite3_create_function (no SQL expression computes "
      "a Hamming distance); with FTS5, MATCH of the pattern's phrase, or for $near "
      "the OR of its d + 1 pieces' phrases, then hamming_within on the rows found.\n\n",
      sim.spirapi_build_s, FormatBytes(static_cast<double>(sim.spirapi_index_bytes)).c_str(),
      sim.compact_s, sim.fts_build_s, FormatBytes(static_cast<double>(sim.fts_bytes)).c_str());
  const auto rate = [](double qps) { return qps < 100 ? FormatFixed(qps, 2) : FormatCount(qps); };
  std::printf(
      "| query | rows/query | SpiraPi queries/s | SQLite scan queries/s |"
      " SQLite FTS5 queries/s | SpiraPi ÷ scan | SpiraPi ÷ FTS5 |\n"
      "|---|---:|---:|---:|---:|---:|---:|\n");
  for (int kind = 0; kind < kSimilarityKinds; ++kind) {
    const QueryResult* r = sim.results[kind];
    std::printf("| %s | %s | %s | %s | %s | %.1f | %.2f |\n", kSimilarityKindNames[kind],
                FormatFixed(static_cast<double>(r[0].rows) / r[0].queries, 2).c_str(),
                rate(r[0].qps()).c_str(), rate(r[1].qps()).c_str(), rate(r[2].qps()).c_str(),
                r[0].qps() / r[1].qps(), r[0].qps() / r[2].qps());
  }
  std::printf(
      "\n| query | SpiraPi rows examined/query | SpiraPi plan (first query) |"
      " SQLite scan plan | SQLite FTS5 plan |\n|---|---:|---|---|---|\n");
  for (int kind = 0; kind < kSimilarityKinds; ++kind) {
    const QueryResult& s = sim.results[kind][0];
    std::printf("| %s | %s | %s | %s | %s |\n", kSimilarityKindNames[kind],
                FormatCount(static_cast<double>(s.examined) / s.queries).c_str(),
                sim.plans[kind][0].c_str(), sim.plans[kind][1].c_str(), sim.plans[kind][2].c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  const Config config = ParseArgs(argc, argv);
  std::string pattern = config.parent + "/query_bench-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) Fatal("cannot create " + pattern);
  const std::string dir = pattern;
  const std::string load_start = LoadAverage();
  Log("making %llu records", static_cast<unsigned long long>(config.records));
  const DataSet set = MakeDataSet(config);
  const uint64_t raw_bytes = set.records.raw_bytes();
  const double n = static_cast<double>(set.records.size());

  // Writes: each engine loads the records with 0, 1 and 2 indexes in place;
  // the 2-index databases then serve the queries. The unindexed ones also
  // time building both indexes over the records they hold.
  LoadResult load;
  std::unique_ptr<SpiraPi> spirapi;
  std::unique_ptr<Sqlite> sqlite;
  {
    // A throwaway load first: a process's first load pays for growing its
    // heap and faulting in code, which would be charged to the unindexed
    // rate, the baseline of the index costs.
    const size_t count = std::min<size_t>(set.records.size(), 20'000);
    SpiraPi(dir + "/warm-spirapi").Load(set, count);
    Sqlite(dir + "/warm.db").Load(set, count);
    RemoveAll(dir + "/warm-spirapi");
    for (const char* suffix : {"", "-wal", "-shm"}) RemoveAll(dir + "/warm.db" + suffix);
  }
  for (size_t indexes = config.queries_only ? 2 : 0; indexes <= 2; ++indexes) {
    const std::string s_dir = dir + "/spirapi-" + std::to_string(indexes);
    auto s = std::make_unique<SpiraPi>(s_dir);
    s->CreateIndexes(indexes);
    Log("SpiraPi: loading with %zu index(es)", indexes);
    Stopwatch sw;
    s->Load(set, set.records.size());
    load.spirapi_rate[indexes] = n / sw.Seconds();
    Log("SpiraPi: %.0f records/s", load.spirapi_rate[indexes]);

    const std::string q_file = dir + "/sqlite-" + std::to_string(indexes) + ".db";
    auto q = std::make_unique<Sqlite>(q_file);
    q->CreateIndexes(indexes);
    Log("SQLite: loading with %zu index(es)", indexes);
    sw = Stopwatch();
    q->Load(set, set.records.size());
    load.sqlite_rate[indexes] = n / sw.Seconds();
    Log("SQLite: %.0f records/s", load.sqlite_rate[indexes]);

    if (indexes == 0) {
      sw = Stopwatch();
      s->CreateIndexes(2);
      load.spirapi_build_s = sw.Seconds();
      sw = Stopwatch();
      q->CreateIndexes(2);
      load.sqlite_build_s = sw.Seconds();
      Log("building both indexes: SpiraPi %.1f s, SQLite %.1f s", load.spirapi_build_s,
          load.sqlite_build_s);
    }
    if (indexes == 2) {
      spirapi = std::move(s);
      sqlite = std::move(q);
    } else {
      s.reset();
      q.reset();
      RemoveAll(s_dir);
      for (const char* suffix : {"", "-wal", "-shm"}) RemoveAll(q_file + suffix);
    }
  }
  // Queries read a settled database: SpiraPi's journal written out to
  // compacted segments (as after its background work), SQLite checkpointed.
  Log("SpiraPi: compacting");
  Stopwatch compact_sw;
  spirapi->Compact();
  const double compact_s = compact_sw.Seconds();
  const uint64_t spirapi_disk = spirapi->DiskBytes(), sqlite_disk = sqlite->DiskBytes();

  QueryResult results[kKinds][2];
  std::string plans[kKinds][2];
  for (int kind = 0; kind < kKinds; ++kind) {
    const bool scan = IsScan(kind);
    // Scans run at least twice and are not warmed up: each reads everything.
    const size_t warm = scan ? 0 : config.quick ? 5 : 50;
    const size_t min_queries = scan ? 2 : 10;
    const size_t max_queries = scan ? 20 : 200'000;
    const std::vector<Params> params =
        MakeParams(kind, config.seed, config.records, max_queries + warm);
    std::vector<std::string> texts;
    texts.reserve(params.size());
    for (const Params& p : params) texts.push_back(SpiraPiQueryText(kind, p));
    plans[kind][0] = spirapi->Plan(texts[0]);
    plans[kind][1] = sqlite->Plan(kind);

    Log("%s: SpiraPi", kKindNames[kind]);
    results[kind][0] = TimeQueries(params.size(), warm, min_queries, config.seconds,
                                   [&](size_t i, uint64_t* examined) {
      return kind == kCount10 ? spirapi->Count(texts[i], examined)
                              : spirapi->Query(texts[i], examined);
    });
    Log("%s: SQLite", kKindNames[kind]);
    results[kind][1] = TimeQueries(params.size(), warm, min_queries, config.seconds,
                                   [&](size_t i, uint64_t*) {
      return sqlite->Query(kind, params[i]);
    });
    CheckSameCounts(kKindNames[kind], texts, results[kind]);
  }
  const SpiralResult spiral = RunSpiralBench(spirapi.get(), sqlite.get(), config);
  spirapi.reset();
  sqlite.reset();
  const SimilarityResult similarity = RunSimilarityBench(dir, set, config);
  const std::string load_end = LoadAverage();
  RemoveAll(dir);

  // The report.
  std::printf("query_bench: %s, %s, %s, %s records of %.0f bytes of JSON (%s), seed %llu\n",
              UtcDateTime().c_str(), CpuModel().c_str(), FileSystemType(config.parent).c_str(),
              FormatCount(n).c_str(), raw_bytes / n,
              FormatBytes(static_cast<double>(raw_bytes)).c_str(),
              static_cast<unsigned long long>(config.seed));
  std::printf("load average at start %s, at end %s; %.1f s a workload per engine\n\n",
              load_start.c_str(), load_end.c_str(), config.seconds);

  if (config.queries_only) {
    std::printf("Writes with both indexes (1,000 a transaction, durable): SpiraPi %s, SQLite %s "
                "records/s. ",
                FormatCount(load.spirapi_rate[2]).c_str(),
                FormatCount(load.sqlite_rate[2]).c_str());
  } else {
    std::printf("| writes (1,000 a transaction, durable) | SpiraPi records/s | ÷ no index |"
                " SQLite records/s | ÷ no index |\n|---|---:|---:|---:|---:|\n");
    for (int i = 0; i <= 2; ++i) {
      static const char* kNames[] = {"no index", "1 index (precision)",
                                     "2 indexes (+ algorithm, precision)"};
      std::printf("| %s | %s | %.2f | %s | %.2f |\n", kNames[i],
                  FormatCount(load.spirapi_rate[i]).c_str(),
                  load.spirapi_rate[i] / load.spirapi_rate[0],
                  FormatCount(load.sqlite_rate[i]).c_str(),
                  load.sqlite_rate[i] / load.sqlite_rate[0]);
    }
    std::printf("\nBuilding both indexes over the loaded records: SpiraPi %.1f s, SQLite %.1f s. ",
                load.spirapi_build_s, load.sqlite_build_s);
  }
  std::printf("SpiraPi's compaction after the load: %.1f s. On disk with both indexes: "
              "SpiraPi %s, SQLite %s.\n\n",
              compact_s, FormatBytes(static_cast<double>(spirapi_disk)).c_str(),
              FormatBytes(static_cast<double>(sqlite_disk)).c_str());

  PrintQueryHeader();
  for (int kind = 0; kind < kKinds; ++kind) {
    PrintQueryRow(kKindNames[kind], results[kind][0], results[kind][1], kind == kCount10);
  }
  std::printf("\n| unindexed query | SpiraPi s/query | SpiraPi MB/s of JSON | SQLite s/query |"
              " SQLite MB/s of JSON |\n|---|---:|---:|---:|---:|\n");
  for (int kind = kScanJson; kind <= kScanScore; ++kind) {
    const QueryResult& s = results[kind][0];
    const QueryResult& q = results[kind][1];
    std::printf("| %s | %.2f | %.0f | %.2f | %.0f |\n", kKindNames[kind], s.seconds / s.queries,
                raw_bytes * s.qps() / 1e6, q.seconds / q.queries, raw_bytes * q.qps() / 1e6);
  }
  std::printf("\n| query | SpiraPi rows examined/query | SpiraPi plan (first query) |"
              " SQLite plan |\n|---|---:|---|---|\n");
  for (int kind = 0; kind < kKinds; ++kind) {
    const QueryResult& s = results[kind][0];
    std::printf("| %s | %s | %s | %s |\n", kKindNames[kind],
                FormatCount(static_cast<double>(s.examined) / s.queries).c_str(),
                plans[kind][0].c_str(), plans[kind][1].c_str());
  }
  ReportSpiral(spiral, config);
  ReportSimilarity(similarity);
  return 0;
}
