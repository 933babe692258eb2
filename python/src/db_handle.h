// The state the Python objects of one open database share, and the rules
// that keep the GIL, the database and Python's threads out of each other's
// way:
//
// - Every call into the engine runs with the GIL released, under
//   DbHandle::mu taken shared; Close() takes it exclusively, so it waits for
//   the calls in flight and then destroys what depends on the DB (its
//   transactions, snapshots, π store and schema manager) before the DB.
// - The lock is taken only with the GIL released and dropped before the GIL
//   is taken back, so a thread waiting for one never holds the other.
// - Engine code never calls into Python. Long operations run on a worker
//   thread while the calling thread, without the lock, reports progress and
//   checks for Ctrl-C (RunInterruptibly).

#ifndef SPIRAPI_PYTHON_DB_HANDLE_H_
#define SPIRAPI_PYTHON_DB_HANDLE_H_

#include <pybind11/pybind11.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>

#include "spirapi/db.h"
#include "spirapi/pi.h"
#include "spirapi/schema.h"
#include "spirapi/status.h"

namespace spirapi::python {

namespace py = pybind11;

// Raises the spirapi.Error subclass for s's code with s's message (throws
// py::error_already_set); returns if s is OK. Needs the GIL.
void RaiseIfError(const Status& s);

// Something that must be torn down before the DB closes (a transaction, a
// snapshot, a running query). Cancel runs first, without the handle's lock,
// to stop work that holds it shared (a query cursor's worker); Invalidate
// then runs under the exclusive lock.
class DbChild {
 public:
  virtual ~DbChild() = default;
  virtual void Cancel() {}
  virtual void Invalidate() = 0;
};

struct DbHandle {
  std::shared_mutex mu;
  std::unique_ptr<DB> db;                  // null once closed
  std::unique_ptr<PiStore> pi;             // made on first use
  std::unique_ptr<SchemaManager> schemas;  // made on first use
  std::mutex lazy_mu;                      // guards making pi and schemas
  std::mutex children_mu;
  std::set<DbChild*> children;
  std::string path;

  void Register(DbChild* c) {
    std::lock_guard<std::mutex> l(children_mu);
    children.insert(c);
  }
  void Unregister(DbChild* c) {
    std::lock_guard<std::mutex> l(children_mu);
    children.erase(c);
  }
  // Tears everything down. Must be called with the GIL released.
  void Close() {
    {
      std::lock_guard<std::mutex> cl(children_mu);
      for (DbChild* c : children) c->Cancel();
    }
    std::unique_lock<std::shared_mutex> l(mu);
    std::set<DbChild*> doomed;
    {
      std::lock_guard<std::mutex> cl(children_mu);
      doomed.swap(children);
    }
    for (DbChild* c : doomed) c->Invalidate();
    schemas.reset();
    pi.reset();
    db.reset();
  }
};

// For reads that answer None (or False) when there is nothing: *found tells
// whether s was NotFound, which then counts as success.
inline Status AbsentIsOk(const Status& s, bool* found) {
  *found = !s.IsNotFound();
  return *found ? s : Status::OK();
}

inline Status ClosedStatus() { return Status::InvalidArgument("the database is closed"); }

// Runs fn(db) with the GIL released and the handle's lock shared; fn returns
// a Status, which is raised (with the GIL back) if it is not OK. Whatever fn
// produced must be plain C++ values, converted once the GIL is back.
template <typename Fn>
void CallEngine(DbHandle& h, Fn&& fn) {
  Status s;
  {
    py::gil_scoped_release release;
    std::shared_lock<std::shared_mutex> l(h.mu);
    s = h.db ? fn(h.db.get()) : ClosedStatus();
  }
  RaiseIfError(s);
}

// Runs work(db, state) on a worker thread under the handle's shared lock
// while the calling thread waits without it. The work reports its progress
// through state->Report(f), which returns false once the operation is to
// stop. With a Python `progress` callable, each report waits for the calling
// thread to call progress(f) (returning False cancels), so the callback sees
// every report and can stop the work exactly there; without one, reports
// never wait. The calling thread also checks Python's signal handlers at
// each report and every 100 ms, so Ctrl-C (KeyboardInterrupt) stops the
// work at its next report and is raised once the engine has stopped; so is
// any exception from the callback. Otherwise the work's Status is raised if
// it failed.
class Interruptible {
 public:
  bool Report(double fraction);
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }

 private:
  friend void RunInterruptibly(const py::object& progress,
                               const std::function<Status(Interruptible*)>& work);
  std::mutex mu_;
  std::condition_variable cv_;
  bool wait_for_callback_ = false;
  bool has_report_ = false;
  bool done_ = false;
  double fraction_ = 0;
  std::atomic<bool> cancelled_{false};
};

void RunInterruptibly(DbHandle& h, const py::object& progress,
                      const std::function<Status(DB*, Interruptible*)>& work);

// As above, for work that needs no open database (the backup functions of
// include/spirapi/backup.h, which take paths): work(state) runs on the
// worker thread without any handle's lock.
void RunInterruptibly(const py::object& progress,
                      const std::function<Status(Interruptible*)>& work);

// The handle of a spirapi._spirapi.Database (db_binding.cc).
std::shared_ptr<DbHandle> HandleOf(const py::handle& database);

// Python str or bytes as a view (str as UTF-8). Raises InvalidArgumentError
// for anything else, or for a str that is not valid Unicode (lone
// surrogates). The view lives as long as `obj`.
std::string_view TextArgument(const py::handle& obj, const char* what);

}  // namespace spirapi::python

#endif  // SPIRAPI_PYTHON_DB_HANDLE_H_
