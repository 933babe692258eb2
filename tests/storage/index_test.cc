// Tests for storage/index.h: version chains per id, snapshot visibility and
// the counters that drive compaction.

#include "storage/index.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace spirapi {
namespace {

constexpr int kKeepMany = 1000;  // max_versions_kept that never triggers

VersionRef Put(uint64_t seq, uint32_t file = 1, uint64_t offset = 0) {
  VersionRef v;
  v.seq = seq;
  v.version = seq;
  v.loc.file_number = file;
  v.loc.offset = offset == 0 ? seq * 100 : offset;
  v.loc.length = 10;
  return v;
}

VersionRef Tombstone(uint64_t seq, uint32_t file = 1) {
  VersionRef v = Put(seq, file);
  v.flags = kVersionTombstone;
  return v;
}

// The seqs of id's chain, newest first.
std::vector<uint64_t> Seqs(const ComponentIndex& index, std::string_view id) {
  std::vector<uint64_t> seqs;
  const VersionChain* chain = index.Find(id);
  if (chain != nullptr) {
    for (const VersionRef& v : *chain) seqs.push_back(v.seq);
  }
  return seqs;
}

uint64_t VisibleSeq(const ComponentIndex& index, std::string_view id, uint64_t snapshot) {
  const VersionChain* chain = index.Find(id);
  if (chain == nullptr) return 0;
  const VersionRef* v = ComponentIndex::Visible(*chain, snapshot);
  return v == nullptr ? 0 : v->seq;
}

// True if the ordered view holds id.
bool InOrder(const ComponentIndex& index, std::string_view id) {
  auto it = index.ordered().lower_bound(id);
  return it != index.ordered().end() && (*it).first == id;
}

// A small deterministic random number generator (xorshift64).
class XorShift {
 public:
  explicit XorShift(uint64_t seed) : state_(seed) {}
  uint64_t operator()() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return state_;
  }

 private:
  uint64_t state_;
};

TEST(ComponentIndexTest, EmptyIndex) {
  ComponentIndex index;
  EXPECT_EQ(index.Find("a"), nullptr);
  EXPECT_TRUE(index.ordered().empty());
  EXPECT_EQ(index.live_records(), 0u);
  EXPECT_EQ(index.stored_versions(), 0u);
  EXPECT_EQ(index.droppable_versions(), 0u);
  EXPECT_EQ(index.MemoryBytes(), 0u);
}

TEST(ComponentIndexTest, AddInSeqOrderKeepsNewestFirst) {
  ComponentIndex index;
  for (uint64_t seq = 1; seq <= 4; ++seq) index.Add("a", Put(seq), kKeepMany);
  EXPECT_EQ(Seqs(index, "a"), (std::vector<uint64_t>{4, 3, 2, 1}));
  EXPECT_EQ(index.live_records(), 1u);
  EXPECT_EQ(index.stored_versions(), 4u);
  const VersionChain* chain = index.Find("a");
  ASSERT_NE(chain, nullptr);
  EXPECT_EQ(chain->front().loc.offset, 400u);
  EXPECT_EQ(chain->back().loc.offset, 100u);
}

TEST(ComponentIndexTest, AddOutOfSeqOrderSortsTheChain) {
  // Recovery adds segment versions and journal versions in file order, not
  // seq order.
  ComponentIndex index;
  for (uint64_t seq : {5, 2, 8, 3, 9, 1}) index.Add("a", Put(seq), kKeepMany);
  EXPECT_EQ(Seqs(index, "a"), (std::vector<uint64_t>{9, 8, 5, 3, 2, 1}));
  EXPECT_EQ(index.stored_versions(), 6u);
  EXPECT_EQ(index.live_records(), 1u);
}

TEST(ComponentIndexTest, AddingTheSameSeqTwiceKeepsOne) {
  // The same version seen in a journal and in the segment it was flushed to.
  ComponentIndex index;
  index.Add("a", Put(3, /*file=*/7), kKeepMany);
  index.Add("a", Put(3, /*file=*/9), kKeepMany);
  EXPECT_EQ(Seqs(index, "a"), (std::vector<uint64_t>{3}));
  EXPECT_EQ(index.stored_versions(), 1u);
  EXPECT_EQ(index.live_records(), 1u);
  EXPECT_EQ(index.Find("a")->front().loc.file_number, 9u) << "the later location wins";
}

