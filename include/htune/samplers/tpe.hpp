#pragma once
// tpe<Options...>: the Tree-structured Parzen Estimator sampler, after Optuna 3.1's TPESampler, with
// three changes by default that find better points (docs/samplers/tpe.md has the measurements).
//
// After `startup_trials` random trials (uniform in the unit cube, snapped), the observations are
// ranked (complete ones by loss; pruned ones after them, further steps first, then by loss) and the
// best gamma(n) form the "below" group, n counting every observation. A Parzen estimator l is fitted to
// the below group and g to the others; `ei_candidates` draws from l are scored by log l - log g and
// the best is proposed. With `multivariate` (the default), the dimensions active in every observation
// share one joint estimator; the others (conditional ones) get one estimator each, from the trials
// where they are active.
//   Options: startup_trials<N> (10), ei_candidates<N> (24), multivariate (default), univariate,
//   optuna_compatible. Run-time form: tpe<>{{.startup_trials = 20}}; the struct replaces all
//   compile-time defaults, so start from tpe<...>::default_options to change one field.
// A proposal is a function of (history, ctx.random's stream, options) only: the buffers and the sorted
// history kept between asks never change it, so a resumed study with a fresh sampler repeats it.
//
// Differences from Optuna 3.1's defaults (startup trials, candidates and gamma are Optuna's):
//  - multivariate by default, and its bandwidth follows each dimension's spread (spread_bandwidth):
//    Optuna's 0.2 n^(-1/(d+4)) is Scott's rule for points spread uniformly; scaled by the group's
//    robust spread over the uniform's, it narrows where the group has gathered;
//  - the below group's observations weigh by their improvement over the split (weigh_by_improvement);
//  - tpe<optuna_compatible> turns those three off: then nothing differs in the scores, including a
//    bug: Optuna 3.1's continuous Parzen "densities" lack 1/sigma (optuna issue #5109, fixed in 3.5),
//    kept because they measured better (median best over 60 seeds on the four bench problems after
//    50/100/200 trials was better at 22 of 24 points, e.g. Hartmann6 after 50 trials -2.73 against
//    -2.47; with the spread bandwidths too, docs/samplers/tpe.md). `normalized_density` gives 3.5's;
//  - constant_liar is on by default (it only acts on pending trials, which sequential studies lack);
//  - equal values are ordered by age (Optuna's bandwidth argsort is not stable); a NaN score never wins;
//  - a categorical dimension's candidates are drawn from the mixture's marginal (the same law);
//  - cost: each dimension's observations stay sorted between asks, kernels whose share is provably
//    below 1e-20 (e^-40 in the multivariate sum) are skipped, and dense blocks of kernels with one
//    bandwidth are summed as a series (samplers/detail/parzen_estimator.hpp). The densities agree with
//    Optuna's to ~1e-15.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "../core/errors.hpp"
#include "../core/rng.hpp"
#include "../core/roles.hpp"
#include "detail/parzen_estimator.hpp"
#include "dimension.hpp"
#include "options.hpp"
#include "sampler.hpp"

