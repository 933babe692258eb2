#include "index/qubo.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

namespace spirapi::index {

Qubo::Qubo(size_t n) : linear_(n, 0.0), adj_(n) {}

void Qubo::AddPair(size_t i, size_t j, double v) {
  if (i == j) {  // x_i * x_i == x_i
    linear_[i] += v;
    return;
  }
  auto add = [&](size_t a, size_t b) {
    for (auto& [k, w] : adj_[a]) {
      if (k == b) {
        w += v;
        return;
      }
    }
    adj_[a].emplace_back(static_cast<uint32_t>(b), v);
  };
  add(i, j);
  add(j, i);
}

void Qubo::SetCapacity(std::vector<uint64_t> weights, uint64_t capacity, double lambda) {
  has_capacity_ = true;
  weights_ = std::move(weights);
  weights_.resize(size(), 0);
  capacity_ = capacity;
  lambda_ = lambda;
}

int Qubo::slack_bits() const {
  if (!has_capacity_) return 0;
  int bits = 0;
  // The smallest count whose largest value, 2^bits - 1, reaches the capacity.
  while (bits < 63 && (uint64_t{1} << bits) - 1 < capacity_) ++bits;
  return (uint64_t{1} << bits) - 1 < capacity_ ? 64 : bits;
}

uint64_t Qubo::Load(const std::vector<uint8_t>& x) const {
  uint64_t load = 0;
  for (size_t i = 0; i < size() && has_capacity_; ++i) load += x[i] ? weights_[i] : 0;
  return load;
}

double Qubo::Penalty(uint64_t load) const {
  if (!has_capacity_ || load <= capacity_) return 0;
  const double over = double(load - capacity_);
  return lambda_ * over * over;
}

namespace {

double Quadratic(const Qubo& q, const std::vector<uint8_t>& x) {
  double e = 0;
  for (size_t i = 0; i < q.size(); ++i) {
    if (!x[i]) continue;
    e += q.linear(i);
    for (const auto& [j, v] : q.neighbours(i)) {
      if (j > i && x[j]) e += v;
    }
  }
  return e;
}

}  // namespace

double Qubo::Energy(const std::vector<uint8_t>& x) const {
  return Quadratic(*this, x) + Penalty(Load(x));
}

double Qubo::FullEnergy(const std::vector<uint8_t>& x, const std::vector<uint8_t>& y) const {
  double e = Quadratic(*this, x);
  if (!has_capacity_) return e;
  double residual = double(Load(x)) - double(capacity_);
  for (size_t k = 0; k < y.size(); ++k) residual += y[k] ? std::ldexp(1.0, int(k)) : 0;
  return e + lambda_ * residual * residual;
}

namespace {

// A choice with each bit's local field (h_i + sum_j J_ij x_j), so that a
// flip's energy change costs O(1) and its update O(degree).
class State {
 public:
  explicit State(const Qubo& q) : q_(q), x_(q.size(), 0), field_(q.size()) {
    for (size_t i = 0; i < q.size(); ++i) field_[i] = q.linear(i);
  }

  const std::vector<uint8_t>& x() const { return x_; }
  double energy() const { return energy_; }

  double Delta(size_t i) const {
    const double quad = x_[i] ? -field_[i] : field_[i];
    if (!q_.has_capacity()) return quad;
    const uint64_t w = q_.weight(i);
    const uint64_t load = x_[i] ? load_ - w : load_ + w;
    return quad + q_.Penalty(load) - q_.Penalty(load_);
  }

  void Flip(size_t i, double delta) {
    const double sign = x_[i] ? -1.0 : 1.0;
    x_[i] ^= 1;
    for (const auto& [j, v] : q_.neighbours(i)) field_[j] += sign * v;
    if (q_.has_capacity()) load_ = x_[i] ? load_ + q_.weight(i) : load_ - q_.weight(i);
    energy_ += delta;
  }

 private:
  const Qubo& q_;
  std::vector<uint8_t> x_;
  std::vector<double> field_;
  uint64_t load_ = 0;
  double energy_ = 0;
};

void Schedule(const Qubo& q, const AnnealOptions& o, double* t0, double* t1) {
  double hi = 0, lo = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < q.size(); ++i) {
    double scale = std::fabs(q.linear(i));
    if (scale > 0) lo = std::min(lo, scale);
    for (const auto& [j, v] : q.neighbours(i)) scale += std::fabs(v);
    hi = std::max(hi, scale);
  }
  if (hi == 0) hi = 1;
  if (!std::isfinite(lo)) lo = hi;
  *t0 = o.t_start > 0 ? o.t_start : hi;
  *t1 = o.t_end > 0 ? o.t_end : std::min(*t0, lo) * 1e-3;
}

}  // namespace

