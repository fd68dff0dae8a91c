#pragma once
// Log expected improvement over a fitted GP, and its maximisation over a mixed space by
// multi-start local search (after Optuna 4's optim_mixed): many random candidates, then from the
// best of them, a few more drawn in proportion to EI, and the best observation, alternate
//   - projected L-BFGS over the continuous coordinates (and discrete ones with many values),
//   - exhaustive search over each categorical and each discrete dimension with few values,
//   - a look at the grid neighbours of discrete dimensions with many values,
// until nothing improves. The acquisition is always evaluated at snapped points (discrete values at
// their slice centres, categories as indices), so what is compared is what will be proposed.
//
// Coordinates here are GP coordinates: unit coordinates for continuous and discrete dimensions,
// category indices for categorical ones.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "../../core/rng.hpp"
#include "../dimension.hpp"
#include "box_lbfgs.hpp"
#include "gaussian_process.hpp"
#include "log_ei.hpp"

namespace htune::samplers::gp_detail {

// Discrete dimensions with at most this many values are searched exhaustively.
inline constexpr std::uint64_t exhaustive_discrete_limit = 32;

// What the acquisition needs to know about each dimension.
struct gp_dimension {
    dimension_kind kind = dimension_kind::continuous;
    std::uint64_t count = 0;
    std::ptrdiff_t parent = -1;
    // For a child of a discrete or categorical parent: inactive_for[i] is true when history shows
    // the child inactive (and never active) for the parent's value i.
    std::vector<unsigned char> inactive_for;
    double imputed = 0.5; // GP coordinate of an inactive value
};

// Value of a GP coordinate for a dimension: unit coordinate or category index.
inline double snap_gp(gp_dimension const& d, double v) noexcept {
    switch (d.kind) {
        case dimension_kind::continuous: return std::clamp(v, 0.0, 1.0);
        case dimension_kind::discrete: return index_to_unit(unit_to_index(v, d.count), d.count);
        case dimension_kind::categorical: {
            double const c = std::floor(v);
            double const last = static_cast<double>(d.count - 1);
            return c < 0.0 ? 0.0 : (c > last ? last : c);
        }
    }
    return v;
}

// The index of a snapped GP coordinate of a discrete or categorical dimension.
inline std::uint64_t gp_index(gp_dimension const& d, double v) noexcept {
    if (d.kind == dimension_kind::categorical) return static_cast<std::uint64_t>(v);
    return unit_to_index(v, d.count);
}

class log_ei_acquisition {
public:
    log_ei_acquisition(gaussian_process const& gp, std::span<gp_dimension const> dims, double best)
        : m_gp(gp), m_dims(dims), m_best(best), m_has_conditions(false) {
        for (auto const& d : dims) m_has_conditions = m_has_conditions || !d.inactive_for.empty();
        m_masked.resize(dims.size());
        m_dmean.resize(dims.size());
        m_dvar.resize(dims.size());
    }

    std::size_t dims() const noexcept { return m_dims.size(); }

    // log EI at a snapped point.
    double value(std::span<double const> x) {
        auto const p = m_gp.at(mask(x), m_scratch);
        return combine(p.mean, p.variance, nullptr, nullptr, {});
    }

    // log EI and its gradient with respect to the continuous GP coordinates (others get 0).
    double value_and_gradient(std::span<double const> x, std::span<double> grad) {
        auto const masked = mask(x);
        auto const p = m_gp.at(masked, m_dmean, m_dvar, m_scratch);
        double const v = combine(p.mean, p.variance, m_dmean.data(), m_dvar.data(), grad);
        if (m_has_conditions)
            for (std::size_t j = 0; j < m_dims.size(); ++j)
                if (masked[j] != x[j]) grad[j] = 0.0; // an imputed coordinate does not move the GP
        return v;
    }

