// The dashboard's HTTP server (include/spirapi/dashboard.h): routing,
// the token and Host checks, catching up read-only instances.

#include "spirapi/dashboard.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <sys/socket.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "dashboard/assets.h"
#include "dashboard/html.h"
#include "dashboard/pages.h"
#include "spirapi/health.h"
#include "spirapi/metrics.h"
#include "util/json.h"

namespace spirapi {

namespace {

using dashboard::PageId;

constexpr size_t kMinTokenBytes = 16;
constexpr char kTokenCookie[] = "spirapi_token";

bool IsLoopback(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4;
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6;
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

// The host part of a Host header: "[::1]:8080" -> "::1", "a:80" -> "a".
std::string HostOf(const std::string& header) {
  if (!header.empty() && header[0] == '[') {
    size_t end = header.find(']');
    return end == std::string::npos ? header : header.substr(1, end - 1);
  }
  return header.substr(0, header.find(':'));
}

// Compares without stopping at the first difference, so that the time taken
// does not tell how much of a guess was right.
bool SameSecret(std::string_view given, std::string_view secret) {
  if (secret.empty() || given.size() != secret.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < given.size(); ++i) diff |= given[i] ^ secret[i];
  return diff == 0;
}

std::string CookieValue(const std::string& cookies, std::string_view name) {
  size_t pos = 0;
  while (pos < cookies.size()) {
    size_t end = cookies.find(';', pos);
    if (end == std::string::npos) end = cookies.size();
    std::string_view pair(cookies.data() + pos, end - pos);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.size() > name.size() && pair.substr(0, name.size()) == name &&
        pair[name.size()] == '=') {
      return std::string(pair.substr(name.size() + 1));
    }
    pos = end + 1;
  }
  return "";
}

int HttpStatusFor(const Status& s) {
  switch (s.code()) {
    case Status::Code::kNotFound:
      return 404;
    case Status::Code::kInvalidArgument:
      return 400;
    case Status::Code::kBusy:
      return 503;
    default:
      return 500;
  }
}

class DashboardImpl final : public Dashboard {
 public:
  DashboardImpl(DB* db, const DashboardOptions& options) : options_(options) { src_.db = db; }
  ~DashboardImpl() override { Stop(); }

  Status Init();
  int port() const override { return port_; }
  std::string url() const override {
    std::string host =
        options_.bind.find(':') != std::string::npos ? "[" + options_.bind + "]" : options_.bind;
    return "http://" + host + ":" + std::to_string(port_) + "/";
  }
  void Stop() override {
    std::call_once(stopped_, [this] {
      server_.stop();
      if (thread_.joinable()) thread_.join();
    });
  }
  void Wait() override {
    std::unique_lock<std::mutex> lock(wait_mu_);
    wait_cv_.wait(lock, [this] { return done_; });
  }

 private:
  httplib::Server::HandlerResponse Admit(const httplib::Request& req, httplib::Response& res);
  void CatchUpIfStale();
  // Serves a page: `render` fills the body of <main>.
  void Page(httplib::Response& res, PageId page, const std::string& title,
            const std::function<Status(std::string*)>& render);
  void Json(httplib::Response& res, const std::function<Status(std::string*)>& render);
  void Routes();

  const DashboardOptions options_;
  dashboard::Sources src_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::once_flag stopped_;

  std::mutex catch_up_mu_;
  std::chrono::steady_clock::time_point last_catch_up_;  // GUARDED_BY(catch_up_mu_)
  std::string catch_up_error_;                           // GUARDED_BY(catch_up_mu_)

  std::mutex wait_mu_;
  std::condition_variable wait_cv_;
  bool done_ = false;  // GUARDED_BY(wait_mu_)
};

Status DashboardImpl::Init() {
  if (options_.port < 0 || options_.port > 65535) {
    return Status::InvalidArgument("dashboard: port must be 0..65535");
  }
  if (options_.threads < 1) return Status::InvalidArgument("dashboard: threads must be at least 1");
  if (!options_.token.empty() && options_.token.size() < kMinTokenBytes) {
    return Status::InvalidArgument("dashboard: the token must be at least 16 characters");
  }
  if (options_.token.empty() && !IsLoopback(options_.bind)) {
    return Status::InvalidArgument("dashboard: binding to " + options_.bind +
                                   " (not a loopback address) needs a token");
  }
  Status s = PiStore::Open(src_.db, &src_.pi);
  if (s.ok()) s = SchemaManager::Open(src_.db, &src_.schemas);
  if (!s.ok()) return s;

  const int threads = options_.threads;
  server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, with which a
  // second server of the same user would share the port silently instead of
  // being told it is in use.
  server_.set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server_.set_pre_routing_handler(
      [this](const httplib::Request& req, httplib::Response& res) { return Admit(req, res); });
  server_.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        res.status = 500;
        res.set_content("internal error\n", "text/plain; charset=utf-8");
      });
  Routes();
  server_.set_error_handler(httplib::Server::HandlerWithResponse(
      [this](const httplib::Request& req, httplib::Response& res) {
        using R = httplib::Server::HandlerResponse;
        if (!res.body.empty() || res.status != 404) return R::Unhandled;
        Page(res, PageId::kOverview, "Not found",
             [&](std::string*) { return Status::NotFound("no page " + req.path); });
        return R::Handled;
      }));

