// The definitions of a database's secondary indexes (include/spirapi/index.h)
// and the entries a record gives them. Definitions are METADATA records
// "~index/NAME"; entries are INDEX records (index_key.h).

#ifndef SPIRAPI_INDEX_INDEX_CATALOG_H_
#define SPIRAPI_INDEX_INDEX_CATALOG_H_

#include <rapidjson/document.h>

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "query/query_value.h"
#include "spirapi/index.h"
#include "spirapi/status.h"

namespace spirapi::index {

// METADATA ids of definitions, and of an interrupted build's progress.
inline constexpr std::string_view kDefinitionPrefix = "~index/";
inline constexpr std::string_view kBuildPrefix = "~indexbuild/";

struct IndexDef {
  IndexSpec spec;
  std::vector<query::Path> paths;  // spec.fields parsed
  bool ready = false;              // false: "building"
  // The commit that wrote this definition: a query reading an older
  // snapshot must not use the index (its entries there are incomplete).
  // 0 for definitions loaded at open, older than any snapshot.
  uint64_t ready_seq = 0;
  int64_t created_us = 0;
  bool uses_metadata = false;
  std::string entry_prefix;        // EntryPrefix(spec.name)
  // A similarity index's q (bytes per q-gram), kept in its definition so
  // that a later default cannot change what its entries mean; 0 otherwise.
  size_t gram = 0;
  // Queries of this process that used the index (shared by the catalogs
  // that hold the same index).
  std::shared_ptr<std::atomic<uint64_t>> queries;
};

// One state of the definitions, replaced whole when one changes.
struct Catalog {
  std::vector<std::shared_ptr<const IndexDef>> defs;  // by name
  uint64_t epoch = 0;  // grows with every change

  const IndexDef* Find(std::string_view name) const;
  // Some index reads records of c (a schema index: kSchema).
  bool Covers(Component c) const;
  // Some index reads c's raw records (not a schema index).
  bool CoversRecords(Component c) const;
  // Some index is over the records of a schema.
  bool CoversSchemas() const;
};

// Checks a spec: name, field count and paths, component.
Status CheckSpec(const IndexSpec& spec);
// Makes a definition from a spec.
Status MakeDef(const IndexSpec& spec, bool ready, int64_t created_us, IndexDef* def);
// A definition record's data, and back.
std::string DefToJson(const IndexDef& def);
Status ParseDef(std::string_view data_json, IndexDef* def);

// The id of the entry the record gives a btree, hash or spiral index `def`
// (data and metadata parsed; metadata may be null if the index does not
// read it). Not for similarity indexes, which give many: EntriesFor.
std::string EntryFor(const IndexDef& def, std::string_view record_id, const rapidjson::Value& data,
                     const rapidjson::Value* metadata);
// The ids of all entries the record gives index `def`, sorted, distinct:
// EntryFor's one, or a similarity index's one per distinct q-gram of a
// string value (none for other values and strings shorter than q).
// InvalidArgument when a value has more than kMaxSimilarityGrams q-grams.
Status EntriesFor(const IndexDef& def, std::string_view record_id, const rapidjson::Value& data,
                  const rapidjson::Value* metadata, std::vector<std::string>* out);

// The distinct q-grams of s (its substrings of q bytes), sorted; false,
// having stopped early, if there are more than `limit`.
bool DistinctGrams(std::string_view s, size_t q, size_t limit,
                   std::vector<std::string_view>* out);

// Splits one of def's entry ids (whole) into key and record part, as
// SplitEntry does.
bool SplitEntryOf(const IndexDef& def, std::string_view entry_id, std::string_view* key,
                  std::string_view* record_id, bool* hashed);

// A spiral index's key for a value: the Ulam-spiral position of the cell
// holding the point [x, y], or 'a' for anything else.
void SpiralKey(const rapidjson::Value* v, std::string* out);

// The data of that entry: the record id when the entry id could not hold
// it, else "0".
std::string EntryData(std::string_view entry_id, std::string_view record_id);

}  // namespace spirapi::index

#endif  // SPIRAPI_INDEX_INDEX_CATALOG_H_
