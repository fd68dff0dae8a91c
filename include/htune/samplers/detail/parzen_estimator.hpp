#pragma once
// The Parzen estimators behind samplers/tpe.hpp, in the unit coordinates of samplers/dimension.hpp.
// They follow Optuna 3.1's _ParzenEstimator (optuna/samplers/_tpe/parzen_estimator.py): one Gaussian
// per observation truncated to [0, 1], plus a prior component N(0.5, 1); bandwidths from the neighbours
// (univariate) or Scott's rule (multivariate); grid values scored by the mass of their slice, and
// categories by a histogram smoothed with the prior weight.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numbers>
#include <span>
#include <utility>
#include <vector>

#include "../../core/errors.hpp"
#include "../../core/rng.hpp"
#include "../dimension.hpp"

namespace htune::samplers::detail {

struct parzen_settings {
    double prior_weight = 1.0;
    bool consider_prior = true;
    bool consider_magic_clip = true;
    bool consider_endpoints = false;
    // true: log_pdf is a density (integrates to 1), as Optuna >= 3.5. false: Optuna 3.1's value, whose
    // truncated-normal log pdf lacks the -log(sigma) term (optuna issue #5109): each continuous kernel
    // counts as if weighted by its bandwidth. Grid and categorical kernels are the same either way.
    bool normalized = true;
    // Per-observation weights in trial order (empty: all 1). They multiply Optuna's default_weights
    // and are scaled to mean 1, so the prior keeps its share.
    std::span<double const> weights = {};
    // Multivariate bandwidths from each dimension's spread instead of one for all (see
    // multivariate_parzen).
    bool spread_bandwidth = false;
};

inline constexpr double parzen_eps = 1e-12; // smallest bandwidth without the magic clip (Optuna's EPS)
inline constexpr double log_sqrt_2pi = 0.918938533204672741780329736406;
inline constexpr double sigma0_magnitude = 0.2; // Scott's-rule factor of the multivariate mode

// Buffers kept between asks grow geometrically: a plain resize from a smaller size (the previous
// dimension's) would reallocate to the exact size on every ask as the history grows by one.
template <class T>
void resize_buffer(std::vector<T>& v, std::size_t n) {
    if (n > v.capacity()) v.reserve(std::max(n, 2 * v.capacity()));
    v.resize(n);
}

template <class T>
void assign_buffer(std::vector<T>& v, std::size_t n, T const& value) {
    if (n > v.capacity()) v.reserve(std::max(n, 2 * v.capacity()));
    v.assign(n, value);
}

inline double normal_cdf(double z) noexcept {
    return 0.5 * std::erfc(-z / std::numbers::sqrt2);
}

// log Phi(z), accurate in both tails; below -20 the asymptotic series (as scipy's log_ndtr).
inline double log_normal_cdf(double z) noexcept {
    if (z > 6.0) return std::log1p(-normal_cdf(-z));
    if (z > -20.0) return std::log(normal_cdf(z));
    double const log_lhs = -0.5 * z * z - std::log(-z) - log_sqrt_2pi;
    double const denom_step = 1.0 / (z * z);
    double last = 0.0, rhs = 1.0, numerator = 1.0, denom = 1.0, sign = 1.0;
    for (int i = 1; i < 64 && std::abs(last - rhs) > std::numeric_limits<double>::epsilon(); ++i) {
        last = rhs;
        sign = -sign;
        denom *= denom_step;
        numerator *= 2.0 * i - 1.0;
        rhs += sign * numerator * denom;
    }
    return log_lhs + std::log(rhs);
}

// Phi(b) - Phi(a) for a <= b, from the tail where erfc is accurate. A tail beyond 8.5 is below 2^-54
// and cannot change 1 - tail, so it is not computed: the result is the same bit for bit.
inline double gauss_mass(double a, double b) noexcept {
    constexpr double s = std::numbers::sqrt2;
    if (b <= 0.0) return 0.5 * (std::erfc(-b / s) - std::erfc(-a / s));
    if (a > 0.0) return 0.5 * (std::erfc(a / s) - std::erfc(b / s));
    double const left = a < -8.5 ? 0.0 : normal_cdf(a);
    double const right = b > 8.5 ? 0.0 : normal_cdf(-b);
    return (1.0 - left) - right;
}

inline double log_gauss_mass(double a, double b) noexcept {
    auto const log_diff = [](double lp, double lq) { return lp + std::log1p(-std::exp(lq - lp)); };
    if (b <= 0.0) return log_diff(log_normal_cdf(b), log_normal_cdf(a));
    if (a > 0.0) return log_diff(log_normal_cdf(-a), log_normal_cdf(-b));
    return std::log1p(-normal_cdf(a) - normal_cdf(-b));
}

// N(mu, sigma) truncated to [0, 1], by rejection: with mu in [0, 1] and sigma <= 1 at least a third of
// the draws land inside.
inline double sample_truncated(rng& g, double mu, double sigma) noexcept {
    for (int attempt = 0; attempt < 256; ++attempt) {
        double const x = mu + sigma * standard_normal(g);
        if (x >= 0.0 && x <= 1.0) return x;
    }
    return std::clamp(mu, 0.0, 1.0);
}

// Optuna's default_weights: 1 for the newest 25 observations, a ramp from 1/n up to 1 for older ones.
inline void default_weights(std::size_t n, std::vector<double>& w) {
    assign_buffer(w, n, 1.0);
    if (n <= 25) return;
    std::size_t const ramp = n - 25;
    double const start = 1.0 / static_cast<double>(n);
    if (ramp == 1) {
        w[0] = start;
        return;
    }
    double const step = (1.0 - start) / static_cast<double>(ramp - 1); // as numpy.linspace
    for (std::size_t i = 0; i < ramp; ++i) w[i] = static_cast<double>(i) * step + start;
    w[ramp - 1] = 1.0;
}

// Mixture weights of n observations (chronological) and the prior (last), normalised; returns
// whether the prior is a component (forced when there are no observations, as in Optuna).
inline bool mixture_weights(std::size_t n, parzen_settings const& s, std::vector<double>& w) {
    bool const prior = s.consider_prior || n == 0;
    default_weights(n, w);
    if (!s.weights.empty()) {
        HTUNE_ASSERT(s.weights.size() == n);
        double total = 0.0;
        for (double x : s.weights) total += x;
        if (total > 0.0)
            for (std::size_t i = 0; i < n; ++i) w[i] *= s.weights[i] * static_cast<double>(n) / total;
    }
    if (prior) w.push_back(s.prior_weight);
    double total = 0.0;
    for (double x : w) total += x;
    for (double& x : w) x /= total;
    return prior;
}

// Index of the component a uniform draw picks from cumulative weights.
inline std::size_t pick_component(rng& g, std::vector<double> const& cumulative) noexcept {
    double const u = uniform01(g) * cumulative.back();
    auto const it = std::upper_bound(cumulative.begin(), cumulative.end(), u);
    auto const k = static_cast<std::size_t>(it - cumulative.begin());
    return k < cumulative.size() ? k : cumulative.size() - 1;
}

// One continuous (count == 0) or grid (count values) dimension, univariate bandwidths. A grid value is
// scored by the mass of its slice [i / count, (i + 1) / count], Optuna's "bounds widened by half a step".
class numeric_parzen {
public:
    using entry = std::pair<double, std::size_t>; // (value, index in trial order)

