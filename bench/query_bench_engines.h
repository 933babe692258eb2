// query_bench's shared pieces (bench/query_bench.cc describes the benchmark):
// the configuration, the data set, the SQL of the core query kinds, the two
// engines (SpiraPi, Sqlite) and the measuring and table helpers that
// query_bench.cc, query_bench_spiral.cc and query_bench_similarity.cc share.

#pragma once

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

namespace spirapi_query_bench {

using namespace spirapi_bench;

constexpr spirapi::Component kComponent = spirapi::Component::kSequence;
constexpr size_t kBatchRecords = 1000;
constexpr size_t kCacheBytes = 256u << 20;  // SpiraPi's default block cache
constexpr const char* kAlgorithms[] = {"chudnovsky", "ramanujan", "bbp", "machin"};
constexpr size_t kAlgorithmCount = std::size(kAlgorithms);

inline void Check(const spirapi::Status& s, const std::string& what) {
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
inline int64_t SpiralSide(const Config& config) {
  return std::max<int64_t>(
      1, std::llround(std::sqrt(double(config.records) * double(config.cells_per_point))));
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

struct Params {
  int64_t lo = 0, hi = 0;  // precision bounds (lo alone: the point, or the top's bound)
  uint32_t algorithm = 0;
  double x = 0;  // the unindexed bound
};

// ---------------------------------------------------------------------------
// The engines.

inline const spirapi::IndexSpec& IndexSpecAt(size_t i) {
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
inline std::string SqlitePlan(sqlite3* db, const char* sql) {
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
inline void CheckSameCounts(const char* name, const std::vector<std::string>& texts,
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

inline void PrintQueryHeader() {
  std::printf("| query | rows/query | SpiraPi queries/s | SpiraPi rows/s | SQLite queries/s |"
              " SQLite rows/s | SpiraPi ÷ SQLite |\n|---|---:|---:|---:|---:|---:|---:|\n");
}

// One query kind's row of the table; a count's rows/s mean nothing.
inline void PrintQueryRow(const char* name, const QueryResult& s, const QueryResult& q,
                          bool count) {
  const double per_query = static_cast<double>(s.rows) / s.queries;
  std::printf("| %s | %s | %s | %s | %s | %s | %.2f |\n", name,
              per_query < 10 ? FormatFixed(per_query, 2).c_str() : FormatCount(per_query).c_str(),
              s.qps() < 100 ? FormatFixed(s.qps(), 2).c_str() : FormatCount(s.qps()).c_str(),
              count ? "—" : FormatCount(s.rps()).c_str(),
              q.qps() < 100 ? FormatFixed(q.qps(), 2).c_str() : FormatCount(q.qps()).c_str(),
              count ? "—" : FormatCount(q.rps()).c_str(), s.qps() / q.qps());
}

// Steps a bound statement whose column 0 is the row's json; its rows.
inline uint64_t SqliteJsonRows(sqlite3* db, sqlite3_stmt* stmt) {
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

}  // namespace spirapi_query_bench
