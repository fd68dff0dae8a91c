#pragma once
//! The sampler role. A sampler proposes the next trial's point in the unit cube from what the study
//! shows it (samplers/dimension.hpp); it never sees the space's C++ types, so one sampler serves any
//! space and any objective.
//!
//! Required:
//!   `using htune_role = htune::role::sampler;`
//!   `s.ask(ask_context const& ctx, std::span<double> unit)` writes one coordinate per dimension
//!   (ctx.dims.size() of them). It proposes a value for every dimension, active or not: the study
//!   decides which conditional params are active and stores NaN for the others.
//! Optional (found at compile time):
//!   `s.setup(std::span<dimension const>)`: called once before the first ask; throws
//!     htune::invalid_argument when the sampler cannot handle the space (a categorical for CMA-ES).
//!   `s.capacity(std::span<dimension const>) -> std::optional<std::uint64_t>`: a sampler with finitely
//!     many points (grid) says how many; the study stops when they are used up.
//!   `static constexpr bool supports_categorical` / `supports_conditional` (default true): let the
//!     tuner reject a space the sampler cannot handle at compile time.
//!
//! Reproducibility: the study asks in trial-number order and gives each ask the random stream
//! rng::stream(study seed, trial number); a sampler whose proposal is a function of (ctx.history,
//! ctx.failed, ctx.pending, ctx.number, its own options) and that stream gives the same trials for
//! the same seed, also when the study is resumed from a journal with a fresh sampler object, and
//! with any number of parallel jobs (the study's lag window fixes what each trial sees).
//! See docs/concepts/sampler.md.

#include <concepts>
#include <cstdint>
#include <optional>
#include <span>

#include "../core/rng.hpp"
#include "../core/roles.hpp"
#include "dimension.hpp"

namespace htune::samplers {

struct ask_context {
    std::span<dimension const> dims;
    std::span<observation const> history;  // complete and pruned trials, in increasing trial number
    std::span<std::uint64_t const> failed; // numbers of failed trials, increasing
    std::uint64_t number = 0;              // the trial being asked for
    std::uint64_t sampled = 0;             // trials proposed by the sampler before this one (trial
                                           // numbers minus the enqueued trials): a point index
    std::uint64_t seed = 0;                // the study's seed
    rng* random = nullptr;                 // rng::stream(seed, number): this trial's random numbers
    // Trials numbered below this one whose results it does not see: still running, or inside the
    // study's lag window (docs/guides/parallel.md) whatever their state. Loss is NaN. A sampler may
    // treat them as a constant liar does, or ignore them; either way, deterministically.
    std::span<observation const> pending = {};
};

} // namespace htune::samplers

namespace htune::concepts {
template <class S>
concept sampler = has_role<S, role::sampler> &&
                  requires(S& s, samplers::ask_context const& ctx, std::span<double> unit) { s.ask(ctx, unit); };
} // namespace htune::concepts

namespace htune::samplers {

template <class S>
constexpr bool supports_categorical() {
    if constexpr (requires { S::supports_categorical; }) return S::supports_categorical;
    else return true;
}

template <class S>
constexpr bool supports_conditional() {
    if constexpr (requires { S::supports_conditional; }) return S::supports_conditional;
    else return true;
}

template <class S>
void setup(S& s, std::span<dimension const> dims) {
    if constexpr (requires { s.setup(dims); }) s.setup(dims);
}

template <class S>
std::optional<std::uint64_t> capacity(S const& s, std::span<dimension const> dims) {
    if constexpr (requires { s.capacity(dims); }) return s.capacity(dims);
    else return std::nullopt;
}

} // namespace htune::samplers
