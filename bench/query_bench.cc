// query_bench: SpiraPi queries that use secondary indexes beside SQLite
// holding the same records with the equivalent indexes, in one run (issue 17).
//
//   query_bench                    1,000,000 records (about 11 minutes on 2 cores)
//   query_bench --quick            20,000 records, about 10 s: the CI check
//   query_bench --queries-only     skip the unindexed loads and index builds
//   (also --records N, --seconds S a query kind per engine, --seed N, --dir PARENT,
//   --cells-per-point K the spiral points' sparseness)
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
    } else if (arg == "--queries-only") {
      config.queries_only = true;
    } else if (arg == "--quick") {
      config.quick = true;
      config.records = 20'000;
      config.seconds = 0.1;
    } else {
      std::fprintf(stderr,
                   "usage: query_bench [--records N] [--seconds S] [--seed N] [--dir PARENT] "
                   "[--queries-only] [--cells-per-point K] [--quick]\n"
                   "  --records N   records of about 900 bytes (default 1,000,000)\n"
                   "  --seconds S   time of each workload on each engine (default 2)\n"
                   "  --dir PARENT  where the temporary databases go (default /tmp)\n"
                   "  --queries-only  skip the loads without indexes and the index builds\n"
                   "  --cells-per-point K  lattice cells per \"pos\" point (default 1)\n"
                   "  --quick       20,000 records, 0.1 s a workload: the CI check\n");
      std::exit(2);
    }
  }
  // Ranges are N/1000 values wide: below 1,000 records they would be empty.
  if (config.records < 1000) Fatal("--records must be at least 1000");
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

uint64_t SqliteSpiralQuery(sqlite3* db, sqlite3_stmt* stmt, const SpiralParams& p) {
  const int64_t values[7] = {p.box[0], p.box[2], p.box[1], p.box[3], p.cx, p.cy, p.r};
  for (int i = 1; i <= sqlite3_bind_parameter_count(stmt); ++i) {
    sqlite3_bind_int64(stmt, i, values[i - 1]);
  }
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
  const std::string load_end = LoadAverage();
  spirapi.reset();
  sqlite.reset();
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
  return 0;
}
