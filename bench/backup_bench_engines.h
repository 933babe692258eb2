// The three engines of bench/backup_bench.cc behind one interface: each loads
// the records, rewrites some, takes a full and an incremental backup with its
// own backup facility and restores the newest one. Every failure ends the
// program (bench_util.h Fatal), so that CI notices.

#ifndef SPIRAPI_BENCH_BACKUP_BENCH_ENGINES_H_
#define SPIRAPI_BENCH_BACKUP_BENCH_ENGINES_H_

#include <rocksdb/db.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/backup_engine.h>
#include <rocksdb/write_batch.h>
#include <sqlite3.h>
#include <sys/mman.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bench_util.h"
#include "pi_records.h"
#include "spirapi/backup.h"
#include "spirapi/db.h"
#include "spirapi/options.h"
#include "sqlite_util.h"

namespace spirapi_backup_bench {

using spirapi_bench::Fatal;
using spirapi_bench::RecordSet;

constexpr size_t kBatch = 1'000;  // records per transaction while loading
constexpr spirapi::Component kComponent = spirapi::Component::kSequence;

// (id, data) pairs: records to write, or what a restore must hold.
using Rows = std::vector<std::pair<std::string_view, std::string_view>>;
using Expected = Rows;

// Fraction of the bytes of the regular files under `dir` that are in the page
// cache (mincore on a mapping of each file): how warm a backup's reads are.
inline double CachedFraction(const std::string& path) {
  const long page = sysconf(_SC_PAGESIZE);
  uint64_t total = 0, cached = 0;
  std::error_code ec;
  std::vector<std::string> files;
  if (std::filesystem::is_regular_file(path, ec)) files.push_back(path);
  for (auto it = std::filesystem::recursive_directory_iterator(path, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) files.push_back(it->path().string());
  }
  for (const std::string& file : files) {
    const int fd = open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    struct stat st {};
    if (fstat(fd, &st) == 0 && st.st_size > 0) {
      const size_t size = static_cast<size_t>(st.st_size);
      void* map = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
      if (map != MAP_FAILED) {
        std::vector<unsigned char> resident((size + page - 1) / page);
        if (mincore(map, size, resident.data()) == 0) {
          for (unsigned char r : resident) cached += (r & 1) ? static_cast<uint64_t>(page) : 0;
          total += resident.size() * static_cast<uint64_t>(page);
        }
        munmap(map, size);
      }
    }
    close(fd);
  }
  return total == 0 ? 0 : static_cast<double>(cached) / static_cast<double>(total);
}

inline uint64_t DirBytes(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec)) return std::filesystem::file_size(path, ec);
  return spirapi_bench::MeasureDirectory(path).apparent_bytes;
}

// (id, data) of every record, or, given `index` and `fresh`, of
// records[index[i]]'s id with fresh[i]'s data.
inline Rows MakeRows(const RecordSet& records, const std::vector<size_t>* index,
                     const RecordSet* fresh) {
  Rows rows;
  const size_t n = index == nullptr ? records.size() : index->size();
  for (size_t i = 0; i < n; ++i) {
    rows.emplace_back(records[index == nullptr ? i : (*index)[i]].id,
                      (fresh == nullptr ? records : *fresh)[i].data);
  }
  return rows;
}

class Engine {
 public:
  virtual ~Engine() = default;
  virtual const char* Name() const = 0;
  // Creates the database under `dir` and loads every record, then brings it
  // to a steady state (flushed, compacted).
  virtual void Load(const std::string& dir, const RecordSet& records) = 0;
  // Rewrites records[index[i]] with fresh[i]'s data, then flushes.
  virtual void Rewrite(const RecordSet& records, const std::vector<size_t>& index,
                       const RecordSet& fresh) = 0;
  // Takes a backup into `dest` (a repository, a backup directory or a file).
  virtual void Backup(const std::string& dest) = 0;
  // The bytes the database occupies now.
  virtual uint64_t DatabaseBytes() = 0;
  virtual std::string DatabasePath() const = 0;
  virtual void Close() = 0;
  // Restores the newest backup in `dest` into `target` (absent).
  virtual void Restore(const std::string& dest, const std::string& target) = 0;
  // Opens the restored database and checks that it holds `count` records
  // and the expected data for every id of `expected`.
  virtual void Check(const std::string& target, uint64_t count, const Expected& expected) = 0;
  // Engine-specific facts about the last backup, for a footnote.
  std::string note;
};

