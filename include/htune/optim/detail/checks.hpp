#pragma once
// Range checks shared by the optimizers' and schedules' validate(); each message names the
// component, the member and the bad value: "htune::optim::adam: beta1 (1.5) must be in [0, 1)".
// NaN fails every check, since every comparison with it is false.

#include <cmath>
#include <cstddef>
#include <string_view>

#include "../../core/errors.hpp"

namespace htune::optim::detail {

inline void check_non_negative(std::string_view who, std::string_view member, double v) {
    HTUNE_CHECK(v >= 0 && std::isfinite(v), who, ": ", member, " (", v, ") must be >= 0 and finite");
}

inline void check_positive(std::string_view who, std::string_view member, double v) {
    HTUNE_CHECK(v > 0 && std::isfinite(v), who, ": ", member, " (", v, ") must be > 0 and finite");
}

// [0, 1): a decay factor of a running average (1 would freeze it).
inline void check_unit_open(std::string_view who, std::string_view member, double v) {
    HTUNE_CHECK(v >= 0 && v < 1, who, ": ", member, " (", v, ") must be in [0, 1)");
}

// [0, 1]: a fraction of the base learning rate.
inline void check_unit_closed(std::string_view who, std::string_view member, double v) {
    HTUNE_CHECK(v >= 0 && v <= 1, who, ": ", member, " (", v, ") must be in [0, 1]");
}

// Checked on every step (one comparison per step, not per element): a negative or NaN rate is
// a caller's bug that would silently turn descent into ascent or poison every parameter.
template <class T>
void check_step(std::string_view who, std::size_t n, std::size_t params, std::size_t grads, T lr) {
    HTUNE_CHECK_AS(shape_error, params == n && grads == n, who, "::state::step: ", params, " parameters and ", grads,
                   " gradients for a state of ", n);
    HTUNE_CHECK(lr >= 0 && std::isfinite(lr), who, "::state::step: learning rate (", lr, ") must be >= 0 and finite");
}

} // namespace htune::optim::detail