TEST(ComponentIndexTest, VisibleAtSnapshots) {
  ComponentIndex index;
  for (uint64_t seq : {10, 20, 30}) index.Add("a", Put(seq), kKeepMany);
  EXPECT_EQ(VisibleSeq(index, "a", 0), 0u);
  EXPECT_EQ(VisibleSeq(index, "a", 9), 0u);
  EXPECT_EQ(VisibleSeq(index, "a", 10), 10u);
  EXPECT_EQ(VisibleSeq(index, "a", 19), 10u);
  EXPECT_EQ(VisibleSeq(index, "a", 20), 20u);
  EXPECT_EQ(VisibleSeq(index, "a", 29), 20u);
  EXPECT_EQ(VisibleSeq(index, "a", 30), 30u);
  EXPECT_EQ(VisibleSeq(index, "a", ~uint64_t{0}), 30u);
  EXPECT_EQ(ComponentIndex::Visible(VersionChain(), 100), nullptr);
}

TEST(ComponentIndexTest, TombstonesAndLiveRecords) {
  ComponentIndex index;
  index.Add("a", Put(1), kKeepMany);
  index.Add("b", Put(2), kKeepMany);
  EXPECT_EQ(index.live_records(), 2u);

  index.Add("a", Tombstone(3), kKeepMany);
  EXPECT_EQ(index.live_records(), 1u);
  EXPECT_EQ(index.stored_versions(), 3u);
  // Older snapshots still see the put; the tombstone is what newer ones see.
  const VersionChain* chain = index.Find("a");
  ASSERT_NE(chain, nullptr);
  EXPECT_FALSE(ComponentIndex::Visible(*chain, 2)->tombstone());
  EXPECT_TRUE(ComponentIndex::Visible(*chain, 3)->tombstone());

  index.Add("a", Put(4), kKeepMany);  // written again
  EXPECT_EQ(index.live_records(), 2u);

  // A tombstone older than the head (added out of order) changes nothing.
  index.Add("b", Tombstone(1), kKeepMany);
  EXPECT_EQ(index.live_records(), 2u);
  EXPECT_EQ(Seqs(index, "b"), (std::vector<uint64_t>{2, 1}));

  // An id whose only version is a tombstone is known but not live.
  index.Add("c", Tombstone(5), kKeepMany);
  EXPECT_NE(index.Find("c"), nullptr);
  EXPECT_EQ(index.live_records(), 2u);

  // The same seq re-added as a tombstone turns the head dead.
  index.Add("b", Tombstone(2), kKeepMany);
  EXPECT_EQ(index.live_records(), 1u);
}

TEST(ComponentIndexTest, RemoveErasesVersionsAndEmptyChains) {
  ComponentIndex index;
  index.Add("a", Put(1, /*file=*/1), kKeepMany);
  index.Add("a", Put(2, /*file=*/2), kKeepMany);
  index.Add("b", Put(3, /*file=*/2), kKeepMany);
  const uint64_t memory_with_two_ids = index.MemoryBytes();

  // Only the version with that seq in that file goes.
  index.Remove("a", 1, /*file_number=*/2);
  EXPECT_EQ(Seqs(index, "a"), (std::vector<uint64_t>{2, 1}));
  index.Remove("a", 1, /*file_number=*/1);
  EXPECT_EQ(Seqs(index, "a"), (std::vector<uint64_t>{2}));
  EXPECT_EQ(index.stored_versions(), 2u);
  EXPECT_EQ(index.live_records(), 2u);

  // Removing the last version erases the id from both lookups.
  index.Remove("a", 2, 2);
  EXPECT_EQ(index.Find("a"), nullptr);
  EXPECT_FALSE(InOrder(index, "a"));
  EXPECT_EQ(index.live_records(), 1u);
  EXPECT_EQ(index.stored_versions(), 1u);
  EXPECT_LT(index.MemoryBytes(), memory_with_two_ids);

  index.Remove("nope", 1, 1);  // unknown ids are ignored
  index.Remove("b", 3, 2);
  EXPECT_TRUE(index.ordered().empty());
  EXPECT_EQ(index.Find("b"), nullptr);
  EXPECT_EQ(index.live_records(), 0u);
  EXPECT_EQ(index.stored_versions(), 0u);
  // Only the hash table's capacity, if it keeps any, is left.
  EXPECT_LT(index.MemoryBytes(), memory_with_two_ids);

  // An erased id can come back.
  index.Add("a", Put(9), kKeepMany);
  EXPECT_EQ(Seqs(index, "a"), (std::vector<uint64_t>{9}));
  EXPECT_EQ(index.live_records(), 1u);
}

TEST(ComponentIndexTest, RemovingAHeadTombstoneRevivesTheOlderPut) {
  ComponentIndex index;
  index.Add("a", Put(1), kKeepMany);
  index.Add("a", Tombstone(2), kKeepMany);
  EXPECT_EQ(index.live_records(), 0u);
  index.Remove("a", 2, 1);
  EXPECT_EQ(index.live_records(), 1u);
  index.Remove("a", 1, 1);
  EXPECT_EQ(index.live_records(), 0u);
}

