// PiStore: sequences stored as chunk records, read back by range, described,
// listed by criteria, replaced and deleted atomically; spiral reads; pattern
// search through the stored index; π identifiers unique across threads,
// reopen and kill -9.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "pi/sequence_record.h"
#include "pi/ulam_spiral.h"
#include "spirapi/db.h"
#include "spirapi/pi.h"
#include "support/temp_dir.h"

namespace spirapi {
namespace {

std::string RandomDigits(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(n, '0');
  for (char& c : out) c = static_cast<char>('0' + rng() % 10);
  return out;
}

class PiStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void TearDown() override {
    store_.reset();
    db_.reset();
  }
  void Reopen() {
    store_.reset();
    db_.reset();
    Options o;
    o.background_work = false;
    o.encryption_enabled = encrypted_;
    if (encrypted_) o.passphrase = "pi store test";
    ASSERT_TRUE(DB::Open(o, dir_.Sub(encrypted_ ? "encrypted" : "db"), &db_).ok());
    ASSERT_TRUE(PiStore::Open(db_.get(), &store_).ok());
  }
  std::string Read(const std::string& id, uint64_t first, uint64_t count) {
    std::string out;
    Status s = store_->ReadDigits(id, first, count, &out);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }

  test::TempDir dir_;
  bool encrypted_ = false;
  std::unique_ptr<DB> db_;
  std::unique_ptr<PiStore> store_;
};

TEST_F(PiStoreTest, StoredDigitsReadBackAcrossChunks) {
  const std::string digits = RandomDigits(2 * kSequenceChunkDigits + 12345, 1);
  SequenceInfo info;
  Status s = store_->StoreSequence("random", digits, StoreOptions(), &info);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(info.precision, digits.size());
  EXPECT_EQ(info.chunks, 3u);
  EXPECT_EQ(info.algorithm, "imported");
  EXPECT_EQ(info.sequence, "3." + digits.substr(0, 50) + "...");
  Reopen();
  EXPECT_EQ(Read("random", 1, digits.size()), digits);
  std::mt19937_64 rng(2);
  for (int i = 0; i < 200; ++i) {
    const uint64_t first = 1 + rng() % digits.size();
    const uint64_t count = 1 + rng() % std::min<uint64_t>(3000, digits.size() - first + 1);
    ASSERT_EQ(Read("random", first, count), digits.substr(first - 1, count)) << first;
  }
  // Across both chunk boundaries at once, and the very last digit.
  EXPECT_EQ(Read("random", kSequenceChunkDigits - 5, kSequenceChunkDigits + 10),
            digits.substr(kSequenceChunkDigits - 6, kSequenceChunkDigits + 10));
  EXPECT_EQ(Read("random", digits.size(), 1), digits.substr(digits.size() - 1));

  std::string out;
  EXPECT_TRUE(store_->ReadDigits("random", 0, 1, &out).IsInvalidArgument());
  EXPECT_TRUE(store_->ReadDigits("random", digits.size(), 2, &out).IsInvalidArgument());
  EXPECT_TRUE(store_->ReadDigits("random", 1, 0, &out).IsInvalidArgument());
  EXPECT_TRUE(store_->ReadDigits("absent", 1, 1, &out).IsNotFound());
}

TEST_F(PiStoreTest, DescriptionHasTheSpecificationsFields) {
  SequenceInfo info;
  ASSERT_TRUE(store_->StoreSequence("s", "3.14159265358979", StoreOptions(), &info).ok());
  EXPECT_EQ(info.precision, 14u);  // "3." is dropped
  EXPECT_EQ(info.sequence, "3.14159265358979");
  EXPECT_GT(info.uniqueness_score, 0);
  EXPECT_LE(info.uniqueness_score, 1);
  EXPECT_NE(info.mathematical_properties.find("\"digit_distribution\""), std::string::npos);
  EXPECT_NE(info.mathematical_properties.find("\"pattern_analysis\""), std::string::npos);
  EXPECT_GT(info.stored_at, 1.7e9);
  const std::string json = info.ToJson();
  for (const char* field : {"\"id\":\"s\"", "\"sequence\":", "\"precision\":14", "\"algorithm\":",
                            "\"computation_time\":", "\"uniqueness_score\":",
                            "\"mathematical_properties\":{", "\"stored_at\":"}) {
    EXPECT_NE(json.find(field), std::string::npos) << field << " in " << json;
  }
}

TEST_F(PiStoreTest, BadInputChangesNothing) {
  SequenceInfo info;
  ASSERT_TRUE(store_->StoreSequence("keep", "1234", StoreOptions(), &info).ok());
  EXPECT_TRUE(store_->StoreSequence("keep", "12a4", StoreOptions(), &info).IsInvalidArgument());
  EXPECT_TRUE(store_->StoreSequence("keep", "", StoreOptions(), &info).IsInvalidArgument());
  EXPECT_TRUE(store_->StoreSequence("keep", "3.", StoreOptions(), &info).IsInvalidArgument());
  EXPECT_TRUE(store_->StoreSequence("bad/id", "1", StoreOptions(), &info).IsInvalidArgument());
  EXPECT_TRUE(store_->StoreSequence("", "1", StoreOptions(), &info).IsInvalidArgument());
  EXPECT_TRUE(
      store_->StoreSequence(std::string(129, 'a'), "1", StoreOptions(), &info).IsInvalidArgument());
  for (double bad : {std::nan(""), std::numeric_limits<double>::infinity(), -1.0}) {
    StoreOptions o;
    o.computation_time = bad;
    Status s = store_->StoreSequence("keep", "5678", o, &info);
    EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
    EXPECT_NE(s.message().find("computation_time"), std::string::npos) << s.ToString();
  }
  EXPECT_EQ(Read("keep", 1, 4), "1234");
  std::vector<SequenceInfo> all;
  ASSERT_TRUE(store_->SearchSequences(SequenceQuery(), &all).ok());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].id, "keep");
}