namespace htune::samplers {

template <std::int64_t N>
struct ei_candidates {
    static constexpr std::int64_t value = N;
};

struct multivariate {};
struct univariate {};
// Optuna 3.1's TPESampler defaults exactly: univariate, neighbour bandwidths, equal weights.
struct optuna_compatible {};

// Optuna's default_gamma: the below group holds 10% of the observations, at most 25.
inline std::size_t default_gamma(std::size_t n) noexcept {
    return std::min(static_cast<std::size_t>(std::ceil(0.1 * static_cast<double>(n))), std::size_t{25});
}

// Optuna's hyperopt_default_gamma: ceil(sqrt(n) / 4), at most 25.
inline std::size_t hyperopt_gamma(std::size_t n) noexcept {
    return std::min(static_cast<std::size_t>(std::ceil(0.25 * std::sqrt(static_cast<double>(n)))), std::size_t{25});
}

struct tpe_options {
    std::int64_t startup_trials = 10;                  // random trials before the model is used
    std::int64_t ei_candidates = 24;                   // draws from l scored per proposal
    bool multivariate = true;                          // one joint estimator for the always-active dims
    double prior_weight = 1.0;                         // weight of the prior component N(0.5, 1)
    std::size_t (*gamma)(std::size_t) = default_gamma; // size of the below group from n observations
    bool consider_prior = true;
    bool consider_magic_clip = true; // bandwidths >= 1 / min(100, components + 1)
    bool consider_endpoints = false; // the outermost means' bandwidth also looks at the bounds
    // Score with Parzen densities that integrate to 1 (Optuna >= 3.5) instead of Optuna 3.1's, which
    // lack 1/sigma for continuous kernels and measured better (see the top of this file).
    bool normalized_density = false;
    // Trials the study shows as pending (running in parallel, or in its lag window) join the "above"
    // group at their points, ranked worst, so parallel workers spread out (Optuna's constant_liar,
    // which is off by default there). Sequential asks have no pending trials: no effect.
    bool constant_liar = true;
    // The joint estimator's bandwidth in each dimension follows the group's spread there
    // (detail::multivariate_parzen); false: Optuna's one bandwidth for every dimension.
    bool spread_bandwidth = true;
    // Each "below" observation weighs 0.1 + (y_split - y) / (y_split - y_best), y_split being the best
    // loss outside the group: the best count ~11x the last. Only when the group's losses are all of
    // complete trials; false: equal weights, as Optuna.
    bool weigh_by_improvement = true;
};

namespace detail {

// Not constexpr: reached while checking compile-time options, the call is the compile error.
template <class... Args>
[[noreturn]] void invalid_tpe_option(Args const&... args) {
    htune::detail::throw_error<invalid_argument>(args...);
}

constexpr void validate_tpe_options(tpe_options const& o) {
    if (o.startup_trials < 0)
        invalid_tpe_option("htune::samplers::tpe: startup_trials (", o.startup_trials, ") must be >= 0");
    if (o.ei_candidates < 1)
        invalid_tpe_option("htune::samplers::tpe: ei_candidates (", o.ei_candidates, ") must be >= 1");
    if (!(o.prior_weight > 0.0 && o.prior_weight < std::numeric_limits<double>::infinity()))
        invalid_tpe_option("htune::samplers::tpe: prior_weight (", o.prior_weight, ") must be finite and > 0");
    // No tag sets gamma; and under -fsanitize=undefined g++ cannot compare a function's address in a
    // constant expression.
    if (!std::is_constant_evaluated() && o.gamma == nullptr)
        invalid_tpe_option("htune::samplers::tpe: gamma must not be null");
}

template <class Option>
struct tpe_option_traits {
    static_assert(sizeof(Option) == 0,
                  "htune::samplers::tpe: an option must be startup_trials<N>, ei_candidates<N>, multivariate, "
                  "univariate or optuna_compatible");
};
template <std::int64_t N>
struct tpe_option_traits<startup_trials<N>> {
    static constexpr void apply(tpe_options& o) { o.startup_trials = N; }
};
template <std::int64_t N>
struct tpe_option_traits<ei_candidates<N>> {
    static constexpr void apply(tpe_options& o) { o.ei_candidates = N; }
};
template <>
struct tpe_option_traits<multivariate> {
    static constexpr void apply(tpe_options& o) { o.multivariate = true; }
};
template <>
struct tpe_option_traits<univariate> {
    static constexpr void apply(tpe_options& o) { o.multivariate = false; }
};
template <>
struct tpe_option_traits<optuna_compatible> {
    static constexpr void apply(tpe_options& o) {
        o.multivariate = false;
        o.spread_bandwidth = false;
        o.weigh_by_improvement = false;
    }
};

} // namespace detail

// Optuna 3.1's TPESampler defaults: the scores of every proposal equal Optuna's to ~1e-15.
inline constexpr tpe_options optuna_compatible_options() {
    tpe_options o;
    detail::tpe_option_traits<optuna_compatible>::apply(o);
    return o;
}

namespace detail {

template <class... Options>
constexpr tpe_options make_tpe_options() {
    tpe_options o;
    (tpe_option_traits<Options>::apply(o), ...);
    return o;
}

inline void validate_tpe_dimensions(std::span<dimension const> dims) {
    for (dimension const& d : dims)
        if (d.kind != dimension_kind::continuous && d.count == 0)
            htune::detail::throw_error<invalid_argument>("htune::samplers::tpe: dimension \"", d.name,
                                                         "\" is discrete or categorical with count 0");
}

// Each numeric dimension's active observations in (coordinate, trial order) order, kept between asks.
// Every ask compares the kept history with the new one (O(n d)); when trials were only added, the
// orders are extended, otherwise rebuilt: they are a function of the history alone, never of the cache.
class sorted_history {
public:
    void update(std::span<dimension const> dims, std::span<observation const> history) {
        std::size_t const nd = dims.size(), n = history.size();
        bool same_layout = m_layout.size() == nd;
        for (std::size_t d = 0; same_layout && d < nd; ++d)
            same_layout = m_layout[d].kind == dims[d].kind && m_layout[d].count == dims[d].count;
        if (!same_layout) {
            m_layout.clear();
            for (dimension const& dim : dims) m_layout.push_back(unit_layout{dim.kind, dim.count, dim.log});
            m_numbers.clear();
            m_units.clear();
        }
        resize_buffer(m_fresh, n * nd);
        for (std::size_t i = 0; i < n; ++i) {
            HTUNE_ASSERT(history[i].unit.size() == nd);
            for (std::size_t d = 0; d < nd; ++d) {
                double const u = history[i].unit[d];
                m_fresh[i * nd + d] = is_active(u) ? snap_to_unit(dims[d], u) : inactive;
            }
        }
        // Match the kept trials to the new history by number.
        m_map.clear();
        m_added.clear();
        bool extend = true;
        std::size_t j = 0;
        for (std::size_t i = 0; i < n && extend; ++i) {
            if (j < m_numbers.size() && m_numbers[j] == history[i].number) {
                for (std::size_t d = 0; d < nd && extend; ++d) {
                    double const a = m_units[j * nd + d], b = m_fresh[i * nd + d];
                    extend = a == b || (std::isnan(a) && std::isnan(b));
                }
                m_map.push_back(i);
                ++j;
            } else if (j < m_numbers.size() && m_numbers[j] < history[i].number) {
                extend = false; // a kept trial is gone
            } else {
                m_added.push_back(i);
            }
        }
        extend = extend && j == m_numbers.size() && m_added.size() <= n / 8 + 16;
        m_order.resize(nd);
        for (std::size_t d = 0; d < nd; ++d) {
            std::vector<std::size_t>& order = m_order[d];
            auto const less = [&](std::size_t a, std::size_t b) {
                double const ua = m_fresh[a * nd + d], ub = m_fresh[b * nd + d];
                return ua < ub || (ua == ub && a < b);
            };
            if (dims[d].kind == dimension_kind::categorical) {
                order.clear();
            } else if (extend) {
                for (std::size_t& i : order) i = m_map[i];
                for (std::size_t i : m_added)
                    if (is_active(m_fresh[i * nd + d]))
                        order.insert(std::lower_bound(order.begin(), order.end(), i, less), i);
            } else {
                order.clear();
                for (std::size_t i = 0; i < n; ++i)
                    if (is_active(m_fresh[i * nd + d])) order.push_back(i);
                std::sort(order.begin(), order.end(), less);
            }
        }
        resize_buffer(m_numbers, n);
        for (std::size_t i = 0; i < n; ++i) m_numbers[i] = history[i].number;
        std::swap(m_units, m_fresh);
    }

