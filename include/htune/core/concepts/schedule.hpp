#pragma once
//! The learning-rate schedule role: `double factor(training_progress const&) const` (optim::progress) returns the
//! multiplier of the base learning rate at a point of training (epoch and step, with totals).
//! See docs/concepts/optimizer.md.

#include "../roles.hpp"
#include "../training_progress.hpp"

namespace htune::concepts {
template <class S>
concept schedule = has_role<S, role::schedule> && requires(S const& s, training_progress const& p) {
    { s.factor(p) } -> std::convertible_to<double>;
};
} // namespace htune::concepts