    void fit(std::span<double const> values, std::uint64_t count, parzen_settings const& s) {
        m_sorted.clear();
        for (std::size_t i = 0; i < values.size(); ++i) m_sorted.emplace_back(values[i], i);
        std::sort(m_sorted.begin(), m_sorted.end()); // (value, index): a total order, so one result
        fit_sorted(m_sorted, count, s);
    }

    // The same from the observations already sorted by (value, index); indices are 0..n-1 in trial
    // order, so that the weights ramp as in Optuna.
    void fit_sorted(std::span<entry const> sorted, std::uint64_t count, parzen_settings const& s) {
        std::size_t const n = sorted.size();
        m_prior = mixture_weights(n, s, m_raw);
        m_half = count == 0 ? 0.0 : 0.5 / static_cast<double>(count);
        m_count = count;
        m_normalized = s.normalized;

        // The prior's mean 0.5 joins the sorted means (after equal values: its index n is the largest).
        m_order.clear();
        bool prior_placed = !m_prior;
        for (entry const& e : sorted) {
            if (!prior_placed && e.first > 0.5) {
                m_order.emplace_back(0.5, n);
                prior_placed = true;
            }
            m_order.push_back(e);
        }
        if (!prior_placed) m_order.emplace_back(0.5, n);

        // Bandwidth: the larger gap to a neighbour, the ends of [0, 1] counting as neighbours except
        // for the outermost means (consider_endpoints = false); clipped to [1 / min(100, 1 + L), 1].
        std::size_t const L = m_order.size();
        double const min_sigma =
            s.consider_magic_clip ? 1.0 / std::min(100.0, 1.0 + static_cast<double>(L)) : parzen_eps;
        m_mu.clear();
        m_sigma.clear();
        m_weight.clear();
        m_prior_weight = 0.0;
        for (std::size_t r = 0; r < L; ++r) {
            auto const [mu, index] = m_order[r];
            if (index == n) { // the prior keeps sigma = 1
                m_prior_weight = m_raw[n];
                continue;
            }
            double const left = r == 0 ? 0.0 : m_order[r - 1].first;
            double const right = r + 1 == L ? 1.0 : m_order[r + 1].first;
            double sigma = std::max(mu - left, right - mu);
            if (!s.consider_endpoints && L >= 2) {
                if (r == 0) sigma = right - mu;
                else if (r + 1 == L) sigma = mu - left;
            }
            sigma = std::clamp(sigma, min_sigma, 1.0);
            if (!m_mu.empty() && m_mu.back() == mu && m_sigma.back() == sigma) {
                m_weight.back() += m_raw[index]; // repeated grid values: one component, same density
                continue;
            }
            m_mu.push_back(mu);
            m_sigma.push_back(sigma);
            m_weight.push_back(m_raw[index]);
        }

        m_cumulative.clear();
        double acc = 0.0;
        for (double w : m_weight) m_cumulative.push_back(acc += w);
        if (m_prior) m_cumulative.push_back(acc += m_prior_weight);

        // Blocks of neighbouring components with a bound on their density, so that log_pdf skips the
        // ones that cannot matter: Z >= Phi(1) - Phi(0) for any mean in [0, 1] and sigma <= 1.
        constexpr double z_floor = 0.3413447460685429;
        double const width = count == 0 ? 1.0 : 2.0 * m_half;
        std::size_t const nc = m_mu.size();
        resize_buffer(m_inv_sigma, nc);
        resize_buffer(m_coef, nc);
        m_blocks.clear();
        for (std::size_t b = 0; b < nc; b += block_size) {
            std::size_t const e = std::min(b + block_size, nc);
            block blk{m_mu[b], m_mu[e - 1], 0.0, 0.0, false, false, 0.0, 0.0, 0.0};
            double coef_max = 0.0;
            for (std::size_t k = b; k < e; ++k) {
                m_inv_sigma[k] = 1.0 / m_sigma[k];
                blk.sigma_max = std::max(blk.sigma_max, m_sigma[k]);
                coef_max = std::max(coef_max, m_weight[k] * (m_normalized || count != 0 ? m_inv_sigma[k] : 1.0));
            }
            blk.log_bound = std::log(static_cast<double>(e - b) * coef_max * width / z_floor) - log_sqrt_2pi;
            m_blocks.push_back(blk);
        }
        resize_buffer(m_series, m_blocks.size() * series_terms);
        m_prior_z = gauss_mass(-0.5, 0.5);
    }

