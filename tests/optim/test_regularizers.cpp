#include <doctest/doctest.h>

#include <htune/core/concepts/regularizer.hpp>
#include <htune/core/errors.hpp>
#include <htune/nn/gradient_check.hpp>
#include <htune/regularizers.hpp>

#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <vector>

#include "tolerances.hpp"

using namespace htune::regularizers;

static_assert(htune::concepts::regularizer<l1<>, float>);
static_assert(htune::concepts::regularizer<l1<>, double>);
static_assert(htune::concepts::regularizer<l2<>, float>);
static_assert(htune::concepts::regularizer<l2<0.5>, double>);
static_assert(htune::concepts::regularizer<elastic_net<>, float>);
static_assert(htune::concepts::regularizer<elastic_net<>, double>);

namespace {
// Has the members but not the role: a loss or a metric must never pass for a regularizer.
struct no_role {
    template <class T>
    T penalty(std::span<T const>) const {
        return T(0);
    }
    template <class T>
    void add_gradient(std::span<T const>, std::span<T>) const {}
};

// Central differences of penalty against add_gradient, which must add to what g holds.
template <class T, class R>
void check_gradient(R const& r) {
    double const h = htune::test::tolerances<T>::step;
    double const tol = htune::test::tolerances<T>::gradient;
    // No weight within h of 0, where |w| has a kink.
    std::vector<T> w{T(0.8), T(-1.3), T(0.25), T(-0.05), T(2.0), T(-0.6)};
    std::vector<T> g(w.size(), T(1));
    r.add_gradient(std::span<T const>(w), std::span<T>(g));
    for (std::size_t i = 0; i < w.size(); ++i) {
        auto plus = w, minus = w;
        plus[i] = static_cast<T>(static_cast<double>(w[i]) + h);
        minus[i] = static_cast<T>(static_cast<double>(w[i]) - h);
        // The step actually taken, after rounding to T.
        double const dw = static_cast<double>(plus[i]) - static_cast<double>(minus[i]);
        double const numeric = (static_cast<double>(r.penalty(std::span<T const>(plus))) -
                                static_cast<double>(r.penalty(std::span<T const>(minus)))) /
                               dw;
        INFO("weight ", i);
        CHECK(static_cast<double>(g[i]) - 1.0 == doctest::Approx(numeric).epsilon(tol));
    }
}
} // namespace

static_assert(!htune::concepts::regularizer<no_role, float>);

TEST_CASE_TEMPLATE("regularizers: the gradient matches finite differences of the penalty", T, float, double) {
    SUBCASE("l1") {
        check_gradient<T>(l1<0.3>{});
    }
    SUBCASE("l2") {
        check_gradient<T>(l2<0.7>{});
    }
    SUBCASE("elastic net") {
        check_gradient<T>(elastic_net<0.2, 0.9>{});
    }
    SUBCASE("strengths set at run time") {
        l2<> r;
        r.strength = 2.5;
        check_gradient<T>(r);
        elastic_net<> e;
        e.l1_strength = 1.5;
        e.l2_strength = 0.0;
        check_gradient<T>(e);
    }
}

TEST_CASE_TEMPLATE("regularizers: penalty values", T, float, double) {
    std::vector<T> w{T(1), T(-2), T(0), T(0.5)};
    std::span<T const> ws(w);
    double const tol = htune::test::tolerances<T>::value;
    CHECK(static_cast<double>(l2<0.5>{}.penalty(ws)) == doctest::Approx(0.5 * 0.5 * 5.25).epsilon(tol));
    CHECK(static_cast<double>(l1<0.5>{}.penalty(ws)) == doctest::Approx(0.5 * 3.5).epsilon(tol));
    CHECK(static_cast<double>(elastic_net<0.5, 0.25>{}.penalty(ws)) ==
          doctest::Approx(0.5 * 3.5 + 0.5 * 0.25 * 5.25).epsilon(tol));
    CHECK(l1<>{}.penalty(std::span<T const>()) == T(0));
    CHECK(l2<0.0>{}.penalty(ws) == T(0));
}

TEST_CASE_TEMPLATE("l1: the gradient is strength * sign(w), 0 at 0, added to g", T, float, double) {
    std::vector<T> w{T(2), T(0), T(-3), T(-0.0)};
    std::vector<T> g{T(1), T(1), T(1), T(1)};
    l1<0.5>{}.add_gradient(std::span<T const>(w), std::span<T>(g));
    CHECK(g == std::vector<T>{T(1.5), T(1), T(0.5), T(1)});
    std::vector<T> h(4, T(0));
    l2<0.5>{}.add_gradient(std::span<T const>(w), std::span<T>(h));
    CHECK(h == std::vector<T>{T(1), T(0), T(-1.5), T(0)});
}

TEST_CASE("regularizers: defaults, validation and sizes") {
    CHECK(l1<>{}.strength == 1e-4);
    CHECK(l2<>{}.strength == 1e-4);
    CHECK(l2<0.01>{}.strength == 0.01);
    using htune::invalid_argument;
    l2<> r;
    r.strength = -1;
    CHECK_THROWS_WITH_AS(r.validate(), "htune::regularizers::l2: strength (-1) must be >= 0 and finite",
                         invalid_argument);
    l1<> a;
    a.strength = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH_AS(a.validate(), "htune::regularizers::l1: strength (nan) must be >= 0 and finite",
                         invalid_argument);
    a.strength = std::numeric_limits<double>::infinity();
    CHECK_THROWS_WITH_AS(a.validate(), "htune::regularizers::l1: strength (inf) must be >= 0 and finite",
                         invalid_argument);
    elastic_net<> e;
    e.l2_strength = -0.5;
    CHECK_THROWS_WITH_AS(e.validate(), "htune::regularizers::elastic_net: l2_strength (-0.5) must be >= 0 and finite",
                         invalid_argument);
    e = {};
    e.l1_strength = -2;
    CHECK_THROWS_WITH_AS(e.validate(), "htune::regularizers::elastic_net: l1_strength (-2) must be >= 0 and finite",
                         invalid_argument);
    CHECK_NOTHROW(l1<>{}.validate());
    CHECK_NOTHROW(l2<0.0>{}.validate());
    std::vector<float> w(3), g(2);
    CHECK_THROWS_WITH_AS(l2<>{}.add_gradient(std::span<float const>(w), std::span<float>(g)),
                         "htune::regularizers::l2::add_gradient: 3 weights and 2 gradients", htune::shape_error);
}

TEST_CASE_TEMPLATE("the library's check_regularizer_gradient agrees for every regularizer", T, float, double) {
    std::vector<T> const w = {T(0.5), T(-1.25), T(0.1), T(-0.3), T(2.0)};
    std::span<T const> ws(w);
    double const tol = htune::test::tolerances<T>::gradient;
    CHECK(htune::nn::check_regularizer_gradient<T>(htune::regularizers::l1<0.01>{}, ws) < tol);
    CHECK(htune::nn::check_regularizer_gradient<T>(htune::regularizers::l2<0.3>{}, ws) < tol);
    CHECK(htune::nn::check_regularizer_gradient<T>(htune::regularizers::elastic_net<0.01, 0.2>{}, ws) < tol);
}
