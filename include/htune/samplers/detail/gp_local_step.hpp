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
//
// In few dimensions (up to 4 moving), when a full quadratic fits the neighbours' raw losses almost
// exactly (weighted R^2 >= 0.9999, the nearest points weighing most, so the point lies in the bowl
// of a smooth minimum and noise is not the story), its Newton step is proposed instead: a
// quadratic's minimiser is exact where the local GP mean is only close, and dlib's
// find_min_global reaches machine precision on Branin that way where the GP mean alone stopped
// near 1e-7. While such steps keep improving the best value (the last observation is the best),
// the sampler repeats them on every ask, as Newton's method converges in a few steps; the first
// step that does not improve hands back to the GP.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "../dimension.hpp"
#include "box_lbfgs.hpp"
#include "gaussian_process.hpp"
#include "gp_acquisition.hpp"
#include "gp_linalg.hpp"
#include "output_transform.hpp"

namespace htune::samplers::gp_detail {

struct local_step_problem {
    gp_inputs const& inputs;        // all observations in GP coordinates
    std::span<double const> losses; // raw losses (finite)
    std::span<gp_dimension const> dims;
    std::span<double const> global_ils; // the global GP's inverse squared lengthscales (the metric)
    std::size_t best;                   // row of the best observation
    kernel_fit_options fit;             // prior and noise model of the local fit
    bool warp = true;
    bool quadratic_only = false; // only the quadratic step (no local GP)
};

// True when the point (GP coordinates) was evaluated already.
inline bool already_evaluated(gp_inputs const& inputs, std::span<double const> point) {
    std::size_t const d = inputs.dims();
    double const* x = inputs.x.data();
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        bool same = true;
        for (std::size_t j = 0; j < d && same; ++j) same = x[i * d + j] == point[j];
        if (same) return true;
    }
    return false;
}