    // A draw from the mixture, snapped to its slice centre on a grid.
    double sample(rng& g) const {
        std::size_t const k = pick_component(g, m_cumulative);
        double const x = k < m_mu.size() ? sample_truncated(g, m_mu[k], m_sigma[k]) : sample_truncated(g, 0.5, 1.0);
        return m_count == 0 ? x : index_to_unit(unit_to_index(x, m_count), m_count);
    }

    // log density at x (continuous), or log mass of the slice centred on x (grid). Non-const: the
    // truncation masses are computed per block when first needed; the result never depends on that.
    double log_pdf(double x) {
        double const lo = m_count == 0 ? x : std::max(x - m_half, 0.0);
        double const hi = m_count == 0 ? x : std::min(x + m_half, 1.0);
        double sum = 0.0;
        double log_ref = -std::numeric_limits<double>::infinity();
        if (m_prior) {
            sum = m_prior_weight *
                  (m_count == 0 ? std::exp(-0.5 * (x - 0.5) * (x - 0.5) - log_sqrt_2pi)
                                : gauss_mass(lo - 0.5, hi - 0.5)) /
                  m_prior_z;
            log_ref = std::log(sum) - skip_log_ratio;
        }
        for (std::size_t b = 0; b < m_blocks.size(); ++b) {
            block& blk = m_blocks[b];
            double const d = std::max({0.0, blk.lo - hi, lo - blk.hi}) / blk.sigma_max;
            if (blk.log_bound - 0.5 * d * d < log_ref) continue; // below 1e-20 of the total
            std::size_t const begin = b * block_size, end = std::min(begin + block_size, m_mu.size());
            if (!blk.ready) prepare(blk, b, begin, end);
            if (m_count == 0 && blk.expand) {
                double const u = (x - blk.centre) * blk.inv_sigma;
                if (std::abs(u) * blk.radius <= 1.0) {
                    double const* c = m_series.data() + b * series_terms;
                    double poly = c[series_terms - 1];
                    for (std::size_t p = series_terms - 1; p-- > 0;) poly = poly * u + c[p];
                    sum += std::exp(-0.5 * u * u) * poly;
                    continue;
                }
            }
            if (m_count == 0) {
                for (std::size_t k = begin; k < end; ++k) {
                    double const z = (x - m_mu[k]) * m_inv_sigma[k];
                    sum += m_coef[k] * std::exp(-0.5 * z * z);
                }
            } else {
                for (std::size_t k = begin; k < end; ++k)
                    sum += m_coef[k] * gauss_mass((lo - m_mu[k]) * m_inv_sigma[k], (hi - m_mu[k]) * m_inv_sigma[k]);
            }
        }
        if (sum > std::numeric_limits<double>::min()) return std::log(sum);
        return log_pdf_underflow(lo, hi, x);
    }

private:
    static constexpr std::size_t block_size = 32;
    static constexpr double skip_log_ratio = 46.0517; // log(1e20)

