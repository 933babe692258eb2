// Export to JSON Schema and SQL DDL, and import from JSON Schema: a round
// trip keeps every field and rule; the DDL runs in SQLite and enforces the
// rules SQLite can express; what an import cannot represent is refused.

#include "schema/schema_export.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <re2/re2.h>
#include <sqlite3.h>

#include <algorithm>
#include <string>
#include <vector>

namespace spirapi::schema {
namespace {

constexpr char kFields[] = R"({
  "email": {"type": "string", "required": true, "unique": true, "max_length": 64,
            "pattern": "[a-z]+@[a-z]+\\.org"},
  "age": {"type": "integer", "min_value": 0, "max_value": 150, "default": 18},
  "score": {"type": "float", "min_value": 0.5},
  "active": {"type": "boolean", "default": true},
  "joined": {"type": "datetime"},
  "extra": {"type": "json", "max_length": 3},
  "photo": {"type": "blob"},
  "user_id": {"type": "pi_sequence"},
  "home": {"type": "spiral_coordinate"},
  "tier": {"type": "string", "enum": ["gold", "it's"]}})";

Schema MakeSchema(SchemaZone zone) {
  Schema schema;
  schema.name = "users";
  schema.zone = zone;
  schema.version = 3;
  Status s = ParseFieldDefs(kFields, &schema.fields);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return schema;
}

TEST(SchemaExport, JsonSchemaRoundTrip) {
  for (SchemaZone zone : {SchemaZone::kStructured, SchemaZone::kFlexible, SchemaZone::kEmergent}) {
    const Schema schema = MakeSchema(zone);
    const std::string exported = ExportJsonSchema(schema);
    rapidjson::Document doc;
    doc.Parse(exported.c_str());
    ASSERT_TRUE(doc.IsObject()) << exported;
    EXPECT_STREQ(doc["$schema"].GetString(), "https://json-schema.org/draft/2020-12/schema");
    EXPECT_STREQ(doc["properties"]["email"]["pattern"].GetString(),
                 "^(?:[a-z]+@[a-z]+\\.org)$");
    EXPECT_STREQ(doc["properties"]["joined"]["format"].GetString(), "date-time");
    EXPECT_EQ(doc["additionalProperties"].GetBool(), zone != SchemaZone::kStructured);
    ASSERT_EQ(doc["required"].Size(), 1u);

    SchemaZone imported_zone;
    std::map<std::string, FieldDef> fields;
    Status s = ImportJsonSchema(exported, &imported_zone, &fields);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(imported_zone, zone);
    ASSERT_EQ(fields.size(), schema.fields.size());
    for (const auto& [name, def] : schema.fields) {
      EXPECT_EQ(FieldDefJson(fields.at(name)), FieldDefJson(def)) << name;
    }
  }
}

TEST(SchemaExport, ForeignJsonSchemaImport) {
  SchemaZone zone;
  std::map<std::string, FieldDef> fields;
  Status s = ImportJsonSchema(
      R"({"type":"object","additionalProperties":false,"required":["n"],)"
      R"("properties":{"n":{"type":"integer","minimum":1},"when":{"type":"string","format":"date-time"},)"
      R"("code":{"type":"string","pattern":"[0-9]{3}"},"any":{}}})",
      &zone, &fields);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(zone, SchemaZone::kStructured);
  EXPECT_EQ(FieldDefJson(fields.at("n")), R"({"type":"integer","required":true,"min_value":1})");
  EXPECT_EQ(fields.at("when").type, FieldType::kDatetime);
  EXPECT_EQ(fields.at("any").type, FieldType::kJson);
  // An unanchored JSON Schema pattern matches anywhere in the value.
  EXPECT_TRUE(re2::RE2::FullMatch("ab123cd", *fields.at("code").compiled_pattern));

  s = ImportJsonSchema(
      R"({"type":"object","oneOf":[],"required":["ghost"],)"
      R"("properties":{"o":{"type":"object","properties":{}},"x":{"type":"integer","multipleOf":2}}})",
      &zone, &fields);
  ASSERT_TRUE(s.IsInvalidArgument());
  for (const char* part : {"unsupported keyword 'oneOf'", "o: unsupported keyword 'properties'",
                           "x: unsupported keyword 'multipleOf'", "'ghost' has no property"}) {
    EXPECT_NE(s.message().find(part), std::string::npos) << part << " in " << s.message();
  }
  EXPECT_TRUE(ImportJsonSchema("[]", &zone, &fields).IsInvalidArgument());
  EXPECT_TRUE(ImportJsonSchema(R"({"type":"array"})", &zone, &fields).IsInvalidArgument());
}

