#pragma once
//! The pruner role: decides, after a trial reported an intermediate value, whether to stop it.
//!   `bool should_prune(pruners::prune_context const& ctx) const`
//! The context holds the trial's own reported values and the finished trials it may compare with.
//! A pruner is a pure function of its context and options: the study shows trial n only the trials
//! numbered below n - lag that have finished (the sampler's rule), so a study's pruning decisions do
//! not depend on the number of jobs, and a study resumed from a journal decides as it did before.
//! See docs/concepts/pruner.md.

#include <cstdint>
#include <span>
#include <string_view>

#include "../core/roles.hpp"
#include "../core/trials.hpp"

namespace htune::pruners {

using htune::intermediate_value;
using htune::trial_state;

// A finished trial as pruners see it: its outcome and its reported values, in increasing step.
struct finished_trial {
    std::uint64_t number = 0;
    trial_state state = trial_state::complete; // complete, pruned or failed
    std::span<intermediate_value const> curve;
};

struct prune_context {
    bool maximize = false;
    std::string_view study_name;                  // Hyperband assigns brackets from (name, number), as Optuna does
    std::uint64_t number = 0;                     // the trial being judged
    std::span<intermediate_value const> reported; // its values so far, in increasing step; the last is the newest
    std::span<finished_trial const> finished;     // the trials it may compare with, in number order
};

} // namespace htune::pruners

namespace htune::concepts {
template <class P>
concept pruner = has_role<P, role::pruner> && requires(P const& p, pruners::prune_context const& ctx) {
    { p.should_prune(ctx) } -> std::convertible_to<bool>;
};
} // namespace htune::concepts
