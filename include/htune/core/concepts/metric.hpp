#pragma once
//! The metric role: a score of a model's outputs on a whole data set.
//!  1. `static constexpr bool higher_is_better`: the direction (accuracy up, MSE down).
//!  2. `double operator()(batch_view<T const> out, targets<T> const& y) const`: the score
//!     for outputs (one row per sample: class scores, or predicted values) and their targets.
//! See docs/concepts/metric.md.

#include "../roles.hpp"
#include "../targets.hpp"
#include "../tensor.hpp"

namespace htune::concepts {
template <class M, class T = float>
concept metric = has_role<M, role::metric> && requires { M::higher_is_better; } &&
                 requires(M const& m, batch_view<T const> out, targets<T> const& y) {
                     { m(out, y) } -> std::convertible_to<double>;
                 };
} // namespace htune::concepts
