// query_bench's similarity benchmark: RunSimilarityBench and ReportSimilarity
// (bench/query_bench.cc describes the benchmark).

#include "query_bench_similarity.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace spirapi_query_bench {

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

}  // namespace spirapi_query_bench
