// query_bench's spiral benchmark: RunSpiralBench and ReportSpiral
// (bench/query_bench.cc describes the benchmark).

#include "query_bench_spiral.h"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <vector>

namespace spirapi_query_bench {

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
  return SqliteJsonRows(db, stmt);
}

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

}  // namespace spirapi_query_bench
