// Unique fields and `find --where` compare values as the field's type makes
// them equal (CanonicalValue): numbers by value, a string never equal to a
// number, JSON objects whatever their member order; and a schema stored
// before keys were canonical is upgraded on its first write.

#include <rapidjson/document.h>

#include "schema/field_value.h"
#include "schema/schema_json.h"
#include "schema/schema_manager.h"
#include "schema_test_util.h"
#include "util/json_document.h"

namespace spirapi::test {
namespace {

using schema::CanonicalValue;
using schema::FieldType;

std::string Canonical(FieldType type, const std::string& json) {
  rapidjson::Document doc;
  ParseJsonDocument(json, &doc);
  return CanonicalValue(type, doc);
}

TEST(CanonicalValue, OneTextPerValueOfTheType) {
  EXPECT_EQ(Canonical(FieldType::kFloat, "3"), "3");
  EXPECT_EQ(Canonical(FieldType::kFloat, "3.0"), "3");
  EXPECT_EQ(Canonical(FieldType::kFloat, "3.00"), "3");
  EXPECT_EQ(Canonical(FieldType::kFloat, "-0.0"), "0");
  EXPECT_EQ(Canonical(FieldType::kFloat, "0"), "0");
  EXPECT_EQ(Canonical(FieldType::kFloat, "2.50"), "2.5");
  EXPECT_EQ(Canonical(FieldType::kFloat, "1e300"), Canonical(FieldType::kFloat, "1.0e300"));
  // A float field holds doubles: an integer is the double it rounds to.
  EXPECT_EQ(Canonical(FieldType::kFloat, "9007199254740993"), "9007199254740992");
  EXPECT_EQ(Canonical(FieldType::kInteger, "9007199254740993"), "9007199254740993");
  EXPECT_EQ(Canonical(FieldType::kInteger, "18446744073709551615"), "18446744073709551615");
  EXPECT_EQ(Canonical(FieldType::kJson, "1e19"), "10000000000000000000");
  EXPECT_NE(Canonical(FieldType::kJson, "5"), Canonical(FieldType::kJson, "\"5\""));
  EXPECT_EQ(Canonical(FieldType::kJson, R"({"b": [1.0, -0.0], "a": {"y": 1, "x": 2}})"),
            R"({"a":{"x":2,"y":1},"b":[1,0]})");
  EXPECT_EQ(Canonical(FieldType::kString, R"("a\"b")"), R"("a\"b")");
}

// Regression: 3, 3.0, 0, 0.0 and -0.0 were all accepted as different values
// of a unique float field, while 2.50 was refused as 2.5.
TEST_F(SchemaTest, UniqueFloatsCompareByValue) {
  Create("m", SchemaZone::kStructured, R"({"x": {"type": "float", "unique": true}})");
  const std::string three = Insert("m", R"({"x": 3})");
  for (const char* same : {R"({"x": 3.0})", R"({"x": 3.00})", R"({"x": 0.3e1})"}) {
    EXPECT_NE(Rejected("m", same).find("already used by record " + three), std::string::npos);
  }
  const std::string zero = Insert("m", R"({"x": 0.0})");
  for (const char* same : {R"({"x": 0})", R"({"x": -0.0})", R"({"x": -0})"}) {
    EXPECT_NE(Rejected("m", same).find("already used by record " + zero), std::string::npos);
  }
  const std::string half = Insert("m", R"({"x": 2.50})");
  Rejected("m", R"({"x": 2.5})");
  // find --where compares the same way, by lookup and by scan alike.
  for (const auto& [wanted, id] : std::vector<std::pair<std::string, std::string>>{
           {"3.0", three}, {"3", three}, {"-0.0", zero}, {"0", zero}, {"2.5", half}}) {
    std::vector<SchemaRecord> found;
    ASSERT_TRUE(schemas_->Find("m", {{"x", wanted}}, &found).ok());
    ASSERT_EQ(found.size(), 1u) << wanted;
    EXPECT_EQ(found[0].id, id) << wanted;
  }
  std::vector<SchemaRecord> found;
  ASSERT_TRUE(schemas_->Find("m", {{"x", R"("3")"}}, &found).ok());
  EXPECT_TRUE(found.empty());  // a string never equals a number
  // An update to an equal value keeps its own; a different one frees it.
  ASSERT_TRUE(schemas_->Update("m", three, R"({"x": 3.0})").ok());
  ASSERT_TRUE(schemas_->Update("m", three, R"({"x": 4})").ok());
  Insert("m", R"({"x": 3.0})");
  Rejected("m", R"({"x": 4.0})");
  ASSERT_TRUE(schemas_->Delete("m", zero, nullptr).ok());
  Insert("m", R"({"x": -0.0})");
}

// Regression: in an emergent zone {"a":5} then {"a":"5"} were both accepted
// (the second widens a to string, which presents the first as "5"), and a
// find for "5" returned one of the two.
TEST_F(SchemaTest, EmergentWideningComparesAsTheWiderType) {
  Create("e", SchemaZone::kEmergent, R"({"a": {"type": "integer", "unique": true}})");
  const std::string five = Insert("e", R"({"a": 5})");
  EXPECT_NE(Rejected("e", R"({"a": "5"})").find("already used by record " + five),
            std::string::npos);
  const std::string six = Insert("e", R"({"a": "6"})");  // widens a to string
  EXPECT_EQ(std::string(Fields("e")["fields"]["a"]["type"].GetString()), "string");
  Rejected("e", R"({"a": "5"})");
  std::vector<SchemaRecord> found;
  ASSERT_TRUE(schemas_->Find("e", {{"a", R"("5")"}}, &found).ok());
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].id, five);
  ASSERT_TRUE(schemas_->Find("e", {{"a", "6"}}, &found).ok());
  EXPECT_TRUE(found.empty());  // a is text now: the number 6 is not "6"
  // Migrate rewrites 5 as "5"; its unique value stays where it is.
  MigrationReport report;
  ASSERT_TRUE(schemas_->Migrate("e", &report).ok());
  Rejected("e", R"({"a": "5"})");
  ASSERT_TRUE(schemas_->Delete("e", five, nullptr).ok());
  Insert("e", R"({"a": "5"})");
  Rejected("e", R"({"a": "6"})");
  (void)six;
}

TEST_F(SchemaTest, UniqueJsonComparesAsJson) {
  Create("j", SchemaZone::kStructured, R"({"v": {"type": "json", "unique": true}})");
  const std::string obj = Insert("j", R"({"v": {"k": 1, "j": [2.0]}})");
  EXPECT_NE(Rejected("j", R"({"v": {"j": [2], "k": 1.0}})").find(obj), std::string::npos);
  Insert("j", R"({"v": 5})");
  Insert("j", R"({"v": "5"})");  // a string never equals a number
  std::vector<SchemaRecord> found;
  ASSERT_TRUE(schemas_->Find("j", {{"v", R"({"j": [2], "k": 1})"}}, &found).ok());
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].id, obj);
}

