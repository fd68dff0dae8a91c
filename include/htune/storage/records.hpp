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

namespace htune::storage {

enum class trial_state { running, complete, failed, pruned };

inline constexpr std::string_view to_string(trial_state s) noexcept {
    switch (s) {
    case trial_state::running: return "running";
    case trial_state::complete: return "complete";
    case trial_state::failed: return "failed";
    case trial_state::pruned: return "pruned";
    }
    return "?";
}

enum class direction { minimize, maximize };

struct intermediate_value {
    std::uint64_t step = 0;
    double value = 0.0;
    friend bool operator==(intermediate_value const&, intermediate_value const&) = default;
};

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
    std::string message;                   // why it failed
    bool enqueued = false;                 // the config was given by the user (or is a retry)
    std::uint64_t attempt = 1;             // 2 and more: rerun after its worker was interrupted
    std::string worker;                    // who ran it
    time_point started{};
    std::optional<time_point> finished;
};

} // namespace htune::storage
