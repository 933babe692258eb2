// SchemaManager::InsertBatch: many records in one transaction, all or none,
// each validated and stored as Insert would store it.

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <atomic>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "schema/schema_test_util.h"
#include "spirapi/schema.h"

namespace spirapi {
namespace {

using test::SchemaTest;

class SchemaBatchTest : public SchemaTest {
 protected:
  std::vector<std::string> Batch(const std::string& schema,
                                 const std::vector<std::string_view>& records) {
    InsertBatchReport report;
    Status s = schemas_->InsertBatch(schema, records, &report);
    EXPECT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(report.ids.size(), s.ok() ? records.size() : 0u);
    EXPECT_EQ(report.rejected, InsertBatchReport::kNone);
    return report.ids;
  }
  // A batch that must be refused at record `index`, leaving the schema, its
  // records and the identifier counter as they were. Returns the message.
  std::string Refused(const std::string& schema, const std::vector<std::string_view>& records,
                      size_t index) {
    const Unchanged before = Snapshot(schema);
    InsertBatchReport report;
    Status s = schemas_->InsertBatch(schema, records, &report);
    EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
    EXPECT_EQ(report.rejected, index) << s.ToString();
    EXPECT_TRUE(report.ids.empty());
    EXPECT_EQ(s.message(), "record " + std::to_string(index) + ": " + report.reason);
    ExpectUnchanged(schema, before, s.message());
    return s.message();
  }
  uint64_t IndexRecords(const std::string& prefix) {
    uint64_t n = 0;
    ScanOptions so;
    so.prefix = prefix;
    EXPECT_TRUE(db_->Scan(ReadOptions(), Component::kIndex, so, [&](const StorageRecord&) {
                      ++n;
                      return true;
                    }).ok());
    return n;
  }
};

constexpr char kUsers[] = R"({"email": {"type": "string", "unique": true, "required": true},
                               "age": {"type": "integer", "min_value": 0},
                               "active": {"type": "boolean", "default": true}})";

TEST_F(SchemaBatchTest, StoresEveryRecordAsInsertWouldInOrder) {
  Create("users", SchemaZone::kStructured, kUsers);
  const std::string first = Insert("users", R"({"email": "a@x", "age": 1})");
  const std::vector<std::string> ids =
      Batch("users", {R"({"email": "b@x", "age": 2})", R"({"email": "c@x"})",
                      R"({"age": 4, "email": "d@x", "active": false})"});
  ASSERT_EQ(ids.size(), 3u);
  // Identifiers are taken in order, after the one Insert took.
  const std::string last = Insert("users", R"({"email": "e@x"})");
  const auto position = [](const std::string& id) { return std::stoull(id.substr(id.find('-') + 1)); };
  EXPECT_EQ(position(ids[0]), position(first) + 1);
  EXPECT_EQ(position(ids[1]), position(ids[0]) + 1);
  EXPECT_EQ(position(ids[2]), position(ids[1]) + 1);
  EXPECT_EQ(position(last), position(ids[2]) + 1);
  const char* expected[] = {R"({"email":"b@x","age":2,"active":true})",
                            R"({"email":"c@x","active":true})",
                            R"({"age":4,"email":"d@x","active":false})"};
  for (size_t i = 0; i < ids.size(); ++i) {
    SchemaRecord r;
    ASSERT_TRUE(schemas_->Get("users", ids[i], &r).ok());
    EXPECT_EQ(r.json, expected[i]);
    EXPECT_EQ(r.schema_version, 1u);
  }
  std::vector<SchemaRecord> found;
  ASSERT_TRUE(schemas_->Find("users", {{"email", R"("c@x")"}}, &found).ok());
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].id, ids[1]);
  EXPECT_EQ(IndexRecords("unique/users/email/"), 5u);
}

TEST_F(SchemaBatchTest, OneBadRecordRefusesTheWholeBatch) {
  Create("users", SchemaZone::kStructured, kUsers);
  Insert("users", R"({"email": "a@x"})");
  EXPECT_EQ(Refused("users", {R"({"email": "b@x"})", R"({"email": "c@x"})",
                              R"({"email": "d@x", "age": -1, "extra": 1})"},
                    2),
            "record 2: record rejected by schema 'users': extra: not in schema 'users' "
            "(structured zone); age: -1 is below min_value 0");
  EXPECT_EQ(Refused("users", {R"({"email": "b@x"})", R"({"age": 3})"}, 1),
            "record 1: record rejected by schema 'users': email: required");
  // Not JSON, or not an object: found before the transaction begins.
  EXPECT_NE(Refused("users", {R"({"email": "b@x"})", R"({"email": )"}, 1)
                .find("record 1: the record is not accepted: "),
            std::string::npos);
  EXPECT_EQ(Refused("users", {"[1]"}, 0), "record 0: a record must be a JSON object");
  // Invalid UTF-8 is named as such.
  EXPECT_NE(Refused("users", {"{\"email\": \"\xff\"}"}, 0).find("record 0: "), std::string::npos);
  // The refused values are free: the same records without the bad one go in.
  EXPECT_EQ(Batch("users", {R"({"email": "b@x"})", R"({"email": "c@x"})"}).size(), 2u);
}

