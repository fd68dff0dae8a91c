#pragma once
// Gaussian-process regression with a Matern 5/2 ARD kernel on the unit cube, and the fit of its
// kernel parameters by maximum a posteriori (marginal likelihood times a prior).
//
// Kernel: k(x, x') = scale * m(r^2), m(r^2) = (1 + sqrt5 r + 5/3 r^2) exp(-sqrt5 r), with
//   r^2 = sum over continuous/discrete dims j of ils_j (x_j - x'_j)^2
//       + sum over categorical dims j of ils_j [x_j != x'_j]          (Hamming, as Optuna 4)
// where ils_j = 1 / lengthscale_j^2. Categorical coordinates are category indices.
// Observations are y = f(x) + N(0, noise); the posterior below is that of the noise-free f.
//
// Prior (Optuna 4's GPSampler, picked there by heuristics and stable with few points):
//   log p = sum_j -(0.1 / ils_j + 0.1 ils_j) + Gamma(2, 1) on scale + Gamma(1.1, 30) on noise,
// with noise >= minimum_noise (1e-6 on standardised outputs). The fit runs projected L-BFGS
// over raw = (log ils_1..d, log scale, log(noise - minimum_noise)).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numbers>
#include <span>
#include <vector>

#include "../../core/errors.hpp"
#include "../../core/tensor.hpp"
#include "box_lbfgs.hpp"
#include "gp_linalg.hpp"

namespace htune::samplers::gp_detail {

// m(r^2) and dm/d(r^2), with one sqrt and one exp.
struct matern_value {
    double value;
    double derivative;
};

inline matern_value matern52(double r2) noexcept {
    double const r = std::sqrt(5.0 * r2);
    double const e = std::exp(-r);
    return {(1.0 + r + r * r / 3.0) * e, -5.0 / 6.0 * (1.0 + r) * e};
}

struct kernel_params {
    std::vector<double> inverse_squared_lengthscales; // one per dimension: 1 / lengthscale^2
    double scale = 1.0;                               // signal variance
    double noise = 1e-6;                              // noise variance
};

// The training inputs: rows are points in GP coordinates, `categorical` marks Hamming dimensions.
struct gp_inputs {
    tensor<double, 2> x;                    // n x d
    std::vector<unsigned char> categorical; // d flags
    std::size_t size() const noexcept { return x.shape()[0]; }
    std::size_t dims() const noexcept { return x.shape()[1]; }
};

// r^2 between two points: continuous dims are listed in `cont`, categorical ones in `cat`.
inline double scaled_distance(double const* a, double const* b, double const* ils, std::span<std::size_t const> cont,
                              std::span<std::size_t const> cat) noexcept {
    double r2 = 0.0;
    for (std::size_t j : cont) {
        double const diff = a[j] - b[j];
        r2 += ils[j] * diff * diff;
    }
    for (std::size_t j : cat) r2 += a[j] != b[j] ? ils[j] : 0.0;
    return r2;
}

struct dimension_lists {
    std::vector<std::size_t> continuous;
    std::vector<std::size_t> categorical;

    explicit dimension_lists(std::span<unsigned char const> is_categorical) {
        for (std::size_t j = 0; j < is_categorical.size(); ++j)
            (is_categorical[j] ? categorical : continuous).push_back(j);
    }
};

// Cholesky of `c` (row-major, lower triangle read) into `l`; on failure adds jitter * I, starting at
// 1e-10 * mean diagonal and growing tenfold up to the mean diagonal. Returns the jitter added
// (0 when none was needed); throws htune::error when even that fails (non-finite entries).
inline double cholesky_with_jitter(tensor<double, 2> const& c, tensor<double, 2>& l) {
    std::size_t const n = c.shape()[0];
    l = c;
    if (cholesky_lower(l.data(), n) == 0) return 0.0;
    double mean_diag = 0.0;
    for (std::size_t i = 0; i < n; ++i) mean_diag += c(i, i);
    mean_diag = n > 0 ? mean_diag / static_cast<double>(n) : 1.0;
    if (!(mean_diag > 0.0) || !std::isfinite(mean_diag)) mean_diag = 1.0;
    for (double jitter = 1e-10 * mean_diag; jitter <= mean_diag * 1.0000001; jitter *= 10.0) {
        l = c;
        for (std::size_t i = 0; i < n; ++i) l(i, i) += jitter;
        if (cholesky_lower(l.data(), n) == 0) return jitter;
    }
    htune::detail::throw_error<htune::error>(
        "htune::samplers::gp: the kernel matrix is not positive definite even with "
        "jitter (non-finite inputs or kernel parameters?)");
}

struct posterior_value {
    double mean = 0.0;
    double variance = 0.0;
};

// A Gaussian process conditioned on data with fixed kernel parameters.
class gaussian_process {
public:
    gaussian_process() = default;

