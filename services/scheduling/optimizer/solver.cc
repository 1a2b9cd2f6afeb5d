#include "services/scheduling/optimizer/solver.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <thread>

namespace fieldline::optimizer {
namespace {

using Clock = std::chrono::steady_clock;
constexpr double kInf = std::numeric_limits<double>::infinity();

// One vehicle's route with the arrays that make insertion checks O(1): per position (0 = start
// location, k+1 = end location) the location, the departure time (service start + duration),
// the window opening and the latest service start that keeps the rest of the route feasible.
struct RouteState {
  std::vector<int> seq;
  std::vector<int> loc;
  std::vector<double> depart;
  std::vector<double> ready;
  std::vector<double> latest;
  int load = 0;
  double distance = 0;
};

// One annealing chain. Owns its state; reads the Problem.
class Chain {
 public:
  Chain(const Problem& problem, const SolverOptions& options, std::uint64_t seed,
        Clock::time_point start, Clock::time_point deadline)
      : p_(problem), o_(options), rng_(seed), start_(start), deadline_(deadline) {
    const int n = static_cast<int>(p_.jobs.size());
    const int v = static_cast<int>(p_.vehicles.size());
    routes_.resize(v);
    route_of_.assign(n, -1);
    saved_.assign(v, 0);
    ClassifyVehicles();
    neighbours_.resize(n);
    for (int i = 0; i < n; ++i) {
      auto& list = neighbours_[i];
      list.resize(n);
      std::iota(list.begin(), list.end(), 0);
      const int li = p_.jobs[i].location;
      std::sort(list.begin(), list.end(), [&](int a, int b) {
        const double da = a == i ? -1 : p_.Distance(li, p_.jobs[a].location);
        const double db = b == i ? -1 : p_.Distance(li, p_.jobs[b].location);
        return da < db || (da == db && a < b);
      });
    }
    const int depot = p_.vehicles.front().start_location;
    depot_distance_.resize(n);
    for (int i = 0; i < n; ++i) depot_distance_[i] = p_.Distance(depot, p_.jobs[i].location);
    for (int r = 0; r < v; ++r) Recompute(r);
  }

  Solution Run() {
    // Construction: cheapest feasible insertion of every job, in random order.
    std::vector<int> all(p_.jobs.size());
    std::iota(all.begin(), all.end(), 0);
    std::shuffle(all.begin(), all.end(), rng_);
    Recreate(all, 0.0);
    cost_ = TotalCost();
    SaveBest();
    const int jobs = static_cast<int>(p_.jobs.size());
    if (jobs == 0) return BestSolution(0);
    const double mean_arc = std::max(1e-9, Distance() / (jobs + UsedVehicles()));
    t0_ = o_.initial_temperature * mean_arc;
    tf_ = o_.final_temperature * mean_arc;
    if (o_.minimise_vehicles_first) MinimiseVehicles(0.2);
    const double phase_start = Progress();
    while (!Done()) {
      const double fraction =
          std::min(1.0, (Progress() - phase_start) / std::max(1e-9, 1.0 - phase_start));
      Iterate(t0_ * std::pow(tf_ / t0_, fraction));
    }
    return BestSolution(iteration_);
  }

 private:
  // Share of the budget used: iterations when max_iterations is set (deterministic), else time.
  double Progress() const {
    if (o_.max_iterations > 0) return static_cast<double>(iteration_) / o_.max_iterations;
    const double limit = std::max(1e-9, o_.time_limit_seconds);
    return std::chrono::duration<double>(Clock::now() - start_).count() / limit;
  }
  bool Done() const {
    return (o_.max_iterations > 0 && iteration_ >= o_.max_iterations) || Clock::now() >= deadline_;
  }

