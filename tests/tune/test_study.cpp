#include <doctest/doctest.h>

#include <htune/samplers/grid.hpp>
#include <htune/samplers/random.hpp>
#include <htune/samplers/sobol.hpp>
#include <htune/space.hpp>
#include <htune/tune/study.hpp>

#include <chrono>
#include <cmath>
#include <limits>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace htune;
using tune::trial_state;

namespace {
using xy_space = search_space<uniform<"x", -5.0, 10.0>, uniform<"y", 0.0, 15.0>>;

double branin(double x, double y) {
    double const pi = 3.14159265358979323846;
    double const b = 5.1 / (4 * pi * pi), c = 5 / pi, t = 1 / (8 * pi);
    return std::pow(y - b * x * x + c * x - 6, 2) + 10 * (1 - t) * std::cos(x) + 10;
}

// The smallest type that satisfies the sampler concept: always the centre of the cube.
struct centre_sampler {
    using htune_role = role::sampler;
    void ask(samplers::ask_context const&, std::span<double> unit) const {
        for (auto& u : unit) u = 0.5;
    }
};
static_assert(concepts::sampler<centre_sampler>);
static_assert(!concepts::sampler<int>);
} // namespace

TEST_CASE("ask and tell by hand; the best trial is the lowest value") {
    tune::study<xy_space> s{{.seed = 7}};
    double best = std::numeric_limits<double>::infinity();
    for (int i = 0; i < 30; ++i) {
        auto t = s.ask();
        CHECK(t.number() == static_cast<std::uint64_t>(i));
        double const x = t.get<"x">(), y = t.get<"y">();
        CHECK(x >= -5.0);
        CHECK(y <= 15.0);
        double const v = branin(x, y);
        best = std::min(best, v);
        s.tell(t, v);
    }
    CHECK(s.best_value() == best);
    CHECK(s.count(trial_state::complete) == 30);
    CHECK(s.trials().size() == 30);
    CHECK(s.trials()[3].state == trial_state::complete);
    CHECK(s.trials()[3].duration().count() >= 0.0);
}

TEST_CASE("one seed gives one sequence of trials; another seed another") {
    auto run = [](std::uint64_t seed) {
        tune::study<xy_space, samplers::sobol> s{{.seed = seed}};
        s.optimize([](auto& t) { return branin(t.template get<"x">(), t.template get<"y">()); }, 20);
        std::vector<double> xs;
        for (auto const& r : s.trials()) xs.push_back(r.config.get<"x">());
        return xs;
    };
    CHECK(run(3) == run(3));
    CHECK(run(3) != run(4));
}

TEST_CASE("maximise picks the highest value") {
    tune::study<xy_space> s{{.goal = tune::direction::maximize, .seed = 1}};
    s.optimize([](auto& t) { return -branin(t.template get<"x">(), t.template get<"y">()); }, 40);
    double best = -std::numeric_limits<double>::infinity();
    for (auto const& r : s.trials()) best = std::max(best, r.value);
    CHECK(s.best_value() == best);
}

TEST_CASE("an objective that throws or returns NaN or infinity fails its trial and the study goes on") {
    tune::study<xy_space> s{{.seed = 2}};
    int calls = 0;
    auto const n = s.optimize(
        [&](auto& t) -> double {
            ++calls;
            if (t.number() == 1) throw std::runtime_error("diverged at epoch 3");
            if (t.number() == 2) return std::nan("");
            if (t.number() == 3) return std::numeric_limits<double>::infinity();
            return branin(t.template get<"x">(), t.template get<"y">());
        },
        10);
    CHECK(n == 10);
    CHECK(calls == 10);
    auto const& trials = s.trials();
    CHECK(trials[1].state == trial_state::failed);
    CHECK(trials[1].message == "diverged at epoch 3");
    CHECK(trials[2].state == trial_state::failed);
    CHECK(trials[2].message == "the objective returned nan");
    CHECK(trials[3].message == "the objective returned inf");
    CHECK(s.count(trial_state::complete) == 7);
    CHECK(std::isfinite(s.best_value()));
}

