// Tests for pi/ulam_spiral.h: the bijection against a hand-written table, a
// step-by-step walk and its own inverse, including near the ends of the
// 64-bit range; window and disc queries against brute force.

#include "pi/ulam_spiral.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace spirapi::pi {
namespace {

TEST(UlamSpiralTest, FirstTwentyFiveCells) {
  // The 5 x 5 square around the origin, row by row from y = 2 down to -2:
  //   17 16 15 14 13
  //   18  5  4  3 12
  //   19  6  1  2 11
  //   20  7  8  9 10
  //   21 22 23 24 25
  const SpiralCell kCells[25] = {
      {0, 0},  {1, 0},   {1, 1},   {0, 1},   {-1, 1}, {-1, 0}, {-1, -1}, {0, -1}, {1, -1},
      {2, -1}, {2, 0},   {2, 1},   {2, 2},   {1, 2},  {0, 2},  {-1, 2},  {-2, 2}, {-2, 1},
      {-2, 0}, {-2, -1}, {-2, -2}, {-1, -2}, {0, -2}, {1, -2}, {2, -2}};
  for (uint64_t n = 1; n <= 25; ++n) {
    EXPECT_EQ(SpiralCellOf(n), kCells[n - 1]) << n;
    EXPECT_EQ(SpiralPositionOf(kCells[n - 1]), n) << n;
  }
}

TEST(UlamSpiralTest, MatchesAWalkAndItsInverseUpToAMillion) {
  // The spiral walked step by step: right 1, up 1, left 2, down 2, right 3,
  // up 3, ... (legs grow by one every two turns).
  const int64_t dx[4] = {1, 0, -1, 0};
  const int64_t dy[4] = {0, 1, 0, -1};
  SpiralCell cell{0, 0};
  uint64_t n = 1;
  int direction = 0;
  for (int64_t leg = 1; n <= 1'000'000; ++leg) {
    for (int twice = 0; twice < 2; ++twice, direction = (direction + 1) % 4) {
      for (int64_t step = 0; step < leg && n <= 1'000'000; ++step) {
        ASSERT_EQ(SpiralCellOf(n), cell) << n;
        ASSERT_EQ(SpiralPositionOf(cell), n) << n;
        cell.x += dx[direction];
        cell.y += dy[direction];
        ++n;
      }
    }
  }
}

TEST(UlamSpiralTest, RoundTripsNearTheLimits) {
  std::vector<uint64_t> positions;
  for (uint64_t centre : {uint64_t{1} << 31, uint64_t{1} << 32, uint64_t{1} << 62,
                          kMaxSpiralPosition - 8 * kMaxSpiralRing}) {
    for (uint64_t d = 0; d < 50; ++d) {
      positions.push_back(centre - d);
      positions.push_back(centre + d);
    }
  }
  // Squares and their neighbours, where rings and sides change.
  for (uint64_t side = 1; side < (uint64_t{1} << 32); side = side * 3 + 1) {
    for (uint64_t d : {0, 1, 2}) {
      positions.push_back(side * side + d);
      if (side * side > d) positions.push_back(side * side - d);
    }
  }
  for (uint64_t d = 0; d < 100; ++d) positions.push_back(kMaxSpiralPosition - d);
  std::mt19937_64 rng(5);
  for (int i = 0; i < 100000; ++i) positions.push_back(1 + rng() % kMaxSpiralPosition);
  for (uint64_t n : positions) {
    if (!IsValidSpiralPosition(n)) continue;
    const SpiralCell cell = SpiralCellOf(n);
    ASSERT_TRUE(IsValidSpiralCell(cell)) << n;
    ASSERT_EQ(SpiralPositionOf(cell), n) << n;
  }
  // The last position is the corner of the last ring.
  EXPECT_EQ(SpiralCellOf(kMaxSpiralPosition), (SpiralCell{kMaxSpiralRing, -kMaxSpiralRing}));
  EXPECT_EQ(SpiralPositionOf({kMaxSpiralRing, -kMaxSpiralRing}), kMaxSpiralPosition);
  EXPECT_EQ(kMaxSpiralPosition, 18446744065119617025u);  // (2^32 - 1)²
  // The four corners and side midpoints of the last ring.
  for (SpiralCell c : {SpiralCell{kMaxSpiralRing, kMaxSpiralRing},
                       SpiralCell{-kMaxSpiralRing, kMaxSpiralRing},
                       SpiralCell{-kMaxSpiralRing, -kMaxSpiralRing},
                       SpiralCell{0, kMaxSpiralRing}, SpiralCell{kMaxSpiralRing, 0},
                       SpiralCell{-kMaxSpiralRing, 0}, SpiralCell{0, -kMaxSpiralRing}}) {
    EXPECT_EQ(SpiralCellOf(SpiralPositionOf(c)), c) << c.x << "," << c.y;
  }
  EXPECT_FALSE(IsValidSpiralPosition(0));
  EXPECT_FALSE(IsValidSpiralPosition(kMaxSpiralPosition + 1));
  EXPECT_FALSE(IsValidSpiralCell({kMaxSpiralRing + 1, 0}));
}

TEST(UlamSpiralTest, IntegerSqrtIsExact) {
  for (uint64_t v = 0; v < 100000; ++v) {
    const uint64_t r = IntegerSqrt(v);
    ASSERT_LE(r * r, v);
    ASSERT_GT((r + 1) * (r + 1), v);
  }
  for (uint64_t r = (uint64_t{1} << 26) - 3; r < (uint64_t{1} << 32); r += 104729 * 37) {
    EXPECT_EQ(IntegerSqrt(r * r), r);
    EXPECT_EQ(IntegerSqrt(r * r - 1), r - 1);
    EXPECT_EQ(IntegerSqrt(r * r + 2 * r), r);  // (r+1)² - 1
  }
  EXPECT_EQ(IntegerSqrt(UINT64_MAX), 0xFFFFFFFFu);
  EXPECT_EQ(IntegerSqrt(0xFFFFFFFEull * 0xFFFFFFFEull), 0xFFFFFFFEu);
  EXPECT_EQ(IntegerSqrt(0xFFFFFFFFull * 0xFFFFFFFFull), 0xFFFFFFFFu);
  EXPECT_EQ(IntegerSqrt(0xFFFFFFFFull * 0xFFFFFFFFull - 1), 0xFFFFFFFEu);
}

// Sorted positions as maximal runs of consecutive numbers.
std::vector<PositionInterval> ToIntervals(std::vector<uint64_t> positions) {
  std::sort(positions.begin(), positions.end());
  std::vector<PositionInterval> intervals;
  for (uint64_t n : positions) {
    if (!intervals.empty() && intervals.back().last + 1 == n) {
      intervals.back().last = n;
    } else {
      intervals.push_back({n, n});
    }
  }
  return intervals;
}

std::vector<PositionInterval> BruteForceWindow(const SpiralWindow& w, uint64_t max_position) {
  std::vector<uint64_t> positions;
  for (int64_t x = w.x0; x <= w.x1; ++x) {
    for (int64_t y = w.y0; y <= w.y1; ++y) {
      if (!IsValidSpiralCell({x, y})) continue;
      const uint64_t n = SpiralPositionOf({x, y});
      if (n <= max_position) positions.push_back(n);
    }
  }
  return ToIntervals(std::move(positions));
}

std::vector<PositionInterval> BruteForceDisc(SpiralCell c, int64_t radius, uint64_t max_position) {
  std::vector<uint64_t> positions;
  for (int64_t x = c.x - radius; x <= c.x + radius; ++x) {
    for (int64_t y = c.y - radius; y <= c.y + radius; ++y) {
      if (!IsValidSpiralCell({x, y})) continue;
      const int64_t dx = x - c.x, dy = y - c.y;
      if (dx * dx + dy * dy > radius * radius) continue;
      const uint64_t n = SpiralPositionOf({x, y});
      if (n <= max_position) positions.push_back(n);
    }
  }
  return ToIntervals(std::move(positions));
}

std::string Describe(const SpiralWindow& w, uint64_t max_position) {
  return "x " + std::to_string(w.x0) + ".." + std::to_string(w.x1) + ", y " +
         std::to_string(w.y0) + ".." + std::to_string(w.y1) + ", max " +
         std::to_string(max_position);
}

TEST(UlamSpiralTest, WindowsMatchBruteForce) {
  std::mt19937_64 rng(17);
  auto uniform = [&](int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
  };
  std::vector<PositionInterval> got;
  for (int i = 0; i < 20000; ++i) {
    SpiralWindow w;
    w.x0 = uniform(-40, 40);
    w.y0 = uniform(-40, 40);
    // Mostly small windows; some single cells and single rows or columns.
    const int shape = i % 4;
    w.x1 = w.x0 + (shape == 0 ? 0 : uniform(0, shape == 1 ? 0 : 30));
    w.y1 = w.y0 + (shape == 0 ? 0 : uniform(0, shape == 2 ? 0 : 30));
    // Up to a little past the largest ring reached (81² = 6561), so that many
    // windows are partly past the end.
    const uint64_t max_position = i % 5 == 0 ? kMaxSpiralPosition : uniform(1, 7000);
    ASSERT_TRUE(SpiralWindowIntervals(w, max_position, &got).ok());
    ASSERT_EQ(got, BruteForceWindow(w, max_position)) << Describe(w, max_position);
  }
}

TEST(UlamSpiralTest, WindowEdgeCases) {
  std::vector<PositionInterval> got;
  // The origin alone, and the whole 3 x 3 square: one interval.
  ASSERT_TRUE(SpiralWindowIntervals({0, 0, 0, 0}, kMaxSpiralPosition, &got).ok());
  EXPECT_EQ(got, (std::vector<PositionInterval>{{1, 1}}));
  ASSERT_TRUE(SpiralWindowIntervals({-1, 1, -1, 1}, kMaxSpiralPosition, &got).ok());
  EXPECT_EQ(got, (std::vector<PositionInterval>{{1, 9}}));
  ASSERT_TRUE(SpiralWindowIntervals({-2, 2, -2, 2}, 20, &got).ok());
  EXPECT_EQ(got, (std::vector<PositionInterval>{{1, 20}}));
  // Row y = 0 from x = -2 to 2: 19 6 1 2 11.
  ASSERT_TRUE(SpiralWindowIntervals({-2, 2, 0, 0}, kMaxSpiralPosition, &got).ok());
  EXPECT_EQ(got, (std::vector<PositionInterval>{{1, 2}, {6, 6}, {11, 11}, {19, 19}}));
  // Entirely past the clip, and entirely outside the valid range.
  ASSERT_TRUE(SpiralWindowIntervals({7, 8, 7, 8}, 100, &got).ok());  // ring 7 starts at 170
  EXPECT_TRUE(got.empty());
  ASSERT_TRUE(SpiralWindowIntervals({INT64_MAX - 1, INT64_MAX, 0, 0}, kMaxSpiralPosition, &got)
                  .ok());
  EXPECT_TRUE(got.empty());
  EXPECT_TRUE(SpiralWindowIntervals({1, 0, 0, 0}, 10, &got).IsInvalidArgument());
  EXPECT_TRUE(SpiralWindowIntervals({0, 0, 1, 0}, 10, &got).IsInvalidArgument());
  // A window straddling the edge of the valid range: only its valid cells.
  const SpiralWindow edge{kMaxSpiralRing - 2, INT64_MAX, -3, 3};
  ASSERT_TRUE(SpiralWindowIntervals(edge, kMaxSpiralPosition, &got).ok());
  EXPECT_EQ(got, BruteForceWindow({kMaxSpiralRing - 2, kMaxSpiralRing, -3, 3},
                                  kMaxSpiralPosition));
  // The corner of the last ring, with and without the last position.
  const SpiralWindow corner{kMaxSpiralRing - 3, kMaxSpiralRing, -kMaxSpiralRing,
                            -kMaxSpiralRing + 3};
  for (uint64_t max : {kMaxSpiralPosition, kMaxSpiralPosition - 1, kMaxSpiralPosition - 5}) {
    ASSERT_TRUE(SpiralWindowIntervals(corner, max, &got).ok());
    EXPECT_EQ(got, BruteForceWindow(corner, max)) << max;
  }
  // The clip 0 selects nothing.
  ASSERT_TRUE(SpiralWindowIntervals({-1, 1, -1, 1}, 0, &got).ok());
  EXPECT_TRUE(got.empty());
}

TEST(UlamSpiralTest, DiscsMatchBruteForce) {
  std::mt19937_64 rng(23);
  auto uniform = [&](int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
  };
  std::vector<PositionInterval> got;
  for (int i = 0; i < 20000; ++i) {
    const SpiralCell centre{uniform(-40, 40), uniform(-40, 40)};
    const int64_t radius = i % 10 == 0 ? uniform(0, 1) : uniform(0, 20);
    const uint64_t max_position = i % 5 == 0 ? kMaxSpiralPosition : uniform(1, 5000);
    ASSERT_TRUE(SpiralDiscIntervals(centre, radius, max_position, &got).ok());
    ASSERT_EQ(got, BruteForceDisc(centre, radius, max_position))
        << "centre " << centre.x << "," << centre.y << " radius " << radius << " max "
        << max_position;
  }
}

TEST(UlamSpiralTest, DiscEdgeCases) {
  std::vector<PositionInterval> got;
  // Radius 0 is the centre alone; radius 1 adds the four neighbours.
  ASSERT_TRUE(SpiralDiscIntervals({2, 2}, 0, kMaxSpiralPosition, &got).ok());
  EXPECT_EQ(got, (std::vector<PositionInterval>{{13, 13}}));
  ASSERT_TRUE(SpiralDiscIntervals({0, 0}, 1, kMaxSpiralPosition, &got).ok());
  EXPECT_EQ(got, (std::vector<PositionInterval>{{1, 2}, {4, 4}, {6, 6}, {8, 8}}));
  // At the corner of the valid range, and a large radius clipped to it.
  for (const SpiralCell centre : {SpiralCell{kMaxSpiralRing, -kMaxSpiralRing},
                                  SpiralCell{-kMaxSpiralRing, 5}}) {
    for (uint64_t max : {kMaxSpiralPosition, kMaxSpiralPosition - 3}) {
      ASSERT_TRUE(SpiralDiscIntervals(centre, 6, max, &got).ok());
      EXPECT_EQ(got, BruteForceDisc(centre, 6, max));
    }
  }
  // A radius far larger than the clipped spiral: everything up to the clip.
  ASSERT_TRUE(SpiralDiscIntervals({0, 0}, kMaxSpiralRing, 1000, &got).ok());
  EXPECT_EQ(got, (std::vector<PositionInterval>{{1, 1000}}));
  EXPECT_TRUE(SpiralDiscIntervals({0, 0}, -1, 10, &got).IsInvalidArgument());
  EXPECT_TRUE(SpiralDiscIntervals({0, 0}, kMaxSpiralRing + 1, 10, &got).IsInvalidArgument());
  EXPECT_TRUE(SpiralDiscIntervals({kMaxSpiralRing + 1, 0}, 1, 10, &got).IsInvalidArgument());
}

}  // namespace
}  // namespace spirapi::pi
