#include "stress/expected_state.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include "spirapi/file_system.h"
#include "util/coding.h"
#include "util/hash.h"

namespace spirapi::stress {
namespace {

enum RecordType : uint8_t {
  kHeader = 1,
  kSession = 2,
  kIntent = 3,
  kAck = 4,
  kResolved = 6,  // 5 is unused
  kVerified = 7,
};

constexpr size_t kFrameHeader = 8;  // length, CRC

// splitmix64: a cheap, well-mixed stream for padding and blobs.
uint64_t Mix(uint64_t* x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// The payload of a record: its type, then a fixed64 (a key-space size, a
// session or a transaction number).
std::string Payload(uint8_t type, uint64_t n) {
  std::string p(1, static_cast<char>(type));
  PutFixed64(&p, n);
  return p;
}

uint64_t ContentSeed(uint64_t txn, Component c, uint32_t key) {
  return txn * 1000003u + static_cast<uint64_t>(c) * 7919u + key;
}

}  // namespace

KeyValue KeyValue::After(uint64_t txn, const StressOp& op) {
  KeyValue v;
  if (op.is_delete) return v;
  v.exists = true;
  v.txn = txn;
  v.data_pad = op.data_pad;
  v.blob_bytes = op.blob_bytes;
  return v;
}

std::string KeyValue::ToString() const {
  if (!exists) return "absent";
  return "txn " + std::to_string(txn >> 32) + "." + std::to_string(txn & 0xffffffffu) +
         " (pad " + std::to_string(data_pad) + ", blob " + std::to_string(blob_bytes) + ")";
}

std::string KeyId(uint32_t key) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "k%05u", key);
  return buf;
}

std::string ExpectedData(uint64_t txn, Component c, uint32_t key, uint32_t pad) {
  std::string out = "{\"txn\":" + std::to_string(txn) + ",\"c\":\"" + ComponentName(c) +
                    "\",\"k\":" + std::to_string(key) + ",\"pad\":\"";
  // Letters from a short alphabet: compressible, like real data, but not
  // constant, so that a block from the wrong transaction cannot match.
  uint64_t x = ContentSeed(txn, c, key);
  uint64_t bits = 0;
  for (uint32_t i = 0; i < pad; ++i) {
    if (i % 16 == 0) bits = Mix(&x);
    out.push_back(static_cast<char>('a' + (bits & 7)));
    bits >>= 4;
  }
  out += "\"}";
  return out;
}

std::string ExpectedMetadata(uint64_t txn) { return "{\"txn\":" + std::to_string(txn) + "}"; }

std::string ExpectedBlob(uint64_t txn, Component c, uint32_t key, uint32_t n) {
  std::string out(n, '\0');
  uint64_t x = ~ContentSeed(txn, c, key);
  for (uint32_t i = 0; i < n; i += 8) {
    uint64_t v = Mix(&x);
    std::memcpy(out.data() + i, &v, std::min<uint32_t>(8, n - i));
  }
  return out;
}

// ---------------------------------------------------------------------------
// ExpectedLog

Status ExpectedLog::Open(const std::string& path, uint64_t valid_end) {
  FileSystem* fs = FileSystem::Default();
  // A record torn by a kill is dropped by Load; cut it off so that the next
  // record does not follow garbage.
  if (fs->FileExists(path)) {
    Status s = fs->TruncateFile(path, valid_end);
    if (!s.ok()) return s;
  }
  return fs->NewAppendableFile(path, &file_);
}

Status ExpectedLog::Append(const std::string& payload, bool sync) {
  std::string frame;
  PutFixed32(&frame, static_cast<uint32_t>(payload.size()));
  PutFixed32(&frame, Crc32(payload));
  frame += payload;
  std::lock_guard<std::mutex> l(mu_);
  // One write(2) per record, so that records of different threads do not
  // interleave; the page cache keeps it when the process is killed.
  Status s = file_->Append(frame);
  if (s.ok() && sync) s = file_->Sync();
  return s;
}

Status ExpectedLog::Sync() {
  std::lock_guard<std::mutex> l(mu_);
  return file_->Sync();
}

Status ExpectedLog::AppendHeader(uint32_t keys) { return Append(Payload(kHeader, keys), true); }

Status ExpectedLog::AppendSession(uint64_t session) {
  return Append(Payload(kSession, session), true);
}

Status ExpectedLog::AppendIntent(uint64_t txn, const std::vector<StressOp>& ops) {
  std::string p = Payload(kIntent, txn);
  PutVarint64(&p, ops.size());
  for (const StressOp& op : ops) {
    p.push_back(static_cast<char>(op.component));
    p.push_back(op.is_delete ? 1 : 0);
    PutFixed32(&p, op.key);
    PutFixed32(&p, op.data_pad);
    PutFixed32(&p, op.blob_bytes);
  }
  // Durable before Commit is called: whatever the database holds afterwards,
  // the log knows which transaction may have written it.
  return Append(p, true);
}

Status ExpectedLog::AppendAck(uint64_t txn, bool synced) {
  // Not synced: a kill -9 keeps it (page cache). Were it lost (power loss),
  // the transaction would only count as in flight, which stays sound.
  std::string p = Payload(kAck, txn);
  p.push_back(synced ? 1 : 0);
  return Append(p, false);
}

Status ExpectedLog::AppendResolved(uint64_t txn, bool applied) {
  std::string p = Payload(kResolved, txn);
  p.push_back(applied ? 1 : 0);
  return Append(p, false);
}