    // log EI at the m rows of xs (row-major, m x dims), written to out.
    void batch(std::span<double const> xs, std::size_t m, std::span<double> out) {
        std::size_t const d = m_dims.size();
        m_batch_x.assign(xs.begin(), xs.begin() + static_cast<std::ptrdiff_t>(m * d));
        if (m_has_conditions)
            for (std::size_t c = 0; c < m; ++c) {
                auto const masked = mask(std::span<double const>(xs.data() + c * d, d));
                std::copy(masked.begin(), masked.end(), m_batch_x.begin() + static_cast<std::ptrdiff_t>(c * d));
            }
        m_batch_mean.resize(m);
        m_batch_var.resize(m);
        m_gp.batch(m_batch_x.data(), m, m_batch_mean.data(), m_batch_var.data(), m_scratch);
        for (std::size_t c = 0; c < m; ++c) out[c] = combine(m_batch_mean[c], m_batch_var[c], nullptr, nullptr, {});
    }

private:
    // Inactive children of the point take their imputed coordinate, as in the training data.
    std::span<double const> mask(std::span<double const> x) {
        if (!m_has_conditions) return x;
        for (std::size_t j = 0; j < m_dims.size(); ++j) {
            auto const& d = m_dims[j];
            m_masked[j] = x[j];
            if (d.parent < 0) continue;
            auto const p = static_cast<std::size_t>(d.parent);
            if (p < j && m_masked[p] == m_dims[p].imputed && m_masked[p] != x[p]) {
                m_masked[j] = d.imputed; // the parent itself is inactive
                continue;
            }
            if (d.inactive_for.empty()) continue;
            std::uint64_t const i = gp_index(m_dims[p], x[p]);
            if (i < d.inactive_for.size() && d.inactive_for[i]) m_masked[j] = d.imputed;
        }
        return m_masked;
    }

    double combine(double mean, double var, double const* dmean, double const* dvar, std::span<double> grad) const {
        double const floor = 1e-12 * m_gp.params().scale;
        bool const floored = var < floor;
        double const sigma = std::sqrt(floored ? floor : var);
        double const z = (m_best - mean) / sigma;
        auto const h = log_h(z);
        if (!grad.empty()) {
            for (std::size_t j = 0; j < grad.size(); ++j) {
                double const dsigma_over_sigma = floored ? 0.0 : 0.5 * dvar[j] / (sigma * sigma);
                grad[j] = dsigma_over_sigma * (1.0 - z * h.derivative) - h.derivative * dmean[j] / sigma;
            }
        }
        return std::log(sigma) + h.value;
    }

    gaussian_process const& m_gp;
    std::span<gp_dimension const> m_dims;
    double m_best;
    bool m_has_conditions;
    std::vector<double> m_masked, m_dmean, m_dvar, m_scratch, m_batch_x, m_batch_mean, m_batch_var;
};

struct acquisition_search_options {
    std::size_t candidates = 2048;
    std::size_t local_searches = 10;
    std::size_t max_rounds = 100; // alternations between continuous and discrete moves
    std::size_t lbfgs_iterations = 200;
};

struct acquisition_point {
    std::vector<double> x; // GP coordinates, snapped
    double value = -std::numeric_limits<double>::infinity();
};

class acquisition_optimizer {
public:
    acquisition_optimizer(log_ei_acquisition& acq, std::span<gp_dimension const> dims) : m_acq(acq), m_dims(dims) {
        for (std::size_t j = 0; j < dims.size(); ++j) {
            auto const& d = dims[j];
            if (d.kind == dimension_kind::continuous ||
                (d.kind == dimension_kind::discrete && d.count > exhaustive_discrete_limit))
                m_smooth.push_back(j);
            else m_enumerated.push_back(j);
            if (d.kind == dimension_kind::discrete && d.count > exhaustive_discrete_limit)
                m_large_discrete.push_back(j);
        }
    }

