// Long engine operations on a worker thread, with progress and Ctrl-C
// handled on the calling thread (see db_handle.h).

#include <Python.h>

#include <chrono>
#include <condition_variable>
#include <thread>

#include "db_handle.h"

namespace spirapi::python {

void RunInterruptibly(DbHandle& h, const py::object& progress,
                      const std::function<Status(DB*, Interruptible*)>& work) {
  Interruptible state;
  std::mutex mu;
  std::condition_variable done_cv;
  bool done = false;
  Status result;
  std::thread worker;
  {
    py::gil_scoped_release release;
    try {
      worker = std::thread([&] {
        Status s;
        {
          std::shared_lock<std::shared_mutex> l(h.mu);
          s = h.db ? work(h.db.get(), &state) : ClosedStatus();
        }
        std::lock_guard<std::mutex> l(mu);
        result = s;
        done = true;
        done_cv.notify_all();
      });
    } catch (const std::system_error& e) {
      result = Status::IOError(std::string("cannot start a thread: ") + e.what());
      done = true;
    }
  }
  bool interrupted = false;  // a Python exception is pending
  double reported = -1;
  for (;;) {
    bool finished;
    {
      py::gil_scoped_release release;
      std::unique_lock<std::mutex> l(mu);
      done_cv.wait_for(l, std::chrono::milliseconds(100), [&] { return done; });
      finished = done;
    }
    if (interrupted) {
      if (finished) break;
      continue;
    }
    if (PyErr_CheckSignals() != 0) {  // e.g. KeyboardInterrupt from Ctrl-C
      interrupted = true;
      state.cancelled_.store(true);
      continue;
    }
    double f = state.fraction_.load(std::memory_order_relaxed);
    if (finished && result.ok()) f = 1.0;
    if (!progress.is_none() && f != reported) {
      reported = f;
      bool go_on = true;
      try {
        py::object r = progress(f);
        go_on = r.is_none() || py::bool_(r);
      } catch (py::error_already_set& e) {
        // Stop the engine, then let the callback's exception through.
        e.restore();
        interrupted = true;
        state.cancelled_.store(true);
        continue;
      }
      if (!go_on) state.cancelled_.store(true);
    }
    if (finished) break;
  }
  if (worker.joinable()) {
    py::gil_scoped_release release;
    worker.join();
  }
  if (interrupted) throw py::error_already_set();
  RaiseIfError(result);
}

}  // namespace spirapi::python
