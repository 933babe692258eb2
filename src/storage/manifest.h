// The MANIFEST: the database's settings (fixed at creation) and the list of
// live segment files. Rewritten atomically (temp file, fdatasync, rename,
// directory fsync) whenever the set of live files changes.

#ifndef SPIRAPI_STORAGE_MANIFEST_H_
#define SPIRAPI_STORAGE_MANIFEST_H_

#include <cstdint>
#include <string>
#include <vector>

#include "codec/cipher.h"
#include "spirapi/file_system.h"
#include "spirapi/options.h"
#include "spirapi/record.h"
#include "spirapi/status.h"
#include "spirapi/version.h"

namespace spirapi {

// Kept in the public spirapi/version.h, where it has its history. Older
// databases open as they are and take this version at their next MANIFEST
// write, after which their new segments may use its features.
inline constexpr int kFormatVersion = SPIRAPI_FORMAT_VERSION;

struct SegmentMeta {
  uint64_t file_number = 0;
  uint64_t size = 0;
};

struct Manifest {
  int format_version = kFormatVersion;
  // Absent in MANIFESTs before format version 4, whose databases used LZMA.
  CompressionCodec codec = CompressionCodec::kLzma;
  int compression_level = 3;
  int max_file_size_mb = 64;
  int backup_interval_hours = 24;
  uint32_t block_size = 64 * 1024;
  // The last DB::OptimizeFor goal; empty if never optimized. "security"
  // also verifies every read and syncs every commit.
  std::string optimized_for;
  bool encrypted = false;
  KdfParams kdf;
  std::string key_check;  // Cipher::Seal of a fixed text: proves the passphrase
  // 32 random hex digits given at creation (or at the first open for writing
  // of a database made before it existed), so that a backup repository can
  // tell its database from another. Empty: none yet.
  std::string database_id;

  uint64_t next_file_number = 1;
  uint64_t last_sequence = 0;   // a floor for the sequence counter
  uint64_t journal_floor = 0;   // journals numbered below this are flushed
  std::vector<SegmentMeta> segments[kNumComponents];
  // Per component, at least the sequence of the last commit that changed it
  // (DB::ComponentChangeSequence): kept here because a compaction that drops
  // a deleted record's tombstone loses the sequence the index would show.
  // Absent (false) in MANIFESTs written before it existed: the open then
  // takes last_sequence for every component.
  bool has_change_floors = false;
  uint64_t change_floors[kNumComponents] = {};
};

// Atomically replaces DB/MANIFEST.
Status WriteManifest(FileSystem* fs, const std::string& db_path, const Manifest& m);

// NotFound if there is no manifest; Corruption if it fails its checksum or
// does not parse; NotSupported for a newer format version.
Status ReadManifest(FileSystem* fs, const std::string& db_path, Manifest* m);

// Checks a MANIFEST file's bytes (size and SHA-256) and parses them; the
// errors of ReadManifest. `where` names it in messages.
Status ParseManifest(std::string_view contents, const std::string& where, Manifest* m);

// A new database_id.
Status NewDatabaseId(std::string* id);

inline constexpr char kKeyCheckText[] = "spirapi key check v1";

}  // namespace spirapi

#endif  // SPIRAPI_STORAGE_MANIFEST_H_
