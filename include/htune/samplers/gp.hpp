#pragma once
// gp<Options...>: Bayesian optimisation with a Gaussian process, after Optuna 4's GPSampler, with a
// local exploitation step.
//
//   htune::samplers::gp<> s;                                            // defaults
//   htune::samplers::gp<startup_trials<20>, deterministic_objective> s;
//   htune::samplers::gp<> s{{.startup_trials = 20}};                  // run-time options
//
// Options (defaults): startup_trials<N> (10), acquisition_candidates<N> (2048), local_searches<N>
// (10), exploit_every<N> (2; 0 never), deterministic_objective (off), no_output_warping (warping on).
//
// Each ask:
//  1. Startup: while fewer than `startup_trials` observations are usable, the k-th point the sampler
//     proposes (ctx.sampled, so enqueued trials do not skip rows) is row k % N of a seeded maximin
//     Latin hypercube design (block k / N): space-filling, never the centre of the box. Discrete and
//     categorical coordinates are snapped to their values.
//  2. Model: a GP with a Matern 5/2 ARD kernel (Hamming distance for categorical dimensions) on the
//     unit cube, fitted to the losses after clipping non-finite ones, a maximum-likelihood
//     Yeo-Johnson warp that may only spread the good (low) tail, and standardisation. Its constant
//     prior mean is the worst observed value: pessimistic about unexplored regions, so that EI
//     does not chase the corners of a high-dimensional cube (on a 10-D Ackley the median regret
//     after 100 trials drops from 12 to 3). Kernel parameters (lengthscales, signal variance,
//     noise) are MAP estimates under Optuna 4's prior (detail/gaussian_process.hpp).
//  3. Proposal: every `exploit_every`-th model ask is an exploitation step: the minimiser of a
//     local GP's mean in a trust region around the best observation (detail/gp_local_step.hpp),
//     when that predicts an improvement; in up to 4 moving dimensions, the Newton step of a
//     quadratic when one fits the neighbours nearly exactly, repeated while it improves. All
//     other asks maximise log expected improvement (Ament et al. 2023) by multi-start local
//     search over the mixed space (detail/gp_acquisition.hpp);
//     discrete values are snapped and the acquisition is compared at snapped points only.
//
// Parallel trials: pending ones (ctx.pending) are conditioned on with the best value seen (CL-min),
// after the kernel parameters are fitted to results only; see add_pending.
//
// Observations: complete trials only. Pruned trials are ignored, as Optuna's GPSampler does: their
// loss is an intermediate value, on another scale than final losses. Failed trials are never seen.
// Inactive (NaN) coordinates of conditional params are imputed: 0.5 for continuous and discrete
// dimensions, an extra category for categorical ones. A candidate's child coordinate is imputed
// too where history shows the child inactive for the candidate's (discrete or categorical) parent
// value, so the model compares like with like. Parents must come before their children.
//
// Reproducibility: a proposal is a pure function of (ctx.history, ctx.sampled, ctx.seed, options)
// and ctx.random. The kernel parameters fitted to the first k usable observations are the L-BFGS
// optimum started from those fitted to the first k - 1 (a warm start, as Optuna's, which keeps an
// ask cheap), and the chain starts at k = startup_trials from fixed values. The sampler caches the
// chain, keyed by a hash of each prefix of the history; a fresh sampler (or a history that changed
// inside the prefix) recomputes the missing links, so it proposes the same points, only slower
// once (about 0.5 s at 200 observations).
//
// Numerical failures (a kernel matrix that no jitter makes positive definite) fall back to a
// uniformly random point for that trial; they never throw.

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "../core/blas.hpp"
#include "../core/errors.hpp"
#include "../core/rng.hpp"
#include "../core/roles.hpp"
#include "../core/tensor.hpp"
#include "detail/gaussian_process.hpp"
#include "detail/gp_acquisition.hpp"
#include "detail/gp_local_step.hpp"
#include "detail/latin_hypercube.hpp"
#include "detail/output_transform.hpp"
#include "dimension.hpp"
#include "options.hpp"
#include "sampler.hpp"

