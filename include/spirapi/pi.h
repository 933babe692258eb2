// The π engine: π digit sequences computed, stored, read, analysed and
// searched inside a database, and unique identifiers made of π digits.
//
// A PiStore works on an open DB (which it does not own; the DB must outlive
// it). What it writes is ordinary records, so it is checksummed, compressed,
// encrypted (when the database is) and transactional like everything else;
// the record layout is in docs/FORMAT.md, "π records":
//
//   SEQUENCE  seq/<id>                  the sequence's description (JSON)
//   SEQUENCE  digits/<id>/<chunk>       up to kSequenceChunkDigits digits,
//                                       packed 3 digits in 10 bits (blob)
//   INDEX     pattern/<id>[/<piece>]    the pattern-search index, if built
//   METADATA  pi-ids/next-position      the identifier counter
//
// Digit positions are 1-based and count the digits after "3.": position 1
// holds the 1 of 3.14159...
//
// Thread safety: all methods may be called from several threads at once.
//
// Errors: every method returns a Status. Besides those listed per method, any
// of them can return what the DB returns (IOError, Corruption naming the
// damaged record, ...). InvalidArgument always means nothing was changed.

#ifndef SPIRAPI_PI_H_
#define SPIRAPI_PI_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "spirapi/db.h"
#include "spirapi/export.h"
#include "spirapi/status.h"

namespace spirapi {

// Sequences hold 1 .. kMaxSequenceDigits digits (a pattern index needs the
// offsets to fit in 32 bits).
inline constexpr uint64_t kMaxSequenceDigits = (uint64_t{1} << 31) - 1;
// Digits per chunk record: 1,000,002 digits pack into 416,668 bytes.
inline constexpr uint64_t kSequenceChunkDigits = 1'000'002;
// Sequence ids: 1..128 characters from [A-Za-z0-9._-].
inline constexpr size_t kMaxSequenceIdBytes = 128;

// What is stored about a sequence besides its digits (the specification's
// sequence record).
struct SPIRAPI_EXPORT SequenceInfo {
  std::string id;
  std::string sequence;          // "3." and the first 50 digits, "..." if more
  uint64_t precision = 0;        // digits after "3." stored
  std::string algorithm;         // "chudnovsky" for computed sequences
  double computation_time = 0;   // seconds spent computing (0 if imported)
  bool verified = false;         // passed the BBP check when computed
  // 0.3·E + 0.3·P + 0.2·Lf + 0.2·R of the whole sequence at position 1
  // (docs/PI.md).
  double uniqueness_score = 0;
  // {"digit_distribution":{...},"pattern_analysis":{...}}, compact JSON.
  std::string mathematical_properties;
  std::string digits_sha256;     // hex SHA-256 of the ASCII digits
  double stored_at = 0;          // commit time, seconds since the Unix epoch
  uint64_t chunks = 0;           // digit chunk records
  // The description as one JSON object, as stored, with stored_at added.
  std::string ToJson() const;
};

// Criteria for SearchSequences: every set bound must hold (bounds included).
struct SequenceQuery {
  std::string algorithm;  // empty: any
  uint64_t min_precision = 0;
  uint64_t max_precision = std::numeric_limits<uint64_t>::max();
  double min_computation_time = 0;
  double max_computation_time = std::numeric_limits<double>::infinity();
  double min_uniqueness = -std::numeric_limits<double>::infinity();
  double max_uniqueness = std::numeric_limits<double>::infinity();
  double stored_after = -std::numeric_limits<double>::infinity();   // stored_at >=
  double stored_before = std::numeric_limits<double>::infinity();   // stored_at <=
  uint64_t limit = 0;  // 0: all
  // Unset, a damaged or malformed description stops the search with
  // Corruption. Set, each is passed here (the sequence id, and why) and the
  // search goes on while this returns true.
  std::function<bool(std::string_view id, const Status& damage)> on_damaged;
};

struct ComputeOptions {
  uint64_t digits = 0;  // 1 .. kMaxSequenceDigits
  std::string id;       // empty: "pi-<digits>"
  bool verify = true;   // BBP check of the binary result before conversion
  int threads = 2;
  // Fraction done in [0, 1]; returning false cancels (Status::Cancelled).
  // Storing is the last tenth of the range.
  std::function<bool(double fraction)> progress;
};

struct StoreOptions {
  std::string algorithm = "imported";
  double computation_time = 0;
  bool verified = false;
};

struct PatternQuery {
  int max_mismatches = 0;  // Hamming distance 0..3 (patterns up to 32 digits when > 0)
  uint64_t skip = 0;       // paging over the matches in position order
  uint64_t limit = 10;     // at most this many positions returned
};

struct PatternMatch {
  uint64_t position = 0;  // of the first digit of the match
  int mismatches = 0;
};

struct PatternResult {
  uint64_t total = 0;  // all matches, not only those returned
  std::vector<PatternMatch> matches;
};

// A digit of a sequence placed on the Ulam spiral (docs/PI.md): position 1
// at (0, 0), 2 at (1, 0), then counter-clockwise.
struct SpiralDigit {
  int64_t x = 0;
  int64_t y = 0;
  uint64_t position = 0;
  char digit = '0';
};

// A decoded π identifier.
struct PiIdInfo {
  uint64_t position = 0;  // where its digits start in π
  int64_t x = 0;          // the spiral cell of that position
  int64_t y = 0;
};

class SPIRAPI_EXPORT PiStore {
 public:
  // Errors: InvalidArgument if db is null.
  static Status Open(DB* db, std::unique_ptr<PiStore>* store);

