#pragma once
// Pieces shared by the regularizers: the strength check and the sign used by L1's gradient.

#include <cmath>
#include <cstddef>
#include <string_view>

#include "../../core/errors.hpp"

namespace htune::regularizers::detail {

inline void check_strength(std::string_view who, std::string_view member, double v) {
    HTUNE_CHECK(v >= 0 && std::isfinite(v), who, ": ", member, " (", v, ") must be >= 0 and finite");
}

inline void check_sizes(std::string_view who, std::size_t weights, std::size_t gradients) {
    HTUNE_CHECK_AS(shape_error, weights == gradients, who, "::add_gradient: ", weights, " weights and ", gradients,
                   " gradients");
}

// sign(x), with 0 at 0: the subgradient of |x| that leaves a zero weight at zero.
template <class T>
constexpr T sign(T x) noexcept {
    return x > T(0) ? T(1) : (x < T(0) ? T(-1) : T(0));
}

} // namespace htune::regularizers::detail