namespace htune::samplers {

// Number of random candidates that seed the acquisition's local searches.
template <std::size_t N>
struct acquisition_candidates {
    static constexpr std::size_t value = N;
};

// Number of local searches of the acquisition per ask.
template <std::size_t N>
struct local_searches {
    static constexpr std::size_t value = N;
};

// Every N-th model ask is a local exploitation step; 0 turns them off.
template <std::size_t N>
struct exploit_every {
    static constexpr std::size_t value = N;
};

// The objective has no noise: the GP's noise variance is fixed at its minimum (1e-6 of the
// standardised loss variance) instead of being fitted.
struct deterministic_objective {};

// Fit the GP to the standardised losses, without the Yeo-Johnson warp.
struct no_output_warping {};

// Run-time options, with designated initialisers: gp<>{{.startup_trials = 20}}. The struct replaces
// the compile-time options.
struct gp_options {
    std::size_t startup_trials = 10;
    std::size_t acquisition_candidates = 2048;
    std::size_t local_searches = 10;
    std::size_t exploit_every = 2;
    bool deterministic_objective = false;
    bool output_warping = true;
};

namespace gp_detail {
template <class Option>
struct gp_option_traits {
    static_assert(sizeof(Option) == 0, "htune::samplers::gp: an option must be startup_trials<N>, "
                                       "acquisition_candidates<N>, local_searches<N>, exploit_every<N>, "
                                       "deterministic_objective or no_output_warping");
};
template <std::int64_t N>
struct gp_option_traits<startup_trials<N>> {
    static_assert(N >= 0, "htune::samplers::gp: startup_trials<N> needs N >= 0");
    static constexpr void apply(gp_options& o) { o.startup_trials = static_cast<std::size_t>(N); }
};
template <std::size_t N>
struct gp_option_traits<acquisition_candidates<N>> {
    static_assert(N > 0, "htune::samplers::gp: acquisition_candidates<N> needs N > 0");
    static constexpr void apply(gp_options& o) { o.acquisition_candidates = N; }
};
template <std::size_t N>
struct gp_option_traits<local_searches<N>> {
    static constexpr void apply(gp_options& o) { o.local_searches = N; }
};
template <std::size_t N>
struct gp_option_traits<exploit_every<N>> {
    static constexpr void apply(gp_options& o) { o.exploit_every = N; }
};
template <>
struct gp_option_traits<deterministic_objective> {
    static constexpr void apply(gp_options& o) { o.deterministic_objective = true; }
};
template <>
struct gp_option_traits<no_output_warping> {
    static constexpr void apply(gp_options& o) { o.output_warping = false; }
};

template <class... Options>
constexpr gp_options make_gp_options() {
    gp_options o;
    (gp_option_traits<Options>::apply(o), ...);
    return o;
}

inline void validate_gp_options(gp_options const& o) {
    HTUNE_CHECK(o.acquisition_candidates > 0, "htune::samplers::gp: acquisition_candidates (", o.acquisition_candidates,
                ") must be > 0");
}

inline std::uint64_t hash_mix(std::uint64_t h, std::uint64_t v) noexcept {
    std::uint64_t s = h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
    return splitmix64(s);
}

inline std::uint64_t hash_double(std::uint64_t h, double v) noexcept {
    return hash_mix(h, std::isnan(v) ? 0x7ff8000000000000ULL : std::bit_cast<std::uint64_t>(v));
}
} // namespace gp_detail

template <class... Options>
class gp {
public:
    using htune_role = htune::role::sampler;
    static constexpr bool supports_categorical = true;
    static constexpr bool supports_conditional = true;

    gp() : m_options(gp_detail::make_gp_options<Options...>()) {}
    explicit gp(gp_options options) : m_options(options) { gp_detail::validate_gp_options(m_options); }

    gp_options const& options() const noexcept { return m_options; }

    void setup(std::span<dimension const> dims) const {
        for (auto const& d : dims)
            HTUNE_CHECK(d.kind == dimension_kind::continuous || d.count > 0, "htune::samplers::gp: dimension \"",
                        d.name, "\" is discrete or categorical with no values");
    }

