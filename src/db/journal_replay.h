// Replaying journals at open, in two halves: reading, CRC-checking,
// decrypting and decoding a journal (here) needs no lock and runs on a thread
// of its own (util/prefetcher.h), one journal ahead of the thread that adds
// the versions to the index (DBImpl::ApplyJournal).

#ifndef SPIRAPI_DB_JOURNAL_REPLAY_H_
#define SPIRAPI_DB_JOURNAL_REPLAY_H_

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "codec/cipher.h"
#include "spirapi/db.h"
#include "spirapi/file_system.h"
#include "storage/index.h"
#include "storage/journal.h"

namespace spirapi {

// Everything one journal holds, decoded.
struct JournalReplay {
  struct Version {
    Component component;
    std::string_view id;  // into contents or plain
    VersionRef ref;       // kVersionCorrupt set for a damaged record whose id survived
  };

  uint64_t number = 0;
  Status status;                       // an I/O error reading the file
  std::string contents;                // the file's bytes
  std::deque<std::string> plain;       // decrypted records, when encrypted
  std::vector<Version> versions;       // in file order
  std::vector<Damage> damage;          // found while decoding, file = "" (filled by the caller)
  uint64_t last_seq = 0;               // highest seq of an intact frame
  JournalScan scan;

  // Empties it for reuse, keeping the buffers' capacity.
  void Clear();
};

// Reads and decodes a whole journal file of `size` bytes into *out (which may
// be a used one: its buffers are reused).
void ScanJournalFile(const RandomAccessFile& file, uint64_t number, uint64_t size,
                     const Cipher* cipher, JournalReplay* out);

}  // namespace spirapi

#endif  // SPIRAPI_DB_JOURNAL_REPLAY_H_
