#include "pi/ulam_spiral.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace spirapi::pi {
namespace {

// The first position of ring r >= 1, less one: the odd square (2r-1)².
uint64_t RingBase(int64_t r) {
  const uint64_t side = static_cast<uint64_t>(2 * r - 1);
  return side * side;
}

// Distance from 0 to the interval [lo, hi] (lo <= hi).
int64_t DistanceFromZero(int64_t lo, int64_t hi) {
  if (lo <= 0 && hi >= 0) return 0;
  return lo > 0 ? lo : -hi;
}

// Appends [first, last] to a sorted list, merging it into the previous
// interval when they touch, and clipping to max_position. Returns false once
// first lies past max_position: every later interval does too.
bool AppendInterval(uint64_t first, uint64_t last, uint64_t max_position,
                    std::vector<PositionInterval>* out) {
  if (first > max_position) return false;
  last = std::min(last, max_position);
  if (!out->empty() && out->back().last + 1 == first) {
    out->back().last = last;
  } else {
    out->push_back({first, last});
  }
  return true;
}

// Appends the run of one ring side whose cells have their free coordinate v
// in [lo, hi] (none if lo > hi) and positions base + offset + sign·v.
bool AppendSideRun(uint64_t base, int64_t offset, int sign, int64_t lo, int64_t hi,
                   uint64_t max_position, std::vector<PositionInterval>* out) {
  if (lo > hi) return true;
  const int64_t a = offset + sign * lo;
  const int64_t b = offset + sign * hi;
  return AppendInterval(base + std::min(a, b), base + std::max(a, b), max_position, out);
}

// The cells inside a shape, column by column or row by row.
class Window {
 public:
  explicit Window(const SpiralWindow& w) : w_(w) {}
  // Cells of column x in the shape: y in [*lo, *hi]. False if none.
  bool Column(int64_t x, int64_t* lo, int64_t* hi) const {
    if (x < w_.x0 || x > w_.x1) return false;
    *lo = w_.y0;
    *hi = w_.y1;
    return true;
  }
  bool Row(int64_t y, int64_t* lo, int64_t* hi) const {
    if (y < w_.y0 || y > w_.y1) return false;
    *lo = w_.x0;
    *hi = w_.x1;
    return true;
  }

 private:
  SpiralWindow w_;
};

class Disc {
 public:
  // The centre is a valid cell and 0 <= radius <= kMaxSpiralRing, so every
  // difference below is under 2^32 and its square fits in 64 bits.
  Disc(SpiralCell centre, int64_t radius)
      : centre_(centre), radius_squared_(static_cast<uint64_t>(radius) * radius) {}
  bool Column(int64_t x, int64_t* lo, int64_t* hi) const {
    return Chord(x - centre_.x, centre_.y, lo, hi);
  }
  bool Row(int64_t y, int64_t* lo, int64_t* hi) const {
    return Chord(y - centre_.y, centre_.x, lo, hi);
  }

 private:
  // The lattice points of the chord at distance `offset` from the centre:
  // centre ± floor(sqrt(radius² - offset²)).
  bool Chord(int64_t offset, int64_t centre, int64_t* lo, int64_t* hi) const {
    const uint64_t distance = static_cast<uint64_t>(offset < 0 ? -offset : offset);
    const uint64_t offset_squared = distance * distance;
    if (offset_squared > radius_squared_) return false;
    const int64_t half = static_cast<int64_t>(IntegerSqrt(radius_squared_ - offset_squared));
    *lo = centre - half;
    *hi = centre + half;
    return true;
  }

  SpiralCell centre_;
  uint64_t radius_squared_;
};

// Walks the rings that meet the bounding box [x0, x1] x [y0, y1] (valid
// cells) in order; on each side of a ring the shape's cells are one run of
// consecutive positions, and the sides come in position order, so the output
// is sorted as it is produced.
template <typename Shape>
void CollectIntervals(const Shape& shape, int64_t x0, int64_t x1, int64_t y0, int64_t y1,
                      uint64_t max_position, std::vector<PositionInterval>* out) {
  out->clear();
  max_position = std::min(max_position, kMaxSpiralPosition);
  if (max_position == 0 || x0 > x1 || y0 > y1) return;
  const int64_t ring_min = std::max(DistanceFromZero(x0, x1), DistanceFromZero(y0, y1));
  const int64_t ring_max = std::min(std::max({-x0, x1, -y0, y1}), SpiralRingOf(max_position));
  int64_t lo, hi;
  if (ring_min == 0 && shape.Column(0, &lo, &hi) && lo <= 0 && hi >= 0) {
    AppendInterval(1, 1, max_position, out);
  }
  for (int64_t r = std::max<int64_t>(ring_min, 1); r <= ring_max; ++r) {
    const uint64_t base = RingBase(r);
    // Each side: the shape's run on that line, clipped to the side. Past
    // max_position, AppendSideRun returns false and the walk ends.
    // right: y = -r+1 .. r, n = base + r + y
    if (shape.Column(r, &lo, &hi) &&
        !AppendSideRun(base, r, +1, std::max(lo, -r + 1), std::min(hi, r), max_position, out)) {
      return;
    }
    // top: x = r-1 .. -r, n = base + 3r - x
    if (shape.Row(r, &lo, &hi) &&
        !AppendSideRun(base, 3 * r, -1, std::max(lo, -r), std::min(hi, r - 1), max_position, out)) {
      return;
    }
    // left: y = r-1 .. -r, n = base + 5r - y
    if (shape.Column(-r, &lo, &hi) &&
        !AppendSideRun(base, 5 * r, -1, std::max(lo, -r), std::min(hi, r - 1), max_position, out)) {
      return;
    }
    // bottom: x = -r+1 .. r, n = base + 7r + x
    if (shape.Row(-r, &lo, &hi) &&
        !AppendSideRun(base, 7 * r, +1, std::max(lo, -r + 1), std::min(hi, r), max_position, out)) {
      return;
    }
  }
}

int64_t ClampToValid(int64_t v) { return std::clamp(v, -kMaxSpiralRing, kMaxSpiralRing); }

}  // namespace