inline void CheckSpirapi(const spirapi::Status& s, const std::string& what) {
  if (!s.ok()) Fatal("SpiraPi " + what + ": " + s.ToString());
}

class SpiraPiEngine : public Engine {
 public:
  const char* Name() const override { return "SpiraPi"; }
  void Load(const std::string& dir, const RecordSet& records) override {
    path_ = dir;
    CheckSpirapi(spirapi::DB::Open(spirapi::Options(), dir, &db_), "Open");
    spirapi::WriteOptions wo;
    wo.sync = false;
    for (size_t i = 0; i < records.size(); i += kBatch) {
      std::unique_ptr<spirapi::Transaction> txn;
      CheckSpirapi(db_->BeginTransaction(wo, &txn), "BeginTransaction");
      for (size_t j = i; j < std::min(records.size(), i + kBatch); ++j) {
        CheckSpirapi(txn->Put(kComponent, records[j].id, records[j].data), "Put");
      }
      CheckSpirapi(txn->Commit(), "Commit");
    }
    CheckSpirapi(db_->Compact(), "Compact");
  }
  void Rewrite(const RecordSet& records, const std::vector<size_t>& index,
               const RecordSet& fresh) override {
    spirapi::WriteOptions wo;
    wo.sync = false;
    std::unique_ptr<spirapi::Transaction> txn;
    for (size_t i = 0; i < index.size(); ++i) {
      if (txn == nullptr) CheckSpirapi(db_->BeginTransaction(wo, &txn), "BeginTransaction");
      CheckSpirapi(txn->Put(kComponent, records[index[i]].id, fresh[i].data), "Put");
      if ((i + 1) % kBatch == 0 || i + 1 == index.size()) {
        CheckSpirapi(txn->Commit(), "Commit");
        txn.reset();
      }
    }
    CheckSpirapi(db_->Flush(), "Flush");
  }
  void Backup(const std::string& dest) override {
    spirapi::BackupInfo info;
    CheckSpirapi(spirapi::BackupDatabase(path_, dest, spirapi::BackupOptions(), &info),
                 "BackupDatabase");
    note = "BackupInfo: " + std::to_string(info.files) + " files, bytes " +
           std::to_string(info.bytes) + ", new_bytes " + std::to_string(info.new_bytes);
    new_bytes = info.new_bytes;
  }
  uint64_t DatabaseBytes() override { return DirBytes(path_); }
  std::string DatabasePath() const override { return path_; }
  void Close() override { db_.reset(); }
  void Restore(const std::string& dest, const std::string& target) override {
    spirapi::RestoreInfo info;
    CheckSpirapi(spirapi::RestoreBackup(dest, target, spirapi::RestoreOptions(), &info),
                 "RestoreBackup");
  }
  void Check(const std::string& target, uint64_t count, const Expected& expected) override {
    spirapi::Options options;
    options.create_if_missing = false;
    std::unique_ptr<spirapi::DB> db;
    CheckSpirapi(spirapi::DB::Open(options, target, &db), "Open of the restored database");
    uint64_t n = 0;
    CheckSpirapi(db->Count(spirapi::ReadOptions(), kComponent, &n), "Count");
    if (n != count) {
      Fatal("SpiraPi restore holds " + std::to_string(n) + " records, not " +
            std::to_string(count));
    }
    for (const auto& [id, data] : expected) {
      spirapi::StorageRecord record;
      CheckSpirapi(db->Get(spirapi::ReadOptions(), kComponent, id, &record),
                   "Get " + std::string(id) + " after restore");
      if (!spirapi_bench::SameJson(record.data, data)) {
        Fatal("SpiraPi restore: " + std::string(id) + " holds the wrong data");
      }
    }
  }
  uint64_t new_bytes = 0;

 private:
  std::string path_;
  std::unique_ptr<spirapi::DB> db_;
};

// ----- SQLite: table (id TEXT PRIMARY KEY, data TEXT), WAL, checkpointed;
// backups with the online backup API into a new file.

inline sqlite3* OpenSqlite(const std::string& file) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    Fatal("SQLite open of " + file + " failed");
  }
  return db;
}

