// spirapi._spirapi.PiStore: the engine's π store (include/spirapi/pi.h) with
// plain values out (JSON text, tuples, lists). The public, documented API is
// the Python layer (spirapi/pi.py), which wraps them in dataclasses.

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cmath>
#include <optional>

#include "lazy_store.h"

namespace spirapi::python {

namespace {

void CheckCallable(const py::object& progress) {
  if (!progress.is_none() && !PyCallable_Check(progress.ptr())) {
    throw py::type_error("progress must be callable or None, not " +
                         std::string(Py_TYPE(progress.ptr())->tp_name));
  }
}

// NaN would compare false with everything, and the engine's JSON writer
// cannot store it (nor infinity) in a description.
void CheckNotNan(double value, const char* what) {
  if (std::isnan(value)) RaiseIfError(Status::InvalidArgument(std::string(what) + " is NaN"));
}

py::list SpiralList(const std::vector<SpiralDigit>& cells) {
  py::list out(cells.size());
  for (size_t i = 0; i < cells.size(); ++i) {
    const SpiralDigit& c = cells[i];
    out[i] = py::make_tuple(c.x, c.y, c.position, static_cast<int>(c.digit - '0'));
  }
  return out;
}

// (total, [(position, mismatches), ...]).
py::tuple ResultTuple(const PatternResult& r) {
  py::list matches(r.matches.size());
  for (size_t i = 0; i < r.matches.size(); ++i) {
    matches[i] = py::make_tuple(r.matches[i].position, r.matches[i].mismatches);
  }
  return py::make_tuple(r.total, matches);
}

// Digits first..first+count-1 of sequence id; count unset means to the end
// of the sequence (its precision read in the same call, so a sequence
// replaced by a shorter one in between makes the read fail, not misbehave).
Status ReadRange(PiStore* pi, std::string_view id, uint64_t first,
                 const std::optional<uint64_t>& count, std::string* out) {
  uint64_t n = 0;
  if (count) {
    n = *count;
  } else {
    SequenceInfo info;
    Status s = pi->RetrieveSequence(id, &info);
    if (!s.ok()) return s;
    if (first >= 1 && first <= info.precision) n = info.precision - first + 1;
    // Otherwise n stays 0 and ReadDigits says why the range is empty.
  }
  return pi->ReadDigits(id, first, n, out);
}

class PyPiStore {
 public:
  explicit PyPiStore(const py::object& database)
      : database_(database), h_(DatabaseArgument(database)) {}

  // Runs fn(pi) as CallEngine runs its function.
  template <typename Fn>
  void Call(Fn&& fn) {
    CallEngine(*h_, [&](DB*) {
      PiStore* pi = nullptr;
      Status s = LazyStore(*h_, &h_->pi, &pi);
      return s.ok() ? fn(pi) : s;
    });
  }

  // The description of the new sequence, as SequenceInfo::ToJson.
  std::string Compute(uint64_t digits, const py::object& id, bool verify, int threads,
                      const py::object& progress) {
    CheckCallable(progress);
    ComputeOptions o;
    o.digits = digits;
    if (!id.is_none()) o.id = std::string(TextArgument(id, "id"));
    o.verify = verify;
    o.threads = threads;
    SequenceInfo info;
    RunInterruptibly(*h_, progress, [&](DB*, Interruptible* state) {
      PiStore* pi = nullptr;
      Status s = LazyStore(*h_, &h_->pi, &pi);
      if (!s.ok()) return s;
      o.progress = [state](double f) { return state->Report(f); };
      return pi->ComputeSequence(o, &info);
    });
    return info.ToJson();
  }