    // A block's components with one bandwidth (the clipped ones, where observations are dense) also
    // sum as a series around the block's centre: with d_k = (mu_k - centre) / sigma, u = (x - centre)
    // / sigma, sum_k c_k exp(-(u - d_k)^2 / 2) = exp(-u^2 / 2) sum_p u^p B_p, with
    // B_p = sum_k c_k exp(-d_k^2 / 2) d_k^p / p!. Used while |u| max|d_k| <= 1: the first 21 terms then
    // leave out less than 1e-18 of the block's sum (e^2 / 21!).
    static constexpr std::size_t series_terms = 21;

    struct block {
        double lo, hi, sigma_max, log_bound;
        bool ready, expand;
        double centre, inv_sigma, radius;
    };

    // Weight over truncation mass (and over sigma sqrt(2 pi) for a density) of the block's components.
    void prepare(block& blk, std::size_t b, std::size_t begin, std::size_t end) {
        double const norm = m_count == 0 ? std::exp(-log_sqrt_2pi) : 1.0;
        for (std::size_t k = begin; k < end; ++k) {
            double const z = gauss_mass(-m_mu[k] * m_inv_sigma[k], (1.0 - m_mu[k]) * m_inv_sigma[k]);
            m_coef[k] = m_weight[k] / z * (m_count != 0 ? 1.0 : m_normalized ? norm * m_inv_sigma[k] : norm);
        }
        blk.ready = true;
        // A series only pays for a tight block, usable for candidates within 2 sigma of it.
        if (m_count != 0 || end - begin < 2 || 0.5 * (blk.hi - blk.lo) * m_inv_sigma[begin] > 0.5) return;
        for (std::size_t k = begin + 1; k < end; ++k)
            if (m_sigma[k] != m_sigma[begin]) return;
        blk.expand = true;
        blk.centre = 0.5 * (blk.lo + blk.hi);
        blk.inv_sigma = m_inv_sigma[begin];
        blk.radius = 0.5 * (blk.hi - blk.lo) * blk.inv_sigma;
        static constexpr auto inverse = [] {
            std::array<double, series_terms> r{};
            for (std::size_t p = 1; p < series_terms; ++p) r[p] = 1.0 / static_cast<double>(p);
            return r;
        }();
        double* c = m_series.data() + b * series_terms;
        std::fill(c, c + series_terms, 0.0);
        for (std::size_t k = begin; k < end; ++k) {
            double const d = (m_mu[k] - blk.centre) * blk.inv_sigma;
            double term = m_coef[k] * std::exp(-0.5 * d * d);
            c[0] += term;
            for (std::size_t p = 1; p < series_terms; ++p) {
                term *= d * inverse[p];
                c[p] += term;
            }
        }
    }

