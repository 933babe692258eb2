// Rollback (refused, forced, through renames and drops) and alters checked
// against the records.

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "schema/schema_test_util.h"
#include "spirapi/schema.h"

namespace spirapi {
namespace {

using test::SchemaTest;

SchemaChange Change(const std::string& action, const std::string& field,
                    const std::string& definition = "", const std::string& new_name = "") {
  SchemaChange c;
  c.action = action;
  c.field = field;
  c.new_definition = definition;
  c.new_name = new_name;
  return c;
}

TEST_F(SchemaTest, AlterIsRefusedWhenRecordsViolateIt) {
  Create("people", SchemaZone::kStructured, R"({"age": {"type": "integer"}})");
  const std::string young = Insert("people", R"({"age": 12})");
  Insert("people", R"({"age": 40})");
  SchemaInfo before, info;
  ASSERT_TRUE(schemas_->GetSchema("people", &before).ok());
  Status s = schemas_->Evolve("people", Change("alter", "age", R"({"type": "integer",
                                                                   "min_value": 18})"),
                              &info);
  ASSERT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("1 record(s) violate it (record " + young +
                             ": 12 is below min_value 18)"),
            std::string::npos)
      << s.message();
  ASSERT_TRUE(schemas_->GetSchema("people", &info).ok());
  EXPECT_EQ(info.json, before.json);
  ASSERT_TRUE(schemas_->Evolve("people", Change("alter", "age", R"({"type": "integer",
                                                                   "min_value": 10})"),
                               &info)
                  .ok());
  EXPECT_EQ(info.version, 2u);
}

TEST_F(SchemaTest, RollbackRefusedWhenRecordsSinceViolateIt) {
  Create("items", SchemaZone::kStructured, R"({"name": {"type": "string"}})");
  const std::string old_record = Insert("items", R"({"name": "old"})");
  SchemaInfo info;
  ASSERT_TRUE(schemas_->Evolve("items", Change("add", "size", R"({"type": "integer"})"), &info)
                  .ok());
  ASSERT_EQ(info.version, 2u);
  const std::string sized = Insert("items", R"({"name": "new", "size": 3})");
  const std::string plain = Insert("items", R"({"name": "plain"})");

  SchemaInfo before;
  ASSERT_TRUE(schemas_->GetSchema("items", &before).ok());
  RollbackReport report;
  Status s = schemas_->Rollback("items", 1, /*force=*/false, &report, &info);
  ASSERT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("1 of the 2 record(s) written since violate it (" + sized +
                             ": size: not in version 1)"),
            std::string::npos)
      << s.message();
  EXPECT_EQ(report.checked, 2u);
  EXPECT_EQ(report.violating, 1u);
  ASSERT_TRUE(schemas_->GetSchema("items", &info).ok());
  EXPECT_EQ(info.json, before.json);  // nothing changed
  SchemaRecord r;
  ASSERT_TRUE(schemas_->Get("items", sized, &r).ok());
  EXPECT_EQ(r.json, R"({"name":"new","size":3})");

  // Bad versions.
  EXPECT_TRUE(schemas_->Rollback("items", 0, true, &report, &info).IsInvalidArgument());
  EXPECT_TRUE(schemas_->Rollback("items", 2, true, &report, &info).IsInvalidArgument());
  EXPECT_TRUE(schemas_->Rollback("nope", 1, true, &report, &info).IsNotFound());

  // Once the offending value is gone, the rollback goes through.
  ASSERT_TRUE(schemas_->Update("items", sized, R"({"name": "new"})").ok());
  ASSERT_TRUE(schemas_->Rollback("items", 1, false, &report, &info).ok());
  EXPECT_EQ(info.version, 3u);
  EXPECT_EQ(report.rewritten, 2u);
  rapidjson::Document fields = Fields("items");
  EXPECT_FALSE(fields["fields"].HasMember("size"));
  const auto& last = fields["evolution_history"][1];
  EXPECT_STREQ(last["action"].GetString(), "rollback");
  EXPECT_EQ(last["to_version"].GetUint64(), 1u);
  for (const std::string& id : {old_record, sized, plain}) {
    ASSERT_TRUE(schemas_->Get("items", id, &r).ok());
  }
  EXPECT_EQ(r.json, R"({"name":"plain"})");
  EXPECT_NE(Rejected("items", R"({"name": "x", "size": 1})").find("size: not in schema"),
            std::string::npos);
}