    void ask(ask_context const& ctx, std::span<double> unit) {
        // One BLAS thread: the GP's matrices are small, and a multi-threaded dgemm or dpotrf sums
        // in another order, so the same history would give other last bits with 1 job than with 2.
        scoped_blas_threads one_thread(1);
        HTUNE_CHECK(unit.size() == ctx.dims.size(), "htune::samplers::gp: ", ctx.dims.size(),
                    " dimensions but room for ", unit.size(), " coordinates");
        if (ctx.dims.empty()) return;
        rng own = rng::stream(ctx.seed, ctx.number);
        rng& g = ctx.random != nullptr ? *ctx.random : own;

        std::vector<std::size_t> used; // complete (not pruned) observations
        for (std::size_t i = 0; i < ctx.history.size(); ++i) {
            HTUNE_CHECK(ctx.history[i].unit.size() == ctx.dims.size(), "htune::samplers::gp: trial ",
                        ctx.history[i].number, " has ", ctx.history[i].unit.size(), " coordinates for ",
                        ctx.dims.size(), " dimensions");
            if (!ctx.history[i].pruned) used.push_back(i);
        }
        if (used.size() < chain_start()) {
            startup_point(ctx, unit);
            return;
        }
        try {
            model_point(ctx, used, g, unit);
        } catch (htune::error const&) {
            for (std::size_t j = 0; j < unit.size(); ++j) unit[j] = snap_to_unit(ctx.dims[j], uniform01(g));
        }
    }

private:
    std::size_t chain_start() const noexcept { return std::max<std::size_t>(m_options.startup_trials, 1); }

    void startup_point(ask_context const& ctx, std::span<double> unit) const {
        std::size_t const size = chain_start();
        gp_detail::latin_hypercube_row(ctx.seed, ctx.sampled / size, size, static_cast<std::size_t>(ctx.sampled % size),
                                       unit);
        for (std::size_t j = 0; j < unit.size(); ++j) unit[j] = snap_to_unit(ctx.dims[j], unit[j]);
    }

    // The dimensions as the GP sees them, with what history says about conditional activity.
    static std::vector<gp_detail::gp_dimension> gp_dimensions(ask_context const& ctx,
                                                              std::span<std::size_t const> used) {
        std::size_t const d = ctx.dims.size();
        std::vector<gp_detail::gp_dimension> out(d);
        for (std::size_t j = 0; j < d; ++j) {
            auto const& dim = ctx.dims[j];
            auto& o = out[j];
            o.kind = dim.kind;
            o.count = dim.count;
            o.parent = dim.parent;
            o.imputed = dim.kind == dimension_kind::categorical ? static_cast<double>(dim.count) : 0.5;
        }
        for (std::size_t j = 0; j < d; ++j) {
            auto& o = out[j];
            if (o.parent < 0 || static_cast<std::size_t>(o.parent) >= j) continue;
            auto const p = static_cast<std::size_t>(o.parent);
            auto const& parent = ctx.dims[p];
            if (parent.kind == dimension_kind::continuous) continue;
            std::vector<unsigned char> seen_active(parent.count, 0), seen_inactive(parent.count, 0);
            for (std::size_t i : used) {
                double const pv = ctx.history[i].unit[p];
                if (!is_active(pv)) continue;
                auto& seen = is_active(ctx.history[i].unit[j]) ? seen_active : seen_inactive;
                seen[unit_to_index(pv, parent.count)] = 1;
            }
            o.inactive_for.assign(parent.count, 0);
            bool any = false;
            for (std::uint64_t v = 0; v < parent.count; ++v) {
                o.inactive_for[v] = seen_inactive[v] && !seen_active[v];
                any = any || o.inactive_for[v];
            }
            if (!any) o.inactive_for.clear();
        }
        return out;
    }

    // Training inputs in GP coordinates for the first `rows` used observations.
    static gp_detail::gp_inputs make_inputs(ask_context const& ctx, std::span<std::size_t const> used,
                                            std::span<gp_detail::gp_dimension const> dims, std::size_t rows) {
        std::size_t const d = dims.size();
        gp_detail::gp_inputs in;
        in.x = tensor<double, 2>::from_shape({rows, d});
        in.categorical.resize(d);
        for (std::size_t j = 0; j < d; ++j) in.categorical[j] = dims[j].kind == dimension_kind::categorical;
        for (std::size_t r = 0; r < rows; ++r) write_row(ctx.history[used[r]].unit, dims, in, r);
        return in;
    }