std::string Ddl(const Schema& schema) {
  std::string ddl;
  const Status s = ExportSqlDdl(schema, &ddl);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return ddl;
}

class SqliteDb {
 public:
  SqliteDb() { sqlite3_open(":memory:", &db_); }
  ~SqliteDb() { sqlite3_close(db_); }
  bool Exec(const std::string& sql, std::string* error = nullptr) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
    if (message != nullptr) {
      if (error != nullptr) *error = message;
      sqlite3_free(message);
    }
    return rc == SQLITE_OK;
  }
  // The first column of each row of a query, in order.
  std::vector<std::string> Column(const std::string& query) {
    std::vector<std::string> out;
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, query.c_str(), -1, &stmt, nullptr), SQLITE_OK) << query;
    while (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(stmt, 0);
      out.emplace_back(text == nullptr ? "" : reinterpret_cast<const char*>(text));
    }
    sqlite3_finalize(stmt);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

TEST(SchemaExport, SqlDdlRunsInSqliteAndEnforcesRules) {
  const std::string ddl = Ddl(MakeSchema(SchemaZone::kStructured));
  SqliteDb db;
  std::string error;
  ASSERT_TRUE(db.Exec(ddl, &error)) << error << "\n" << ddl;
  EXPECT_NE(ddl.find("/* pattern"), std::string::npos);
  const std::string ok =
      R"(INSERT INTO "users" ("id","email","age","score","active","joined","extra","photo","user_id","home","tier") )"
      R"(VALUES ('a','x@y.org',30,0.75,1,'2026-11-24T10:00:00Z','[1,2]','aGk=','3.14159','[1,-2]','it''s'))";
  ASSERT_TRUE(db.Exec(ok, &error)) << error;
  ASSERT_TRUE(db.Exec(R"(INSERT INTO "users" ("id","email","user_id") VALUES ('m','m@y.org','3'))",
                      &error))
      << error;
  // Defaults apply; every rule SQLite can express refuses a bad row.
  ASSERT_TRUE(db.Exec(R"(INSERT INTO "users" ("id","email") VALUES ('b','z@y.org'))", &error))
      << error;
  for (const char* bad : {
           R"(INSERT INTO "users" ("id","email") VALUES ('c','x@y.org'))",            // unique
           R"(INSERT INTO "users" ("id") VALUES ('d'))",                              // required
           R"(INSERT INTO "users" ("id","email","age") VALUES ('e','e@y.org',151))",  // max
           R"(INSERT INTO "users" ("id","email","score") VALUES ('f','f@y.org',0.25))",
           R"(INSERT INTO "users" ("id","email","active") VALUES ('g','g@y.org',2))",
           R"(INSERT INTO "users" ("id","email","extra") VALUES ('h','h@y.org','{bad'))",
           R"(INSERT INTO "users" ("id","email","extra") VALUES ('i','i@y.org','[1,2,3,4]'))",
           R"(INSERT INTO "users" ("id","email","user_id") VALUES ('j','j@y.org','3.14x'))",
           R"(INSERT INTO "users" ("id","email","user_id") VALUES ('j','j@y.org','3..1'))",
           R"(INSERT INTO "users" ("id","email","home") VALUES ('k','k@y.org','[1]'))",
           R"(INSERT INTO "users" ("id","email","tier") VALUES ('l','l@y.org','bronze'))",
       }) {
    EXPECT_FALSE(db.Exec(bad)) << bad;
  }
}

