// Indexes over a schema's records (IndexSpec::schema): entries hold the
// values as the schema presents them, through writes, schema changes that
// re-present stored values (alter to string, rename, emergent widening,
// rollback), builds, verify and drop; queries answered by them equal a scan.

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "db/db_impl.h"
#include "index/index_catalog.h"
#include "spirapi/index.h"
#include "spirapi/query.h"
#include "spirapi/schema.h"
#include "support/index_fixture.h"

namespace spirapi {
namespace {

class SchemaIndexTest : public IndexTest {
 protected:
  void SetUp() override {
    IndexTest::SetUp();
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
  void Evolve(const std::string& schema, SchemaChange c) {
    SchemaInfo info;
    Status s = schemas_->Evolve(schema, c, &info);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  IndexSpec SchemaSpec(const std::string& name, const std::string& schema,
                       std::vector<std::string> fields, IndexType type = IndexType::kBtree) {
    IndexSpec spec = Spec(name, std::move(fields), type);
    spec.component = Component::kSchema;
    spec.schema = schema;
    return spec;
  }
  std::string RunSchema(const std::string& schema, const std::string& q,
                        QueryStats* stats = nullptr) {
    QuerySource source;
    source.schema = schema;
    return RunOn(source, q, stats);
  }
  // Each query answered with the schema's indexes (which must be exact and
  // be used by `min_used` of them) equals its answer by a scan, made by
  // dropping them (they are created again after).
  void ExpectIndexEqualsScan(const std::string& schema, const std::vector<IndexSpec>& specs,
                             const std::vector<std::string>& queries, int min_used) {
    ExpectClean();
    std::vector<std::string> indexed, plans;
    int used = 0;
    for (const auto& q : queries) {
      QueryStats stats;
      indexed.push_back(RunSchema(schema, q, &stats));
      plans.push_back(stats.plan);
      used += stats.plan.find(" by index") != std::string::npos;
    }
    EXPECT_GE(used, min_used);
    for (const auto& spec : specs) ASSERT_TRUE(DropIndex(db_.get(), spec.name).ok());
    for (size_t i = 0; i < queries.size(); ++i) {
      QueryStats stats;
      EXPECT_EQ(indexed[i], RunSchema(schema, queries[i], &stats)) << queries[i] << "\n"
                                                                   << plans[i];
      EXPECT_EQ(stats.plan.find(" by index"), std::string::npos);
    }
    for (const auto& spec : specs) {
      Status s = CreateIndex(db_.get(), spec);  // a build over the existing records
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
    ExpectClean();
  }

  std::unique_ptr<SchemaManager> schemas_;
};

SchemaChange Change(const std::string& action, const std::string& field,
                    const std::string& definition, const std::string& new_name = "") {
  SchemaChange c;
  c.action = action;
  c.field = field;
  c.new_definition = definition;
  c.new_name = new_name;
  return c;
}

const std::vector<std::string> kAgeQueries = {
    R"({"age":30})",
    R"({"age":30.0})",
    R"({"age":{"$in":[1,7,"7",30]}})",
    R"({"age":{"$gte":20,"$lt":40}})",
    R"({"age":{"$gte":"20","$lt":"40"}})",
    R"({"age":"30"})",
    R"({"$sort":{"age":"desc"},"$limit":7})",
    R"({"$sort":{"age":"asc"},"$skip":3,"$limit":5})",
    R"({"age":{"$gt":10},"$count":true})",
    R"({"name":"n3"})",
    R"({"name":{"$prefix":"n1"},"age":{"$lt":50}})",
};

TEST_F(SchemaIndexTest, AnswersEqualAScanThroughWritesAndAnAlterToString) {
  Create("people", SchemaZone::kStructured,
         R"({"age":{"type":"integer"},"name":{"type":"string"}})");
  // A component record and another schema's that an index must not cover.
  Put("c1", R"({"age":30})");
  Create("other", SchemaZone::kStructured, R"({"age":{"type":"integer"}})");
  Insert("other", R"({"age":30})");
  std::mt19937 rng(7);
  std::vector<std::string> ids;
  for (int i = 0; i < 150; ++i) {
    ids.push_back(Insert("people", "{\"age\":" + std::to_string(rng() % 60) + ",\"name\":\"n" +
                                       std::to_string(rng() % 20) + "\"}"));
  }
  const std::vector<IndexSpec> specs = {
      SchemaSpec("by_age", "people", {"age"}),
      SchemaSpec("by_name", "people", {"name"}, IndexType::kHash)};
  for (const auto& spec : specs) ASSERT_TRUE(CreateIndex(db_.get(), spec).ok());
  ExpectIndexEqualsScan("people", specs, kAgeQueries, 7);

  // Updates and deletes.
  for (int i = 0; i < 40; ++i) {
    const std::string& id = ids[rng() % ids.size()];
    Status s = schemas_->Update("people", id,
                                "{\"age\":" + std::to_string(rng() % 60) + ",\"name\":\"n" +
                                    std::to_string(rng() % 20) + "\"}");
    ASSERT_TRUE(s.ok() || s.IsNotFound()) << s.ToString();
    DeleteReport report;
    s = schemas_->Delete("people", ids[rng() % ids.size()], &report);
    ASSERT_TRUE(s.ok() || s.IsNotFound()) << s.ToString();
  }
  ExpectIndexEqualsScan("people", specs, kAgeQueries, 7);

  // The records stay stored as integers; the schema now presents them as
  // strings, and an equality on the string finds them by the index.
  Evolve("people", Change("alter", "age", R"({"type":"string"})"));
  const std::string before = RunSchema("people", R"({"age":"30"})");
  EXPECT_NE(before, "");
  QueryStats stats;
  EXPECT_EQ(RunSchema("people", R"({"age":30})", &stats), "");
  EXPECT_NE(stats.plan.find("by index by_age"), std::string::npos) << stats.plan;
  Insert("people", R"({"age":"30","name":"late"})");
  ExpectIndexEqualsScan("people", specs, kAgeQueries, 7);
}

TEST_F(SchemaIndexTest, EmergentWideningAndRenameRepresentStoredValues) {
  Create("em", SchemaZone::kEmergent, R"({"age":{"type":"integer"},"name":{"type":"string"}})");
  for (int i = 0; i < 30; ++i) {
    Insert("em", "{\"age\":" + std::to_string(i % 10 * 7) + ",\"name\":\"n" +
                     std::to_string(i % 4) + "\"}");
  }
  const std::vector<IndexSpec> specs = {SchemaSpec("em_age", "em", {"age"}),
                                        SchemaSpec("em_name", "em", {"name", "age"})};
  for (const auto& spec : specs) ASSERT_TRUE(CreateIndex(db_.get(), spec).ok());
  // A record whose age is text widens the field in the same commit.
  Insert("em", R"({"age":"seven","name":"n1"})");
  SchemaInfo info;
  ASSERT_TRUE(schemas_->GetSchema("em", &info).ok());
  ExpectIndexEqualsScan("em", specs, kAgeQueries, 5);
  // A record written before the widening is found by its presented value.
  EXPECT_NE(RunSchema("em", R"({"age":"7"})"), "") << info.json;

  Evolve("em", Change("rename", "name", "", "label"));
  ExpectIndexEqualsScan("em", specs,
                        {R"({"name":{"$exists":false}})", R"({"name":"n1"})", R"({"label":"n1"})",
                         R"({"$sort":{"name":"asc"},"$limit":3})"},
                        1);
}

TEST_F(SchemaIndexTest, RollbackAndDefaultsRepresentStoredValues) {
  Create("items", SchemaZone::kStructured, R"({"name":{"type":"string"}})");
  for (int i = 0; i < 12; ++i) Insert("items", "{\"name\":\"i" + std::to_string(i % 5) + "\"}");
  const std::vector<IndexSpec> specs = {SchemaSpec("by_size", "items", {"size"})};
  ASSERT_TRUE(CreateIndex(db_.get(), specs[0]).ok());
  // A field added with a default: old records present it.
  Evolve("items", Change("add", "size", R"({"type":"integer","default":3})"));
  Insert("items", R"({"name":"big","size":9})");
  const std::vector<std::string> queries = {R"({"size":3})", R"({"size":9})",
                                            R"({"size":{"$exists":false}})",
                                            R"({"$sort":{"size":"desc"},"$limit":4})"};
  ExpectIndexEqualsScan("items", specs, queries, 2);
  EXPECT_NE(RunSchema("items", R"({"size":3})"), "");
  RollbackReport report;
  SchemaInfo info;
  Status s = schemas_->Rollback("items", 1, /*force=*/true, &report, &info);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ExpectIndexEqualsScan("items", specs, queries, 2);
  EXPECT_EQ(RunSchema("items", R"({"size":3})"), "");
}

TEST_F(SchemaIndexTest, VerifyFindsAMissingEntryAndRebuildRepairsIt) {
  Create("p", SchemaZone::kStructured, R"({"n":{"type":"integer"}})");
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) ids.push_back(Insert("p", "{\"n\":" + std::to_string(i) + "}"));
  ASSERT_TRUE(CreateIndex(db_.get(), SchemaSpec("p_n", "p", {"n"})).ok());
  std::vector<IndexInfo> infos;
  ASSERT_TRUE(ListIndexes(db_.get(), &infos).ok());
  ASSERT_EQ(infos.size(), 1u);
  EXPECT_EQ(infos[0].spec.schema, "p");
  EXPECT_EQ(infos[0].entries, 20u);
  auto* impl = static_cast<DBImpl*>(db_.get());
  const index::IndexDef* def = impl->IndexCatalog()->Find("p_n");
  rapidjson::Document seven;
  seven.Parse("{\"n\":7}");
  WriteBatch batch;
  batch.internal = true;
  WriteOp gone;
  gone.component = Component::kIndex;
  gone.id = index::EntryFor(*def, "rec/p/" + ids[7], seven, nullptr);
  gone.is_delete = true;
  batch.ops = {gone};
  ASSERT_TRUE(impl->Write(WriteOptions(), &batch, DBImpl::Conditions()).ok());
  std::vector<IndexMismatch> mismatches;
  ASSERT_TRUE(VerifyIndex(db_.get(), "p_n", &mismatches).ok());
  ASSERT_EQ(mismatches.size(), 1u);
  EXPECT_EQ(mismatches[0].record_id, ids[7]);
  EXPECT_EQ(mismatches[0].what, "entry missing");
  ASSERT_TRUE(RebuildIndex(db_.get(), "p_n").ok());
  ExpectClean();
  EXPECT_NE(RunSchema("p", R"({"n":7})"), "");
}

TEST_F(SchemaIndexTest, BadSpecsAreRefusedAndDefinitionsPersist) {
  IndexSpec spec = SchemaSpec("x", "nosuch", {"n"});
  EXPECT_TRUE(CreateIndex(db_.get(), spec).IsNotFound());
  Create("p", SchemaZone::kStructured, R"({"n":{"type":"integer"}})");
  spec.schema = "p";
  spec.fields = {"@metadata.n"};
  EXPECT_TRUE(CreateIndex(db_.get(), spec).IsInvalidArgument());
  spec.fields = {"n"};
  spec.component = Component::kCache;
  EXPECT_TRUE(CreateIndex(db_.get(), spec).IsInvalidArgument());
  spec.component = Component::kSchema;
  ASSERT_TRUE(CreateIndex(db_.get(), spec).ok());
  Insert("p", R"({"n":4})");
  schemas_.reset();
  Open();  // the definition, with its schema, is read back
  ASSERT_TRUE(SchemaManager::Open(db_.get(), &schemas_).ok());
  std::vector<IndexInfo> infos;
  ASSERT_TRUE(ListIndexes(db_.get(), &infos).ok());
  ASSERT_EQ(infos.size(), 1u);
  EXPECT_EQ(infos[0].spec.schema, "p");
  QueryStats stats;
  EXPECT_NE(RunSchema("p", R"({"n":4})", &stats), "");
  EXPECT_NE(stats.plan.find("schema p by index x"), std::string::npos) << stats.plan;
  ExpectClean();
}

}  // namespace
}  // namespace spirapi
