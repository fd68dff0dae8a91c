#pragma once
// Projected L-BFGS for smooth functions on a box (lower <= x <= upper).
//
// Not the full L-BFGS-B of Byrd, Lu, Nocedal and Zhu (no generalised Cauchy point, no subspace
// minimisation): variables at a bound whose gradient points out of the box are held fixed, the
// L-BFGS direction is taken over the others, and a backtracking Armijo search runs along the
// projected path. That is enough for the two uses here (GP kernel parameters in log space and the
// acquisition on the unit cube), both small, smooth and with few active bounds, and it is short
// enough to read. Deterministic: the same start gives the same iterates on every platform with
// the same floating-point operations.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <vector>

namespace htune::samplers::gp_detail {

struct box_lbfgs_options {
    std::size_t max_iterations = 200;
    std::size_t memory = 10;
    double gradient_tolerance = 1e-5;   // stop when the projected gradient's max-norm is below
    double relative_tolerance = 2.2e-9; // stop when (f_k - f_k+1) / max(|f_k|, |f_k+1|, 1) is below
    double first_step = 1.0;            // max-norm of the first step (steepest descent, unscaled)
    double absolute_tolerance = 0.0;    // stop after stall_limit steps in a row (not counting the
    int stall_limit = 2;                // first) that each decrease f by less than this
    double minimum_move = 1e-12;        // the line search gives up on steps shorter (max-norm)
};

struct box_lbfgs_result {
    double value = std::numeric_limits<double>::infinity();
    std::size_t iterations = 0;
    std::size_t evaluations = 0;
    bool converged = false;
};

// Minimises f over the box starting from x (projected into the box first); x holds the result.
// f(std::span<double const> x, std::span<double> gradient) -> double. A non-finite value is
// treated as "outside the domain": the line search backs off from it.
template <class F>
box_lbfgs_result minimize_in_box(F&& f, std::span<double> x, std::span<double const> lower,
                                 std::span<double const> upper, box_lbfgs_options const& opt) {
    std::size_t const n = x.size();
    box_lbfgs_result result;
    if (n == 0) {
        result.value = f(std::span<double const>(x), x);
        result.evaluations = 1;
        result.converged = true;
        return result;
    }
    auto project = [&](std::size_t i, double v) { return std::clamp(v, lower[i], upper[i]); };
    for (std::size_t i = 0; i < n; ++i) x[i] = project(i, x[i]);

    std::vector<double> g(n), g_new(n), x_new(n), d(n), alpha(opt.memory), rho(opt.memory);
    std::vector<double> s_mem(opt.memory * n), y_mem(opt.memory * n);
    std::vector<unsigned char> free_var(n);
    std::size_t stored = 0, newest = 0; // ring buffer of (s, y) pairs
    int stalled = 0;

    double fx = f(std::span<double const>(x), std::span<double>(g));
    result.evaluations = 1;
    if (!std::isfinite(fx)) {
        result.value = fx;
        return result;
    }

    for (std::size_t it = 0; it < opt.max_iterations; ++it) {
        result.iterations = it + 1;
        // Projected gradient: the step x -> P(x - g) - x; a variable pinned at a bound by its
        // gradient is not free.
        double pg_norm = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            double const pg = project(i, x[i] - g[i]) - x[i];
            pg_norm = std::max(pg_norm, std::abs(pg));
            free_var[i] = !((x[i] <= lower[i] && g[i] > 0.0) || (x[i] >= upper[i] && g[i] < 0.0));
        }
        if (pg_norm <= opt.gradient_tolerance) {
            result.converged = true;
            break;
        }

        // Two-loop recursion over the free variables.
        for (std::size_t i = 0; i < n; ++i) d[i] = free_var[i] ? g[i] : 0.0;
        for (std::size_t k = 0; k < stored; ++k) {
            std::size_t const slot = (newest + opt.memory - k) % opt.memory;
            double const* s = &s_mem[slot * n];
            double const* y = &y_mem[slot * n];
            double dot = 0.0;
            for (std::size_t i = 0; i < n; ++i) dot += s[i] * d[i];
            alpha[slot] = rho[slot] * dot;
            for (std::size_t i = 0; i < n; ++i) d[i] -= alpha[slot] * y[i];
        }
        if (stored > 0) {
            double const* s = &s_mem[newest * n];
            double const* y = &y_mem[newest * n];
            double sy = 0.0, yy = 0.0;
            for (std::size_t i = 0; i < n; ++i) {
                sy += s[i] * y[i];
                yy += y[i] * y[i];
            }
            double const gamma = sy / yy;
            for (std::size_t i = 0; i < n; ++i) d[i] *= gamma;
        }
        for (std::size_t k = stored; k-- > 0;) {
            std::size_t const slot = (newest + opt.memory - k) % opt.memory;
            double const* s = &s_mem[slot * n];
            double const* y = &y_mem[slot * n];
            double dot = 0.0;
            for (std::size_t i = 0; i < n; ++i) dot += y[i] * d[i];
            double const beta = rho[slot] * dot;
            for (std::size_t i = 0; i < n; ++i) d[i] += s[i] * (alpha[slot] - beta);
        }
        double slope = 0.0, d_norm = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            d[i] = free_var[i] ? -d[i] : 0.0;
            slope += g[i] * d[i];
            d_norm = std::max(d_norm, std::abs(d[i]));
        }
        if (!(slope < 0.0) || stored == 0) { // no memory yet, or not a descent direction
            stored = 0;
            slope = 0.0;
            d_norm = 0.0;
            for (std::size_t i = 0; i < n; ++i) {
                d[i] = free_var[i] ? -g[i] : 0.0;
                slope += g[i] * d[i];
                d_norm = std::max(d_norm, std::abs(d[i]));
            }
            if (!(d_norm > 0.0)) {
                result.converged = true;
                break;
            }
        }

