// Reading a journal: which frames are committed transactions, which bytes are
// damage (and which records it hit), and which are a tail that a crash may
// have torn. Every reader of journals goes through here: open (replay into
// the index), flush, Verify and repair. The rules are docs/FORMAT.md's
// "Reading a journal"; in short:
//   * a frame that checks is a committed transaction;
//   * a frame that does not check but whose directory and every record still
//     check is the same transaction with damaged framing: it is recovered
//     (and the damage reported);
//   * other bytes that do not check are damage if anything proves them
//     durable: a frame that checks after them, a later frame header whose
//     durable_end lies past them, or the journal being sealed (every journal
//     but the last was synced whole before the next one began). The records
//     they held are named by the frame's directory (or their own ids) and
//     marked damaged, so that reads of them report Corruption;
//   * what is left, at the end of the last journal, is the tail: a commit a
//     crash interrupted, or damage; nothing can tell which. The caller keeps
//     its bytes aside and reports them (DBImpl::ApplyJournal).
// Reading, CRC-checking, decrypting and decoding needs no lock and runs on a
// thread of its own at open (util/prefetcher.h).

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
    std::string_view id;     // into contents or plain
    VersionRef ref;          // kVersionCorrupt set for a damaged record
    std::string_view plain;  // the encoded record (decrypted); empty if damaged
    // Its transaction lost other records to damage (repair keeps
    // transactions whole or not at all).
    bool partial = false;
  };

  uint64_t number = 0;
  Status status;                       // an I/O error reading the file
  std::string contents;                // the file's bytes
  std::deque<std::string> plain;       // decrypted records, ids of damaged records
  std::vector<Version> versions;       // in file order
  std::vector<Damage> damage;          // file = "" (filled by the caller)
  uint64_t last_seq = 0;               // highest seq of a committed frame
  uint64_t records_checked = 0;
  bool ends_with_close = false;        // the last frame is a clean close
  // The tail: `tail_length` bytes from `tail_offset` (= the end of the last
  // frame read) to the end of the file. Only the last journal has one.
  uint64_t tail_offset = 0;
  uint64_t tail_length = 0;

  // Empties it for reuse, keeping the buffers' capacity.
  void Clear();
};

struct JournalScanOptions {
  // The journal is the last one, whose tail a crash may have torn. Every
  // other journal was synced whole before the next was created: bytes there
  // that do not check are damage.
  bool is_last = true;
  // Check every record's SHA-256, not only those of damaged frames (Verify).
  bool check_every_checksum = false;
};

// Reads and decodes a whole journal file of `size` bytes into *out (which may
// be a used one: its buffers are reused).
void ScanJournalFile(const RandomAccessFile& file, uint64_t number, uint64_t size,
                     const Cipher* cipher, const JournalScanOptions& options,
                     JournalReplay* out);

// The same for a journal's bytes already in memory (moved into *out).
void ScanJournalContents(std::string contents, uint64_t number, const Cipher* cipher,
                         const JournalScanOptions& options, JournalReplay* out);

}  // namespace spirapi

#endif  // SPIRAPI_DB_JOURNAL_REPLAY_H_
