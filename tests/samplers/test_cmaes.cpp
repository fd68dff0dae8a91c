#include <doctest/doctest.h>

#include <htune/core/errors.hpp>
#include <htune/core/rng.hpp>
#include <htune/samplers/cmaes.hpp>
#include <htune/samplers/detail/jacobi_eigen.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <numbers>
#include <string>
#include <tuple>
#include <vector>

using namespace htune::samplers;
using htune::rng;

static_assert(htune::concepts::sampler<cmaes<>>);
static_assert(htune::concepts::sampler<cmaes<population<12>, no_restarts>>);
static_assert(!supports_categorical<cmaes<>>());
static_assert(supports_conditional<cmaes<>>());

namespace {

// A study in miniature: asks in trial-number order with rng::stream(seed, number), keeps complete and
// pruned trials in increasing number and failed numbers apart, as tune::study does.
struct toy_study {
    std::vector<dimension> dims;
    std::uint64_t seed = 0;
    std::deque<std::vector<double>> points; // storage behind history[i].unit (moves, never copies)
    std::vector<observation> history;
    std::vector<std::uint64_t> failed;

    template <class Sampler>
    std::vector<double> ask(Sampler& s, std::uint64_t number) const {
        rng random = rng::stream(seed, number);
        std::uint64_t sampled = number;
        for (auto const& h : history) sampled -= h.enqueued && h.number < number ? 1 : 0;
        ask_context const ctx{.dims = dims,
                              .history = history,
                              .failed = failed,
                              .number = number,
                              .sampled = sampled,
                              .seed = seed,
                              .random = &random};
        std::vector<double> u(dims.size());
        s.ask(ctx, u);
        return u;
    }

    void tell(std::uint64_t number, std::vector<double> unit, double loss, bool pruned = false, std::uint64_t step = 0,
              bool enqueued = false) {
        points.push_back(std::move(unit)); // a deque: earlier points stay where history's spans see them
        observation o;
        o.number = number;
        o.unit = points.back();
        o.loss = loss;
        o.pruned = pruned;
        o.pruned_step = step;
        o.enqueued = enqueued;
        auto at = std::find_if(history.begin(), history.end(), [&](observation const& h) { return h.number > number; });
        history.insert(at, o);
    }

    void fail(std::uint64_t number) { failed.insert(std::upper_bound(failed.begin(), failed.end(), number), number); }

    double best() const {
        double b = std::numeric_limits<double>::infinity();
        for (auto const& h : history)
            if (!h.pruned) b = std::min(b, h.loss);
        return b;
    }
};

dimension dim(char const* name, dimension_kind kind = dimension_kind::continuous, std::uint64_t count = 0,
              std::ptrdiff_t parent = -1) {
    dimension d;
    d.name = name;
    d.kind = kind;
    d.count = count;
    d.parent = parent;
    return d;
}

std::vector<dimension> continuous(std::size_t d) {
    return std::vector<dimension>(d, dim("x"));
}

using objective = std::function<double(std::vector<double> const&)>;

// One trial at a time: ask, evaluate, tell.
template <class Sampler>
toy_study run_serial(Sampler& s, std::vector<dimension> dims, std::uint64_t seed, std::size_t trials, objective f,
                     std::vector<std::vector<double>>* proposals = nullptr) {
    toy_study study{std::move(dims), seed, {}, {}, {}};
    s.setup(study.dims);
    for (std::uint64_t t = 0; t < trials; ++t) {
        auto u = study.ask(s, t);
        if (proposals) proposals->push_back(u);
        study.tell(t, u, f(u));
    }
    return study;
}

double sphere(std::vector<double> const& u) {
    double s = 0.0;
    for (std::size_t i = 0; i < u.size(); ++i) {
        double const x = u[i] - 0.3 - 0.1 * static_cast<double>(i);
        s += x * x;
    }
    return s;
}

double ellipsoid(std::vector<double> const& u) {
    double s = 0.0;
    for (std::size_t i = 0; i < u.size(); ++i) {
        double const x = u[i] - 0.65;
        s += std::pow(100.0, static_cast<double>(i) / static_cast<double>(u.size() - 1)) * x * x;
    }
    return s;
}

double rastrigin(std::vector<double> const& u) {
    double s = 10.0 * static_cast<double>(u.size());
    for (double v : u) {
        double const x = -5.12 + 10.24 * v - 0.7;
        s += x * x - 10.0 * std::cos(2.0 * std::numbers::pi * x);
    }
    return s;
}

double random_search_median_best(std::size_t d, std::size_t trials, objective const& f) {
    std::vector<double> bests;
    for (std::uint64_t seed = 0; seed < 9; ++seed) {
        rng g(seed);
        double best = std::numeric_limits<double>::infinity();
        for (std::size_t t = 0; t < trials; ++t) {
            std::vector<double> u(d);
            for (double& v : u) v = htune::uniform01(g);
            best = std::min(best, f(u));
        }
        bests.push_back(best);
    }
    std::sort(bests.begin(), bests.end());
    return bests[bests.size() / 2];
}

} // namespace