namespace {
struct recording_sampler {
    using htune_role = role::sampler;
    std::vector<std::size_t>* history_sizes;
    std::vector<std::size_t>* failed_sizes;
    void ask(samplers::ask_context const& ctx, std::span<double> unit) const {
        history_sizes->push_back(ctx.history.size());
        failed_sizes->push_back(ctx.failed.size());
        for (auto const& o : ctx.history) CHECK(std::isfinite(o.loss));
        samplers::random{}.ask(ctx, unit);
    }
};
} // namespace

TEST_CASE("samplers never learn from failed values") {
    std::vector<std::size_t> h, f;
    tune::study<xy_space, recording_sampler> s{xy_space{}, recording_sampler{&h, &f}, {.seed = 3}};
    s.optimize([](auto& t) { return t.number() % 2 ? std::nan("") : 1.0; }, 6);
    CHECK(h == std::vector<std::size_t>{0, 1, 1, 2, 2, 3});
    CHECK(f == std::vector<std::size_t>{0, 0, 1, 1, 2, 2});
}

TEST_CASE("enqueued configs come first, are marked, and are checked against the space") {
    tune::study<xy_space, centre_sampler> s{{.seed = 5}};
    s.enqueue(xy_space::config{1.0, 2.0});
    s.enqueue("{x=3, y=4}");
    auto a = s.ask();
    auto b = s.ask();
    auto c = s.ask();
    CHECK(a.get<"x">() == 1.0);
    CHECK(b.get<"y">() == 4.0);
    CHECK(c.get<"x">() == 2.5); // the centre sampler
    CHECK(s.trials()[0].enqueued);
    CHECK(!s.trials()[2].enqueued);
    CHECK_THROWS_WITH_AS(s.enqueue(xy_space::config{11.0, 2.0}),
                         "htune::tune::study::enqueue: {x=11, y=2} is not in the space search_space{uniform<\"x\">[-5, "
                         "10], uniform<\"y\">[0, 15]}",
                         htune::invalid_argument);
    CHECK_THROWS_AS(s.enqueue("{x=1}"), htune::invalid_argument);
}

TEST_CASE("tell twice, or before any trial completes, is an error naming the trial") {
    tune::study<xy_space> s;
    auto t = s.ask();
    s.tell(t, 1.0);
    CHECK_THROWS_WITH_AS(s.tell(t, 2.0), "htune::tune::study::tell: trial 0 is already complete", htune::error);
    tune::study<xy_space> empty;
    CHECK_THROWS_WITH_AS((void)empty.best(),
                         "htune::tune::study::best: no trial has completed yet (0 trials, 0 failed)", htune::error);
}

TEST_CASE("intermediate values, pruning and user attributes are recorded") {
    tune::study<xy_space> s{{.seed = 9}};
    s.optimize(
        [](auto& t) -> double {
            for (std::uint64_t epoch = 0; epoch < 5; ++epoch) {
                t.report(epoch, 10.0 - static_cast<double>(epoch));
                if (t.number() == 1 && epoch == 2) t.prune();
            }
            t.set_user_attr("note", "ok");
            return 5.0;
        },
        3);
    auto const& r = s.trials();
    CHECK(r[0].intermediate.size() == 5);
    CHECK(r[0].intermediate[4] == tune::intermediate_value{4, 6.0});
    CHECK(r[0].user_attrs.at("note") == "ok");
    CHECK(r[1].state == trial_state::pruned);
    CHECK(r[1].intermediate.size() == 3);
    CHECK(r[1].user_attrs.empty());
    auto t = s.ask();
    t.report(3, 1.0);
    CHECK_THROWS_WITH_AS(t.report(2, 1.0),
                         "htune::tune::study::report: trial 3: step 2 after step 3 (steps must increase)",
                         htune::error);
    CHECK_THROWS_AS(t.report(4, std::nan("")), htune::error);
}

TEST_CASE("optimize stops at the timeout") {
    tune::study<xy_space> s;
    auto const n = s.optimize(
        [](auto&) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            return 1.0;
        },
        1000, std::chrono::milliseconds(100));
    CHECK(n >= 3);
    CHECK(n <= 8);
}

