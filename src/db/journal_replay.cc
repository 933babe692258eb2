#include "db/journal_replay.h"

#include <algorithm>

#include "codec/record_codec.h"

namespace spirapi {

void JournalReplay::Clear() {
  number = 0;
  status = Status::OK();
  plain.clear();
  versions.clear();
  damage.clear();
  last_seq = 0;
  scan = JournalScan();
}

void ScanJournalFile(const RandomAccessFile& file, uint64_t number, uint64_t size,
                     const Cipher* cipher, JournalReplay* out) {
  out->Clear();
  out->number = number;
  out->status = file.Read(0, size, &out->contents);
  if (!out->status.ok()) return;

  auto add = [&](uint64_t seq, const JournalRecord& jr, bool frame_damaged) {
    std::string_view bytes = jr.bytes;
    bool opened = true;
    if (cipher != nullptr) {
      out->plain.emplace_back();
      opened = cipher->Open(bytes, &out->plain.back()).ok();
      bytes = out->plain.back();
    }
    RecordView r;
    bool decoded = opened && DecodeRecord(bytes, &r).ok();
    // An empty id is never written (DBImpl::CheckId): such a record is damage.
    bool good = decoded && r.seq == seq && !r.id.empty() &&
                (!frame_damaged || ChecksumMatches(r));
    VersionRef v;
    v.seq = seq;
    v.loc = {static_cast<uint32_t>(number), static_cast<uint32_t>(jr.bytes.size()), jr.offset, 0,
             0};
    if (!good) {
      // Name the record if its id survived; reads of it then report the
      // damage instead of silently returning an older version.
      out->damage.push_back({"", jr.offset, decoded ? ComponentName(r.component) : "",
                             decoded ? std::string(r.id) : "", "journal record damaged"});
      if (!decoded || r.id.empty()) return;
      v.flags = kVersionCorrupt;
    } else {
      v.version = r.version;
      v.flags = r.flags & kVersionTombstone;
    }
    out->versions.push_back({r.component, r.id, v});
  };

  ScanJournal(
      out->contents,
      [&](uint64_t seq, const std::vector<JournalRecord>& records) {
        for (const JournalRecord& jr : records) add(seq, jr, false);
        out->last_seq = std::max(out->last_seq, seq);
      },
      [&](uint64_t seq, const std::vector<JournalRecord>& records) {
        for (const JournalRecord& jr : records) add(seq, jr, true);
      },
      &out->scan);
}

}  // namespace spirapi
