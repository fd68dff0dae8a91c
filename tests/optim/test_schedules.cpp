#include <doctest/doctest.h>

#include <htune/core/concepts/schedule.hpp>
#include <htune/core/errors.hpp>
#include <htune/optim/schedules.hpp>

#include <cmath>
#include <cstddef>
#include <numbers>

using namespace htune::optim;

static_assert(htune::concepts::schedule<constant>);
static_assert(htune::concepts::schedule<step_decay<>>);
static_assert(htune::concepts::schedule<exponential<>>);
static_assert(htune::concepts::schedule<cosine<>>);
static_assert(htune::concepts::schedule<linear_warmup<>>);
static_assert(htune::concepts::schedule<linear_warmup<cosine<0.1>, 10>>);

namespace {
struct no_role {
    double factor(progress const&) const { return 1.0; }
};
progress at_epoch(std::size_t e) {
    return {.epoch = e, .epochs = 100, .step = 0, .steps = 0};
}
progress at_step(std::size_t s, std::size_t total) {
    return {.epoch = 0, .epochs = 1, .step = s, .steps = total};
}
} // namespace

static_assert(!htune::concepts::schedule<no_role>);

TEST_CASE("constant: 1 everywhere") {
    constant c;
    CHECK(c.factor(at_epoch(0)) == 1.0);
    CHECK(c.factor(at_step(999, 1000)) == 1.0);
}

TEST_CASE("step_decay: gamma every step_size epochs") {
    step_decay<3, 0.5> s;
    CHECK(s.factor(at_epoch(0)) == 1.0);
    CHECK(s.factor(at_epoch(2)) == 1.0);
    CHECK(s.factor(at_epoch(3)) == 0.5);
    CHECK(s.factor(at_epoch(5)) == 0.5);
    CHECK(s.factor(at_epoch(6)) == 0.25);
    CHECK(s.factor(at_epoch(10)) == 0.125);
    step_decay<> d; // StepLR-like default: x0.1 every 10 epochs
    CHECK(d.step_size == 10);
    CHECK(d.factor(at_epoch(25)) == doctest::Approx(0.01).epsilon(1e-15));
    d.step_size = 1;
    d.gamma = 0.5;
    CHECK(d.factor(at_epoch(2)) == 0.25);
}

TEST_CASE("exponential: gamma per epoch") {
    exponential<0.9> e;
    CHECK(e.factor(at_epoch(0)) == 1.0);
    CHECK(e.factor(at_epoch(1)) == doctest::Approx(0.9).epsilon(1e-15));
    CHECK(e.factor(at_epoch(3)) == doctest::Approx(0.729).epsilon(1e-15));
    e.gamma = 0.5;
    CHECK(e.factor(at_epoch(4)) == 0.0625);
}

TEST_CASE("cosine: from 1 to eta_min_factor over all steps") {
    cosine<> c;
    CHECK(c.factor(at_step(0, 100)) == 1.0);
    CHECK(c.factor(at_step(50, 100)) == doctest::Approx(0.5).epsilon(1e-15));
    double const quarter = 0.5 * (1 + std::cos(std::numbers::pi / 4));
    CHECK(c.factor(at_step(25, 100)) == doctest::Approx(quarter).epsilon(1e-15));
    CHECK(c.factor(at_step(100, 100)) == doctest::Approx(0.0).epsilon(1e-15));
    CHECK(c.factor(at_step(150, 100)) == doctest::Approx(0.0).epsilon(1e-15)); // flat after the end
    cosine<0.1> m;
    CHECK(m.factor(at_step(50, 100)) == doctest::Approx(0.55).epsilon(1e-15));
    CHECK(m.factor(at_step(100, 100)) == doctest::Approx(0.1).epsilon(1e-15));
    // Decreasing throughout.
    double previous = 2;
    for (std::size_t k = 0; k <= 100; ++k) {
        double const f = m.factor(at_step(k, 100));
        CHECK(f <= previous);
        previous = f;
    }
    CHECK_THROWS_WITH_AS(c.factor(at_step(3, 0)),
                         "htune::optim::cosine: progress.steps (0) must be > 0: annealing needs the planned "
                         "number of steps (inside linear_warmup, the steps after warmup)",
                         htune::invalid_argument);
}

