#include <doctest/doctest.h>

#include <htune/core/concepts/optimizer.hpp>
#include <htune/core/errors.hpp>
#include <htune/optim/sgd.hpp>

#include <cstddef>
#include <limits>
#include <span>
#include <vector>

#include "optim_test_support.hpp"
#include "tolerances.hpp"

using namespace htune::optim;
using htune::test::check_against_reference;
using htune::test::steps_to_converge;

namespace {
// torch.optim.SGD as documented, dampening 0, including the first step's b = g.
struct sgd_reference {
    double momentum = 0, weight_decay = 0;
    bool nesterov = false;
    std::vector<double> b = std::vector<double>(htune::test::quadratic::n);
    int t = 0;

    void step(std::vector<double>& p, std::vector<double> const& g, double lr) {
        ++t;
        for (std::size_t i = 0; i < p.size(); ++i) {
            double gi = g[i];
            if (weight_decay != 0) gi = gi + weight_decay * p[i];
            if (momentum != 0) {
                b[i] = t > 1 ? momentum * b[i] + gi : gi;
                gi = nesterov ? gi + momentum * b[i] : b[i];
            }
            p[i] = p[i] - lr * gi;
        }
    }
};
} // namespace

static_assert(htune::concepts::optimizer<sgd<>, float>);
static_assert(htune::concepts::optimizer<sgd<>, double>);
static_assert(htune::concepts::optimizer<sgd<momentum<0.9>, nesterov, weight_decay<1e-4>>, float>);
static_assert(htune::concepts::optimizer<sgd<momentum<0.9>, nesterov, weight_decay<1e-4>>, double>);

TEST_CASE("sgd: options set the defaults of run-time members") {
    sgd<> plain;
    CHECK(plain.momentum == 0.0);
    CHECK_FALSE(plain.nesterov);
    CHECK(plain.weight_decay == 0.0);
    sgd<weight_decay<0.5>, nesterov, momentum<0.9>> s; // any order
    CHECK(s.momentum == 0.9);
    CHECK(s.nesterov);
    CHECK(s.weight_decay == 0.5);
    s.momentum = 0.8;
    CHECK(s.momentum == 0.8);
    sgd<> designated{.momentum = 0.7, .nesterov = true};
    CHECK(designated.momentum == 0.7);
    CHECK(designated.nesterov);
}

TEST_CASE_TEMPLATE("sgd: the first steps match torch.optim.SGD", T, float, double) {
    double const tol = htune::test::tolerances<T>::value;
    SUBCASE("plain") {
        check_against_reference<T>(sgd<>{}, sgd_reference{}, 0.01, tol);
    }
    SUBCASE("weight decay") {
        check_against_reference<T>(sgd<weight_decay<0.1>>{}, sgd_reference{.weight_decay = 0.1}, 0.01, tol);
    }
    SUBCASE("momentum") {
        check_against_reference<T>(sgd<momentum<0.9>>{}, sgd_reference{.momentum = 0.9}, 0.01, tol);
    }
    SUBCASE("momentum and weight decay") {
        check_against_reference<T>(sgd<momentum<0.5>, weight_decay<0.2>>{},
                                   sgd_reference{.momentum = 0.5, .weight_decay = 0.2}, 0.02, tol);
    }
    SUBCASE("nesterov") {
        check_against_reference<T>(sgd<momentum<0.9>, nesterov>{}, sgd_reference{.momentum = 0.9, .nesterov = true},
                                   0.01, tol);
    }
    SUBCASE("nesterov and weight decay, set at run time") {
        sgd<> s;
        s.momentum = 0.8;
        s.nesterov = true;
        s.weight_decay = 0.05;
        check_against_reference<T>(s, sgd_reference{.momentum = 0.8, .weight_decay = 0.05, .nesterov = true}, 0.015,
                                   tol, 5);
    }
}