    // Snapped random point.
    void random_point(rng& g, std::span<double> x) const {
        for (std::size_t j = 0; j < m_dims.size(); ++j) {
            auto const& d = m_dims[j];
            if (d.kind == dimension_kind::continuous) x[j] = uniform01(g);
            else if (d.kind == dimension_kind::discrete) x[j] = index_to_unit(uniform_below(g, d.count), d.count);
            else x[j] = static_cast<double>(uniform_below(g, d.count));
        }
    }

    // Maximises the acquisition: `options.candidates` random points, then local searches from the
    // best of them, from others drawn with probability proportional to EI, and from each of
    // `warm_starts` (rows of GP coordinates, e.g. the best observed point).
    acquisition_point maximise(rng& g, acquisition_search_options const& options, std::span<double const> warm_starts,
                               std::size_t warm_start_count) {
        std::size_t const d = m_dims.size();
        std::size_t const m = std::max<std::size_t>(options.candidates, 1);
        std::vector<double> xs(m * d), values(m);
        for (std::size_t c = 0; c < m; ++c) random_point(g, std::span<double>(xs.data() + c * d, d));
        m_acq.batch(xs, m, values);

        // Starts: the best candidate, then a roulette over exp(value - best value) without replacement.
        std::size_t best = 0;
        for (std::size_t c = 1; c < m; ++c)
            if (values[c] > values[best] || std::isnan(values[best])) best = c;
        std::vector<std::size_t> starts{best};
        std::size_t const roulette =
            options.local_searches > warm_start_count + 1 ? options.local_searches - warm_start_count - 1 : 0;
        if (roulette > 0 && std::isfinite(values[best])) {
            std::vector<double> weight(m);
            for (std::size_t c = 0; c < m; ++c)
                weight[c] = c == best || !std::isfinite(values[c]) ? 0.0 : std::exp(values[c] - values[best]);
            for (std::size_t r = 0; r < roulette; ++r) {
                double total = 0.0;
                for (double w : weight) total += w;
                if (!(total > 0.0)) break;
                double target = uniform01(g) * total;
                std::size_t pick = m;
                for (std::size_t c = 0; c < m; ++c) {
                    if (weight[c] <= 0.0) continue;
                    pick = c;
                    target -= weight[c];
                    if (target < 0.0) break;
                }
                if (pick == m) break;
                starts.push_back(pick);
                weight[pick] = 0.0;
            }
        }

        acquisition_point result;
        result.x.assign(xs.begin() + static_cast<std::ptrdiff_t>(best * d),
                        xs.begin() + static_cast<std::ptrdiff_t>((best + 1) * d));
        result.value = values[best];
        auto consider = [&](std::vector<double>& x, double v) {
            if (v > result.value || std::isnan(result.value)) {
                result.value = v;
                result.x = x;
            }
        };
        std::vector<double> x(d);
        for (std::size_t s : starts) {
            std::copy(xs.begin() + static_cast<std::ptrdiff_t>(s * d),
                      xs.begin() + static_cast<std::ptrdiff_t>((s + 1) * d), x.begin());
            double const v = local_search(x, values[s], options);
            consider(x, v);
        }
        for (std::size_t w = 0; w < warm_start_count; ++w) {
            for (std::size_t j = 0; j < d; ++j) x[j] = snap_gp(m_dims[j], warm_starts[w * d + j]);
            double const v = local_search(x, m_acq.value(x), options);
            consider(x, v);
        }
        return result;
    }

