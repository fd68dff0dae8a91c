#pragma once
//! The learning-rate schedule role: `double factor(optim::progress const&) const` returns the
//! multiplier of the base learning rate at a point of training (epoch and step, with totals).
//! See docs/concepts/optimizer.md.

#include "../roles.hpp"

namespace htune::optim {
struct progress;
}

namespace htune::concepts {
template <class S>
concept schedule = has_role<S, role::schedule> && requires(S const& s, optim::progress const& p) {
    { s.factor(p) } -> std::convertible_to<double>;
};
} // namespace htune::concepts