    // The same sum in log space, for a point where every term underflows (only without the prior).
    double log_pdf_underflow(double lo, double hi, double x) const {
        auto const log_term = [&](double w, double mu, double sigma) {
            double const log_z = std::log(gauss_mass(-mu / sigma, (1.0 - mu) / sigma));
            if (m_count == 0) {
                double const z = (x - mu) / sigma;
                return std::log(w) - 0.5 * z * z - log_sqrt_2pi - (m_normalized ? std::log(sigma) : 0.0) - log_z;
            }
            return std::log(w) + log_gauss_mass((lo - mu) / sigma, (hi - mu) / sigma) - log_z;
        };
        double best = -std::numeric_limits<double>::infinity();
        for (std::size_t k = 0; k < m_mu.size(); ++k) best = std::max(best, log_term(m_weight[k], m_mu[k], m_sigma[k]));
        if (m_prior) best = std::max(best, log_term(m_prior_weight, 0.5, 1.0));
        if (!std::isfinite(best)) return best;
        double sum = 0.0;
        for (std::size_t k = 0; k < m_mu.size(); ++k)
            sum += std::exp(log_term(m_weight[k], m_mu[k], m_sigma[k]) - best);
        if (m_prior) sum += std::exp(log_term(m_prior_weight, 0.5, 1.0) - best);
        return best + std::log(sum);
    }

    std::uint64_t m_count = 0;
    double m_half = 0.0;
    bool m_normalized = true;
    bool m_prior = true;
    double m_prior_weight = 0.0;
    double m_prior_z = 1.0;
    std::vector<double> m_raw;
    std::vector<entry> m_sorted, m_order;
    std::vector<double> m_mu, m_sigma, m_inv_sigma, m_weight, m_coef, m_cumulative; // sorted by mean
    std::vector<block> m_blocks;
    std::vector<double> m_series; // series_terms coefficients B_p per block
};

// One categorical dimension: each observation puts weight 1 on its category plus prior_weight / (n + 1)
// on every category; the prior component is uniform. Univariate, so the mixture is summed per category.
class categorical_parzen {
public:
    void fit(std::span<double const> values, std::uint64_t count, parzen_settings const& s) {
        std::size_t const n = values.size();
        bool const prior = mixture_weights(n, s, m_weights);
        double const v = s.prior_weight / static_cast<double>(prior ? n + 1 : n);
        double const row_total = static_cast<double>(count) * v + 1.0;
        double observed = 0.0;
        for (std::size_t i = 0; i < n; ++i) observed += m_weights[i];
        double const base = (prior ? m_weights[n] / static_cast<double>(count) : 0.0) + observed * v / row_total;
        m_count = count;
        assign_buffer(m_p, count, base);
        for (std::size_t i = 0; i < n; ++i) m_p[unit_to_index(values[i], count)] += m_weights[i] / row_total;
        m_cumulative.clear();
        double acc = 0.0;
        for (double p : m_p) m_cumulative.push_back(acc += p);
    }

    // A draw from the mixture's marginal (the same distribution as component, then category).
    double sample(rng& g) const { return index_to_unit(pick_component(g, m_cumulative), m_count); }

