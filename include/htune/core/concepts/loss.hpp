#pragma once
//! The loss role. A loss L compares a batch of network outputs with the batch's targets:
//!  1. `L::target_kind` is `class_labels` (integer labels) or `real_values`
//!     (a row of real targets per sample).
//!  2. `T value(batch_view<T const> out, targets<T> const& y) const`: the mean loss.
//!  3. `T value_and_gradient(batch_view<T const> out, targets<T> const& y,
//!     batch_view<T> grad) const`: the mean loss, and writes d loss / d out into grad.
//! See docs/concepts/loss.md.

#include "../roles.hpp"
#include "../targets.hpp"
#include "../tensor.hpp"

namespace htune::concepts {
template <class L, class T = float>
concept loss = has_role<L, role::loss> && requires { typename L::target_kind; } &&
               requires(L const& l, batch_view<T const> out, targets<T> const& y, batch_view<T> g) {
                   { l.value(out, y) } -> std::convertible_to<T>;
                   { l.value_and_gradient(out, y, g) } -> std::convertible_to<T>;
               };
} // namespace htune::concepts