    // Snapped coordinate d of observation i, NaN where inactive.
    double unit(std::size_t i, std::size_t d) const noexcept { return m_units[i * m_layout.size() + d]; }
    std::span<std::size_t const> order(std::size_t d) const noexcept { return m_order[d]; }

private:
    std::vector<unit_layout> m_layout;
    std::vector<std::uint64_t> m_numbers;
    std::vector<double> m_units, m_fresh;
    std::vector<std::vector<std::size_t>> m_order;
    std::vector<std::size_t> m_map, m_added;
};

// The non-template part of tpe: the split, the per-dimension estimators and the buffers they reuse.
class tpe_engine {
public:
    void ask(ask_context const& ctx, std::span<double> unit, tpe_options const& o) {
        auto const dims = ctx.dims;
        HTUNE_CHECK_AS(shape_error, unit.size() == dims.size(), "htune::samplers::tpe: ask got ", unit.size(),
                       " coordinates for ", dims.size(), " dimensions");
        validate_tpe_dimensions(dims);
        rng fallback = rng::stream(ctx.seed, ctx.number);
        rng& random = ctx.random != nullptr ? *ctx.random : fallback;
        // One draw seeds a stream per dimension, so a dimension's proposal does not depend on how many
        // numbers the others used.
        std::uint64_t const base = random();
        auto const n = ctx.history.size(); // pending trials count neither for startup nor for gamma

        if (n < static_cast<std::size_t>(o.startup_trials)) {
            for (std::size_t d = 0; d < dims.size(); ++d) {
                rng g = rng::stream(base, d);
                unit[d] = snap_to_unit(dims[d], uniform01(g));
            }
            return;
        }

        std::span<observation const> seen = ctx.history;
        if (o.constant_liar && !ctx.pending.empty()) {
            merge_pending(ctx.history, ctx.pending);
            seen = m_merged;
        }
        m_history.update(dims, seen);
        split(seen, n, o);
        parzen_settings const s{.prior_weight = o.prior_weight,
                                .consider_prior = o.consider_prior,
                                .consider_magic_clip = o.consider_magic_clip,
                                .consider_endpoints = o.consider_endpoints,
                                .normalized = o.normalized_density,
                                .spread_bandwidth = o.spread_bandwidth};
        m_done.assign(dims.size(), false);
        if (o.multivariate) propose_joint(dims, unit, o, s, base);
        for (std::size_t d = 0; d < dims.size(); ++d) {
            if (m_done[d]) continue;
            rng g = rng::stream(base, d);
            unit[d] = propose_one(dims[d], d, g, o, s);
        }
    }

private:
    struct rank_key {
        bool pending;
        bool pruned;
        std::uint64_t step;
        double loss;
    };

