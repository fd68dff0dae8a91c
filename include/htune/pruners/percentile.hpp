#pragma once
// percentile: prune a trial whose best value so far is worse than the given percentile of the
// complete trials' values at the same step. Optuna's PercentilePruner, with the same defaults and
// the same decisions on the same values (tests/pruners compares them with Debian's python3-optuna);
// median.hpp is the same at 50:
//
//   pruners::percentile p{{.percentile = 25.0, .warmup_steps = 3}};

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "../core/errors.hpp"
#include "pruner.hpp"

namespace htune::pruners {

struct percentile_options {
    double percentile = 50.0;         // keep the trials in this top percentile (0 to 100)
    std::uint64_t startup_trials = 5; // no pruning until this many trials have completed
    std::uint64_t warmup_steps = 0;   // no pruning at steps below this
    std::uint64_t interval_steps = 1; // judge at warmup, warmup + interval, ... (at least 1)
    std::uint64_t min_trials = 1;     // no pruning while fewer complete trials reported this step
};

namespace detail {

// The value at `step` in a curve sorted by step, if one was reported.
inline std::optional<double> value_at(std::span<intermediate_value const> curve, std::uint64_t step) {
    auto const it = std::lower_bound(curve.begin(), curve.end(), step,
                                     [](intermediate_value const& v, std::uint64_t s) { return v.step < s; });
    if (it == curve.end() || it->step != step) return std::nullopt;
    return it->value;
}

// numpy.percentile's default ('linear'), computed as numpy 1.24 does, so that ties break alike.
inline double linear_percentile(std::vector<double>& values, double percent) {
    std::sort(values.begin(), values.end());
    double const n = static_cast<double>(values.size());
    double const q = percent / 100.0;
    double const index = n * q + (1.0 - q) - 1.0;
    double const below = std::floor(index);
    double const t = index - below;
    auto const lo = static_cast<std::size_t>(std::clamp(below, 0.0, n - 1.0));
    auto const hi = static_cast<std::size_t>(std::clamp(below + 1.0, 0.0, n - 1.0));
    double const a = values[lo], b = values[hi];
    double const diff = b - a;
    return t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
}

} // namespace detail

class percentile {
public:
    using htune_role = htune::role::pruner;

    percentile() : percentile(percentile_options{}) {}
    explicit percentile(percentile_options options) : m_options(options) {
        HTUNE_CHECK(m_options.percentile >= 0.0 && m_options.percentile <= 100.0,
                    "htune::pruners::percentile: percentile must be in [0, 100], got ", m_options.percentile);
        HTUNE_CHECK(m_options.interval_steps >= 1,
                    "htune::pruners::percentile: interval_steps must be at least 1, got ", m_options.interval_steps);
        HTUNE_CHECK(m_options.min_trials >= 1, "htune::pruners::percentile: min_trials must be at least 1, got ",
                    m_options.min_trials);
    }

    percentile_options const& options() const noexcept { return m_options; }

    bool should_prune(prune_context const& ctx) const {
        if (ctx.reported.empty()) return false;
        std::uint64_t complete = 0;
        for (auto const& f : ctx.finished) complete += f.state == trial_state::complete ? 1 : 0;
        if (complete == 0 || complete < m_options.startup_trials) return false;

        std::uint64_t const step = ctx.reported.back().step;
        if (step < m_options.warmup_steps) return false;
        if (!first_in_interval(ctx.reported, step)) return false;

        double best = ctx.reported.front().value;
        for (auto const& v : ctx.reported) best = ctx.maximize ? std::max(best, v.value) : std::min(best, v.value);

        std::vector<double> at_step;
        for (auto const& f : ctx.finished)
            if (f.state == trial_state::complete)
                if (auto const v = detail::value_at(f.curve, step)) at_step.push_back(*v);
        if (at_step.size() < m_options.min_trials) return false;
        double const p =
            detail::linear_percentile(at_step, ctx.maximize ? 100.0 - m_options.percentile : m_options.percentile);
        return ctx.maximize ? best < p : best > p;
    }

private:
    // Judge once per interval: at the first report at or past each checkpoint (a trial that skips
    // steps is judged at the next one it reports).
    bool first_in_interval(std::span<intermediate_value const> reported, std::uint64_t step) const {
        std::uint64_t const warmup = m_options.warmup_steps, interval = m_options.interval_steps;
        std::uint64_t const checkpoint = (step - warmup) / interval * interval + warmup;
        if (reported.size() < 2) return true;
        return reported[reported.size() - 2].step < checkpoint;
    }

    percentile_options m_options;
};

} // namespace htune::pruners