    gaussian_process(gp_inputs inputs, std::span<double const> y, kernel_params params)
        : m_inputs(std::move(inputs)), m_params(std::move(params)), m_lists(m_inputs.categorical) {
        std::size_t const n = m_inputs.size();
        HTUNE_CHECK(y.size() == n, "htune::samplers::gp: ", n, " points but ", y.size(), " values");
        HTUNE_CHECK(m_params.inverse_squared_lengthscales.size() == m_inputs.dims(),
                    "htune::samplers::gp: ", m_inputs.dims(), " dimensions but ",
                    m_params.inverse_squared_lengthscales.size(), " lengthscales");
        tensor<double, 2> c = tensor<double, 2>::from_shape({n, n});
        double const* ils = m_params.inverse_squared_lengthscales.data();
        for (std::size_t i = 0; i < n; ++i) {
            for (std::size_t k = 0; k < i; ++k) {
                double const r2 = scaled_distance(row(i), row(k), ils, m_lists.continuous, m_lists.categorical);
                c(i, k) = c(k, i) = m_params.scale * matern52(r2).value;
            }
            c(i, i) = m_params.scale + m_params.noise;
        }
        m_chol = tensor<double, 2>::from_shape({n, n});
        m_jitter = cholesky_with_jitter(c, m_chol);
        m_alpha.assign(y.begin(), y.end());
        solve_lower(m_chol.data(), n, m_alpha.data());
        solve_lower_transposed(m_chol.data(), n, m_alpha.data());
        // Training points in lengthscale units over the continuous dimensions, for batch().
        std::size_t const dc = m_lists.continuous.size();
        m_sqrt_ils.resize(dc);
        for (std::size_t q = 0; q < dc; ++q) m_sqrt_ils[q] = std::sqrt(ils[m_lists.continuous[q]]);
        m_scaled.resize(n * dc);
        m_norm.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            double s2 = 0.0;
            for (std::size_t q = 0; q < dc; ++q) {
                double const v = row(i)[m_lists.continuous[q]] * m_sqrt_ils[q];
                m_scaled[i * dc + q] = v;
                s2 += v * v;
            }
            m_norm[i] = s2;
        }
    }

    std::size_t size() const noexcept { return m_inputs.size(); }
    std::size_t dims() const noexcept { return m_inputs.dims(); }
    kernel_params const& params() const noexcept { return m_params; }
    double jitter() const noexcept { return m_jitter; }
    std::span<double const> alpha() const noexcept { return m_alpha; }

    // Posterior mean and variance of f at x (GP coordinates).
    posterior_value at(std::span<double const> x, std::vector<double>& scratch) const {
        std::size_t const n = size();
        scratch.resize(n);
        double const* ils = m_params.inverse_squared_lengthscales.data();
        for (std::size_t i = 0; i < n; ++i)
            scratch[i] =
                m_params.scale *
                matern52(scaled_distance(x.data(), row(i), ils, m_lists.continuous, m_lists.categorical)).value;
        return finish(scratch.data());
    }

