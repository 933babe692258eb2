// A read-only web dashboard of an open database (docs/DASHBOARD.md): an
// overview with its health findings, throughput and latency over time,
// components and their sizes, schemas and their history, π sequences with
// their digit distribution and Ulam spiral, the query history with the slow
// queries, Prometheus's /metrics and a JSON API. Pages, styles, scripts and
// charts are served from the library: no network is needed.
//
// Safe by default: it binds to the loopback interface. Any other address
// needs a token, and then every request must carry it (an
// "Authorization: Bearer TOKEN" header, or the cookie a first visit to
// /?token=TOKEN sets). On a loopback address, requests whose Host header
// names another host are refused, so that a web page elsewhere cannot read
// the dashboard by rebinding its own name to 127.0.0.1. No endpoint writes,
// and none shows a passphrase.
//
// Thread safety: a Dashboard serves requests on its own threads, reading the
// database through its thread-safe API; the database must outlive it.

#ifndef SPIRAPI_DASHBOARD_H_
#define SPIRAPI_DASHBOARD_H_

#include <memory>
#include <string>

#include "spirapi/db.h"
#include "spirapi/export.h"
#include "spirapi/status.h"

namespace spirapi {

struct DashboardOptions {
  // The address to listen on: an IPv4 or IPv6 address, or "localhost".
  // Anything but 127.0.0.0/8, ::1 and "localhost" needs `token`.
  std::string bind = "127.0.0.1";
  // The TCP port; 0 picks a free one (Dashboard::port() tells which).
  int port = 8080;
  // The secret every request must carry; empty: none (loopback only). At
  // least 16 characters when given.
  std::string token;
  // Shown in the page titles: usually the database's directory.
  std::string title;
  // Read-only instances (Options::read_only): before answering, bring the
  // instance up to the writer's latest commits (DB::CatchUp) when it is
  // older than this many seconds. 0: never.
  double catch_up_seconds = 2;
  // Pages reload their content this often in the browser; 0: never.
  double refresh_seconds = 10;
  // Request threads.
  int threads = 4;
};

class SPIRAPI_EXPORT Dashboard {
 public:
  // Starts serving `db`. Errors: InvalidArgument (a non-loopback bind
  // without a token, a token under 16 characters, a port outside 0..65535,
  // threads < 1); IOError (the address cannot be bound, e.g. the port is in
  // use).
  static Status Start(DB* db, const DashboardOptions& options, std::unique_ptr<Dashboard>* out);

  Dashboard() = default;
  Dashboard(const Dashboard&) = delete;
  Dashboard& operator=(const Dashboard&) = delete;
  // Stops serving (as Stop).
  virtual ~Dashboard() = default;

  virtual int port() const = 0;
  // "http://HOST:PORT/"
  virtual std::string url() const = 0;
  // Stops accepting requests and waits for those being answered. Idempotent.
  virtual void Stop() = 0;
  // Blocks until Stop is called (from another thread or a signal handler's
  // helper thread).
  virtual void Wait() = 0;
};

}  // namespace spirapi

#endif  // SPIRAPI_DASHBOARD_H_
