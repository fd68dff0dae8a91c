#include <doctest/doctest.h>

#include <htune/core/concepts/optimizer.hpp>
#include <htune/core/errors.hpp>
#include <htune/optim/adam.hpp>
#include <htune/optim/schedules.hpp>

#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <type_traits>
#include <vector>

#include "optim_test_support.hpp"
#include "tolerances.hpp"

using namespace htune::optim;
using htune::test::check_against_reference;
using htune::test::steps_to_converge;

namespace {
// torch.optim.Adam / AdamW as documented (amsgrad off), bias corrections applied to m and v.
struct adam_reference {
    double beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0;
    bool decoupled = false;
    std::vector<double> m = std::vector<double>(htune::test::quadratic::n);
    std::vector<double> v = std::vector<double>(htune::test::quadratic::n);
    int t = 0;

    void step(std::vector<double>& p, std::vector<double> const& g, double lr) {
        ++t;
        for (std::size_t i = 0; i < p.size(); ++i) {
            double gi = g[i];
            if (decoupled) p[i] = p[i] - lr * weight_decay * p[i];
            else gi = gi + weight_decay * p[i];
            m[i] = beta1 * m[i] + (1 - beta1) * gi;
            v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
            double const m_hat = m[i] / (1 - std::pow(beta1, t));
            double const v_hat = v[i] / (1 - std::pow(beta2, t));
            p[i] = p[i] - lr * m_hat / (std::sqrt(v_hat) + eps);
        }
    }
};
} // namespace

static_assert(htune::concepts::optimizer<adam<>, float>);
static_assert(htune::concepts::optimizer<adam<>, double>);
static_assert(htune::concepts::optimizer<adamw<beta1<0.8>, weight_decay<0.1>>, float>);
static_assert(htune::concepts::optimizer<adamw<beta1<0.8>, weight_decay<0.1>>, double>);
static_assert(!std::is_same_v<adam<>, adamw<>>);

TEST_CASE("adam, adamw: options set the defaults of run-time members (PyTorch's defaults)") {
    adam<> a;
    CHECK(a.beta1 == 0.9);
    CHECK(a.beta2 == 0.999);
    CHECK(a.epsilon == 1e-8);
    CHECK(a.weight_decay == 0.0);
    CHECK(adamw<>{}.weight_decay == 0.01);
    adam<beta1<0.95>, epsilon<1e-6>> b;
    b.beta2 = 0.99;
    CHECK(b.beta1 == 0.95);
    CHECK(b.beta2 == 0.99);
    CHECK(b.epsilon == 1e-6);
    CHECK(adamw<weight_decay<0.0>>{}.weight_decay == 0.0);
    CHECK(adam<>::name == "htune::optim::adam");
    CHECK(adamw<>::name == "htune::optim::adamw");
}

TEST_CASE_TEMPLATE("adam, adamw: the first steps match torch.optim.Adam and AdamW", T, float, double) {
    double const tol = htune::test::tolerances<T>::value;
    SUBCASE("adam") {
        check_against_reference<T>(adam<>{}, adam_reference{}, 0.01, tol);
    }
    SUBCASE("adam with L2 weight decay and other betas") {
        check_against_reference<T>(adam<beta1<0.8>, beta2<0.95>, epsilon<1e-3>, weight_decay<0.1>>{},
                                   adam_reference{.beta1 = 0.8, .beta2 = 0.95, .eps = 1e-3, .weight_decay = 0.1}, 0.05,
                                   tol, 5);
    }
    SUBCASE("adamw, default decay 0.01") {
        check_against_reference<T>(adamw<>{}, adam_reference{.weight_decay = 0.01, .decoupled = true}, 0.01, tol);
    }
    SUBCASE("adamw with strong decay, set at run time") {
        adamw<> w;
        w.weight_decay = 0.5;
        w.beta2 = 0.9;
        adam_reference const ref{.beta2 = 0.9, .weight_decay = 0.5, .decoupled = true};
        check_against_reference<T>(w, ref, 0.1, tol, 5);
    }
}

