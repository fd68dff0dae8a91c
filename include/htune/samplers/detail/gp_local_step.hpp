#pragma once
// The exploitation step: the minimiser of a local GP's posterior mean in a trust region around the
// best observation.
//
// A global GP standardises all losses together, so its resolution near the optimum is bounded by
// the spread of the bad values (and by its noise floor), and expected improvement keeps exploring
// in higher dimensions. Every exploit_every-th ask the sampler instead fits a GP to the 10 + 2k
// nearest neighbours of the best observation (k moving coordinates, distances in the global GP's
// lengthscales), in the box they span around it (rescaled to the unit cube, so lengthscales and
// the prior stay meaningful however small the box gets), and proposes the minimiser of its
// posterior mean: close to a trust-region Newton step (as dlib's find_min_global alternates with
// its global search), it refines the optimum to many more digits and descends valleys faster.
// When the local mean predicts no improvement, or the minimiser was already evaluated, the ask
// falls back to expected improvement. Only the smooth coordinates move (continuous, and discrete
// with many values); the others keep the best observation's values.

#include "../dimension.hpp"
#include "box_lbfgs.hpp"
#include "gaussian_process.hpp"
#include "gp_acquisition.hpp"
#include "output_transform.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <span>
#include <utility>
#include <vector>

namespace htune::samplers::gp_detail {

struct local_step_problem {
    gp_inputs const& inputs;        // all observations in GP coordinates
    std::span<double const> losses; // raw losses (finite)
    std::span<gp_dimension const> dims;
    std::span<double const> global_ils; // the global GP's inverse squared lengthscales (the metric)
    std::size_t best;                   // row of the best observation
    kernel_fit_options fit;             // prior and noise model of the local fit
    bool warp = true;
};

// The proposed point in GP coordinates, or nothing when the local model predicts no improvement.
inline std::optional<std::vector<double>> local_step(local_step_problem const& p) {
    std::size_t const n = p.inputs.size();
    std::size_t const d = p.inputs.dims();
    double const* x = p.inputs.x.data();
    double const* incumbent = x + p.best * d;

    // Coordinates that move: smooth and active at the incumbent.
    std::vector<std::size_t> moving;
    for (std::size_t j = 0; j < d; ++j) {
        auto const& dim = p.dims[j];
        bool const smooth = dim.kind == dimension_kind::continuous ||
                            (dim.kind == dimension_kind::discrete && dim.count > exhaustive_discrete_limit);
        if (smooth && !(dim.parent >= 0 && incumbent[j] == dim.imputed)) moving.push_back(j);
    }
    std::size_t const k = moving.size();
    if (k == 0) return std::nullopt;

    // Neighbours: observations equal to the incumbent on the fixed coordinates, nearest first in the
    // global GP's metric.
    std::vector<std::pair<double, std::size_t>> order;
    for (std::size_t i = 0; i < n; ++i) {
        double const* xi = x + i * d;
        bool same = true;
        double r2 = 0.0;
        for (std::size_t j = 0, m = 0; j < d; ++j) {
            if (m < k && moving[m] == j) {
                ++m;
                double const diff = xi[j] - incumbent[j];
                r2 += p.global_ils[j] * diff * diff;
            } else if (xi[j] != incumbent[j]) {
                same = false;
                break;
            }
        }
        if (same) order.emplace_back(r2, i);
    }
    std::size_t const wanted = std::min<std::size_t>(order.size(), 10 + 2 * k);
    if (wanted < std::min<std::size_t>(k + 2, 6)) return std::nullopt;
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(wanted), order.end());
    order.resize(wanted);

    // Trust region: the box around the incumbent spanned by the neighbours.
    std::vector<double> lo(k), width(k);
    bool any_width = false;
    for (std::size_t m = 0; m < k; ++m) {
        std::size_t const j = moving[m];
        double h = 0.0;
        for (auto const& [r2, i] : order)
            h = std::max(h, std::abs(x[i * d + j] - incumbent[j]));
        double const a = std::max(0.0, incumbent[j] - h), b = std::min(1.0, incumbent[j] + h);
        lo[m] = a;
        width[m] = b - a;
        any_width = any_width || width[m] > 1e-15;
    }
    if (!any_width) return std::nullopt;

