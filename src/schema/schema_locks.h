// SchemaLocks: one reader-writer lock per schema name, shared by every
// SchemaManager of one DB object.
//
// Why: transactions conflict only on records both write (snapshot
// isolation). A change that checks every record of a schema (an alter, a
// rollback, a field becoming unique) writes none of the records an insert
// writes, so without a lock an insert could commit a record the check never
// saw. Record writes hold the schema's lock shared; such changes hold it
// exclusively. One process at a time opens a database, so a process-wide
// table is enough.
//
// Thread safety: safe for concurrent use.

#ifndef SPIRAPI_SCHEMA_SCHEMA_LOCKS_H_
#define SPIRAPI_SCHEMA_SCHEMA_LOCKS_H_

#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "spirapi/db.h"

namespace spirapi::schema {

class SchemaLocks {
 public:
  // The table of `db`, created on first use and kept while anyone holds it.
  static std::shared_ptr<SchemaLocks> For(const DB* db);

  std::shared_mutex& Of(std::string_view schema);

 private:
  std::mutex mu_;
  // Never erased: a lock must outlive every holder, and schemas are few.
  std::map<std::string, std::unique_ptr<std::shared_mutex>, std::less<>> locks_;  // guarded by mu_
};

}  // namespace spirapi::schema

#endif  // SPIRAPI_SCHEMA_SCHEMA_LOCKS_H_