TEST(ComponentIndexTest, RelocateMovesOnlyTheMatchingVersion) {
  ComponentIndex index;
  index.Add("a", Put(1, /*file=*/3), kKeepMany);
  index.Add("a", Tombstone(2, /*file=*/3), kKeepMany);
  index.Add("a", Put(3, /*file=*/4), kKeepMany);
  Location to;
  to.file_number = 8;
  to.length = 4096;
  to.offset = 123;
  to.inner_offset = 17;
  to.inner_length = 55;

  index.Relocate("a", 2, /*old_file=*/3, to);
  const VersionChain* chain = index.Find("a");
  ASSERT_NE(chain, nullptr);
  ASSERT_EQ(chain->size(), 3u);
  const VersionRef& moved = (*chain)[1];
  EXPECT_EQ(moved.seq, 2u);
  EXPECT_EQ(moved.loc.file_number, 8u);
  EXPECT_EQ(moved.loc.length, 4096u);
  EXPECT_EQ(moved.loc.offset, 123u);
  EXPECT_EQ(moved.loc.inner_offset, 17u);
  EXPECT_EQ(moved.loc.inner_length, 55u);
  EXPECT_TRUE(moved.tombstone()) << "flags are kept";
  EXPECT_EQ((*chain)[0].loc.file_number, 4u);
  EXPECT_EQ((*chain)[2].loc.file_number, 3u);

  // Wrong file, wrong seq or unknown id: nothing moves.
  index.Relocate("a", 1, /*old_file=*/4, to);
  index.Relocate("a", 5, /*old_file=*/3, to);
  index.Relocate("zz", 1, /*old_file=*/3, to);
  EXPECT_EQ((*chain)[2].loc.file_number, 3u);
  EXPECT_EQ(index.Find("zz"), nullptr);
  EXPECT_EQ(index.stored_versions(), 3u);
}

TEST(ComponentIndexTest, DroppableVersionsGrowBeyondRetentionAndWithTombstones) {
  ComponentIndex index;
  const int keep = 2;
  index.Add("a", Put(1), keep);
  index.Add("a", Put(2), keep);
  EXPECT_EQ(index.droppable_versions(), 0u);
  index.Add("a", Put(3), keep);  // a third version: one beyond retention
  EXPECT_EQ(index.droppable_versions(), 1u);
  index.Add("a", Put(4), keep);
  EXPECT_EQ(index.droppable_versions(), 2u);

  // A delete makes the whole chain droppable, the tombstone included.
  index.Add("b", Put(5), keep);
  index.Add("b", Tombstone(6), keep);
  EXPECT_EQ(index.droppable_versions(), 2u + 2u);

  // A duplicate of a known version adds nothing.
  index.Add("a", Put(4, /*file=*/2), keep);
  EXPECT_EQ(index.droppable_versions(), 4u);

  // Compaction recomputes the counter.
  index.set_droppable_versions(0);
  EXPECT_EQ(index.droppable_versions(), 0u);
  index.Add("a", Put(7), keep);
  EXPECT_EQ(index.droppable_versions(), 1u);
}

TEST(ComponentIndexTest, OrderIsBytewiseAlsoAcrossSharedPrefixes) {
  // The order compares the first eight bytes as a number, then whole ids:
  // check it against std::set through inserts and removals, with ids that
  // share long prefixes, contain NUL bytes, or are shorter than eight bytes.
  ComponentIndex index;
  std::set<std::string> expected;
  XorShift next(7);
  const std::string alphabet("a\0\xff" "9", 4);
  for (int i = 0; i < 20000; ++i) {
    std::string id = (next() % 2 == 0) ? "sequence-" : "";
    for (uint64_t n = next() % 6; n > 0; --n) id += alphabet[next() % alphabet.size()];
    if (id.empty()) id = "x";
    if (next() % 3 == 0 && expected.count(id) != 0) {
      index.Remove(id, 1, 1);
      expected.erase(id);
    } else if (expected.count(id) == 0) {
      index.Add(id, Put(1), kKeepMany);
      expected.insert(id);
    }
  }
  std::vector<std::string> got;
  for (const auto& [id, chain] : index.ordered()) got.push_back(std::string(id));
  EXPECT_EQ(got, std::vector<std::string>(expected.begin(), expected.end()));
  for (const std::string& probe : {std::string("sequence-"), std::string("sequence-a"),
                                   std::string("a\0", 2), std::string("\xff\xff")}) {
    auto want = expected.lower_bound(probe);
    auto it = index.ordered().lower_bound(probe);
    if (want == expected.end()) {
      EXPECT_TRUE(it == index.ordered().end());
    } else {
      ASSERT_TRUE(it != index.ordered().end());
      EXPECT_EQ((*it).first, *want);
    }
    auto want_upper = expected.upper_bound(probe);
    auto upper = index.ordered().upper_bound(probe);
    EXPECT_EQ(upper == index.ordered().end(), want_upper == expected.end());
    if (want_upper != expected.end() && upper != index.ordered().end()) {
      EXPECT_EQ((*upper).first, *want_upper);
    }
  }
}