    // A unit point as row r of the GP's inputs.
    static void write_row(std::span<double const> u, std::span<gp_detail::gp_dimension const> dims,
                          gp_detail::gp_inputs& in, std::size_t r) {
        for (std::size_t j = 0; j < dims.size(); ++j) {
            double const v = u[j];
            auto const& dim = dims[j];
            if (!is_active(v)) in.x(r, j) = dim.imputed;
            else if (dim.kind == dimension_kind::categorical)
                in.x(r, j) = static_cast<double>(unit_to_index(v, dim.count));
            else in.x(r, j) = gp_detail::snap_gp(dim, v);
        }
    }

    // Pending trials (running in parallel, or in the study's lag window) join the model at their
    // points with the best target seen (a constant liar, "CL-min"): the expected improvement there
    // drops to about nothing, so parallel workers do not propose the same point. The kernel
    // parameters stay those fitted to results only.
    static void add_pending(ask_context const& ctx, std::span<gp_detail::gp_dimension const> dims,
                            gp_detail::gp_inputs& in, std::vector<double>& y, double liar) {
        std::size_t const n = y.size(), p = ctx.pending.size(), d = dims.size();
        tensor<double, 2> x = tensor<double, 2>::from_shape({n + p, d});
        std::copy(in.x.data(), in.x.data() + n * d, x.data());
        in.x = std::move(x);
        for (std::size_t k = 0; k < p; ++k) {
            HTUNE_CHECK(ctx.pending[k].unit.size() == d, "htune::samplers::gp: pending trial ", ctx.pending[k].number,
                        " has ", ctx.pending[k].unit.size(), " coordinates for ", d, " dimensions");
            write_row(ctx.pending[k].unit, dims, in, n + k);
        }
        y.resize(n + p, liar);
    }

    static std::vector<double> losses(ask_context const& ctx, std::span<std::size_t const> used, std::size_t rows) {
        std::vector<double> y(rows);
        for (std::size_t r = 0; r < rows; ++r) y[r] = ctx.history[used[r]].loss;
        gp_detail::clip_non_finite(y);
        return y;
    }

    // What the GP is fitted to: warped, standardised, and shifted so that the worst value is 0 (the
    // GP's prior mean).
    std::vector<double> targets(ask_context const& ctx, std::span<std::size_t const> used, std::size_t rows) const {
        std::vector<double> y = losses(ctx, used, rows);
        if (m_options.output_warping) gp_detail::warp_and_standardize(y);
        else gp_detail::standardize(y);
        if (!y.empty()) {
            double const worst = *std::max_element(y.begin(), y.end());
            for (double& v : y) v -= worst;
        }
        return y;
    }

    gp_detail::kernel_fit_options fit_options() const {
        gp_detail::kernel_fit_options o;
        o.deterministic = m_options.deterministic_objective;
        return o;
    }

    gp_detail::kernel_params default_params(std::size_t d) const {
        gp_detail::kernel_params p;
        p.inverse_squared_lengthscales.assign(d, 1.0);
        p.scale = 1.0;
        p.noise = m_options.deterministic_objective ? 1e-6 : 1e-2;
        return p;
    }

    std::uint64_t cache_key(ask_context const& ctx) const {
        std::uint64_t h = 0x67705f6b65726e6cULL;
        for (auto const& d : ctx.dims) {
            h = gp_detail::hash_mix(h, static_cast<std::uint64_t>(d.kind));
            h = gp_detail::hash_mix(h, d.count);
            h = gp_detail::hash_mix(h, static_cast<std::uint64_t>(d.parent));
        }
        h = gp_detail::hash_mix(h, m_options.startup_trials);
        h = gp_detail::hash_mix(h, m_options.deterministic_objective);
        h = gp_detail::hash_mix(h, m_options.output_warping);
        return h;
    }

