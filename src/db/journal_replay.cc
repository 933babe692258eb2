#include "db/journal_replay.h"

#include <algorithm>
#include <utility>

#include "codec/record_codec.h"
#include "util/coding.h"

namespace spirapi {

void JournalReplay::Clear() {
  number = 0;
  status = Status::OK();
  plain.clear();
  versions.clear();
  damage.clear();
  last_seq = 0;
  records_checked = 0;
  ends_with_close = false;
  tail_offset = 0;
  tail_length = 0;
}

namespace {

constexpr uint64_t kNone = ~uint64_t{0};

class JournalScanner {
 public:
  JournalScanner(const Cipher* cipher, const JournalScanOptions& options, JournalReplay* out)
      : cipher_(cipher), options_(options), out_(out), file_(out->contents) {}

  void Run() {
    uint64_t pos = 0;
    while (pos < file_.size()) {
      FrameHeader h;
      uint64_t end;
      if (GoodFrameAt(file_, pos, &h, &records_, &end)) {
        out_->ends_with_close = h.format == 3 && h.kind == FrameKind::kClose;
        const bool full = options_.check_every_checksum;
        for (const JournalRecord& jr : records_) AddChecked(h.seq, jr, nullptr, full, false);
        Committed(h.seq);
        pos = end;
        continue;
      }
      out_->ends_with_close = false;
      // Bytes that do not check. A frame that checks after them proves them
      // durable; without one they are the tail, where only a later header's
      // durable_end (or the journal being sealed) proves anything.
      const uint64_t next = NextGoodFrame(pos + 1);
      const uint64_t region_end = next == kNone ? file_.size() : next;
      const uint64_t durable =
          next != kNone || !options_.is_last ? region_end : DurableLimit(pos);
      while (pos < region_end) {
        uint64_t sub_end;
        if (!Salvage(pos, region_end, durable, &sub_end)) {
          out_->tail_offset = pos;
          out_->tail_length = file_.size() - pos;
          return;
        }
        pos = sub_end;
      }
    }
    out_->tail_offset = file_.size();
  }

 private:
  void Committed(uint64_t seq) {
    out_->last_seq = std::max(out_->last_seq, seq);
    prev_seq_ = std::max(prev_seq_, seq);
  }

  // The decrypted bytes of a record, or false if they do not open.
  bool Open(std::string_view bytes, std::string_view* plain) {
    if (cipher_ == nullptr) {
      *plain = bytes;
      return true;
    }
    out_->plain.emplace_back();
    if (!cipher_->Open(bytes, &out_->plain.back()).ok()) return false;
    *plain = out_->plain.back();
    return true;
  }

  // Adds a record of a frame of transaction `seq` (kNone: unknown) as a
  // version: intact, or damaged under the id its directory entry or its own
  // bytes give. `check` verifies its SHA-256. Returns whether it is intact.
  bool AddChecked(uint64_t seq, const JournalRecord& jr,
                  const std::pair<Component, std::string>* entry, bool check, bool partial) {
    ++out_->records_checked;
    std::string_view bytes;
    RecordView r;
    const bool opened = Open(jr.bytes, &bytes);
    const bool decoded = opened && DecodeRecord(bytes, &r).ok();
    // An empty id is never written (DBImpl::CheckId): such a record is damage.
    const char* what = !opened     ? "journal record fails authentication"
                       : !decoded  ? "journal record does not decode"
                       : r.id.empty() ? "journal record has an empty id"
                       : check && !ChecksumMatches(r) ? "record SHA-256 checksum mismatch"
                       : seq == kNone || r.seq != seq ? "journal record of another transaction"
                       : entry != nullptr && (r.component != entry->first || r.id != entry->second)
                           ? "journal record is not the one its frame names"
                           : nullptr;
    if (what == nullptr) {
      VersionRef v;
      v.seq = seq;
      v.version = r.version;
      v.flags = r.flags & kVersionTombstone;
      v.loc = Where(jr);
      out_->versions.push_back({r.component, r.id, v, bytes, partial});
      return true;
    }
    if (entry != nullptr) {
      MarkDamaged(seq, entry->first, entry->second, jr.offset, what);
    } else if (decoded && !r.id.empty()) {
      MarkDamaged(seq, r.component, std::string(r.id), jr.offset, what);
    } else {
      out_->damage.push_back({"", jr.offset, "", "", std::string(what) + "; its id is unreadable"});
    }
    return false;
  }

