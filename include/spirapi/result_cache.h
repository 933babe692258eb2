// The result cache: results derived from the database (query rows, π digit
// analyses) kept in the CACHE component, each with a time to live and the
// state of the inputs it was computed from, so that it is served only while
// none of them changed. docs/RESULT_CACHE.md has the whole contract; the
// record layout is in docs/FORMAT.md, "Result cache entries":
//
//   CACHE  ~result/<kind>/<hex SHA-256 of the key>   one entry (JSON)
//
// Invalidation is exact, not timed: an entry records, per input, a commit
// sequence number (DB::ComponentChangeSequence for a whole component, the
// newest version's sequence for a record), taken before the result was
// computed; a lookup compares them with the current ones and any difference
// makes it a miss ("stale"). Writes to the CACHE component itself change no
// input of another component. The TTL is a second, independent bound.
//
// Entries are disposable: a stale or expired entry found by a lookup is
// deleted then (lazily), Purge deletes them in bulk, and CleanupOlderThan
// (maintenance.h) may delete any of them. The "~result/" ids of the CACHE
// component belong to the result cache: do not write them yourself.
//
// Read-only instances (Options::read_only) serve hits and count misses, but
// store and delete nothing.
//
// Thread safety: the functions may be called from any number of threads;
// a ResultCache object may be shared between them.

#ifndef SPIRAPI_RESULT_CACHE_H_
#define SPIRAPI_RESULT_CACHE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "spirapi/db.h"
#include "spirapi/export.h"
#include "spirapi/status.h"

namespace spirapi {

// What a result was computed from: one record (id not empty) or every
// record of a component (id empty).
struct CacheInput {
  Component component = Component::kSequence;
  std::string id;
};

// The inputs' state when a computation began (ResultCache::Fingerprint).
struct CacheFingerprint {
  struct Input {
    Component component = Component::kSequence;
    std::string id;    // empty: the whole component
    uint64_t seq = 0;  // its change sequence then (0: a record absent)
  };
  std::vector<Input> inputs;
};

// ResultCacheCounters, this instance's lookups since open, is in db.h (DbStats).

// One stored entry, as ResultCache::List reports it.
struct CacheEntryInfo {
  std::string record_id;  // ~result/<kind>/<hash>
  std::string kind;
  std::string key;
  int64_t created_us = 0;
  int64_t expires_us = 0;  // 0: no expiry
  uint64_t value_bytes = 0;
  std::vector<CacheFingerprint::Input> inputs;
  // Not served by a lookup now: expired, or an input changed.
  bool expired = false;
  bool stale = false;
  std::string ToJson() const;  // the fields above, inputs as {"component","id","seq"}
};

struct ResultCacheOptions {
  // The clock, µs since the Unix epoch; unset: the system clock. For tests,
  // and for callers with a clock of their own.
  std::function<int64_t()> now_us;
  // Results whose value JSON is larger are not stored (counted as skipped).
  uint64_t max_value_bytes = 1u << 20;
  // Wait for each stored entry to reach the disk. Off: a cache entry lost
  // in a crash costs only a recomputation.
  bool sync = false;
};

class SPIRAPI_EXPORT ResultCache {
 public:
  // db must outlive the cache.
  explicit ResultCache(DB* db, ResultCacheOptions options = {});

  // The inputs' current state; take it before computing the result.
  // Errors: InvalidArgument (no inputs, a bad component or id).
  Status Fingerprint(const std::vector<CacheInput>& inputs, CacheFingerprint* out);

  // Looks `key` of `kind` up. Sets *hit and, on a hit, *value_json. A miss
  // is OK. kind: 1..32 of [a-z0-9_-]; key: any bytes. Errors:
  // InvalidArgument (bad kind); Corruption (a damaged entry record); IOError.
  Status Lookup(std::string_view kind, std::string_view key, std::string* value_json, bool* hit);

  // Stores value_json (valid JSON) for key, computed from the inputs as they
  // were at `fp`, for ttl_seconds (0: until an input changes). A value over
  // max_value_bytes, or on a read-only instance, is not stored (OK, counted
  // as skipped). Errors: InvalidArgument (bad kind, value not JSON, ttl < 0).
  Status Store(std::string_view kind, std::string_view key, const CacheFingerprint& fp,
               std::string_view value_json, double ttl_seconds);

  // Lookup, and on a miss: Fingerprint, compute (fn sets *value_json), Store.
  // Errors: those of the three, and what fn returns (nothing is stored).
  Status GetOrCompute(std::string_view kind, std::string_view key,
                      const std::vector<CacheInput>& inputs, double ttl_seconds,
                      const std::function<Status(std::string* value_json)>& fn,
                      std::string* value_json, bool* hit);

  // Every entry, in record id order, until fn returns false. Entries that do
  // not parse are skipped.
  Status List(const std::function<bool(const CacheEntryInfo&)>& fn);

  // Deletes entries and adds their number to *removed: every one (kAll),
  // those a lookup would not serve, expired or stale, and any that do not
  // parse (kUnusable), or only the expired ones (kExpiredOnly). An entry
  // stored again meanwhile is kept. Errors: NotSupported on a read-only
  // instance.
  enum class PurgeMode { kAll, kUnusable, kExpiredOnly };
  Status Purge(PurgeMode mode, uint64_t* removed);

 private:
  int64_t Now() const;
  // Deletes record_id if it still holds the version seen (a concurrent
  // Store's newer entry is kept).
  void RemoveEntry(std::string_view record_id, uint64_t version);
  // Sets e->stale and e->expired; true if neither.
  bool Usable(CacheEntryInfo* e, int64_t now);

  DB* const db_;
  const ResultCacheOptions options_;
};

// This instance's counters (the same as DbStats::result_cache_*).
SPIRAPI_EXPORT Status GetResultCacheCounters(DB* db, ResultCacheCounters* counters);

// "~result/<kind>/<hex SHA-256 of key>".
SPIRAPI_EXPORT std::string ResultCacheRecordId(std::string_view kind, std::string_view key);

}  // namespace spirapi

#endif  // SPIRAPI_RESULT_CACHE_H_