QuboSolution Anneal(const Qubo& q, const AnnealOptions& options) {
  QuboSolution best;
  best.x.assign(q.size(), 0);
  best.energy = 0;  // the empty choice
  if (q.size() == 0) return best;
  double t0, t1;
  Schedule(q, options, &t0, &t1);
  const int sweeps = std::max(1, options.sweeps);
  const double cooling = sweeps > 1 ? std::pow(t1 / t0, 1.0 / (sweeps - 1)) : 1.0;
  std::mt19937_64 rng(options.seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int run = 0; run < std::max(1, options.restarts); ++run) {
    State s(q);
    for (size_t i = 0; i < q.size(); ++i) {
      if (rng() & 1) s.Flip(i, s.Delta(i));
    }
    double t = t0;
    for (int sweep = 0; sweep < sweeps; ++sweep, t *= cooling) {
      for (size_t i = 0; i < q.size(); ++i) {
        const double d = s.Delta(i);
        ++best.evaluations;
        if (d <= 0 || unit(rng) < std::exp(-d / t)) s.Flip(i, d);
      }
      // Exchanges: one chosen bit off, another on, as one move. Near the
      // capacity a single flip on is infeasible and one off loses gain, so
      // without them the budget's penalty walls off better neighbours.
      for (size_t k = 0; k < q.size() && q.has_capacity(); ++k) {
        const size_t i = rng() % q.size(), j = rng() % q.size();
        if (!s.x()[i] || s.x()[j]) continue;
        const double d1 = s.Delta(i);
        s.Flip(i, d1);
        const double d2 = s.Delta(j);
        best.evaluations += 2;
        if (d1 + d2 <= 0 || unit(rng) < std::exp(-(d1 + d2) / t)) {
          s.Flip(j, d2);
        } else {
          s.Flip(i, -d1);
        }
      }
    }
    // Descend: the schedule's end may leave an improving flip untried.
    for (bool improved = true; improved;) {
      improved = false;
      for (size_t i = 0; i < q.size(); ++i) {
        const double d = s.Delta(i);
        ++best.evaluations;
        if (d < -1e-12) {
          s.Flip(i, d);
          improved = true;
        }
      }
    }
    // Recomputed rather than accumulated, so that rounding cannot pick the winner.
    const double e = q.Energy(s.x());
    if (e < best.energy) {
      best.energy = e;
      best.x = s.x();
    }
  }
  return best;
}

QuboSolution Exhaustive(const Qubo& q) {
  QuboSolution best;
  if (q.size() > 24) return best;
  best.x.assign(q.size(), 0);
  best.energy = 0;
  State s(q);
  const uint64_t count = uint64_t{1} << q.size();
  for (uint64_t k = 1; k < count; ++k) {
    const size_t bit = static_cast<size_t>(__builtin_ctzll(k));
    s.Flip(bit, s.Delta(bit));
    ++best.evaluations;
    if (s.energy() < best.energy - 1e-9) {
      best.energy = s.energy();
      best.x = s.x();
    }
  }
  if (!best.x.empty()) best.energy = q.Energy(best.x);
  return best;
}

QuboSolution Greedy(const Qubo& q) {
  QuboSolution out;
  State s(q);
  uint64_t load = 0;
  while (true) {
    size_t pick = q.size();
    double best_ratio = 0;
    for (size_t i = 0; i < q.size(); ++i) {
      if (s.x()[i]) continue;
      if (q.has_capacity() && load + q.weight(i) > q.capacity()) continue;
      const double d = s.Delta(i);
      ++out.evaluations;
      if (d >= -1e-12) continue;
      const double ratio = -d / double(std::max<uint64_t>(1, q.weight(i)));
      if (ratio > best_ratio) {
        best_ratio = ratio;
        pick = i;
      }
    }
    if (pick == q.size()) break;
    load += q.weight(pick);
    s.Flip(pick, s.Delta(pick));
  }
  out.x = s.x();
  out.energy = q.Energy(out.x);
  return out;
}

}  // namespace spirapi::index
