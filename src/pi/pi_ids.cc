// PiStore identifiers: runs of π digits at positions from a persisted counter.
//
// The counter record holds the first position not yet reserved. Positions
// are handed out from a block reserved by a durable write of the block's
// end, so after a crash the counter resumes past every position that could
// have been handed out. A store's first block is just what was asked for
// and each next one doubles, so a process making one id advances the
// counter by one, and one making many syncs a reservation only log(n) times. The digits come from a stored sequence (kIdSourceId)
// computed on first use and recomputed longer when the counter nears its end.

#include <algorithm>
#include <charconv>

#include "pi/pi_store_impl.h"
#include "pi/ulam_spiral.h"

namespace spirapi::pi {
namespace {

constexpr std::string_view kIdSourceId = "pi-ids";
constexpr std::string_view kCounterKey = "pi-ids/next-position";
constexpr uint64_t kMaxIdsPerCall = 10'000'000;
constexpr int kMinIdDigits = 4;
constexpr int kMaxIdDigits = 32;
constexpr uint64_t kMinSourceDigits = 1'000'000;
constexpr uint64_t kMaxReserveBlock = uint64_t{1} << 22;

Status ParseCounter(std::string_view json, uint64_t* next) {
  constexpr std::string_view kField = "{\"next_position\":";
  if (!json.starts_with(kField) || !json.ends_with("}")) {
    return Status::Corruption("identifier counter record is malformed: " + std::string(json));
  }
  const char* begin = json.data() + kField.size();
  const char* end = json.data() + json.size() - 1;
  auto [ptr, ec] = std::from_chars(begin, end, *next);
  if (ec != std::errc() || ptr != end || *next == 0) {
    return Status::Corruption("identifier counter record is malformed: " + std::string(json));
  }
  return Status::OK();
}

}  // namespace

Status PiStoreImpl::IdSourceDigitsNeeded(Transaction* txn, uint64_t* digits) {
  StorageRecord counter;
  Status s = txn != nullptr ? txn->Get(Component::kMetadata, kCounterKey, &counter)
                            : db_->Get(ReadOptions(), Component::kMetadata, kCounterKey, &counter);
  *digits = 0;
  if (s.IsNotFound()) return Status::OK();
  uint64_t next_position = 1;
  if (s.ok()) s = ParseCounter(counter.data, &next_position);
  if (!s.ok()) return s;
  // An id at the last reserved position may run kMaxIdDigits digits on.
  if (next_position > 1) *digits = next_position - 1 + kMaxIdDigits - 1;
  if (txn == nullptr) return Status::OK();
  // Written back unchanged so that a reservation committed meanwhile (not
  // in txn's snapshot) makes txn conflict instead of going unseen.
  return txn->Put(Component::kMetadata, kCounterKey, counter.data);
}

Status PiStoreImpl::CheckIdSourceLength(Transaction* txn, std::string_view id,
                                        uint64_t digits) {
  if (id != kIdSourceId) return Status::OK();
  uint64_t needed = 0;
  Status s = IdSourceDigitsNeeded(txn, &needed);
  if (!s.ok() || digits >= needed) return s;
  return Status::InvalidArgument(
      "sequence '" + std::string(kIdSourceId) + "' is the source of π identifiers, handed " +
      "out up to position " + std::to_string(needed - kMaxIdDigits + 1) +
      ": it must keep at least " + std::to_string(needed) + " digits, not " +
      std::to_string(digits));
}

Status PiStoreImpl::EnsureIdSource(uint64_t last) {
  std::lock_guard<std::mutex> lock(source_mu_);
  // Another PiStore storing the source at the same time makes ours conflict;
  // then its sequence is read back instead.
  Status s;
  for (int attempt = 0; attempt < 3; ++attempt) {
    s = EnsureIdSourceLocked(last);
    if (!s.IsConflict()) break;
  }
  return s;
}

Status PiStoreImpl::EnsureIdSourceLocked(uint64_t last) {
  if (last <= source_precision_) return Status::OK();
  SequenceInfo info;
  Status s = RetrieveSequence(kIdSourceId, &info);
  if (s.ok() && info.algorithm == "chudnovsky" && info.verified && info.precision >= last) {
    source_precision_ = info.precision;
    return Status::OK();
  }
  if (!s.ok() && !s.IsNotFound()) return s;
  if (last > kMaxSequenceDigits) {
    return Status::NotSupported("identifier positions are exhausted");
  }
  // Never shorter than what the counter says was reserved (another store
  // may have reserved beyond `last`): StoreSequence would refuse it.
  uint64_t needed = 0;
  s = IdSourceDigitsNeeded(nullptr, &needed);
  if (!s.ok()) return s;
  ComputeOptions options;
  options.id = std::string(kIdSourceId);
  options.digits = std::min(kMaxSequenceDigits, std::max({kMinSourceDigits, 2 * last, needed}));
  s = ComputeSequence(options, &info);
  if (!s.ok()) return s;
  source_precision_ = info.precision;
  return Status::OK();
}

Status PiStoreImpl::IdDigits(uint64_t first, uint64_t span, std::string* out) {
  const auto covers = [&](const IdWindow* w) {
    return w != nullptr && w->first <= first && first + span <= w->first + w->digits.size();
  };
  {
    std::lock_guard<std::mutex> lock(source_mu_);
    if (covers(id_window_.get())) {
      out->assign(id_window_->digits, first - id_window_->first, span);
      return Status::OK();
    }
  }
  auto window = std::make_shared<IdWindow>();
  window->first = first;
  Status s;
  for (int attempt = 0; attempt < 2; ++attempt) {
    s = EnsureIdSource(first + span - 1);
    if (!s.ok()) return s;
    uint64_t precision;
    {
      std::lock_guard<std::mutex> lock(source_mu_);
      precision = source_precision_;
    }
    // Positions are handed out in order, so the digits ahead are next.
    const uint64_t length = std::min(precision - first + 1, std::max(span, kSequenceChunkDigits));
    s = ReadDigits(kIdSourceId, first, length, &window->digits);
    if (!s.IsNotFound()) break;
    std::lock_guard<std::mutex> lock(source_mu_);  // deleted since: compute it again
    source_precision_ = 0;
  }
  if (!s.ok()) return s;
  out->assign(window->digits, 0, span);
  std::lock_guard<std::mutex> lock(source_mu_);
  id_window_ = std::move(window);
  return Status::OK();
}

Status PiStoreImpl::ReserveIdPositions(uint64_t count) {
  // A read-modify-write in a transaction: another PiStore on the same
  // database (or process, before a crash) may have reserved past our block;
  // then ours starts at its end. Two reserving at once conflict, and the
  // loser reads again.
  for (int attempt = 0;; ++attempt) {
    std::unique_ptr<Transaction> txn;
    WriteOptions durable;
    durable.sync = true;
    Status s = db_->BeginTransaction(durable, &txn);
    if (!s.ok()) return s;
    StorageRecord counter;
    uint64_t stored = 1;
    s = txn->Get(Component::kMetadata, kCounterKey, &counter);
    if (s.ok()) s = ParseCounter(counter.data, &stored);
    if (!s.ok() && !s.IsNotFound()) return s;
    const uint64_t start = std::max(next_position_, stored);
    const uint64_t end = start + std::max(count, reserve_block_);
    s = txn->Put(Component::kMetadata, kCounterKey,
                 "{\"next_position\":" + std::to_string(end) + "}");
    if (s.ok()) s = txn->Commit();
    if (s.IsConflict() && attempt < 100) continue;
    if (!s.ok()) return s;
    next_position_ = start;
    reserved_end_ = end;
    reserve_block_ = std::min(2 * reserve_block_, kMaxReserveBlock);
    return Status::OK();
  }
}

Status PiStoreImpl::NewIds(uint64_t count, int digits_per_id, std::vector<std::string>* ids) {
  if (count == 0 || count > kMaxIdsPerCall) {
    return Status::InvalidArgument("count must be 1.." + std::to_string(kMaxIdsPerCall));
  }
  if (digits_per_id < kMinIdDigits || digits_per_id > kMaxIdDigits) {
    return Status::InvalidArgument("digits per id must be " + std::to_string(kMinIdDigits) +
                                   ".." + std::to_string(kMaxIdDigits));
  }
  uint64_t first = 0;
  {
    std::lock_guard<std::mutex> lock(ids_mu_);
    if (next_position_ + count > reserved_end_) {
      Status s = ReserveIdPositions(count);
      if (!s.ok()) return s;
    }
    first = next_position_;
    next_position_ += count;
  }
  // The positions are ours now; if what follows fails they are skipped.
  std::string digits;
  Status s = IdDigits(first, count + digits_per_id - 1, &digits);
  if (!s.ok()) return s;
  ids->reserve(ids->size() + count);
  char position[24];
  for (uint64_t i = 0; i < count; ++i) {
    auto [end, ec] = std::to_chars(position, position + sizeof(position), first + i);
    std::string& id = ids->emplace_back();
    id.reserve(digits_per_id + 1 + (end - position));
    id.append(digits, i, digits_per_id);
    id.push_back('-');
    id.append(position, end);
  }
  return Status::OK();
}

Status PiStoreImpl::ResolveId(std::string_view id, PiIdInfo* info) {
  const size_t dash = id.find('-');
  const auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("'" + std::string(id) + "' is not a π identifier: " + why);
  };
  if (dash == std::string_view::npos) return bad("no '-'");
  const std::string_view digits = id.substr(0, dash);
  const std::string_view number = id.substr(dash + 1);
  if (digits.size() < kMinIdDigits || digits.size() > kMaxIdDigits ||
      digits.find_first_not_of("0123456789") != std::string_view::npos) {
    return bad("it must start with 4..32 digits");
  }
  uint64_t position = 0;
  auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), position);
  if (number.empty() || number[0] == '0' || ec != std::errc() ||
      ptr != number.data() + number.size()) {
    return bad("no position after '-'");
  }
  StorageRecord counter;
  uint64_t next_position = 1;
  Status s = db_->Get(ReadOptions(), Component::kMetadata, kCounterKey, &counter);
  if (s.ok()) s = ParseCounter(counter.data, &next_position);
  if (!s.ok() && !s.IsNotFound()) return s;
  if (position >= next_position) {
    return bad("position " + std::to_string(position) + " was never handed out");
  }
  std::string expected;
  s = ReadDigits(kIdSourceId, position, digits.size(), &expected);
  if (s.IsNotFound()) return bad("the identifier source sequence was deleted");
  if (!s.ok()) return s;
  if (expected != digits) {
    return bad("π has " + expected + " at position " + std::to_string(position));
  }
  const SpiralCell cell = SpiralCellOf(position);
  info->position = position;
  info->x = cell.x;
  info->y = cell.y;
  return Status::OK();
}

}  // namespace spirapi::pi