TEST(ComponentIndexTest, BulkLoadMergesIntoTheOrderOnce) {
  // Ids added in random order during a bulk load, with repeats (several
  // versions of one id), on top of ids already in the order: afterwards the
  // order, the chains and the counts are what plain Adds give.
  ComponentIndex bulk, plain;
  XorShift next(11);
  auto random_id = [&next] { return "pi-" + std::to_string(next() % 5000); };
  for (int i = 0; i < 300; ++i) {
    std::string id = random_id();
    bulk.Add(id, Put(1), kKeepMany);
    plain.Add(id, Put(1), kKeepMany);
  }
  bulk.StartBulkLoad();
  bulk.Reserve(4000);
  for (uint64_t seq = 2; seq < 6000; ++seq) {
    std::string id = random_id();
    bulk.Prefetch(id);
    bulk.Add(id, Put(seq), kKeepMany);
    plain.Add(id, Put(seq), kKeepMany);
    EXPECT_NE(bulk.Find(id), nullptr);  // point lookups work before the order is built
  }
  bulk.FinishBulkLoad();
  std::vector<std::pair<std::string, std::vector<uint64_t>>> got, want;
  for (const auto& [id, chain] : bulk.ordered()) got.push_back({std::string(id), Seqs(bulk, id)});
  for (const auto& [id, chain] : plain.ordered()) want.push_back({std::string(id), Seqs(plain, id)});
  EXPECT_EQ(got, want);
  EXPECT_EQ(bulk.live_records(), plain.live_records());
  EXPECT_EQ(bulk.stored_versions(), plain.stored_versions());
  // Back to normal: new ids go straight into the order.
  bulk.Add("pi-zzz", Put(7000), kKeepMany);
  EXPECT_TRUE(InOrder(bulk, "pi-zzz"));
}

TEST(ComponentIndexTest, MapIsOrderedBytewise) {
  ComponentIndex index;
  for (const char* id : {"b", "a", "\xc3\xa9", "B", "aa", ""}) index.Add(id, Put(1), kKeepMany);
  std::vector<std::string> ids;
  for (const auto& [id, chain] : index.ordered()) ids.push_back(std::string(id));
  EXPECT_EQ(ids, (std::vector<std::string>{"", "B", "a", "aa", "b", "\xc3\xa9"}));
}

TEST(ComponentIndexTest, ManyIdsStayFindableThroughGrowthAndRemoval) {
  // Point lookups go through a hash table keyed by views of the map's keys:
  // they must survive rehashing and the removal of other ids.
  ComponentIndex index;
  const int n = 5000;
  for (int i = 0; i < n; ++i) {
    index.Add("id-" + std::to_string(i), Put(static_cast<uint64_t>(i) + 1), kKeepMany);
  }
  for (int i = 0; i < n; i += 2) {
    index.Remove("id-" + std::to_string(i), static_cast<uint64_t>(i) + 1, 1);
  }
  EXPECT_EQ(index.ordered().size(), static_cast<size_t>(n / 2));
  EXPECT_EQ(index.live_records(), static_cast<uint64_t>(n / 2));
  for (int i = 0; i < n; ++i) {
    const std::string id = "id-" + std::to_string(i);
    const VersionChain* chain = index.Find(id);
    if (i % 2 == 0) {
      EXPECT_EQ(chain, nullptr) << id;
    } else {
      ASSERT_NE(chain, nullptr) << id;
      ASSERT_EQ(chain->size(), 1u);
      EXPECT_EQ(chain->front().seq, static_cast<uint64_t>(i) + 1);
      ASSERT_TRUE(InOrder(index, id));
      EXPECT_EQ(chain, &(*index.ordered().lower_bound(id)).second) << "both lookups agree";
    }
  }
}

TEST(ComponentIndexTest, MemoryBytesGrowsWithContent) {
  ComponentIndex index;
  index.Add("short", Put(1), kKeepMany);
  const uint64_t one = index.MemoryBytes();
  EXPECT_GT(one, 0u);
  index.Add("short", Put(2), kKeepMany);
  const uint64_t two_versions = index.MemoryBytes();
  EXPECT_GT(two_versions, one);
  index.Add(std::string(100, 'k'), Put(3), kKeepMany);
  EXPECT_GT(index.MemoryBytes(), two_versions + 100);
}

}  // namespace
}  // namespace spirapi