TEST_F(SchemaBatchTest, UniqueValuesAreCheckedBetweenTheRecordsOfABatch) {
  Create("users", SchemaZone::kStructured, kUsers);
  const std::string a = Insert("users", R"({"email": "a@x"})");
  EXPECT_EQ(Refused("users", {R"({"email": "b@x"})", R"({"email": "c@x"})",
                              R"({"email": "b@x"})"},
                    2),
            "record 2: record rejected by schema 'users': email: \"b@x\" is already used by "
            "record 0 of this batch");
  EXPECT_EQ(Refused("users", {R"({"email": "b@x"})", R"({"email": "a@x"})"}, 1),
            "record 1: record rejected by schema 'users': email: \"a@x\" is already used by "
            "record " + a);
  // Values compare as the type makes them equal, here too.
  Create("m", SchemaZone::kStructured, R"({"x": {"type": "float", "unique": true}})");
  Refused("m", {R"({"x": 3})", R"({"x": 1})", R"({"x": 3.0})"}, 2);
}

TEST_F(SchemaBatchTest, FlexibleEvolutionAppliesToTheRecordsAfter) {
  Create("notes", SchemaZone::kFlexible, R"({"title": {"type": "string"}})");
  // "b" becomes a string field with record 0, so record 1's number breaks it.
  Refused("notes", {R"({"title": "t", "b": "x"})", R"({"b": 5})"}, 1);
  EXPECT_EQ(Fields("notes")["version"].GetUint64(), 1u);
  const std::vector<std::string> ids =
      Batch("notes", {R"({"title": "t", "b": "x"})", R"({"title": "u"})",
                      R"({"b": "y", "c": true})", R"({"c": false})"});
  ASSERT_EQ(ids.size(), 4u);
  // Each record that changed the schema made a version, as Insert would.
  rapidjson::Document schema = Fields("notes");
  EXPECT_EQ(schema["version"].GetUint64(), 3u);
  EXPECT_EQ(std::string(schema["fields"]["b"]["type"].GetString()), "string");
  EXPECT_EQ(std::string(schema["fields"]["c"]["type"].GetString()), "boolean");
  const auto& history = schema["evolution_history"];
  ASSERT_EQ(history.Size(), 2u);
  EXPECT_EQ(std::string(history[0]["reason"].GetString()), "record " + ids[0] + " has b = \"x\"");
  EXPECT_EQ(history[0]["version"].GetUint64(), 2u);
  EXPECT_EQ(std::string(history[1]["reason"].GetString()), "record " + ids[2] + " has c = true");
  EXPECT_EQ(history[1]["version"].GetUint64(), 3u);
  const uint64_t versions[] = {2, 2, 3, 3};
  for (size_t i = 0; i < ids.size(); ++i) {
    SchemaRecord r;
    ASSERT_TRUE(schemas_->Get("notes", ids[i], &r).ok());
    EXPECT_EQ(r.schema_version, versions[i]) << i;
  }
}

// Widening a unique field's type rekeys its values, also those of the
// records before it in the batch; two widenings leave no stale keys.
TEST_F(SchemaBatchTest, EmergentWideningOfAUniqueFieldInsideABatch) {
  Create("e", SchemaZone::kEmergent, R"({"a": {"type": "integer", "unique": true}})");
  const std::string seven = Insert("e", R"({"a": 7})");
  EXPECT_NE(Refused("e", {R"({"a": 5})", R"({"a": "5"})"}, 1)
                .find("\"5\" is already used by record 0 of this batch"),
            std::string::npos);
  EXPECT_NE(Refused("e", {R"({"a": "7"})"}, 0).find("already used by record " + seven),
            std::string::npos);
  const std::vector<std::string> ids =
      Batch("e", {R"({"a": 5})", R"({"a": 2.5})", R"({"a": "x"})", R"({"a": "6"})"});
  ASSERT_EQ(ids.size(), 4u);
  rapidjson::Document schema = Fields("e");
  EXPECT_EQ(std::string(schema["fields"]["a"]["type"].GetString()), "string");
  EXPECT_EQ(schema["version"].GetUint64(), 3u);  // integer -> float -> string
  // One key per record, each as the string type presents the value.
  EXPECT_EQ(IndexRecords("unique/e/a/"), 5u);
  for (const auto& [value, id] : std::vector<std::pair<std::string, std::string>>{
           {R"("7")", seven}, {R"("5")", ids[0]}, {R"("2.5")", ids[1]}, {R"("6")", ids[3]}}) {
    std::vector<SchemaRecord> found;
    ASSERT_TRUE(schemas_->Find("e", {{"a", value}}, &found).ok());
    ASSERT_EQ(found.size(), 1u) << value;
    EXPECT_EQ(found[0].id, id) << value;
    EXPECT_NE(Rejected("e", R"({"a": )" + value + "}").find("already used by record " + id),
              std::string::npos);
  }
}

