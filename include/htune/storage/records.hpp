#pragma once
// What a storage keeps of a study and its trials, independent of the space's C++ types: params are
// stored in their internal representation (a number for numeric params, an index for categorical
// ones), as Optuna stores them, so a journal written here reads back in Optuna and the other way round.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../core/trials.hpp"

namespace htune::storage {

// The states, the direction and intermediate values are core vocabulary (core/trials.hpp): a
// journal stores them as they are.
using htune::direction;
using htune::intermediate_value;
using htune::to_string;
using htune::trial_state;

using attributes = std::map<std::string, std::string, std::less<>>;
using time_point = std::chrono::system_clock::time_point;

// A param as a storage describes it: its name and its distribution in Optuna's JSON form
// ({"name": "FloatDistribution", "attributes": {...}}), which is also how a journal checks that a
// study is reopened with the space it was written with.
struct param_schema {
    std::string name;
    std::string distribution;
};

struct study_schema {
    std::string name;
    direction goal = direction::minimize;
    std::vector<param_schema> params;
};

// One trial as stored. `params` follows the schema's order; nullopt is a param the trial does not
// have (a conditional param whose condition does not hold).
struct stored_trial {
    std::uint64_t number = 0;
    trial_state state = trial_state::running;
    std::vector<std::optional<double>> params;
    std::optional<double> value;
    std::vector<intermediate_value> intermediate;
    attributes user_attrs;
    std::string message;       // why it failed
    bool enqueued = false;     // the config was given by the user (or is a retry)
    std::uint64_t attempt = 1; // 2 and more: rerun after its worker was interrupted
    std::string worker;        // who ran it
    time_point started{};
    std::optional<time_point> finished;
};

} // namespace htune::storage
