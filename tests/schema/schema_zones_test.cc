// The temporal and relational zones, and Update and Delete of records.

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "schema/schema_test_util.h"
#include "spirapi/schema.h"

namespace spirapi {
namespace {

using test::SchemaTest;

double Now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void Pause() { std::this_thread::sleep_for(std::chrono::milliseconds(5)); }

rapidjson::Document Parse(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  return doc;
}

TEST_F(SchemaTest, UpdateValidatesAndKeepsUniqueValuesRight) {
  Create("users", SchemaZone::kStructured,
         R"({"email": {"type": "string", "unique": true, "required": true},
             "age": {"type": "integer", "min_value": 0}})");
  const std::string a = Insert("users", R"({"email": "a@x", "age": 1})");
  const std::string b = Insert("users", R"({"email": "b@x", "age": 2})");
  // Taken by another record: refused, nothing changes.
  Status s = schemas_->Update("users", a, R"({"email": "b@x", "age": 3})");
  ASSERT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("already used by record " + b), std::string::npos) << s.message();
  s = schemas_->Update("users", a, R"({"email": "a@x", "age": -1, "extra": 1})");
  ASSERT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("age: -1 is below min_value 0"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("extra: not in schema"), std::string::npos) << s.message();
  SchemaRecord r;
  ASSERT_TRUE(schemas_->Get("users", a, &r).ok());
  EXPECT_EQ(r.json, R"({"email":"a@x","age":1})");
  // Its own value is no conflict; a changed value frees the old one.
  ASSERT_TRUE(schemas_->Update("users", a, R"({"email": "a@x", "age": 5})").ok());
  ASSERT_TRUE(schemas_->Update("users", a, R"({"email": "c@x", "age": 5})").ok());
  Insert("users", R"({"email": "a@x"})");
  EXPECT_TRUE(schemas_->Update("users", "no-such-id", R"({"email": "z@x"})").IsNotFound());
  // A delete frees its unique values.
  DeleteReport report;
  ASSERT_TRUE(schemas_->Delete("users", b, &report).ok());
  EXPECT_EQ(report.deleted, std::vector<std::string>{"users/" + b});
  EXPECT_TRUE(schemas_->Get("users", b, &r).IsNotFound());
  Insert("users", R"({"email": "b@x"})");
  EXPECT_TRUE(schemas_->Delete("users", b, nullptr).IsNotFound());
}

TEST_F(SchemaTest, FindOnAUniqueFieldLooksItUp) {
  Create("users", SchemaZone::kEmergent,
         R"({"email": {"type": "string", "unique": true},
             "n": {"type": "integer", "unique": true}})");
  const std::string a = Insert("users", R"({"email": "a@x", "n": 5})");
  const std::string b = Insert("users", R"({"email": "b@x", "n": 6})");
  std::vector<SchemaRecord> found;
  ASSERT_TRUE(schemas_->Find("users", {{"email", R"("b@x")"}}, &found).ok());
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].id, b);
  ASSERT_TRUE(schemas_->Find("users", {{"email", R"("b@x")"}, {"n", "7"}}, &found).ok());
  EXPECT_TRUE(found.empty());  // the other condition still applies
  ASSERT_TRUE(schemas_->Find("users", {{"email", R"("c@x")"}}, &found).ok());
  EXPECT_TRUE(found.empty());
  ASSERT_TRUE(schemas_->Update("users", b, R"({"email": "c@x", "n": 6})").ok());
  ASSERT_TRUE(schemas_->Find("users", {{"email", R"("b@x")"}}, &found).ok());
  EXPECT_TRUE(found.empty());
  ASSERT_TRUE(schemas_->Find("users", {{"email", R"("c@x")"}}, &found).ok());
  ASSERT_EQ(found.size(), 1u);
  // n widens to string: a's 5 is presented as "5", and the widening
  // rebuilt n's unique records for text, so the lookup finds it.
  Insert("users", R"({"email": "d@x", "n": "seven"})");
  ASSERT_TRUE(schemas_->Find("users", {{"n", R"("5")"}}, &found).ok());
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].id, a);
}

