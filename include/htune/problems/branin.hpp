#pragma once
// branin: the Branin-Hoo function on x in [-5, 10], y in [0, 15], a standard 2-D test for samplers.
// Three global minimisers, (-pi, 12.275), (pi, 2.275) and (3 pi, 2.475), all with value 5 / (4 pi)
// (= s t below, where the squared term is 0 and cos(x) = -1).
//
//   f(x, y) = (y - b x^2 + c x - r)^2 + s (1 - t) cos(x) + s,
//   b = 5.1 / (4 pi^2), c = 5 / pi, r = 6, s = 10, t = 1 / (8 pi).
//
// bench/peers/samplers_optuna.py evaluates the same expression in the same order.

#include <cmath>
#include <cstddef>
#include <numbers>
#include <span>
#include <string_view>
#include <vector>

#include "../core/errors.hpp"

namespace htune::problems {

class branin {
public:
    static constexpr std::string_view name() noexcept { return "branin"; }
    constexpr std::size_t dimensions() const noexcept { return 2; }

    double lower(std::size_t i) const {
        check_index(i);
        return i == 0 ? -5.0 : 0.0;
    }
    double upper(std::size_t i) const {
        check_index(i);
        return i == 0 ? 10.0 : 15.0;
    }

    double optimum_value() const noexcept { return 5.0 / (4.0 * std::numbers::pi); }
    // The first of the three minimisers; the others are (pi, 2.275) and (3 pi, 2.475).
    std::vector<double> optimum_point() const { return {-std::numbers::pi, 12.275}; }

    double operator()(double x, double y) const noexcept {
        constexpr double pi = std::numbers::pi;
        constexpr double b = 5.1 / (4.0 * pi * pi);
        constexpr double c = 5.0 / pi;
        constexpr double r = 6.0;
        constexpr double s = 10.0;
        constexpr double t = 1.0 / (8.0 * pi);
        double const u = y - b * x * x + c * x - r;
        return u * u + s * (1.0 - t) * std::cos(x) + s;
    }

    double operator()(std::span<double const> x) const {
        HTUNE_CHECK(x.size() == 2, "htune::problems::branin: x has ", x.size(), " values, expected 2");
        return (*this)(x[0], x[1]);
    }

private:
    static void check_index(std::size_t i) {
        HTUNE_CHECK(i < 2, "htune::problems::branin: dimension index (", i, ") must be < 2");
    }
};

} // namespace htune::problems
