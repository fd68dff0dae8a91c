#pragma once
// hartmann6: the 6-D Hartmann function on [0, 1]^6, a sum of four Gaussian-like wells with the
// standard constants (alpha, A, P of Dixon and Szegö). One global minimum, -3.32236801141551,
// near (0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573) (the value there is within 3e-11
// of the minimum), and five further local minima, which is what makes it a test for samplers.
//
//   f(x) = -sum_i alpha_i exp(-sum_j A_ij (x_j - P_ij)^2)
//
// bench/peers/samplers_optuna.py uses the same constants (P as the same decimal literals) and order.

#include <array>
#include <cmath>
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "../core/errors.hpp"

namespace htune::problems {

class hartmann6 {
public:
    static constexpr std::string_view name() noexcept { return "hartmann6"; }
    constexpr std::size_t dimensions() const noexcept { return 6; }

    double lower(std::size_t i) const {
        check_index(i);
        return 0.0;
    }
    double upper(std::size_t i) const {
        check_index(i);
        return 1.0;
    }

    double optimum_value() const noexcept { return -3.32236801141551; }
    std::vector<double> optimum_point() const { return {0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573}; }

    double operator()(std::span<double const> x) const {
        HTUNE_CHECK(x.size() == 6, "htune::problems::hartmann6: x has ", x.size(), " values, expected 6");
        double sum = 0.0;
        for (std::size_t i = 0; i < 4; ++i) {
            double inner = 0.0;
            for (std::size_t j = 0; j < 6; ++j) {
                double const d = x[j] - p[i][j];
                inner += a[i][j] * d * d;
            }
            sum += alpha[i] * std::exp(-inner);
        }
        return -sum;
    }

private:
    static constexpr std::array<double, 4> alpha{1.0, 1.2, 3.0, 3.2};
    static constexpr std::array<std::array<double, 6>, 4> a{{
        {10.0, 3.0, 17.0, 3.5, 1.7, 8.0},
        {0.05, 10.0, 17.0, 0.1, 8.0, 14.0},
        {3.0, 3.5, 1.7, 10.0, 17.0, 8.0},
        {17.0, 8.0, 0.05, 10.0, 0.1, 14.0},
    }};
    static constexpr std::array<std::array<double, 6>, 4> p{{
        {0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886},
        {0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991},
        {0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650},
        {0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381},
    }};

    static void check_index(std::size_t i) {
        HTUNE_CHECK(i < 6, "htune::problems::hartmann6: dimension index (", i, ") must be < 6");
    }
};

} // namespace htune::problems
