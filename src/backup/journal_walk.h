// Walking a journal's frames for backups and restores: where its committed
// frames end (a backup's cut), and where a restore to a commit or a time must
// cut it. Unlike db/journal_replay.h it decodes no record, so it needs no
// passphrase: a frame checks by its CRCs alone.

#ifndef SPIRAPI_BACKUP_JOURNAL_WALK_H_
#define SPIRAPI_BACKUP_JOURNAL_WALK_H_

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "storage/journal.h"

namespace spirapi::backup {

struct WalkedFrame {
  uint64_t offset = 0;  // of its header
  uint64_t end = 0;     // just past it
  FrameHeader header;
  std::vector<JournalRecord> records;
};

struct JournalWalk {
  uint64_t end = 0;        // the end of the last frame passed
  uint64_t first_seq = 0;  // of the first commit frame passed; 0: none
  uint64_t last_seq = 0;   // of the last one
  // Bytes that do not check lie before a frame that does (damage, which a
  // restore reports as the database would).
  bool damaged = false;
};

// Passes each frame that checks to fn, in file order, until fn returns false
// (that frame is then not passed: *walk ends before it). Bytes that do not
// check are skipped up to the next frame that does, if any.
void WalkFrames(std::string_view contents, const std::function<bool(const WalkedFrame&)>& fn,
                JournalWalk* walk);

}  // namespace spirapi::backup

#endif  // SPIRAPI_BACKUP_JOURNAL_WALK_H_
