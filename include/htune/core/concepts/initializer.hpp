#pragma once
//! The initializer role: `void operator()(std::span<T> w, std::size_t fan_in, std::size_t fan_out,
//! rng& g) const` fills weights, reproducibly from g. See docs/concepts/layer.md.

#include <cstddef>
#include <span>

#include "../rng.hpp"
#include "../roles.hpp"

namespace htune::concepts {
template <class I, class T = float>
concept initializer =
    has_role<I, role::initializer> && requires(I const& i, std::span<T> w, std::size_t n, rng& g) { i(w, n, n, g); };
} // namespace htune::concepts