TEST_F(SchemaBatchTest, TemporalRecordsGetTheirFirstVersion) {
  Create("prices", SchemaZone::kTemporal, R"({"cents": {"type": "integer", "required": true}})");
  Refused("prices", {R"({"cents": 1})", R"({"cents": "x"})"}, 1);
  const std::vector<std::string> ids = Batch("prices", {R"({"cents": 1})", R"({"cents": 2})"});
  ASSERT_EQ(ids.size(), 2u);
  for (size_t i = 0; i < ids.size(); ++i) {
    std::vector<SchemaRecord> history;
    ASSERT_TRUE(schemas_->History("prices", ids[i], &history).ok());
    ASSERT_EQ(history.size(), 1u);
    EXPECT_EQ(history[0].json, "{\"cents\":" + std::to_string(i + 1) + "}");
    SchemaRecord r;
    ASSERT_TRUE(schemas_->GetAsOf("prices", ids[i], history[0].valid_from, &r).ok());
    EXPECT_EQ(r.json, history[0].json);
  }
  ASSERT_TRUE(schemas_->Update("prices", ids[0], R"({"cents": 10})").ok());
  std::vector<SchemaRecord> history;
  ASSERT_TRUE(schemas_->History("prices", ids[0], &history).ok());
  ASSERT_EQ(history.size(), 2u);
  EXPECT_LT(history[0].valid_from, history[1].valid_from);
}

TEST_F(SchemaBatchTest, ReferencesAreCheckedAndCounted) {
  Create("authors", SchemaZone::kStructured, R"({"name": {"type": "string"}})");
  Create("posts", SchemaZone::kRelational,
         R"({"author": {"type": "reference", "references": "authors", "required": true}})");
  const std::string a = Insert("authors", R"({"name": "a"})");
  const std::string ref = R"({"author": ")" + a + R"("})";
  EXPECT_NE(Refused("posts", {ref, R"({"author": "nobody-1"})"}, 1)
                .find("refers to record 'nobody-1' of schema 'authors', which does not exist"),
            std::string::npos);
  const std::vector<std::string> ids = Batch("posts", {ref, ref, ref});
  ASSERT_EQ(ids.size(), 3u);
  StorageRecord count;
  ASSERT_TRUE(db_->Get(ReadOptions(), Component::kIndex, "refs/authors/" + a, &count).ok());
  EXPECT_EQ(count.data, R"({"count":3})");
  EXPECT_EQ(IndexRecords("ref/authors/" + a + "/posts/"), 3u);
  Status s = schemas_->Delete("authors", a, nullptr);
  ASSERT_TRUE(s.IsInvalidArgument());
  for (const std::string& id : ids) EXPECT_NE(s.message().find(id), std::string::npos);
}

TEST_F(SchemaBatchTest, EmptyBatchesAndMissingSchemas) {
  Create("users", SchemaZone::kStructured, kUsers);
  EXPECT_TRUE(Batch("users", {}).empty());
  EXPECT_TRUE(schemas_->InsertBatch("users", {R"({"email": "a@x"})"}, nullptr).ok());
  InsertBatchReport report;
  EXPECT_TRUE(schemas_->InsertBatch("nope", {R"({"email": "a@x"})"}, &report).IsNotFound());
  EXPECT_TRUE(schemas_->InsertBatch("nope", {}, &report).IsNotFound());
  EXPECT_TRUE(schemas_->InsertBatch("bad name", {}, &report).IsInvalidArgument());
}

// Two batches sharing a unique value, at once: one commits; the other
// conflicts, is retried and refused, so the value is held once.
TEST_F(SchemaBatchTest, ConcurrentBatchesKeepValuesUnique) {
  Create("users", SchemaZone::kStructured, kUsers);
  for (int round = 0; round < 5; ++round) {
    std::vector<std::vector<std::string>> texts(2);
    for (int t = 0; t < 2; ++t) {
      for (int i = 0; i < 50; ++i) {
        // Both batches hold "shared<round>", the rest are their own.
        const std::string email = i == 49 ? "shared" + std::to_string(round)
                                          : std::to_string(round) + "-" + std::to_string(t) +
                                                "-" + std::to_string(i);
        texts[t].push_back(R"({"email": ")" + email + R"("})");
      }
    }
    std::atomic<int> ok{0}, refused{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t) {
      threads.emplace_back([&, t] {
        std::vector<std::string_view> records(texts[t].begin(), texts[t].end());
        InsertBatchReport report;
        Status s = schemas_->InsertBatch("users", records, &report);
        if (s.ok()) ++ok;
        if (s.IsInvalidArgument() && report.rejected == 49) ++refused;
      });
    }
    for (std::thread& t : threads) t.join();
    EXPECT_EQ(ok.load(), 1);
    EXPECT_EQ(refused.load(), 1);
  }
  std::vector<SchemaRecord> all;
  ASSERT_TRUE(schemas_->Find("users", {}, &all).ok());
  EXPECT_EQ(all.size(), 5u * 50);
}

}  // namespace
}  // namespace spirapi
