// The Ulam spiral: a bijection between positions n = 1, 2, 3, ... and the
// cells (x, y) of the integer lattice, and range queries over it that need
// no index: the cells of a rectangle or a disc, as a short sorted list of
// position intervals.
//
// Convention. n = 1 is the origin (0, 0); the spiral then winds
// counter-clockwise, starting to the right:
//
//   17 16 15 14 13        n:  1      2      3      4       5       6
//   18  5  4  3 12     (x,y): (0,0)  (1,0)  (1,1)  (0,1)  (-1,1)  (-1,0)
//   19  6  1  2 11        n:  7        8       9       10      11
//   20  7  8  9 10     (x,y): (-1,-1)  (0,-1)  (1,-1)  (2,-1)  (2,0)
//   21 22 23 24 25            (y grows upwards)
//
// Ring r >= 1 is the square of cells with max(|x|, |y|) = r; it holds the
// positions (2r-1)² + 1 .. (2r+1)², 2r on each side, in this order:
//   right  x = r,  y = -r+1 .. r     n = (2r-1)² + r + y
//   top    y = r,  x = r-1 .. -r     n = (2r-1)² + 3r - x
//   left   x = -r, y = r-1 .. -r     n = (2r-1)² + 5r - y
//   bottom y = -r, x = -r+1 .. r     n = (2r-1)² + 7r + x
// so each ring ends at (r, -r) on the odd square (2r+1)².
//
// Range. Positions 1 .. kMaxSpiralPosition = (2^32 - 1)², exactly the cells
// with |x|, |y| <= kMaxSpiralRing = 2^31 - 1: all arithmetic fits in 64 bits.
// "Position" here is a digit position as elsewhere in src/pi/ (1-based, the
// first digit after "3." is position 1).
//
// Thread safety: all functions are pure.

#ifndef SPIRAPI_PI_ULAM_SPIRAL_H_
#define SPIRAPI_PI_ULAM_SPIRAL_H_

#include <cstdint>
#include <vector>

#include "spirapi/status.h"

namespace spirapi::pi {

inline constexpr int64_t kMaxSpiralRing = (int64_t{1} << 31) - 1;
inline constexpr uint64_t kMaxSpiralPosition =
    static_cast<uint64_t>(2 * kMaxSpiralRing + 1) * static_cast<uint64_t>(2 * kMaxSpiralRing + 1);

struct SpiralCell {
  int64_t x = 0;
  int64_t y = 0;
  friend bool operator==(const SpiralCell&, const SpiralCell&) = default;
};

inline bool IsValidSpiralPosition(uint64_t n) { return n >= 1 && n <= kMaxSpiralPosition; }
inline bool IsValidSpiralCell(SpiralCell c) {
  return c.x >= -kMaxSpiralRing && c.x <= kMaxSpiralRing && c.y >= -kMaxSpiralRing &&
         c.y <= kMaxSpiralRing;
}

// floor(sqrt(v)), exact for every 64-bit v.
uint64_t IntegerSqrt(uint64_t v);

// The cell of position n. Requires IsValidSpiralPosition(n).
SpiralCell SpiralCellOf(uint64_t n);

// The position of cell c. Requires IsValidSpiralCell(c).
uint64_t SpiralPositionOf(SpiralCell c);

// The ring holding position n: max(|x|, |y|) of its cell. Requires a valid n.
int64_t SpiralRingOf(uint64_t n);

// Positions first..last, both included.
struct PositionInterval {
  uint64_t first = 0;
  uint64_t last = 0;
  friend bool operator==(const PositionInterval&, const PositionInterval&) = default;
};

// The cells x0 <= x <= x1, y0 <= y <= y1.
struct SpiralWindow {
  int64_t x0 = 0;
  int64_t x1 = 0;
  int64_t y0 = 0;
  int64_t y1 = 0;
};

// The positions <= max_position of the window's cells, as disjoint intervals
// sorted by position, adjacent ones merged (so the list is unique). Cells
// outside the valid range have no position and are skipped. The work and the
// list are proportional to the number of rings the window crosses, at most
// four intervals per ring, never to its area. InvalidArgument if x0 > x1 or
// y0 > y1.
Status SpiralWindowIntervals(const SpiralWindow& window, uint64_t max_position,
                             std::vector<PositionInterval>* out);

// The same for the cells within Euclidean distance `radius` of `centre`:
// (x - cx)² + (y - cy)² <= radius². InvalidArgument unless the centre is a
// valid cell and 0 <= radius <= kMaxSpiralRing.
Status SpiralDiscIntervals(SpiralCell centre, int64_t radius, uint64_t max_position,
                           std::vector<PositionInterval>* out);

}  // namespace spirapi::pi

#endif  // SPIRAPI_PI_ULAM_SPIRAL_H_
