#pragma once
// The logarithm of expected improvement, accurate far into the tail.
//
// For a Gaussian posterior N(mu, sigma^2) and the best loss so far `best` (minimisation),
//   EI = E[max(0, best - f)] = sigma * h(z),  z = (best - mu) / sigma,  h(z) = phi(z) + z Phi(z).
// Evaluated directly, h(z) underflows to 0 near z = -38 and loses all relative precision well
// before, so the acquisition is flat (log = -inf, gradient 0) over most of the space once the GP
// is confident. log_h follows Ament et al. 2023, "Unexpected improvements to expected
// improvement" (eq. 9): log(h) directly for z > -1; log(phi(z)) + log1mexp(log(|z| Phi(z)/phi(z)))
// below, with Phi/phi written through erfcx so nothing underflows; and the leading term
// -z^2/2 - log(2 pi)/2 - 2 log|z| beyond z = -1e6, where the log1mexp argument rounds to 0.

#include <cmath>
#include <numbers>

namespace htune::samplers::gp_detail {

inline constexpr double sqrt_half = 0.70710678118654752440;    // 1/sqrt(2)
inline constexpr double log_sqrt_2pi = 0.91893853320467274178; // log(sqrt(2 pi))
inline constexpr double sqrt_half_pi = 1.25331413731550025121; // sqrt(pi/2)
inline constexpr double inv_sqrt_pi = 0.56418958354775628695;  // 1/sqrt(pi)

// erfcx(x) = exp(x^2) erfc(x), to a few ulps for every x (+inf below about -26.6, as it should).
inline double erfcx(double x) noexcept {
    if (x < 6.0) {
        // exp(x^2) as exp(p) * exp(e) with p + e = x^2 exactly (fma), so the rounding of x^2
        // does not grow into a relative error of x^2 * 1e-16.
        double const p = x * x;
        double const e = std::fma(x, x, -p);
        return std::exp(p) * (1.0 + e) * std::erfc(x);
    }
    // Laplace's continued fraction: sqrt(pi) erfcx(x) = 1 / (x + (1/2) / (x + 1 / (x + (3/2) / (x + ...)))),
    // evaluated from the back; 48 terms are exact to rounding for x >= 6.
    double t = x;
    for (int k = 48; k >= 1; --k) t = x + (0.5 * k) / t;
    return inv_sqrt_pi / t;
}

// Standard normal cdf and log pdf.
inline double normal_cdf(double z) noexcept {
    return 0.5 * std::erfc(-z * sqrt_half);
}
inline double log_normal_pdf(double z) noexcept {
    return -0.5 * z * z - log_sqrt_2pi;
}

// log(1 - exp(w)) for w < 0 (Maechler 2012: expm1 near 0, log1p below -log 2).
inline double log1mexp(double w) noexcept {
    return w > -std::numbers::ln2 ? std::log(-std::expm1(w)) : std::log1p(-std::exp(w));
}

struct log_h_result {
    double value;      // log h(z)
    double derivative; // d log h / dz = Phi(z) / h(z), > 0
};

inline constexpr double log_h_lower_branch = -1.0;
inline constexpr double log_h_asymptotic_branch = -1e6;

// log h(z) = log(phi(z) + z Phi(z)) and its derivative, finite for every finite z.
inline log_h_result log_h(double z) noexcept {
    if (z > log_h_lower_branch) {
        double const cdf = normal_cdf(z);
        double const h = std::exp(log_normal_pdf(z)) + z * cdf;
        return {std::log(h), cdf / h};
    }
    if (z > log_h_asymptotic_branch) {
        // q = Phi(z) / phi(z); w = log(|z| q) < 0; h = phi(z) (1 - |z| q).
        double const q = sqrt_half_pi * erfcx(-z * sqrt_half);
        double const w = std::log(-z * q);
        double const log1m = log1mexp(w);
        return {log_normal_pdf(z) + log1m, q / std::exp(log1m)};
    }
    return {log_normal_pdf(z) - 2.0 * std::log(-z), -z - 2.0 / z};
}

} // namespace htune::samplers::gp_detail
