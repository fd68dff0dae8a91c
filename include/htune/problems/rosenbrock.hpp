#pragma once
// rosenbrock: the d-dimensional Rosenbrock function (d >= 2, chosen at run time) on [-5, 10]^d.
// A long curved valley; the global minimum is 0 at (1, ..., 1), and f(0, ..., 0) = d - 1.
//
//   f(x) = sum_{i < d-1} 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2
//
// bench/peers/samplers_optuna.py evaluates the same expression in the same order.

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "../core/errors.hpp"

namespace htune::problems {

class rosenbrock {
public:
    explicit rosenbrock(std::size_t dimensions = 2) : m_dimensions(dimensions) {
        HTUNE_CHECK(dimensions >= 2, "htune::problems::rosenbrock: dimensions (", dimensions, ") must be >= 2");
    }

    static constexpr std::string_view name() noexcept { return "rosenbrock"; }
    std::size_t dimensions() const noexcept { return m_dimensions; }

    double lower(std::size_t i) const {
        check_index(i);
        return -5.0;
    }
    double upper(std::size_t i) const {
        check_index(i);
        return 10.0;
    }

    double optimum_value() const noexcept { return 0.0; }
    std::vector<double> optimum_point() const { return std::vector<double>(m_dimensions, 1.0); }

    double operator()(std::span<double const> x) const {
        HTUNE_CHECK(x.size() == m_dimensions, "htune::problems::rosenbrock: x has ", x.size(), " values, expected ",
                    m_dimensions);
        double sum = 0.0;
        for (std::size_t i = 0; i + 1 < m_dimensions; ++i) {
            double const valley = x[i + 1] - x[i] * x[i];
            double const offset = 1.0 - x[i];
            sum += 100.0 * valley * valley + offset * offset;
        }
        return sum;
    }

private:
    void check_index(std::size_t i) const {
        HTUNE_CHECK(i < m_dimensions, "htune::problems::rosenbrock: dimension index (", i, ") must be < ",
                    m_dimensions);
    }

    std::size_t m_dimensions;
};

} // namespace htune::problems
