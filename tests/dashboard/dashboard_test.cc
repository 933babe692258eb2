// The dashboard over HTTP: every page and API answer, its read-only and
// token rules, escaping, and catching up with a writer.

#include "spirapi/dashboard.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <string>

#include "db/db_impl.h"
#include "rapidjson/document.h"
#include "spirapi/db.h"
#include "spirapi/pi.h"
#include "spirapi/query_log.h"
#include "spirapi/schema.h"
#include "support/temp_dir.h"

namespace spirapi {
namespace {

class DashboardTest : public ::testing::Test {
 protected:
  void OpenDb(const std::string& passphrase = "") {
    Options options;
    options.create_if_missing = true;
    options.passphrase = passphrase;
    options.encryption_enabled = !passphrase.empty();
    ASSERT_TRUE(DB::Open(options, path_, &db_).ok());
  }

  void Fill() {
    std::unique_ptr<PiStore> pi;
    ASSERT_TRUE(PiStore::Open(db_.get(), &pi).ok());
    ComputeOptions compute;
    compute.digits = 2000;
    compute.id = "pi-2000";
    SequenceInfo info;
    ASSERT_TRUE(pi->ComputeSequence(compute, &info).ok());
    std::unique_ptr<SchemaManager> schemas;
    ASSERT_TRUE(SchemaManager::Open(db_.get(), &schemas).ok());
    SchemaInfo schema;
    ASSERT_TRUE(schemas
                    ->CreateSchema("people", SchemaZone::kStructured,
                                   R"({"name":{"type":"string"}})", &schema)
                    .ok());
    SchemaChange change;
    change.action = "add";
    change.field = "age";
    change.new_definition = R"({"type":"integer"})";
    change.reason = "ages wanted";
    ASSERT_TRUE(schemas->Evolve("people", change, &schema).ok());
    QueryLogEntry entry;
    entry.query = R"({"name":"<script>alert(1)</script>"})";
    entry.source = "schema people";
    entry.seconds = 0.25;
    ASSERT_TRUE(AppendQueryLog(db_.get(), entry).ok());
  }

  void Start(DashboardOptions options = DashboardOptions()) {
    options.port = 0;
    options.title = "test-db";
    ASSERT_TRUE(Dashboard::Start(db_.get(), options, &dashboard_).ok());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", dashboard_->port());
  }

  // The body of GET path; expects `status`.
  std::string Get(const std::string& path, int status = 200, const httplib::Headers& h = {}) {
    auto res = client_->Get(path.c_str(), h);
    EXPECT_TRUE(res) << path;
    if (!res) return "";
    EXPECT_EQ(res->status, status) << path << ": " << res->body;
    return res->body;
  }

