// The in-memory index of one component: for every id, the chain of its stored
// versions (newest first), each with where its bytes are. Snapshot reads pick
// the newest version whose commit sequence is at or below the snapshot.
//
// Thread safety: callers hold `mu` shared to read and exclusive to modify.

#ifndef SPIRAPI_STORAGE_INDEX_H_
#define SPIRAPI_STORAGE_INDEX_H_

#include <cstdint>
#include <map>
#include <shared_mutex>
#include <string>
#include <string_view>

#include <absl/container/flat_hash_map.h>
#include <absl/container/inlined_vector.h>

namespace spirapi {

// Where a version's bytes are. For a journal record: offset/length of the
// record bytes. For a segment record: the block, and the record inside it.
struct Location {
  uint32_t file_number = 0;
  uint32_t length = 0;        // journal: record bytes; segment: whole block
  uint64_t offset = 0;        // journal: record; segment: block
  uint32_t inner_offset = 0;  // segment only
  uint32_t inner_length = 0;  // segment only
};

inline constexpr uint8_t kVersionTombstone = 1;   // same bit as the record flag
inline constexpr uint8_t kVersionCorrupt = 0x40;  // in memory only: found damaged

struct VersionRef {
  uint64_t seq = 0;
  uint64_t version = 0;
  Location loc;
  uint8_t flags = 0;

  bool tombstone() const { return (flags & kVersionTombstone) != 0; }
  bool corrupt() const { return (flags & kVersionCorrupt) != 0; }
};

// Newest (highest seq) first. Most ids have one version: keep it inline.
using VersionChain = absl::InlinedVector<VersionRef, 1>;

class ComponentIndex {
 public:
  mutable std::shared_mutex mu;

  // The newest version visible at `snapshot`, or nullptr.
  static const VersionRef* Visible(const VersionChain& chain, uint64_t snapshot);

  const VersionChain* Find(std::string_view id) const;
  // Adds a version in seq order (normally at the front). Ids arriving in
  // ascending order (a segment footer) are inserted in amortized O(1).
  void Add(std::string_view id, const VersionRef& v, int max_versions_kept);
  // The same, taking ownership of the id (no copy when it is new).
  void AddOwned(std::string&& id, const VersionRef& v, int max_versions_kept);
  // Makes room for n more ids without rehashing.
  void Reserve(size_t n) { hash_.reserve(hash_.size() + n); }
  // Removes the version of id with this seq stored in this file; erases the id
  // when nothing is left.
  void Remove(std::string_view id, uint64_t seq, uint32_t file_number);
  // Points the version of id with this seq in old_file at a new location.
  void Relocate(std::string_view id, uint64_t seq, uint32_t old_file, const Location& loc);

  using Map = std::map<std::string, VersionChain, std::less<>>;
  const Map& map() const { return map_; }

  uint64_t live_records() const { return live_; }
  uint64_t stored_versions() const { return versions_; }
  // Versions compaction could drop (beyond retention, or of deleted ids): a
  // trigger heuristic, counted as versions arrive and reset by compaction.
  uint64_t droppable_versions() const { return droppable_; }
  void set_droppable_versions(uint64_t n) { droppable_ = n; }
  // Estimated bytes of memory held.
  uint64_t MemoryBytes() const;

 private:
  VersionChain* FindMutable(std::string_view id);
  VersionChain* Insert(std::string&& id);  // REQUIRES: id not present
  void AddTo(VersionChain* chain, const VersionRef& v, int max_versions_kept);
  static bool HeadLive(const VersionChain& chain) {
    return !chain.empty() && !chain.front().tombstone();
  }

  Map map_;  // ordered, for scans
  Map::iterator last_added_ = map_.end();  // insertion hint for ascending ids
  // Point lookups go through a flat hash table into the map's nodes (which
  // never move): a tree walk over a million ids misses the cache at every
  // level, and a node-based hash table at three or four places per probe.
  absl::flat_hash_map<std::string_view, VersionChain*> hash_;
  uint64_t live_ = 0;
  uint64_t versions_ = 0;
  uint64_t droppable_ = 0;
  uint64_t key_bytes_ = 0;
};

}  // namespace spirapi

#endif  // SPIRAPI_STORAGE_INDEX_H_
