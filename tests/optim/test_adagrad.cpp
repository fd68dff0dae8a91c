#include <doctest/doctest.h>

#include <htune/core/concepts/optimizer.hpp>
#include <htune/core/errors.hpp>
#include <htune/optim/adagrad.hpp>

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
// torch.optim.Adagrad as documented.
struct adagrad_reference {
    double lr_decay = 0, weight_decay = 0, initial_accumulator = 0, eps = 1e-10;
    std::vector<double> s = std::vector<double>(htune::test::quadratic::n, initial_accumulator);
    int t = 0;

    void step(std::vector<double>& p, std::vector<double> const& g, double lr) {
        ++t;
        double const clr = lr / (1 + (t - 1) * lr_decay);
        for (std::size_t i = 0; i < p.size(); ++i) {
            double const gi = g[i] + weight_decay * p[i];
            s[i] = s[i] + gi * gi;
            p[i] = p[i] - clr * gi / (std::sqrt(s[i]) + eps);
        }
    }
};
} // namespace

static_assert(htune::concepts::optimizer<adagrad<>, float>);
static_assert(htune::concepts::optimizer<adagrad<>, double>);
static_assert(htune::concepts::optimizer<adagrad<lr_decay<0.1>, initial_accumulator<0.1>>, float>);
static_assert(htune::concepts::optimizer<adagrad<lr_decay<0.1>, initial_accumulator<0.1>>, double>);

TEST_CASE("adagrad: options set the defaults of run-time members (PyTorch's defaults)") {
    adagrad<> a;
    CHECK(a.lr_decay == 0.0);
    CHECK(a.weight_decay == 0.0);
    CHECK(a.initial_accumulator == 0.0);
    CHECK(a.epsilon == 1e-10);
    adagrad<lr_decay<0.5>, initial_accumulator<0.25>, epsilon<1e-6>, weight_decay<0.1>> b;
    CHECK(b.lr_decay == 0.5);
    CHECK(b.initial_accumulator == 0.25);
    CHECK(b.epsilon == 1e-6);
    CHECK(b.weight_decay == 0.1);
}

TEST_CASE_TEMPLATE("adagrad: the first steps match torch.optim.Adagrad", T, float, double) {
    double const tol = htune::test::tolerances<T>::value;
    SUBCASE("plain") {
        check_against_reference<T>(adagrad<>{}, adagrad_reference{}, 0.1, tol);
    }
    SUBCASE("lr decay (needs the step count)") {
        check_against_reference<T>(adagrad<lr_decay<0.5>>{}, adagrad_reference{.lr_decay = 0.5}, 0.1, tol, 5);
    }
    SUBCASE("weight decay and initial accumulator") {
        check_against_reference<T>(adagrad<weight_decay<0.1>, initial_accumulator<0.5>>{},
                                   adagrad_reference{.weight_decay = 0.1, .initial_accumulator = 0.5}, 0.1, tol);
    }
    SUBCASE("all, set at run time") {
        adagrad<> a;
        a.lr_decay = 0.1;
        a.weight_decay = 0.2;
        a.initial_accumulator = 1;
        a.epsilon = 1e-3;
        adagrad_reference const ref{.lr_decay = 0.1, .weight_decay = 0.2, .initial_accumulator = 1, .eps = 1e-3};
        check_against_reference<T>(a, ref, 0.3, tol, 5);
    }
}

TEST_CASE("adagrad: the decayed rate at step 3, by hand") {
    // g = 1 every step, lr 1, lr_decay 1: clr = 1, 1/2, 1/3; s = 1, 2, 3.
    std::vector<double> p{0.0}, g{1.0};
    adagrad<lr_decay<1.0>>::state<double> s(adagrad<lr_decay<1.0>>{}, 1);
    for (int k = 0; k < 3; ++k) s.step(p, std::span<double const>(g), 1.0);
    double const expected = -(1 / (1 + 1e-10) + 0.5 / (std::sqrt(2.0) + 1e-10) + (1.0 / 3) / (std::sqrt(3.0) + 1e-10));
    CHECK(p[0] == doctest::Approx(expected).epsilon(1e-14));
    CHECK(s.steps() == 3);
}

TEST_CASE("adagrad: converges on a quadratic within a bounded number of steps") {
    CHECK(steps_to_converge<double>(adagrad<>{}, 1.0, 1e-6, 2000) <= 150);
    CHECK(steps_to_converge<float>(adagrad<>{}, 1.0f, 1e-4, 2000) <= 150);
}

TEST_CASE("adagrad: invalid hyperparameters throw, naming the member and the value") {
    using htune::invalid_argument;
    adagrad<> a;
    a.lr_decay = -1;
    CHECK_THROWS_WITH_AS(a.validate(), "htune::optim::adagrad: lr_decay (-1) must be >= 0 and finite",
                         invalid_argument);
    a = {};
    a.weight_decay = -0.5;
    CHECK_THROWS_WITH_AS(a.validate(), "htune::optim::adagrad: weight_decay (-0.5) must be >= 0 and finite",
                         invalid_argument);
    a = {};
    a.initial_accumulator = -0.125;
    CHECK_THROWS_WITH_AS(a.validate(), "htune::optim::adagrad: initial_accumulator (-0.125) must be >= 0 and finite",
                         invalid_argument);
    a = {};
    a.epsilon = 0;
    CHECK_THROWS_WITH_AS(a.validate(), "htune::optim::adagrad: epsilon (0) must be > 0 and finite", invalid_argument);
    CHECK_THROWS_AS((adagrad<>::state<double>(a, 1)), invalid_argument);
}

TEST_CASE("adagrad: reset refills the accumulator") {
    using A = adagrad<initial_accumulator<0.5>, lr_decay<0.1>>;
    A::state<float> s(A{}, 1);
    std::vector<float> p{1.0f}, g{2.0f};
    s.step(p, std::span<float const>(g), 0.1f);
    float const first = p[0];
    s.step(p, std::span<float const>(g), 0.1f);
    s.reset();
    p = {1.0f};
    s.step(p, std::span<float const>(g), 0.1f);
    CHECK(p[0] == first);
}