Status ExpectedLog::AppendVerified() { return Append(Payload(kVerified, 0), true); }

// ---------------------------------------------------------------------------
// ExpectedState

void ExpectedState::Apply(uint64_t txn, const std::vector<StressOp>& ops) {
  for (const StressOp& op : ops) at(op.component, op.key) = KeyValue::After(txn, op);
}

void ExpectedState::ResolvePending(const std::vector<bool>& applied) {
  for (size_t i = 0; i < pending_.size() && i < applied.size(); ++i) {
    if (applied[i]) Apply(pending_[i].txn, pending_[i].ops);
  }
  pending_.clear();
  pending_index_.clear();
}

void ExpectedState::CloseBlock() {
  std::vector<bool> applied;
  for (const PendingTxn& t : pending_) applied.push_back(t.resolved.value_or(t.acked));
  ResolvePending(applied);
}

Status ExpectedState::Load(const std::string& path, uint32_t keys) {
  keys_ = keys;
  values_.assign(static_cast<size_t>(kNumComponents) * keys, KeyValue());
  pending_.clear();
  pending_index_.clear();
  records_ = 0;
  sessions_ = acked_ = resolved_applied_ = resolved_not_applied_ = 0;
  has_header_ = false;
  valid_end_ = 0;

  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::OK();  // no log yet
  std::string contents((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Status::IOError("reading " + path);

  size_t pos = 0;
  while (pos < contents.size()) {
    const size_t left = contents.size() - pos;
    bool intact = left >= kFrameHeader;
    uint32_t length = 0;
    if (intact) {
      length = DecodeFixed32(contents.data() + pos);
      intact = length <= left - kFrameHeader &&
               Crc32(std::string_view(contents).substr(pos + kFrameHeader, length)) ==
                   DecodeFixed32(contents.data() + pos + 4);
    }
    if (!intact) {
      // Only a record cut short by a kill may be bad, and only the last one
      // (a kill cannot reach past the end of the file).
      if (left >= kFrameHeader && length <= left - kFrameHeader &&
          pos + kFrameHeader + length < contents.size()) {
        return Status::Corruption("expected-state log " + path + " is damaged at offset " +
                                  std::to_string(pos));
      }
      break;
    }
    Status s = ApplyRecord(std::string_view(contents).substr(pos + kFrameHeader, length));
    ++records_;
    if (s.IsInvalidArgument()) return s;  // a log for another key space
    if (!s.ok()) {
      return Status::Corruption("expected-state log " + path + " at offset " +
                                std::to_string(pos) + ": " + s.message());
    }
    pos += kFrameHeader + length;
    valid_end_ = pos;
  }
  return Status::OK();
}

Status ExpectedState::ApplyRecord(std::string_view payload) {
  Decoder d(payload);
  uint8_t type = 0;
  uint64_t txn = 0;
  if (!d.GetByte(&type)) return Status::Corruption("empty record");
  if (type == kHeader) {
    uint64_t keys = 0;
    if (!d.GetFixed64(&keys)) return Status::Corruption("short header");
    if (keys != keys_) {
      return Status::InvalidArgument("the database was stressed with --keys " +
                                     std::to_string(keys) + ", not " + std::to_string(keys_));
    }
    has_header_ = true;
    return Status::OK();
  }
  if (!has_header_) return Status::Corruption("no header");
  if (type == kSession) {
    // Every writer starts from an exact state: the verifier runs first.
    if (!pending_.empty()) return Status::Corruption("a session began before the last was verified");
    ++sessions_;
    return Status::OK();
  }
  if (type == kVerified) {
    CloseBlock();
    return Status::OK();
  }
  if (!d.GetFixed64(&txn)) return Status::Corruption("short record");
  if (type == kIntent) {
    uint64_t n = 0;
    if (!d.GetVarint64(&n) || n > 64) return Status::Corruption("bad intent");
    PendingTxn t;
    t.txn = txn;
    t.intent_record = records_;
    t.ops.resize(n);
    for (StressOp& op : t.ops) {
      uint8_t c = 0, del = 0;
      if (!d.GetByte(&c) || !d.GetByte(&del) || !d.GetFixed32(&op.key) ||
          !d.GetFixed32(&op.data_pad) || !d.GetFixed32(&op.blob_bytes) || c >= kNumComponents ||
          op.key >= keys_) {
        return Status::Corruption("bad intent");
      }
      op.component = static_cast<Component>(c);
      op.is_delete = del != 0;
    }
    if (!pending_index_.emplace(txn, pending_.size()).second) {
      return Status::Corruption("a transaction number logged twice");
    }
    pending_.push_back(std::move(t));
    return Status::OK();
  }
  if (type != kAck && type != kResolved) {
    return Status::Corruption("unknown record type " + std::to_string(type));
  }
  auto it = pending_index_.find(txn);
  if (it == pending_index_.end()) return Status::Corruption("outcome of an unknown transaction");
  PendingTxn& t = pending_[it->second];
  uint8_t flag = 0;
  if (!d.GetByte(&flag)) return Status::Corruption("short record");
  if (type == kAck) {
    if (t.acked) return Status::Corruption("a transaction acknowledged twice");
    t.acked = true;
    t.synced = flag != 0;
    t.ack_record = records_;
    ++acked_;
  } else {
    t.resolved = flag != 0;
    ++(flag != 0 ? resolved_applied_ : resolved_not_applied_);
  }
  return Status::OK();
}

}  // namespace spirapi::stress