    // The same with gradients with respect to the continuous coordinates of x (categorical entries
    // of the gradients are 0). scratch grows to 3n.
    posterior_value at(std::span<double const> x, std::span<double> dmean, std::span<double> dvar,
                       std::vector<double>& scratch) const {
        std::size_t const n = size();
        std::size_t const d = dims();
        scratch.resize(3 * n);
        double* k = scratch.data();
        double* dk = k + n; // d k_i / d (r^2_i) * scale * 2
        double* v = dk + n;
        double const* ils = m_params.inverse_squared_lengthscales.data();
        for (std::size_t i = 0; i < n; ++i) {
            auto const m = matern52(scaled_distance(x.data(), row(i), ils, m_lists.continuous, m_lists.categorical));
            k[i] = m_params.scale * m.value;
            dk[i] = 2.0 * m_params.scale * m.derivative;
        }
        std::copy(k, k + n, v);
        solve_lower(m_chol.data(), n, v);
        double quad = 0.0, mean = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            quad += v[i] * v[i];
            mean += k[i] * m_alpha[i];
        }
        solve_lower_transposed(m_chol.data(), n, v); // v = C^{-1} k
        for (std::size_t j = 0; j < d; ++j) {
            dmean[j] = 0.0;
            dvar[j] = 0.0;
        }
        for (std::size_t i = 0; i < n; ++i) {
            double const* xi = row(i);
            double const a = dk[i] * m_alpha[i];
            double const b = -2.0 * dk[i] * v[i];
            for (std::size_t j : m_lists.continuous) {
                double const diff = ils[j] * (x[j] - xi[j]);
                dmean[j] += a * diff;
                dvar[j] += b * diff;
            }
        }
        return {mean, std::max(m_params.scale - quad, 0.0)};
    }

    // Posterior at the m rows of xs (row-major m x d); `scratch` grows to (m + 1) * n + m * d.
    // Squared distances over the continuous dimensions come from one matrix product,
    // |a|^2 + |b|^2 - 2 a.b in lengthscale units: cheap, and accurate enough to rank candidates.
    void batch(double const* xs, std::size_t m, double* mean, double* var, std::vector<double>& scratch) const {
        std::size_t const n = size();
        std::size_t const d = dims();
        std::size_t const dc = m_lists.continuous.size();
        scratch.resize(m * n + m * dc + m);
        double* k = scratch.data();
        double* scaled = k + m * n;
        double* norm = scaled + m * dc;
        double const* ils = m_params.inverse_squared_lengthscales.data();
        for (std::size_t c = 0; c < m; ++c) {
            double s = 0.0;
            for (std::size_t q = 0; q < dc; ++q) {
                std::size_t const j = m_lists.continuous[q];
                double const v = xs[c * d + j] * m_sqrt_ils[q];
                scaled[c * dc + q] = v;
                s += v * v;
            }
            norm[c] = s;
        }
        multiply_transposed(scaled, m_scaled.data(), m, n, dc, k);
        for (std::size_t c = 0; c < m; ++c) {
            double* kc = k + c * n;
            for (std::size_t i = 0; i < n; ++i) kc[i] = std::max(norm[c] + m_norm[i] - 2.0 * kc[i], 0.0);
            for (std::size_t j : m_lists.categorical)
                for (std::size_t i = 0; i < n; ++i)
                    if (xs[c * d + j] != row(i)[j]) kc[i] += ils[j];
            for (std::size_t i = 0; i < n; ++i) kc[i] = m_params.scale * matern52(kc[i]).value;
        }
        matrix_vector(k, m, n, m_alpha.data(), mean);
        solve_lower_rows(m_chol.data(), n, k, m);
        for (std::size_t c = 0; c < m; ++c) {
            double quad = 0.0;
            for (std::size_t i = 0; i < n; ++i) quad += k[c * n + i] * k[c * n + i];
            var[c] = std::max(m_params.scale - quad, 0.0);
        }
    }

private:
    double const* row(std::size_t i) const noexcept { return m_inputs.x.data() + i * dims(); }

    // Mean and variance from the kernel vector k (overwritten).
    posterior_value finish(double* k) const {
        std::size_t const n = size();
        double mean = 0.0;
        for (std::size_t i = 0; i < n; ++i) mean += k[i] * m_alpha[i];
        solve_lower(m_chol.data(), n, k);
        double quad = 0.0;
        for (std::size_t i = 0; i < n; ++i) quad += k[i] * k[i];
        return {mean, std::max(m_params.scale - quad, 0.0)};
    }

    gp_inputs m_inputs;
    kernel_params m_params;
    dimension_lists m_lists{std::span<unsigned char const>{}};
    tensor<double, 2> m_chol;
    std::vector<double> m_alpha;
    std::vector<double> m_sqrt_ils, m_scaled, m_norm;
    double m_jitter = 0.0;
};

// ---------------------------------------------------------------------------------------------
// Kernel parameter fit.

