#pragma once
// One run of (mu/mu_w, lambda)-CMA-ES on the unit cube: the distribution N(m, sigma^2 C), its
// sampling with bound handling, its update from lambda ranked solutions and its termination tests.
// The formulas and constants are those of Hansen's tutorial (arXiv:1604.00772) as the Python
// `cmaes` package 0.9.1 writes them (class CMA, which Optuna's CmaEsSampler uses), with negative
// weights for the worse half (active CMA). What is added, see cmaes.hpp: the margin of discrete
// coordinates (a least spread, a mean kept near the slice boundaries), clipped steps for solutions
// not drawn from this distribution, and the stagnation test of IPOP-CMA-ES.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numbers>
#include <span>
#include <vector>

#include "../../core/rng.hpp"
#include "../dimension.hpp"
#include "jacobi_eigen.hpp"

namespace htune::samplers::detail {

// Inverse of the standard normal CDF: Acklam's rational approximation and one Halley step.
inline double cma_normal_quantile(double p) noexcept {
    if (!(p > 0.0)) return -std::numeric_limits<double>::infinity();
    if (!(p < 1.0)) return std::numeric_limits<double>::infinity();
    constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                            1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
    constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                            6.680131188771972e+01, -1.328068155288572e+01};
    constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                            -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
    constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00};
    constexpr double p_low = 0.02425;
    double x = 0.0;
    if (p < p_low || p > 1.0 - p_low) {
        double const q = std::sqrt(-2.0 * std::log(p < p_low ? p : 1.0 - p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
        if (p > 1.0 - p_low) x = -x;
    } else {
        double const q = p - 0.5;
        double const r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
    }
    double const e = 0.5 * std::erfc(-x / std::numbers::sqrt2) - p;
    double const u = e * std::sqrt(2.0 * std::numbers::pi) * std::exp(x * x / 2.0);
    return x - u / (1.0 + x * u / 2.0);
}

// The strategy parameters of one population size (tutorial eq. 48-56; `cmaes` CMA.__init__).
struct cma_parameters {
    std::size_t n = 0;
    std::size_t lambda = 0;
    std::size_t mu = 0;
    double mu_eff = 0.0;
    double c1 = 0.0;
    double cmu = 0.0;
    double c_sigma = 0.0;
    double d_sigma = 0.0;
    double cc = 0.0;
    double cm = 1.0;
    double chi_n = 0.0;
    double weight_sum = 0.0;
    std::size_t funhist_term = 0;
    std::vector<double> weights;

    cma_parameters() = default;
    cma_parameters(std::size_t dims, std::size_t population) : n(dims), lambda(population), mu(population / 2) {
        auto const nd = static_cast<double>(n);
        auto const ld = static_cast<double>(lambda);
        std::vector<double> prime(lambda);
        for (std::size_t i = 0; i < lambda; ++i)
            prime[i] = std::log((ld + 1.0) / 2.0) - std::log(static_cast<double>(i + 1));
        double s1 = 0.0, s2 = 0.0, s1m = 0.0, s2m = 0.0;
        for (std::size_t i = 0; i < lambda; ++i) {
            (i < mu ? s1 : s1m) += prime[i];
            (i < mu ? s2 : s2m) += prime[i] * prime[i];
        }
        mu_eff = s1 * s1 / s2;
        double const mu_eff_minus = s1m * s1m / s2m;

        constexpr double alpha_cov = 2.0;
        c1 = alpha_cov / ((nd + 1.3) * (nd + 1.3) + mu_eff);
        cmu = std::min(1.0 - c1 - 1e-8, alpha_cov * (mu_eff - 2.0 + 1.0 / mu_eff) /
                                            ((nd + 2.0) * (nd + 2.0) + alpha_cov * mu_eff / 2.0));
        double const min_alpha =
            std::min({1.0 + c1 / cmu, 1.0 + 2.0 * mu_eff_minus / (mu_eff + 2.0), (1.0 - c1 - cmu) / (nd * cmu)});
        double positive = 0.0, negative = 0.0;
        for (double w : prime) (w > 0.0 ? positive : negative) += std::abs(w);
        weights.resize(lambda);
        for (std::size_t i = 0; i < lambda; ++i)
            weights[i] = prime[i] >= 0.0 ? prime[i] / positive : min_alpha / negative * prime[i];
        weight_sum = 0.0;
        for (double w : weights) weight_sum += w;

        c_sigma = (mu_eff + 2.0) / (nd + mu_eff + 5.0);
        d_sigma = 1.0 + 2.0 * std::max(0.0, std::sqrt((mu_eff - 1.0) / (nd + 1.0)) - 1.0) + c_sigma;
        cc = (4.0 + mu_eff / nd) / (nd + 4.0 + 2.0 * mu_eff / nd);
        chi_n = std::sqrt(nd) * (1.0 - 1.0 / (4.0 * nd) + 1.0 / (21.0 * nd * nd));
        funhist_term = 10 + static_cast<std::size_t>(std::ceil(30.0 * nd / ld));
    }
};

// The default population size 4 + floor(3 ln n) (tutorial eq. 48).
inline std::size_t default_population(std::size_t n) noexcept {
    return 4 + static_cast<std::size_t>(std::floor(3.0 * std::log(static_cast<double>(n))));
}

// Where the run stands when should_stop() says yes; none while it goes on.
enum class cma_stop { none, tolfun, tolx, tolxup, no_effect_coord, no_effect_axis, condition, stagnation };

class cma_run {
public:
    struct settings {
        double sigma0 = 1.0 / 6.0;
        double margin = 0.0; // > 0: lower bound on the spread of discrete coordinates (cmaes.hpp)
        double tolfun = 1e-12;
    };

    cma_run() = default;

    cma_run(std::span<dimension const> dims, std::span<double const> mean, std::size_t lambda, settings s)
        : m_par(dims.size(), lambda), m_mean(mean.begin(), mean.end()), m_sigma(s.sigma0), m_tolx(1e-12 * s.sigma0),
          m_tolfun(s.tolfun) {
        std::size_t const n = dims.size();
        m_counts.assign(n, 0);
        for (std::size_t i = 0; i < n; ++i)
            if (dims[i].kind != dimension_kind::continuous) m_counts[i] = dims[i].count;
        m_c.assign(n * n, 0.0);
        for (std::size_t i = 0; i < n; ++i) m_c[i * n + i] = 1.0;
        m_ps.assign(n, 0.0);
        m_pc.assign(n, 0.0);
        m_b.assign(n * n, 0.0);
        for (std::size_t i = 0; i < n; ++i) m_b[i * n + i] = 1.0;
        m_d.assign(n, 1.0);
        m_floor.assign(n, 0.0);
        if (s.margin > 0.0) {
            m_z_one = cma_normal_quantile(1.0 - s.margin);
            m_z_two = cma_normal_quantile(1.0 - s.margin / 2.0);
            for (std::size_t i = 0; i < n; ++i)
                if (m_counts[i] > 1) m_floor[i] = 0.5 / static_cast<double>(m_counts[i]) / m_z_two;
        }
        m_funhist.assign(2 * m_par.funhist_term, 0.0);
        apply_margin();
        decompose();
    }

    std::size_t lambda() const noexcept { return m_par.lambda; }
    std::uint64_t generation() const noexcept { return m_generation; }
    double sigma() const noexcept { return m_sigma; }
    std::span<double const> mean() const noexcept { return m_mean; }
    // The spread of coordinate i: sigma * sqrt(C_ii).
    double spread(std::size_t i) const noexcept { return m_sigma * std::sqrt(m_c[i * m_par.n + i]); }
    cma_stop last_stop() const noexcept { return m_stop; }

    // One candidate from N(m, sigma^2 C) inside the unit cube, as `cmaes` CMA.ask does it: redraw up
    // to max_resampling times, then clip the next draw. `raw` is what the update learns from, the
    // proposal has discrete coordinates on their slice centres.
    void sample(rng& g, std::span<double> raw, std::span<double> proposal, std::vector<double>& z) const {
        std::size_t const n = m_par.n;
        std::size_t const max_resampling = 10 * n; // Optuna's n_max_resampling
        z.resize(n);
        for (std::size_t attempt = 0;; ++attempt) {
            for (std::size_t j = 0; j < n; ++j) z[j] = standard_normal(g) * m_d[j];
            bool feasible = true;
            for (std::size_t i = 0; i < n; ++i) {
                double y = 0.0;
                for (std::size_t j = 0; j < n; ++j) y += m_b[i * n + j] * z[j];
                raw[i] = m_mean[i] + m_sigma * y;
                feasible = feasible && raw[i] >= 0.0 && raw[i] <= 1.0;
            }
            if (feasible) break;
            if (attempt == max_resampling) {
                for (double& r : raw) r = r > 1.0 ? 1.0 : (r >= 0.0 ? r : 0.0);
                break;
            }
        }
        for (std::size_t i = 0; i < n; ++i) proposal[i] = snap(i, raw[i]);
    }

    double snap(std::size_t i, double u) const noexcept {
        return m_counts[i] == 0 ? u : index_to_unit(unit_to_index(u, m_counts[i]), m_counts[i]);
    }

    // The update from lambda solutions, best first (row-major lambda x n). A solution marked
    // `injected` was not drawn from this distribution: its step is clipped in Mahalanobis norm to
    // sqrt(n) + 2n / (n + 2), as Hansen's "Injecting external solutions into CMA-ES" (2011) does.
    // best/worst/median are the losses of the ranked solutions, for the termination tests.
    void tell(std::span<double const> x, std::span<char const> injected, double best, double worst, double median) {
        std::size_t const n = m_par.n;
        std::size_t const lambda = m_par.lambda;
        ++m_generation;
        std::size_t const slot = 2 * static_cast<std::size_t>(m_generation % m_par.funhist_term);
        m_funhist[slot] = best;
        m_funhist[slot + 1] = worst;
        m_best_history.push_back(best);
        m_median_history.push_back(median);
        if (m_best_history.size() > 20000) {
            m_best_history.erase(m_best_history.begin());
            m_median_history.erase(m_median_history.begin());
        }

        // C^(-1/2) = B D^-1 B^T
        std::vector<double> inv_sqrt(n * n, 0.0);
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = 0; j < n; ++j) {
                double s = 0.0;
                for (std::size_t k = 0; k < n; ++k) s += m_b[i * n + k] / m_d[k] * m_b[j * n + k];
                inv_sqrt[i * n + j] = s;
            }
        auto mahalanobis_sq = [&](double const* y) {
            double total = 0.0;
            for (std::size_t i = 0; i < n; ++i) {
                double s = 0.0;
                for (std::size_t j = 0; j < n; ++j) s += inv_sqrt[i * n + j] * y[j];
                total += s * s;
            }
            return total;
        };

        std::vector<double> y(lambda * n);
        double const clip =
            std::sqrt(static_cast<double>(n)) + 2.0 * static_cast<double>(n) / static_cast<double>(n + 2);
        for (std::size_t k = 0; k < lambda; ++k) {
            double* yk = y.data() + k * n;
            for (std::size_t i = 0; i < n; ++i) yk[i] = (x[k * n + i] - m_mean[i]) / m_sigma;
            if (injected[k]) {
                double const norm = std::sqrt(mahalanobis_sq(yk));
                if (norm > clip)
                    for (std::size_t i = 0; i < n; ++i) yk[i] *= clip / norm;
            }
        }

        // Selection and recombination (eq. 41).
        std::vector<double> y_w(n, 0.0);
        for (std::size_t k = 0; k < m_par.mu; ++k)
            for (std::size_t i = 0; i < n; ++i) y_w[i] += m_par.weights[k] * y[k * n + i];
        for (std::size_t i = 0; i < n; ++i) m_mean[i] += m_par.cm * m_sigma * y_w[i];

        // Step-size control (eq. 43-44).
        double const cs = m_par.c_sigma;
        double const ps_rate = std::sqrt(cs * (2.0 - cs) * m_par.mu_eff);
        double norm_ps_sq = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            double s = 0.0;
            for (std::size_t j = 0; j < n; ++j) s += inv_sqrt[i * n + j] * y_w[j];
            m_ps[i] = (1.0 - cs) * m_ps[i] + ps_rate * s;
            norm_ps_sq += m_ps[i] * m_ps[i];
        }
        double const norm_ps = std::sqrt(norm_ps_sq);
        m_sigma *= std::exp(cs / m_par.d_sigma * (norm_ps / m_par.chi_n - 1.0));
        m_sigma = std::min(m_sigma, 1e32);

        // Covariance matrix adaptation (eq. 45-47).
        double const h_left =
            norm_ps / std::sqrt(1.0 - std::pow(1.0 - cs, 2.0 * static_cast<double>(m_generation + 1)));
        double const h_right = (1.4 + 2.0 / static_cast<double>(n + 1)) * m_par.chi_n;
        double const h_sigma = h_left < h_right ? 1.0 : 0.0;
        double const cc = m_par.cc;
        double const pc_rate = h_sigma * std::sqrt(cc * (2.0 - cc) * m_par.mu_eff);
        for (std::size_t i = 0; i < n; ++i) m_pc[i] = (1.0 - cc) * m_pc[i] + pc_rate * y_w[i];

        std::vector<double> w_io(lambda);
        for (std::size_t k = 0; k < lambda; ++k) {
            double const w = m_par.weights[k];
            w_io[k] = w >= 0.0 ? w : w * static_cast<double>(n) / (mahalanobis_sq(y.data() + k * n) + 1e-8);
        }
        double const delta_h = (1.0 - h_sigma) * cc * (2.0 - cc);
        double const keep = 1.0 + m_par.c1 * delta_h - m_par.c1 - m_par.cmu * m_par.weight_sum;
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = 0; j < n; ++j) {
                double rank_mu = 0.0;
                for (std::size_t k = 0; k < lambda; ++k) rank_mu += w_io[k] * y[k * n + i] * y[k * n + j];
                m_c[i * n + j] = keep * m_c[i * n + j] + m_par.c1 * m_pc[i] * m_pc[j] + m_par.cmu * rank_mu;
            }

        apply_margin();
        decompose();
    }

    bool finite() const noexcept {
        if (!std::isfinite(m_sigma) || !(m_sigma > 0.0)) return false;
        for (double v : m_mean)
            if (!std::isfinite(v)) return false;
        for (double v : m_c)
            if (!std::isfinite(v)) return false;
        return true;
    }

    // The termination tests of `cmaes` CMA.should_stop, then IPOP-CMA-ES' stagnation test.
    bool should_stop() {
        m_stop = find_stop();
        return m_stop != cma_stop::none;
    }

