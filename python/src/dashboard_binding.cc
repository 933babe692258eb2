// The web dashboard (include/spirapi/dashboard.h) of an open database. It
// registers as a child of the database handle, so closing the database
// stops it first: its request threads use the DB directly.

#include <memory>
#include <mutex>
#include <string>

#include "db_handle.h"
#include "lazy_store.h"
#include "spirapi/dashboard.h"

namespace spirapi::python {

namespace {

class PyDashboard : public DbChild, public std::enable_shared_from_this<PyDashboard> {
 public:
  explicit PyDashboard(std::shared_ptr<DbHandle> handle) : handle_(std::move(handle)) {}
  ~PyDashboard() override {
    Stop();
    handle_->Unregister(this);
  }

  void Start(const DashboardOptions& options) {
    CallEngine(*handle_, [&](DB* db) { return Dashboard::Start(db, options, &dashboard_); });
    url_ = dashboard_->url();
    port_ = dashboard_->port();
    handle_->Register(this);
  }
  // Also from the handle's Close, before the DB goes.
  void Invalidate() override { Stop(); }
  void Stop() {
    std::lock_guard<std::mutex> l(mu_);
    if (dashboard_) dashboard_->Stop();
    running_ = false;
  }
  const std::string& url() const { return url_; }
  int port() const { return port_; }
  bool running() {
    std::lock_guard<std::mutex> l(mu_);
    return running_;
  }

 private:
  std::shared_ptr<DbHandle> handle_;
  std::mutex mu_;
  std::unique_ptr<Dashboard> dashboard_;
  bool running_ = true;  // GUARDED_BY(mu_)
  std::string url_;
  int port_ = 0;
};

}  // namespace

void BindDashboard(py::module_& m) {
  py::class_<PyDashboard, std::shared_ptr<PyDashboard>>(m, "Dashboard")
      .def_property_readonly("url", &PyDashboard::url)
      .def_property_readonly("port", &PyDashboard::port)
      .def_property_readonly("running", &PyDashboard::running)
      .def("stop", &PyDashboard::Stop, py::call_guard<py::gil_scoped_release>());

  m.def(
      "start_dashboard",
      [](const py::handle& database, const std::string& bind, int port, const std::string& token,
         double refresh_seconds, const std::string& title) {
        auto dashboard = std::make_shared<PyDashboard>(DatabaseArgument(database));
        DashboardOptions options;
        options.bind = bind;
        options.port = port;
        options.token = token;
        options.refresh_seconds = refresh_seconds;
        options.title = title;
        dashboard->Start(options);
        return dashboard;
      },
      py::arg("database"), py::arg("bind"), py::arg("port"), py::arg("token"),
      py::arg("refresh_seconds"), py::arg("title"));
}

}  // namespace spirapi::python