TEST_F(PiStoreTest, ReplacingRemovesTheOldChunks) {
  SequenceInfo info;
  const std::string first = RandomDigits(kSequenceChunkDigits + 10, 3);
  ASSERT_TRUE(store_->StoreSequence("x", first, StoreOptions(), &info).ok());
  ASSERT_TRUE(store_->StoreSequence("x", "987654321", StoreOptions(), &info).ok());
  EXPECT_EQ(info.precision, 9u);
  EXPECT_EQ(Read("x", 1, 9), "987654321");
  // Generation 1's chunks are gone; generation 2 has one chunk.
  for (uint64_t c = 0; c < 2; ++c) {
    bool exists = true;
    ASSERT_TRUE(db_->Exists(ReadOptions(), Component::kSequence, pi::ChunkKey("x", 1, c), &exists)
                    .ok());
    EXPECT_FALSE(exists) << c;
  }
  uint64_t count = 0;
  ASSERT_TRUE(db_->Count(ReadOptions(), Component::kSequence, &count).ok());
  EXPECT_EQ(count, 2u);  // the description and one chunk
}

TEST_F(PiStoreTest, SearchSequencesByCriteria) {
  SequenceInfo info;
  StoreOptions computed;
  computed.algorithm = "chudnovsky";
  computed.computation_time = 2.5;
  ASSERT_TRUE(store_->StoreSequence("a", RandomDigits(100, 4), computed, &info).ok());
  ASSERT_TRUE(store_->StoreSequence("b", RandomDigits(1000, 5), StoreOptions(), &info).ok());
  ASSERT_TRUE(store_->StoreSequence("c", "1111111111", computed, &info).ok());
  const double c_score = info.uniqueness_score;

  auto ids = [&](const SequenceQuery& q) {
    std::vector<SequenceInfo> found;
    Status s = store_->SearchSequences(q, &found);
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::string out;
    for (const SequenceInfo& i : found) out += i.id;
    return out;
  };
  EXPECT_EQ(ids(SequenceQuery()), "abc");
  SequenceQuery q;
  q.algorithm = "chudnovsky";
  EXPECT_EQ(ids(q), "ac");
  q = SequenceQuery();
  q.min_precision = 50;
  q.max_precision = 100;
  EXPECT_EQ(ids(q), "a");
  q = SequenceQuery();
  q.min_computation_time = 1;
  EXPECT_EQ(ids(q), "ac");
  q = SequenceQuery();
  q.max_uniqueness = c_score;  // a constant run scores lowest
  EXPECT_EQ(ids(q), "c");
  q = SequenceQuery();
  q.stored_after = info.stored_at + 3600;
  EXPECT_EQ(ids(q), "");
  q = SequenceQuery();
  q.limit = 2;
  EXPECT_EQ(ids(q), "ab");
}