TEST(SchemaExport, ReferencesRoundTripAndBecomeForeignKeys) {
  Schema authors;
  authors.name = "authors";
  authors.zone = SchemaZone::kStructured;
  ASSERT_TRUE(ParseFieldDefs(R"({"name": {"type": "string"}})", &authors.fields).ok());
  Schema posts;
  posts.name = "posts";
  posts.zone = SchemaZone::kRelational;
  ASSERT_TRUE(ParseFieldDefs(R"({
      "author": {"type": "reference", "references": "authors", "required": true},
      "editor": {"type": "reference", "references": "authors", "on_delete": "cascade"}})",
                             &posts.fields)
                  .ok());
  SchemaZone zone;
  std::map<std::string, FieldDef> fields;
  Status s = ImportJsonSchema(ExportJsonSchema(posts), &zone, &fields);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(zone, SchemaZone::kRelational);
  for (const auto& [name, def] : posts.fields) {
    EXPECT_EQ(FieldDefJson(fields.at(name)), FieldDefJson(def)) << name;
  }
  SqliteDb db;
  std::string error;
  ASSERT_TRUE(db.Exec("PRAGMA foreign_keys = ON;" + Ddl(authors) + Ddl(posts), &error))
      << error << Ddl(posts);
  ASSERT_TRUE(db.Exec(R"(INSERT INTO "authors" ("id") VALUES ('a'), ('b'))", &error)) << error;
  ASSERT_TRUE(db.Exec(R"(INSERT INTO "posts" ("id","author","editor") VALUES ('p','a','b'))",
                      &error))
      << error;
  EXPECT_FALSE(db.Exec(R"(INSERT INTO "posts" ("id","author") VALUES ('q','zz'))"));
  EXPECT_FALSE(db.Exec(R"(DELETE FROM "authors" WHERE "id" = 'a')"));  // restrict
  ASSERT_TRUE(db.Exec(R"(DELETE FROM "authors" WHERE "id" = 'b')", &error)) << error;  // cascade
  // The post went with its editor, so its id is free again.
  ASSERT_TRUE(db.Exec(R"(INSERT INTO "posts" ("id","author") VALUES ('p','a'))", &error)) << error;
}

// Regression: a pattern was pasted into a /* */ comment as it was, so one
// holding "*/ ...; DROP TABLE victim; --" ran its SQL when the export was
// fed to SQLite. Every name, literal and pattern here tries to break out.
TEST(SchemaExport, HostileNamesAndRulesStayInsideTheirStatement) {
  Schema schema;
  schema.name = "users";
  schema.zone = SchemaZone::kStructured;
  const char* kHostile = R"({
    "note": {"type": "string", "pattern": "x*/ ; DROP TABLE victim; --"},
    "star": {"type": "string", "pattern": "a*\\/b\n*/ DROP TABLE victim; /*"},
    "q\"uote": {"type": "string", "default": "'); DROP TABLE victim; --"},
    "tick'); DROP TABLE victim; --": {"type": "integer"},
    "nul": {"type": "string", "enum": ["a\u0000'); DROP TABLE victim; --", "b"],
            "default": "b"},
    "js": {"type": "json", "default": {"k": "'); DROP TABLE victim; --"}},
    "dash--": {"type": "string", "pattern": "--\r\n*/ DROP TABLE victim"}})";
  Status s = ParseFieldDefs(kHostile, &schema.fields);
  ASSERT_TRUE(s.ok()) << s.ToString();
  const std::string ddl = Ddl(schema);

  SqliteDb db;
  std::string error;
  ASSERT_TRUE(db.Exec("CREATE TABLE victim (x); INSERT INTO victim VALUES (1);", &error)) << error;
  ASSERT_TRUE(db.Exec(ddl, &error)) << error << "\n" << ddl;
  EXPECT_EQ(db.Column("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"),
            (std::vector<std::string>{"users", "victim"}));
  EXPECT_EQ(db.Column("SELECT count(*) FROM victim"), std::vector<std::string>{"1"});
  // The names are the columns, each whole.
  std::vector<std::string> columns = db.Column("SELECT name FROM pragma_table_info('users')");
  std::vector<std::string> expected = {"id"};
  for (const auto& [name, def] : schema.fields) expected.push_back(name);
  std::sort(columns.begin(), columns.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(columns, expected);
  // The default with a quote is stored as given; the enum's NUL is in the
  // value, not the end of the statement.
  ASSERT_TRUE(db.Exec(R"(INSERT INTO "users" ("id") VALUES ('r'))", &error)) << error;
  EXPECT_EQ(db.Column(R"(SELECT "q""uote" FROM "users")"),
            std::vector<std::string>{"'); DROP TABLE victim; --"});
  EXPECT_FALSE(db.Exec(R"(INSERT INTO "users" ("id","nul") VALUES ('s','a'))"));
  ASSERT_TRUE(db.Exec(R"(INSERT INTO "users" ("id","nul") VALUES ('t','a' || char(0) || )"
                      R"('''); DROP TABLE victim; --'))",
                      &error))
      << error;
  // The pattern reads back exactly from its comment (a JSON string).
  EXPECT_NE(ddl.find(R"(/* pattern "x*\/ ; DROP TABLE victim; --": )"), std::string::npos)
      << ddl;
}