    // History and pending trials in trial-number order; a pending one has loss NaN.
    void merge_pending(std::span<observation const> history, std::span<observation const> pending) {
        m_merged.clear();
        m_merged.reserve(history.size() + pending.size());
        std::merge(history.begin(), history.end(), pending.begin(), pending.end(), std::back_inserter(m_merged),
                   [](observation const& a, observation const& b) { return a.number < b.number; });
        for (auto& ob : m_merged)
            if (std::isnan(ob.loss)) ob.pruned = false;
    }

    // Marks the best gamma(n_seen) observations (n_seen: those with results): complete before pruned,
    // pruned by step descending, then loss, then trial order (Optuna's stable sort by (-step, value));
    // pending trials (loss NaN) last. O(n) with nth_element.
    void split(std::span<observation const> history, std::size_t n_seen, tpe_options const& o) {
        std::size_t const n = history.size();
        std::size_t const n_below = std::min(o.gamma(n_seen), n_seen);
        resize_buffer(m_keys, n);
        for (std::size_t i = 0; i < n; ++i) {
            observation const& ob = history[i];
            m_keys[i] = {std::isnan(ob.loss), ob.pruned, ob.pruned ? ob.pruned_step : 0,
                         std::isnan(ob.loss) ? std::numeric_limits<double>::infinity() : ob.loss};
        }
        resize_buffer(m_rank, n);
        for (std::size_t i = 0; i < n; ++i) m_rank[i] = i;
        auto const better = [&](std::size_t a, std::size_t b) {
            rank_key const& x = m_keys[a];
            rank_key const& y = m_keys[b];
            if (x.pending != y.pending) return !x.pending;
            if (x.pruned != y.pruned) return !x.pruned;
            if (x.step != y.step) return x.step > y.step;
            if (x.loss != y.loss) return x.loss < y.loss;
            return a < b;
        };
        if (n_below < n)
            std::nth_element(m_rank.begin(), m_rank.begin() + static_cast<std::ptrdiff_t>(n_below), m_rank.end(),
                             better);
        assign_buffer(m_below, n, char{0});
        for (std::size_t i = 0; i < n_below; ++i) m_below[m_rank[i]] = 1;
        m_weighted = o.weigh_by_improvement && weigh_below(n_below, better);
    }

    // Improvement weights of the below group (see tpe_options::weigh_by_improvement), in m_weight by
    // observation; false (equal weights) when a loss in the group is not a complete trial's or all
    // are equal. y_split: the best complete loss outside the group, else the group's worst.
    template <class Better>
    bool weigh_below(std::size_t n_below, Better const& better) {
        std::size_t const n = m_keys.size();
        if (n_below == 0) return false;
        auto const below_end = m_rank.begin() + static_cast<std::ptrdiff_t>(n_below);
        std::sort(m_rank.begin(), below_end, better);
        auto const complete = [&](std::size_t i) { return !m_keys[i].pending && !m_keys[i].pruned; };
        if (!complete(m_rank[n_below - 1])) return false;
        double split_loss = m_keys[m_rank[n_below - 1]].loss;
        if (n_below < n) {
            auto const next = std::min_element(below_end, m_rank.end(), better);
            if (complete(*next)) split_loss = m_keys[*next].loss;
        }
        double const best = m_keys[m_rank[0]].loss;
        double const span = split_loss - best;
        if (!(span > 0.0 && std::isfinite(span))) return false;
        resize_buffer(m_weight, n);
        for (std::size_t r = 0; r < n_below; ++r) {
            std::size_t const i = m_rank[r];
            m_weight[i] = 0.1 + (split_loss - m_keys[i].loss) / span;
        }
        return true;
    }

