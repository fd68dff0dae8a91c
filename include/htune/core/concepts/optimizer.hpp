#pragma once
//! The optimizer role. An optimizer O is a small copyable value holding its hyperparameters
//! (betas, momentum, weight decay), split from its run state:
//!  1. `typename O::template state<T>` is constructible from `(O const&, std::size_t n)`: the
//!     per-trial state (moments, velocities) for n parameters, allocated once.
//!  2. `state.step(std::span<T> params, std::span<T const> grads, T lr)` updates all n
//!     parameters in place; no allocation. The learning rate comes from the trainer (and its
//!     schedule), so one optimizer value serves any rate.
//! See docs/concepts/optimizer.md.

#include <cstddef>
#include <span>

#include "../roles.hpp"

namespace htune::concepts {
template <class O, class T = float>
concept optimizer =
    has_role<O, role::optimizer> && requires { typename O::template state<T>; } &&
    std::constructible_from<typename O::template state<T>, O const&, std::size_t> &&
    requires(typename O::template state<T>& s, std::span<T> p, std::span<T const> g, T lr) { s.step(p, g, lr); };
} // namespace htune::concepts
