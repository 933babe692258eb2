// PiStore queries over a sequence's digits: spiral cells and pattern search.
//
// The pattern index is stored in the INDEX component as pieces of at most
// kMaxBlobBytes under pattern/<id>/<piece>, described by pattern/<id>
// ({"digits_sha256", "bytes", "pieces"}), written last so that a description
// names a complete index. The sha ties the index to the digits it was built
// over: a sequence stored again makes an old index stale (it is also deleted
// then, in the same transaction).

#include <rapidjson/document.h>

#include <cmath>

#include "pi/approximate_search.h"
#include "pi/multi_pattern.h"
#include "pi/pi_store_impl.h"
#include "pi/ulam_spiral.h"

namespace spirapi::pi {
namespace {

constexpr int64_t kMaxDiscCells = 10'000'000;  // also the most a window may hold
// Pieces per transaction: 8 x 16 MiB stays well under the 256 MiB limit.
constexpr uint64_t kPiecesPerTransaction = 8;

struct IndexDescription {
  std::string digits_sha256;
  uint64_t bytes = 0;
  uint64_t pieces = 0;
};

Status DecodeIndexDescription(std::string_view json, IndexDescription* out) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("digits_sha256") ||
      !doc["digits_sha256"].IsString() || !doc.HasMember("bytes") || !doc["bytes"].IsUint64() ||
      !doc.HasMember("pieces") || !doc["pieces"].IsUint64()) {
    return Status::Corruption("pattern index description is malformed");
  }
  out->digits_sha256 = doc["digits_sha256"].GetString();
  out->bytes = doc["bytes"].GetUint64();
  out->pieces = doc["pieces"].GetUint64();
  if (out->pieces != (out->bytes + kMaxBlobBytes - 1) / kMaxBlobBytes) {
    return Status::Corruption("pattern index description: pieces does not match bytes");
  }
  return Status::OK();
}

Status CheckCell(SpiralCell cell) {
  if (IsValidSpiralCell(cell)) return Status::OK();
  return Status::InvalidArgument("spiral coordinates must be within ±" +
                                 std::to_string(kMaxSpiralRing));
}

SpiralDigit CellDigit(uint64_t position, char digit) {
  const SpiralCell cell = SpiralCellOf(position);
  return SpiralDigit{cell.x, cell.y, position, digit};
}

}  // namespace

Status PiStoreImpl::DigitAt(std::string_view id, int64_t x, int64_t y, SpiralDigit* out) {
  const SpiralCell cell{x, y};
  Status s = CheckCell(cell);
  if (!s.ok()) return s;
  SequenceRecord record;
  s = ReadRecord(id, &record);
  if (!s.ok()) return s;
  const uint64_t position = SpiralPositionOf(cell);
  if (position > record.info.precision) {
    return Status::NotFound("cell (" + std::to_string(x) + ", " + std::to_string(y) +
                            ") is position " + std::to_string(position) + ", beyond the " +
                            std::to_string(record.info.precision) + " digits of '" +
                            std::string(id) + "'");
  }
  std::string digit;
  s = ReadRecordDigits(record, position, 1, &digit);
  if (s.ok()) *out = CellDigit(position, digit[0]);
  return s;
}

Status PiStoreImpl::DigitsInDisc(std::string_view id, int64_t x, int64_t y, int64_t radius,
                                 std::vector<SpiralDigit>* out) {
  out->clear();
  if (radius < 0 || static_cast<double>(radius) * radius * M_PI > kMaxDiscCells) {
    return Status::InvalidArgument("radius must be 0.." +
                                   std::to_string(static_cast<int64_t>(
                                       std::sqrt(kMaxDiscCells / M_PI))));
  }
  Status s = CheckCell(SpiralCell{x, y});
  if (!s.ok()) return s;
  SequenceRecord record;
  s = ReadRecord(id, &record);
  if (!s.ok()) return s;
  std::vector<PositionInterval> intervals;
  s = SpiralDiscIntervals(SpiralCell{x, y}, radius, record.info.precision, &intervals);
  if (!s.ok()) return s;
  return ReadIntervals(record, intervals, out);
}

Status PiStoreImpl::DigitsInWindow(std::string_view id, int64_t x0, int64_t y0, int64_t x1,
                                   int64_t y1, std::vector<SpiralDigit>* out) {
  out->clear();
  Status s = CheckCell(SpiralCell{x0, y0});
  if (s.ok()) s = CheckCell(SpiralCell{x1, y1});
  if (!s.ok()) return s;
  if (x0 > x1 || y0 > y1) return Status::InvalidArgument("window needs x0 <= x1 and y0 <= y1");
  if (static_cast<double>(x1 - x0 + 1) * static_cast<double>(y1 - y0 + 1) > kMaxDiscCells) {
    return Status::InvalidArgument("window holds more than " + std::to_string(kMaxDiscCells) +
                                   " cells");
  }
  SequenceRecord record;
  s = ReadRecord(id, &record);
  if (!s.ok()) return s;
  std::vector<PositionInterval> intervals;
  s = SpiralWindowIntervals(SpiralWindow{x0, x1, y0, y1}, record.info.precision, &intervals);
  if (!s.ok()) return s;
  return ReadIntervals(record, intervals, out);
}