    // The below group's weights for the observations active in dimension d (all when d is npos), in
    // trial order; empty when equal.
    std::span<double const> below_weights(std::size_t d) {
        m_group_weight.clear();
        if (!m_weighted) return {};
        for (std::size_t i = 0; i < m_below.size(); ++i)
            if (m_below[i] && (d == npos || is_active(m_history.unit(i, d)))) m_group_weight.push_back(m_weight[i]);
        return m_group_weight;
    }
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    // Active values of dimension d in the below and above groups: in trial order for a categorical
    // dimension, else sorted by value and tagged with their index in their group's trial order.
    void gather(dimension const& dim, std::size_t d) {
        std::size_t const n = m_below.size();
        if (dim.kind == dimension_kind::categorical) {
            m_values_below.clear();
            m_values_above.clear();
            for (std::size_t i = 0; i < n; ++i) {
                double const u = m_history.unit(i, d);
                if (is_active(u)) (m_below[i] ? m_values_below : m_values_above).push_back(u);
            }
            return;
        }
        resize_buffer(m_group_index, n);
        std::size_t counts[2] = {0, 0};
        for (std::size_t i = 0; i < n; ++i)
            if (is_active(m_history.unit(i, d))) m_group_index[i] = counts[m_below[i] ? 1 : 0]++;
        m_sorted_below.clear();
        m_sorted_above.clear();
        for (std::size_t i : m_history.order(d))
            (m_below[i] ? m_sorted_below : m_sorted_above).emplace_back(m_history.unit(i, d), m_group_index[i]);
    }

    double propose_one(dimension const& dim, std::size_t d, rng& g, tpe_options const& o, parzen_settings const& s) {
        if (dim.kind != dimension_kind::continuous && dim.count == 1) return 0.5;
        gather(dim, d);
        auto const n_candidates = static_cast<std::size_t>(o.ei_candidates);
        parzen_settings below = s;
        below.weights = below_weights(d);
        if (dim.kind == dimension_kind::categorical) {
            m_cat_below.fit(m_values_below, dim.count, below);
            m_cat_above.fit(m_values_above, dim.count, s);
            return best_of(
                n_candidates, [&] { return m_cat_below.sample(g); },
                [&](double x) { return m_cat_below.log_pdf(x) - m_cat_above.log_pdf(x); });
        }
        std::uint64_t const count = dim.kind == dimension_kind::discrete ? dim.count : 0;
        m_num_below.fit_sorted(m_sorted_below, count, below);
        m_num_above.fit_sorted(m_sorted_above, count, s);
        m_seen.clear();
        return best_of(
            n_candidates, [&] { return m_num_below.sample(g); },
            [&](double x) {
                if (count == 0) return m_num_below.log_pdf(x) - m_num_above.log_pdf(x);
                // Grid candidates repeat: score each value once.
                for (auto const& [value, score] : m_seen)
                    if (value == x) return score;
                double const score = m_num_below.log_pdf(x) - m_num_above.log_pdf(x);
                m_seen.emplace_back(x, score);
                return score;
            });
    }

    // Draws all candidates first (as Optuna), then keeps the first with the highest score; a NaN
    // score never wins.
    template <class Sample, class Score>
    double best_of(std::size_t n_candidates, Sample&& sample, Score&& score) {
        m_candidates.clear();
        for (std::size_t j = 0; j < n_candidates; ++j) m_candidates.push_back(sample());
        double best_x = m_candidates[0], best = -std::numeric_limits<double>::infinity();
        for (double x : m_candidates) {
            double const sc = score(x);
            if (sc > best) best = sc, best_x = x;
        }
        return best_x;
    }