  // One ruin-and-recreate step with the annealing acceptance at this temperature.
  void Iterate(double temperature) {
    ++iteration_;
    BeginMove();
    removed_.clear();
    Ruin(removed_);
    for (int u : unassigned_) removed_.push_back(u);
    unassigned_.clear();
    SortForRecreate(removed_);
    Recreate(removed_, o_.blink_rate);
    const double candidate = CandidateCost();
    const double threshold = cost_ - temperature * std::log(Uniform() + 1e-300);
    if (candidate < threshold) {
      cost_ = candidate;
      if (candidate < best_cost_ - 1e-9 ||
          (candidate < best_cost_ + 1e-9 && UsedVehicles() < best_vehicles_)) {
        SaveBest();
      }
    } else {
      Undo(removed_);
    }
  }

  // Route minimisation: empties the smallest route and searches with one vehicle fewer until
  // every job is back in a route; repeats while that works, within `share` of the budget.
  // On failure the last complete plan is restored. The distance search then starts from it.
  void MinimiseVehicles(double share) {
    while (!Done() && Progress() < share && unassigned_.empty()) {
      const int used = UsedVehicles();
      if (used <= 1) break;
      const std::vector<RouteState> snapshot = routes_;
      int smallest = -1;
      for (int r = 0; r < static_cast<int>(routes_.size()); ++r) {
        const auto k = routes_[r].seq.size();
        if (k > 0 && (smallest < 0 || k < routes_[smallest].seq.size())) smallest = r;
      }
      for (int j : routes_[smallest].seq) {
        unassigned_.push_back(j);
        route_of_[j] = -1;
      }
      routes_[smallest].seq.clear();
      Recompute(smallest);
      max_routes_ = used - 1;
      cost_ = TotalCost();
      while (!unassigned_.empty() && !Done() && Progress() < share) Iterate(tf_);
      max_routes_ = std::numeric_limits<int>::max();
      if (!unassigned_.empty()) {
        routes_ = snapshot;
        unassigned_.clear();
        for (auto& r : route_of_) r = -1;
        for (int r = 0; r < static_cast<int>(routes_.size()); ++r) {
          for (int j : routes_[r].seq) route_of_[j] = r;
        }
        cost_ = TotalCost();
        break;
      }
    }
  }

  double Uniform() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }
  int UniformInt(int n) { return static_cast<int>(Uniform() * n); }  // [0, n)

  void ClassifyVehicles() {
    const int v = static_cast<int>(p_.vehicles.size());
    class_of_.assign(v, -1);
    int classes = 0;
    for (int a = 0; a < v; ++a) {
      if (class_of_[a] >= 0) continue;
      class_of_[a] = classes;
      const Vehicle& x = p_.vehicles[a];
      for (int b = a + 1; b < v; ++b) {
        const Vehicle& y = p_.vehicles[b];
        if (class_of_[b] < 0 && x.capacity == y.capacity && x.shift_start == y.shift_start &&
            x.shift_end == y.shift_end && x.start_location == y.start_location &&
            x.end_location == y.end_location && x.skills == y.skills &&
            x.fixed_cost == y.fixed_cost) {
          class_of_[b] = classes;
        }
      }
      ++classes;
    }
    class_tried_.assign(classes, 0);
  }

  void Recompute(int r) {
    RouteState& route = routes_[r];
    const Vehicle& v = p_.vehicles[r];
    const int k = static_cast<int>(route.seq.size());
    route.loc.resize(k + 2);
    route.depart.resize(k + 2);
    route.ready.resize(k + 2);
    route.latest.resize(k + 2);
    route.loc[0] = v.start_location;
    route.depart[0] = v.shift_start;
    route.ready[0] = v.shift_start;
    route.load = 0;
    route.distance = 0;
    for (int i = 1; i <= k; ++i) {
      const int j = route.seq[i - 1];
      const Job& job = p_.jobs[j];
      route_of_[j] = r;
      route.loc[i] = job.location;
      route.ready[i] = job.ready;
      const double arrive = route.depart[i - 1] + p_.Time(route.loc[i - 1], job.location);
      route.depart[i] = std::max(arrive, job.ready) + job.service;
      route.distance += p_.Distance(route.loc[i - 1], job.location);
      route.load += job.demand;
    }
    route.loc[k + 1] = v.end_location;
    route.ready[k + 1] = v.shift_start;
    route.depart[k + 1] = route.depart[k] + p_.Time(route.loc[k], v.end_location);
    route.distance += p_.Distance(route.loc[k], v.end_location);
    route.latest[k + 1] = v.shift_end;
    for (int i = k; i >= 1; --i) {
      const Job& job = p_.jobs[route.seq[i - 1]];
      route.latest[i] = std::min(
          job.due, route.latest[i + 1] - p_.Time(route.loc[i], route.loc[i + 1]) - job.service);
    }
    route.latest[0] = route.latest[1] - p_.Time(route.loc[0], route.loc[1]);
  }