struct kernel_fit_options {
    double minimum_noise = 1e-6;
    bool deterministic = false; // noise fixed at minimum_noise (a noise-free objective)
    std::size_t max_iterations = 200;
    double gradient_tolerance = 1e-2; // on the raw parameters, as Optuna
    // Stop at the first iteration (after the first) that gains less than this in log posterior:
    // a hundredth of a nat changes nothing the acquisition would notice.
    double absolute_tolerance = 1e-2;
    double first_step = 1.0; // max-norm of the first step in raw parameters (smaller for warm starts)
};

// Bounds on the raw parameters; the prior keeps the optimum far inside them.
inline constexpr double raw_log_ils_bound = 20.0;
inline constexpr double raw_log_scale_bound = 12.0;
inline constexpr double raw_log_noise_low = -30.0;
inline constexpr double raw_log_noise_high = 4.0;

// raw = (log ils_1..d, log scale[, log(noise - minimum_noise)]), d = raw.size() - 1 or - 2.
inline kernel_params raw_to_params(std::span<double const> raw, kernel_fit_options const& options) {
    std::size_t const d = raw.size() - (options.deterministic ? 1 : 2);
    kernel_params p;
    p.inverse_squared_lengthscales.resize(d);
    for (std::size_t j = 0; j < d; ++j) p.inverse_squared_lengthscales[j] = std::exp(raw[j]);
    p.scale = std::exp(raw[d]);
    p.noise = options.minimum_noise + (options.deterministic ? 0.0 : std::exp(raw[d + 1]));
    return p;
}

inline std::vector<double> params_to_raw(kernel_params const& p, kernel_fit_options const& options) {
    std::size_t const d = p.inverse_squared_lengthscales.size();
    std::vector<double> raw(d + (options.deterministic ? 1 : 2));
    for (std::size_t j = 0; j < d; ++j) raw[j] = std::log(p.inverse_squared_lengthscales[j]);
    raw[d] = std::log(p.scale);
    if (!options.deterministic)
        raw[d + 1] = std::log(std::max(p.noise - options.minimum_noise, 1e-3 * options.minimum_noise));
    return raw;
}

// Negative log posterior of the kernel parameters and its gradient.
class kernel_fit_objective {
public:
    kernel_fit_objective(gp_inputs const& inputs, std::span<double const> y, kernel_fit_options options)
        : m_inputs(inputs), m_y(y), m_options(options), m_lists(inputs.categorical) {
        std::size_t const n = inputs.size();
        m_c = tensor<double, 2>::from_shape({n, n});
        m_dm = tensor<double, 2>::from_shape({n, n});
        m_alpha.resize(n);
    }

    std::size_t parameter_count() const noexcept { return m_inputs.dims() + (m_options.deterministic ? 1 : 2); }

    kernel_params to_params(std::span<double const> raw) const { return raw_to_params(raw, m_options); }
    std::vector<double> to_raw(kernel_params const& p) const { return params_to_raw(p, m_options); }

    void bounds(std::vector<double>& lower, std::vector<double>& upper) const {
        std::size_t const d = m_inputs.dims();
        lower.assign(parameter_count(), -raw_log_ils_bound);
        upper.assign(parameter_count(), raw_log_ils_bound);
        lower[d] = -raw_log_scale_bound;
        upper[d] = raw_log_scale_bound;
        if (!m_options.deterministic) {
            lower[d + 1] = raw_log_noise_low;
            upper[d + 1] = raw_log_noise_high;
        }
    }