  std::string Store(std::string_view id, std::string_view digits, const py::object& algorithm,
                    double computation_time, bool verified) {
    // A str only: bytes could hold invalid UTF-8, which the description
    // would then hold too and no Python read could decode.
    if (!PyUnicode_Check(algorithm.ptr())) {
      RaiseIfError(Status::InvalidArgument("algorithm must be a str, not " +
                                           std::string(Py_TYPE(algorithm.ptr())->tp_name)));
    }
    StoreOptions o;
    o.algorithm = std::string(TextArgument(algorithm, "algorithm"));
    if (!std::isfinite(computation_time) || computation_time < 0) {
      RaiseIfError(Status::InvalidArgument("computation_time must be a finite number >= 0"));
    }
    o.computation_time = computation_time;
    o.verified = verified;
    SequenceInfo info;
    Call([&](PiStore* pi) { return pi->StoreSequence(id, digits, o, &info); });
    return info.ToJson();
  }

  py::object Retrieve(std::string_view id) {
    SequenceInfo info;
    bool found = true;
    Call([&](PiStore* pi) { return AbsentIsOk(pi->RetrieveSequence(id, &info), &found); });
    if (!found) return py::none();
    return py::str(info.ToJson());
  }

  // (descriptions as ToJson text, damaged). With collect_damaged, a damaged
  // description does not stop the search: each is returned in `damaged` as
  // (id, the spirapi.Error it would have raised), for the Python layer to
  // hand to its callback afterwards (engine code never calls into Python).
  py::tuple Search(const std::optional<std::string>& algorithm,
                   std::optional<uint64_t> min_precision, std::optional<uint64_t> max_precision,
                   std::optional<double> min_computation_time,
                   std::optional<double> max_computation_time, std::optional<double> min_uniqueness,
                   std::optional<double> max_uniqueness, std::optional<double> stored_after,
                   std::optional<double> stored_before, std::optional<uint64_t> limit,
                   bool collect_damaged) {
    SequenceQuery q;
    if (algorithm) q.algorithm = *algorithm;
    if (min_precision) q.min_precision = *min_precision;
    if (max_precision) q.max_precision = *max_precision;
    auto bound = [](const std::optional<double>& v, const char* what, double* out) {
      if (!v) return;
      CheckNotNan(*v, what);
      *out = *v;
    };
    bound(min_computation_time, "min_computation_time", &q.min_computation_time);
    bound(max_computation_time, "max_computation_time", &q.max_computation_time);
    bound(min_uniqueness, "min_uniqueness", &q.min_uniqueness);
    bound(max_uniqueness, "max_uniqueness", &q.max_uniqueness);
    bound(stored_after, "stored_after", &q.stored_after);
    bound(stored_before, "stored_before", &q.stored_before);
    if (limit) {
      // The engine reads 0 as "no limit"; a Python caller asking for 0
      // results means none.
      if (*limit == 0) return py::make_tuple(py::list(), py::list());
      q.limit = *limit;
    }
    std::vector<std::pair<std::string, Status>> damaged;
    if (collect_damaged) {
      q.on_damaged = [&damaged](std::string_view id, const Status& why) {
        damaged.emplace_back(std::string(id), why);
        return true;
      };
    }
    std::vector<SequenceInfo> found;
    Call([&](PiStore* pi) { return pi->SearchSequences(q, &found); });
    py::list out(found.size());
    for (size_t i = 0; i < found.size(); ++i) out[i] = py::str(found[i].ToJson());
    py::list errors;
    for (const auto& [id, why] : damaged) {
      if (why.ok()) continue;
      // The id of a damaged record may itself be damaged: not valid UTF-8.
      py::object text = py::bytes(id).attr("decode")("utf-8", "replace");
      try {
        RaiseIfError(why);
      } catch (py::error_already_set& e) {
        errors.append(py::make_tuple(text, e.value()));
      }
    }
    return py::make_tuple(out, errors);
  }

  py::str ReadDigits(std::string_view id, uint64_t first, std::optional<uint64_t> count) {
    std::string digits;
    Call([&](PiStore* pi) { return ReadRange(pi, id, first, count, &digits); });
    return py::str(digits);
  }