TEST_F(PiStoreTest, DeleteRemovesEverything) {
  SequenceInfo info;
  ASSERT_TRUE(store_->StoreSequence("d", RandomDigits(5000, 6), StoreOptions(), &info).ok());
  PatternResult result;
  ASSERT_TRUE(store_->FindPattern("d", "12", PatternQuery(), &result).ok());
  ASSERT_TRUE(store_->DeleteSequence("d").ok());
  EXPECT_TRUE(store_->RetrieveSequence("d", &info).IsNotFound());
  EXPECT_TRUE(store_->DeleteSequence("d").IsNotFound());
  EXPECT_TRUE(store_->FindPattern("d", "12", PatternQuery(), &result).IsNotFound());
  for (Component c : {Component::kSequence, Component::kIndex}) {
    uint64_t count = 1;
    ASSERT_TRUE(db_->Count(ReadOptions(), c, &count).ok());
    EXPECT_EQ(count, 0u) << ComponentName(c);
  }
}

TEST_F(PiStoreTest, ComputedSequenceMatchesCheckpoints) {
  ComputeOptions options;
  options.digits = 10000;
  double last_progress = -1;
  options.progress = [&](double f) {
    EXPECT_GE(f, last_progress);
    last_progress = f;
    return true;
  };
  SequenceInfo info;
  Status s = store_->ComputeSequence(options, &info);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(last_progress, 1.0);
  EXPECT_EQ(info.id, "pi-10000");
  EXPECT_EQ(info.algorithm, "chudnovsky");
  EXPECT_TRUE(info.verified);
  EXPECT_GT(info.computation_time, 0);
  EXPECT_EQ(info.sequence.substr(0, 12), "3.1415926535");
  Reopen();
  EXPECT_EQ(Read("pi-10000", 91, 10), "3421170679");

  options.digits = 0;
  EXPECT_TRUE(store_->ComputeSequence(options, &info).IsInvalidArgument());
  options.digits = kMaxSequenceDigits + 1;
  EXPECT_TRUE(store_->ComputeSequence(options, &info).IsInvalidArgument());
  options.digits = 100;
  options.progress = [](double) { return false; };
  EXPECT_TRUE(store_->ComputeSequence(options, &info).IsCancelled());
  EXPECT_TRUE(store_->RetrieveSequence("pi-100", &info).IsNotFound());
}

TEST_F(PiStoreTest, EncryptedDatabaseRoundTrip) {
  encrypted_ = true;
  ASSERT_NO_FATAL_FAILURE(Reopen());
  const std::string digits = RandomDigits(3000, 7);
  SequenceInfo info;
  ASSERT_TRUE(store_->StoreSequence("e", digits, StoreOptions(), &info).ok());
  ASSERT_TRUE(db_->Flush().ok());
  Reopen();
  EXPECT_EQ(Read("e", 1, digits.size()), digits);
}