private:
    cma_stop find_stop() const {
        std::size_t const n = m_par.n;
        if (m_generation > m_par.funhist_term) {
            auto const [lo, hi] = std::minmax_element(m_funhist.begin(), m_funhist.end());
            if (*hi - *lo < m_tolfun) return cma_stop::tolfun;
        }
        // The spread and the evolution path are below tolx in every coordinate. (`cmaes` compares
        // sigma * C_ii and the signed sigma * pc_i; this is the tutorial's sigma * sqrt(C_ii), |pc_i|.)
        bool all_small = true;
        for (std::size_t i = 0; i < n && all_small; ++i)
            all_small = spread(i) < m_tolx && m_sigma * std::abs(m_pc[i]) < m_tolx;
        if (all_small) return cma_stop::tolx;
        double const d_max = *std::max_element(m_d.begin(), m_d.end());
        double const d_min = *std::min_element(m_d.begin(), m_d.end());
        if (m_sigma * d_max > 1e4) return cma_stop::tolxup;
        for (std::size_t i = 0; i < n; ++i)
            if (m_mean[i] == m_mean[i] + 0.2 * spread(i)) return cma_stop::no_effect_coord;
        std::size_t const axis = static_cast<std::size_t>(m_generation % n);
        bool no_effect = true;
        for (std::size_t i = 0; i < n && no_effect; ++i)
            no_effect = m_mean[i] == m_mean[i] + 0.1 * m_sigma * m_d[axis] * m_b[i * n + axis];
        if (no_effect) return cma_stop::no_effect_axis;
        if (d_max / d_min > 1e14) return cma_stop::condition;
        if (stagnated()) return cma_stop::stagnation;
        return cma_stop::none;
    }

    // Auger and Hansen (2005): over the last 20% of the generations, but at least 120 + 30 n / lambda
    // and at most 20000, the median of the most recent 30% of the best and of the median losses is
    // no better than the median of the first 30%.
    bool stagnated() const {
        auto const min_length =
            static_cast<std::size_t>(120.0 + 30.0 * static_cast<double>(m_par.n) / static_cast<double>(m_par.lambda));
        std::size_t const g = m_best_history.size();
        if (g < min_length) return false;
        std::size_t const length = std::min(g, std::max(min_length, (g + 4) / 5));
        std::size_t const part = (3 * length + 9) / 10;
        auto median = [](std::vector<double> values) {
            std::sort(values.begin(), values.end());
            std::size_t const h = values.size() / 2;
            return values.size() % 2 ? values[h] : 0.5 * (values[h - 1] + values[h]);
        };
        auto no_progress = [&](std::vector<double> const& history) {
            auto const first = history.end() - static_cast<std::ptrdiff_t>(length);
            double const early = median(std::vector<double>(first, first + static_cast<std::ptrdiff_t>(part)));
            double const late =
                median(std::vector<double>(history.end() - static_cast<std::ptrdiff_t>(part), history.end()));
            return late >= early;
        };
        return no_progress(m_best_history) && no_progress(m_median_history);
    }

    // The margin of discrete coordinates, after CMA-ES with margin (Hamano et al. 2022), with the
    // spread bounded from below instead of scaled at sampling time: a coordinate whose mean sits in an
    // inner slice crosses each of its two boundaries with probability >= margin / 2, one in an end
    // slice crosses its one inner boundary with probability >= margin. The spread is raised by scaling
    // row and column i of C (C stays positive definite), then the mean is moved towards the boundary
    // it is too far from. Should the scaled entries grow large, their scale moves into sigma (sigma^2 C
    // and every termination test are unchanged), so a long run on integers cannot overflow.
    void apply_margin() {
        std::size_t const n = m_par.n;
        for (std::size_t i = 0; i < n; ++i) {
            if (m_floor[i] <= 0.0) continue;
            double const s = spread(i);
            if (s >= m_floor[i]) continue;
            double const a = s > 0.0 ? m_floor[i] / s : 1.0;
            for (std::size_t j = 0; j < n; ++j) {
                m_c[i * n + j] *= a;
                m_c[j * n + i] *= a;
            }
        }
        double c_max = 0.0;
        for (std::size_t i = 0; i < n; ++i) c_max = std::max(c_max, m_c[i * n + i]);
        if (c_max > 1e8) {
            double const root = std::sqrt(c_max);
            for (double& v : m_c) v /= c_max;
            for (double& v : m_pc) v /= root;
            m_sigma *= root;
        }
        for (std::size_t i = 0; i < n; ++i) {
            if (m_floor[i] <= 0.0) continue;
            double const s = spread(i);
            std::uint64_t const count = m_counts[i];
            std::uint64_t const k = unit_to_index(std::clamp(m_mean[i], 0.0, 1.0), count);
            double const low = static_cast<double>(k) / static_cast<double>(count);
            double const high = static_cast<double>(k + 1) / static_cast<double>(count);
            if (k == 0) m_mean[i] = std::max(m_mean[i], high - s * m_z_one);
            else if (k + 1 == count) m_mean[i] = std::min(m_mean[i], low + s * m_z_one);
            else if (m_mean[i] < high - s * m_z_two) m_mean[i] = high - s * m_z_two;
            else if (m_mean[i] > low + s * m_z_two) m_mean[i] = low + s * m_z_two;
        }
    }

    // B and D of C, as `cmaes` CMA._eigen_decomposition: C is symmetrised, eigenvalues below zero
    // become 1e-8, and C is rebuilt from B and D. Jacobi starts from the previous eigenbasis, in which
    // C is nearly diagonal, so a few sweeps suffice (4x faster at d = 50).
    void decompose() {
        std::size_t const n = m_par.n;
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = i + 1; j < n; ++j) {
                double const s = 0.5 * (m_c[i * n + j] + m_c[j * n + i]);
                m_c[i * n + j] = s;
                m_c[j * n + i] = s;
            }
        std::vector<double> cb(n * n, 0.0), rotated(n * n, 0.0), v(n * n, 0.0);
        for (std::size_t i = 0; i < n; ++i) // C B
            for (std::size_t j = 0; j < n; ++j) {
                double s = 0.0;
                for (std::size_t k = 0; k < n; ++k) s += m_c[i * n + k] * m_b[k * n + j];
                cb[i * n + j] = s;
            }
        for (std::size_t i = 0; i < n; ++i) // B^T C B, symmetric up to rounding
            for (std::size_t j = i; j < n; ++j) {
                double s = 0.0;
                for (std::size_t k = 0; k < n; ++k) s += m_b[k * n + i] * cb[k * n + j];
                rotated[i * n + j] = s;
                rotated[j * n + i] = s;
            }
        jacobi_eigen(rotated, n, m_d, v, m_work);
        for (std::size_t i = 0; i < n; ++i) // B <- B V
            for (std::size_t j = 0; j < n; ++j) {
                double s = 0.0;
                for (std::size_t k = 0; k < n; ++k) s += m_b[i * n + k] * v[k * n + j];
                cb[i * n + j] = s;
            }
        m_b.swap(cb);
        for (double& d : m_d) d = std::sqrt(d < 0.0 ? 1e-8 : d);
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = 0; j < n; ++j) {
                double s = 0.0;
                for (std::size_t k = 0; k < n; ++k) s += m_b[i * n + k] * m_d[k] * m_d[k] * m_b[j * n + k];
                m_c[i * n + j] = s;
            }
    }

    cma_parameters m_par;
    std::vector<std::uint64_t> m_counts; // values of a discrete coordinate, 0 when continuous
    std::vector<double> m_mean;
    double m_sigma = 1.0;
    double m_tolx = 0.0;
    double m_tolfun = 1e-12;
    std::vector<double> m_c;     // n x n, row-major
    std::vector<double> m_b;     // eigenvectors in columns
    std::vector<double> m_d;     // square roots of the eigenvalues
    std::vector<double> m_ps;    // evolution path of sigma
    std::vector<double> m_pc;    // evolution path of C
    std::vector<double> m_floor; // least spread of a discrete coordinate, 0 for the others
    double m_z_one = 0.0;        // Phi^-1(1 - margin)
    double m_z_two = 0.0;        // Phi^-1(1 - margin / 2)
    std::vector<double> m_funhist;
    std::vector<double> m_best_history;
    std::vector<double> m_median_history;
    std::vector<double> m_work;
    std::uint64_t m_generation = 0;
    cma_stop m_stop = cma_stop::none;
};

} // namespace htune::samplers::detail