TEST_CASE("a grid study ends when the grid is used up, each point once") {
    using space = search_space<log_uniform<"lr", 1e-4, 1e-1>, choice_of<"penalty", "l1", "l2">, int_uniform<"k", 1, 3>>;
    tune::study<space, samplers::grid> s{space{}, samplers::grid{{"lr", {1e-4, 1e-3, 1e-2, 1e-1}}}, {.seed = 4}};
    auto const n = s.optimize([](auto& t) { return t.template get<"lr">(); }, 100);
    CHECK(n == 4 * 2 * 3);
    CHECK(!s.has_next());
    CHECK_THROWS_AS((void)s.ask(), htune::error);
    std::set<std::string> seen;
    for (auto const& r : s.trials()) seen.insert(to_string(r.config));
    CHECK(seen.size() == 24);
    CHECK(seen.count("{lr=0.001, penalty=l2, k=3}") == 1);
    // Enqueued trials do not use grid points.
    tune::study<space, samplers::grid> q{space{}, samplers::grid{{"lr", {1e-4}}}, {.seed = 4}};
    q.enqueue("{lr=0.05, penalty=l1, k=1}");
    CHECK(q.optimize([](auto&) { return 0.0; }, 100) == 7);
}

TEST_CASE("grid errors name the param and the value") {
    using space = search_space<uniform<"x", 0.0, 1.0>, choice_of<"c", "a", "b">>;
    CHECK_THROWS_WITH_AS((tune::study<space, samplers::grid>{space{}, samplers::grid{}}),
                         "htune::samplers::grid: param \"x\" is continuous and needs an axis: grid{{\"x\", "
                         "{values...}}, ...}",
                         htune::error);
    CHECK_THROWS_WITH_AS((tune::study<space, samplers::grid>{space{}, samplers::grid{{"x", {0.5, 2.0}}}}),
                         "htune::samplers::grid: axis \"x\": \"2\" is not a value of the param", htune::error);
    CHECK_THROWS_WITH_AS((tune::study<space, samplers::grid>{space{}, samplers::grid{{"x", {0.5}}, {"c", {"z"}}}}),
                         "htune::samplers::grid: axis \"c\": \"z\" is not a value of the param", htune::error);
    CHECK_THROWS_WITH_AS((tune::study<space, samplers::grid>{space{}, samplers::grid{{"y", {0.5}}}}),
                         "htune::samplers::grid: axis \"y\" names no param of the space", htune::error);
}

TEST_CASE("a user-written sampler works through the concept") {
    tune::study<xy_space, centre_sampler> s;
    s.optimize([](auto& t) { return t.template get<"x">(); }, 3);
    for (auto const& r : s.trials()) CHECK(r.config.get<"x">() == 2.5);
}

TEST_CASE("conditional params reach the sampler as NaN where absent") {
    using space =
        search_space<choice_of<"opt", "sgd", "adam">, conditional<uniform<"momentum", 0.0, 1.0>, when<"opt", "sgd">>>;
    tune::study<space, samplers::random> s{{.seed = 12}};
    s.optimize([](auto& t) { return t.template get<"momentum">().value_or(0.5); }, 50);
    for (auto const& r : s.trials()) {
        CHECK(std::isnan(r.unit[1]) == !r.config.get<"momentum">().has_value());
        CHECK(r.config.get<"momentum">().has_value() == (r.config.get<"opt">() == "sgd"));
    }
}

TEST_CASE("ask and tell from several threads") {
    tune::study<xy_space, samplers::random> s{{.seed = 13}};
    std::vector<std::thread> workers;
    for (int w = 0; w < 4; ++w)
        workers.emplace_back([&] {
            for (int i = 0; i < 25; ++i) {
                auto t = s.ask();
                t.report(0, 1.0);
                s.tell(t, branin(t.get<"x">(), t.get<"y">()));
            }
        });
    for (auto& w : workers) w.join();
    CHECK(s.count(trial_state::complete) == 100);
    std::set<std::uint64_t> numbers;
    for (auto const& r : s.trials()) numbers.insert(r.number);
    CHECK(numbers.size() == 100);
}