  PiStore() = default;
  PiStore(const PiStore&) = delete;
  PiStore& operator=(const PiStore&) = delete;
  virtual ~PiStore() = default;

  // Computes π to options.digits digits (Chudnovsky, with the BBP check if
  // asked) and stores it as a new sequence, replacing one of the same id.
  // Errors: InvalidArgument (digits out of range, bad id), Cancelled,
  // Corruption (the BBP check failed; nothing stored).
  virtual Status ComputeSequence(const ComputeOptions& options, SequenceInfo* info) = 0;

  // Stores `digits` (the digits after "3.", '0'..'9'; a leading "3." is
  // accepted and dropped) as sequence `id`, replacing one of the same id and
  // its pattern index. Analyses the digits for the description. Atomic: a
  // crash leaves the old sequence or the new one.
  // Errors: InvalidArgument (bad id, empty, too long or non-digit input).
  virtual Status StoreSequence(std::string_view id, std::string_view digits,
                               const StoreOptions& options, SequenceInfo* info) = 0;

  // retrieve_sequence by id. Errors: NotFound.
  virtual Status RetrieveSequence(std::string_view id, SequenceInfo* info) = 0;

  // search_sequences: the descriptions matching `query`, in id order.
  virtual Status SearchSequences(const SequenceQuery& query,
                                 std::vector<SequenceInfo>* out) = 0;

  // Digits at positions [first, first + count) of sequence id, reading only
  // the chunks that hold them. Errors: NotFound; InvalidArgument if the
  // range is empty or goes past the sequence's precision.
  virtual Status ReadDigits(std::string_view id, uint64_t first, uint64_t count,
                            std::string* digits) = 0;

  // Removes the sequence, its chunks and its pattern index in one
  // transaction. Errors: NotFound.
  virtual Status DeleteSequence(std::string_view id) = 0;

  // The digit at spiral cell (x, y). Errors: NotFound (no such sequence, or
  // the cell's position is beyond its precision).
  virtual Status DigitAt(std::string_view id, int64_t x, int64_t y, SpiralDigit* out) = 0;

  // The digits of the cells within Euclidean distance `radius` of (x, y)
  // that the sequence reaches, in position order. Errors: NotFound,
  // InvalidArgument (radius < 0, or the disc holds more than 10^7 cells).
  virtual Status DigitsInDisc(std::string_view id, int64_t x, int64_t y, int64_t radius,
                              std::vector<SpiralDigit>* out) = 0;

  // The same for the rectangle x0 <= x <= x1, y0 <= y <= y1. Errors:
  // NotFound, InvalidArgument (x0 > x1, y0 > y1, or more than 10^7 cells).
  virtual Status DigitsInWindow(std::string_view id, int64_t x0, int64_t y0, int64_t x1,
                                int64_t y1, std::vector<SpiralDigit>* out) = 0;

  // Builds (or rebuilds) the pattern index of sequence id (a suffix array,
  // 3.4 bytes per digit at 10^8 digits) and stores it in the INDEX
  // component. FindPattern builds it on first use; call this to pay the cost
  // ahead. NotSupported on a read-only database (Options::read_only).
  virtual Status BuildPatternIndex(std::string_view id) = 0;

  // Where `pattern` (1..64 digits) occurs in sequence id, exactly or within
  // query.max_mismatches differing digits. The first search of a sequence
  // loads (or builds) its index, later ones run in memory. On a read-only
  // database an index built here is kept in memory only.
  // Errors: NotFound, InvalidArgument (bad pattern or query).
  virtual Status FindPattern(std::string_view id, std::string_view pattern,
                             const PatternQuery& query, PatternResult* result) = 0;

  // Many exact patterns in one pass over the sequence's digits (no index
  // needed): (*results)[i] is patterns[i]'s total and its first
  // `max_positions` matches (at least the first is always returned when there
  // is one). Errors: NotFound, InvalidArgument (no patterns, more than
  // 100,000, or a bad one, named by its index).
  virtual Status FindPatterns(std::string_view id, const std::vector<std::string>& patterns,
                              uint64_t max_positions, std::vector<PatternResult>* results) = 0;

  // Appends `count` new identifiers to *ids, each the `digits_per_id` digits
  // of π starting at a position taken from a persisted counter, followed by
  // '-' and that position: "14159265358-1", "41592653589-2", ... A position
  // is never handed out twice, also across crashes: blocks of positions are
  // reserved with a durable write before any id from them is returned (a
  // crash skips the rest of a block). The digits come from the stored
  // sequence "pi-ids", computed when the counter first needs it and
  // recomputed twice as long whenever the counter passes its end: a call
  // that triggers this waits for the computation (seconds at 10^7 digits).
  // Compute "pi-ids" ahead (ComputeSequence with that id) to avoid the pauses.
  // Errors: InvalidArgument (count 0 or over 10^7, digits_per_id outside
  // 4..32); NotSupported once 2^31 positions are used.
  virtual Status NewIds(uint64_t count, int digits_per_id, std::vector<std::string>* ids) = 0;

  // Decodes an identifier made by NewIds and checks its digits against π.
  // Errors: InvalidArgument (malformed, or the digits are not π's at that
  // position).
  virtual Status ResolveId(std::string_view id, PiIdInfo* info) = 0;
};

}  // namespace spirapi

#endif  // SPIRAPI_PI_H_
