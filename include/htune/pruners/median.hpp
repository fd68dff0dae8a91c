#pragma once
// median: prune a trial whose best value so far is worse than the median of the complete trials'
// values at the same step; Optuna's MedianPruner, a percentile pruner (percentile.hpp) at 50 with
// the same defaults:
//
//   tune::study<space, samplers::tpe<>, pruners::median> s;    // 5 startup trials, no warmup

#include <cstdint>

#include "percentile.hpp"

namespace htune::pruners {

// The median pruner: a percentile pruner at 50.
struct median_options {
    std::uint64_t startup_trials = 5;
    std::uint64_t warmup_steps = 0;
    std::uint64_t interval_steps = 1;
    std::uint64_t min_trials = 1;
};

class median : public percentile {
public:
    median() : median(median_options{}) {}
    explicit median(median_options o)
        : percentile(percentile_options{.percentile = 50.0,
                                        .startup_trials = o.startup_trials,
                                        .warmup_steps = o.warmup_steps,
                                        .interval_steps = o.interval_steps,
                                        .min_trials = o.min_trials}) {}
};

} // namespace htune::pruners
