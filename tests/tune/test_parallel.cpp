// optimize() with several jobs: the same seed and lag give the same trials and results whatever the
// number of jobs and however the trials' run times interleave, for every sampler.
#include <doctest/doctest.h>

#include <htune/samplers/cmaes.hpp>
#include <htune/samplers/gp.hpp>
#include <htune/samplers/grid.hpp>
#include <htune/samplers/random.hpp>
#include <htune/samplers/sobol.hpp>
#include <htune/samplers/tpe.hpp>
#include <htune/space.hpp>
#include <htune/tune/study.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <vector>

using namespace htune;
using tune::trial_state;

namespace {

using branin_space = search_space<uniform<"x", -5.0, 10.0>, uniform<"y", 0.0, 15.0>>;

// Every kind of param, a conditional one included (for the samplers that take them).
using mixed_space = search_space<uniform<"x", -5.0, 10.0>, log_uniform<"lr", 1e-5, 1e-1>,
                                 int_uniform<"width", 16, 256, step<16>>, choice_of<"optimizer", "sgd", "adam">,
                                 conditional<uniform<"momentum", 0.0, 0.99>, when<"optimizer", "sgd">>>;

double branin(double x, double y) {
    double const pi = 3.14159265358979323846;
    double const b = 5.1 / (4 * pi * pi), c = 5 / pi, t = 1 / (8 * pi);
    return std::pow(y - b * x * x + c * x - 6, 2) + 10 * (1 - t) * std::cos(x) + 10;
}

double mixed_value(mixed_space::config const& c) {
    double v = std::pow(c.get<"x">() - 1.0, 2) + std::abs(std::log10(c.get<"lr">()) + 3.0) +
               static_cast<double>(c.get<"width">()) / 256.0;
    if (auto const m = c.get<"momentum">()) v += *m;
    return v;
}

// Sleeps 0 to 3 ms, drawn from a nondeterministic source: trials finish in a different order on
// every run, so only the lag rule can make the results agree.
void jitter() {
    thread_local std::minstd_rand g{std::random_device{}()};
    std::this_thread::sleep_for(std::chrono::microseconds(g() % 3000));
}

// Runs n trials with `jobs` jobs and the given lag; every 9th trial fails, every 11th is pruned.
template <class Space, class Sampler, class Value>
auto run(Sampler sampler, std::size_t jobs, std::uint64_t lag, std::uint64_t n, Value value) {
    auto s = std::make_unique<tune::study<Space, Sampler>>(Space{}, std::move(sampler),
                                                           tune::study_options{.seed = 17, .lag = lag});
    std::uint64_t const ran = s->optimize(
        [&](auto& t) {
            jitter();
            if (t.number() % 9 == 4) throw std::runtime_error("planned failure");
            double const v = value(t.params());
            t.report(0, v + 1.0);
            if (t.number() % 11 == 6) t.prune();
            return v;
        },
        n, tune::run_options{.jobs = jobs});
    CHECK(ran == n);
    return s;
}

template <class Study>
void check_same(Study const& a, Study const& b) {
    REQUIRE(a.trials().size() == b.trials().size());
    for (std::size_t i = 0; i < a.trials().size(); ++i) {
        CAPTURE(i);
        auto const& x = a.trials()[i];
        auto const& y = b.trials()[i];
        CHECK(x.number == y.number);
        CHECK(x.state == y.state);
        CHECK(x.config == y.config);
        if (x.state == trial_state::complete) CHECK(x.value == y.value);
        CHECK(x.message == y.message);
    }
}

template <class Space, class Sampler, class Value>
void check_any_jobs(Sampler const& sampler, std::uint64_t n, Value value) {
    auto const one = run<Space>(sampler, 1, 3, n, value);
    CHECK(one->count(trial_state::complete) > n / 2);
    for (std::size_t jobs : {2u, 4u}) {
        CAPTURE(jobs);
        auto const many = run<Space>(sampler, jobs, 3, n, value);
        check_same(*one, *many);
    }
}

auto const branin_value = [](branin_space::config const& c) { return branin(c.get<"x">(), c.get<"y">()); };

} // namespace

TEST_CASE("parallel: random, Sobol and grid give the same trials with 1, 2 and 4 jobs") {
    check_any_jobs<mixed_space>(samplers::random{}, 40, mixed_value);
    check_any_jobs<branin_space>(samplers::sobol{}, 40, branin_value);
    check_any_jobs<branin_space>(samplers::grid{{"x", {-5.0, 0.0, 5.0, 10.0}}, {"y", {0.0, 5.0, 10.0, 15.0}}}, 16,
                                 branin_value);
}

TEST_CASE("parallel: TPE (univariate and multivariate) gives the same trials with 1, 2 and 4 jobs") {
    check_any_jobs<mixed_space>(samplers::tpe<samplers::univariate>{}, 40, mixed_value);
    check_any_jobs<mixed_space>(samplers::tpe<>{}, 40, mixed_value); // multivariate
}