// Copies database `from` into the new file `to` with sqlite3_backup_*: all
// pages in one step; the destination's commit syncs (synchronous=FULL).
inline void SqliteCopy(sqlite3* from, const std::string& to) {
  sqlite3* dest = OpenSqlite(to);
  sqlite3_backup* backup = sqlite3_backup_init(dest, "main", from, "main");
  if (backup == nullptr) Fatal(std::string("sqlite3_backup_init: ") + sqlite3_errmsg(dest));
  const int rc = sqlite3_backup_step(backup, -1);
  if (rc != SQLITE_DONE) Fatal("sqlite3_backup_step: " + std::string(sqlite3_errstr(rc)));
  if (sqlite3_backup_finish(backup) != SQLITE_OK) {
    Fatal(std::string("sqlite3_backup_finish: ") + sqlite3_errmsg(dest));
  }
  sqlite3_close(dest);
}

class SqliteEngine : public Engine {
 public:
  const char* Name() const override { return "SQLite"; }
  void Load(const std::string& dir, const RecordSet& records) override {
    std::filesystem::create_directories(dir);
    file_ = dir + "/db.sqlite";
    db_ = OpenSqlite(file_);
    if (spirapi_bench::SqliteQueryText(db_, "PRAGMA journal_mode=WAL") != "wal") {
      Fatal("SQLite refused WAL");
    }
    spirapi_bench::SqliteExec(db_, "PRAGMA synchronous=NORMAL");
    spirapi_bench::SqliteExec(db_, "CREATE TABLE records(id TEXT PRIMARY KEY, data TEXT)");
    Write(MakeRows(records, nullptr, nullptr));
  }
  void Rewrite(const RecordSet& records, const std::vector<size_t>& index,
               const RecordSet& fresh) override {
    Write(MakeRows(records, &index, &fresh));
  }
  void Backup(const std::string& dest) override { SqliteCopy(db_, dest); }
  uint64_t DatabaseBytes() override { return DirBytes(file_); }
  std::string DatabasePath() const override { return file_; }
  void Close() override {
    if (db_ != nullptr) sqlite3_close(db_);
    db_ = nullptr;
  }
  void Restore(const std::string& dest, const std::string& target) override {
    std::filesystem::create_directories(target);
    sqlite3* from = OpenSqlite(dest);
    SqliteCopy(from, target + "/db.sqlite");
    sqlite3_close(from);
  }
  void Check(const std::string& target, uint64_t count, const Expected& expected) override {
    sqlite3* db = OpenSqlite(target + "/db.sqlite");
    const std::string n = spirapi_bench::SqliteQueryText(db, "SELECT count(*) FROM records");
    if (n != std::to_string(count)) Fatal("SQLite restore holds " + n + " records");
    {
      spirapi_bench::SqliteStatement get(db, "SELECT data FROM records WHERE id = ?");
      for (const auto& [id, data] : expected) {
        get.BindText(1, id);
        if (sqlite3_step(get.get()) != SQLITE_ROW) Fatal("SQLite restore lacks " + std::string(id));
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(get.get(), 0));
        if (std::string_view(text, sqlite3_column_bytes(get.get(), 0)) != data) {
          Fatal("SQLite restore: " + std::string(id) + " holds the wrong data");
        }
        sqlite3_reset(get.get());
      }
    }
    sqlite3_close(db);
  }

 private:
  void Write(const Rows& rows) {
    {
      spirapi_bench::SqliteStatement put(db_,
                                         "INSERT OR REPLACE INTO records(id, data) VALUES(?, ?)");
      for (size_t i = 0; i < rows.size(); ++i) {
        if (i % kBatch == 0) spirapi_bench::SqliteExec(db_, "BEGIN");
        put.BindText(1, rows[i].first);
        put.BindText(2, rows[i].second);
        if (sqlite3_step(put.get()) != SQLITE_DONE) Fatal(std::string("SQLite insert failed"));
        sqlite3_reset(put.get());
        if ((i + 1) % kBatch == 0 || i + 1 == rows.size()) spirapi_bench::SqliteExec(db_, "COMMIT");
      }
    }
    // Everything into the main file: the steady state a backup sees.
    spirapi_bench::SqliteExec(db_, "PRAGMA wal_checkpoint(TRUNCATE)");
  }
  std::string file_;
  sqlite3* db_ = nullptr;
};

