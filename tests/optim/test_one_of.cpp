// optim::one_of: the chosen optimizer's steps, bit for bit, and its hyperparameters' checks.
#include <doctest/doctest.h>

#include <htune/core/concepts/optimizer.hpp>
#include <htune/core/errors.hpp>
#include <htune/optim/adam.hpp>
#include <htune/optim/one_of.hpp>
#include <htune/optim/sgd.hpp>

#include <cstddef>
#include <span>
#include <vector>

#include "optim_test_support.hpp"

using namespace htune;

namespace {
// Runs `steps` steps of an optimizer on the quadratic; returns the parameters.
template <class T, class Optimizer>
std::vector<T> run(Optimizer const& opt, int steps) {
    std::vector<T> x(test::quadratic::start.begin(), test::quadratic::start.end()), g(test::quadratic::n);
    typename Optimizer::template state<T> s(opt, test::quadratic::n);
    for (int k = 0; k < steps; ++k) {
        test::quadratic::gradient<T>(x, g);
        s.step(x, std::span<T const>(g), T(0.01));
    }
    return x;
}
} // namespace

TEST_CASE_TEMPLATE("optim::one_of steps exactly as the optimizer it holds", T, float, double) {
    using sgd_m = optim::sgd<optim::momentum<0.9>, optim::nesterov>;
    using choice = optim::one_of<sgd_m, optim::adam<>, optim::adamw<optim::weight_decay<0.1>>>;
    static_assert(concepts::optimizer<choice, T>);
    choice c;
    c.index = 0;
    CHECK(run<T>(c, 20) == run<T>(sgd_m{}, 20));
    c.index = 1;
    CHECK(run<T>(c, 20) == run<T>(optim::adam<>{}, 20));
    c.index = 2;
    std::get<2>(c.alternatives).weight_decay = 0.05; // the alternative's members are used
    optim::adamw<optim::weight_decay<0.1>> reference;
    reference.weight_decay = 0.05;
    CHECK(run<T>(c, 20) == run<T>(reference, 20));
    CHECK(run<T>(c, 20) != run<T>(optim::adamw<optim::weight_decay<0.1>>{}, 20));
}

TEST_CASE("optim::one_of checks its index and the chosen optimizer's hyperparameters") {
    optim::one_of<optim::sgd<>, optim::adam<>> c;
    c.index = 2;
    CHECK_THROWS_WITH_AS(c.validate(), doctest::Contains("htune::optim::one_of: index (2) must be below"),
                         htune::error);
    c.index = 0;
    std::get<0>(c.alternatives).momentum = 1.5;
    CHECK_THROWS_WITH_AS((optim::one_of<optim::sgd<>, optim::adam<>>::state<float>(c, 4)),
                         doctest::Contains("momentum"), htune::error);
    c.index = 1; // the other alternative's bad value does not matter
    CHECK_NOTHROW(c.validate());
}