    // Kernel parameters for all used observations, through the warm-start chain (see the top).
    gp_detail::kernel_params fitted_params(ask_context const& ctx, std::span<std::size_t const> used,
                                           std::span<gp_detail::gp_dimension const> dims) {
        std::size_t const n = used.size();
        std::size_t const first = chain_start();
        std::vector<std::uint64_t> prefix(n + 1);
        prefix[0] = cache_key(ctx);
        for (std::size_t k = 0; k < n; ++k) {
            auto const& o = ctx.history[used[k]];
            std::uint64_t h = gp_detail::hash_mix(prefix[k], o.number);
            h = gp_detail::hash_double(h, o.loss);
            for (double v : o.unit) h = gp_detail::hash_double(h, v);
            prefix[k + 1] = h;
        }
        // m_chain_raw[k - first] holds the raw parameters for the first k observations.
        std::size_t valid = 0;
        while (valid < m_chain_hash.size() && first + valid <= n && m_chain_hash[valid] == prefix[first + valid])
            ++valid;
        m_chain_hash.resize(valid);
        m_chain_raw.resize(valid);

        gp_detail::kernel_fit_options const options = fit_options();
        for (std::size_t k = first + valid; k <= n; ++k) {
            auto const inputs = make_inputs(ctx, used, dims, k);
            auto const y = targets(ctx, used, k);
            auto link = options;
            std::vector<double> start;
            if (m_chain_raw.empty()) {
                start = gp_detail::params_to_raw(default_params(dims.size()), options);
            } else {
                start = m_chain_raw.back();
                link.first_step = 0.02; // the optimum moves little with one more observation
            }
            auto fit = gp_detail::fit_kernel_params(inputs, y, link, start);
            if (!std::isfinite(fit.value)) fit.params = default_params(dims.size()); // never positive definite
            m_chain_hash.push_back(prefix[k]);
            m_chain_raw.push_back(gp_detail::params_to_raw(fit.params, options));
        }
        return gp_detail::raw_to_params(m_chain_raw[n - first], options);
    }

    bool exploitation_turn(std::size_t n) const noexcept {
        std::size_t const every = m_options.exploit_every;
        return every > 0 && (n - chain_start()) % every == every - 1;
    }

    void model_point(ask_context const& ctx, std::span<std::size_t const> used, rng& g, std::span<double> unit) {
        std::size_t const d = ctx.dims.size();
        std::size_t const n = used.size();
        auto const dims = gp_dimensions(ctx, used);
        auto params = fitted_params(ctx, used, dims);
        auto y = targets(ctx, used, n);
        std::size_t best = 0;
        for (std::size_t i = 1; i < n; ++i)
            if (y[i] < y[best]) best = i;
        auto inputs = make_inputs(ctx, used, dims, n);

        // The last observation improved on all before it: a Newton step may be converging.
        bool const exploit = exploitation_turn(n);
        bool const improving = m_options.exploit_every > 0 && best == n - 1;
        if (exploit || improving) {
            auto const raw_losses = losses(ctx, used, n);
            gp_detail::local_step_problem const problem{inputs,
                                                        raw_losses,
                                                        dims,
                                                        params.inverse_squared_lengthscales,
                                                        best,
                                                        fit_options(),
                                                        m_options.output_warping,
                                                        !exploit};
            if (auto const local = gp_detail::local_step(problem)) {
                write_unit(ctx, *local, unit);
                return;
            }
        }

        std::vector<double> warm(inputs.x.data() + best * d, inputs.x.data() + (best + 1) * d);
        if (!ctx.pending.empty()) add_pending(ctx, dims, inputs, y, y[best]);
        gp_detail::gaussian_process model(std::move(inputs), y, std::move(params));
        gp_detail::log_ei_acquisition acq(model, dims, y[best]);
        gp_detail::acquisition_optimizer optimizer(acq, dims);
        gp_detail::acquisition_search_options search;
        search.candidates = m_options.acquisition_candidates;
        search.local_searches = m_options.local_searches;
        auto const found = optimizer.maximise(g, search, warm, 1);
        write_unit(ctx, found.x, unit);
    }

    // GP coordinates to unit coordinates.
    static void write_unit(ask_context const& ctx, std::span<double const> x, std::span<double> unit) {
        for (std::size_t j = 0; j < unit.size(); ++j) {
            auto const& dim = ctx.dims[j];
            if (dim.kind == dimension_kind::categorical)
                unit[j] = index_to_unit(std::min(static_cast<std::uint64_t>(x[j]), dim.count - 1), dim.count);
            else unit[j] = snap_to_unit(dim, x[j]);
        }
    }

    gp_options m_options;
    std::vector<std::uint64_t> m_chain_hash;
    std::vector<std::vector<double>> m_chain_raw;
};

} // namespace htune::samplers