    double log_pdf(double x) const { return std::log(m_p[unit_to_index(x, m_count)]); }

private:
    std::uint64_t m_count = 0;
    std::vector<double> m_weights, m_p, m_cumulative;
};

// One joint estimator over several dimensions (Optuna's multivariate TPE): component k is the product
// of per-dimension kernels around observation k, with the bandwidth 0.2 n^(-1 / (d + 4)) in every
// numeric dimension (Scott's rule, as BOHB), clipped like the univariate one.
// With spread_bandwidth, dimension j's bandwidth is that one times spread_j / sqrt(1/12), spread_j being
// the observations' min(standard deviation, interquartile range / 1.34) in j (Silverman's robust
// scale): the same for points spread uniformly, narrower in a dimension where the group has gathered.
class multivariate_parzen {
public:
    // rows: n observations of dims.size() coordinates each, row-major, in chronological order.
    void fit(std::span<double const> rows, std::span<unit_layout const> dims, parzen_settings const& s) {
        std::size_t const nd = dims.size();
        std::size_t const n = nd == 0 ? 0 : rows.size() / nd;
        m_n = n;
        m_dims.assign(dims.begin(), dims.end());
        m_prior = mixture_weights(n, s, m_weights);
        m_cumulative.clear();
        double acc = 0.0;
        for (double w : m_weights) m_cumulative.push_back(acc += w);

        double const sigma0 = sigma0_magnitude * std::pow(static_cast<double>(std::max<std::size_t>(n, 1)),
                                                          -1.0 / (static_cast<double>(nd) + 4.0));
        double const components = static_cast<double>(n + (m_prior ? 1 : 0));
        double const min_sigma = s.consider_magic_clip ? 1.0 / std::min(100.0, 1.0 + components) : parzen_eps;
        double const sigma = std::clamp(sigma0, min_sigma, 1.0);
        double const v = s.prior_weight / static_cast<double>(m_prior ? n + 1 : n);
        constexpr double uniform_spread = 0.28867513459481287; // sqrt(1 / 12)

        m_continuous.clear();
        m_other.clear();
        m_per_dim.resize(nd);
        for (std::size_t d = 0; d < nd; ++d) {
            per_dim& pd = m_per_dim[d];
            (dims[d].kind == dimension_kind::continuous ? m_continuous : m_other).push_back(d);
            if (dims[d].kind == dimension_kind::categorical) {
                double const row_total = static_cast<double>(dims[d].count) * v + 1.0;
                pd.log_hit = std::log((v + 1.0) / row_total);
                pd.log_miss = std::log(v / row_total);
                pd.v = v;
                continue;
            }
            pd.sigma = sigma;
            if (s.spread_bandwidth && n >= 2)
                pd.sigma = std::clamp(sigma0 * spread(rows, nd, d) / uniform_spread, min_sigma, 1.0);
            pd.inv_sigma = 1.0 / pd.sigma;
            if (dims[d].kind == dimension_kind::discrete && dims[d].count <= offset_table_limit)
                assign_buffer(pd.offset_log_mass, 2 * dims[d].count - 1, std::numeric_limits<double>::quiet_NaN());
            else pd.offset_log_mass.clear();
        }

        // Row-major means (categories as their index) and each component's constant part: log weight,
        // minus the log normalisers and truncation masses of its numeric kernels.
        // (Each mass is >= Phi(1) - Phi(0), so their product does not underflow before ~600 dimensions.)
        double log_norm = 0.0;
        for (std::size_t d : m_continuous)
            log_norm += (s.normalized ? std::log(m_per_dim[d].sigma) : 0.0) + log_sqrt_2pi;
        resize_buffer(m_mu, nd * n);
        resize_buffer(m_columns, m_continuous.size() * n);
        resize_buffer(m_base, n);
        resize_buffer(m_index, m_other.size() * n);
        for (std::size_t j = 0; j < m_other.size(); ++j)
            for (std::size_t k = 0; k < n; ++k)
                m_index[j * n + k] = unit_to_index(rows[k * nd + m_other[j]], dims[m_other[j]].count);
        for (std::size_t k = 0; k < n; ++k) {
            double mass = 1.0;
            for (std::size_t d = 0; d < nd; ++d) {
                double const u = rows[k * nd + d];
                if (dims[d].kind == dimension_kind::categorical) {
                    m_mu[k * nd + d] = static_cast<double>(unit_to_index(u, dims[d].count));
                    continue;
                }
                m_mu[k * nd + d] = u;
                mass *= gauss_mass(-u / m_per_dim[d].sigma, (1.0 - u) / m_per_dim[d].sigma);
            }
            m_base[k] = std::log(m_weights[k] / mass) - log_norm;
        }
        for (std::size_t j = 0; j < m_continuous.size(); ++j)
            for (std::size_t k = 0; k < n; ++k) m_columns[j * n + k] = m_mu[k * nd + m_continuous[j]];
        m_prior_log_z = std::log(gauss_mass(-0.5, 0.5));
    }