    // Local GP in box coordinates (flat dimensions, zero width, stay at 0).
    gp_inputs local;
    local.x = matrix<double>::from_shape({ wanted, k });
    local.categorical.assign(k, 0);
    std::vector<double> y(wanted);
    for (std::size_t r = 0; r < wanted; ++r) {
        std::size_t const i = order[r].second;
        for (std::size_t m = 0; m < k; ++m)
            local.x(r, m) = width[m] > 0.0 ? (x[i * d + moving[m]] - lo[m]) / width[m] : 0.0;
        y[r] = p.losses[i];
    }
    if (p.warp)
        warp_and_standardize(y);
    else
        standardize(y);
    kernel_params start;
    start.inverse_squared_lengthscales.assign(k, 1.0);
    start.scale = 1.0;
    start.noise = p.fit.deterministic ? p.fit.minimum_noise : 1e-2;
    auto fitted = fit_kernel_params(local, y, p.fit, params_to_raw(start, p.fit));
    if (!std::isfinite(fitted.value)) return std::nullopt;
    std::vector<double> inc_local(k);
    for (std::size_t m = 0; m < k; ++m)
        inc_local[m] = width[m] > 0.0 ? (incumbent[moving[m]] - lo[m]) / width[m] : 0.0;
    matrix<double> const local_x = local.x;
    gaussian_process model(std::move(local), y, std::move(fitted.params));

    // Minimise the posterior mean from the incumbent and the next best neighbours.
    std::vector<double> box_lo(k), box_hi(k), scratch, dvar(k);
    for (std::size_t m = 0; m < k; ++m)
        box_hi[m] = width[m] > 0.0 ? 1.0 : 0.0;
    auto mean = [&](std::span<double const> z, std::span<double> grad) {
        return model.at(z, grad, dvar, scratch).mean;
    };
    box_lbfgs_options lbfgs;
    lbfgs.max_iterations = 200;
    lbfgs.gradient_tolerance = 1e-9;
    lbfgs.relative_tolerance = 1e-12;
    lbfgs.first_step = 0.1;
    lbfgs.minimum_move = 1e-14;
    double const incumbent_mean = model.at(inc_local, scratch).mean;
    std::vector<double> best_z = inc_local, z(k);
    double best_value = incumbent_mean;
    std::vector<std::size_t> ranked(wanted);
    for (std::size_t r = 0; r < wanted; ++r)
        ranked[r] = r;
    std::sort(ranked.begin(), ranked.end(), [&](std::size_t a, std::size_t b) { return y[a] < y[b]; });
    std::size_t const starts = std::min<std::size_t>(wanted, 3);
    for (std::size_t s = 0; s < starts; ++s) { // ranked[0] is the incumbent
        for (std::size_t m = 0; m < k; ++m)
            z[m] = local_x(ranked[s], m);
        double const v = minimize_in_box(mean, std::span<double>(z), box_lo, box_hi, lbfgs).value;
        if (v < best_value) {
            best_value = v;
            best_z = z;
        }
    }
    // Worth an evaluation only when the mean predicts a real improvement over the incumbent.
    double const noise_sd = std::sqrt(model.params().noise);
    if (!(best_value < incumbent_mean - 1e-3 * noise_sd)) return std::nullopt;

    std::vector<double> out(incumbent, incumbent + d);
    for (std::size_t m = 0; m < k; ++m)
        out[moving[m]] = snap_gp(p.dims[moving[m]], lo[m] + best_z[m] * width[m]);
    // Never propose a point already evaluated.
    for (std::size_t i = 0; i < n; ++i) {
        bool same = true;
        for (std::size_t j = 0; j < d && same; ++j)
            same = x[i * d + j] == out[j];
        if (same) return std::nullopt;
    }
    return out;
}

} // namespace htune::samplers::gp_detail