  // The digits' values 0..9 as a NumPy uint8 array that takes over the
  // engine's string: no copy of what may be 10^8 digits or more.
  py::array ReadDigitsArray(std::string_view id, uint64_t first, std::optional<uint64_t> count) {
    // Before the read, so a missing NumPy costs nothing; and with a message
    // that says what to do about it.
    try {
      py::module_::import("numpy");
    } catch (py::error_already_set& e) {
      if (!e.matches(PyExc_ImportError)) throw;
      throw py::import_error("read_digits_array needs NumPy, which cannot be imported (" +
                             std::string(e.what()) +
                             "); install it (pip install numpy) or use read_digits");
    }
    auto digits = std::make_unique<std::string>();
    Call([&](PiStore* pi) {
      Status s = ReadRange(pi, id, first, count, digits.get());
      if (s.ok()) {
        for (char& c : *digits) c = static_cast<char>(c - '0');  // still without the GIL
      }
      return s;
    });
    std::string* raw = digits.get();
    py::capsule owner(raw, [](void* p) { delete static_cast<std::string*>(p); });
    digits.release();  // the capsule owns it now
    return py::array_t<uint8_t>({static_cast<py::ssize_t>(raw->size())}, {py::ssize_t{1}},
                                reinterpret_cast<const uint8_t*>(raw->data()), owner);
  }

  bool Delete(std::string_view id) {
    bool deleted = true;
    Call([&](PiStore* pi) { return AbsentIsOk(pi->DeleteSequence(id), &deleted); });
    return deleted;
  }

  // None when the cell is beyond the sequence's precision; NotFoundError
  // when there is no such sequence (the engine says NotFound for both).
  py::object DigitAt(std::string_view id, int64_t x, int64_t y) {
    SpiralDigit d;
    bool found = true;
    Call([&](PiStore* pi) {
      Status s = pi->DigitAt(id, x, y, &d);
      if (s.IsNotFound()) {
        SequenceInfo info;
        s = pi->RetrieveSequence(id, &info);
        found = false;
      }
      return s;
    });
    if (!found) return py::none();
    return py::make_tuple(d.x, d.y, d.position, static_cast<int>(d.digit - '0'));
  }

  py::list Disc(std::string_view id, int64_t x, int64_t y, int64_t radius) {
    std::vector<SpiralDigit> cells;
    Call([&](PiStore* pi) { return pi->DigitsInDisc(id, x, y, radius, &cells); });
    return SpiralList(cells);
  }

  py::list Window(std::string_view id, int64_t x0, int64_t y0, int64_t x1, int64_t y1) {
    std::vector<SpiralDigit> cells;
    Call([&](PiStore* pi) { return pi->DigitsInWindow(id, x0, y0, x1, y1, &cells); });
    return SpiralList(cells);
  }

  // The build reports no progress and cannot be stopped midway, so it is
  // reported as 0.0 before it starts (when the callback or Ctrl-C can still
  // cancel it: CancelledError, nothing done) and 1.0 once it is stored.
  void BuildIndex(std::string_view id, const py::object& progress) {
    CheckCallable(progress);
    RunInterruptibly(*h_, progress, [&](DB*, Interruptible* state) {
      PiStore* pi = nullptr;
      Status s = LazyStore(*h_, &h_->pi, &pi);
      if (!s.ok()) return s;
      if (!state->Report(0.0)) return Status::Cancelled("build_pattern_index cancelled");
      s = pi->BuildPatternIndex(id);
      if (s.ok()) state->Report(1.0);
      return s;
    });
  }

  py::tuple Find(std::string_view id, std::string_view pattern, int max_mismatches, uint64_t skip,
                 uint64_t limit) {
    PatternQuery q;
    q.max_mismatches = max_mismatches;
    q.skip = skip;
    q.limit = limit;
    PatternResult r;
    Call([&](PiStore* pi) { return pi->FindPattern(id, pattern, q, &r); });
    return ResultTuple(r);
  }

  py::list FindMany(std::string_view id, const std::vector<std::string>& patterns,
                    uint64_t max_positions) {
    std::vector<PatternResult> results;
    Call([&](PiStore* pi) { return pi->FindPatterns(id, patterns, max_positions, &results); });
    py::list out(results.size());
    for (size_t i = 0; i < results.size(); ++i) out[i] = ResultTuple(results[i]);
    return out;
  }