TEST_F(SchemaTest, ForcedRollbackRewritesRecordsAndKeepsTheirOldForm) {
  Create("items", SchemaZone::kStructured,
         R"({"name": {"type": "string", "required": true},
             "qty": {"type": "integer", "default": 1}})");
  SchemaInfo info;
  ASSERT_TRUE(schemas_->Evolve("items", Change("alter", "qty", R"({"type": "float"})"), &info)
                  .ok());
  ASSERT_TRUE(schemas_->Evolve("items", Change("add", "note", R"({"type": "string"})"), &info)
                  .ok());
  const std::string a = Insert("items", R"({"name": "a", "qty": 2.5, "note": "n"})");
  const std::string b = Insert("items", R"({"name": "b", "qty": 4})");
  RollbackReport report;
  ASSERT_TRUE(schemas_->Rollback("items", 1, /*force=*/true, &report, &info).ok());
  EXPECT_EQ(report.checked, 2u);
  EXPECT_EQ(report.violating, 1u);
  EXPECT_EQ(report.rewritten, 2u);
  SchemaRecord r;
  ASSERT_TRUE(schemas_->Get("items", a, &r).ok());
  EXPECT_EQ(r.json, R"({"name":"a","qty":1})");  // 2.5 is no integer: the default
  ASSERT_TRUE(schemas_->Get("items", b, &r).ok());
  EXPECT_EQ(r.json, R"({"name":"b","qty":4})");
  // The form before the rollback is kept.
  StorageRecord kept;
  ASSERT_TRUE(db_->Get(ReadOptions(), Component::kMetadata,
                       "schema-rollback/items/" + std::to_string(info.version) + "/" + a, &kept)
                  .ok());
  EXPECT_EQ(kept.data, R"({"schema_version":3,"record":{"name":"a","qty":2.5,"note":"n"}})");
  Reopen();
  ASSERT_TRUE(schemas_->Get("items", a, &r).ok());
  EXPECT_EQ(r.json, R"({"name":"a","qty":1})");
}

TEST_F(SchemaTest, RollbackBringsBackDroppedAndRenamedFields) {
  Create("notes", SchemaZone::kFlexible, R"({"title": {"type": "string"},
                                             "body": {"type": "string"}})");
  const std::string early = Insert("notes", R"({"title": "t", "body": "kept"})");
  SchemaInfo info;
  ASSERT_TRUE(schemas_->Evolve("notes", Change("drop", "body"), &info).ok());       // v2
  ASSERT_TRUE(schemas_->Evolve("notes", Change("rename", "title", "", "name"), &info)
                  .ok());                                                           // v3
  SchemaRecord r;
  ASSERT_TRUE(schemas_->Get("notes", early, &r).ok());
  EXPECT_EQ(r.json, R"({"name":"t"})");
  const std::string later = Insert("notes", R"({"name": "u"})");
  RollbackReport report;
  ASSERT_TRUE(schemas_->Rollback("notes", 1, false, &report, &info).ok());
  EXPECT_EQ(report.checked, 1u);
  // The record from version 1 reads as it did then: the dropped value is back.
  ASSERT_TRUE(schemas_->Get("notes", early, &r).ok());
  EXPECT_EQ(r.json, R"({"title":"t","body":"kept"})");
  // The later one, renamed back.
  ASSERT_TRUE(schemas_->Get("notes", later, &r).ok());
  EXPECT_EQ(r.json, R"({"title":"u"})");
  // Rolling forward again to version 3 (the fields before the rollback).
  ASSERT_TRUE(schemas_->Rollback("notes", 3, false, &report, &info).ok());
  ASSERT_TRUE(schemas_->Get("notes", early, &r).ok());
  EXPECT_EQ(r.json, R"({"name":"t"})");
  ASSERT_TRUE(schemas_->Get("notes", later, &r).ok());
  EXPECT_EQ(r.json, R"({"name":"u"})");
  std::vector<SchemaRecord> found;
  ASSERT_TRUE(schemas_->Find("notes", {{"name", R"("u")"}}, &found).ok());
  EXPECT_EQ(found.size(), 1u);
}

TEST_F(SchemaTest, RollbackChecksUniqueness) {
  Create("tags", SchemaZone::kStructured, R"({"tag": {"type": "string", "unique": true}})");
  Insert("tags", R"({"tag": "a"})");
  SchemaInfo info;
  ASSERT_TRUE(schemas_->Evolve("tags", Change("alter", "tag", R"({"type": "string"})"), &info)
                  .ok());
  Insert("tags", R"({"tag": "a"})");
  RollbackReport report;
  Status s = schemas_->Rollback("tags", 1, true, &report, &info);
  ASSERT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("\"a\" is in records"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace spirapi
