// `spirapi health`: exit codes 0 / 5 / 6 by the worst finding, --json,
// --sample, bad usage; `verify --record`.

#include <gtest/gtest.h>

#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

#include "cli_test_util.h"

namespace spirapi {
namespace {

class CliHealthTest : public CliTest {
 protected:
  // Runs `health` with --json; checks that the exit code is the overall
  // severity's and returns the document.
  rapidjson::Document Health(const std::vector<std::string>& extra, int* exit_code) {
    std::vector<std::string> args = {"health", db_, "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    CliResult r = Run(args);
    *exit_code = r.exit_code;
    rapidjson::Document doc = ParseJson(r.out);
    EXPECT_TRUE(doc.IsObject()) << r.out << r.err;
    if (!doc.IsObject()) return doc;
    const std::string overall = doc["overall"].GetString();
    EXPECT_EQ(r.exit_code, overall == "ok" ? 0 : overall == "warning" ? 5 : 6) << r.out;
    return doc;
  }

  static std::string SeverityOf(const rapidjson::Document& doc, const std::string& check) {
    for (const auto& f : doc["findings"].GetArray()) {
      if (check == f["check"].GetString()) return f["severity"].GetString();
    }
    ADD_FAILURE() << "no finding " << check;
    return "";
  }

  // The machine's disk may be nearly full: the other findings decide.
  static bool DiskIsFine(const rapidjson::Document& doc) {
    return SeverityOf(doc, "disk_space") == "ok";
  }
};

TEST_F(CliHealthTest, FreshDatabase) {
  Init();
  RunOk({"put", db_, "sequence", "a", R"({"x":1})"});
  int code = -1;
  rapidjson::Document doc = Health({}, &code);
  ASSERT_TRUE(doc.IsObject());
  EXPECT_EQ(doc["findings"].Size(), 16u);
  for (const auto& f : doc["findings"].GetArray()) {
    if (std::string(f["check"].GetString()) == "disk_space") continue;
    EXPECT_STREQ(f["severity"].GetString(), "ok") << f["message"].GetString();
  }
  if (DiskIsFine(doc)) EXPECT_EQ(code, 0);

  CliResult text = Run({"health", db_});
  EXPECT_EQ(text.exit_code, code);
  EXPECT_EQ(text.out.rfind("health: ", 0), 0u) << text.out;
  EXPECT_NE(text.out.find("last_verify: never verified"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("-> run spirapi verify --record DB"), std::string::npos) << text.out;
}

TEST_F(CliHealthTest, AnOldVerifyIsAWarning) {
  Init();
  // A verify 45 days ago (µs since the epoch, written as verify writes it).
  const std::string old =
      std::to_string((static_cast<int64_t>(std::time(nullptr)) - 45LL * 86400) * 1000000);
  RunOk({"put", db_, "metadata", "~verify/last",
         R"({"time_us":)" + old + R"(,"files_checked":2,"records_checked":5,"damage":0})"});
  int code = -1;
  rapidjson::Document doc = Health({}, &code);
  ASSERT_TRUE(doc.IsObject());
  EXPECT_EQ(SeverityOf(doc, "last_verify"), "warning");
  if (DiskIsFine(doc)) EXPECT_EQ(code, 5);
}

TEST_F(CliHealthTest, DamageFoundBySamplingIsCritical) {
  ASSERT_NO_FATAL_FAILURE(InitDamaged());
  int code = -1;
  rapidjson::Document doc = Health({}, &code);
  ASSERT_TRUE(doc.IsObject());
  EXPECT_EQ(SeverityOf(doc, "sampled_verify"), "ok");  // not asked to read
  doc = Health({"--sample", "1000"}, &code);
  ASSERT_TRUE(doc.IsObject());
  EXPECT_EQ(SeverityOf(doc, "sampled_verify"), "critical");
  EXPECT_EQ(code, 6);
}

TEST_F(CliHealthTest, VerifyRecordIsSeenByHealth) {
  ASSERT_NO_FATAL_FAILURE(InitDamaged());
  // A plain verify opens read-only and records nothing.
  EXPECT_EQ(Run({"verify", db_}).exit_code, 3);
  EXPECT_EQ(Run({"get", db_, "metadata", "~verify/last"}).exit_code, 1);
  EXPECT_EQ(Run({"verify", "--record", db_}).exit_code, 3);
  const std::string record = RunOk({"get", db_, "metadata", "~verify/last"});
  EXPECT_NE(record.find("\"damage\":"), std::string::npos) << record;
  int code = -1;
  rapidjson::Document doc = Health({}, &code);
  ASSERT_TRUE(doc.IsObject());
  EXPECT_EQ(SeverityOf(doc, "last_verify"), "critical");
  EXPECT_EQ(code, 6);
}

TEST_F(CliHealthTest, BadUsage) {
  Init();
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"health", db_, "--sample", "x"},
                                             {"health", db_, "--sample", "-1"},
                                             {"health", db_, "--sample"},
                                             {"health", dir_ + "/missing"},
                                             {"health"}}) {
    CliResult r = Run(args);
    EXPECT_EQ(r.exit_code, 2) << args.back() << ": " << r.err;
    ExpectOneErrorLine(r);
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
}

}  // namespace
}  // namespace spirapi
