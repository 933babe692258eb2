// The fixture of the secondary index tests (tests/index/*_test.cc): a
// database without background work, records in the CACHE component.

#ifndef SPIRAPI_TESTS_SUPPORT_INDEX_FIXTURE_H_
#define SPIRAPI_TESTS_SUPPORT_INDEX_FIXTURE_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "spirapi/db.h"
#include "spirapi/index.h"
#include "spirapi/query.h"
#include "support/temp_dir.h"

namespace spirapi {

class IndexTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    db_.reset();
    Options o;
    o.background_work = false;
    ASSERT_TRUE(DB::Open(o, dir_.Sub("db"), &db_).ok());
  }

  void Put(const std::string& id, const std::string& data, const std::string& metadata = "{}") {
    WriteOptions wo;
    wo.sync = false;
    ASSERT_TRUE(db_->Put(wo, Component::kCache, id, data, metadata).ok()) << id;
  }

  IndexSpec Spec(const std::string& name, std::vector<std::string> fields,
                 IndexType type = IndexType::kBtree) {
    IndexSpec spec;
    spec.name = name;
    spec.component = Component::kCache;
    spec.fields = std::move(fields);
    spec.type = type;
    return spec;
  }

  // Rows joined by " ", or "ERROR: ...".
  std::string Run(const std::string& q, QueryStats* stats = nullptr) {
    QuerySource source;
    source.component = Component::kCache;
    return RunOn(source, q, stats);
  }
  std::string RunOn(const QuerySource& source, const std::string& q, QueryStats* stats = nullptr) {
    std::string out;
    Status s = RunQuery(
        db_.get(), source, q, QueryOptions(),
        [&](std::string_view row) {
          out += std::string(row) + " ";
          return true;
        },
        stats);
    return s.ok() ? out : "ERROR: " + s.ToString();
  }

  void ExpectClean() {
    std::vector<IndexMismatch> mismatches;
    ASSERT_TRUE(VerifyIndex(db_.get(), "", &mismatches).ok());
    for (const auto& m : mismatches)
      ADD_FAILURE() << m.index << " " << m.record_id << " " << m.what;
  }

  test::TempDir dir_;
  std::unique_ptr<DB> db_;
};

}  // namespace spirapi

#endif  // SPIRAPI_TESTS_SUPPORT_INDEX_FIXTURE_H_