Status PiStoreImpl::ReadIntervals(const SequenceRecord& record,
                                  const std::vector<PositionInterval>& intervals,
                                  std::vector<SpiralDigit>* out) {
  std::string digits;
  for (const PositionInterval& interval : intervals) {
    Status s =
        ReadRecordDigits(record, interval.first, interval.last - interval.first + 1, &digits);
    if (!s.ok()) return s;
    for (uint64_t p = interval.first; p <= interval.last; ++p) {
      out->push_back(CellDigit(p, digits[p - interval.first]));
    }
  }
  return Status::OK();
}

Status PiStoreImpl::StoreIndex(const LoadedSequence& loaded) {
  const std::string& bytes = loaded.index.bytes();
  const uint64_t pieces = (bytes.size() + kMaxBlobBytes - 1) / kMaxBlobBytes;
  std::unique_ptr<Transaction> txn;
  Status s = db_->BeginTransaction(WriteOptions(), &txn);
  if (!s.ok()) return s;
  // The old description goes first, so no crash leaves it naming a mixture of
  // old and new pieces.
  s = DeletePatternIndex(txn.get(), loaded.id);
  if (!s.ok()) return s;
  for (uint64_t piece = 0; piece < pieces; ++piece) {
    if (piece > 0 && piece % kPiecesPerTransaction == 0) {
      s = txn->Commit();
      if (s.ok()) s = db_->BeginTransaction(WriteOptions(), &txn);
      if (!s.ok()) return s;
    }
    const std::string_view blob =
        std::string_view(bytes).substr(piece * kMaxBlobBytes, kMaxBlobBytes);
    s = txn->PutWithBlob(Component::kIndex, PatternPieceKey(loaded.id, piece), "{}", "{}", blob);
    if (!s.ok()) return s;
  }
  s = txn->Put(Component::kIndex, PatternIndexKey(loaded.id),
               "{\"digits_sha256\":\"" + loaded.digits_sha256 +
                   "\",\"bytes\":" + std::to_string(bytes.size()) +
                   ",\"pieces\":" + std::to_string(pieces) + "}");
  if (!s.ok()) return s;
  return txn->Commit();
}

std::shared_ptr<const LoadedSequence> PiStoreImpl::Loaded(std::string_view id,
                                                          const StorageRecord& stored) {
  std::lock_guard<std::mutex> lock(loaded_mu_);
  if (loaded_ != nullptr && loaded_->id == id && loaded_->description_checksum == stored.checksum) {
    return loaded_;
  }
  return nullptr;
}

Status PiStoreImpl::Load(std::string_view id, bool rebuild,
                         std::shared_ptr<const LoadedSequence>* out) {
  // Comparing the description's checksum, not decoding it, keeps a search of
  // the sequence in memory at a few microseconds.
  StorageRecord stored;
  Status s = GetDescription(id, &stored);
  if (!s.ok()) return s;
  if (!rebuild) {
    *out = Loaded(id, stored);
    if (*out != nullptr) return Status::OK();
  }
  SequenceRecord record;
  s = DecodeDescription(stored, id, &record);
  if (!s.ok()) return s;
  auto loaded = std::make_shared<LoadedSequence>();
  loaded->id = std::string(id);
  loaded->digits_sha256 = record.info.digits_sha256;
  loaded->description_checksum = stored.checksum;
  s = ReadRecordDigits(record, 1, record.info.precision, &loaded->digits);
  if (!s.ok()) return s;

  IndexDescription description;
  s = db_->Get(ReadOptions(), Component::kIndex, PatternIndexKey(id), &stored);
  if (s.ok()) s = DecodeIndexDescription(stored.data, &description);
  if (!s.ok() && !s.IsNotFound()) return s;
  const bool usable =
      !rebuild && s.ok() && description.digits_sha256 == record.info.digits_sha256;
  if (usable) {
    std::string bytes;
    bytes.reserve(description.bytes);
    for (uint64_t piece = 0; piece < description.pieces && s.ok(); ++piece) {
      s = db_->Get(ReadOptions(), Component::kIndex, PatternPieceKey(id, piece), &stored);
      if (s.IsNotFound()) {
        s = Status::Corruption("pattern index of '" + std::string(id) + "': piece " +
                               std::to_string(piece) + " is missing");
      }
      bytes.append(stored.blob);
    }
    if (s.ok() && bytes.size() != description.bytes) {
      s = Status::Corruption("pattern index of '" + std::string(id) + "' has " +
                             std::to_string(bytes.size()) + " bytes, its description says " +
                             std::to_string(description.bytes));
    }
    if (s.ok()) s = PatternIndex::Open(std::move(bytes), loaded->digits, &loaded->index);
    if (!s.ok()) return s;
  } else {
    s = PatternIndex::Build(loaded->digits, &loaded->index);
    if (s.ok()) s = StoreIndex(*loaded);
    // A read-only database (NotSupported) keeps a searched index in memory;
    // an explicit BuildPatternIndex must store it, so that fails. A Conflict
    // means another first search of the same sequence stored its index
    // meanwhile: built from the same digits, it is the same index, and this
    // search has its own copy in memory.
    if ((s.IsNotSupported() || s.IsConflict()) && !rebuild) s = Status::OK();
    if (!s.ok()) return s;
  }
  std::lock_guard<std::mutex> lock(loaded_mu_);
  loaded_ = loaded;
  *out = std::move(loaded);
  return Status::OK();
}