    // -(log marginal likelihood + log prior); +inf where the kernel matrix is not positive definite.
    double operator()(std::span<double const> raw, std::span<double> grad) {
        std::size_t const n = m_inputs.size();
        std::size_t const d = m_inputs.dims();
        double const* x = m_inputs.x.data();
        std::vector<double> ils(d);
        for (std::size_t j = 0; j < d; ++j) ils[j] = std::exp(raw[j]);
        double const scale = std::exp(raw[d]);
        double const noise_excess = m_options.deterministic ? 0.0 : std::exp(raw[d + 1]);
        double const noise = m_options.minimum_noise + noise_excess;

        // Lower triangle of C and of dm/d(r^2).
        for (std::size_t i = 0; i < n; ++i) {
            for (std::size_t k = 0; k < i; ++k) {
                auto const m = matern52(
                    scaled_distance(x + i * d, x + k * d, ils.data(), m_lists.continuous, m_lists.categorical));
                m_c(i, k) = scale * m.value;
                m_dm(i, k) = m.derivative; // lower: dm/d(r^2); upper: m
                m_dm(k, i) = m.value;
            }
            m_c(i, i) = scale + noise;
        }
        if (cholesky_lower(m_c.data(), n) != 0) return std::numeric_limits<double>::infinity();
        std::copy(m_y.begin(), m_y.end(), m_alpha.begin());
        solve_lower(m_c.data(), n, m_alpha.data());
        double value = 0.5 * static_cast<double>(n) * std::log(2.0 * std::numbers::pi);
        for (std::size_t i = 0; i < n; ++i) value += 0.5 * m_alpha[i] * m_alpha[i] + std::log(m_c(i, i));
        solve_lower_transposed(m_c.data(), n, m_alpha.data());
        if (inverse_from_cholesky(m_c.data(), n) != 0) return std::numeric_limits<double>::infinity();

        // d value / d theta = -1/2 tr(W dC/dtheta) with W = alpha alpha^T - C^{-1} (now in m_c).
        std::fill(grad.begin(), grad.end(), 0.0);
        double trace_wk = 0.0, trace_w = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            double const* xi = x + i * d;
            for (std::size_t k = 0; k < i; ++k) {
                double const w = m_alpha[i] * m_alpha[k] - m_c(i, k);
                double const* xk = x + k * d;
                // 2x: the pair (i, k) stands for (k, i) too.
                trace_wk += 2.0 * w * scale * m_dm(k, i);
                double const g = 2.0 * w * scale * m_dm(i, k);
                for (std::size_t j : m_lists.continuous) {
                    double const diff = xi[j] - xk[j];
                    grad[j] += g * diff * diff;
                }
                for (std::size_t j : m_lists.categorical)
                    if (xi[j] != xk[j]) grad[j] += g;
            }
            double const w = m_alpha[i] * m_alpha[i] - m_c(i, i);
            trace_w += w;
            trace_wk += w * scale;
        }
        for (std::size_t j = 0; j < d; ++j) grad[j] *= -0.5 * ils[j];
        grad[d] = -0.5 * trace_wk;
        if (!m_options.deterministic) grad[d + 1] = -0.5 * trace_w * noise_excess;

        // Prior.
        for (std::size_t j = 0; j < d; ++j) {
            value += 0.1 / ils[j] + 0.1 * ils[j];
            grad[j] += -0.1 / ils[j] + 0.1 * ils[j];
        }
        value -= std::log(scale) - scale; // Gamma(2, 1)
        grad[d] -= 1.0 - scale;
        value -= 0.1 * std::log(noise) - 30.0 * noise; // Gamma(1.1, 30)
        if (!m_options.deterministic) grad[d + 1] -= (0.1 / noise - 30.0) * noise_excess;
        return value;
    }

private:
    gp_inputs const& m_inputs;
    std::span<double const> m_y;
    kernel_fit_options m_options;
    dimension_lists m_lists;
    tensor<double, 2> m_c;
    tensor<double, 2> m_dm;
    std::vector<double> m_alpha;
};

// MAP kernel parameters from the given start (raw parameters, see kernel_fit_objective::to_raw).
// Returns the parameters and the objective value reached (+inf when the fit failed throughout).
struct kernel_fit_result {
    kernel_params params;
    double value = std::numeric_limits<double>::infinity();
    std::size_t evaluations = 0;
};

inline kernel_fit_result fit_kernel_params(gp_inputs const& inputs, std::span<double const> y,
                                           kernel_fit_options const& options, std::vector<double> raw) {
    kernel_fit_objective objective(inputs, y, options);
    std::vector<double> lower, upper;
    objective.bounds(lower, upper);
    box_lbfgs_options lbfgs;
    lbfgs.max_iterations = options.max_iterations;
    lbfgs.gradient_tolerance = options.gradient_tolerance;
    lbfgs.first_step = options.first_step;
    lbfgs.absolute_tolerance = options.absolute_tolerance;
    lbfgs.stall_limit = 1;
    auto const r = minimize_in_box(objective, std::span<double>(raw), lower, upper, lbfgs);
    return {objective.to_params(raw), r.value, r.evaluations};
}

} // namespace htune::samplers::gp_detail