TEST_CASE("sgd: a step computed by hand") {
    // p = 1, g = 2, lr = 0.1, momentum 0.9: b1 = 2, p1 = 0.8; b2 = 0.9 * 2 + 2 = 3.8, p2 = 0.42.
    std::vector<double> p{1.0}, g{2.0};
    sgd<momentum<0.9>>::state<double> s(sgd<momentum<0.9>>{}, 1);
    s.step(p, std::span<double const>(g), 0.1);
    CHECK(p[0] == doctest::Approx(0.8).epsilon(1e-15));
    s.step(p, std::span<double const>(g), 0.1);
    CHECK(p[0] == doctest::Approx(0.42).epsilon(1e-15));
}

TEST_CASE("sgd: converges on a quadratic; momentum and Nesterov converge faster") {
    double const tol = 1e-6;
    auto const plain = steps_to_converge<double>(sgd<>{}, 0.02, tol, 2000);
    auto const heavy_ball = steps_to_converge<double>(sgd<momentum<0.9>>{}, 0.02, tol, 2000);
    auto const nest = steps_to_converge<double>(sgd<momentum<0.9>, nesterov>{}, 0.02, tol, 2000);
    CHECK(plain <= 1000);
    CHECK(heavy_ball <= 400);
    CHECK(nest <= 300);
    CHECK(heavy_ball < plain);
    CHECK(nest < plain);
    CHECK(steps_to_converge<float>(sgd<momentum<0.9>, nesterov>{}, 0.02f, 1e-4, 2000) <= 300);
}

TEST_CASE("sgd: invalid hyperparameters throw, naming the member and the value") {
    using htune::invalid_argument;
    sgd<> s;
    s.momentum = -0.5;
    CHECK_THROWS_WITH_AS(s.validate(), "htune::optim::sgd: momentum (-0.5) must be in [0, 1)", invalid_argument);
    s.momentum = 1;
    CHECK_THROWS_WITH_AS(s.validate(), "htune::optim::sgd: momentum (1) must be in [0, 1)", invalid_argument);
    s.momentum = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH_AS(s.validate(), "htune::optim::sgd: momentum (nan) must be in [0, 1)", invalid_argument);
    s = {};
    s.weight_decay = -1;
    CHECK_THROWS_WITH_AS(s.validate(), "htune::optim::sgd: weight_decay (-1) must be >= 0 and finite",
                         invalid_argument);
    s.weight_decay = std::numeric_limits<double>::infinity();
    CHECK_THROWS_WITH_AS(s.validate(), "htune::optim::sgd: weight_decay (inf) must be >= 0 and finite",
                         invalid_argument);
    sgd<nesterov> n;
    CHECK_THROWS_WITH_AS(n.validate(), "htune::optim::sgd: nesterov needs momentum > 0 (momentum is 0)",
                         invalid_argument);
    // The state validates on construction.
    CHECK_THROWS_AS((sgd<nesterov>::state<float>(n, 3)), invalid_argument);
    CHECK_NOTHROW(sgd<momentum<0.9>, nesterov>{}.validate());
}

TEST_CASE("sgd: step checks sizes and the learning rate; reset restarts") {
    using S = sgd<momentum<0.9>>;
    S::state<float> s(S{}, 4);
    CHECK(s.size() == 4);
    std::vector<float> p(4, 1.0f), g(4, 1.0f), short_g(3, 1.0f);
    CHECK_THROWS_WITH_AS(s.step(p, std::span<float const>(short_g), 0.1f),
                         "htune::optim::sgd::state::step: 4 parameters and 3 gradients for a state of 4",
                         htune::shape_error);
    CHECK_THROWS_WITH_AS(s.step(p, std::span<float const>(g), -1.0f),
                         "htune::optim::sgd::state::step: learning rate (-1) must be >= 0 and finite",
                         htune::invalid_argument);
    CHECK(s.steps() == 0);
    s.step(p, std::span<float const>(g), 0.1f);
    s.step(p, std::span<float const>(g), 0.1f);
    CHECK(s.steps() == 2);
    s.reset();
    CHECK(s.steps() == 0);
    std::vector<float> q(4, 1.0f);
    s.step(q, std::span<float const>(g), 0.1f);
    CHECK(q[0] == doctest::Approx(0.9)); // as a fresh state: b = g
    CHECK(s.hyperparameters().momentum == 0.9);
}