TEST_CASE("cmaes: template options set the defaults of the run-time options") {
    auto const d = cmaes<>::default_options;
    CHECK(d.population == 0);
    CHECK(d.sigma0 == doctest::Approx(1.0 / 6.0));
    CHECK(d.restarts);
    CHECK(d.population_growth == 2);
    CHECK(!d.margin.has_value());
    CHECK(d.pruned == pruned_trials::rank_last);
    auto const o = cmaes<population<10>, no_restarts, population_growth<3>>::default_options;
    CHECK(o.population == 10);
    CHECK(!o.restarts);
    CHECK(o.population_growth == 3);
    cmaes<population<10>> s({.population = 7, .sigma0 = 0.3});
    CHECK(s.options().population == 7);
    CHECK(s.options().sigma0 == 0.3);
    cmaes<population<10>> t{{.sigma0 = 0.3, .margin = 0.05}}; // run-time options replace all defaults
    CHECK(t.options().population == 0);
    CHECK(t.options().margin == 0.05);
}

TEST_CASE("cmaes: invalid options throw invalid_argument naming the option and the value") {
    auto message = [](cmaes_options o) {
        try {
            cmaes<> s(o);
        } catch (htune::invalid_argument const& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(message({.sigma0 = -1.0}).find("sigma0 (-1)") != std::string::npos);
    CHECK(message({.sigma0 = std::numeric_limits<double>::infinity()}).find("sigma0 (inf)") != std::string::npos);
    CHECK(message({.population = 1}).find("population (1)") != std::string::npos);
    CHECK(message({.population_growth = 0}).find("population_growth (0)") != std::string::npos);
    CHECK(message({.margin = 1.5}).find("margin (1.5)") != std::string::npos);
    CHECK(message({.tolfun = -1.0}).find("tolfun (-1)") != std::string::npos);
    CHECK(message({.margin = 0.0}) == "no error");
    CHECK(message({}).find("htune::samplers::cmaes") == std::string::npos);
    CHECK(message({.sigma0 = 0.0}).rfind("htune::samplers::cmaes: ", 0) == 0);
}

TEST_CASE("cmaes: categorical dimensions are rejected with their name") {
    std::vector<dimension> dims{dim("lr", dimension_kind::continuous, 0, -1),
                                dim("optimizer", dimension_kind::categorical, 3, -1)};
    cmaes<> s;
    std::string message;
    try {
        s.setup(dims);
    } catch (htune::invalid_argument const& e) {
        message = e.what();
    }
    CHECK(message.find("\"optimizer\"") != std::string::npos);
    CHECK(message.find("categorical") != std::string::npos);
    // ask without setup checks the space as well.
    toy_study study{dims, 1, {}, {}, {}};
    CHECK_THROWS_AS(study.ask(s, 0), htune::invalid_argument);
}

TEST_CASE("cmaes: proposals are reproducible from the seed, in the cube, and differ between seeds") {
    std::vector<std::vector<double>> a, b, c;
    cmaes<> s1, s2, s3;
    run_serial(s1, continuous(4), 11, 60, sphere, &a);
    run_serial(s2, continuous(4), 11, 60, sphere, &b);
    run_serial(s3, continuous(4), 12, 60, sphere, &c);
    CHECK(a == b);
    CHECK(a != c);
    for (auto const& u : a)
        for (double v : u) CHECK((v >= 0.0 && v <= 1.0));
    // The first generation is centred on the middle of the cube (Optuna's x0).
    double mean = 0.0;
    for (std::size_t k = 0; k < 8; ++k) mean += a[k][0] / 8.0;
    CHECK(std::abs(mean - 0.5) < 0.2);
}

TEST_CASE("cmaes: a fresh sampler shown the same history makes the same proposal (replay and resume)") {
    cmaes<> live;
    toy_study study{continuous(3), 5, {}, {}, {}};
    live.setup(study.dims);
    for (std::uint64_t t = 0; t < 80; ++t) {
        auto const u = study.ask(live, t);
        if (t % 9 == 4) {
            cmaes<> fresh; // resumed from a journal: never saw the earlier asks
            fresh.setup(study.dims);
            CHECK(study.ask(fresh, t) == u);
        }
        if (t % 13 == 7) study.fail(t);
        else study.tell(t, u, sphere(u));
    }
    // Asking again for an older trial with a shorter history rebuilds the state from it.
    toy_study early{continuous(3), 5, {}, {}, {}};
    cmaes<> replay;
    replay.setup(early.dims);
    for (std::uint64_t t = 0; t < 10; ++t) {
        auto const u = early.ask(replay, t);
        CHECK(u == early.ask(live, t));
        early.tell(t, u, sphere(u));
    }
}

TEST_CASE("cmaes: one trial at a time makes generations of exactly lambda trials; failures are replaced") {
    cmaes<> s;
    toy_study study{continuous(5), 3, {}, {}, {}};
    s.setup(study.dims);
    std::size_t complete = 0;
    for (std::uint64_t t = 0; t < 100; ++t) {
        auto const u = study.ask(s, t);
        if (t % 4 == 1) {
            study.fail(t);
        } else {
            study.tell(t, u, sphere(u));
            ++complete;
        }
    }
    study.ask(s, 100);
    auto const p = s.progress();
    CHECK(p.population == 8); // 4 + floor(3 ln 5)
    CHECK(p.generations == complete / 8);
    CHECK(p.members == complete % 8);
    CHECK(p.settled == 100);
    CHECK(p.injected == 0); // every member was drawn from its own generation's distribution
}

TEST_CASE("cmaes: a coordinate the study rounds (a log int) makes injected members, which still converge") {
    // The study stores the config's own coordinates; here the first one on a grid of 11 points.
    cmaes<> s;
    toy_study study{continuous(3), 6, {}, {}, {}};
    s.setup(study.dims);
    for (std::uint64_t t = 0; t < 300; ++t) {
        auto u = study.ask(s, t);
        u[0] = std::round(u[0] * 10.0) / 10.0;
        study.tell(t, u, sphere(u));
    }
    study.ask(s, 300);
    CHECK(s.progress().injected > 250);
    CHECK(study.best() < 1e-6); // the grid holds the optimum 0.3
}

TEST_CASE("cmaes: converges on a 5-D sphere and ellipsoid far below random search") {
    // The `cmaes` package reaches medians of 7e-6 and 4e-4 in 304 evaluations (20 seeds).
    for (auto [name, f, factor] :
         {std::tuple<char const*, objective, double>{"sphere", sphere, 1e-2}, {"ellipsoid", ellipsoid, 1e-2}}) {
        CAPTURE(name);
        double const random_best = random_search_median_best(5, 300, f);
        std::vector<double> bests;
        for (std::uint64_t seed = 0; seed < 3; ++seed) {
            cmaes<> s;
            bests.push_back(run_serial(s, continuous(5), seed, 300, f).best());
        }
        std::sort(bests.begin(), bests.end());
        CAPTURE(random_best);
        CAPTURE(bests[1]);
        CHECK(bests[1] < factor * random_best);
    }
}

TEST_CASE("cmaes: discrete dimensions are snapped and an integer problem reaches its optimum") {
    // Four ints in 0..10 and 0..20 (slices of the unit interval); optimum at 7, 2, 15, 9.
    std::vector<dimension> dims{dim("a", dimension_kind::discrete, 11, -1), dim("b", dimension_kind::discrete, 11, -1),
                                dim("c", dimension_kind::discrete, 21, -1), dim("d", dimension_kind::discrete, 21, -1)};
    std::vector<double> const target{7, 2, 15, 9};
    auto f = [&](std::vector<double> const& u) {
        double s = 0.0;
        for (std::size_t i = 0; i < u.size(); ++i) {
            double const k = static_cast<double>(unit_to_index(u[i], dims[i].count));
            s += (1.0 + static_cast<double>(i)) * (k - target[i]) * (k - target[i]);
        }
        return s;
    };
    int reached = 0;
    for (std::uint64_t seed = 0; seed < 5; ++seed) {
        cmaes<no_restarts> s;
        std::vector<std::vector<double>> proposals;
        auto const study = run_serial(s, dims, seed, 300, f, &proposals);
        for (auto const& u : proposals)
            for (std::size_t i = 0; i < u.size(); ++i)
                CHECK(u[i] == index_to_unit(unit_to_index(u[i], dims[i].count), dims[i].count));
        reached += study.best() == 0.0;
        // It keeps exploring: the last 40 proposals are not all one point.
        std::size_t distinct = 0;
        for (std::size_t k = proposals.size() - 40; k < proposals.size(); ++k)
            distinct += proposals[k] != proposals.back();
        CHECK(distinct > 0);
    }
    CHECK(reached == 5);
}

TEST_CASE("cmaes: the margin keeps binary dimensions moving while continuous ones converge") {
    // Three continuous coordinates with a steep bowl and five bits worth 0.1 each: without the margin
    // (margin = 0, Optuna's default CMA-ES) bits freeze wherever they are when sigma shrinks.
    std::vector<dimension> dims(8, dim("x"));
    for (std::size_t i = 3; i < 8; ++i) dims[i] = dim("bit", dimension_kind::discrete, 2);
    auto f = [](std::vector<double> const& u) {
        double s = 0.0;
        for (std::size_t i = 0; i < 3; ++i) s += 100.0 * (u[i] - 0.3) * (u[i] - 0.3);
        for (std::size_t i = 3; i < 8; ++i) s += unit_to_index(u[i], 2) == 1 ? 0.0 : 0.1;
        return s;
    };
    int solved = 0, solved_without = 0;
    for (std::uint64_t seed = 0; seed < 3; ++seed) {
        cmaes<no_restarts> s;
        solved += run_serial(s, dims, seed, 800, f).best() < 0.05;
        cmaes<no_restarts> plain({.restarts = false, .margin = 0.0});
        solved_without += run_serial(plain, dims, seed, 800, f).best() < 0.05;
    }
    CHECK(solved == 3);
    CHECK(solved_without < 3);
}

TEST_CASE("cmaes: pinned proposals (the same numbers with every compiler and standard library)") {
    // If this changes, every seeded CMA-ES study changes.
    std::vector<dimension> dims{dim("a"), dim("k", dimension_kind::discrete, 7), dim("b"), dim("c")};
    std::vector<std::vector<double>> proposals;
    cmaes<> s;
    run_serial(s, dims, 2, 3000, rastrigin, &proposals);
    std::uint64_t h = 0;
    for (auto const& u : proposals)
        for (double v : u) h = (h ^ std::bit_cast<std::uint64_t>(v)) * 0x100000001b3ULL + 1;
    CHECK(s.progress().restarts == 1);
    CHECK(h == 7201800864016564166ULL);
}

TEST_CASE("cmaes: restarts on a multimodal function double the population") {
    cmaes<> s;
    toy_study study{continuous(2), 2, {}, {}, {}};
    s.setup(study.dims);
    std::size_t restarts_seen = 0;
    for (std::uint64_t t = 0; t < 2500; ++t) {
        auto const u = study.ask(s, t);
        study.tell(t, u, rastrigin(u));
        auto const p = s.progress();
        CHECK(p.population == (std::size_t{6} << p.restarts)); // 4 + floor(3 ln 2) = 6
        restarts_seen = p.restarts;
    }
    CHECK(restarts_seen >= 2);
    CHECK(study.best() < 2.0);

    cmaes<no_restarts> fixed;
    run_serial(fixed, continuous(2), 2, 1500, rastrigin);
    CHECK(fixed.progress().restarts == 0);
    CHECK(fixed.progress().population == 6);
}

TEST_CASE("cmaes: pruned trials rank last by default, can be ignored; enqueued trials are ignored") {
    auto run = [](cmaes_options o) {
        cmaes<> s(o);
        toy_study study{continuous(2), 9, {}, {}, {}};
        s.setup(study.dims);
        for (std::uint64_t t = 0; t < 24; ++t) {
            auto const u = study.ask(s, t);
            if (t % 3 == 0) study.tell(t, u, -1.0, true, t);                     // pruned with a tempting value
            else if (t % 3 == 1) study.tell(t, {0.9, 0.9}, 0.5, false, 0, true); // enqueued
            else study.tell(t, u, sphere(u));
        }
        study.ask(s, 24);
        return s.progress();
    };
    CHECK(run({}).generations == 16 / 6); // complete and pruned count
    CHECK(run({.pruned = pruned_trials::ignore}).generations == 8 / 6);
    CHECK(run({.pruned = pruned_trials::use_value}).generations == 16 / 6);
}

TEST_CASE("cmaes: conditional dimensions, inactive (NaN) in part of the history") {
    // x1 is active only when x0 > 0.5; the objective prefers x0 > 0.5 and x1 near 0.2.
    std::vector<dimension> dims{dim("x0", dimension_kind::continuous, 0, -1),
                                dim("x1", dimension_kind::continuous, 0, 0),
                                dim("x2", dimension_kind::continuous, 0, -1)};
    cmaes<> s;
    toy_study study{dims, 4, {}, {}, {}};
    s.setup(dims);
    for (std::uint64_t t = 0; t < 200; ++t) {
        auto u = study.ask(s, t);
        for (double v : u) CHECK(!std::isnan(v));
        double loss = (u[2] - 0.4) * (u[2] - 0.4);
        if (u[0] > 0.5) {
            loss += (u[1] - 0.2) * (u[1] - 0.2);
        } else {
            loss += 0.5;
            u[1] = inactive; // as the study stores an absent param
        }
        study.tell(t, u, loss);
    }
    CHECK(study.best() < 1e-3);
    cmaes<> fresh;
    fresh.setup(dims);
    CHECK(study.ask(fresh, 200) == study.ask(s, 200));
}

TEST_CASE("cmaes: parallel workers (trials finish out of order) replay and still converge") {
    // Four workers; a trial finishes 1 + (number * 7 % 5) ticks after it was asked.
    auto run = [](std::uint64_t seed) {
        cmaes<> s;
        toy_study study{continuous(4), seed, {}, {}, {}};
        s.setup(study.dims);
        struct running {
            std::uint64_t number;
            std::vector<double> u;
            std::uint64_t done;
        };
        std::vector<running> busy;
        std::vector<std::vector<double>> proposals;
        std::uint64_t next = 0;
        for (std::uint64_t tick = 0; next < 400; ++tick) {
            for (auto it = busy.begin(); it != busy.end();) {
                if (it->done == tick) {
                    if (it->number % 17 == 3) study.fail(it->number);
                    else study.tell(it->number, it->u, sphere(it->u));
                    it = busy.erase(it);
                } else {
                    ++it;
                }
            }
            while (busy.size() < 4) {
                auto u = study.ask(s, next);
                proposals.push_back(u);
                busy.push_back({next, u, tick + 1 + next * 7 % 5});
                ++next;
            }
        }
        cmaes<> fresh;
        fresh.setup(study.dims);
        CHECK(study.ask(fresh, next) == study.ask(s, next));
        CHECK(s.progress().injected > 0); // asked before the previous generation was complete
        return std::pair{proposals, study.best()};
    };
    auto const [a, best] = run(21);
    auto const [b, best_again] = run(21);
    CHECK(a == b);
    CHECK(best < 1e-6);
}

TEST_CASE("cmaes: works in one dimension and with none") {
    cmaes<> s;
    auto const study = run_serial(s, continuous(1), 8, 120,
                                  [](std::vector<double> const& u) { return (u[0] - 0.77) * (u[0] - 0.77); });
    CHECK(study.best() < 1e-8);
    cmaes<> empty;
    toy_study none{{}, 1, {}, {}, {}};
    CHECK(none.ask(empty, 0).empty());
}

TEST_CASE("cmaes detail: Jacobi eigen-decomposition of a symmetric matrix") {
    std::size_t const n = 7;
    rng g(3);
    std::vector<double> a(n * n);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j <= i; ++j) a[i * n + j] = a[j * n + i] = htune::uniform_real(g, -1.0, 1.0);
    std::vector<double> values(n), vectors(n * n), work;
    detail::jacobi_eigen(a, n, values, vectors, work);
    CHECK(std::is_sorted(values.begin(), values.end()));
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) {
            double r = 0.0, orth = 0.0;
            for (std::size_t k = 0; k < n; ++k) {
                r += vectors[i * n + k] * values[k] * vectors[j * n + k];
                orth += vectors[k * n + i] * vectors[k * n + j];
            }
            CHECK(r == doctest::Approx(a[i * n + j]).epsilon(1e-12).scale(1.0));
            CHECK(orth == doctest::Approx(i == j ? 1.0 : 0.0).epsilon(1e-12).scale(1.0));
        }
    CHECK(detail::cma_normal_quantile(0.975) == doctest::Approx(1.959963984540054).epsilon(1e-12));
    CHECK(detail::cma_normal_quantile(0.01) == doctest::Approx(-2.326347874040841).epsilon(1e-12));
}
