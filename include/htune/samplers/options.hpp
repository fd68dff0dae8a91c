#pragma once
// Option tags shared by several samplers (tpe<startup_trials<20>>, gp<startup_trials<5>>): one
// definition, so any set of sampler headers can be included together.

#include <cstdint>

namespace htune::samplers {

// Trials proposed before a model-based sampler starts modelling (random or a space-filling design).
template <std::int64_t N>
struct startup_trials {
    static constexpr std::int64_t value = N;
};

} // namespace htune::samplers