  double RouteCost(const RouteState& route, int r) const {
    return route.seq.empty() ? 0.0 : route.distance + p_.vehicles[r].fixed_cost;
  }

  double TotalCost() const {
    double c = 0;
    for (std::size_t r = 0; r < routes_.size(); ++r)
      c += RouteCost(routes_[r], static_cast<int>(r));
    for (int u : unassigned_) c += p_.jobs[u].unassigned_penalty;
    return c;
  }

  double Distance() const {
    double d = 0;
    for (const auto& route : routes_) d += route.seq.empty() ? 0.0 : route.distance;
    return d;
  }

  int UsedVehicles() const {
    int used = 0;
    for (const auto& route : routes_) used += route.seq.empty() ? 0 : 1;
    return used;
  }

  // --- undo log: the routes a move touched, as they were before it -----------------------
  void BeginMove() {
    for (const auto& [r, route] : backup_) saved_[r] = 0;
    backup_.clear();
    backup_unassigned_ = unassigned_;
  }
  void Touch(int r) {
    if (saved_[r]) return;
    saved_[r] = 1;
    backup_.emplace_back(r, routes_[r]);
  }
  double CandidateCost() const {
    double c = cost_;
    for (const auto& [r, old] : backup_) c += RouteCost(routes_[r], r) - RouteCost(old, r);
    for (int u : backup_unassigned_) c -= p_.jobs[u].unassigned_penalty;
    for (int u : unassigned_) c += p_.jobs[u].unassigned_penalty;
    return c;
  }
  void Undo(const std::vector<int>& moved) {
    for (int u : moved) route_of_[u] = -1;
    for (auto& [r, old] : backup_) {
      routes_[r] = std::move(old);
      for (int j : routes_[r].seq) route_of_[j] = r;
      saved_[r] = 0;
    }
    backup_.clear();
    unassigned_ = backup_unassigned_;
  }

  // --- ruin: SISR's adjacent string removal -----------------------------------------------
  void Ruin(std::vector<int>& removed) {
    int assigned = 0, used = 0;
    for (const auto& route : routes_) {
      assigned += static_cast<int>(route.seq.size());
      used += route.seq.empty() ? 0 : 1;
    }
    if (assigned == 0) return;
    const double avg_card = static_cast<double>(assigned) / used;
    const double ls_max = std::min<double>(o_.max_string_length, avg_card);
    const double ks_max = 4.0 * o_.mean_removed / (1.0 + ls_max) - 1.0;
    const int ks = static_cast<int>(Uniform() * ks_max) + 1;
    int seed_job;
    do {
      seed_job = UniformInt(static_cast<int>(p_.jobs.size()));
    } while (route_of_[seed_job] < 0);
    ruined_.clear();
    for (int c : neighbours_[seed_job]) {
      if (static_cast<int>(ruined_.size()) >= ks) break;
      const int r = route_of_[c];
      if (r < 0 || std::find(ruined_.begin(), ruined_.end(), r) != ruined_.end()) continue;
      RouteState& route = routes_[r];
      const int k = static_cast<int>(route.seq.size());
      const int l_max = std::max(1, static_cast<int>(std::min<double>(k, ls_max)));
      const int l = UniformInt(l_max) + 1;
      const int pc =
          static_cast<int>(std::find(route.seq.begin(), route.seq.end(), c) - route.seq.begin());
      Touch(r);
      ruined_.push_back(r);
      if (l == k || Uniform() < 0.5) {
        const int lo = std::max(0, pc - l + 1), hi = std::min(pc, k - l);
        const int s = lo + UniformInt(hi - lo + 1);
        for (int i = s; i < s + l; ++i) {
          removed.push_back(route.seq[i]);
          route_of_[route.seq[i]] = -1;
        }
        route.seq.erase(route.seq.begin() + s, route.seq.begin() + s + l);
      } else {
        int m = 1;
        while (l + m < k && Uniform() < 0.5) ++m;
        const int w = l + m;
        const int lo = std::max(0, pc - w + 1), hi = std::min(pc, k - w);
        const int s = lo + UniformInt(hi - lo + 1);
        const int keep = s + UniformInt(l + 1);  // preserved block [keep, keep + m)
        std::vector<int> next;
        next.reserve(k - l);
        for (int i = 0; i < k; ++i) {
          if (i >= s && i < s + w && !(i >= keep && i < keep + m)) {
            removed.push_back(route.seq[i]);
            route_of_[route.seq[i]] = -1;
          } else {
            next.push_back(route.seq[i]);
          }
        }
        route.seq = std::move(next);
      }
      Recompute(r);
    }
  }

