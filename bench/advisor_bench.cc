// The index advisor's solvers (src/index/qubo.h) on random instances shaped
// like its models: candidates with sizes and write costs, queries each
// served by a few candidates with random benefits, a budget of a third of
// the candidates' total size. Prints, per size, the mean QUBO energy (lower
// is better) and time of simulated annealing, greedy selection and, up to
// 20 candidates, exhaustive search.
//
//   advisor_bench [instances per size (default 10)]

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "index/qubo.h"

namespace {

using spirapi::index::Qubo;
using spirapi::index::QuboSolution;

Qubo Instance(size_t n, std::mt19937_64* rng) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Qubo q(n);
  std::vector<uint64_t> size(n);
  uint64_t total = 0;
  double reward = 0;
  std::vector<double> gain(n, 0);
  // Two queries per candidate on average, each served by 1..4 candidates.
  for (size_t k = 0; k < 2 * n; ++k) {
    const size_t m = 1 + (*rng)() % 4;
    std::vector<std::pair<size_t, double>> served;  // distinct candidates
    const double runs = 1 + double((*rng)() % 50);
    while (served.size() < std::min(m, n)) {
      const size_t c = (*rng)() % n;
      bool dup = false;
      for (const auto& s : served) dup = dup || s.first == c;
      if (!dup) served.emplace_back(c, 1000 * u(*rng));
    }
    for (size_t a = 0; a < served.size(); ++a) {
      q.AddLinear(served[a].first, -runs * served[a].second);
      gain[served[a].first] += runs * served[a].second;
      for (size_t b = a + 1; b < served.size(); ++b) {
        q.AddPair(served[a].first, served[b].first,
                  runs * std::min(served[a].second, served[b].second));
      }
    }
  }
  for (size_t i = 0; i < n; ++i) {
    const double write = 5000 * u(*rng);
    q.AddLinear(i, write);
    reward += std::max(0.0, gain[i] - write);
    total += size[i] = 1 + (*rng)() % 200;
  }
  q.SetCapacity(size, total / 3, reward + 1);
  return q;
}

template <typename F>
QuboSolution Timed(F f, double* seconds) {
  const auto start = std::chrono::steady_clock::now();
  QuboSolution s = f();
  *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  const int instances = argc > 1 ? std::atoi(argv[1]) : 10;
  std::printf("%5s %14s %10s %14s %10s %14s %10s %9s %9s\n", "n", "anneal E", "anneal s",
              "greedy E", "greedy s", "exhaustive E", "exh. s", "anneal=ex", "greedy=ex");
  for (size_t n : {10, 20, 50, 200}) {
    std::mt19937_64 rng(n);
    double ea = 0, eg = 0, ee = 0, ta = 0, tg = 0, te = 0;
    int anneal_opt = 0, greedy_opt = 0, anneal_better = 0;
    for (int k = 0; k < instances; ++k) {
      const Qubo q = Instance(n, &rng);
      double t;
      spirapi::index::AnnealOptions o;
      o.seed = k + 1;
      const QuboSolution a = Timed([&] { return spirapi::index::Anneal(q, o); }, &t);
      ea += a.energy;
      ta += t;
      const QuboSolution g = Timed([&] { return spirapi::index::Greedy(q); }, &t);
      eg += g.energy;
      tg += t;
      anneal_better += a.energy < g.energy - 1e-6;
      if (n <= 20) {
        const QuboSolution e = Timed([&] { return spirapi::index::Exhaustive(q); }, &t);
        ee += e.energy;
        te += t;
        anneal_opt += std::fabs(a.energy - e.energy) <= 1e-6 * (1 + std::fabs(e.energy));
        greedy_opt += std::fabs(g.energy - e.energy) <= 1e-6 * (1 + std::fabs(e.energy));
      }
    }
    const double m = instances;
    if (n <= 20) {
      std::printf("%5zu %14.0f %10.4f %14.0f %10.6f %14.0f %10.4f %6d/%-2d %6d/%-2d\n", n, ea / m,
                  ta / m, eg / m, tg / m, ee / m, te / m, anneal_opt, instances, greedy_opt,
                  instances);
    } else {
      std::printf("%5zu %14.0f %10.4f %14.0f %10.6f %14s %10s  annealing lower on %d/%d\n", n,
                  ea / m, ta / m, eg / m, tg / m, "-", "-", anneal_better, instances);
    }
  }
  return 0;
}