    // Multivariate TPE over the dimensions active in every observation (Optuna's intersection search
    // space); single-valued dimensions are left to propose_one.
    void propose_joint(std::span<dimension const> dims, std::span<double> unit, tpe_options const& o,
                       parzen_settings const& s, std::uint64_t base) {
        std::size_t const n = m_below.size();
        m_group.clear();
        m_group_dims.clear();
        for (std::size_t d = 0; d < dims.size(); ++d) {
            if (dims[d].kind != dimension_kind::continuous && dims[d].count == 1) continue;
            bool always = true;
            for (std::size_t i = 0; i < n && always; ++i) always = is_active(m_history.unit(i, d));
            if (!always) continue;
            m_group.push_back(d);
            m_group_dims.push_back(unit_layout{dims[d].kind, dims[d].count, dims[d].log});
        }
        std::size_t const nd = m_group.size();
        if (nd == 0) return;
        m_rows_below.clear();
        m_rows_above.clear();
        for (std::size_t i = 0; i < n; ++i) {
            auto& rows = m_below[i] ? m_rows_below : m_rows_above;
            for (std::size_t j = 0; j < nd; ++j) rows.push_back(m_history.unit(i, m_group[j]));
        }
        parzen_settings below = s;
        below.weights = below_weights(npos);
        m_joint_below.fit(m_rows_below, m_group_dims, below);
        m_joint_above.fit(m_rows_above, m_group_dims, s);

        rng g = rng::stream(base, dims.size()); // a stream no single dimension uses
        auto const n_candidates = static_cast<std::size_t>(o.ei_candidates);
        resize_buffer(m_joint_candidates, n_candidates * nd);
        for (std::size_t j = 0; j < n_candidates; ++j)
            m_joint_below.sample(g, std::span<double>(m_joint_candidates).subspan(j * nd, nd));
        std::size_t best_j = 0;
        double best = -std::numeric_limits<double>::infinity();
        for (std::size_t j = 0; j < n_candidates; ++j) {
            auto const x = std::span<double const>(m_joint_candidates).subspan(j * nd, nd);
            double const score = m_joint_below.log_pdf(x) - m_joint_above.log_pdf(x);
            if (score > best) best = score, best_j = j;
        }
        for (std::size_t j = 0; j < nd; ++j) {
            unit[m_group[j]] = m_joint_candidates[best_j * nd + j];
            m_done[m_group[j]] = true;
        }
    }

    sorted_history m_history;
    std::vector<observation> m_merged;
    std::vector<rank_key> m_keys;
    std::vector<std::size_t> m_rank, m_group_index;
    std::vector<char> m_below;
    bool m_weighted = false;
    std::vector<double> m_weight, m_group_weight;
    std::vector<bool> m_done;
    std::vector<double> m_values_below, m_values_above, m_candidates;
    std::vector<numeric_parzen::entry> m_sorted_below, m_sorted_above;
    std::vector<std::pair<double, double>> m_seen;
    numeric_parzen m_num_below, m_num_above;
    categorical_parzen m_cat_below, m_cat_above;
    std::vector<std::size_t> m_group;
    std::vector<unit_layout> m_group_dims;
    std::vector<double> m_rows_below, m_rows_above, m_joint_candidates;
    multivariate_parzen m_joint_below, m_joint_above;
};

} // namespace detail

template <class... Options>
class tpe {
public:
    using htune_role = htune::role::sampler;
    static constexpr std::string_view name = "tpe";

    // The run-time options that the compile-time ones stand for.
    static constexpr tpe_options default_options = detail::make_tpe_options<Options...>();

private:
    static consteval bool compile_time_options_valid() {
        detail::validate_tpe_options(default_options);
        return true;
    }
    static_assert(compile_time_options_valid());

public:
    tpe() : m_options(default_options) {}

    explicit tpe(tpe_options options) : m_options(options) { detail::validate_tpe_options(options); }

    tpe_options const& options() const noexcept { return m_options; }

    void setup(std::span<dimension const> dims) const { detail::validate_tpe_dimensions(dims); }

    // Proposes the next point. A pure function of (ctx.history, ctx.random's stream, options): the
    // buffers kept between asks only save allocations.
    void ask(ask_context const& ctx, std::span<double> unit) { m_engine.ask(ctx, unit, m_options); }

private:
    tpe_options m_options;
    detail::tpe_engine m_engine;
};

} // namespace htune::samplers