  void SortForRecreate(std::vector<int>& jobs) {
    const int pick = UniformInt(13);
    if (pick < 4) {
      std::shuffle(jobs.begin(), jobs.end(), rng_);
    } else if (pick < 8) {
      std::sort(jobs.begin(), jobs.end(), [&](int a, int b) {
        return p_.jobs[a].demand > p_.jobs[b].demand ||
               (p_.jobs[a].demand == p_.jobs[b].demand && a < b);
      });
    } else if (pick < 10) {
      std::sort(jobs.begin(), jobs.end(), [&](int a, int b) {
        return depot_distance_[a] > depot_distance_[b] ||
               (depot_distance_[a] == depot_distance_[b] && a < b);
      });
    } else if (pick < 11) {
      std::sort(jobs.begin(), jobs.end(), [&](int a, int b) {
        return depot_distance_[a] < depot_distance_[b] ||
               (depot_distance_[a] == depot_distance_[b] && a < b);
      });
    } else {
      std::sort(jobs.begin(), jobs.end(), [&](int a, int b) {
        const double wa = p_.jobs[a].due - p_.jobs[a].ready, wb = p_.jobs[b].due - p_.jobs[b].ready;
        return wa < wb || (wa == wb && a < b);
      });
    }
    // Higher-penalty jobs go first whatever the order, so priorities win the scarce slots.
    std::stable_sort(jobs.begin(), jobs.end(), [&](int a, int b) {
      return p_.jobs[a].unassigned_penalty > p_.jobs[b].unassigned_penalty;
    });
  }

  // --- recreate: cheapest feasible insertion with blinks -----------------------------------
  void Recreate(const std::vector<int>& jobs, double blink) {
    const int v = static_cast<int>(routes_.size());
    int used = UsedVehicles();
    for (int u : jobs) {
      const Job& job = p_.jobs[u];
      const int lu = job.location;
      double best = kInf;
      int best_r = -1, best_p = -1;
      std::fill(class_tried_.begin(), class_tried_.end(), 0);
      const int r_begin = job.only_vehicle >= 0 ? job.only_vehicle : 0;
      const int r_end = job.only_vehicle >= 0 ? job.only_vehicle + 1 : v;
      for (int r = r_begin; r < r_end; ++r) {
        const RouteState& route = routes_[r];
        const Vehicle& vehicle = p_.vehicles[r];
        const int k = static_cast<int>(route.seq.size());
        if (k == 0) {
          if (used >= max_routes_ || class_tried_[class_of_[r]]) continue;
          class_tried_[class_of_[r]] = 1;
        }
        if (route.load + job.demand > vehicle.capacity) continue;
        if ((job.required_skills & vehicle.skills) != job.required_skills) continue;
        const double fixed = k == 0 ? vehicle.fixed_cost : 0.0;
        for (int i = 0; i <= k; ++i) {
          const int a = route.loc[i], b = route.loc[i + 1];
          const double arrive = route.depart[i] + p_.Time(a, lu);
          // Arrival at u only grows along the route (triangle inequality): stop once too late.
          if (arrive > job.due) break;
          if (blink > 0 && Uniform() < blink) continue;
          const double delta = p_.Distance(a, lu) + p_.Distance(lu, b) - p_.Distance(a, b) + fixed;
          if (delta >= best) continue;
          const double su = std::max(arrive, job.ready);
          const double sn = std::max(su + job.service + p_.Time(lu, b), route.ready[i + 1]);
          if (sn > route.latest[i + 1]) continue;
          best = delta;
          best_r = r;
          best_p = i;
        }
      }
      if (best_r < 0) {
        unassigned_.push_back(u);
        continue;
      }
      Touch(best_r);
      RouteState& route = routes_[best_r];
      if (route.seq.empty()) ++used;
      route.seq.insert(route.seq.begin() + best_p, u);
      Recompute(best_r);
    }
  }