TEST_F(PiStoreTest, SpiralCellsReadTheirDigits) {
  const std::string digits = RandomDigits(10000, 8);
  SequenceInfo info;
  ASSERT_TRUE(store_->StoreSequence("sp", digits, StoreOptions(), &info).ok());
  SpiralDigit d;
  ASSERT_TRUE(store_->DigitAt("sp", 0, 0, &d).ok());
  EXPECT_EQ(d.position, 1u);
  EXPECT_EQ(d.digit, digits[0]);
  ASSERT_TRUE(store_->DigitAt("sp", -1, 1, &d).ok());
  EXPECT_EQ(d.position, 5u);
  EXPECT_EQ(d.digit, digits[4]);
  EXPECT_TRUE(store_->DigitAt("sp", 100, 100, &d).IsNotFound());  // position > 10000
  EXPECT_TRUE(store_->DigitAt("sp", int64_t{1} << 40, 0, &d).IsInvalidArgument());

  std::vector<SpiralDigit> cells;
  const int64_t cx = 7, cy = -3, r = 9;
  ASSERT_TRUE(store_->DigitsInDisc("sp", cx, cy, r, &cells).ok());
  size_t expected = 0;
  for (int64_t x = cx - r; x <= cx + r; ++x) {
    for (int64_t y = cy - r; y <= cy + r; ++y) {
      if ((x - cx) * (x - cx) + (y - cy) * (y - cy) > r * r) continue;
      if (pi::SpiralPositionOf(pi::SpiralCell{x, y}) <= digits.size()) ++expected;
    }
  }
  EXPECT_EQ(cells.size(), expected);
  for (size_t i = 0; i < cells.size(); ++i) {
    const SpiralDigit& c = cells[i];
    if (i > 0) {
      EXPECT_LT(cells[i - 1].position, c.position);
    }
    EXPECT_EQ(pi::SpiralPositionOf(pi::SpiralCell{c.x, c.y}), c.position);
    EXPECT_EQ(c.digit, digits[c.position - 1]);
    EXPECT_LE((c.x - cx) * (c.x - cx) + (c.y - cy) * (c.y - cy), r * r);
  }
  ASSERT_TRUE(store_->DigitsInWindow("sp", -60, -20, 10, 70, &cells).ok());
  expected = 0;
  for (int64_t x = -60; x <= 10; ++x) {
    for (int64_t y = -20; y <= 70; ++y) {
      if (pi::SpiralPositionOf(pi::SpiralCell{x, y}) <= digits.size()) ++expected;
    }
  }
  EXPECT_EQ(cells.size(), expected);
  for (const SpiralDigit& c : cells) {
    EXPECT_TRUE(c.x >= -60 && c.x <= 10 && c.y >= -20 && c.y <= 70);
    EXPECT_EQ(c.digit, digits[c.position - 1]);
  }
  EXPECT_TRUE(store_->DigitsInWindow("sp", 1, 0, 0, 0, &cells).IsInvalidArgument());
  EXPECT_TRUE(store_->DigitsInWindow("sp", 0, 0, 10000, 10000, &cells).IsInvalidArgument());
  EXPECT_TRUE(store_->DigitsInDisc("sp", 0, 0, -1, &cells).IsInvalidArgument());
  EXPECT_TRUE(store_->DigitsInDisc("sp", 0, 0, 5000, &cells).IsInvalidArgument());
}

// Matches of `pattern` with at most d mismatches, by brute force.
std::vector<uint64_t> NaiveMatches(const std::string& text, const std::string& pattern, int d) {
  std::vector<uint64_t> out;
  for (size_t i = 0; i + pattern.size() <= text.size(); ++i) {
    int mismatches = 0;
    for (size_t j = 0; j < pattern.size() && mismatches <= d; ++j) {
      mismatches += text[i + j] != pattern[j];
    }
    if (mismatches <= d) out.push_back(i + 1);
  }
  return out;
}