        // Backtracking Armijo search along the projected path.
        double t = stored == 0 ? opt.first_step / d_norm : 1.0;
        double f_new = fx;
        bool accepted = false;
        for (int trial = 0; trial < 40; ++trial) {
            double decrease = 0.0, moved = 0.0;
            for (std::size_t i = 0; i < n; ++i) {
                x_new[i] = project(i, x[i] + t * d[i]);
                decrease += g[i] * (x_new[i] - x[i]);
                moved = std::max(moved, std::abs(x_new[i] - x[i]));
            }
            if (moved <= opt.minimum_move) break;
            if (!(decrease < 0.0)) {
                t *= 0.5;
                continue;
            }
            f_new = f(std::span<double const>(x_new), std::span<double>(g_new));
            ++result.evaluations;
            if (std::isfinite(f_new) && f_new <= fx + 1e-4 * decrease) {
                accepted = true;
                break;
            }
            // Minimiser of the quadratic through f(x), its slope and f(x_new), kept in [0.1 t, 0.5 t].
            double shrink = 0.1;
            if (std::isfinite(f_new)) {
                double const curvature = f_new - fx - decrease;
                if (curvature > 0.0) shrink = std::clamp(-0.5 * decrease / curvature, 0.1, 0.5);
            }
            t *= shrink;
        }
        if (!accepted) {
            if (stored == 0) break; // steepest descent failed too: as good as it gets
            stored = 0;             // drop the curvature memory and retry with steepest descent
            continue;
        }

        // Update the memory with the new curvature pair when it is positive.
        double sy = 0.0, yy = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            double const si = x_new[i] - x[i];
            double const yi = g_new[i] - g[i];
            sy += si * yi;
            yy += yi * yi;
        }
        if (sy > 1e-10 * yy) {
            std::size_t const slot = stored == 0 ? 0 : (newest + 1) % opt.memory;
            for (std::size_t i = 0; i < n; ++i) {
                s_mem[slot * n + i] = x_new[i] - x[i];
                y_mem[slot * n + i] = g_new[i] - g[i];
            }
            rho[slot] = 1.0 / sy;
            newest = slot;
            stored = std::min(stored + 1, opt.memory);
        }
        double const scale = std::max({std::abs(fx), std::abs(f_new), 1.0});
        stalled = it > 0 && (fx - f_new) < opt.absolute_tolerance ? stalled + 1 : 0;
        bool const small_decrease = (fx - f_new) <= opt.relative_tolerance * scale || stalled >= opt.stall_limit;
        std::copy(x_new.begin(), x_new.end(), x.begin());
        std::swap(g, g_new);
        fx = f_new;
        if (small_decrease) {
            result.converged = true;
            break;
        }
    }
    result.value = fx;
    return result;
}

} // namespace htune::samplers::gp_detail
