// A QUBO (quadratic unconstrained binary optimization) model with one
// knapsack constraint, and three solvers: simulated annealing (the
// classical counterpart of quantum annealing), exhaustive search for small
// models, and greedy selection. The index advisor (index_advisor.h) poses
// its choice in this form.
//
// The energy of a choice x in {0,1}^n is
//
//   E(x) = sum_i h_i x_i + sum_{i<j} J_ij x_i x_j
//          + lambda * (sum_i w_i x_i + sum_k 2^k y_k - C)^2
//
// where the y_k are binary slack bits (enough for 0..C) that turn the
// constraint sum_i w_i x_i <= C into a quadratic penalty: expanding the
// square gives only linear and pairwise terms, so E is a genuine QUBO over
// (x, y). For a fixed x, the best slack is the binary expansion of the room
// left (C - load) when the load fits, and zero otherwise, so
//
//   min_y E(x, y) = quadratic(x) + lambda * max(0, load(x) - C)^2.
//
// The solvers minimize that form: annealing the slack bits at temperature
// zero after every flip of an x bit, which gives the same minimum as
// annealing all of (x, y) without the energy barriers the slack bits would
// put between neighbouring choices. FullEnergy evaluates the (x, y) form so
// that tests can check the equivalence.

#ifndef SPIRAPI_INDEX_QUBO_H_
#define SPIRAPI_INDEX_QUBO_H_

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace spirapi::index {

class Qubo {
 public:
  explicit Qubo(size_t n);

  size_t size() const { return linear_.size(); }
  // Adds v to h_i; to J_ij (i != j; J is symmetric, stored once per pair).
  void AddLinear(size_t i, double v) { linear_[i] += v; }
  void AddPair(size_t i, size_t j, double v);
  // The constraint sum_i weights[i] x_i <= capacity, with penalty weight
  // lambda (see above). Without it every choice is feasible.
  void SetCapacity(std::vector<uint64_t> weights, uint64_t capacity, double lambda);

  double linear(size_t i) const { return linear_[i]; }
  const std::vector<std::pair<uint32_t, double>>& neighbours(size_t i) const { return adj_[i]; }
  bool has_capacity() const { return has_capacity_; }
  uint64_t weight(size_t i) const { return has_capacity_ ? weights_[i] : 0; }
  uint64_t capacity() const { return capacity_; }
  // The slack bits the constraint adds to the full QUBO (0 without one).
  int slack_bits() const;

  // E with the slack at its optimum for x.
  double Energy(const std::vector<uint8_t>& x) const;
  // E of the full QUBO over x and the slack bits y (slack_bits() of them,
  // least significant first).
  double FullEnergy(const std::vector<uint8_t>& x, const std::vector<uint8_t>& y) const;
  uint64_t Load(const std::vector<uint8_t>& x) const;
  bool Feasible(const std::vector<uint8_t>& x) const {
    return !has_capacity_ || Load(x) <= capacity_;
  }
  // The penalty of a load past the capacity.
  double Penalty(uint64_t load) const;

 private:
  std::vector<double> linear_;
  std::vector<std::vector<std::pair<uint32_t, double>>> adj_;  // both directions
  bool has_capacity_ = false;
  std::vector<uint64_t> weights_;
  uint64_t capacity_ = 0;
  double lambda_ = 0;
};

struct QuboSolution {
  std::vector<uint8_t> x;
  double energy = 0;
  uint64_t evaluations = 0;  // single-bit moves tried (a measure of work)
};

struct AnnealOptions {
  int sweeps = 2000;   // per restart; one sweep tries a flip of every bit
  int restarts = 8;    // independent runs from random starts; the best wins
  uint64_t seed = 1;   // the same seed gives the same answer
  // Geometric schedule from t_start down to t_end; 0: from the model's
  // scale (the largest |h_i| + sum_j |J_ij|, down to a thousandth of the
  // smallest nonzero |h_i|).
  double t_start = 0;
  double t_end = 0;
};

// Simulated annealing (Metropolis acceptance, geometric cooling) over
// single-bit flips and, with a capacity, exchanges of a chosen bit for an
// unchosen one (one move of two flips, which crosses the penalty's wall
// between choices that fill the budget); each run ends by a descent to a
// local minimum of single flips. Deterministic for a seed.
QuboSolution Anneal(const Qubo& q, const AnnealOptions& options);

// The exact minimum, by visiting all 2^n choices in Gray-code order (one
// flip each). Only for n <= 24; larger models return an empty solution.
QuboSolution Exhaustive(const Qubo& q);

// Greedy selection: from nothing, repeatedly add the bit with the largest
// energy decrease per unit of weight (decrease itself when weights are 0)
// that keeps the load within the capacity, until none decreases it.
QuboSolution Greedy(const Qubo& q);

}  // namespace spirapi::index

#endif  // SPIRAPI_INDEX_QUBO_H_