TEST(SchemaExport, FieldsThatWouldBeOneSqlColumnAreRefused) {
  for (const char* fields : {R"({"a": {"type": "string"}, "A": {"type": "string"}})",
                             R"({"ID": {"type": "integer"}})"}) {
    Schema schema;
    schema.name = "t";
    ASSERT_TRUE(ParseFieldDefs(fields, &schema.fields).ok());
    std::string ddl;
    const Status s = ExportSqlDdl(schema, &ddl);
    EXPECT_TRUE(s.IsInvalidArgument()) << fields;
    EXPECT_NE(s.message().find("one column"), std::string::npos) << s.ToString();
    EXPECT_EQ(ddl, "");
  }
}

// Found by the schema_export fuzzer: a field name or rule of raw bytes
// that are not UTF-8 was accepted, and the JSON Schema export was not JSON.
TEST(SchemaExport, DefinitionsThatAreNotUtf8AreRefused) {
  const std::vector<std::string> kNotUtf8 = {
      "{\"na\x86\x96me\": {\"type\": \"string\"}}",
      "{\"n\": {\"type\": \"string\", \"enum\": [\"\xff\"]}}",
      "{\"n\": {\"type\": \"string\", \"default\": \"\xc3\"}}"};
  for (const std::string& fields : kNotUtf8) {
    std::map<std::string, FieldDef> parsed;
    const Status s = ParseFieldDefs(fields, &parsed);
    EXPECT_TRUE(s.IsInvalidArgument()) << fields;
    EXPECT_NE(s.message().find("UTF-8"), std::string::npos) << s.ToString();
  }
}

TEST(SchemaExport, JsonSchemaOfHostileNamesParses) {
  Schema schema;
  schema.name = "users";
  ASSERT_TRUE(ParseFieldDefs(R"({"a\"b\\": {"type": "string", "pattern": "\"}]\u0001"},
                                  "\u2028": {"type": "json", "default": "\u0000"}})",
                             &schema.fields)
                  .ok());
  const std::string exported = ExportJsonSchema(schema);
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(exported.c_str(), exported.size());
  ASSERT_FALSE(doc.HasParseError()) << exported;
  const rapidjson::Value& field = doc["properties"]["a\"b\\"];
  EXPECT_EQ(std::string(field["pattern"].GetString(), field["pattern"].GetStringLength()),
            "^(?:\"}]\x01)$");
  EXPECT_EQ(doc["properties"]["\u2028"]["default"].GetStringLength(), 1u);
}

}  // namespace
}  // namespace spirapi::schema
