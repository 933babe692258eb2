// SchemaTest: a fixture for the schema tests: a database, a SchemaManager,
// and helpers that check a refused write changed nothing.

#ifndef SPIRAPI_TESTS_SCHEMA_SCHEMA_TEST_UTIL_H_
#define SPIRAPI_TESTS_SCHEMA_SCHEMA_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <memory>
#include <string>
#include <vector>

#include "spirapi/db.h"
#include "spirapi/schema.h"
#include "support/temp_dir.h"

namespace spirapi::test {

class SchemaTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void TearDown() override {
    schemas_.reset();
    db_.reset();
  }
  void Reopen() {
    schemas_.reset();
    db_.reset();
    Options o;
    o.background_work = false;
    ASSERT_TRUE(DB::Open(o, dir_.Sub("db"), &db_).ok());
    ASSERT_TRUE(SchemaManager::Open(db_.get(), &schemas_).ok());
  }
  void Create(const std::string& name, SchemaZone zone, const std::string& fields) {
    SchemaInfo info;
    Status s = schemas_->CreateSchema(name, zone, fields, &info);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  std::string Insert(const std::string& schema, const std::string& json) {
    std::string id;
    Status s = schemas_->Insert(schema, json, &id);
    EXPECT_TRUE(s.ok()) << json << ": " << s.ToString();
    return id;
  }
  // What a refused write must leave as it was: the schema, its records and
  // the identifier counter (the database's last sequence number).
  struct Unchanged {
    size_t records = 0;
    std::string schema_json;
    uint64_t last_sequence = 0;
  };
  Unchanged Snapshot(const std::string& schema) {
    Unchanged state;
    std::vector<SchemaRecord> records;
    EXPECT_TRUE(schemas_->Find(schema, {}, &records).ok());
    state.records = records.size();
    SchemaInfo info;
    EXPECT_TRUE(schemas_->GetSchema(schema, &info).ok());
    state.schema_json = info.json;
    DbStats stats;
    EXPECT_TRUE(db_->GetStats(&stats).ok());
    state.last_sequence = stats.last_sequence;
    return state;
  }
  void ExpectUnchanged(const std::string& schema, const Unchanged& before,
                       const std::string& what) {
    const Unchanged after = Snapshot(schema);
    EXPECT_EQ(before.records, after.records) << what;
    EXPECT_EQ(before.schema_json, after.schema_json) << what;
    EXPECT_EQ(before.last_sequence, after.last_sequence) << what;
  }
  // The error of an insert that must fail, with nothing written: not even
  // the identifier counter.
  std::string Rejected(const std::string& schema, const std::string& json) {
    const Unchanged before = Snapshot(schema);
    std::string id;
    Status s = schemas_->Insert(schema, json, &id);
    EXPECT_TRUE(s.IsInvalidArgument()) << json << ": " << s.ToString();
    ExpectUnchanged(schema, before, json);
    return s.message();
  }
  rapidjson::Document Fields(const std::string& schema) {
    SchemaInfo info;
    EXPECT_TRUE(schemas_->GetSchema(schema, &info).ok());
    rapidjson::Document doc;
    doc.Parse(info.json.c_str());
    return doc;
  }

  TempDir dir_;
  std::unique_ptr<DB> db_;
  std::unique_ptr<SchemaManager> schemas_;
};

}  // namespace spirapi::test

#endif  // SPIRAPI_TESTS_SCHEMA_SCHEMA_TEST_UTIL_H_
