// Secondary indexes: ordered (btree), exact-match (hash), point (spiral) and
// substring (similarity) indexes over the fields of a component's records,
// kept in the INDEX component and used by queries (docs/QUERY.md, "Indexes").
//
//   IndexSpec spec;
//   spec.name = "by_precision";
//   spec.component = Component::kSequence;
//   spec.fields = {"precision"};
//   Status s = CreateIndex(db, spec);
//
// A btree, hash or spiral index has one entry per live record of its
// component: the record's values at the index's fields (a missing field
// counts as a value too), encoded so that the INDEX component's id order is
// the query language's value order. A similarity index has one entry per
// distinct q-gram of the record's string value (none for other values).
// Every write to the component, by DB::Put, DB::Delete or a Transaction,
// updates the entries in the same commit, so an index never lags its
// records; a transaction that raced with an index's creation or
// removal fails with Conflict (DB::Put and DB::Delete retry by themselves).
//
// Thread safety: the functions may be called from any number of threads.
// Errors of every function: NotSupported on a read-only instance for the
// ones that write; IOError.

#ifndef SPIRAPI_INDEX_H_
#define SPIRAPI_INDEX_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "spirapi/db.h"
#include "spirapi/export.h"
#include "spirapi/status.h"

namespace spirapi {

enum class IndexType : uint8_t {
  // Ordered by the fields' values: equality, $in, ranges, $prefix, sorts
  // and top-k without sorting, counts of a range without reading records.
  kBtree,
  // A fixed-size hash of the values: equality and $in only; its entries
  // stay short whatever the values' length.
  kHash,
  // One field of points [x, y] (a spiral_coordinate): $within boxes and
  // discs, answered as intervals of the Ulam-spiral order of the cell
  // (floor(x), floor(y)) for |x|, |y| < 2^31.
  kSpiral,
  // One string field (π digits or any text): $contains and $near (Hamming
  // distance) answered from its q-grams, the byte strings of length
  // kSimilarityGramBytes in the value, by pigeonhole filtering; candidates
  // are always checked against the query. Many entries per record.
  kSimilarity,
};
// "btree", "hash", "spiral", "similarity".
SPIRAPI_EXPORT const char* IndexTypeName(IndexType type);
SPIRAPI_EXPORT Status ParseIndexType(std::string_view name, IndexType* out);

// The q of the similarity indexes CreateIndex makes: a q-gram is 4 bytes.
// Over π digits 3-grams would be too common (1,000 of them: a record of a
// few hundred digits holds most), 5-grams would need patterns of 5(d+1)
// digits for a $near of distance d; 4 is the compromise (docs/QUERY.md).
// Each index keeps its q in its definition.
inline constexpr size_t kSimilarityGramBytes = 4;
// The most distinct q-grams one value may have under a similarity index: a
// write of a record whose value has more fails with InvalidArgument rather
// than leave entries out (π digits have at most 10^4 distinct 4-grams; text
// reaches the limit at a few hundred KB).
inline constexpr size_t kMaxSimilarityGrams = size_t{1} << 18;

struct IndexSpec {
  // 1..40 characters of [A-Za-z0-9_-]; unique in the database.
  std::string name;
  Component component = Component::kSequence;
  // 1..4 query paths ("precision", "stats.mean", "@metadata.source"); a
  // compound btree orders by the first, then the second, ...; a spiral or
  // similarity index has exactly one.
  std::vector<std::string> fields;
  IndexType type = IndexType::kBtree;
  // Set: an index over the records of this schema (include/spirapi/schema.h)
  // rather than over a component's raw records. Its fields are paths into
  // a record's data as the schema presents it now (renamed fields under
  // their new names, widened types converted, defaults filled in), the
  // values a query over the schema compares; `component` is then
  // Component::kSchema, where the records are kept. A change of the schema
  // recomputes its indexes' entries in the same commit. Last, so that
  // {name, component, fields, type} initializers keep their meaning.
  std::string schema = {};
};

struct IndexInfo {
  IndexSpec spec;
  // "building" while the entries of existing records are being written
  // (queries do not use it yet), "ready" after.
  std::string state;
  int64_t created_us = 0;   // µs since the Unix epoch
  uint64_t entries = 0;     // live entries now (a similarity index: q-grams of all records)
  uint64_t key_bytes = 0;   // their ids' bytes (what the index adds to memory)
  uint64_t queries = 0;     // queries of this process that used it
};

// Creates an index and writes the entries of the existing records, calling
// `progress` (if given) with the fraction done; returning false stops with
// Cancelled, the index staying "building" until RebuildIndex finishes it
// (as it does after a crash: an index is never half-used). Writes continue
// meanwhile. Errors: InvalidArgument (a bad name, path or field count; a
// name in use; the INDEX component as source; a string with more distinct
// q-grams than kMaxSimilarityGrams under a similarity index), Cancelled,
// Corruption (a damaged record stops the build).
SPIRAPI_EXPORT Status CreateIndex(DB* db, const IndexSpec& spec,
                                  const std::function<bool(double)>& progress = nullptr);

// Removes an index and its entries. NotFound if there is none by that name.
SPIRAPI_EXPORT Status DropIndex(DB* db, std::string_view name);

// Deletes all entries of an index and writes them again from the records,
// e.g. after VerifyIndex found a mismatch or to finish an interrupted
// build. Errors: NotFound, Cancelled, Corruption.
SPIRAPI_EXPORT Status RebuildIndex(DB* db, std::string_view name,
                                   const std::function<bool(double)>& progress = nullptr);

// All indexes, in name order.
SPIRAPI_EXPORT Status ListIndexes(DB* db, std::vector<IndexInfo>* out);

struct IndexMismatch {
  std::string index;
  std::string record_id;  // the record concerned
  std::string what;       // "entry missing", "entry for a record that does not hold this value", ...
};

// Checks, at one snapshot, that an index (empty name: every ready index)
// holds exactly the entries its live records give (one per record, or a
// similarity index's one per distinct q-gram), with those records' values.
// Returns OK with the findings in *mismatches. Errors: NotFound, Corruption.
SPIRAPI_EXPORT Status VerifyIndex(DB* db, std::string_view name,
                                  std::vector<IndexMismatch>* mismatches);

// True for the records SpiraPi keeps its indexes in: INDEX ids starting
// with "~ix/" (entries) and METADATA ids starting with "~index" (definitions
// and build progress). DB::Put and DB::Delete refuse such ids with
// InvalidArgument; `spirapi dump` leaves them out.
SPIRAPI_EXPORT bool IsIndexRecord(Component c, std::string_view id);

}  // namespace spirapi

#endif  // SPIRAPI_INDEX_H_