TEST_F(SchemaTest, AlteringAUniqueFieldRebuildsItsValues) {
  Create("t", SchemaZone::kStructured, R"({"n": {"type": "integer", "unique": true}})");
  const std::string five = Insert("t", R"({"n": 5})");
  SchemaChange alter;
  alter.action = "alter";
  alter.field = "n";
  alter.new_definition = R"({"type": "string", "unique": true})";
  SchemaInfo info;
  ASSERT_TRUE(schemas_->Evolve("t", alter, &info).ok());
  EXPECT_NE(Rejected("t", R"({"n": "5"})").find(five), std::string::npos);
  Insert("t", R"({"n": "05"})");
}

// A database written before unique keys were canonical: its keys are the
// SHA-256 of each value's JSON text as given, and its schema has no
// "unique_keys". Reads still find by scan; the first write rebuilds the keys.
TEST_F(SchemaTest, SchemaFromBeforeCanonicalKeysIsUpgradedOnFirstWrite) {
  Create("old", SchemaZone::kStructured, R"({"x": {"type": "float", "unique": true}})");
  const std::string first = Insert("old", R"({"x": 3.0})");
  const std::string second = Insert("old", R"({"x": 7.5})");
  // Turn it into what the earlier release wrote: 3.0 keyed by its text
  // "3.0", so that it accepted a 3 beside it.
  ASSERT_TRUE(db_->Delete(WriteOptions(), Component::kIndex,
                          schema::UniqueKey("old", "x", "3"))
                  .ok());
  ASSERT_TRUE(db_->Put(WriteOptions(), Component::kIndex, schema::UniqueKey("old", "x", "3.0"),
                       "{\"id\":\"" + first + "\"}")
                  .ok());
  StorageRecord def;
  ASSERT_TRUE(db_->Get(ReadOptions(), Component::kSchema, "def/old", &def).ok());
  rapidjson::Document doc;
  ParseJsonDocument(def.data, &doc);
  ASSERT_TRUE(doc.RemoveMember("unique_keys"));
  ASSERT_TRUE(
      db_->Put(WriteOptions(), Component::kSchema, "def/old", schema::CompactJson(doc)).ok());
  Reopen();
  std::vector<SchemaRecord> found;
  ASSERT_TRUE(schemas_->Find("old", {{"x", "3"}}, &found).ok());
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].id, first);

  // The upgrade is written even when the write is then refused.
  std::string id;
  Status s = schemas_->Insert("old", R"({"x": 3})", &id);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("already used by record " + first), std::string::npos);
  EXPECT_TRUE(Fields("old").HasMember("unique_keys"));
  Rejected("old", R"({"x": 3.0})");
  StorageRecord key;
  EXPECT_TRUE(
      db_->Get(ReadOptions(), Component::kIndex, schema::UniqueKey("old", "x", "3"), &key).ok());
  EXPECT_TRUE(db_->Get(ReadOptions(), Component::kIndex, schema::UniqueKey("old", "x", "3.0"),
                       &key)
                  .IsNotFound());
  ASSERT_TRUE(schemas_->Update("old", second, R"({"x": 8})").ok());
  Insert("old", R"({"x": 7.5})");
}

}  // namespace
}  // namespace spirapi::test