  std::vector<std::string> NewIds(uint64_t count, int digits_per_id) {
    std::vector<std::string> ids;
    Call([&](PiStore* pi) { return pi->NewIds(count, digits_per_id, &ids); });
    return ids;
  }

  py::tuple Resolve(std::string_view id) {
    PiIdInfo info;
    Call([&](PiStore* pi) { return pi->ResolveId(id, &info); });
    return py::make_tuple(info.position, info.x, info.y);
  }

  const py::object& database() const { return database_; }

 private:
  // Kept so the Database is not collected (and closed) while this is used.
  py::object database_;
  std::shared_ptr<DbHandle> h_;
};

}  // namespace

void BindPi(py::module_& m) {
  m.attr("MAX_SEQUENCE_DIGITS") = kMaxSequenceDigits;
  m.attr("SEQUENCE_CHUNK_DIGITS") = kSequenceChunkDigits;
  m.attr("MAX_SEQUENCE_ID_BYTES") = kMaxSequenceIdBytes;
  py::class_<PyPiStore>(m, "PiStore", "The π store of a database (see spirapi.pi.PiStore).")
      .def(py::init<const py::object&>(), py::arg("database"))
      .def_property_readonly("database", &PyPiStore::database)
      .def("compute", &PyPiStore::Compute, py::arg("digits"), py::arg("id") = py::none(),
           py::arg("verify") = true, py::arg("threads") = 2, py::arg("progress") = py::none())
      .def("store", &PyPiStore::Store, py::arg("id"), py::arg("digits"),
           py::arg("algorithm") = "imported", py::arg("computation_time") = 0.0,
           py::arg("verified") = false)
      .def("retrieve", &PyPiStore::Retrieve, py::arg("id"))
      .def("search", &PyPiStore::Search, py::arg("algorithm") = py::none(),
           py::arg("min_precision") = py::none(), py::arg("max_precision") = py::none(),
           py::arg("min_computation_time") = py::none(),
           py::arg("max_computation_time") = py::none(), py::arg("min_uniqueness") = py::none(),
           py::arg("max_uniqueness") = py::none(), py::arg("stored_after") = py::none(),
           py::arg("stored_before") = py::none(), py::arg("limit") = py::none(),
           py::arg("collect_damaged") = false)
      .def("read_digits", &PyPiStore::ReadDigits, py::arg("id"), py::arg("first") = 1,
           py::arg("count") = py::none())
      .def("read_digits_array", &PyPiStore::ReadDigitsArray, py::arg("id"), py::arg("first") = 1,
           py::arg("count") = py::none())
      .def("delete", &PyPiStore::Delete, py::arg("id"))
      .def("digit_at", &PyPiStore::DigitAt, py::arg("id"), py::arg("x"), py::arg("y"))
      .def("digits_in_disc", &PyPiStore::Disc, py::arg("id"), py::arg("x"), py::arg("y"),
           py::arg("radius"))
      .def("digits_in_window", &PyPiStore::Window, py::arg("id"), py::arg("x0"), py::arg("y0"),
           py::arg("x1"), py::arg("y1"))
      .def("build_pattern_index", &PyPiStore::BuildIndex, py::arg("id"),
           py::arg("progress") = py::none())
      .def("find_pattern", &PyPiStore::Find, py::arg("id"), py::arg("pattern"),
           py::arg("max_mismatches") = 0, py::arg("skip") = 0, py::arg("limit") = 10)
      .def("find_patterns", &PyPiStore::FindMany, py::arg("id"), py::arg("patterns"),
           py::arg("max_positions") = 1)
      .def("new_ids", &PyPiStore::NewIds, py::arg("count") = 1, py::arg("digits_per_id") = 12)
      .def("resolve_id", &PyPiStore::Resolve, py::arg("id"));
}

}  // namespace spirapi::python