  if (options_.port == 0) {
    port_ = server_.bind_to_any_port(options_.bind);
    if (port_ < 0) return Status::IOError("dashboard: cannot listen on " + options_.bind);
  } else {
    if (!server_.bind_to_port(options_.bind, options_.port)) {
      return Status::IOError("dashboard: cannot listen on " + options_.bind + " port " +
                             std::to_string(options_.port) + " (in use, or not an address here)");
    }
    port_ = options_.port;
  }
  last_catch_up_ = std::chrono::steady_clock::now();
  thread_ = std::thread([this] {
    server_.listen_after_bind();
    std::lock_guard<std::mutex> lock(wait_mu_);
    done_ = true;
    wait_cv_.notify_all();
  });
  // httplib's stop() does nothing until the loop runs: wait for it, so that
  // a Stop right after Start cannot be lost (and then wait forever).
  while (!server_.is_running()) {
    {
      std::lock_guard<std::mutex> lock(wait_mu_);
      if (done_) return Status::IOError("dashboard: the server stopped at once");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return Status::OK();
}

httplib::Server::HandlerResponse DashboardImpl::Admit(const httplib::Request& req,
                                                      httplib::Response& res) {
  using R = httplib::Server::HandlerResponse;
  res.set_header("Cache-Control", "no-store");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("Content-Security-Policy",
                 "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                 "script-src 'self'; frame-ancestors 'none'; form-action 'none'");
  if (req.method != "GET" && req.method != "HEAD") {
    res.status = 405;
    res.set_header("Allow", "GET, HEAD");
    res.set_content("the dashboard is read-only: GET only\n", "text/plain; charset=utf-8");
    return R::Handled;
  }
  if (options_.token.empty()) {
    // Loopback only: a page elsewhere that rebinds its name to 127.0.0.1
    // would send its own name as Host.
    if (!IsLoopback(HostOf(req.get_header_value("Host")))) {
      res.status = 403;
      res.set_content("Host must be localhost or a loopback address\n",
                      "text/plain; charset=utf-8");
      return R::Handled;
    }
    return R::Unhandled;
  }
  const std::string auth = req.get_header_value("Authorization");
  if ((auth.rfind("Bearer ", 0) == 0 && SameSecret(auth.substr(7), options_.token)) ||
      SameSecret(CookieValue(req.get_header_value("Cookie"), kTokenCookie), options_.token)) {
    return R::Unhandled;
  }
  if (req.has_param("token") && SameSecret(req.get_param_value("token"), options_.token)) {
    // Trade the token in the address (which browsers keep in their history)
    // for a cookie, and show the address without it.
    res.set_header("Set-Cookie", std::string(kTokenCookie) + "=" + options_.token +
                                     "; Path=/; HttpOnly; SameSite=Strict");
    res.set_redirect(req.path.empty() ? "/" : req.path, 303);
    return R::Handled;
  }
  res.status = 401;
  res.set_header("WWW-Authenticate", "Bearer realm=\"spirapi\"");
  res.set_content("a token is needed: open /?token=TOKEN once, or send Authorization: Bearer\n",
                  "text/plain; charset=utf-8");
  return R::Handled;
}

void DashboardImpl::CatchUpIfStale() {
  if (options_.catch_up_seconds <= 0) return;
  std::lock_guard<std::mutex> lock(catch_up_mu_);
  auto now = std::chrono::steady_clock::now();
  if (now - last_catch_up_ < std::chrono::duration<double>(options_.catch_up_seconds)) return;
  Status s = src_.db->CatchUp();
  last_catch_up_ = now;
  catch_up_error_ = s.ok() ? "" : s.ToString();
}

void DashboardImpl::Page(httplib::Response& res, PageId page, const std::string& title,
                         const std::function<Status(std::string*)>& render) {
  CatchUpIfStale();
  std::string body;
  {
    std::lock_guard<std::mutex> lock(catch_up_mu_);
    if (!catch_up_error_.empty()) {
      body = dashboard::Card("", "<p class=\"sev sev-warning\">showing an older state: " +
                                     dashboard::Escape(catch_up_error_) + "</p>");
    }
  }
  Status s = render(&body);
  if (!s.ok()) {
    res.status = HttpStatusFor(s);
    body = dashboard::Card(
        "", "<p class=\"sev sev-critical\">" + dashboard::Escape(s.ToString()) + "</p>");
  }
  dashboard::Frame frame{options_.title, title, page, options_.refresh_seconds};
  res.set_content(dashboard::RenderPage(frame, body), "text/html; charset=utf-8");
}

void DashboardImpl::Json(httplib::Response& res,
                         const std::function<Status(std::string*)>& render) {
  CatchUpIfStale();
  std::string json;
  Status s = render(&json);
  if (!s.ok()) {
    res.status = HttpStatusFor(s);
    json = "{\"error\":";
    AppendJsonString(&json, s.ToString());
    json += "}";
  }
  res.set_content(json, "application/json");
}

void DashboardImpl::Routes() {
  using Req = httplib::Request;
  using Res = httplib::Response;
  using dashboard::Sources;
  auto page = [this](const char* path, PageId id, const char* title,
                     Status (*render)(Sources&, std::string*)) {
    server_.Get(path, [=](const Req&, Res& res) {
      Page(res, id, title, [&](std::string* html) { return render(src_, html); });
    });
  };
  page("/", PageId::kOverview, "Overview", dashboard::OverviewPage);
  page("/performance", PageId::kPerformance, "Performance", dashboard::PerformancePage);
  page("/components", PageId::kComponents, "Components", dashboard::ComponentsPage);
  page("/schemas", PageId::kSchemas, "Schemas", dashboard::SchemasPage);
  page("/sequences", PageId::kSequences, "π sequences", dashboard::SequencesPage);
  page("/queries", PageId::kQueries, "Queries", dashboard::QueriesPage);
  server_.Get("/schemas/(.+)", [this](const Req& req, Res& res) {
    std::string name = req.matches[1];
    Page(res, PageId::kSchemas, "Schema " + name,
         [&](std::string* html) { return dashboard::SchemaPage(src_, name, html); });
  });
  server_.Get("/sequences/(.+)", [this](const Req& req, Res& res) {
    std::string id = req.matches[1];
    Page(res, PageId::kSequences, "π sequence " + id,
         [&](std::string* html) { return dashboard::SequencePage(src_, id, html); });
  });

  server_.Get("/metrics", [this](const Req&, Res& res) {
    CatchUpIfStale();
    std::string text;
    Status s = dashboard::PrometheusText(src_, &text);
    if (!s.ok()) {
      res.status = HttpStatusFor(s);
      text = "# " + s.ToString() + "\n";
    }
    res.set_content(text, "text/plain; version=0.0.4; charset=utf-8");
  });
  server_.Get("/api/metrics", [this](const Req&, Res& res) {
    Json(res, [&](std::string* json) {
      Metrics metrics;
      Status s = src_.db->GetMetrics(&metrics);
      if (s.ok()) *json = metrics.ToJson();
      return s;
    });
  });
  server_.Get("/static/app.css", [](const Req&, Res& res) {
    res.set_content(dashboard::kStyleSheet, "text/css; charset=utf-8");
  });
  server_.Get("/static/app.js", [](const Req&, Res& res) {
    res.set_content(dashboard::kScript, "text/javascript; charset=utf-8");
  });

  server_.Get("/api", [](const Req&, Res& res) {
    res.set_content(
        "{\"endpoints\":[\"/api/health\",\"/api/metrics\",\"/api/stats\",\"/api/schemas\",\"/api/"
        "schemas/NAME\","
        "\"/api/sequences\",\"/api/sequences/ID\",\"/api/queries?slow=1&limit=N\"]}",
        "application/json");
  });
  server_.Get("/api/health", [this](const Req&, Res& res) {
    Json(res, [&](std::string* json) {
      HealthReport report;
      Status s = src_.db->CheckHealth(HealthOptions(), &report);
      if (s.ok()) *json = report.ToJson();
      return s;
    });
  });
  server_.Get("/api/stats", [this](const Req&, Res& res) {
    Json(res, [&](std::string* json) { return dashboard::StatsJson(src_, json); });
  });
  server_.Get("/api/schemas", [this](const Req&, Res& res) {
    Json(res, [&](std::string* json) { return dashboard::SchemasJson(src_, json); });
  });
  server_.Get("/api/schemas/(.+)", [this](const Req& req, Res& res) {
    std::string name = req.matches[1];
    Json(res, [&](std::string* json) { return dashboard::SchemaJson(src_, name, json); });
  });
  server_.Get("/api/sequences", [this](const Req&, Res& res) {
    Json(res, [&](std::string* json) { return dashboard::SequencesJson(src_, json); });
  });
  server_.Get("/api/sequences/(.+)", [this](const Req& req, Res& res) {
    std::string id = req.matches[1];
    Json(res, [&](std::string* json) { return dashboard::SequenceJson(src_, id, json); });
  });
  server_.Get("/api/queries", [this](const Req& req, Res& res) {
    bool slow = req.get_param_value("slow") == "1";
    uint64_t limit = 100;
    if (req.has_param("limit")) {
      limit = std::strtoull(req.get_param_value("limit").c_str(), nullptr, 10);
      if (limit == 0 || limit > 10000) limit = 10000;
    }
    Json(res, [&](std::string* json) { return dashboard::QueriesJson(src_, slow, limit, json); });
  });
}

}  // namespace

Status Dashboard::Start(DB* db, const DashboardOptions& options, std::unique_ptr<Dashboard>* out) {
  if (db == nullptr) return Status::InvalidArgument("dashboard: no database");
  auto dashboard = std::make_unique<DashboardImpl>(db, options);
  Status s = dashboard->Init();
  if (s.ok()) *out = std::move(dashboard);
  return s;
}

}  // namespace spirapi
