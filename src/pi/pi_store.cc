// PiStore: storing, describing, listing and reading π sequences.

#include <chrono>
#include <cmath>

#include "pi/chudnovsky.h"
#include "pi/digit_analysis.h"
#include "pi/digit_pack.h"
#include "pi/pi_store_impl.h"
#include "util/hash.h"

namespace spirapi {

Status PiStore::Open(DB* db, std::unique_ptr<PiStore>* store) {
  if (db == nullptr) return Status::InvalidArgument("PiStore::Open: db is null");
  store->reset(new pi::PiStoreImpl(db));
  return Status::OK();
}

namespace pi {
namespace {

// One transaction holds at most this many bytes of chunks (the engine's
// limit per transaction is 256 MiB).
constexpr uint64_t kChunkBytesPerTransaction = 64u << 20;

// The k-grams analysed for mathematical_properties: k <= 5 costs ~0.1 s per
// 10^7 digits and 10^5 counters.
constexpr int kAnalysedKgramLength = 5;

Status Describe(std::string_view digits, SequenceInfo* info) {
  DigitDistribution distribution;
  Status s = AnalyzeDigitDistribution(digits, &distribution);
  if (!s.ok()) return s;
  PatternOptions options;
  options.max_kgram_length = kAnalysedKgramLength;
  PatternAnalysis patterns;
  s = AnalyzePatterns(digits, options, &patterns);
  if (!s.ok()) return s;
  UniquenessScore score;
  s = ComputeUniquenessScore(digits, 1, &score);
  if (!s.ok()) return s;
  info->sequence = SequencePreview(digits);
  info->precision = digits.size();
  info->uniqueness_score = score.score;
  info->mathematical_properties = MathematicalPropertiesJson(distribution, patterns);
  const Sha256Digest digest = Sha256Of(digits);
  info->digits_sha256 = ToHex(digest.data(), digest.size());
  info->chunks = (digits.size() + kSequenceChunkDigits - 1) / kSequenceChunkDigits;
  return Status::OK();
}

bool Matches(const SequenceQuery& q, const SequenceInfo& info) {
  return (q.algorithm.empty() || q.algorithm == info.algorithm) &&
         info.precision >= q.min_precision && info.precision <= q.max_precision &&
         info.computation_time >= q.min_computation_time &&
         info.computation_time <= q.max_computation_time &&
         info.uniqueness_score >= q.min_uniqueness && info.uniqueness_score <= q.max_uniqueness &&
         info.stored_at >= q.stored_after && info.stored_at <= q.stored_before;
}

}  // namespace

Status PiStoreImpl::ComputeSequence(const ComputeOptions& options, SequenceInfo* info) {
  if (options.digits == 0 || options.digits > kMaxSequenceDigits) {
    return Status::InvalidArgument("digits must be 1.." + std::to_string(kMaxSequenceDigits));
  }
  const std::string id = options.id.empty() ? "pi-" + std::to_string(options.digits) : options.id;
  Status s = ValidateSequenceId(id);
  if (s.ok()) s = CheckIdSourceLength(nullptr, id, options.digits);  // before the work
  if (!s.ok()) return s;
  PiOptions pi_options;
  pi_options.threads = options.threads;
  pi_options.verify = options.verify;
  if (options.progress) {
    pi_options.progress = [&](double f) { return options.progress(0.9 * f); };
  }
  const auto start = std::chrono::steady_clock::now();
  std::string digits;
  s = ComputePiDigits(options.digits, pi_options, &digits);
  if (!s.ok()) return s;
  StoreOptions store;
  store.algorithm = "chudnovsky";
  store.computation_time =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  store.verified = options.verify;
  s = StoreSequence(id, digits, store, info);
  if (s.ok() && options.progress) options.progress(1.0);
  return s;
}

Status PiStoreImpl::StoreSequence(std::string_view id, std::string_view digits,
                                  const StoreOptions& options, SequenceInfo* info) {
  Status s = ValidateSequenceId(id);
  if (!s.ok()) return s;
  if (digits.starts_with("3.")) digits.remove_prefix(2);
  if (digits.empty() || digits.size() > kMaxSequenceDigits) {
    return Status::InvalidArgument("a sequence holds 1.." + std::to_string(kMaxSequenceDigits) +
                                   " digits after \"3.\"");
  }
  s = ValidateDecimalDigits(digits);
  if (s.ok()) s = CheckIdSourceLength(nullptr, id, digits.size());
  if (!s.ok()) return s;
  // JSON has no NaN or infinity: the description could not be stored.
  if (!std::isfinite(options.computation_time) || options.computation_time < 0) {
    return Status::InvalidArgument("computation_time must be a finite number of seconds >= 0");
  }

  SequenceRecord record;
  record.info.id = std::string(id);
  record.info.algorithm = options.algorithm;
  record.info.computation_time = options.computation_time;
  record.info.verified = options.verified;
  s = Describe(digits, &record.info);
  if (!s.ok()) return s;

  SequenceRecord old;
  s = ReadRecord(id, &old);
  const bool replacing = s.ok();
  if (!s.ok() && !s.IsNotFound()) return s;
  record.generation = replacing ? old.generation + 1 : 1;

  WriteOptions wo;
  std::unique_ptr<Transaction> txn;
  uint64_t txn_bytes = 0;
  std::string packed;
  for (uint64_t c = 0; c < record.info.chunks; ++c) {
    if (txn == nullptr) {
      s = db_->BeginTransaction(wo, &txn);
      if (!s.ok()) return s;
      txn_bytes = 0;
    }
    const uint64_t begin = c * kSequenceChunkDigits;
    const std::string_view chunk = digits.substr(begin, kSequenceChunkDigits);
    s = PackDigits(chunk, &packed);
    if (!s.ok()) return s;
    const std::string data = "{\"sequence_id\":\"" + std::string(id) +
                             "\",\"first_position\":" + std::to_string(begin + 1) +
                             ",\"digits\":" + std::to_string(chunk.size()) + "}";
    s = txn->PutWithBlob(Component::kSequence, ChunkKey(id, record.generation, c), data, "{}",
                         packed);
    if (!s.ok()) return s;
    txn_bytes += packed.size();
    if (txn_bytes >= kChunkBytesPerTransaction && c + 1 < record.info.chunks) {
      s = txn->Commit();
      if (!s.ok()) return s;
      txn.reset();
    }
  }
  // Chunks of this generation left by an attempt that crashed before its
  // description was written, beyond the ones just written.
  for (uint64_t c = record.info.chunks;; ++c) {
    bool exists = false;
    s = txn->Exists(Component::kSequence, ChunkKey(id, record.generation, c), &exists);
    if (!s.ok()) return s;
    if (!exists) break;
    s = txn->Delete(Component::kSequence, ChunkKey(id, record.generation, c));
    if (!s.ok()) return s;
  }
  if (replacing) {
    for (uint64_t c = 0; c < old.info.chunks; ++c) {
      s = txn->Delete(Component::kSequence, ChunkKey(id, old.generation, c));
      if (!s.ok() && !s.IsNotFound()) return s;
    }
  }
  s = DeletePatternIndex(txn.get(), id);
  if (!s.ok()) return s;
  // Checked again where it is stored: ids reserved since the check above
  // must not be cut off.
  s = CheckIdSourceLength(txn.get(), id, digits.size());
  if (!s.ok()) return s;
  s = txn->Put(Component::kSequence, SequenceKey(id), EncodeSequenceRecord(record));
  if (!s.ok()) return s;
  s = txn->Commit();
  if (!s.ok()) return s;
  return RetrieveSequence(id, info);
}

Status PiStoreImpl::GetDescription(std::string_view id, StorageRecord* stored) {
  Status s = ValidateSequenceId(id);
  if (!s.ok()) return s;
  s = db_->Get(ReadOptions(), Component::kSequence, SequenceKey(id), stored);
  if (s.IsNotFound()) return Status::NotFound("no sequence '" + std::string(id) + "'");
  return s;
}

Status PiStoreImpl::DecodeDescription(const StorageRecord& stored, std::string_view id,
                                      SequenceRecord* record) {
  Status s = DecodeSequenceRecord(stored.data, record);
  if (!s.ok()) return Status::Corruption("sequence '" + std::string(id) + "': " + s.message());
  record->info.id = std::string(id);
  record->info.stored_at = stored.timestamp;
  return Status::OK();
}

Status PiStoreImpl::ReadRecord(std::string_view id, SequenceRecord* record) {
  StorageRecord stored;
  Status s = GetDescription(id, &stored);
  return s.ok() ? DecodeDescription(stored, id, record) : s;
}

Status PiStoreImpl::RetrieveSequence(std::string_view id, SequenceInfo* info) {
  SequenceRecord record;
  Status s = ReadRecord(id, &record);
  if (s.ok()) *info = std::move(record.info);
  return s;
}

Status PiStoreImpl::SearchSequences(const SequenceQuery& query, std::vector<SequenceInfo>* out) {
  out->clear();
  ScanOptions so;
  so.prefix = std::string(kSequencePrefix);
  if (query.on_damaged) {
    so.on_damaged = [&](std::string_view id, const Status& damage) {
      return query.on_damaged(id.substr(kSequencePrefix.size()), damage);
    };
  }
  Status decode_error;
  Status s = db_->Scan(ReadOptions(), Component::kSequence, so, [&](const StorageRecord& r) {
    SequenceRecord record;
    decode_error = DecodeSequenceRecord(r.data, &record);
    if (!decode_error.ok()) {
      decode_error = Status::Corruption("record " + r.id + ": " + decode_error.message());
      if (!query.on_damaged) return false;
      const bool go_on = query.on_damaged(r.id.substr(kSequencePrefix.size()), decode_error);
      decode_error = Status::OK();
      return go_on;
    }
    record.info.id = r.id.substr(kSequencePrefix.size());
    record.info.stored_at = r.timestamp;
    if (Matches(query, record.info)) out->push_back(std::move(record.info));
    return query.limit == 0 || out->size() < query.limit;
  });
  return s.ok() ? decode_error : s;
}

Status PiStoreImpl::ReadDigits(std::string_view id, uint64_t first, uint64_t count,
                               std::string* digits) {
  SequenceRecord record;
  Status s = ReadRecord(id, &record);
  if (!s.ok()) return s;
  return ReadRecordDigits(record, first, count, digits);
}

Status PiStoreImpl::ReadRecordDigits(const SequenceRecord& record, uint64_t first, uint64_t count,
                                     std::string* digits) {
  const uint64_t precision = record.info.precision;
  if (count == 0 || first == 0 || first > precision || count > precision - first + 1) {
    return Status::InvalidArgument("positions " + std::to_string(first) + ".." +
                                   std::to_string(first + count - 1) + " are not within 1.." +
                                   std::to_string(precision) + " of sequence '" +
                                   record.info.id + "'");
  }
  digits->clear();
  digits->reserve(count);
  std::string part;
  uint64_t offset = first - 1;  // 0-based
  const uint64_t end = offset + count;
  while (offset < end) {
    const uint64_t c = offset / record.chunk_digits;
    const uint64_t chunk_begin = c * record.chunk_digits;
    const uint64_t chunk_len = std::min(record.chunk_digits, precision - chunk_begin);
    const uint64_t take_end = std::min(end, chunk_begin + chunk_len);
    StorageRecord chunk;
    const std::string key = ChunkKey(record.info.id, record.generation, c);
    Status s = db_->Get(ReadOptions(), Component::kSequence, key, &chunk);
    if (s.IsNotFound()) {
      return Status::Corruption("sequence '" + record.info.id + "': chunk record " + key +
                                " is missing");
    }
    if (!s.ok()) return s;
    s = UnpackDigitRange(chunk.blob, chunk_len, offset - chunk_begin, take_end - chunk_begin,
                         &part);
    if (!s.ok()) return Status::Corruption("chunk record " + key + ": " + s.message());
    digits->append(part);
    offset = take_end;
  }
  return Status::OK();
}

Status PiStoreImpl::DeletePatternIndex(Transaction* txn, std::string_view id) {
  StorageRecord index;
  Status s = txn->Get(Component::kIndex, PatternIndexKey(id), &index);
  if (s.IsNotFound()) return Status::OK();
  if (!s.ok()) return s;
  for (uint64_t piece = 0;; ++piece) {
    s = txn->Delete(Component::kIndex, PatternPieceKey(id, piece));
    if (s.IsNotFound()) break;
    if (!s.ok()) return s;
  }
  return txn->Delete(Component::kIndex, PatternIndexKey(id));
}

Status PiStoreImpl::DeleteSequence(std::string_view id) {
  SequenceRecord record;
  Status s = ReadRecord(id, &record);
  if (!s.ok()) return s;
  std::unique_ptr<Transaction> txn;
  s = db_->BeginTransaction(WriteOptions(), &txn);
  if (!s.ok()) return s;
  for (uint64_t c = 0; c < record.info.chunks; ++c) {
    s = txn->Delete(Component::kSequence, ChunkKey(id, record.generation, c));
    if (!s.ok() && !s.IsNotFound()) return s;
  }
  s = DeletePatternIndex(txn.get(), id);
  if (!s.ok()) return s;
  s = txn->Delete(Component::kSequence, SequenceKey(id));
  if (!s.ok()) return s;
  s = txn->Commit();
  if (s.ok()) {
    std::lock_guard<std::mutex> lock(loaded_mu_);
    if (loaded_ != nullptr && loaded_->id == id) loaded_.reset();
  }
  return s;
}

}  // namespace pi
}  // namespace spirapi
