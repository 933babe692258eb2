#include "query/query_similarity.h"

#include <algorithm>
#include <cstdint>

#include "db/db_impl.h"
#include "index/index_key.h"

namespace spirapi::query {
namespace {

bool SamePath(const Path& a, const Path& b) { return a.root == b.root && a.steps == b.steps; }

}  // namespace

std::vector<std::string_view> NearPieces(std::string_view pattern, uint64_t distance) {
  std::vector<std::string_view> pieces;
  const uint64_t n = distance + 1;
  for (uint64_t i = 0; i < n; ++i) {
    const size_t from = static_cast<size_t>(i * pattern.size() / n);
    const size_t to = static_cast<size_t>((i + 1) * pattern.size() / n);
    pieces.push_back(pattern.substr(from, to - from));
  }
  return pieces;
}

bool SimilarityRanges(DBImpl* db, uint64_t snapshot, const index::IndexDef& def,
                      const std::vector<const Condition*>& conds, uint64_t cap,
                      std::vector<KeyRange>* ranges, uint64_t* count, std::string* why) {
  const size_t q = def.gram;
  bool found = false;
  std::vector<std::string> best_keys;
  uint64_t best = 0;
  std::vector<std::string_view> grams;
  for (const Condition* c : conds) {
    if ((c->op != Condition::Op::kContains && c->op != Condition::Op::kNear) ||
        !SamePath(c->path, def.paths[0])) {
      continue;
    }
    const std::string_view pattern(c->operand->GetString(), c->operand->GetStringLength());
    const uint64_t distance = c->op == Condition::Op::kNear ? c->distance : 0;
    const std::vector<std::string_view> pieces = NearPieces(pattern, distance);
    const size_t shortest = pattern.size() / pieces.size();
    if (shortest < q) {
      *why = "similarity index " + def.spec.name + " needs " +
             (distance == 0 ? "patterns" : "$near pieces (pattern length / (distance + 1))") +
             " of at least " + std::to_string(q) + " bytes, not " + std::to_string(shortest);
      continue;
    }
    // The rarest q-gram of each piece, counted no further than what could
    // still beat the best plan so far.
    const uint64_t limit = found ? std::min(cap, best - 1) : cap;
    uint64_t total = 0;
    std::vector<std::string> keys;
    bool over = false;
    for (std::string_view piece : pieces) {
      index::DistinctGrams(piece, q, SIZE_MAX - 1, &grams);
      uint64_t rarest = UINT64_MAX;
      std::string rarest_key;
      for (std::string_view g : grams) {
        const uint64_t room = limit - total;
        const uint64_t within = rarest == UINT64_MAX ? room : std::min(room, rarest - 1);
        std::string key = def.entry_prefix + index::GramKey(g);
        const uint64_t n = db->CountIds(snapshot, Component::kIndex, key, key + "\xff", within);
        if (n <= within && n < rarest) {
          rarest = n;
          rarest_key = std::move(key);
          if (n == 0) break;
        }
      }
      if (rarest == UINT64_MAX) {
        over = true;  // every posting of the piece passes the limit
        break;
      }
      total += rarest;
      keys.push_back(std::move(rarest_key));
    }
    if (over) continue;
    found = true;
    best = total;
    best_keys = std::move(keys);
    if (best == 0) break;
  }
  if (!found) return false;
  why->clear();
  std::sort(best_keys.begin(), best_keys.end());
  best_keys.erase(std::unique(best_keys.begin(), best_keys.end()), best_keys.end());
  ranges->clear();
  for (const std::string& key : best_keys) ranges->push_back({key, key + "\xff"});
  *count = best;
  return true;
}

}  // namespace spirapi::query