uint64_t IntegerSqrt(uint64_t v) {
  // The double estimate is within a few units; the integer steps make it
  // exact. floor(sqrt(2^64 - 1)) = 2^32 - 1 bounds it, so r * r cannot wrap.
  constexpr uint64_t kMaxRoot = 0xFFFFFFFFu;
  uint64_t r = std::min(static_cast<uint64_t>(std::sqrt(static_cast<double>(v))), kMaxRoot);
  while (r * r > v) --r;
  while (r < kMaxRoot && (r + 1) * (r + 1) <= v) ++r;
  return r;
}

int64_t SpiralRingOf(uint64_t n) {
  // Ring r holds (2r-1)² < n <= (2r+1)², i.e. 2r-1 <= isqrt(n-1) <= 2r.
  return static_cast<int64_t>((IntegerSqrt(n - 1) + 1) / 2);
}

SpiralCell SpiralCellOf(uint64_t n) {
  const int64_t r = SpiralRingOf(n);
  if (r == 0) return {0, 0};
  const int64_t offset = static_cast<int64_t>(n - RingBase(r));  // 1 .. 8r
  if (offset <= 2 * r) return {r, offset - r};
  if (offset <= 4 * r) return {3 * r - offset, r};
  if (offset <= 6 * r) return {-r, 5 * r - offset};
  return {offset - 7 * r, -r};
}

uint64_t SpiralPositionOf(SpiralCell c) {
  const int64_t r = std::max(c.x < 0 ? -c.x : c.x, c.y < 0 ? -c.y : c.y);
  if (r == 0) return 1;
  int64_t offset;
  if (c.x == r && c.y > -r) {
    offset = r + c.y;
  } else if (c.y == r) {
    offset = 3 * r - c.x;
  } else if (c.x == -r) {
    offset = 5 * r - c.y;
  } else {
    offset = 7 * r + c.x;  // bottom side, including its corner (r, -r)
  }
  return RingBase(r) + static_cast<uint64_t>(offset);
}

Status SpiralWindowIntervals(const SpiralWindow& window, uint64_t max_position,
                             std::vector<PositionInterval>* out) {
  if (window.x0 > window.x1 || window.y0 > window.y1) {
    out->clear();
    return Status::InvalidArgument("window has x0 > x1 or y0 > y1");
  }
  // Cells beyond the valid range have no position; dropping them first also
  // keeps every later sum within 64 bits.
  const bool outside = window.x1 < -kMaxSpiralRing || window.x0 > kMaxSpiralRing ||
                       window.y1 < -kMaxSpiralRing || window.y0 > kMaxSpiralRing;
  if (outside) {
    out->clear();
    return Status::OK();
  }
  const SpiralWindow clipped{ClampToValid(window.x0), ClampToValid(window.x1),
                             ClampToValid(window.y0), ClampToValid(window.y1)};
  CollectIntervals(Window(clipped), clipped.x0, clipped.x1, clipped.y0, clipped.y1, max_position,
                   out);
  return Status::OK();
}

Status SpiralDiscIntervals(SpiralCell centre, int64_t radius, uint64_t max_position,
                           std::vector<PositionInterval>* out) {
  out->clear();
  if (!IsValidSpiralCell(centre)) {
    return Status::InvalidArgument("disc centre (" + std::to_string(centre.x) + ", " +
                                   std::to_string(centre.y) + ") is outside the spiral");
  }
  if (radius < 0 || radius > kMaxSpiralRing) {
    return Status::InvalidArgument("disc radius " + std::to_string(radius) +
                                   " is outside 0.." + std::to_string(kMaxSpiralRing));
  }
  CollectIntervals(Disc(centre, radius), ClampToValid(centre.x - radius),
                   ClampToValid(centre.x + radius), ClampToValid(centre.y - radius),
                   ClampToValid(centre.y + radius), max_position, out);
  return Status::OK();
}

}  // namespace spirapi::pi
