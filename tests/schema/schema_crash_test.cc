// Schemas after kill -9: a child writes to relational and temporal schemas
// (inserts, batches of inserts, updates, restricted and cascading deletes)
// until it is killed; after each kill the database reopens and every
// invariant holds: no reference dangles, the reference records match the
// records exactly, and a temporal record's current form is the last version
// of its history.

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spirapi/db.h"
#include "spirapi/schema.h"
#include "support/temp_dir.h"

namespace spirapi {
namespace {

std::vector<std::string> Ids(SchemaManager* schemas, const std::string& schema) {
  std::vector<SchemaRecord> records;
  if (!schemas->Find(schema, {}, &records).ok()) return {};
  std::vector<std::string> ids;
  for (const SchemaRecord& r : records) ids.push_back(r.id);
  return ids;
}

// The child's workload; runs until killed.
[[noreturn]] void Work(const std::string& path, int ready_fd, uint64_t seed) {
  std::unique_ptr<DB> db;
  std::unique_ptr<SchemaManager> schemas;
  if (!DB::Open(Options(), path, &db).ok()) _exit(3);
  if (!SchemaManager::Open(db.get(), &schemas).ok()) _exit(4);
  std::vector<std::string> authors = Ids(schemas.get(), "authors");
  std::vector<std::string> posts = Ids(schemas.get(), "posts");
  std::vector<std::string> prices = Ids(schemas.get(), "prices");
  if (::write(ready_fd, "r", 1) != 1) _exit(6);
  std::mt19937_64 rng(seed);
  auto pick = [&](const std::vector<std::string>& from) { return from[rng() % from.size()]; };
  for (uint64_t i = 0;; ++i) {
    std::string id;
    const int op = static_cast<int>(rng() % 8);
    if (op == 0 || authors.empty()) {
      if (schemas->Insert("authors", R"({"name":"a)" + std::to_string(i) + R"("})", &id).ok()) {
        authors.push_back(id);
      }
    } else if (op == 1) {
      if (schemas->Insert("posts", R"({"author":")" + pick(authors) + R"("})", &id).ok()) {
        posts.push_back(id);
      }
    } else if (op == 2) {  // a batch: all of it or none after a kill
      std::vector<std::string> texts;
      for (int k = 0; k < 3; ++k) texts.push_back(R"({"author":")" + pick(authors) + R"("})");
      InsertBatchReport report;
      if (schemas->InsertBatch("posts", {texts[0], texts[1], texts[2]}, &report).ok()) {
        posts.insert(posts.end(), report.ids.begin(), report.ids.end());
      }
    } else if (op == 3 && !posts.empty()) {
      schemas->Insert("comments", R"({"post":")" + pick(posts) + R"("})", &id);
    } else if (op == 4 && !posts.empty()) {
      schemas->Update("posts", pick(posts), R"({"author":")" + pick(authors) + R"("})");
    } else if (op == 5) {
      schemas->Delete(rng() % 2 ? "authors" : "posts",
                      rng() % 2 ? pick(authors) : (posts.empty() ? "x-1" : pick(posts)),
                      nullptr);
    } else if (op == 6 || prices.empty()) {
      if (schemas->Insert("prices", R"({"cents":)" + std::to_string(i) + "}", &id).ok()) {
        prices.push_back(id);
      }
    } else {
      const std::string price = pick(prices);
      if (rng() % 4 == 0) {
        schemas->Delete("prices", price, nullptr);
      } else {
        schemas->Update("prices", price, R"({"cents":)" + std::to_string(i) + "}");
      }
    }
  }
}

void CheckInvariants(DB* db, SchemaManager* schemas) {
  VerifyReport report;
  ASSERT_TRUE(db->Verify(&report).ok());
  EXPECT_TRUE(report.clean());
  // Every reference a record holds, from the records themselves.
  std::set<std::string> expected_edges;
  std::map<std::string, int64_t> expected_counts;
  auto gather = [&](const std::string& schema, const std::string& field,
                    const std::string& target) {
    std::vector<SchemaRecord> records;
    ASSERT_TRUE(schemas->Find(schema, {}, &records).ok());
    for (const SchemaRecord& r : records) {
      rapidjson::Document doc;
      doc.Parse(r.json.c_str());
      ASSERT_TRUE(doc.HasMember(field.c_str())) << r.json;
      const std::string tid = doc[field.c_str()].GetString();
      SchemaRecord referred;
      EXPECT_TRUE(schemas->Get(target, tid, &referred).ok())
          << schema << "/" << r.id << " refers to missing " << target << "/" << tid;
      expected_edges.insert("ref/" + target + "/" + tid + "/" + schema + "/" + r.id);
      ++expected_counts["refs/" + target + "/" + tid];
    }
  };
  gather("posts", "author", "authors");
  gather("comments", "post", "posts");
  std::set<std::string> edges;
  std::map<std::string, int64_t> counts;
  ScanOptions so;
  so.prefix = "ref";
  ASSERT_TRUE(db->Scan(ReadOptions(), Component::kIndex, so, [&](const StorageRecord& r) {
                  if (r.id.starts_with("ref/")) edges.insert(r.id);
                  if (r.id.starts_with("refs/")) {
                    rapidjson::Document doc;
                    doc.Parse(r.data.c_str());
                    counts[r.id] = doc["count"].GetInt64();
                  }
                  return true;
                }).ok());
  EXPECT_EQ(edges, expected_edges);
  EXPECT_EQ(counts, expected_counts);
  // Temporal: the current form is the last version, and a record is current
  // exactly when its last version is not a deletion.
  std::map<std::string, std::pair<std::string, bool>> last;  // id -> (data, deleted)
  so.prefix = "hist/prices/";
  ASSERT_TRUE(db->Scan(ReadOptions(), Component::kSchema, so, [&](const StorageRecord& r) {
                  const std::string rest = r.id.substr(so.prefix.size());
                  last[rest.substr(0, rest.find('/'))] = {
                      r.data, r.metadata.find("\"deleted\":true") != std::string::npos};
                  return true;
                }).ok());
  std::vector<SchemaRecord> current;
  ASSERT_TRUE(schemas->Find("prices", {}, &current).ok());
  size_t live = 0;
  for (const auto& [id, version] : last) live += version.second ? 0 : 1;
  EXPECT_EQ(current.size(), live);
  std::printf("after kill -9: %zu references, %zu temporal records (%zu live)\n", edges.size(),
              last.size(), live);
  for (const SchemaRecord& r : current) {
    ASSERT_EQ(last.count(r.id), 1u) << r.id;
    EXPECT_EQ(last[r.id].first, r.json);
    EXPECT_FALSE(last[r.id].second);
  }
}

TEST(SchemaCrash, RelationalAndTemporalInvariantsHoldAfterKill9) {
  test::TempDir dir;
  const std::string path = dir.Sub("db");
  {
    std::unique_ptr<DB> db;
    std::unique_ptr<SchemaManager> schemas;
    ASSERT_TRUE(DB::Open(Options(), path, &db).ok());
    ASSERT_TRUE(SchemaManager::Open(db.get(), &schemas).ok());
    SchemaInfo info;
    ASSERT_TRUE(schemas->CreateSchema("authors", SchemaZone::kStructured,
                                      R"({"name":{"type":"string"}})", &info).ok());
    ASSERT_TRUE(schemas->CreateSchema(
        "posts", SchemaZone::kRelational,
        R"({"author":{"type":"reference","references":"authors","required":true}})", &info).ok());
    ASSERT_TRUE(schemas->CreateSchema(
        "comments", SchemaZone::kRelational,
        R"({"post":{"type":"reference","references":"posts","on_delete":"cascade",
                    "required":true}})", &info).ok());
    ASSERT_TRUE(schemas->CreateSchema("prices", SchemaZone::kTemporal,
                                      R"({"cents":{"type":"integer"}})", &info).ok());
    // The first id computes π digits for the id source: not in the children.
    std::string id;
    ASSERT_TRUE(schemas->Insert("authors", R"({"name":"first"})", &id).ok());
  }
  std::mt19937_64 rng(11);
  for (int cycle = 0; cycle < 4; ++cycle) {
    int ready[2];
    ASSERT_EQ(::pipe(ready), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) Work(path, ready[1], rng());
    ::close(ready[1]);
    char byte;
    ASSERT_EQ(::read(ready[0], &byte, 1), 1);
    ::close(ready[0]);
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 250));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the child exited with " << WEXITSTATUS(status);
    std::unique_ptr<DB> db;
    std::unique_ptr<SchemaManager> schemas;
    ASSERT_TRUE(DB::Open(Options(), path, &db).ok());
    ASSERT_TRUE(SchemaManager::Open(db.get(), &schemas).ok());
    CheckInvariants(db.get(), schemas.get());
    if (HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace spirapi
