#include <doctest/doctest.h>

#include <htune/core/concepts/optimizer.hpp>
#include <htune/core/errors.hpp>
#include <htune/optim/rmsprop.hpp>

#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

#include "optim_test_support.hpp"
#include "tolerances.hpp"

using namespace htune::optim;
using htune::test::check_against_reference;
using htune::test::steps_to_converge;

namespace {
// torch.optim.RMSprop as documented.
struct rmsprop_reference {
    double alpha = 0.99, eps = 1e-8, momentum = 0, weight_decay = 0;
    bool centered = false;
    std::vector<double> v = std::vector<double>(htune::test::quadratic::n);
    std::vector<double> avg = std::vector<double>(htune::test::quadratic::n);
    std::vector<double> b = std::vector<double>(htune::test::quadratic::n);

    void step(std::vector<double>& p, std::vector<double> const& g, double lr) {
        for (std::size_t i = 0; i < p.size(); ++i) {
            double const gi = g[i] + weight_decay * p[i];
            v[i] = alpha * v[i] + (1 - alpha) * gi * gi;
            double v_tilde = v[i];
            if (centered) {
                avg[i] = alpha * avg[i] + (1 - alpha) * gi;
                v_tilde = v_tilde - avg[i] * avg[i];
            }
            if (momentum > 0) {
                b[i] = momentum * b[i] + gi / (std::sqrt(v_tilde) + eps);
                p[i] = p[i] - lr * b[i];
            } else {
                p[i] = p[i] - lr * gi / (std::sqrt(v_tilde) + eps);
            }
        }
    }
};
} // namespace

static_assert(htune::concepts::optimizer<rmsprop<>, float>);
static_assert(htune::concepts::optimizer<rmsprop<>, double>);
static_assert(htune::concepts::optimizer<rmsprop<centered, momentum<0.9>>, float>);
static_assert(htune::concepts::optimizer<rmsprop<centered, momentum<0.9>>, double>);

TEST_CASE("rmsprop: options set the defaults of run-time members (PyTorch's defaults)") {
    rmsprop<> r;
    CHECK(r.alpha == 0.99);
    CHECK(r.epsilon == 1e-8);
    CHECK(r.momentum == 0.0);
    CHECK_FALSE(r.centered);
    CHECK(r.weight_decay == 0.0);
    rmsprop<alpha<0.9>, centered, momentum<0.5>, weight_decay<1e-3>, epsilon<1e-6>> c;
    CHECK(c.alpha == 0.9);
    CHECK(c.centered);
    CHECK(c.momentum == 0.5);
    CHECK(c.weight_decay == 1e-3);
    CHECK(c.epsilon == 1e-6);
}

TEST_CASE_TEMPLATE("rmsprop: the first steps match torch.optim.RMSprop", T, float, double) {
    double const tol = htune::test::tolerances<T>::value;
    SUBCASE("plain") {
        check_against_reference<T>(rmsprop<>{}, rmsprop_reference{}, 0.01, tol);
    }
    SUBCASE("weight decay, alpha 0.9") {
        check_against_reference<T>(rmsprop<alpha<0.9>, weight_decay<0.1>>{},
                                   rmsprop_reference{.alpha = 0.9, .weight_decay = 0.1}, 0.01, tol, 5);
    }
    SUBCASE("momentum") {
        check_against_reference<T>(rmsprop<momentum<0.9>>{}, rmsprop_reference{.momentum = 0.9}, 0.01, tol);
    }
    SUBCASE("centered") {
        check_against_reference<T>(rmsprop<centered, alpha<0.9>>{}, rmsprop_reference{.alpha = 0.9, .centered = true},
                                   0.01, tol);
    }
    SUBCASE("centered with momentum and weight decay, set at run time") {
        rmsprop<> r;
        r.centered = true;
        r.momentum = 0.5;
        r.weight_decay = 0.05;
        r.epsilon = 1e-4;
        check_against_reference<T>(
            r, rmsprop_reference{.eps = 1e-4, .momentum = 0.5, .weight_decay = 0.05, .centered = true}, 0.005, tol, 5);
    }
}

TEST_CASE("rmsprop: converges on a quadratic within a bounded number of steps") {
    CHECK(steps_to_converge<double>(rmsprop<>{}, 0.1, 1e-6, 2000) <= 200);
    CHECK(steps_to_converge<double>(rmsprop<centered, momentum<0.5>>{}, 0.1, 1e-6, 2000) <= 200);
    CHECK(steps_to_converge<float>(rmsprop<>{}, 0.1f, 1e-4, 2000) <= 200);
}

TEST_CASE("rmsprop: invalid hyperparameters throw, naming the member and the value") {
    using htune::invalid_argument;
    rmsprop<> r;
    r.alpha = 1;
    CHECK_THROWS_WITH_AS(r.validate(), "htune::optim::rmsprop: alpha (1) must be in [0, 1)", invalid_argument);
    r = {};
    r.epsilon = -1e-8;
    CHECK_THROWS_WITH_AS(r.validate(), "htune::optim::rmsprop: epsilon (-1e-08) must be > 0 and finite",
                         invalid_argument);
    r = {};
    r.momentum = 2;
    CHECK_THROWS_WITH_AS(r.validate(), "htune::optim::rmsprop: momentum (2) must be in [0, 1)", invalid_argument);
    r = {};
    r.weight_decay = -2;
    CHECK_THROWS_WITH_AS(r.validate(), "htune::optim::rmsprop: weight_decay (-2) must be >= 0 and finite",
                         invalid_argument);
    CHECK_THROWS_AS((rmsprop<>::state<float>(r, 1)), invalid_argument);
}

TEST_CASE("rmsprop: reset clears every buffer") {
    using R = rmsprop<centered, momentum<0.9>>;
    R::state<double> s(R{}, 2);
    std::vector<double> p{1.0, -1.0}, g{0.3, -2.0};
    s.step(p, std::span<double const>(g), 0.01);
    auto const first = p;
    s.step(p, std::span<double const>(g), 0.01);
    s.reset();
    CHECK(s.steps() == 0);
    p = {1.0, -1.0};
    s.step(p, std::span<double const>(g), 0.01);
    CHECK(p == first);
}