TEST_CASE("adam: the first step moves every parameter by about lr against its gradient's sign") {
    // m_hat = g and v_hat = g^2 at t = 1, so the step is lr * g / (|g| + eps).
    std::vector<double> p{1.0, 1.0, 1.0}, g{3.0, -0.5, 0.0};
    adam<>::state<double> s(adam<>{}, 3);
    s.step(p, std::span<double const>(g), 0.1);
    CHECK(p[0] == doctest::Approx(1.0 - 0.1 * 3.0 / (3.0 + 1e-8)).epsilon(1e-15));
    CHECK(p[1] == doctest::Approx(1.0 + 0.1 * 0.5 / (0.5 + 1e-8)).epsilon(1e-15));
    CHECK(p[2] == 1.0);
}

TEST_CASE("adam: converges on a quadratic within a bounded number of steps") {
    CHECK(steps_to_converge<double>(adam<>{}, 0.1, 1e-6, 2000) <= 400);
    CHECK(steps_to_converge<double>(adamw<weight_decay<0.0>>{}, 0.1, 1e-6, 2000) <= 400);
    CHECK(steps_to_converge<float>(adam<>{}, 0.1f, 1e-4, 2000) <= 400);
    // With a cosine schedule the rate vanishes at the end, so Adam settles instead of hovering.
    cosine<> c;
    auto const annealed = steps_to_converge<double>(adam<>{}, 0.05, 1e-6, 1000, [&](std::size_t k) {
        return c.factor({.epoch = 0, .epochs = 1, .step = k, .steps = 1000});
    });
    CHECK(annealed <= 1000);
}

TEST_CASE("adam, adamw: invalid hyperparameters throw, naming the member and the value") {
    using htune::invalid_argument;
    adam<> a;
    a.beta1 = 1.5;
    CHECK_THROWS_WITH_AS(a.validate(), "htune::optim::adam: beta1 (1.5) must be in [0, 1)", invalid_argument);
    a.beta1 = -0.5;
    CHECK_THROWS_WITH_AS(a.validate(), "htune::optim::adam: beta1 (-0.5) must be in [0, 1)", invalid_argument);
    a = {};
    a.beta2 = 1;
    CHECK_THROWS_WITH_AS(a.validate(), "htune::optim::adam: beta2 (1) must be in [0, 1)", invalid_argument);
    a = {};
    a.epsilon = 0;
    CHECK_THROWS_WITH_AS(a.validate(), "htune::optim::adam: epsilon (0) must be > 0 and finite", invalid_argument);
    a = {};
    a.weight_decay = -0.25;
    CHECK_THROWS_WITH_AS(a.validate(), "htune::optim::adam: weight_decay (-0.25) must be >= 0 and finite",
                         invalid_argument);
    adamw<> w;
    w.beta2 = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH_AS(w.validate(), "htune::optim::adamw: beta2 (nan) must be in [0, 1)", invalid_argument);
    w = {};
    w.epsilon = std::numeric_limits<double>::infinity();
    CHECK_THROWS_WITH_AS(w.validate(), "htune::optim::adamw: epsilon (inf) must be > 0 and finite", invalid_argument);
    CHECK_THROWS_AS((adamw<>::state<double>(w, 2)), invalid_argument);
    CHECK_NOTHROW(adamw<>{}.validate());
}

TEST_CASE("adam: step checks sizes; reset restarts the bias correction") {
    adam<>::state<double> s(adam<>{}, 2);
    std::vector<double> p{1.0, 2.0}, g{0.5, -0.5}, long_g{1, 2, 3};
    CHECK_THROWS_AS(s.step(p, std::span<double const>(long_g), 0.1), htune::shape_error);
    CHECK_THROWS_WITH_AS(s.step(p, std::span<double const>(g), std::numeric_limits<double>::infinity()),
                         "htune::optim::adam::state::step: learning rate (inf) must be >= 0 and finite",
                         htune::invalid_argument);
    s.step(p, std::span<double const>(g), 0.1);
    s.step(p, std::span<double const>(g), 0.1);
    CHECK(s.steps() == 2);
    s.reset();
    std::vector<double> q{1.0, 2.0};
    s.step(q, std::span<double const>(g), 0.1);
    CHECK(q[0] == doctest::Approx(0.9).epsilon(1e-7)); // the first step of a fresh state
    CHECK(s.steps() == 1);
}
