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
//
// The files: query_bench.cc (this one) the arguments, the data set, the core
// query kinds, main and the report; query_bench_engines.h the shared pieces
// (Config, DataSet, the SQL of the core kinds, the SpiraPi and Sqlite engines,
// QueryResult, TimeQueries, CheckSameCounts, the table rows);
// query_bench_spiral.cc/.h the spiral benchmark (RunSpiralBench, ReportSpiral);
// query_bench_similarity.cc/.h the similarity benchmark (RunSimilarityBench,
// ReportSimilarity).

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
#include "query_bench_engines.h"
#include "query_bench_similarity.h"
#include "query_bench_spiral.h"
#include "spirapi/db.h"
#include "spirapi/index.h"
#include "spirapi/query.h"
#include "sqlite_util.h"

namespace spirapi_query_bench {

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
// The core query kinds (Kind and their SQL, kSql: query_bench_engines.h).

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

bool IsScan(int kind) { return kind == kScanJson || kind == kScanScore; }

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

}  // namespace spirapi_query_bench

using namespace spirapi_query_bench;

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