  // Remembers a damaged record so that reads of its id report the damage
  // instead of an older version. A damaged frame's seq may be unknown: it
  // lies after the frames before it, so order it just after them.
  void MarkDamaged(uint64_t seq, Component c, std::string id, uint64_t offset, const char* what) {
    out_->damage.push_back({"", offset, ComponentName(c), id, what});
    out_->plain.push_back(std::move(id));
    VersionRef v;
    v.seq = seq != kNone ? seq : prev_seq_ + 1;
    v.flags = kVersionCorrupt;
    v.loc = {static_cast<uint32_t>(out_->number), 0, offset, 0, 0};
    out_->versions.push_back({c, out_->plain.back(), v, {}, true});
  }

  Location Where(const JournalRecord& jr) const {
    return {static_cast<uint32_t>(out_->number), static_cast<uint32_t>(jr.bytes.size()), jr.offset,
            0, 0};
  }

  uint64_t NextGoodFrame(uint64_t from) {
    FrameHeader h;
    uint64_t end;
    std::vector<JournalRecord> scratch;
    for (uint64_t p = from; p + kFrameHeaderSizeV2 <= file_.size(); ++p) {
      if (GoodFrameAt(file_, p, &h, &scratch, &end)) return p;
    }
    return kNone;
  }

  // The next offset in (from, limit) where a format 3 header checks.
  uint64_t NextHeader(uint64_t from, uint64_t limit) {
    FrameHeader h;
    for (uint64_t p = from + 1; p < limit; ++p) {
      if (ReadFrameHeader(file_, p, &h) && h.checks) return p;
    }
    return limit;
  }

  // How far the tail from `pos` is proven durable: the furthest durable_end
  // any header that checks in it states.
  uint64_t DurableLimit(uint64_t pos) {
    uint64_t limit = pos;
    FrameHeader h;
    for (uint64_t p = pos; p + kFrameHeaderSize <= file_.size(); ++p) {
      if (ReadFrameHeader(file_, p, &h) && h.checks) limit = std::max(limit, h.durable_end);
    }
    return std::min<uint64_t>(limit, file_.size());
  }

  // Splits records from `payload` while they fit, up to `count`.
  size_t SplitPrefix(std::string_view payload, uint64_t offset, uint32_t count) {
    records_.clear();
    size_t used = 0;
    while (records_.size() < count && payload.size() - used >= 4) {
      uint32_t len = DecodeFixed32(payload.data() + used);
      if (len > payload.size() - used - 4) break;
      records_.push_back({offset + used + 4, payload.substr(used + 4, len)});
      used += 4 + static_cast<size_t>(len);
    }
    return used;
  }

  // Reads what it can of the frame at pos, which does not check, in
  // [pos, limit). Returns false if it is the tail (not proven durable by
  // `durable` and not recoverable), else sets *end past it.
  bool Salvage(uint64_t pos, uint64_t limit, uint64_t durable, uint64_t* end);