    void sample(rng& g, std::span<double> out) const {
        std::size_t const k = pick_component(g, m_cumulative);
        bool const prior = k >= m_n;
        std::size_t const nd = m_dims.size();
        for (std::size_t d = 0; d < nd; ++d) {
            unit_layout const& dim = m_dims[d];
            if (dim.kind == dimension_kind::categorical) {
                out[d] = index_to_unit(sample_category(g, d, prior ? m_n : k), dim.count);
                continue;
            }
            double const x =
                prior ? sample_truncated(g, 0.5, 1.0) : sample_truncated(g, m_mu[k * nd + d], m_per_dim[d].sigma);
            out[d] = dim.kind == dimension_kind::continuous ? x : index_to_unit(unit_to_index(x, dim.count), dim.count);
        }
    }

    // log of the mixture density at x (log-sum-exp over the components). Terms below e^-40 / (n + 1)
    // of the largest are left out: together they are below e^-40 of the sum. Non-const: grid log masses
    // are kept per slice offset for the fit; the result never depends on that.
    double log_pdf(std::span<double const> x) {
        std::size_t const n = m_n, nd = m_dims.size();
        double prior_term = m_prior ? std::log(m_weights[n]) : 0.0;
        for (std::size_t d = 0; d < nd; ++d) {
            unit_layout const& dim = m_dims[d];
            if (dim.kind == dimension_kind::categorical) {
                prior_term -= std::log(static_cast<double>(dim.count));
            } else if (dim.kind == dimension_kind::continuous) {
                double const zp = x[d] - 0.5;
                prior_term -= 0.5 * zp * zp + log_sqrt_2pi + m_prior_log_z;
            } else {
                double const half = 0.5 / static_cast<double>(dim.count);
                prior_term +=
                    log_gauss_mass(std::max(x[d] - half, 0.0) - 0.5, std::min(x[d] + half, 1.0) - 0.5) - m_prior_log_z;
            }
        }
        // Kernels one dimension at a time, over the components' means of that dimension (contiguous,
        // so the continuous loop vectorises); each component's terms add up in dimension order.
        resize_buffer(m_acc, n);
        std::copy(m_base.begin(), m_base.begin() + static_cast<std::ptrdiff_t>(n), m_acc.begin());
        for (std::size_t j = 0; j < m_continuous.size(); ++j) {
            std::size_t const d = m_continuous[j];
            double const xd = x[d], inv_sigma = m_per_dim[d].inv_sigma;
            double const* mu = m_columns.data() + j * n;
            double* acc = m_acc.data();
            for (std::size_t k = 0; k < n; ++k) {
                double const z = (xd - mu[k]) * inv_sigma;
                acc[k] -= 0.5 * z * z;
            }
        }
        for (std::size_t j = 0; j < m_other.size(); ++j) add_other(j, x[m_other[j]]);
        double best = m_prior ? prior_term : -std::numeric_limits<double>::infinity();
        for (double a : m_acc) best = std::max(best, a);
        if (!std::isfinite(best)) return best;
        double const floor = best - (std::log(static_cast<double>(n + 1)) + 40.0);
        double sum = m_prior && prior_term >= floor ? std::exp(prior_term - best) : 0.0;
        for (double a : m_acc)
            if (a >= floor) sum += std::exp(a - best);
        return best + std::log(sum);
    }

private:
    static constexpr std::uint64_t offset_table_limit = std::uint64_t{1} << 16;

    // min(sample standard deviation, interquartile range / 1.34) of column d of n >= 2 rows; quartiles
    // interpolated between order statistics (numpy's default). O(n): nth_element, not a sort.
    double spread(std::span<double const> rows, std::size_t nd, std::size_t d) {
        std::size_t const n = rows.size() / nd;
        resize_buffer(m_column, n);
        double mean = 0.0;
        for (std::size_t k = 0; k < n; ++k) mean += (m_column[k] = rows[k * nd + d]);
        mean /= static_cast<double>(n);
        double squares = 0.0;
        for (double x : m_column) squares += (x - mean) * (x - mean);
        double const sd = std::sqrt(squares / static_cast<double>(n - 1));
        auto const quantile = [&](double f) {
            double const pos = f * static_cast<double>(n - 1);
            auto const i = static_cast<std::size_t>(pos);
            auto const at = m_column.begin() + static_cast<std::ptrdiff_t>(i);
            std::nth_element(m_column.begin(), at, m_column.end());
            double const lo = *at;
            if (i + 1 >= n) return lo;
            double const hi = *std::min_element(at + 1, m_column.end());
            return lo + (pos - static_cast<double>(i)) * (hi - lo);
        };
        double const iqr = (quantile(0.75) - quantile(0.25)) / 1.34;
        return iqr > 0.0 ? std::min(sd, iqr) : sd;
    }