// ----- RocksDB (zstd, as in spirapi_bench): BackupEngine, incremental by
// sharing table files across backups (the default).

inline void CheckRocks(const rocksdb::Status& s, const std::string& what) {
  if (!s.ok()) Fatal("RocksDB " + what + ": " + s.ToString());
}

inline rocksdb::Options RocksOptions() {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.compression = rocksdb::kZSTD;
  return options;
}

class RocksEngine : public Engine {
 public:
  const char* Name() const override { return "RocksDB"; }
  void Load(const std::string& dir, const RecordSet& records) override {
    path_ = dir;
    rocksdb::DB* db = nullptr;
    CheckRocks(rocksdb::DB::Open(RocksOptions(), dir, &db), "Open");
    db_.reset(db);
    Write(MakeRows(records, nullptr, nullptr));
    rocksdb::CompactRangeOptions compact;
    compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    CheckRocks(db_->CompactRange(compact, nullptr, nullptr), "CompactRange");
  }
  void Rewrite(const RecordSet& records, const std::vector<size_t>& index,
               const RecordSet& fresh) override {
    Write(MakeRows(records, &index, &fresh));
  }
  void Backup(const std::string& dest) override {
    rocksdb::BackupEngine* engine = nullptr;
    CheckRocks(rocksdb::BackupEngine::Open(rocksdb::BackupEngineOptions(dest),
                                           rocksdb::Env::Default(), &engine),
               "BackupEngine::Open");
    std::unique_ptr<rocksdb::BackupEngine> owner(engine);
    rocksdb::CreateBackupOptions options;
    options.flush_before_backup = true;  // a no-op here: Write flushed
    CheckRocks(engine->CreateNewBackup(options, db_.get()), "CreateNewBackup");
  }
  uint64_t DatabaseBytes() override { return DirBytes(path_); }
  std::string DatabasePath() const override { return path_; }
  void Close() override { db_.reset(); }
  void Restore(const std::string& dest, const std::string& target) override {
    rocksdb::BackupEngineReadOnly* engine = nullptr;
    CheckRocks(rocksdb::BackupEngineReadOnly::Open(rocksdb::BackupEngineOptions(dest),
                                                   rocksdb::Env::Default(), &engine),
               "BackupEngineReadOnly::Open");
    std::unique_ptr<rocksdb::BackupEngineReadOnly> owner(engine);
    CheckRocks(engine->RestoreDBFromLatestBackup(target, target), "RestoreDBFromLatestBackup");
  }
  void Check(const std::string& target, uint64_t count, const Expected& expected) override {
    rocksdb::DB* raw = nullptr;
    rocksdb::Options options = RocksOptions();
    options.create_if_missing = false;
    CheckRocks(rocksdb::DB::Open(options, target, &raw), "Open of the restored database");
    std::unique_ptr<rocksdb::DB> db(raw);
    uint64_t n = 0;
    {
      std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
      for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
      CheckRocks(it->status(), "iteration");
    }
    if (n != count) {
      Fatal("RocksDB restore holds " + std::to_string(n) + " records, not " +
            std::to_string(count));
    }
    for (const auto& [id, data] : expected) {
      std::string value;
      CheckRocks(db->Get(rocksdb::ReadOptions(), rocksdb::Slice(id.data(), id.size()), &value),
                 "Get after restore");
      if (value != data) Fatal("RocksDB restore: " + std::string(id) + " holds the wrong data");
    }
  }

 private:
  void Write(const Rows& rows) {
    rocksdb::WriteOptions wo;
    wo.sync = false;
    rocksdb::WriteBatch batch;
    for (size_t i = 0; i < rows.size(); ++i) {
      batch.Put(rocksdb::Slice(rows[i].first.data(), rows[i].first.size()),
                rocksdb::Slice(rows[i].second.data(), rows[i].second.size()));
      if ((i + 1) % kBatch == 0 || i + 1 == rows.size()) {
        CheckRocks(db_->Write(wo, &batch), "Write");
        batch.Clear();
      }
    }
    CheckRocks(db_->Flush(rocksdb::FlushOptions()), "Flush");
  }
  std::string path_;
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace spirapi_backup_bench

#endif  // SPIRAPI_BENCH_BACKUP_BENCH_ENGINES_H_