    // Local search from a snapped point with value fx; x holds the result, the value is returned.
    double local_search(std::vector<double>& x, double fx, acquisition_search_options const& options) {
        std::size_t const d = m_dims.size();
        std::vector<double> trial(d);
        for (std::size_t round = 0; round < options.max_rounds; ++round) {
            double const start_value = fx;
            if (!m_smooth.empty()) {
                trial = x;
                double const v = smooth_search(trial, options);
                if (v > fx) {
                    x = trial;
                    fx = v;
                }
            }
            for (std::size_t j : m_enumerated) fx = enumerate(x, j, fx);
            for (std::size_t j : m_large_discrete) fx = neighbours(x, j, fx);
            if (m_enumerated.empty() && m_large_discrete.empty()) break; // one L-BFGS run is all
            if (!(fx > start_value + 1e-9 * std::max(1.0, std::abs(start_value)))) break;
        }
        return fx;
    }

private:
    // L-BFGS over the smooth coordinates (the others fixed); returns the value at the snapped result.
    double smooth_search(std::vector<double>& x, acquisition_search_options const& options) {
        std::size_t const k = m_smooth.size();
        std::vector<double> y(k), lower(k), upper(k), full_grad(m_dims.size());
        for (std::size_t i = 0; i < k; ++i) {
            y[i] = x[m_smooth[i]];
            lower[i] = 0.0;
            upper[i] = 1.0;
        }
        std::vector<double> point = x;
        auto objective = [&](std::span<double const> yy, std::span<double> grad) {
            for (std::size_t i = 0; i < k; ++i) point[m_smooth[i]] = yy[i];
            double const v = m_acq.value_and_gradient(point, full_grad);
            for (std::size_t i = 0; i < k; ++i) grad[i] = -full_grad[m_smooth[i]];
            return -v;
        };
        box_lbfgs_options lbfgs;
        lbfgs.max_iterations = options.lbfgs_iterations;
        lbfgs.gradient_tolerance = 1e-6;
        lbfgs.relative_tolerance = 1e-10;
        lbfgs.absolute_tolerance = 1e-7; // in log EI
        lbfgs.stall_limit = 2;
        lbfgs.first_step = 0.05;
        minimize_in_box(objective, std::span<double>(y), lower, upper, lbfgs);
        for (std::size_t i = 0; i < k; ++i) x[m_smooth[i]] = snap_gp(m_dims[m_smooth[i]], y[i]);
        return m_acq.value(x);
    }

    // Tries every value of dimension j; keeps the best.
    double enumerate(std::vector<double>& x, std::size_t j, double fx) {
        auto const& dim = m_dims[j];
        std::size_t const d = m_dims.size();
        std::size_t const count = static_cast<std::size_t>(dim.count);
        m_rows.resize(count * d);
        m_values.resize(count);
        for (std::size_t c = 0; c < count; ++c) {
            std::copy(x.begin(), x.end(), m_rows.begin() + static_cast<std::ptrdiff_t>(c * d));
            m_rows[c * d + j] =
                dim.kind == dimension_kind::categorical ? static_cast<double>(c) : index_to_unit(c, dim.count);
        }
        m_acq.batch(m_rows, count, m_values);
        for (std::size_t c = 0; c < count; ++c) {
            if (m_values[c] > fx) {
                fx = m_values[c];
                x[j] = m_rows[c * d + j];
            }
        }
        return fx;
    }

    // Tries the values up to two grid steps away in dimension j; keeps the best.
    double neighbours(std::vector<double>& x, std::size_t j, double fx) {
        auto const& dim = m_dims[j];
        std::uint64_t const at = unit_to_index(x[j], dim.count);
        double const original = x[j];
        double best_value = original;
        for (int step : {-2, -1, 1, 2}) {
            auto const i = static_cast<std::int64_t>(at) + step;
            if (i < 0 || i >= static_cast<std::int64_t>(dim.count)) continue;
            x[j] = index_to_unit(static_cast<std::uint64_t>(i), dim.count);
            double const v = m_acq.value(x);
            if (v > fx) {
                fx = v;
                best_value = x[j];
            }
        }
        x[j] = best_value;
        return fx;
    }

    log_ei_acquisition& m_acq;
    std::span<gp_dimension const> m_dims;
    std::vector<std::size_t> m_smooth, m_enumerated, m_large_discrete;
    std::vector<double> m_rows, m_values;
};

} // namespace htune::samplers::gp_detail