  const Cipher* cipher_;
  const JournalScanOptions options_;
  JournalReplay* out_;
  std::string_view file_;
  std::vector<JournalRecord> records_;
  uint64_t prev_seq_ = 0;  // of the last frame read
};

bool JournalScanner::Salvage(uint64_t pos, uint64_t limit, uint64_t durable, uint64_t* end) {
  FrameHeader h;
  if (!ReadFrameHeader(file_, pos, &h) || h.format == 2) {
    // A fragment shorter than a header, or a legacy frame: its header is
    // trusted as far as it reads (format 2 has no check of its own).
    if (pos >= durable) return false;
    *end = limit;
    const uint64_t payload_at = pos + kFrameHeaderSizeV2;
    if (h.format == 2 && payload_at + h.payload_len <= limit &&
        SplitRecords(file_.substr(payload_at, h.payload_len), payload_at, h.count, &records_)) {
      const std::vector<JournalRecord>& records = records_;  // not changed below
      for (const JournalRecord& jr : records) AddChecked(h.seq, jr, nullptr, true, true);
      out_->damage.push_back({"", pos, "", "", "journal frame checksum mismatch (transaction " +
                                                   std::to_string(h.seq) + ")"});
    } else {
      out_->damage.push_back({"", pos, "", "", "journal frame damaged"});
    }
    return true;
  }
  // Format 3 (or bytes where its magic should be). The payload runs to
  // where the header says if it checks, else as far as it can.
  const uint64_t payload_at = pos + kFrameHeaderSize;
  const bool sized = h.checks && payload_at + h.payload_len <= limit;
  const std::string_view payload =
      file_.substr(payload_at, (sized ? payload_at + h.payload_len : limit) - payload_at);
  FrameDirectory dir;
  uint32_t dir_len = 0;
  bool dir_ok = false;
  uint32_t stated;
  for (uint32_t candidate : {h.directory_len, DirectoryLengthPrefix(payload, &stated) ? stated : 0u}) {
    if (!dir_ok && candidate > 0 && ParseFrameDirectory(payload, candidate, cipher_, &dir) &&
        (!h.checks || dir.seq == h.seq)) {
      dir_ok = true;
      dir_len = candidate;
    }
  }
  if (!dir_ok && h.checks && h.directory_len <= payload.size()) dir_len = h.directory_len;
  const uint64_t seq = h.checks ? h.seq : dir_ok ? dir.seq : kNone;
  const auto count = static_cast<uint32_t>(dir_ok ? dir.entries.size() : h.count);
  const size_t used = dir_len > 0 ? SplitPrefix(payload.substr(dir_len), payload_at + dir_len,
                                                count)
                                  : (records_.clear(), 0);
  const std::vector<JournalRecord>& records = records_;  // not changed below

  // Every record its directory names is there and checks: the transaction is
  // whole, whatever else is damaged, and no crash tears a frame that way.
  bool whole = dir_ok && records.size() == count;
  for (size_t i = 0; whole && i < records.size(); ++i) {
    std::string_view bytes;
    RecordView r;
    whole = Open(records[i].bytes, &bytes) && DecodeRecord(bytes, &r).ok() && r.seq == seq &&
            r.component == dir.entries[i].first && r.id == dir.entries[i].second &&
            ChecksumMatches(r);
  }
  const std::string txn = seq != kNone ? " (transaction " + std::to_string(seq) + ")" : "";
  if (whole) {
    for (size_t i = 0; i < records.size(); ++i) {
      AddChecked(seq, records[i], &dir.entries[i], true, false);
    }
    out_->damage.push_back({"", pos, "", "", "journal frame does not check" + txn +
                                                 "; its records are intact and were kept"});
    Committed(seq);
    *end = sized ? payload_at + h.payload_len : payload_at + dir_len + used;
    return true;
  }
  if (pos >= durable) return false;
  *end = sized ? payload_at + h.payload_len : NextHeader(pos, limit);
  // Without a directory, `count` is an unchecked header field: only the
  // records that split are there to name.
  const size_t named = dir_ok ? count : records.size();
  for (size_t i = 0; i < named; ++i) {
    const auto* entry = dir_ok ? &dir.entries[i] : nullptr;
    if (i < records.size()) {
      AddChecked(seq, records[i], entry, true, true);
    } else if (entry != nullptr) {
      MarkDamaged(seq, entry->first, entry->second, pos, "journal record missing from its frame");
    }
  }
  const bool identified = dir_ok || (!records.empty() && records.size() == count);
  out_->damage.push_back({"", pos, "", "", "journal frame damaged" + txn +
                                               (identified ? "" : "; some of its records may not "
                                                                  "be named")});
  if (seq != kNone) prev_seq_ = std::max(prev_seq_, seq);
  return true;
}

}  // namespace

void ScanJournalFile(const RandomAccessFile& file, uint64_t number, uint64_t size,
                     const Cipher* cipher, const JournalScanOptions& options,
                     JournalReplay* out) {
  out->Clear();
  out->number = number;
  out->status = file.Read(0, size, &out->contents);
  if (!out->status.ok()) return;
  JournalScanner(cipher, options, out).Run();
}

void ScanJournalContents(std::string contents, uint64_t number, const Cipher* cipher,
                         const JournalScanOptions& options, JournalReplay* out) {
  out->Clear();
  out->number = number;
  out->contents = std::move(contents);
  JournalScanner(cipher, options, out).Run();
}

}  // namespace spirapi
