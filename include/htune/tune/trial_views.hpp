#pragma once
// What a sampler and a pruner see of a study's trials, under the lag rule (study.hpp): rebuilt in
// place for each ask and each report, so a long study allocates nothing new for them.

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "../core/trials.hpp"
#include "../pruners/pruner.hpp"
#include "../samplers/sampler.hpp"

namespace htune::tune::detail {

struct trial_views {
    std::vector<samplers::observation> history; // what the sampler learns from
    std::vector<std::uint64_t> failed;
    std::vector<samplers::observation> pending;
    std::vector<pruners::finished_trial> finished; // what the pruner compares with

    // What trial `number` may learn from: trials below number - lag that are complete (loss: the
    // value, negated when maximising) or pruned with a value; failed ones, and pruned ones without a
    // value, listed apart; the rest (running, or inside the lag window whatever their state) pending.
    template <class Record>
    void build_sampler_view(std::vector<Record> const& trials, std::uint64_t number, std::uint64_t lag,
                            direction goal) {
        history.clear();
        failed.clear();
        pending.clear();
        std::uint64_t const cutoff = number > lag ? number - lag : 0;
        double const sign = goal == direction::minimize ? 1.0 : -1.0;
        for (auto const& r : trials) {
            if (r.number >= number) break;
            samplers::observation o;
            o.number = r.number;
            o.unit = std::span<double const>(r.unit);
            o.enqueued = r.enqueued;
            if (r.number >= cutoff || r.state == trial_state::running) {
                o.loss = std::numeric_limits<double>::quiet_NaN();
                pending.push_back(o);
            } else if (r.state == trial_state::complete) {
                o.loss = sign * r.value;
                history.push_back(o);
            } else if (r.state == trial_state::pruned && !r.intermediate.empty()) {
                o.loss = sign * r.intermediate.back().value;
                o.pruned = true;
                o.pruned_step = r.intermediate.back().step;
                history.push_back(o);
            } else {
                failed.push_back(r.number);
            }
        }
    }

    // The finished trials numbered below `visible_below`: those the sampler saw when it proposed the
    // trial, and finished since, so a pruner's verdict does not depend on the number of jobs.
    template <class Record>
    void build_pruner_view(std::vector<Record> const& trials, std::uint64_t visible_below) {
        finished.clear();
        for (auto const& other : trials) {
            if (other.number >= visible_below) break;
            if (other.state == trial_state::running) continue;
            finished.push_back({other.number, other.state, std::span<intermediate_value const>(other.intermediate)});
        }
    }
};

} // namespace htune::tune::detail
