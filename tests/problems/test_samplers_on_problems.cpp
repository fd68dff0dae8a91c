// Each model-based sampler beats random search on the test problems where it should, through the
// study as a user runs it. Small budgets and few seeds keep this quick; bench/run samplers has the
// full comparison (20 seeds, 200 trials, beside Optuna and dlib).
#include <doctest/doctest.h>

#include <htune/problems.hpp>
#include <htune/samplers.hpp>
#include <htune/space.hpp>
#include <htune/tune/study.hpp>

#include <algorithm>
#include <vector>

using namespace htune;

namespace {
using branin_space = search_space<uniform<"x", -5.0, 10.0>, uniform<"y", 0.0, 15.0>>;
using hartmann_space = search_space<uniform<"a", 0, 1>, uniform<"b", 0, 1>, uniform<"c", 0, 1>, uniform<"d", 0, 1>,
                                    uniform<"e", 0, 1>, uniform<"f", 0, 1>>;

template <class Space, class Sampler, class Problem>
double median_regret(Problem const& problem, int trials, int seeds) {
    std::vector<double> regrets;
    for (int s = 0; s < seeds; ++s) {
        tune::study<Space, Sampler> study{{.seed = static_cast<std::uint64_t>(100 + s)}};
        study.optimize(
            [&](auto const& t) {
                return std::apply([&](auto... v) { return problem(std::vector<double>{double(v)...}); },
                                  t.params().values());
            },
            static_cast<std::uint64_t>(trials));
        regrets.push_back(study.best_value() - problem.optimum_value());
    }
    std::sort(regrets.begin(), regrets.end());
    return regrets[regrets.size() / 2];
}
} // namespace

TEST_CASE("on Branin, TPE, GP and CMA-ES beat random search") {
    problems::branin const f;
    double const random = median_regret<branin_space, samplers::random>(f, 60, 5);
    double const sobol = median_regret<branin_space, samplers::sobol>(f, 60, 5);
    double const tpe = median_regret<branin_space, samplers::tpe<>>(f, 60, 5);
    double const gp = median_regret<branin_space, samplers::gp<>>(f, 30, 3);
    double const cma = median_regret<branin_space, samplers::cmaes<>>(f, 120, 5);
    double const random_120 = median_regret<branin_space, samplers::random>(f, 120, 5);
    CAPTURE(random);
    CAPTURE(sobol);
    CAPTURE(tpe);
    CAPTURE(gp);
    CAPTURE(cma);
    CHECK(tpe < random);
    CHECK(gp < 0.05); // 30 trials
    CHECK(gp < random);
    CHECK(cma < random_120 / 10);
    CHECK(sobol < 1.0);
}

TEST_CASE("on Hartmann6, TPE, GP and CMA-ES beat random search") {
    problems::hartmann6 const f;
    double const random = median_regret<hartmann_space, samplers::random>(f, 100, 5);
    double const tpe = median_regret<hartmann_space, samplers::tpe<>>(f, 100, 5);
    double const gp = median_regret<hartmann_space, samplers::gp<>>(f, 40, 3);
    double const cma = median_regret<hartmann_space, samplers::cmaes<>>(f, 200, 5);
    double const random_200 = median_regret<hartmann_space, samplers::random>(f, 200, 5);
    CAPTURE(random);
    CAPTURE(tpe);
    CAPTURE(gp);
    CAPTURE(cma);
    CHECK(tpe < random);
    CHECK(gp < random);
    CHECK(cma < random_200);
}