TEST_F(SchemaTest, TemporalZoneKeepsEveryVersionAndReadsAsOf) {
  Create("prices", SchemaZone::kTemporal,
         R"({"item": {"type": "string", "required": true}, "cents": {"type": "integer"}})");
  // Unknown fields are rejected, as in the structured zone.
  EXPECT_NE(Rejected("prices", R"({"item": "tea", "color": "red"})").find("temporal zone"),
            std::string::npos);
  const double t0 = Now();
  Pause();
  const std::string tea = Insert("prices", R"({"item": "tea", "cents": 100})");
  const std::string jam = Insert("prices", R"({"item": "jam", "cents": 300})");
  Pause();
  const double t1 = Now();
  Pause();
  ASSERT_TRUE(schemas_->Update("prices", tea, R"({"item": "tea", "cents": 120})").ok());
  Pause();
  const double t2 = Now();
  Pause();
  ASSERT_TRUE(schemas_->Delete("prices", jam, nullptr).ok());
  Pause();
  const double t3 = Now();

  auto cents_at = [&](double t) {
    std::vector<SchemaRecord> found;
    Status s = schemas_->FindAsOf("prices", {}, t, &found);
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::set<std::string> items;
    for (const SchemaRecord& r : found) {
      rapidjson::Document doc = Parse(r.json);
      items.insert(std::string(doc["item"].GetString()) + "=" +
                   std::to_string(doc["cents"].GetInt()));
    }
    std::string out;
    for (const std::string& item : items) out += item + " ";
    return out;
  };
  EXPECT_EQ(cents_at(t0), "");
  EXPECT_EQ(cents_at(t1), "jam=300 tea=100 ");
  EXPECT_EQ(cents_at(t2), "jam=300 tea=120 ");
  EXPECT_EQ(cents_at(t3), "tea=120 ");
  std::vector<SchemaRecord> found;
  ASSERT_TRUE(schemas_->FindAsOf("prices", {{"cents", "300"}}, t2, &found).ok());
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].id, jam);

  std::vector<SchemaRecord> history;
  ASSERT_TRUE(schemas_->History("prices", tea, &history).ok());
  ASSERT_EQ(history.size(), 2u);
  EXPECT_GT(history[0].valid_from, t0);
  EXPECT_LT(history[0].valid_from, t1);
  EXPECT_EQ(history[0].valid_to, history[1].valid_from);
  EXPECT_EQ(history[1].valid_to, 0);
  ASSERT_TRUE(schemas_->History("prices", jam, &history).ok());
  ASSERT_EQ(history.size(), 2u);
  EXPECT_TRUE(history[1].deleted);

  SchemaRecord r;
  ASSERT_TRUE(schemas_->GetAsOf("prices", tea, t1, &r).ok());
  EXPECT_EQ(r.json, R"({"item":"tea","cents":100})");
  EXPECT_TRUE(schemas_->GetAsOf("prices", jam, t3, &r).IsNotFound());
  EXPECT_TRUE(schemas_->GetAsOf("prices", tea, t0, &r).IsNotFound());

  // The history survives a reopen, and old versions are presented under the
  // current schema.
  SchemaInfo info;
  ASSERT_TRUE(schemas_->Evolve("prices", {"rename", "cents", "price", "", "", 0, 0, ""}, &info)
                  .ok());
  Reopen();
  ASSERT_TRUE(schemas_->GetAsOf("prices", tea, t1, &r).ok());
  EXPECT_EQ(r.json, R"({"item":"tea","price":100})");

  // Other zones have no history.
  Create("plain", SchemaZone::kFlexible, "{}");
  EXPECT_TRUE(schemas_->FindAsOf("plain", {}, t1, &found).IsInvalidArgument());
  EXPECT_TRUE(schemas_->History("plain", tea, &history).IsInvalidArgument());
}

class RelationalTest : public SchemaTest {
 protected:
  void SetUp() override {
    SchemaTest::SetUp();
    Create("authors", SchemaZone::kStructured, R"({"name": {"type": "string"}})");
    Create("posts", SchemaZone::kRelational,
           R"({"title": {"type": "string"},
               "author": {"type": "reference", "references": "authors", "required": true}})");
    Create("comments", SchemaZone::kRelational,
           R"({"text": {"type": "string"},
               "post": {"type": "reference", "references": "posts", "on_delete": "cascade"}})");
  }
};

TEST_F(RelationalTest, ReferenceFieldsAreChecked) {
  SchemaInfo info;
  // Only in the relational zone, and only to a schema that exists.
  Status s = schemas_->CreateSchema(
      "bad", SchemaZone::kFlexible,
      R"({"a": {"type": "reference", "references": "authors"}})", &info);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("needs the relational zone"), std::string::npos) << s.message();
  s = schemas_->CreateSchema("bad", SchemaZone::kRelational,
                             R"({"a": {"type": "reference", "references": "nobody"}})", &info);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("there is no schema 'nobody'"), std::string::npos) << s.message();
  s = schemas_->CreateSchema("bad", SchemaZone::kRelational,
                             R"({"b": {"type": "reference"},
                                 "c": {"type": "string", "on_delete": "cascade"}})",
                             &info);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("a reference needs \"references\""), std::string::npos);
  EXPECT_NE(s.message().find("apply to type reference only"), std::string::npos);
  EXPECT_TRUE(schemas_->GetSchema("bad", &info).IsNotFound());
}

TEST_F(RelationalTest, ReferencesAreCheckedOnWrite) {
  const std::string ann = Insert("authors", R"({"name": "Ann"})");
  const std::string post = Insert("posts", R"({"title": "On π", "author": ")" + ann + R"("})");
  EXPECT_NE(Rejected("posts", R"({"title": "x", "author": "314159265358-1"})")
                .find("author: refers to record '314159265358-1' of schema 'authors', which does "
                      "not exist"),
            std::string::npos);
  EXPECT_NE(Rejected("posts", R"({"title": "x", "author": 7})").find("is not a record id"),
            std::string::npos);
  // An update may not point at a missing record either.
  Status s = schemas_->Update("posts", post, R"({"title": "y", "author": "nobody-1"})");
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  SchemaRecord r;
  ASSERT_TRUE(schemas_->Get("posts", post, &r).ok());
  EXPECT_NE(r.json.find(ann), std::string::npos);
}

