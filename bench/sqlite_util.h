// SQLite helpers shared by the benchmarks that run SQLite beside SpiraPi: a
// prepared statement that finalizes itself, and statements run for effect or
// for one value. Any failure ends the program (bench_util.h Fatal).

#ifndef SPIRAPI_BENCH_SQLITE_UTIL_H_
#define SPIRAPI_BENCH_SQLITE_UTIL_H_

#include <sqlite3.h>

#include <string>
#include <string_view>

#include "bench_util.h"

namespace spirapi_bench {

class SqliteStatement {
 public:
  SqliteStatement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
      Fatal(std::string("SQLite prepare of \"") + sql + "\" failed: " + sqlite3_errmsg(db));
    }
  }
  ~SqliteStatement() { sqlite3_finalize(stmt_); }
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  sqlite3_stmt* get() const { return stmt_; }
  void BindText(int index, std::string_view text) {
    // SQLITE_STATIC: the bytes live in the data set until the step is done.
    if (sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()),
                          SQLITE_STATIC) != SQLITE_OK) {
      Fatal(std::string("SQLite bind failed: ") + sqlite3_errmsg(db_));
    }
  }
  void BindBlob(int index, std::string_view bytes) {
    if (sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()),
                          SQLITE_STATIC) != SQLITE_OK) {
      Fatal(std::string("SQLite bind failed: ") + sqlite3_errmsg(db_));
    }
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

inline void SqliteExec(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error != nullptr ? error : sqlite3_errmsg(db);
    sqlite3_free(error);
    Fatal("SQLite \"" + sql + "\" failed: " + message);
  }
}

// The first column of the first row of `sql`, as text.
inline std::string SqliteQueryText(sqlite3* db, const char* sql) {
  SqliteStatement stmt(db, sql);
  int rc = sqlite3_step(stmt.get());
  if (rc == SQLITE_DONE) return "";
  if (rc != SQLITE_ROW) Fatal(std::string("SQLite \"") + sql + "\" failed: " + sqlite3_errmsg(db));
  const unsigned char* text = sqlite3_column_text(stmt.get(), 0);
  return text != nullptr ? reinterpret_cast<const char*>(text) : "";
}

}  // namespace spirapi_bench

#endif  // SPIRAPI_BENCH_SQLITE_UTIL_H_
