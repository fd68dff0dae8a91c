#pragma once
// successive_halving: asynchronous successive halving (ASHA; Li et al. 2020), as Optuna's
// SuccessiveHalvingPruner. Rung k is reached at step min_resource * reduction_factor^(rate + k);
// a trial reaching it competes with every finished trial that reached it, and goes on only if its
// value there is in the top 1/reduction_factor of them.
//
//   tune::study<space, samplers::tpe<>, pruners::successive_halving> s;   // Optuna's defaults
//
// Rung values come from the trials' curves: a trial's value at rung k is its value at the first step
// it reported at or past the rung's step, and a rung is judged at that report only. Optuna records
// them at each should_prune() call instead; for the usual loop (report, then should_prune, every
// step) both give the same decisions (tests/pruners compares them). Since the decision depends on
// the curves alone, a study resumed from a journal judges as it did, with no extra records.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include "../core/errors.hpp"
#include "pruner.hpp"

namespace htune::pruners {

struct successive_halving_options {
    // Steps before the first rung; nullopt: the first complete trial's last step / 100 (at least 1),
    // no pruning until a trial has completed (Optuna's "auto").
    std::optional<std::uint64_t> min_resource = std::nullopt;
    std::uint64_t reduction_factor = 4;        // keep the top 1/reduction_factor at each rung (at least 2)
    std::uint64_t min_early_stopping_rate = 0; // rungs start at min_resource * reduction_factor^rate
    std::uint64_t bootstrap_count = 0;         // a rung with this many values or fewer prunes every trial
};

namespace detail {

// The first value at or past `step` in a curve sorted by step.
inline std::optional<double> value_reaching(std::span<intermediate_value const> curve, std::uint64_t step) {
    auto const it = std::lower_bound(curve.begin(), curve.end(), step,
                                     [](intermediate_value const& v, std::uint64_t s) { return v.step < s; });
    if (it == curve.end()) return std::nullopt;
    return it->value;
}

// min_resource * factor^exponent, saturating (a rung past every step is never reached).
inline std::uint64_t rung_step(std::uint64_t min_resource, std::uint64_t factor, std::uint64_t exponent) {
    std::uint64_t s = min_resource;
    for (std::uint64_t i = 0; i < exponent; ++i) {
        if (s > UINT64_MAX / factor) return UINT64_MAX;
        s *= factor;
    }
    return s;
}

// The lowest-numbered complete trial with values: what Optuna's "auto" estimates see in a sequential
// study. Until it completed, Optuna's pruner could not judge and recorded no rung values, so the
// trials up to it do not compete either.
struct first_complete {
    std::uint64_t number = 0;
    std::uint64_t last_step = 0;
};
inline std::optional<first_complete> first_complete_trial(std::span<finished_trial const> finished) {
    for (auto const& f : finished)
        if (f.state == trial_state::complete && !f.curve.empty()) return first_complete{f.number, f.curve.back().step};
    return std::nullopt;
}

} // namespace detail

class successive_halving {
public:
    using htune_role = htune::role::pruner;

    successive_halving() : successive_halving(successive_halving_options{}) {}
    explicit successive_halving(successive_halving_options options) : m_options(options) {
        HTUNE_CHECK(!m_options.min_resource || *m_options.min_resource >= 1,
                    "htune::pruners::successive_halving: min_resource must be at least 1, got ",
                    m_options.min_resource.value_or(0));
        HTUNE_CHECK(m_options.reduction_factor >= 2,
                    "htune::pruners::successive_halving: reduction_factor must be at least 2, got ",
                    m_options.reduction_factor);
    }

    successive_halving_options const& options() const noexcept { return m_options; }

    bool should_prune(prune_context const& ctx) const {
        if (ctx.reported.empty()) return false;
        if (m_options.min_resource) return judge(ctx, *m_options.min_resource, ctx.finished);
        auto const first = detail::first_complete_trial(ctx.finished);
        if (!first) return false;
        std::vector<finished_trial> after;
        for (auto const& f : ctx.finished)
            if (f.number > first->number) after.push_back(f);
        return judge(ctx, std::max<std::uint64_t>(first->last_step / 100, 1), after);
    }

    // The decision with a given min_resource, against the given trials (Hyperband passes a bracket's).
    template <class Trials>
    bool judge(prune_context const& ctx, std::uint64_t min_resource, Trials const& competitors) const {
        std::uint64_t const step = ctx.reported.back().step;
        std::uint64_t const previous = ctx.reported.size() > 1 ? ctx.reported[ctx.reported.size() - 2].step : 0;
        bool const first_report = ctx.reported.size() == 1;
        double const value = ctx.reported.back().value;
        std::vector<double> competing;
        for (std::uint64_t rung = 0;; ++rung) {
            std::uint64_t const at =
                detail::rung_step(min_resource, m_options.reduction_factor, m_options.min_early_stopping_rate + rung);
            if (step < at) return false;
            if (!first_report && previous >= at) continue; // reached, judged and passed at an earlier report
            competing.clear();
            for (finished_trial const& f : competitors)
                if (auto const v = detail::value_reaching(f.curve, at)) competing.push_back(*v);
            competing.push_back(value);
            if (competing.size() <= m_options.bootstrap_count) return true;
            if (!promotable(value, competing, ctx.maximize)) return true;
        }
    }

private:
    bool promotable(double value, std::vector<double>& competing, bool maximize) const {
        std::size_t index = competing.size() / m_options.reduction_factor;
        index = index == 0 ? 0 : index - 1;
        std::sort(competing.begin(), competing.end());
        return maximize ? value >= competing[competing.size() - 1 - index] : value <= competing[index];
    }

    successive_halving_options m_options;
};

} // namespace htune::pruners
