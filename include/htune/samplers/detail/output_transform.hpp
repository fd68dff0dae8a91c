#pragma once
// What the GP is fitted to: the losses, made finite, optionally warped by a Yeo-Johnson power
// transform (after centring on the median and scaling by the interquartile range), and
// standardised to mean 0 and variance 1.
//
// Warping (as HEBO, Cowen-Rivers et al. 2022): losses of real objectives are often heavily skewed
// (a few huge values, say 1e6 on Rosenbrock next to 1 near the optimum), and a stationary GP fitted
// to them spends its variance on the bad tail. A Yeo-Johnson transform whose power is chosen by
// maximum likelihood under a normal model compresses that tail and spreads out the good values; it
// is monotone, so the minimiser does not move.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <vector>

namespace htune::samplers::gp_detail {

// Non-finite values (which observations should not hold) become the largest/smallest finite one.
inline void clip_non_finite(std::span<double> y) noexcept {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (double v : y)
        if (std::isfinite(v)) {
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
    if (!std::isfinite(lo)) lo = hi = 0.0;
    for (double& v : y)
        if (!std::isfinite(v)) v = v < 0.0 ? lo : hi; // NaN counts as bad
}

// Mean 0, variance 1; values all equal become 0.
inline void standardize(std::span<double> y) noexcept {
    if (y.empty()) return;
    double mean = 0.0;
    for (double v : y) mean += v;
    mean /= static_cast<double>(y.size());
    double var = 0.0;
    for (double v : y) var += (v - mean) * (v - mean);
    var /= static_cast<double>(y.size());
    double const sd = std::sqrt(var);
    double const scale = sd > 1e-12 * std::max(1.0, std::abs(mean)) ? 1.0 / sd : 0.0;
    for (double& v : y) v = (v - mean) * scale;
}

inline double yeo_johnson(double x, double lambda) noexcept {
    if (x >= 0.0) {
        if (std::abs(lambda) < 1e-12) return std::log1p(x);
        return std::expm1(lambda * std::log1p(x)) / lambda;
    }
    if (std::abs(lambda - 2.0) < 1e-12) return -std::log1p(-x);
    return -std::expm1((2.0 - lambda) * std::log1p(-x)) / (2.0 - lambda);
}

// Profile log-likelihood of lambda for standardised x (constant terms dropped).
inline double yeo_johnson_log_likelihood(std::span<double const> x, double lambda) noexcept {
    double const n = static_cast<double>(x.size());
    double mean = 0.0;
    for (double v : x) mean += yeo_johnson(v, lambda);
    mean /= n;
    double var = 0.0, jacobian = 0.0;
    for (double v : x) {
        double const t = yeo_johnson(v, lambda) - mean;
        var += t * t;
        jacobian += std::copysign(std::log1p(std::abs(v)), v);
    }
    var /= n;
    if (!(var > 0.0) || !std::isfinite(var)) return -std::numeric_limits<double>::infinity();
    return -0.5 * n * std::log(var) + (lambda - 1.0) * jacobian;
}

// Scales y robustly, warps it with the maximum-likelihood Yeo-Johnson power in [-2, 1] (golden
// section; powers above 1 would compress the good tail of a left-skewed sample), and standardises.
// Returns the power.
// Centre on the median and scale by the interquartile range (as a normal's sd): unlike mean and sd,
// one huge loss does not squash all the others together before the warp.
inline void robust_scale(std::span<double> y) {
    std::vector<double> sorted(y.begin(), y.end());
    std::sort(sorted.begin(), sorted.end());
    auto at = [&](double q) {
        double const pos = q * static_cast<double>(sorted.size() - 1);
        auto const i = static_cast<std::size_t>(pos);
        double const frac = pos - static_cast<double>(i);
        return i + 1 < sorted.size() ? sorted[i] + frac * (sorted[i + 1] - sorted[i]) : sorted[i];
    };
    double const median = at(0.5);
    double const iqr = (at(0.75) - at(0.25)) / 1.349;
    if (!(iqr > 1e-12 * std::max(1.0, std::abs(median)))) {
        standardize(y);
        return;
    }
    for (double& v : y) v = (v - median) / iqr;
}

inline double warp_and_standardize(std::span<double> y) {
    if (y.size() < 3) {
        standardize(y);
        return 1.0;
    }
    robust_scale(y);
    double lo = -2.0, hi = 1.0;
    double const ratio = 0.6180339887498949;
    double a = hi - ratio * (hi - lo), b = lo + ratio * (hi - lo);
    double fa = yeo_johnson_log_likelihood(y, a), fb = yeo_johnson_log_likelihood(y, b);
    for (int it = 0; it < 60 && hi - lo > 1e-6; ++it) {
        if (fa >= fb) {
            hi = b;
            b = a;
            fb = fa;
            a = hi - ratio * (hi - lo);
            fa = yeo_johnson_log_likelihood(y, a);
        } else {
            lo = a;
            a = b;
            fa = fb;
            b = lo + ratio * (hi - lo);
            fb = yeo_johnson_log_likelihood(y, b);
        }
    }
    double const lambda = 0.5 * (lo + hi);
    for (double& v : y) v = yeo_johnson(v, lambda);
    standardize(y);
    return lambda;
}

} // namespace htune::samplers::gp_detail
