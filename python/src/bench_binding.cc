// Timing helpers for bench/python_bench.py: the engine's own cost of a call,
// measured in C++ with the GIL released, so the benchmark can subtract it
// from what the same call costs through the binding and through the Python
// layer. Not part of the public API (spirapi._spirapi only); they read and
// write the database like any other call, under the handle's shared lock.

#include <pybind11/stl.h>

#include <chrono>
#include <string>
#include <vector>

#include "db_handle.h"

namespace spirapi::python {

namespace {

using Clock = std::chrono::steady_clock;

Component BenchComponent(int c) {
  if (c < 0 || c >= kNumComponents) {
    RaiseIfError(Status::InvalidArgument("no component number " + std::to_string(c)));
  }
  return static_cast<Component>(c);
}

// The ids as C++ strings, converted before the clock starts.
std::vector<std::string> BenchIds(const py::list& ids) {
  std::vector<std::string> out;
  out.reserve(ids.size());
  for (const py::handle& id : ids) out.emplace_back(TextArgument(id, "id"));
  if (out.empty()) RaiseIfError(Status::InvalidArgument("ids is empty"));
  return out;
}

// Runs body(db) `rounds` times over every id and returns the seconds taken.
// per_call false: the GIL is released and the shared lock taken once around
// the whole loop, so the figure is the engine's alone. per_call true: each
// call takes the GIL off and the lock on and back, as CallEngine does for a
// call from Python, so the difference is the cost of that hand-over.
template <typename Body>
double TimeLoop(DbHandle& h, const std::vector<std::string>& ids, uint64_t rounds, bool per_call,
                Body&& body) {
  Status s;
  double seconds = 0;
  if (!per_call) {
    py::gil_scoped_release release;
    std::shared_lock<std::shared_mutex> l(h.mu);
    if (!h.db) {
      s = ClosedStatus();
    } else {
      const Clock::time_point start = Clock::now();
      for (uint64_t r = 0; r < rounds && s.ok(); ++r) {
        for (const std::string& id : ids) {
          s = body(h.db.get(), id);
          if (!s.ok()) break;
        }
      }
      seconds = std::chrono::duration<double>(Clock::now() - start).count();
    }
  } else {
    const Clock::time_point start = Clock::now();
    for (uint64_t r = 0; r < rounds && s.ok(); ++r) {
      for (const std::string& id : ids) {
        py::gil_scoped_release release;
        std::shared_lock<std::shared_mutex> l(h.mu);
        s = h.db ? body(h.db.get(), id) : ClosedStatus();
        if (!s.ok()) break;
      }
    }
    seconds = std::chrono::duration<double>(Clock::now() - start).count();
  }
  RaiseIfError(s);
  return seconds;
}

}  // namespace

void BindBench(py::module_& m) {
  m.def(
      "time_gets",
      [](const py::object& database, int c, const py::list& ids, uint64_t rounds, bool per_call) {
        std::shared_ptr<DbHandle> h = HandleOf(database);
        const Component comp = BenchComponent(c);
        const std::vector<std::string> keys = BenchIds(ids);
        PinnedRecord r;
        size_t bytes = 0;  // used, so the reads cannot be optimised away
        const double seconds =
            TimeLoop(*h, keys, rounds, per_call, [&](DB* db, const std::string& id) {
              Status s = db->GetPinned(ReadOptions(), comp, id, &r);
              bytes += r.data().size();
              return s;
            });
        if (bytes == 0) RaiseIfError(Status::Corruption("time_gets read no bytes"));
        return seconds;
      },
      py::arg("database"), py::arg("component"), py::arg("ids"), py::arg("rounds"),
      py::arg("per_call") = false,
      "Seconds for `rounds` x len(ids) DB::GetPinned calls in C++ (bench/python_bench.py).\n"
      "per_call: release the GIL and take the lock around each call, as a call from Python "
      "does. Every id must exist (NotFoundError otherwise).");

  m.def(
      "time_puts",
      [](const py::object& database, int c, const py::list& ids, const std::string& data_json,
         uint64_t rounds, bool sync, bool per_call) {
        std::shared_ptr<DbHandle> h = HandleOf(database);
        const Component comp = BenchComponent(c);
        const std::vector<std::string> keys = BenchIds(ids);
        WriteOptions wo;
        wo.sync = sync;
        return TimeLoop(*h, keys, rounds, per_call, [&](DB* db, const std::string& id) {
          return db->Put(wo, comp, id, data_json, "{}");
        });
      },
      py::arg("database"), py::arg("component"), py::arg("ids"), py::arg("data_json"),
      py::arg("rounds"), py::arg("sync") = false, py::arg("per_call") = false,
      "Seconds for `rounds` x len(ids) DB::Put calls of `data_json` (metadata \"{}\") in C++\n"
      "(bench/python_bench.py). per_call as for time_gets.");
}

}  // namespace spirapi::python