    struct per_dim {
        double sigma = 1.0, inv_sigma = 1.0;           // numeric
        double v = 0.0, log_hit = 0.0, log_miss = 0.0; // categorical
        std::vector<double> offset_log_mass;           // grid: per slice offset, NaN until needed
    };

    // Adds each component's grid kernel log mass on x's slice, or categorical kernel log weight of x's
    // category, for the j-th non-continuous dimension.
    void add_other(std::size_t j, double x) {
        std::size_t const n = m_n, d = m_other[j];
        unit_layout const& dim = m_dims[d];
        per_dim& pd = m_per_dim[d];
        std::uint64_t const* index = m_index.data() + j * n;
        double* acc = m_acc.data();
        if (dim.kind == dimension_kind::categorical) {
            std::uint64_t const c = unit_to_index(x, dim.count);
            for (std::size_t k = 0; k < n; ++k) acc[k] += index[k] == c ? pd.log_hit : pd.log_miss;
            return;
        }
        // A kernel's mass on a slice depends only on the offset between the two slices (slices never
        // reach past [0, 1]), so the log masses are kept per offset for the whole fit.
        auto const count = static_cast<std::ptrdiff_t>(dim.count);
        auto const xi = static_cast<std::ptrdiff_t>(unit_to_index(x, dim.count));
        double const width = 1.0 / static_cast<double>(dim.count);
        auto const log_mass = [&](std::ptrdiff_t offset) {
            double const lo = (static_cast<double>(offset) - 0.5) * width * pd.inv_sigma;
            return log_gauss_mass(lo, lo + width * pd.inv_sigma);
        };
        if (pd.offset_log_mass.empty()) { // a very fine grid
            for (std::size_t k = 0; k < n; ++k) acc[k] += log_mass(xi - static_cast<std::ptrdiff_t>(index[k]));
            return;
        }
        for (std::size_t k = 0; k < n; ++k) {
            std::ptrdiff_t const offset = xi - static_cast<std::ptrdiff_t>(index[k]);
            double& value = pd.offset_log_mass[static_cast<std::size_t>(offset + count - 1)];
            if (std::isnan(value)) value = log_mass(offset);
            acc[k] += value;
        }
    }

    // Optuna's row sampling: the first category whose cumulative weight reaches the draw.
    std::size_t sample_category(rng& g, std::size_t d, std::size_t k) const {
        std::uint64_t const count = m_dims[d].count;
        double const u = uniform01(g);
        if (k == m_n)
            return std::min<std::uint64_t>(static_cast<std::uint64_t>(u * static_cast<double>(count)), count - 1);
        double const v = m_per_dim[d].v;
        double const row_total = static_cast<double>(count) * v + 1.0;
        auto const hit = static_cast<std::uint64_t>(m_mu[k * m_dims.size() + d]);
        double cumulative = 0.0;
        for (std::uint64_t c = 0; c < count; ++c) {
            cumulative += (c == hit ? v + 1.0 : v) / row_total;
            if (u <= cumulative) return c;
        }
        return count - 1;
    }

    std::size_t m_n = 0;
    bool m_prior = true;
    double m_prior_log_z = 0.0;
    std::vector<unit_layout> m_dims;
    std::vector<std::size_t> m_continuous, m_other; // dimension indices by kind
    std::vector<double> m_weights, m_cumulative;
    std::vector<double> m_mu;           // row-major: [k * dims + d]
    std::vector<double> m_base;         // per component: log weight - log normalisers and truncation masses
    std::vector<std::uint64_t> m_index; // [j * n + k]: slice or category of component k in m_other[j]
    std::vector<per_dim> m_per_dim;
    std::vector<double> m_acc, m_column;
    std::vector<double> m_columns; // continuous means by dimension: [j * n + k] for m_continuous[j]
};

} // namespace htune::samplers::detail
