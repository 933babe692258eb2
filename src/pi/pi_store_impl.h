// PiStoreImpl: the PiStore of include/spirapi/pi.h. Sequences and digit
// reads are in pi_store.cc, identifiers in pi_ids.cc, spiral and pattern
// queries in pi_search.cc.

#ifndef SPIRAPI_PI_PI_STORE_IMPL_H_
#define SPIRAPI_PI_PI_STORE_IMPL_H_

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "pi/pattern_index.h"
#include "pi/sequence_record.h"
#include "pi/ulam_spiral.h"
#include "spirapi/pi.h"

namespace spirapi::pi {

// A sequence's digits and pattern index, held in memory between searches.
struct LoadedSequence {
  std::string id;
  std::string digits_sha256;
  std::string description_checksum;  // of the description record loaded
  std::string digits;
  PatternIndex index;
};

class PiStoreImpl : public PiStore {
 public:
  explicit PiStoreImpl(DB* db) : db_(db) {}

  Status ComputeSequence(const ComputeOptions& options, SequenceInfo* info) override;
  Status StoreSequence(std::string_view id, std::string_view digits, const StoreOptions& options,
                       SequenceInfo* info) override;
  Status RetrieveSequence(std::string_view id, SequenceInfo* info) override;
  Status SearchSequences(const SequenceQuery& query, std::vector<SequenceInfo>* out) override;
  Status ReadDigits(std::string_view id, uint64_t first, uint64_t count,
                    std::string* digits) override;
  Status DeleteSequence(std::string_view id) override;
  Status DigitAt(std::string_view id, int64_t x, int64_t y, SpiralDigit* out) override;
  Status DigitsInDisc(std::string_view id, int64_t x, int64_t y, int64_t radius,
                      std::vector<SpiralDigit>* out) override;
  Status DigitsInWindow(std::string_view id, int64_t x0, int64_t y0, int64_t x1, int64_t y1,
                        std::vector<SpiralDigit>* out) override;
  Status BuildPatternIndex(std::string_view id) override;
  Status FindPattern(std::string_view id, std::string_view pattern, const PatternQuery& query,
                     PatternResult* result) override;
  Status FindPatterns(std::string_view id, const std::vector<std::string>& patterns,
                      uint64_t max_positions, std::vector<PatternResult>* results) override;
  Status NewIds(uint64_t count, int digits_per_id, std::vector<std::string>* ids) override;
  Status ResolveId(std::string_view id, PiIdInfo* info) override;

 private:
  // The description record of id, with its commit time in info.stored_at:
  // GetDescription reads it (NotFound naming the id), DecodeDescription
  // decodes it, ReadRecord does both.
  Status GetDescription(std::string_view id, StorageRecord* stored);
  static Status DecodeDescription(const StorageRecord& stored, std::string_view id,
                                  SequenceRecord* record);
  Status ReadRecord(std::string_view id, SequenceRecord* record);
  // The sequence in memory if `stored` is the description it was loaded
  // from, else null.
  std::shared_ptr<const LoadedSequence> Loaded(std::string_view id, const StorageRecord& stored);
  // Digits [first, first + count) of a sequence whose description is known.
  Status ReadRecordDigits(const SequenceRecord& record, uint64_t first, uint64_t count,
                          std::string* digits);
  // The digits of the positions in `intervals` (sorted, within precision).
  Status ReadIntervals(const SequenceRecord& record,
                       const std::vector<PositionInterval>& intervals,
                       std::vector<SpiralDigit>* out);
  // Adds deletes of the pattern index of id (if any) to txn.
  Status DeletePatternIndex(Transaction* txn, std::string_view id);
  // The digits and index of id in memory, loading or building (and storing)
  // the index first; `rebuild` builds it even if a stored one is usable.
  Status Load(std::string_view id, bool rebuild, std::shared_ptr<const LoadedSequence>* out);
  Status StoreIndex(const LoadedSequence& loaded);
  // Reserves at least `count` positions durably. Requires ids_mu_.
  Status ReserveIdPositions(uint64_t count);
  // How many digits the identifier source must keep to resolve every
  // position reserved so far (0 if none). With txn: read in it, and the
  // counter written back so that a reservation made meanwhile conflicts.
  Status IdSourceDigitsNeeded(Transaction* txn, uint64_t* digits);
  // InvalidArgument if `id` is the identifier source and `digits` would
  // lose positions already reserved.
  Status CheckIdSourceLength(Transaction* txn, std::string_view id, uint64_t digits);
  // Makes sure the identifier source sequence holds position `last`.
  Status EnsureIdSource(uint64_t last);
  Status EnsureIdSourceLocked(uint64_t last);  // requires source_mu_
  // Digits [first, first + span) of the identifier source, from memory when
  // the window read last time holds them.
  Status IdDigits(uint64_t first, uint64_t span, std::string* out);

  DB* const db_;

  std::mutex loaded_mu_;
  std::shared_ptr<const LoadedSequence> loaded_;  // guarded by loaded_mu_

  std::mutex ids_mu_;  // serializes position reservations
  uint64_t next_position_ = 1;       // guarded by ids_mu_
  uint64_t reserved_end_ = 1;        // guarded by ids_mu_: ours are [next, end)
  uint64_t reserve_block_ = 1;       // guarded by ids_mu_; doubles per reservation

  // Digits of the identifier source from position `first` on.
  struct IdWindow {
    uint64_t first = 0;
    std::string digits;
  };
  std::mutex source_mu_;
  uint64_t source_precision_ = 0;           // guarded by source_mu_
  std::shared_ptr<const IdWindow> id_window_;  // guarded by source_mu_
};

}  // namespace spirapi::pi

#endif  // SPIRAPI_PI_PI_STORE_IMPL_H_