  void SaveBest() {
    best_cost_ = cost_;
    best_vehicles_ = UsedVehicles();
    best_routes_.resize(routes_.size());
    for (std::size_t r = 0; r < routes_.size(); ++r) best_routes_[r] = routes_[r].seq;
    best_unassigned_ = unassigned_;
  }

  Solution BestSolution(long iterations) const {
    Solution s;
    for (std::size_t r = 0; r < best_routes_.size(); ++r) {
      if (!best_routes_[r].empty()) s.routes.push_back(Route{static_cast<int>(r), best_routes_[r]});
    }
    s.unassigned = best_unassigned_;
    std::sort(s.unassigned.begin(), s.unassigned.end());
    s.iterations = iterations;
    return s;
  }

  const Problem& p_;
  const SolverOptions& o_;
  std::mt19937_64 rng_;
  Clock::time_point start_, deadline_;
  std::vector<RouteState> routes_;
  std::vector<int> route_of_;
  std::vector<int> unassigned_;
  std::vector<int> class_of_;
  std::vector<char> class_tried_;
  std::vector<std::vector<int>> neighbours_;
  std::vector<double> depot_distance_;
  std::vector<int> ruined_;
  std::vector<std::pair<int, RouteState>> backup_;
  std::vector<char> saved_;
  std::vector<int> backup_unassigned_;
  std::vector<int> removed_;
  long iteration_ = 0;
  int max_routes_ = std::numeric_limits<int>::max();
  double t0_ = 1, tf_ = 1;
  double cost_ = 0;
  double best_cost_ = kInf;
  int best_vehicles_ = 0;
  std::vector<std::vector<int>> best_routes_;
  std::vector<int> best_unassigned_;
};

}  // namespace

Solution Solve(const Problem& problem, const SolverOptions& options) {
  const auto start = Clock::now();
  const auto deadline =
      start + std::chrono::duration_cast<Clock::duration>(
                  std::chrono::duration<double>(std::max(0.0, options.time_limit_seconds)));
  const int threads = std::max(1, options.threads);
  std::vector<Solution> results(threads);
  auto run = [&](int t) {
    Chain chain(problem, options, options.seed + 0x9E3779B97F4A7C15ULL * t, start, deadline);
    results[t] = chain.Run();
  };
  if (threads == 1) {
    run(0);
  } else {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) pool.emplace_back(run, t);
    for (auto& th : pool) th.join();
  }
  long iterations = 0;
  int best = -1;
  Evaluation best_eval;
  for (int t = 0; t < threads; ++t) {
    iterations += results[t].iterations;
    const Evaluation e = Evaluate(problem, results[t]);
    if (best < 0 || e.cost < best_eval.cost - 1e-9 ||
        (e.cost < best_eval.cost + 1e-9 && results[t].vehicles() < results[best].vehicles())) {
      best = t;
      best_eval = e;
    }
  }
  Solution out = std::move(results[best]);
  out.distance = best_eval.distance;
  out.cost = best_eval.cost;
  out.iterations = iterations;
  out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return out;
}

}  // namespace fieldline::optimizer