TEST_F(PiStoreTest, PatternSearchAgreesWithAScan) {
  const std::string digits = RandomDigits(200000, 9);
  SequenceInfo info;
  ASSERT_TRUE(store_->StoreSequence("ps", digits, StoreOptions(), &info).ok());
  std::mt19937_64 rng(10);
  for (int round = 0; round < 2; ++round) {  // built, then loaded from the INDEX component
    for (int i = 0; i < 40; ++i) {
      const size_t len = 1 + rng() % 12;
      const std::string pattern =
          i % 2 ? digits.substr(rng() % (digits.size() - len), len) : RandomDigits(len, rng());
      const int d = len >= 8 ? static_cast<int>(rng() % 4) : 0;
      const std::vector<uint64_t> expected = NaiveMatches(digits, pattern, d);
      PatternQuery query;
      query.max_mismatches = d;
      query.limit = 1000000;
      PatternResult result;
      Status s = store_->FindPattern("ps", pattern, query, &result);
      ASSERT_TRUE(s.ok()) << s.ToString();
      ASSERT_EQ(result.total, expected.size()) << pattern << " d=" << d;
      ASSERT_EQ(result.matches.size(), expected.size());
      for (size_t k = 0; k < expected.size(); ++k) {
        ASSERT_EQ(result.matches[k].position, expected[k]);
      }
      // A page from the middle.
      query.skip = expected.size() / 2;
      query.limit = 3;
      ASSERT_TRUE(store_->FindPattern("ps", pattern, query, &result).ok());
      ASSERT_EQ(result.total, expected.size());
      for (size_t k = 0; k < result.matches.size(); ++k) {
        ASSERT_EQ(result.matches[k].position, expected[query.skip + k]);
      }
    }
    Reopen();
  }
  PatternResult result;
  EXPECT_TRUE(store_->FindPattern("ps", "12x", PatternQuery(), &result).IsInvalidArgument());
  EXPECT_TRUE(store_->FindPattern("ps", "", PatternQuery(), &result).IsInvalidArgument());
  PatternQuery query;
  query.max_mismatches = 4;
  EXPECT_TRUE(store_->FindPattern("ps", "12345678", query, &result).IsInvalidArgument());
  EXPECT_TRUE(store_->FindPattern("nope", "1", PatternQuery(), &result).IsNotFound());
}

TEST_F(PiStoreTest, ManyPatternsInOnePass) {
  const std::string digits = RandomDigits(100000, 12);
  SequenceInfo info;
  ASSERT_TRUE(store_->StoreSequence("mp", digits, StoreOptions(), &info).ok());
  std::vector<std::string> patterns = {"1", "12", "123", "1234", "999", "99", "0000000000"};
  std::mt19937_64 rng(13);
  for (int i = 0; i < 50; ++i) patterns.push_back(digits.substr(rng() % 99990, 1 + rng() % 8));
  for (int pass = 0; pass < 2; ++pass) {  // read from the chunks, then from memory
    std::vector<PatternResult> results;
    ASSERT_TRUE(store_->FindPatterns("mp", patterns, 5, &results).ok());
    ASSERT_EQ(results.size(), patterns.size());
    for (size_t i = 0; i < patterns.size(); ++i) {
      const std::vector<uint64_t> expected = NaiveMatches(digits, patterns[i], 0);
      ASSERT_EQ(results[i].total, expected.size()) << patterns[i];
      ASSERT_EQ(results[i].matches.size(), std::min<size_t>(5, expected.size()));
      for (size_t k = 0; k < results[i].matches.size(); ++k) {
        EXPECT_EQ(results[i].matches[k].position, expected[k]);
      }
    }
    PatternResult warm;
    ASSERT_TRUE(store_->FindPattern("mp", "1", PatternQuery(), &warm).ok());
  }
  std::vector<PatternResult> results;
  EXPECT_TRUE(store_->FindPatterns("mp", {}, 1, &results).IsInvalidArgument());
  EXPECT_TRUE(store_->FindPatterns("mp", {"12", "1x"}, 1, &results).IsInvalidArgument());
  EXPECT_TRUE(store_->FindPatterns("none", {"12"}, 1, &results).IsNotFound());
}

