#pragma once
// What a study keeps of each trial: its number, state, config (typed by the space) and its point in
// the unit cube, the objective's value, intermediate values for pruners, user attributes, the
// failure message and the timing. Enough to rebuild the sampler's view (a journal stores the same).

#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../core/trials.hpp"

namespace htune::tune {

// The states, the direction and intermediate values are core vocabulary (core/trials.hpp).
using htune::direction;
using htune::intermediate_value;
using htune::to_string;
using htune::trial_state;

template <class Config>
struct trial_record {
    using clock = std::chrono::system_clock;

    std::uint64_t number = 0;
    trial_state state = trial_state::running;
    Config config{};
    std::vector<double> unit;                                // the config in the unit cube; NaN where absent
    double value = std::numeric_limits<double>::quiet_NaN(); // the objective's value when complete
    std::vector<intermediate_value> intermediate;            // report()ed values, in increasing step
    std::map<std::string, std::string, std::less<>> user_attrs;
    std::string message;        // why it failed
    bool enqueued = false;      // the config came from enqueue(), not the sampler
    std::uint64_t attempt = 1;  // 2 and more: rerun after its worker was interrupted
    bool prune_advised = false; // the pruner's verdict on the last reported value
    std::string worker;         // who runs it (with a storage: the storage's worker id)
    clock::time_point started{};
    clock::time_point finished{};

    std::chrono::duration<double> duration() const { return finished - started; }
};

} // namespace htune::tune
