#pragma once
// Helpers for the optim tests: a quadratic objective, and running an optimizer state on it.

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

namespace htune::test {

// f(x) = 0.5 * sum curvature_i * (x_i - target_i)^2, minimum at target; condition number 50.
struct quadratic {
    static constexpr std::size_t n = 4;
    static constexpr std::array<double, n> curvature{1.0, 5.0, 20.0, 50.0};
    static constexpr std::array<double, n> target{1.0, -2.0, 0.5, 3.0};
    static constexpr std::array<double, n> start{-1.5, 1.0, 2.5, 0.0};

    template <class T>
    static void gradient(std::span<T const> x, std::span<T> g) {
        for (std::size_t i = 0; i < n; ++i)
            g[i] = static_cast<T>(curvature[i] * (static_cast<double>(x[i]) - target[i]));
    }

    template <class T>
    static double distance(std::span<T const> x) {
        double d = 0;
        for (std::size_t i = 0; i < n; ++i) {
            double const e = std::abs(static_cast<double>(x[i]) - target[i]);
            if (std::isnan(e)) return e; // diverged: never within any tolerance
            d = std::max(d, e);
        }
        return d;
    }
};

// Steps until every coordinate is within tol of the minimum (max_steps + 1 when it never is).
// schedule(k) multiplies lr at step k.
template <class T, class Optimizer, class Schedule>
std::size_t steps_to_converge(Optimizer const& opt, T lr, double tol, std::size_t max_steps, Schedule schedule) {
    std::vector<T> x(quadratic::start.begin(), quadratic::start.end()), g(quadratic::n);
    typename Optimizer::template state<T> s(opt, quadratic::n);
    for (std::size_t k = 0; k < max_steps; ++k) {
        if (quadratic::distance<T>(x) < tol) return k;
        quadratic::gradient<T>(x, g);
        s.step(x, std::span<T const>(g), static_cast<T>(static_cast<double>(lr) * schedule(k)));
    }
    return quadratic::distance<T>(x) < tol ? max_steps : max_steps + 1;
}

template <class T, class Optimizer>
std::size_t steps_to_converge(Optimizer const& opt, T lr, double tol, std::size_t max_steps) {
    return steps_to_converge<T>(opt, lr, tol, max_steps, [](std::size_t) { return 1.0; });
}

// The first steps of an optimizer against a reference written as a scalar loop in double.
// Both start from the same parameters and compute their own gradients of the quadratic, so an
// error in one step carries into the next. Reference: void step(std::vector<double>& p,
// std::vector<double> const& g, double lr).
template <class T, class Optimizer, class Reference>
void check_against_reference(Optimizer const& opt, Reference ref, double lr, double tol, int steps = 3) {
    std::vector<T> x(quadratic::start.begin(), quadratic::start.end()), g(quadratic::n);
    std::vector<double> rx(quadratic::start.begin(), quadratic::start.end()), rg(quadratic::n);
    typename Optimizer::template state<T> s(opt, quadratic::n);
    for (int k = 1; k <= steps; ++k) {
        quadratic::gradient<T>(x, g);
        quadratic::gradient<double>(rx, rg);
        s.step(x, std::span<T const>(g), static_cast<T>(lr));
        ref.step(rx, rg, lr);
        CHECK(s.steps() == static_cast<std::size_t>(k));
        for (std::size_t i = 0; i < quadratic::n; ++i) {
            INFO("step ", k, ", parameter ", i);
            CHECK(static_cast<double>(x[i]) == doctest::Approx(rx[i]).epsilon(tol));
        }
    }
}

} // namespace htune::test