TEST_F(PiStoreTest, StoringAgainMakesTheIndexFollow) {
  SequenceInfo info;
  ASSERT_TRUE(store_->StoreSequence("f", "1234512345", StoreOptions(), &info).ok());
  PatternResult result;
  ASSERT_TRUE(store_->FindPattern("f", "345", PatternQuery(), &result).ok());
  EXPECT_EQ(result.total, 2u);
  ASSERT_TRUE(store_->StoreSequence("f", "3453453450", StoreOptions(), &info).ok());
  ASSERT_TRUE(store_->FindPattern("f", "345", PatternQuery(), &result).ok());
  EXPECT_EQ(result.total, 3u);
  Reopen();
  ASSERT_TRUE(store_->FindPattern("f", "345", PatternQuery(), &result).ok());
  EXPECT_EQ(result.total, 3u);
}

// Threads that search a sequence for the first time at once each build its
// index; all of them get their answer (the later stores conflict with the
// first, which stored the same index).
TEST_F(PiStoreTest, ConcurrentFirstSearchesAllSucceed) {
  std::string digits;
  for (int i = 0; i < 200000; ++i) digits.push_back(static_cast<char>('0' + (i * 7919 + i / 13) % 10));
  for (int round = 0; round < 4; ++round) {
    const std::string id = "race" + std::to_string(round);
    SequenceInfo info;
    ASSERT_TRUE(store_->StoreSequence(id, digits, StoreOptions(), &info).ok());
    std::vector<Status> results(4);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        PatternResult result;
        results[t] = store_->FindPattern(id, "1234", PatternQuery(), &result);
      });
    }
    for (auto& t : threads) t.join();
    for (const Status& s : results) EXPECT_TRUE(s.ok()) << s.ToString();
  }
}

// On a read-only database a search builds the index in memory and stores
// nothing; an explicit BuildPatternIndex, which must store, is refused.
TEST_F(PiStoreTest, ReadOnlyDatabaseSearchesWithoutStoring) {
  SequenceInfo info;
  ASSERT_TRUE(store_->StoreSequence("f", "1234512345", StoreOptions(), &info).ok());
  Options o;
  o.read_only = true;
  std::unique_ptr<DB> reader;
  ASSERT_TRUE(DB::Open(o, dir_.Sub("db"), &reader).ok());
  std::unique_ptr<PiStore> store;
  ASSERT_TRUE(PiStore::Open(reader.get(), &store).ok());
  PatternResult result;
  ASSERT_TRUE(store->FindPattern("f", "345", PatternQuery(), &result).ok());
  EXPECT_EQ(result.total, 2u);
  EXPECT_TRUE(store->BuildPatternIndex("f").IsNotSupported());
  uint64_t stored = 0;
  ASSERT_TRUE(reader->CatchUp().ok());
  ASSERT_TRUE(reader->Count(ReadOptions(), Component::kIndex, &stored).ok());
  EXPECT_EQ(stored, 0u);
}

TEST_F(PiStoreTest, IdsAreUniqueAndResolve) {
  std::vector<std::string> ids;
  ASSERT_TRUE(store_->NewIds(3, 10, &ids).ok());
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids[0], "1415926535-1");
  EXPECT_EQ(ids[1], "4159265358-2");
  PiIdInfo info;
  ASSERT_TRUE(store_->ResolveId(ids[1], &info).ok());
  EXPECT_EQ(info.position, 2u);
  EXPECT_EQ(info.x, 1);
  EXPECT_EQ(info.y, 0);
  EXPECT_TRUE(store_->ResolveId("4159265359-2", &info).IsInvalidArgument());  // wrong digits
  EXPECT_TRUE(store_->ResolveId("415926535", &info).IsInvalidArgument());
  EXPECT_TRUE(store_->ResolveId("4159-0", &info).IsInvalidArgument());
  EXPECT_TRUE(store_->ResolveId("1415-99999", &info).IsInvalidArgument());  // never handed out
  EXPECT_TRUE(store_->NewIds(0, 10, &ids).IsInvalidArgument());
  EXPECT_TRUE(store_->NewIds(1, 3, &ids).IsInvalidArgument());

  // Threads get disjoint positions; a reopened store continues past them.
  std::vector<std::vector<std::string>> per_thread(4);
  std::vector<std::thread> threads;
  for (auto& out : per_thread) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) ASSERT_TRUE(store_->NewIds(100, 12, &out).ok());
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> seen;
  for (const auto& out : per_thread) seen.insert(out.begin(), out.end());
  EXPECT_EQ(seen.size(), 4u * 50 * 100);
  Reopen();
  ids.clear();
  ASSERT_TRUE(store_->NewIds(1000, 12, &ids).ok());
  for (const std::string& id : ids) {
    EXPECT_TRUE(seen.insert(id).second) << id << " handed out twice";
    EXPECT_GT(std::stoull(id.substr(id.find('-') + 1)), 20003u);
  }
}

