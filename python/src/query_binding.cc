// spirapi._spirapi.QueryCursor: a query (include/spirapi/query.h) run on a
// worker thread that hands its rows over through a bounded queue, so that a
// Python iterator streams them: memory holds at most a queue's worth, and
// the query reads one snapshot throughout. The worker holds the handle's
// lock shared and never touches Python; close() and the cursor's
// destruction cancel it.

#include <condition_variable>
#include <deque>
#include <thread>

#include "db_handle.h"
#include "json_value.h"
#include "lazy_store.h"
#include "spirapi/query.h"

namespace spirapi::python {

namespace {

constexpr size_t kQueueRows = 1024;
constexpr size_t kPageRows = 256;

class QueryCursor : public DbChild {
 public:
  QueryCursor(std::shared_ptr<DbHandle> h, QuerySource source, std::string query, bool log,
              double cache_ttl)
      : h_(std::move(h)), source_(std::move(source)), query_(std::move(query)) {
    if (log) options_.history = &history_;
    options_.cache_ttl_seconds = cache_ttl;
    h_->Register(this);
    try {
      worker_ = std::thread([this] { Work(); });
    } catch (const std::system_error& e) {
      h_->Unregister(this);
      throw;
    }
  }

  ~QueryCursor() override {
    py::gil_scoped_release release;
    Cancel();
    if (worker_.joinable()) worker_.join();
    h_->Unregister(this);
  }

  void Cancel() override {
    std::lock_guard<std::mutex> l(mu_);
    cancelled_ = true;
    cv_.notify_all();
  }
  // The database closes: the rows not yet taken are not handed out.
  void Invalidate() override {
    std::lock_guard<std::mutex> l(mu_);
    closed_ = true;
    cancelled_ = true;
    cv_.notify_all();
  }

  // Up to kPageRows rows; an empty list at the end, after which the
  // query's error (if any) is raised.
  py::list NextPage() {
    std::vector<std::string> rows;
    Status status;
    bool end = false;
    {
      py::gil_scoped_release release;
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait(l, [&] { return !queue_.empty() || done_ || closed_; });
      while (!closed_ && !queue_.empty() && rows.size() < kPageRows) {
        rows.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      cv_.notify_all();
      end = rows.empty();
      status = closed_ ? ClosedStatus() : status_;
    }
    if (end) RaiseIfError(status);
    py::list out;
    for (const std::string& row : rows) out.append(py::str(row));
    return out;
  }

  py::dict Stats() {
    std::lock_guard<std::mutex> l(mu_);
    py::dict d;
    d["rows_examined"] = stats_.rows_examined;
    d["rows_returned"] = stats_.rows_returned;
    d["seconds"] = stats_.seconds;
    d["plan"] = stats_.plan;
    d["done"] = done_;
    return d;
  }

 private:
  void Work() {
    Status s;
    QueryStats stats;
    {
      std::shared_lock<std::shared_mutex> hl(h_->mu);
      if (!h_->db) {
        s = ClosedStatus();
      } else {
        s = RunQuery(
            h_->db.get(), source_, query_, options_,
            [&](std::string_view row) {
              std::unique_lock<std::mutex> l(mu_);
              cv_.wait(l, [&] { return queue_.size() < kQueueRows || cancelled_; });
              if (cancelled_) return false;
              queue_.emplace_back(row);
              cv_.notify_all();
              return true;
            },
            &stats);
      }
    }
    std::lock_guard<std::mutex> l(mu_);
    status_ = s;
    stats_ = stats;
    done_ = true;
    cv_.notify_all();
  }

  std::shared_ptr<DbHandle> h_;
  QuerySource source_;
  std::string query_;
  QueryLogOptions history_;  // the defaults
  QueryOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  bool cancelled_ = false;
  bool closed_ = false;
  bool done_ = false;
  Status status_;
  QueryStats stats_;
  std::thread worker_;
};

// The query as JSON text: a str of JSON, or a dict written strictly.
std::string QueryText(const py::handle& query) {
  if (PyUnicode_Check(query.ptr()) || PyBytes_Check(query.ptr())) {
    return std::string(TextArgument(query, "query"));
  }
  if (!PyDict_Check(query.ptr())) {
    RaiseIfError(Status::InvalidArgument("query must be a dict or a JSON str, not " +
                                         std::string(Py_TYPE(query.ptr())->tp_name)));
  }
  std::string text;
  AppendJson(query, "query", &text);
  return text;
}

QuerySource SourceOf(const py::object& component, const py::object& schema) {
  if (component.is_none() == schema.is_none()) {
    RaiseIfError(Status::InvalidArgument("give a storage type or a schema, not both or neither"));
  }
  QuerySource source;
  if (!schema.is_none()) {
    source.schema = std::string(TextArgument(schema, "schema"));
  } else {
    const int c = component.cast<int>();
    if (c < 0 || c >= kNumComponents) {
      RaiseIfError(Status::InvalidArgument("no component number " + std::to_string(c)));
    }
    source.component = static_cast<Component>(c);
  }
  return source;
}

}  // namespace

void BindQuery(py::module_& m) {
  py::class_<QueryCursor>(m, "QueryCursor", "The rows of a running query (see spirapi.query).")
      .def("next_page", &QueryCursor::NextPage)
      .def("stats", &QueryCursor::Stats);

  m.def(
      "query",
      [](const py::handle& database, const py::object& component, const py::object& schema,
         const py::handle& query, bool log, double cache_ttl) {
        std::shared_ptr<DbHandle> h = DatabaseArgument(database);
        QuerySource source = SourceOf(component, schema);
        std::string text = QueryText(query);
        Status s = CheckQuery(text);  // here, so that a bad query raises at the call
        RaiseIfError(s);
        if (!(cache_ttl >= 0) || cache_ttl > 1e9) {
          RaiseIfError(Status::InvalidArgument("cache_ttl must be 0..1e9 seconds"));
        }
        return std::make_unique<QueryCursor>(std::move(h), std::move(source), std::move(text),
                                             log, cache_ttl);
      },
      py::arg("database"), py::arg("component"), py::arg("schema"), py::arg("query"),
      py::arg("log"), py::arg("cache_ttl") = 0.0);

  m.def(
      "explain",
      [](const py::handle& database, const py::object& component, const py::object& schema,
         const py::handle& query) {
        std::shared_ptr<DbHandle> h = DatabaseArgument(database);
        QuerySource source = SourceOf(component, schema);
        std::string text = QueryText(query);
        std::string plan;
        CallEngine(*h, [&](DB* db) { return ExplainQuery(db, source, text, &plan); });
        return plan;
      },
      py::arg("database"), py::arg("component"), py::arg("schema"), py::arg("query"));
}

}  // namespace spirapi::python