TEST_CASE("linear_warmup: linear from start_factor to 1, then the inner schedule") {
    linear_warmup<constant, 10, 0.0> w;
    CHECK(w.factor(at_step(0, 100)) == 0.0);
    CHECK(w.factor(at_step(5, 100)) == 0.5);
    CHECK(w.factor(at_step(9, 100)) == doctest::Approx(0.9).epsilon(1e-15));
    CHECK(w.factor(at_step(10, 100)) == 1.0);
    CHECK(w.factor(at_step(99, 100)) == 1.0);
    linear_warmup<constant, 4, 0.2> s;
    CHECK(s.factor(at_step(0, 100)) == 0.2);
    CHECK(s.factor(at_step(2, 100)) == doctest::Approx(0.6).epsilon(1e-15));
    s.warmup_steps = 0; // no warmup at all
    CHECK(s.factor(at_step(0, 100)) == 1.0);
}

TEST_CASE("linear_warmup + cosine: cosine anneals over the steps after warmup") {
    linear_warmup<cosine<0.1>, 100, 0.0> w;
    std::size_t const total = 1100;
    CHECK(w.factor(at_step(0, total)) == 0.0);
    CHECK(w.factor(at_step(50, total)) == 0.5);
    CHECK(w.factor(at_step(100, total)) == 1.0);                                  // warmup ends at the peak
    CHECK(w.factor(at_step(600, total)) == doctest::Approx(0.55).epsilon(1e-15)); // halfway through cosine
    CHECK(w.factor(at_step(1100, total)) == doctest::Approx(0.1).epsilon(1e-15));
    // Continuous at the seam and never above 1.
    CHECK(w.factor(at_step(99, total)) == doctest::Approx(0.99).epsilon(1e-15));
    CHECK(w.factor(at_step(101, total)) < 1.0);
    CHECK(w.factor(at_step(101, total)) > 0.99999);
    for (std::size_t k = 0; k <= total; ++k) CHECK(w.factor(at_step(k, total)) <= 1.0);
    // Run-time members of the inner schedule.
    w.inner.eta_min_factor = 0.0;
    CHECK(w.factor(at_step(1100, total)) == doctest::Approx(0.0).epsilon(1e-15));
    // Epoch-based inner schedules see epochs unchanged.
    linear_warmup<step_decay<2, 0.5>, 10> e;
    CHECK(e.factor({.epoch = 4, .epochs = 10, .step = 400, .steps = 1000}) == 0.25);
}

TEST_CASE("schedules: invalid members throw, naming the member and the value") {
    using htune::invalid_argument;
    step_decay<> s;
    s.step_size = 0;
    CHECK_THROWS_WITH_AS(s.validate(), "htune::optim::step_decay: step_size (0) must be > 0", invalid_argument);
    s = {};
    s.gamma = 0;
    CHECK_THROWS_WITH_AS(s.validate(), "htune::optim::step_decay: gamma (0) must be > 0 and finite", invalid_argument);
    exponential<> e;
    e.gamma = -0.5;
    CHECK_THROWS_WITH_AS(e.validate(), "htune::optim::exponential: gamma (-0.5) must be > 0 and finite",
                         invalid_argument);
    cosine<> c;
    c.eta_min_factor = 1.5;
    CHECK_THROWS_WITH_AS(c.validate(), "htune::optim::cosine: eta_min_factor (1.5) must be in [0, 1]",
                         invalid_argument);
    linear_warmup<cosine<>> w;
    w.start_factor = -1;
    CHECK_THROWS_WITH_AS(w.validate(), "htune::optim::linear_warmup: start_factor (-1) must be in [0, 1]",
                         invalid_argument);
    w = {};
    w.inner.eta_min_factor = 2;
    CHECK_THROWS_WITH_AS(w.validate(), "htune::optim::cosine: eta_min_factor (2) must be in [0, 1]", invalid_argument);
    CHECK_NOTHROW(linear_warmup<cosine<0.1>>{}.validate());
    CHECK_NOTHROW(constant{}.validate());
}