TEST_F(PiStoreTest, TwoStoresOnOneDatabaseShareTheCounter) {
  std::unique_ptr<PiStore> other;
  ASSERT_TRUE(PiStore::Open(db_.get(), &other).ok());
  std::set<std::string> seen;
  std::vector<std::thread> threads;
  std::vector<std::string> a, b;
  threads.emplace_back([&] {
    for (int i = 0; i < 200; ++i) ASSERT_TRUE(store_->NewIds(37, 6, &a).ok());
  });
  threads.emplace_back([&] {
    for (int i = 0; i < 200; ++i) ASSERT_TRUE(other->NewIds(41, 6, &b).ok());
  });
  for (auto& t : threads) t.join();
  seen.insert(a.begin(), a.end());
  seen.insert(b.begin(), b.end());
  EXPECT_EQ(seen.size(), a.size() + b.size());
}

// A child process makes ids and writes them to a pipe until it is killed.
[[noreturn]] void IdChild(const std::string& path, int fd) {
  std::unique_ptr<DB> db;
  Options o;
  o.background_work = false;
  if (!DB::Open(o, path, &db).ok()) _exit(3);
  std::unique_ptr<PiStore> store;
  if (!PiStore::Open(db.get(), &store).ok()) _exit(4);
  while (true) {
    std::vector<std::string> ids;
    if (!store->NewIds(50, 8, &ids).ok()) _exit(5);
    std::string out;
    for (const std::string& id : ids) out += id + "\n";
    if (::write(fd, out.data(), out.size()) != static_cast<ssize_t>(out.size())) _exit(6);
    // Slowed down so that the ids stay within the first computed digits;
    // reservations (every 1024, 2048, ... ids) still happen every cycle.
    ::usleep(100);
  }
}

TEST(PiIds, UniqueAcrossKill9) {
  test::TempDir dir;
  const std::string path = dir.Sub("db");
  std::set<std::string> seen;
  std::mt19937_64 rng(11);
  for (int cycle = 0; cycle < 4; ++cycle) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      IdChild(path, fds[1]);
    }
    ::close(fds[1]);
    std::string received;
    char buffer[65536];
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(600 + rng() % 400);
    while (std::chrono::steady_clock::now() < deadline) {
      const ssize_t n = ::read(fds[0], buffer, sizeof(buffer));
      if (n <= 0) break;
      received.append(buffer, n);
    }
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ssize_t n;
    while ((n = ::read(fds[0], buffer, sizeof(buffer))) > 0) received.append(buffer, n);
    ::close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
    size_t start = 0, got = 0;
    while (true) {
      const size_t end = received.find('\n', start);
      if (end == std::string::npos) break;  // a torn last line was never handed out whole
      const std::string id = received.substr(start, end - start);
      ASSERT_TRUE(seen.insert(id).second) << id << " handed out twice (cycle " << cycle << ")";
      start = end + 1;
      ++got;
    }
    EXPECT_GT(got, 0u) << "cycle " << cycle;
  }
}

}  // namespace
}  // namespace spirapi
