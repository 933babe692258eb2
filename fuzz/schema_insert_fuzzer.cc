// Fuzzes record validation: fuzzed record JSON inserted, through
// SchemaManager::Insert, under a fixed structured schema with every field
// type and rule (a unique field included). One database per process, in a
// temporary directory, without background work; it is replaced every
// kInsertsPerDatabase inputs so that its journal stays small.
// Checks: an insert either succeeds or fails with InvalidArgument (nothing
// else: a record is input, never a reason for an I/O or corruption error);
// an inserted record reads back as a JSON object under schema version 1,
// and its stored form, inserted again once the original is deleted, is
// accepted (what was validated once stays valid).

#include <unistd.h>

#include <filesystem>
#include <memory>

#include "fuzz_util.h"
#include "spirapi/db.h"
#include "spirapi/schema.h"
#include "util/json.h"

namespace spirapi::fuzz {
namespace {

constexpr int kInsertsPerDatabase = 20000;

constexpr char kFields[] = R"({
  "name": {"type": "string", "required": true, "min_length": 2, "max_length": 12,
           "pattern": "[a-z]+( [a-z]+)?"},
  "age": {"type": "integer", "min_value": 0, "max_value": 150},
  "score": {"type": "float"},
  "ok": {"type": "boolean", "default": true},
  "born": {"type": "datetime"},
  "extra": {"type": "json", "max_length": 4},
  "photo": {"type": "blob"},
  "pid": {"type": "pi_sequence", "max_length": 40},
  "at": {"type": "spiral_coordinate"},
  "tier": {"type": "string", "enum": ["gold", "silver"]},
  "code": {"type": "integer", "unique": true}})";

class Database {
 public:
  Database() {
    dir_ = (std::filesystem::temp_directory_path() /
            ("spirapi-fuzz-" + std::to_string(getpid()))).string();
    std::filesystem::remove_all(dir_);
    Options options;
    options.background_work = false;
    FUZZ_CHECK(DB::Open(options, dir_, &db_).ok());
    FUZZ_CHECK(SchemaManager::Open(db_.get(), &schemas_).ok());
    SchemaInfo info;
    FUZZ_CHECK(schemas_->CreateSchema("all", SchemaZone::kStructured, kFields, &info).ok());
  }
  ~Database() {
    schemas_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  SchemaManager* schemas() { return schemas_.get(); }

 private:
  std::string dir_;
  std::unique_ptr<DB> db_;
  std::unique_ptr<SchemaManager> schemas_;
};

Database* TheDatabase() {
  static std::unique_ptr<Database> db;
  static int inserts = 0;
  if (db == nullptr || ++inserts % kInsertsPerDatabase == 0) {
    db.reset();
    db = std::make_unique<Database>();
  }
  return db.get();
}

void Check(std::string_view json) {
  SchemaManager* schemas = TheDatabase()->schemas();
  std::string id;
  Status s = schemas->Insert("all", json, &id);
  if (!s.ok()) {
    if (!s.IsInvalidArgument()) std::fprintf(stderr, "%s\n", s.ToString().c_str());
    FUZZ_CHECK(s.IsInvalidArgument());
    return;
  }
  SchemaRecord record;
  FUZZ_CHECK(schemas->Get("all", id, &record).ok());
  FUZZ_CHECK(record.id == id && record.schema_version == 1);
  std::string normalized;
  FUZZ_CHECK(NormalizeJson(record.json, JsonKind::kObject, "record", &normalized).ok());
  DeleteReport report;
  FUZZ_CHECK(schemas->Delete("all", id, &report).ok());
  s = schemas->Insert("all", record.json, &id);
  if (!s.ok()) std::fprintf(stderr, "%s: %s\n", record.json.c_str(), s.ToString().c_str());
  FUZZ_CHECK(s.ok());
  FUZZ_CHECK(schemas->Delete("all", id, &report).ok());
}

// Records that pass, and one that breaks every rule, as in
// tests/schema/schema_manager_test.cc.
void WriteSeeds(const std::function<void(std::string_view)>& add) {
  add(R"({"name":"ada","age":36,"score":1.5,"born":"1815-12-10T08:00:00Z","extra":{"k":[1]},)"
      R"("photo":"aGVsbG8=","pid":"3.14159","at":[2,-1],"tier":"gold","code":7})");
  add(R"({"name":"bo b","ok":false,"born":"2026-11-24","extra":[1,2,3],"at":[0.5,1e3]})");
  add(R"({"name":"A","age":17,"score":"high","ok":1,"born":"24/11/2026","photo":"***",)"
      R"("pid":"3.14x","at":[1],"tier":"bronze","nick":"x"})");
}

}  // namespace
}  // namespace spirapi::fuzz

SPIRAPI_FUZZ_TARGET(spirapi::fuzz::Check, spirapi::fuzz::WriteSeeds)