TEST_F(RelationalTest, DeleteRestrictsOrCascades) {
  const std::string ann = Insert("authors", R"({"name": "Ann"})");
  const std::string bob = Insert("authors", R"({"name": "Bob"})");
  const std::string p1 = Insert("posts", R"({"title": "1", "author": ")" + ann + R"("})");
  const std::string p2 = Insert("posts", R"({"title": "2", "author": ")" + ann + R"("})");
  const std::string c1 = Insert("comments", R"({"text": "a", "post": ")" + p1 + R"("})");
  const std::string c2 = Insert("comments", R"({"text": "b", "post": ")" + p1 + R"("})");
  const std::string c3 = Insert("comments", R"({"text": "c", "post": ")" + p2 + R"("})");

  // posts.author restricts: Ann cannot go while her posts exist.
  Status s = schemas_->Delete("authors", ann, nullptr);
  ASSERT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("record '" + p1 + "' of schema 'posts' refers to it (author, "
                             "on_delete restrict)"),
            std::string::npos)
      << s.message();
  SchemaRecord r;
  EXPECT_TRUE(schemas_->Get("authors", ann, &r).ok());

  // comments.post cascades: deleting a post deletes its comments.
  DeleteReport report;
  ASSERT_TRUE(schemas_->Delete("posts", p1, &report).ok());
  ASSERT_EQ(report.deleted.size(), 3u);
  EXPECT_EQ(report.deleted[0], "posts/" + p1);
  EXPECT_EQ(std::set<std::string>(report.deleted.begin() + 1, report.deleted.end()),
            (std::set<std::string>{"comments/" + c1, "comments/" + c2}));
  EXPECT_TRUE(schemas_->Get("comments", c1, &r).IsNotFound());
  EXPECT_TRUE(schemas_->Get("comments", c3, &r).ok());

  // Moving the last post to Bob frees Ann.
  ASSERT_TRUE(schemas_->Update("posts", p2, R"({"title": "2", "author": ")" + bob + R"("})").ok());
  ASSERT_TRUE(schemas_->Delete("authors", ann, nullptr).ok());
  EXPECT_TRUE(schemas_->Delete("authors", bob, nullptr).IsInvalidArgument());
  Reopen();
  EXPECT_TRUE(schemas_->Delete("authors", bob, nullptr).IsInvalidArgument());
  ASSERT_TRUE(schemas_->Delete("posts", p2, &report).ok());
  EXPECT_EQ(report.deleted.size(), 2u);  // the post and c3
  ASSERT_TRUE(schemas_->Delete("authors", bob, nullptr).ok());
}

TEST_F(RelationalTest, DroppingAReferenceFieldReleasesItsReferences) {
  const std::string ann = Insert("authors", R"({"name": "Ann"})");
  Insert("posts", R"({"title": "1", "author": ")" + ann + R"("})");
  SchemaInfo info;
  ASSERT_TRUE(schemas_->Evolve("posts", {"drop", "author", "", "", "", 0, 0, ""}, &info).ok());
  EXPECT_TRUE(schemas_->Delete("authors", ann, nullptr).ok());
}

// A reference written while its target is deleted: one of the two loses
// (they meet on the target's count record), never a dangling reference.
TEST_F(RelationalTest, NoDanglingReferencesUnderConcurrency) {
  for (int round = 0; round < 20; ++round) {
    const std::string author = Insert("authors", R"({"name": "A"})");
    std::atomic<bool> go{false};
    Status insert_status, delete_status;
    std::string post;
    std::thread writer([&] {
      while (!go) {
      }
      insert_status =
          schemas_->Insert("posts", R"({"title": "t", "author": ")" + author + R"("})", &post);
    });
    std::thread deleter([&] {
      while (!go) {
      }
      delete_status = schemas_->Delete("authors", author, nullptr);
    });
    go = true;
    writer.join();
    deleter.join();
    SchemaRecord r;
    const bool author_exists = schemas_->Get("authors", author, &r).ok();
    if (insert_status.ok()) {
      EXPECT_TRUE(author_exists) << "post " << post << " refers to a deleted author";
      EXPECT_TRUE(delete_status.IsInvalidArgument()) << delete_status.ToString();
      ASSERT_TRUE(schemas_->Delete("posts", post, nullptr).ok());
    } else {
      EXPECT_TRUE(insert_status.IsInvalidArgument()) << insert_status.ToString();
      EXPECT_TRUE(delete_status.ok()) << delete_status.ToString();
      EXPECT_FALSE(author_exists);
    }
  }
}

}  // namespace
}  // namespace spirapi
