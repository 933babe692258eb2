// Long engine operations on a worker thread, with progress and Ctrl-C
// handled on the calling thread (see db_handle.h).

#include <Python.h>

#include <chrono>
#include <thread>

#include "db_handle.h"

namespace spirapi::python {

bool Interruptible::Report(double fraction) {
  std::unique_lock<std::mutex> l(mu_);
  fraction_ = fraction;
  has_report_ = true;
  cv_.notify_all();
  if (wait_for_callback_) {
    cv_.wait(l, [&] { return !has_report_ || cancelled(); });
  }
  return !cancelled();
}

void RunInterruptibly(DbHandle& h, const py::object& progress,
                      const std::function<Status(DB*, Interruptible*)>& work) {
  RunInterruptibly(progress, [&](Interruptible* state) {
    std::shared_lock<std::shared_mutex> l(h.mu);
    return h.db ? work(h.db.get(), state) : ClosedStatus();
  });
}

void RunInterruptibly(const py::object& progress,
                      const std::function<Status(Interruptible*)>& work) {
  Interruptible state;
  state.wait_for_callback_ = !progress.is_none();
  Status result;
  std::thread worker;
  {
    py::gil_scoped_release release;
    try {
      worker = std::thread([&] {
        Status s = work(&state);
        std::lock_guard<std::mutex> l(state.mu_);
        result = s;
        state.done_ = true;
        state.cv_.notify_all();
      });
    } catch (const std::system_error& e) {
      result = Status::IOError(std::string("cannot start a thread: ") + e.what());
      state.done_ = true;
    }
  }
  // Stops the work and lets it finish; a Python exception is pending.
  auto cancel = [&] {
    std::lock_guard<std::mutex> l(state.mu_);
    state.cancelled_.store(true);
    state.has_report_ = false;
    state.cv_.notify_all();
  };
  bool raised = false;
  for (;;) {
    bool finished, reported;
    double fraction;
    {
      py::gil_scoped_release release;
      std::unique_lock<std::mutex> l(state.mu_);
      state.cv_.wait_for(l, std::chrono::milliseconds(100),
                         [&] { return state.done_ || state.has_report_; });
      finished = state.done_;
      reported = state.has_report_;
      fraction = state.fraction_;
    }
    if (!raised && PyErr_CheckSignals() != 0) {  // e.g. KeyboardInterrupt from Ctrl-C
      raised = true;
      cancel();
    }
    if (!raised && reported && state.wait_for_callback_) {
      try {
        py::object r = progress(fraction);
        if (!r.is_none() && !py::bool_(r)) state.cancelled_.store(true);
      } catch (py::error_already_set& e) {
        e.restore();  // raised again once the work has stopped
        raised = true;
        cancel();
      }
      std::lock_guard<std::mutex> l(state.mu_);
      state.has_report_ = false;
      state.cv_.notify_all();
    } else if (reported) {
      std::lock_guard<std::mutex> l(state.mu_);
      state.has_report_ = false;
    }
    if (finished) break;
  }
  if (worker.joinable()) {
    py::gil_scoped_release release;
    worker.join();
  }
  if (raised) throw py::error_already_set();
  RaiseIfError(result);
}

}  // namespace spirapi::python