  test::TempDir dir_;
  std::string path_ = dir_.Sub("db");
  std::unique_ptr<DB> db_;
  std::unique_ptr<Dashboard> dashboard_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(DashboardTest, EveryPageShowsTheDatabase) {
  OpenDb();
  Fill();
  Start();
  EXPECT_NE(Get("/").find("live records"), std::string::npos);
  EXPECT_NE(Get("/").find("test-db"), std::string::npos);
  std::string components = Get("/components");
  for (Component c : kAllComponents) {
    EXPECT_NE(components.find(std::string("<td>") + ComponentName(c) + "</td>"), std::string::npos);
  }
  EXPECT_NE(Get("/schemas").find("href=\"/schemas/people\""), std::string::npos);
  std::string schema = Get("/schemas/people");
  EXPECT_NE(schema.find("ages wanted"), std::string::npos) << "the evolution history";
  EXPECT_NE(Get("/sequences").find("href=\"/sequences/pi-2000\""), std::string::npos);
  std::string sequence = Get("/sequences/pi-2000");
  EXPECT_NE(sequence.find("Digit distribution"), std::string::npos);
  EXPECT_NE(sequence.find("χ²"), std::string::npos);
  size_t charts = 0;
  for (size_t at = sequence.find("<svg"); at != std::string::npos;
       at = sequence.find("<svg", at + 1)) {
    ++charts;
  }
  EXPECT_EQ(charts, 3u) << "distribution, spiral and runs";
  EXPECT_NE(Get("/").find("Health: "), std::string::npos);
  std::string queries = Get("/queries");
  EXPECT_NE(queries.find("Slow queries"), std::string::npos);
  // The logged query's text is shown, escaped.
  EXPECT_EQ(queries.find("<script>alert"), std::string::npos);
  EXPECT_NE(queries.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(Get("/static/app.js").find("data-ready"), std::string::npos);
  EXPECT_NE(Get("/static/app.css").find("--accent"), std::string::npos);
}

TEST_F(DashboardTest, PerformanceChartsTheMetricsHistory) {
  OpenDb();
  Start();
  EXPECT_NE(Get("/performance").find("no history"), std::string::npos);
  auto* impl = dynamic_cast<DBImpl*>(db_.get());
  ASSERT_NE(impl, nullptr);
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 50; ++i) {
      const std::string id = "k" + std::to_string(i);
      ASSERT_TRUE(db_->Put(WriteOptions(), Component::kSequence, id, "{\"i\":1}").ok());
      StorageRecord record;
      ASSERT_TRUE(db_->Get(ReadOptions(), Component::kSequence, id, &record).ok());
    }
    ASSERT_TRUE(impl->WriteMetricsSample().ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  std::string page = Get("/performance");
  size_t charts = 0;
  for (size_t at = page.find("<svg"); at != std::string::npos; at = page.find("<svg", at + 1)) {
    ++charts;
  }
  EXPECT_EQ(charts, 5u) << "throughput, two latencies, cache, disk";
  EXPECT_NE(page.find("Throughput"), std::string::npos);
  EXPECT_NE(page.find("<td>get</td>"), std::string::npos) << "this process's table";
  std::string metrics = Get("/metrics");
  EXPECT_NE(metrics.find("# TYPE spirapi_"), std::string::npos);
  EXPECT_NE(metrics.find("spirapi_sample_"), std::string::npos) << "the newest stored sample";
  rapidjson::Document doc;
  doc.Parse(Get("/api/metrics").c_str());
  EXPECT_TRUE(doc.IsObject());
}

TEST_F(DashboardTest, UnknownThingsAreNotFound) {
  OpenDb();
  Fill();
  Start();
  EXPECT_NE(Get("/sequences/absent", 404).find("absent"), std::string::npos);
  Get("/schemas/absent", 404);
  EXPECT_NE(Get("/no/such/page", 404).find("<nav>"), std::string::npos);
  Get("/api/sequences/absent", 404);
}

TEST_F(DashboardTest, JsonApiAnswersParse) {
  OpenDb();
  Fill();
  Start();
  for (const char* path :
       {"/api", "/api/stats", "/api/schemas", "/api/schemas/people", "/api/sequences",
        "/api/sequences/pi-2000", "/api/queries", "/api/queries?slow=1&limit=5"}) {
    rapidjson::Document doc;
    doc.Parse(Get(path).c_str());
    EXPECT_FALSE(doc.HasParseError()) << path;
  }
  rapidjson::Document sequences;
  sequences.Parse(Get("/api/sequences").c_str());
  ASSERT_TRUE(sequences.IsArray());
  ASSERT_EQ(sequences.Size(), 1u);
  EXPECT_STREQ(sequences[0]["id"].GetString(), "pi-2000");
  rapidjson::Document slow;
  slow.Parse(Get("/api/queries?slow=1").c_str());
  ASSERT_TRUE(slow.IsArray());
  EXPECT_EQ(slow.Size(), 1u);
  rapidjson::Document missing;
  missing.Parse(Get("/api/schemas/absent", 404).c_str());
  ASSERT_TRUE(missing.IsObject());
  EXPECT_TRUE(missing.HasMember("error"));
}

TEST_F(DashboardTest, NothingButGetAndHead) {
  OpenDb();
  Start();
  for (const char* path : {"/", "/api/stats", "/metrics"}) {
    auto post = client_->Post(path, "x", "text/plain");
    ASSERT_TRUE(post);
    EXPECT_EQ(post->status, 405) << path;
    auto del = client_->Delete(path);
    ASSERT_TRUE(del);
    EXPECT_EQ(del->status, 405) << path;
  }
  auto head = client_->Head("/");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
}

TEST_F(DashboardTest, LoopbackRefusesOtherHostNames) {
  OpenDb();
  Start();
  Get("/", 403, {{"Host", "attacker.example:8080"}});
  Get("/", 200, {{"Host", "localhost:8080"}});
  Get("/", 200, {{"Host", "[::1]:8080"}});
}

TEST_F(DashboardTest, AnyOtherAddressNeedsAToken) {
  OpenDb();
  DashboardOptions options;
  options.port = 0;
  options.bind = "0.0.0.0";
  std::unique_ptr<Dashboard> dashboard;
  Status s = Dashboard::Start(db_.get(), options, &dashboard);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.ToString().find("needs a token"), std::string::npos);
  options.token = "short";
  EXPECT_TRUE(Dashboard::Start(db_.get(), options, &dashboard).IsInvalidArgument());
  options.port = 70000;
  options.token = "0123456789abcdef-token";
  EXPECT_TRUE(Dashboard::Start(db_.get(), options, &dashboard).IsInvalidArgument());
}

TEST_F(DashboardTest, TokenIsCheckedOnEveryRequest) {
  OpenDb();
  DashboardOptions options;
  options.token = "0123456789abcdef-token";
  Start(options);
  Get("/", 401);
  Get("/api/stats", 401);
  Get("/static/app.css", 401);
  Get("/", 401, {{"Authorization", "Bearer 0123456789abcdef-tokeX"}});
  Get("/", 401, {{"Authorization", "Bearer 0123456789abcdef-token-longer"}});
  Get("/", 200, {{"Authorization", "Bearer 0123456789abcdef-token"}});
  Get("/api/stats", 200, {{"Cookie", "a=b; spirapi_token=0123456789abcdef-token"}});
  // A first visit with the token in the address trades it for a cookie.
  auto res = client_->Get("/components?token=0123456789abcdef-token");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 303);
  EXPECT_EQ(res->get_header_value("Location"), "/components");
  EXPECT_NE(res->get_header_value("Set-Cookie").find("HttpOnly"), std::string::npos);
  Get("/?token=wrong-wrong-wrong-wrong", 401);
}

TEST_F(DashboardTest, PassphraseIsNeverShown) {
  const std::string passphrase = "correct horse battery staple 42";
  OpenDb(passphrase);
  Fill();
  Start();
  for (const char* path :
       {"/", "/components", "/schemas", "/schemas/people", "/sequences", "/sequences/pi-2000",
        "/queries", "/api/stats", "/api/schemas", "/api/sequences", "/api/queries"}) {
    EXPECT_EQ(Get(path).find(passphrase), std::string::npos) << path;
  }
  EXPECT_NE(Get("/").find("AES-256-GCM"), std::string::npos);
}

TEST_F(DashboardTest, ReadOnlyInstanceCatchesUpWithTheWriter) {
  OpenDb();
  Options ro;
  ro.read_only = true;
  std::unique_ptr<DB> reader;
  ASSERT_TRUE(DB::Open(ro, path_, &reader).ok());
  DashboardOptions options;
  options.port = 0;
  options.catch_up_seconds = 0.001;
  std::unique_ptr<Dashboard> dashboard;
  ASSERT_TRUE(Dashboard::Start(reader.get(), options, &dashboard).ok());
  httplib::Client client("127.0.0.1", dashboard->port());
  auto before = client.Get("/api/sequences");
  ASSERT_TRUE(before);
  EXPECT_EQ(before->body, "[]");
  Fill();  // by the writer
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto after = client.Get("/api/sequences");
  ASSERT_TRUE(after);
  EXPECT_NE(after->body.find("pi-2000"), std::string::npos);
}

TEST_F(DashboardTest, BusyPortIsAnIoErrorAndStopIsIdempotent) {
  OpenDb();
  Start();
  DashboardOptions options;
  options.port = dashboard_->port();
  std::unique_ptr<Dashboard> second;
  EXPECT_TRUE(Dashboard::Start(db_.get(), options, &second).IsIOError());
  std::thread waiter([&] { dashboard_->Wait(); });
  dashboard_->Stop();
  waiter.join();
  dashboard_->Stop();
  EXPECT_FALSE(client_->Get("/"));
}

}  // namespace
}  // namespace spirapi
