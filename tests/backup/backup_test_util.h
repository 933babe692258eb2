// Helpers of the backup tests: a database's whole state, to compare a
// restore with its original or with an oracle.

#ifndef SPIRAPI_TESTS_BACKUP_BACKUP_TEST_UTIL_H_
#define SPIRAPI_TESTS_BACKUP_BACKUP_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <tuple>

#include "spirapi/db.h"

namespace spirapi::test {

// component/id -> (data, metadata, version, timestamp in µs, checksum, blob)
using RecordState =
    std::map<std::string,
             std::tuple<std::string, std::string, uint64_t, int64_t, std::string, std::string>>;

inline RecordState StateOf(DB* db) {
  RecordState out;
  for (Component c : kAllComponents) {
    Status s = db->Scan(ReadOptions(), c, ScanOptions(), [&](const StorageRecord& r) {
      out[std::string(ComponentName(c)) + "/" + r.id] = {
          r.data, r.metadata, r.version, std::llround(r.timestamp * 1e6), r.checksum, r.blob};
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  return out;
}

inline std::unique_ptr<DB> OpenDb(const std::string& path, const Options& base = Options()) {
  std::unique_ptr<DB> db;
  Status s = DB::Open(base, path, &db);
  EXPECT_TRUE(s.ok()) << path << ": " << s.ToString();
  return db;
}

inline RecordState StateAt(const std::string& path, const Options& base = Options()) {
  Options o = base;
  o.read_only = true;
  std::unique_ptr<DB> db = OpenDb(path, o);
  return db ? StateOf(db.get()) : RecordState();
}

inline uint64_t LastSequence(DB* db) {
  DbStats stats;
  EXPECT_TRUE(db->GetStats(&stats).ok());
  return stats.last_sequence;
}

}  // namespace spirapi::test

#endif  // SPIRAPI_TESTS_BACKUP_BACKUP_TEST_UTIL_H_
