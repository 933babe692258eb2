// Backups, the journal archive and point-in-time restore (docs/BACKUP.md).
//
// A backup repository is a directory that holds many backups of one
// database: the files of each backup, stored once by their SHA-256 however
// many backups share them, and, with continuous archiving, every sealed
// journal, so that a restore can reach any commit, not only the backup
// moments. Sealed segment files never change, so a backup copies only the
// segments the repository does not hold yet, and the journals.
//
// A backup reads the database's files the way a read-only instance does:
// it takes no lock on the database and needs neither the passphrase nor the
// database to be open in this process, so the writing process, its readers
// and writers go on meanwhile. It holds every commit complete in the journal
// when it began, and none after.
//
// Thread safety: every function may be called from any thread. One
// repository takes one backup, archive, prune or restore at a time (a lock
// file in it; the others fail with Busy), while any number of lists and
// verifies read it.

#ifndef SPIRAPI_BACKUP_H_
#define SPIRAPI_BACKUP_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "spirapi/export.h"
#include "spirapi/status.h"

namespace spirapi {

class FileSystem;

struct BackupOptions {
  // Create the repository if the directory holds none (the directory itself
  // is created if absent). Default: true.
  bool create_repository = true;
  // Where the database's and the repository's files are read and written.
  // nullptr: FileSystem::Default().
  FileSystem* file_system = nullptr;
  // Called with the fraction of bytes done; returning false stops the backup
  // with Cancelled (the files copied so far stay, for the next backup).
  std::function<bool(double)> progress;
};

// One backup as the repository records it.
struct BackupInfo {
  std::string id;          // e.g. 20261207T190512.004251Z
  int64_t created_us = 0;  // when its snapshot of the database was taken
  int64_t finished_us = 0;
  uint64_t commit = 0;  // the last transaction (sequence number) it holds
  uint64_t files = 0;
  uint64_t bytes = 0;      // the size of its files
  uint64_t new_bytes = 0;  // bytes it added to the repository
  bool encrypted = false;
};

// Copies the database at db_path into the repository as a new backup.
// Errors: InvalidArgument if db_path is not a database, or the repository
// holds backups of another database (each database has an id in its
// MANIFEST); Busy if the repository is in use, or the database kept changing
// over every attempt to list its files (try again); IOError (ENOSPC
// included: the new backup is then absent and every earlier one intact);
// Corruption if the database's MANIFEST does not check; Cancelled.
SPIRAPI_EXPORT Status BackupDatabase(const std::string& db_path, const std::string& repository,
                                     const BackupOptions& options, BackupInfo* info);

// Copies to the repository every sealed journal of the database that it
// does not hold yet (the journal archive), so that RestoreBackup can reach
// the commits after the newest backup. Journals are sealed when they fill
// (Options::max_file_size_mb) and by DB::Flush. *archived is the number of
// journals copied. A journal the database flushed and deleted before it was
// archived breaks the chain: restores cannot pass it until the next backup,
// and *gap says so (the archive then starts again from the journals there
// are). Errors: as BackupDatabase.
SPIRAPI_EXPORT Status ArchiveJournals(const std::string& db_path, const std::string& repository,
                                      const BackupOptions& options, int* archived, bool* gap);

// The repository's backups, oldest first. Errors: InvalidArgument if it is
// not a repository; Corruption if a backup's record does not check.
SPIRAPI_EXPORT Status ListBackups(const std::string& repository, std::vector<BackupInfo>* backups,
                                  FileSystem* file_system = nullptr);

struct RestoreOptions {
  // At most one of the three; none: the newest backup.
  std::string backup_id;   // exactly this backup
  uint64_t to_commit = 0;  // every commit with a sequence number <= this
  // Every commit made at or before this time (µs since the Unix epoch): the
  // longest run of commits from the start whose timestamps are all <= it.
  int64_t to_time_us = 0;
  bool has_to_time = false;
  // Needed for an encrypted database restored to a time (the commits'
  // timestamps are sealed) and to check that the restored database opens.
  std::string passphrase;
  FileSystem* file_system = nullptr;
  std::function<bool(double)> progress;
};

struct RestoreInfo {
  std::string backup_id;           // the backup it started from
  uint64_t commit = 0;             // the last commit restored
  uint64_t journals_replayed = 0;  // archived journals used (its last one's included)
  uint64_t bytes = 0;
};

// Writes the database as it was at the chosen point into `target`, a
// directory that must not exist or be empty: every commit up to that point,
// none after, each record with its versions, timestamps and checksums. The
// files are checked against their SHA-256 as they are copied; the restored
// database is then opened read-only to check it (with the passphrase, if it
// is encrypted and one is given).
// Errors: InvalidArgument if target holds anything, if the backup does not
// exist, if the point lies before the first backup or beyond the last commit
// the repository holds (the message says which commits it can reach), or if
// a time is asked of an encrypted database without the passphrase;
// Corruption naming the file whose bytes do not check (target is then
// removed); IOError.
SPIRAPI_EXPORT Status RestoreBackup(const std::string& repository, const std::string& target,
                                    const RestoreOptions& options, RestoreInfo* info);

struct BackupVerifyReport {
  uint64_t backups_checked = 0;
  uint64_t files_checked = 0;
  uint64_t records_checked = 0;  // SHA-256 of records checked by opening backups
  uint64_t bytes_checked = 0;
  // One line per problem, naming the backup or journal and the file.
  std::vector<std::string> damage;
  // Checks not made, and why (e.g. records of an encrypted backup without
  // the passphrase).
  std::vector<std::string> skipped;
};

struct BackupVerifyOptions {
  std::string backup_id;  // empty: every backup and the journal archive
  std::string passphrase;
  FileSystem* file_system = nullptr;
};

// Checks every file of the chosen backups (and of the journal archive)
// against its SHA-256, that each backup is complete, and, by opening each
// backup read-only where it lies, every record's SHA-256 (an encrypted
// backup only with the passphrase). Damage is reported in *report, not as an
// error. Errors: InvalidArgument if it is not a repository or the backup
// does not exist; IOError.
SPIRAPI_EXPORT Status VerifyBackups(const std::string& repository,
                                    const BackupVerifyOptions& options, BackupVerifyReport* report);

struct PruneOptions {
  // Backups to keep; a backup kept by any rule stays. All zero is
  // InvalidArgument (it would delete every backup).
  int keep_last = 0;    // the newest N
  int keep_daily = 0;   // the newest of each of the last N days (UTC) that have one
  int keep_weekly = 0;  // the newest of each of the last N ISO weeks that have one
  bool dry_run = false;
  FileSystem* file_system = nullptr;
};

struct PruneResult {
  std::vector<std::string> kept;
  std::vector<std::string> removed;  // backup ids
  uint64_t files_removed = 0;        // objects no kept backup needs
  uint64_t bytes_removed = 0;
  uint64_t journals_removed = 0;  // archived journals older than the oldest kept backup
};

// Deletes the backups no rule keeps, then the files and archived journals no
// kept backup needs. A crash at any moment leaves every kept backup intact
// (the records go first, the files after). Errors: InvalidArgument, Busy,
// IOError.
SPIRAPI_EXPORT Status PruneBackups(const std::string& repository, const PruneOptions& options,
                                   PruneResult* result);

// Parses a time for RestoreOptions::to_time_us: ISO 8601
// (2026-12-07T19:05:12, with optional fractional seconds and Z or a +hh:mm /
// -hh:mm offset; without either it is UTC) or epoch seconds (digits, with
// optional fraction). InvalidArgument naming the text otherwise.
SPIRAPI_EXPORT Status ParseRestoreTime(const std::string& text, int64_t* time_us);

}  // namespace spirapi

#endif  // SPIRAPI_BACKUP_H_
