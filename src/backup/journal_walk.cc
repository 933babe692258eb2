#include "backup/journal_walk.h"

#include "util/coding.h"

namespace spirapi::backup {
namespace {

// The next offset after pos where a frame that checks starts, or npos.
uint64_t NextGoodFrame(std::string_view contents, uint64_t pos, WalkedFrame* frame) {
  for (uint64_t p = pos; p + kFrameHeaderSizeV2 <= contents.size(); ++p) {
    const uint32_t magic = DecodeFixed32(contents.data() + p);
    if (magic != kFrameMagic && magic != kFrameMagicV2) continue;
    frame->records.clear();
    if (GoodFrameAt(contents, p, &frame->header, &frame->records, &frame->end)) return p;
  }
  return std::string_view::npos;
}

}  // namespace

void WalkFrames(std::string_view contents, const std::function<bool(const WalkedFrame&)>& fn,
                JournalWalk* walk) {
  *walk = JournalWalk();
  WalkedFrame frame;
  uint64_t pos = 0;
  while (pos < contents.size()) {
    frame.records.clear();
    if (!GoodFrameAt(contents, pos, &frame.header, &frame.records, &frame.end)) {
      const uint64_t next = NextGoodFrame(contents, pos + 1, &frame);
      if (next == std::string_view::npos) return;
      walk->damaged = true;
      pos = next;
    }
    frame.offset = pos;
    if (!fn(frame)) return;
    if (frame.header.kind == FrameKind::kCommit) {
      if (walk->first_seq == 0) walk->first_seq = frame.header.seq;
      walk->last_seq = frame.header.seq;
    }
    walk->end = frame.end;
    pos = frame.end;
  }
}

}  // namespace spirapi::backup