Status PiStoreImpl::BuildPatternIndex(std::string_view id) {
  std::shared_ptr<const LoadedSequence> loaded;
  return Load(id, /*rebuild=*/true, &loaded);
}

Status PiStoreImpl::FindPattern(std::string_view id, std::string_view pattern,
                                const PatternQuery& query, PatternResult* result) {
  Status s = ValidatePattern(pattern);
  if (!s.ok()) return s;
  if (query.max_mismatches < 0 || query.max_mismatches > kMaxMismatches) {
    return Status::InvalidArgument("max mismatches must be 0..3");
  }
  if (query.max_mismatches > 0 && pattern.size() > kMaxApproximatePatternDigits) {
    return Status::InvalidArgument("approximate search takes patterns of up to 32 digits");
  }
  std::shared_ptr<const LoadedSequence> loaded;
  s = Load(id, /*rebuild=*/false, &loaded);
  if (!s.ok()) return s;
  result->matches.clear();
  if (query.max_mismatches == 0) {
    std::vector<uint64_t> offsets;
    loaded->index.Locate(pattern, query.skip, query.limit, &offsets, &result->total);
    for (uint64_t offset : offsets) result->matches.push_back(PatternMatch{offset + 1, 0});
    return Status::OK();
  }
  std::vector<ApproximateMatch> matches;
  const uint64_t wanted = query.limit > UINT64_MAX - query.skip ? UINT64_MAX
                                                                 : query.skip + query.limit;
  s = FindApproximate(loaded->index, loaded->digits, pattern, query.max_mismatches, wanted,
                      &matches, &result->total);
  if (!s.ok()) return s;
  for (size_t i = query.skip; i < matches.size(); ++i) {
    result->matches.push_back(PatternMatch{matches[i].offset + 1, matches[i].mismatches});
  }
  return Status::OK();
}

Status PiStoreImpl::FindPatterns(std::string_view id, const std::vector<std::string>& patterns,
                                 uint64_t max_positions, std::vector<PatternResult>* results) {
  results->clear();
  if (patterns.empty()) return Status::InvalidArgument("no patterns given");
  MultiPatternMatcher matcher;
  Status s = MultiPatternMatcher::Build(patterns, &matcher);
  if (!s.ok()) return s;
  // The digits of the sequence searched last are in memory already.
  StorageRecord stored;
  s = GetDescription(id, &stored);
  if (!s.ok()) return s;
  std::shared_ptr<const LoadedSequence> loaded = Loaded(id, stored);
  std::string read;
  if (loaded == nullptr) {
    SequenceRecord record;
    s = DecodeDescription(stored, id, &record);
    if (s.ok()) s = ReadRecordDigits(record, 1, record.info.precision, &read);
    if (!s.ok()) return s;
  }
  MultiPatternOptions options;
  options.max_offsets = max_positions;
  std::vector<PatternOccurrences> found;
  s = matcher.Scan(loaded != nullptr ? std::string_view(loaded->digits) : read, options, &found);
  if (!s.ok()) return s;
  results->resize(found.size());
  for (size_t i = 0; i < found.size(); ++i) {
    PatternResult& r = (*results)[i];
    r.total = found[i].count;
    if (found[i].offsets.empty() && found[i].found()) {
      r.matches.push_back(PatternMatch{found[i].first + 1, 0});
    }
    for (uint64_t offset : found[i].offsets) r.matches.push_back(PatternMatch{offset + 1, 0});
  }
  return Status::OK();
}

}  // namespace spirapi::pi
