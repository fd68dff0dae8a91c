#pragma once
//! The regularizer role: a penalty on a network's weights (not its biases).
//!  1. `T penalty(std::span<T const> w) const`: the penalty's value for these weights.
//!  2. `void add_gradient(std::span<T const> w, std::span<T> g) const`: adds d penalty / d w to g.
//! The trainer calls both for every weight block; with no regularizer nothing is called at all.
//! See docs/concepts/regularizer.md.

#include <span>

#include "../roles.hpp"

namespace htune::concepts {
template <class R, class T = float>
concept regularizer = has_role<R, role::regularizer> && requires(R const& r, std::span<T const> w, std::span<T> g) {
    { r.penalty(w) } -> std::convertible_to<T>;
    r.add_gradient(w, g);
};
} // namespace htune::concepts
