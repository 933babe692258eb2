// Fuzzes the exporters of schemas: SQL DDL (ExportSqlDdl) and JSON Schema
// (ExportJsonSchema), with field names, patterns, enums and defaults from the
// input. Input: one byte choosing the zone, then field definitions as given
// to CreateSchema (ParseFieldDefs).
// Checks: the SQL is refused only for names SQL would fold into one column;
// otherwise SQLite prepares and runs every statement in it, each a CREATE
// TABLE or CREATE INDEX, and afterwards holds exactly the exported table
// beside a victim table that still has its row. The JSON Schema parses as
// (valid UTF-8) JSON with one property per field.

#include <rapidjson/document.h>
#include <sqlite3.h>

#include <set>

#include "fuzz_util.h"
#include "schema/schema_export.h"
#include "schema/schema_model.h"

namespace spirapi::fuzz {
namespace {

using schema::FieldDef;
using schema::Schema;

constexpr char kTable[] = "fuzz";

// Names as SQLite compares them (ASCII case folded), or false on a repeat.
bool DistinctSqlColumns(const Schema& schema) {
  std::set<std::string> seen = {"id"};
  for (const auto& [name, def] : schema.fields) {
    std::string folded = name;
    for (char& c : folded) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    if (!seen.insert(folded).second) return false;
  }
  return true;
}

// The first column of every row of `query`.
std::vector<std::string> Rows(sqlite3* db, const char* query) {
  std::vector<std::string> out;
  sqlite3_stmt* stmt = nullptr;
  FUZZ_CHECK(sqlite3_prepare_v2(db, query, -1, &stmt, nullptr) == SQLITE_OK);
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(stmt, 0);
    out.emplace_back(text == nullptr ? "" : reinterpret_cast<const char*>(text));
  }
  sqlite3_finalize(stmt);
  return out;
}

void CheckSql(const Schema& schema) {
  std::string ddl;
  const Status s = schema::ExportSqlDdl(schema, &ddl);
  FUZZ_CHECK(s.ok() == DistinctSqlColumns(schema));
  if (!s.ok()) {
    FUZZ_CHECK(s.IsInvalidArgument() && ddl.empty());
    return;
  }
  sqlite3* db = nullptr;
  FUZZ_CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK);
  FUZZ_CHECK(sqlite3_exec(db, "CREATE TABLE victim (x); INSERT INTO victim VALUES (1);", nullptr,
                          nullptr, nullptr) == SQLITE_OK);
  // Statement by statement, as a shell would run the file.
  const char* at = ddl.c_str();
  const char* const end = ddl.c_str() + ddl.size();
  int tables = 0;
  while (at < end) {
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    const int rc = sqlite3_prepare_v2(db, at, static_cast<int>(end - at), &stmt, &tail);
    if (rc != SQLITE_OK) std::fprintf(stderr, "%s\n%s\n", sqlite3_errmsg(db), ddl.c_str());
    FUZZ_CHECK(rc == SQLITE_OK);
    FUZZ_CHECK(tail > at);
    at = tail;
    if (stmt == nullptr) continue;  // only blanks or comments
    const std::string_view sql = sqlite3_sql(stmt);
    const bool table = sql.starts_with("CREATE TABLE ");
    FUZZ_CHECK(table || sql.starts_with("CREATE INDEX "));
    tables += table;
    FUZZ_CHECK(sqlite3_step(stmt) == SQLITE_DONE);
    sqlite3_finalize(stmt);
  }
  FUZZ_CHECK(tables == 1);
  FUZZ_CHECK(Rows(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") ==
             (std::vector<std::string>{kTable, "victim"}));
  FUZZ_CHECK(Rows(db, "SELECT count(*) FROM victim") == std::vector<std::string>{"1"});
  FUZZ_CHECK(Rows(db, "SELECT count(*) FROM pragma_table_info('fuzz')") ==
             std::vector<std::string>{std::to_string(schema.fields.size() + 1)});
  sqlite3_close(db);
}

void CheckJsonSchema(const Schema& schema) {
  const std::string exported = schema::ExportJsonSchema(schema);
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(exported.data(), exported.size());
  FUZZ_CHECK(!doc.HasParseError() && doc.IsObject());
  FUZZ_CHECK(doc.HasMember("properties") && doc["properties"].IsObject());
  const auto& properties = doc["properties"];
  FUZZ_CHECK(properties.MemberCount() == schema.fields.size());
  for (const auto& [name, def] : schema.fields) {
    const rapidjson::Value key(rapidjson::StringRef(name.data(), name.size()));
    FUZZ_CHECK(properties.HasMember(key));
  }
}

void Check(std::string_view input) {
  if (input.empty()) return;
  Schema schema;
  schema.name = kTable;
  const SchemaZone kZones[] = {SchemaZone::kStructured, SchemaZone::kFlexible,
                               SchemaZone::kEmergent, SchemaZone::kRelational,
                               SchemaZone::kTemporal};
  schema.zone = kZones[static_cast<uint8_t>(input[0]) % 5];
  const std::string json(input.substr(1));  // some parsers need a terminating NUL
  const Status s = schema::ParseFieldDefs(json, &schema.fields);
  FUZZ_CHECK(s.ok() || s.IsInvalidArgument());
  if (!s.ok()) return;
  CheckSql(schema);
  CheckJsonSchema(schema);
}

// Every type and rule, and names, patterns and literals that try to end
// their quoting or comment.
void WriteSeeds(const std::function<void(std::string_view)>& add) {
  const char* kFields[] = {
      R"({"name": {"type": "string", "required": true, "min_length": 2, "max_length": 5,
          "pattern": "[a-z]+", "unique": true},
          "age": {"type": "integer", "min_value": -18, "max_value": 130, "default": 20},
          "score": {"type": "float", "default": 1.5}, "ok": {"type": "boolean", "default": true},
          "born": {"type": "datetime"}, "extra": {"type": "json", "max_length": 3},
          "photo": {"type": "blob"}, "pid": {"type": "pi_sequence"},
          "at": {"type": "spiral_coordinate"},
          "tier": {"type": "string", "enum": ["gold", "it's"]}})",
      R"({"note": {"type": "string", "pattern": "x*/ ; DROP TABLE victim; --"},
          "q\"uote": {"type": "string", "default": "'); DROP TABLE victim; --"},
          "tick'); DROP TABLE victim; --": {"type": "integer"},
          "nul": {"type": "string", "enum": ["a\u0000'); DROP TABLE victim; --", "b"]},
          "js": {"type": "json", "default": {"k": "*/'\"\u0000"}},
          "dash--": {"type": "string", "pattern": "--\r\n*/ DROP TABLE victim; /*"}})",
      R"({"author": {"type": "reference", "references": "authors", "on_delete": "cascade"},
          "a": {"type": "string"}, "A": {"type": "string"}})",
  };
  for (int i = 0; i < 3; ++i) add(std::string(1, static_cast<char>(i == 2 ? 3 : i)) + kFields[i]);
}

}  // namespace
}  // namespace spirapi::fuzz

SPIRAPI_FUZZ_TARGET(spirapi::fuzz::Check, spirapi::fuzz::WriteSeeds)