// The minimiser of a quadratic fitted by least squares to the neighbours (box coordinates centred
// on the incumbent), when the fit is nearly exact, its Hessian positive definite and the step
// stays in the box; nothing otherwise.
inline std::optional<std::vector<double>> quadratic_step(local_step_problem const& p,
                                                         std::vector<std::size_t> const& moving,
                                                         std::vector<std::pair<double, std::size_t>> const& order,
                                                         std::vector<double> const& lo,
                                                         std::vector<double> const& width) {
    std::size_t const k = moving.size();
    std::size_t const terms = 1 + k + k * (k + 1) / 2;
    // The nearest points only (order is nearest first): farther ones see more than the bowl.
    std::size_t const rows = std::min(order.size(), terms + 3 + terms / 2);
    if (k > 4 || rows < terms + 3) return std::nullopt;
    for (double w : width)
        if (!(w > 0.0)) return std::nullopt;
    std::size_t const d = p.inputs.dims();
    double const* x = p.inputs.x.data();
    double const* incumbent = x + p.best * d;

    // Weighted least squares, centred on the incumbent and scaled by `scale`, the distance of the
    // terms-th nearest point: the points within it decide the fit and farther ones (weights falling
    // as distance^-4) barely count. Near convergence the neighbours span several scales (1e-2 for
    // the old ones, 1e-6 for the last steps); equal weights let the far ones' cubic terms decide the
    // gradient and the steps stalled near 1e-10 of regret on Branin.
    auto const nearest = std::span(order).first(rows);
    std::vector<double> rho(rows);
    for (std::size_t r = 0; r < rows; ++r) {
        double const* xi = x + nearest[r].second * d;
        double s2 = 0.0;
        for (std::size_t m = 0; m < k; ++m) {
            double const v = (xi[moving[m]] - incumbent[moving[m]]) / width[m];
            s2 += v * v;
        }
        rho[r] = std::sqrt(s2);
    }
    std::vector<double> sorted_rho(rho);
    std::sort(sorted_rho.begin(), sorted_rho.end());
    double const scale = sorted_rho[std::min(rows - 1, terms)];
    if (!(scale > 0.0)) return std::nullopt;
    std::vector<double> weight(rows);
    for (std::size_t r = 0; r < rows; ++r) {
        double const q = rho[r] / scale;
        weight[r] = 1.0 / (1.0 + q * q * q * q);
    }

    // Features [1, u_m, u_m u_l (m <= l)] with u = (x - incumbent) / (width scale); normal equations.
    std::vector<double> phi(terms), ata(terms * terms, 0.0), aty(terms, 0.0), u(k);
    auto features = [&](double const* xi) {
        for (std::size_t m = 0; m < k; ++m) u[m] = (xi[moving[m]] - incumbent[moving[m]]) / (width[m] * scale);
        std::size_t t = 0;
        phi[t++] = 1.0;
        for (std::size_t m = 0; m < k; ++m) phi[t++] = u[m];
        for (std::size_t m = 0; m < k; ++m)
            for (std::size_t l = m; l < k; ++l) phi[t++] = u[m] * u[l];
    };
    double mean_y = 0.0, total_weight = 0.0;
    for (std::size_t r = 0; r < rows; ++r) {
        mean_y += weight[r] * p.losses[nearest[r].second];
        total_weight += weight[r];
    }
    mean_y /= total_weight;
    for (std::size_t r = 0; r < rows; ++r) {
        std::size_t const i = nearest[r].second;
        features(x + i * d);
        double const yi = p.losses[i] - mean_y;
        for (std::size_t a = 0; a < terms; ++a) {
            aty[a] += weight[r] * phi[a] * yi;
            for (std::size_t b = 0; b < terms; ++b) ata[a * terms + b] += weight[r] * phi[a] * phi[b];
        }
    }
    double trace = 0.0;
    for (std::size_t a = 0; a < terms; ++a) trace += ata[a * terms + a];
    for (std::size_t a = 0; a < terms; ++a) ata[a * terms + a] += 1e-12 * trace / static_cast<double>(terms);
    if (cholesky_lower(ata.data(), terms) != 0) return std::nullopt;
    std::vector<double> c = aty;
    solve_lower(ata.data(), terms, c.data());
    solve_lower_transposed(ata.data(), terms, c.data());

    // Goodness of fit on the same points, with the same weights.
    double ss_res = 0.0, ss_tot = 0.0;
    for (std::size_t r = 0; r < rows; ++r) {
        std::size_t const i = nearest[r].second;
        features(x + i * d);
        double fit = 0.0;
        for (std::size_t a = 0; a < terms; ++a) fit += c[a] * phi[a];
        double const yi = p.losses[i] - mean_y;
        ss_res += weight[r] * (yi - fit) * (yi - fit);
        ss_tot += weight[r] * yi * yi;
    }
    if (!(ss_tot > 0.0) || !(ss_res <= 1e-4 * ss_tot)) return std::nullopt;

    // Newton step: H u = -g, with H = the Hessian of the fitted quadratic, g its gradient at 0.
    std::vector<double> hessian(k * k), step(k);
    std::size_t t = 1 + k;
    for (std::size_t m = 0; m < k; ++m)
        for (std::size_t l = m; l < k; ++l, ++t) {
            hessian[m * k + l] = (m == l ? 2.0 : 1.0) * c[t];
            hessian[l * k + m] = hessian[m * k + l];
        }
    for (std::size_t m = 0; m < k; ++m) step[m] = -c[1 + m];
    if (cholesky_lower(hessian.data(), k) != 0) return std::nullopt; // not a bowl
    solve_lower(hessian.data(), k, step.data());
    solve_lower_transposed(hessian.data(), k, step.data());

    std::vector<double> out(incumbent, incumbent + d);
    for (std::size_t m = 0; m < k; ++m) {
        std::size_t const j = moving[m];
        double const target = incumbent[j] + step[m] * width[m] * scale;
        if (!(target >= lo[m] && target <= lo[m] + width[m])) return std::nullopt; // outside the trust region
        out[j] = snap_gp(p.dims[j], target);
    }
    if (already_evaluated(p.inputs, out)) return std::nullopt;
    return out;
}

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
        for (auto const& [r2, i] : order) h = std::max(h, std::abs(x[i * d + j] - incumbent[j]));
        double const a = std::max(0.0, incumbent[j] - h), b = std::min(1.0, incumbent[j] + h);
        lo[m] = a;
        width[m] = b - a;
        any_width = any_width || width[m] > 1e-15;
    }
    if (!any_width) return std::nullopt;

    if (auto newton = quadratic_step(p, moving, order, lo, width)) return newton;
    if (p.quadratic_only) return std::nullopt;

    // Local GP in box coordinates (flat dimensions, zero width, stay at 0).
    gp_inputs local;
    local.x = tensor<double, 2>::from_shape({wanted, k});
    local.categorical.assign(k, 0);
    std::vector<double> y(wanted);
    for (std::size_t r = 0; r < wanted; ++r) {
        std::size_t const i = order[r].second;
        for (std::size_t m = 0; m < k; ++m)
            local.x(r, m) = width[m] > 0.0 ? (x[i * d + moving[m]] - lo[m]) / width[m] : 0.0;
        y[r] = p.losses[i];
    }
    if (p.warp) warp_and_standardize(y);
    else standardize(y);
    kernel_params start;
    start.inverse_squared_lengthscales.assign(k, 1.0);
    start.scale = 1.0;
    start.noise = p.fit.deterministic ? p.fit.minimum_noise : 1e-2;
    auto fitted = fit_kernel_params(local, y, p.fit, params_to_raw(start, p.fit));
    if (!std::isfinite(fitted.value)) return std::nullopt;
    std::vector<double> inc_local(k);
    for (std::size_t m = 0; m < k; ++m) inc_local[m] = width[m] > 0.0 ? (incumbent[moving[m]] - lo[m]) / width[m] : 0.0;
    tensor<double, 2> const local_x = local.x;
    gaussian_process model(std::move(local), y, std::move(fitted.params));

    // Minimise the posterior mean from the incumbent and the next best neighbours.
    std::vector<double> box_lo(k), box_hi(k), scratch, dvar(k);
    for (std::size_t m = 0; m < k; ++m) box_hi[m] = width[m] > 0.0 ? 1.0 : 0.0;
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
    for (std::size_t r = 0; r < wanted; ++r) ranked[r] = r;
    std::sort(ranked.begin(), ranked.end(), [&](std::size_t a, std::size_t b) { return y[a] < y[b]; });
    std::size_t const starts = std::min<std::size_t>(wanted, 3);
    for (std::size_t s = 0; s < starts; ++s) { // ranked[0] is the incumbent
        for (std::size_t m = 0; m < k; ++m) z[m] = local_x(ranked[s], m);
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
    for (std::size_t m = 0; m < k; ++m) out[moving[m]] = snap_gp(p.dims[moving[m]], lo[m] + best_z[m] * width[m]);
    // Never propose a point already evaluated.
    if (already_evaluated(p.inputs, out)) return std::nullopt;
    return out;
}

} // namespace htune::samplers::gp_detail
