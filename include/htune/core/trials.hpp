#pragma once
// The words a study, its pruners and its storage share about trials: a trial's state, the
// direction of the objective, and an intermediate value reported at a step.

#include <cstdint>
#include <string_view>

namespace htune {

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

} // namespace htune