TEST_CASE("parallel: GP gives the same trials with 1, 2 and 4 jobs") {
    check_any_jobs<mixed_space>(samplers::gp<>{}, 22, mixed_value);
}

TEST_CASE("parallel: CMA-ES gives the same trials with 1, 2 and 4 jobs") {
    check_any_jobs<branin_space>(samplers::cmaes<>{}, 40, branin_value);
}

namespace {
// Records what each ask was shown: the numbers of the history and of the pending trials.
struct spy_sampler {
    using htune_role = role::sampler;
    struct seen {
        std::uint64_t number;
        std::vector<std::uint64_t> history, failed, pending;
    };
    std::shared_ptr<std::vector<seen>> log = std::make_shared<std::vector<seen>>();
    void ask(samplers::ask_context const& ctx, std::span<double> unit) {
        seen s{ctx.number, {}, {}, {}};
        for (auto const& o : ctx.history) s.history.push_back(o.number);
        for (auto f : ctx.failed) s.failed.push_back(f);
        for (auto const& o : ctx.pending) {
            CHECK(std::isnan(o.loss));
            s.pending.push_back(o.number);
        }
        log->push_back(std::move(s));
        samplers::random{}.ask(ctx, unit);
    }
};
} // namespace

TEST_CASE("parallel: trial n sees exactly the results of trials below n - lag; the others are pending") {
    spy_sampler spy;
    auto const log = spy.log;
    std::atomic<int> now{0}, most{0};
    tune::study<branin_space, spy_sampler> s(branin_space{}, spy, {.seed = 3, .lag = 3});
    s.optimize(
        [&](auto& t) {
            int const running = ++now;
            int seen = most.load();
            while (running > seen && !most.compare_exchange_weak(seen, running)) {}
            std::this_thread::sleep_for(std::chrono::milliseconds(2 + t.number() % 3));
            --now;
            if (t.number() % 5 == 2) throw std::runtime_error("planned");
            return branin(t.template get<"x">(), t.template get<"y">());
        },
        30, {.jobs = 4});
    CHECK(most.load() >= 2); // the jobs did overlap
    CHECK(most.load() <= 4);
    REQUIRE(log->size() == 30);
    for (auto const& e : *log) {
        CAPTURE(e.number);
        std::uint64_t const cutoff = e.number > 3 ? e.number - 3 : 0;
        std::vector<std::uint64_t> history, failed, pending;
        for (std::uint64_t i = 0; i < e.number; ++i)
            (i >= cutoff ? pending : (i % 5 == 2 ? failed : history)).push_back(i);
        CHECK(e.history == history);
        CHECK(e.failed == failed);
        CHECK(e.pending == pending);
    }
}

TEST_CASE("parallel: without a fixed lag a run uses jobs - 1; the trials still all run once") {
    tune::study<mixed_space, samplers::tpe<>> s({.seed = 5});
    std::mutex m;
    std::multiset<std::uint64_t> numbers;
    auto const ran = s.optimize(
        [&](auto& t) {
            {
                std::lock_guard lock(m);
                numbers.insert(t.number());
            }
            jitter();
            return mixed_value(t.params());
        },
        25, {.jobs = 3});
    CHECK(ran == 25);
    CHECK(numbers.size() == 25);
    CHECK(std::set<std::uint64_t>(numbers.begin(), numbers.end()).size() == 25);
    CHECK(s.count(trial_state::complete) == 25);
}

TEST_CASE("parallel: a timeout stops new trials; trials already running finish") {
    tune::study<branin_space> s({.seed = 1});
    auto const ran = s.optimize(
        [](auto& t) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            return branin(t.template get<"x">(), t.template get<"y">());
        },
        1000, {.jobs = 2, .timeout = std::chrono::milliseconds(100)});
    CHECK(ran >= 2);
    CHECK(ran < 40);
    CHECK(s.count(trial_state::running) == 0);
    CHECK(s.count(trial_state::complete) == ran);
}

TEST_CASE("parallel: jobs = 0 is an error naming the option") {
    tune::study<branin_space> s;
    CHECK_THROWS_WITH_AS(s.optimize([](auto&) { return 0.0; }, 3, {.jobs = 0}),
                         doctest::Contains("run_options::jobs must be at least 1, got 0"), invalid_argument);
}

TEST_CASE("parallel: optimize_until reaches its target when trials still running fail") {
    auto const objective = [](auto& t) -> double {
        jitter();
        if (t.number() % 4 == 3) throw std::runtime_error("planned");
        return branin(t.template get<"x">(), t.template get<"y">());
    };
    tune::study<branin_space, samplers::tpe<>> one({.seed = 8, .lag = 3});
    one.optimize_until(objective, 20);
    CHECK(one.count(trial_state::complete) == 20);
    for (std::size_t jobs : {2u, 4u}) {
        CAPTURE(jobs);
        tune::study<branin_space, samplers::tpe<>> many({.seed = 8, .lag = 3});
        many.optimize_until(objective, 20, {.jobs = jobs});
        CHECK(many.count(trial_state::running) == 0);
        check_same(one, many);
    }
}
