// The in-memory index of one component: for every id, the chain of its stored
// versions (newest first), each with where its bytes are. Snapshot reads pick
// the newest version whose commit sequence is at or below the snapshot.
//
// Thread safety: callers hold `mu` shared to read and exclusive to modify.

#ifndef SPIRAPI_STORAGE_INDEX_H_
#define SPIRAPI_STORAGE_INDEX_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <absl/container/btree_set.h>
#include <absl/container/flat_hash_set.h>
#include <absl/container/inlined_vector.h>
#include <absl/hash/hash.h>

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

// One id and its chain, in one allocation with the id's bytes after it, so a
// lookup touches one place for the key comparison and the versions.
class IndexEntry {
 public:
  static IndexEntry* New(std::string_view id);
  static void Delete(IndexEntry* e);

  std::string_view id() const { return {reinterpret_cast<const char*>(this + 1), id_size_}; }
  VersionChain chain;

 private:
  explicit IndexEntry(uint32_t id_size) : id_size_(id_size) {}
  uint32_t id_size_;
};

class ComponentIndex {
 public:
  ComponentIndex() = default;
  ComponentIndex(const ComponentIndex&) = delete;
  ComponentIndex& operator=(const ComponentIndex&) = delete;
  ~ComponentIndex();

  mutable std::shared_mutex mu;

  // The newest version visible at `snapshot`, or nullptr.
  static const VersionRef* Visible(const VersionChain& chain, uint64_t snapshot);

  const VersionChain* Find(std::string_view id) const;
  // Adds a version in seq order (normally at the front). Ids arriving in
  // ascending order (a segment footer) are appended without a search.
  void Add(std::string_view id, const VersionRef& v, int max_versions_kept);
  // Makes room for n more ids without rehashing (at least doubling when it
  // grows, so that a series of calls stays linear).
  void Reserve(size_t n) {
    const size_t want = hash_.size() + n;
    if (want > hash_.capacity() / 8 * 7) hash_.reserve(std::max(want, 2 * hash_.size()));
  }
  // Starts loading the hash slots a Find or Add of id will touch: issued a
  // few ids ahead, it hides the cache misses of a bulk load in random order.
  void Prefetch(std::string_view id) const { hash_.prefetch(id); }
  // Bulk loading (opening a database): between the two calls, Add keeps the
  // id order aside; FinishBulkLoad sorts the new ids once and merges them in,
  // instead of a B-tree descent per id in random order. Only Add, Find and
  // Reserve may be used in between.
  void StartBulkLoad() { bulk_ = true; }
  void FinishBulkLoad();
  // Removes the version of id with this seq stored in this file; erases the id
  // when nothing is left.
  void Remove(std::string_view id, uint64_t seq, uint32_t file_number);
  // Points the version of id with this seq in old_file at a new location.
  void Relocate(std::string_view id, uint64_t seq, uint32_t old_file, const Location& loc);
  // Exchanges the contents (not the mutexes) with another index: a read-only
  // DB builds a fresh index aside and swaps it in (DB::CatchUp). The caller
  // holds both mutexes exclusively.
  void Swap(ComponentIndex& other);

 private:
  // The id order is a B-tree of (first 8 id bytes as a big-endian number,
  // entry): most comparisons end on the number without touching the entry.
  struct Slot {
    uint64_t prefix;
    IndexEntry* entry;
  };
  struct Probe {
    uint64_t prefix;
    std::string_view id;
  };
  static uint64_t PrefixOf(std::string_view id) {
    unsigned char bytes[8] = {};
    std::memcpy(bytes, id.data(), id.size() < 8 ? id.size() : 8);
    uint64_t p = 0;
    for (unsigned char b : bytes) p = (p << 8) | b;
    return p;
  }
  struct SlotLess {
    using is_transparent = void;
    static std::string_view Id(const Slot& s) { return s.entry->id(); }
    static std::string_view Id(const Probe& p) { return p.id; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      if (a.prefix != b.prefix) return a.prefix < b.prefix;
      return Id(a) < Id(b);
    }
  };
  using Order = absl::btree_set<Slot, SlotLess>;

  // Point lookups go through a flat hash set of entries.
  struct EntryHash {
    using is_transparent = void;
    size_t operator()(std::string_view id) const { return absl::Hash<std::string_view>()(id); }
    size_t operator()(const IndexEntry* e) const { return (*this)(e->id()); }
  };
  struct EntryEq {
    using is_transparent = void;
    static std::string_view Id(std::string_view id) { return id; }
    static std::string_view Id(const IndexEntry* e) { return e->id(); }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return Id(a) == Id(b);
    }
  };

 public:
  // The ids in bytewise order, each with its chain.
  class OrderedView {
   public:
    class Iterator {
     public:
      using iterator_category = std::bidirectional_iterator_tag;
      using value_type = std::pair<std::string_view, const VersionChain&>;
      using difference_type = std::ptrdiff_t;
      Iterator() = default;
      explicit Iterator(Order::const_iterator it) : it_(it) {}
      value_type operator*() const { return {it_->entry->id(), it_->entry->chain}; }
      Iterator& operator++() {
        ++it_;
        return *this;
      }
      Iterator& operator--() {
        --it_;
        return *this;
      }
      bool operator==(const Iterator& o) const { return it_ == o.it_; }
      bool operator!=(const Iterator& o) const { return it_ != o.it_; }

     private:
      Order::const_iterator it_;
    };

    explicit OrderedView(const Order* order) : order_(order) {}
    Iterator begin() const { return Iterator(order_->begin()); }
    Iterator end() const { return Iterator(order_->end()); }
    Iterator lower_bound(std::string_view id) const {
      return Iterator(order_->lower_bound(Probe{PrefixOf(id), id}));
    }
    Iterator upper_bound(std::string_view id) const {
      return Iterator(order_->upper_bound(Probe{PrefixOf(id), id}));
    }
    size_t size() const { return order_->size(); }
    bool empty() const { return order_->empty(); }

   private:
    const Order* order_;
  };
  OrderedView ordered() const { return OrderedView(&order_); }

  uint64_t live_records() const { return live_; }
  // The highest commit sequence of any version added (kept after the
  // version is removed): where DB::ComponentChangeSequence starts at open.
  uint64_t max_seq() const { return max_seq_; }
  uint64_t stored_versions() const { return versions_; }
  // Versions compaction could drop (beyond retention, or of deleted ids): a
  // trigger heuristic, counted as versions arrive and reset by compaction.
  uint64_t droppable_versions() const { return droppable_; }
  void set_droppable_versions(uint64_t n) { droppable_ = n; }
  // Estimated bytes of memory held.
  uint64_t MemoryBytes() const;

 private:
  IndexEntry* FindMutable(std::string_view id) const;
  void AddToOrder(IndexEntry* e);  // a new entry, just added to hash_
  void AddTo(VersionChain* chain, const VersionRef& v, int max_versions_kept);
  static bool HeadLive(const VersionChain& chain) {
    return !chain.empty() && !chain.front().tombstone();
  }

  Order order_;
  bool bulk_ = false;
  std::vector<Slot> pending_;  // ids added during a bulk load, not yet in order_
  absl::flat_hash_set<IndexEntry*, EntryHash, EntryEq> hash_;
  uint64_t live_ = 0;
  uint64_t versions_ = 0;
  uint64_t droppable_ = 0;
  uint64_t id_bytes_ = 0;
  uint64_t max_seq_ = 0;
};

}  // namespace spirapi

#endif  // SPIRAPI_STORAGE_INDEX_H_
