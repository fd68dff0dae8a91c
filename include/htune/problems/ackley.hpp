#pragma once
// ackley: the d-dimensional Ackley function (d >= 1, chosen at run time) on [-32.768, 32.768]^d,
// SHIFTED so that its global minimum (0) lies at a point s away from the centre of the box.
//
//   f(x) = -a exp(-b sqrt(mean_i z_i^2)) - exp(mean_i cos(c z_i)) + a + e,   z = x - s,
//   a = 20, b = 0.2, c = 2 pi (the standard constants),
//   s_i = e + pi (1 + k_i) / 2,   k_i = (7 i) mod 5
//       = 4.2890, 7.4306, 10.5722, 5.8598, 9.0014, then again from 4.2890 every 5 coordinates.
//
// Why shifted: the standard Ackley has its minimum at the centre of its box, and dlib's
// find_min_global evaluates the centre of the box first (a GP's initial design may too; so does any
// design with a point at 0.5 in every unit coordinate). A benchmark must not reward a lucky first
// point. Each s_i is an irrational offset, so s lies on no dyadic (Sobol), stratum-centre (LHS) or
// decimal grid; every s_i stays inside the box, at least 4.2 from its centre and 22 from its edges.
//
// bench/peers/samplers_optuna.py uses the same shift and evaluates in the same order.

#include <cmath>
#include <cstddef>
#include <numbers>
#include <span>
#include <string_view>
#include <vector>

#include "../core/errors.hpp"

namespace htune::problems {

class ackley {
public:
    explicit ackley(std::size_t dimensions = 2) : m_dimensions(dimensions) {
        HTUNE_CHECK(dimensions >= 1, "htune::problems::ackley: dimensions (", dimensions, ") must be >= 1");
    }

    static constexpr std::string_view name() noexcept { return "ackley"; }
    std::size_t dimensions() const noexcept { return m_dimensions; }

    // The shift of coordinate i (the same for every d, so ackley(d) is a slice of ackley(d + 1)).
    static double shift(std::size_t i) noexcept {
        return std::numbers::e + std::numbers::pi * static_cast<double>(1 + (7 * i) % 5) / 2.0;
    }

    double lower(std::size_t i) const {
        check_index(i);
        return -32.768;
    }
    double upper(std::size_t i) const {
        check_index(i);
        return 32.768;
    }

    double optimum_value() const noexcept { return 0.0; }
    std::vector<double> optimum_point() const {
        std::vector<double> s(m_dimensions);
        for (std::size_t i = 0; i < m_dimensions; ++i) s[i] = shift(i);
        return s;
    }

    double operator()(std::span<double const> x) const {
        HTUNE_CHECK(x.size() == m_dimensions, "htune::problems::ackley: x has ", x.size(), " values, expected ",
                    m_dimensions);
        constexpr double a = 20.0;
        constexpr double b = 0.2;
        constexpr double c = 2.0 * std::numbers::pi;
        double sum_squares = 0.0;
        double sum_cos = 0.0;
        for (std::size_t i = 0; i < m_dimensions; ++i) {
            double const z = x[i] - shift(i);
            sum_squares += z * z;
            sum_cos += std::cos(c * z);
        }
        auto const d = static_cast<double>(m_dimensions);
        return -a * std::exp(-b * std::sqrt(sum_squares / d)) - std::exp(sum_cos / d) + a + std::numbers::e;
    }

private:
    void check_index(std::size_t i) const {
        HTUNE_CHECK(i < m_dimensions, "htune::problems::ackley: dimension index (", i, ") must be < ", m_dimensions);
    }

    std::size_t m_dimensions;
};

} // namespace htune::problems
