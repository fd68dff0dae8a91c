#pragma once
// RMSprop, step for step as torch.optim.RMSprop (maximize off):
//   g <- g + weight_decay * p
//   v <- alpha * v + (1 - alpha) * g * g
//   a <- a + (1 - alpha) * (g - a)                               (centered only)
//   d <- sqrt(centered ? v - a * a : v) + epsilon
//   b <- momentum * b + g / d;  p <- p - lr * b                  (momentum > 0; b starts at 0)
//   p <- p - lr * g / d                                          (momentum == 0)

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "../core/errors.hpp"
#include "../core/roles.hpp"
#include "../core/thread_team.hpp"
#include "detail/checks.hpp"
#include "detail/sqrt.hpp"
#include "options.hpp"
#include "state.hpp"

namespace htune::optim {

namespace detail {
// The options RMSprop takes, listed once; a foreign one (an Adam option given to SGD, say) is
// refused with the list, and the instantiation of rmsprop_option<Option> above the error names it.
using rmsprop_option_tags = type_list<tag::alpha, tag::epsilon, tag::momentum, tag::centered, tag::weight_decay>;
template <class Option>
struct rmsprop_option {
    static_assert(is_option<Option>, "htune::optim::rmsprop: a template argument is not an optimizer option; "
                                     "RMSprop takes alpha<v>, epsilon<v>, momentum<v>, centered, weight_decay<v>");
    static_assert(!is_option<Option> || mp_contains<rmsprop_option_tags, option_tag_t<Option>>,
                  "htune::optim::rmsprop: an option RMSprop does not take (see rmsprop_option<Option> above); "
                  "RMSprop takes alpha<v>, epsilon<v>, momentum<v>, centered, weight_decay<v>");
    static constexpr bool value = true;
};

template <class T>
struct rmsprop_coefficients {
    T lr;
    T wd;
    T alpha;
    T one_minus_alpha;
    T eps;
    T momentum;
};

// The four variants are separate instantiations, so that no branch is left inside the loop.
// Centered takes the root of v - a * a unclamped: it may round below 0, and then, as in torch,
// the result is NaN rather than a silently clamped step.
template <bool Centered, bool Momentum, class T>
[[gnu::noinline]] void rmsprop_update(std::size_t n, T* __restrict p, T const* __restrict g, T* __restrict v,
                                      T* __restrict a, T* __restrict b, rmsprop_coefficients<T> const c) {
    for_each_chunk(n, [&](std::size_t begin, std::size_t count) {
        T root[sqrt_chunk];
        T grad[sqrt_chunk];
        for (std::size_t k = 0; k < count; ++k) {
            std::size_t const i = begin + k;
            grad[k] = g[i] + c.wd * p[i];
            v[i] = c.alpha * v[i] + c.one_minus_alpha * grad[k] * grad[k];
            if constexpr (Centered) {
                a[i] = a[i] + c.one_minus_alpha * (grad[k] - a[i]);
                root[k] = v[i] - a[i] * a[i];
            } else {
                root[k] = v[i];
            }
        }
        sqrt_in_place(root, count);
        for (std::size_t k = 0; k < count; ++k) {
            std::size_t const i = begin + k;
            T const denom = root[k] + c.eps;
            if constexpr (Momentum) {
                b[i] = c.momentum * b[i] + grad[k] / denom;
                p[i] = p[i] - c.lr * b[i];
            } else {
                p[i] = p[i] - c.lr * (grad[k] / denom);
            }
        }
    });
}
} // namespace detail

template <class... Options>
struct rmsprop {
    static_assert((detail::rmsprop_option<Options>::value && ...));

    using htune_role = role::optimizer;
    static constexpr std::string_view name = "htune::optim::rmsprop";

    double alpha = option_value<tag::alpha>(0.99, Options{}...);
    double epsilon = option_value<tag::epsilon>(1e-8, Options{}...);
    double momentum = option_value<tag::momentum>(0.0, Options{}...);
    bool centered = option_value<tag::centered>(false, Options{}...);
    double weight_decay = option_value<tag::weight_decay>(0.0, Options{}...);

    void htune_slots(auto&& visit) {
        visit(number_slot<option_arg<tag::alpha, Options...>, "optim alpha">(alpha),
              number_slot<option_arg<tag::epsilon, Options...>, "optim epsilon">(epsilon),
              number_slot<option_arg<tag::momentum, Options...>, "optim momentum">(momentum),
              number_slot<option_arg<tag::weight_decay, Options...>, "optim weight_decay">(weight_decay));
    }

    void validate() const {
        detail::check_unit_open(name, "alpha", alpha);
        detail::check_positive(name, "epsilon", epsilon);
        detail::check_unit_open(name, "momentum", momentum);
        detail::check_non_negative(name, "weight_decay", weight_decay);
    }

    // The update rule (optim/state.hpp): the average of squared gradients, the average of gradients
    // (centered only) and the velocity (momentum > 0 only).
    static constexpr std::size_t buffers = 3;
    bool uses_buffer(std::size_t k) const noexcept { return k == 0 || (k == 1 ? centered : momentum > 0); }
    double buffer_start(std::size_t) const noexcept { return 0.0; }

    template <class T, class Split>
    void update(step_args<T, 3> const& s, Split& split) const {
        detail::rmsprop_coefficients<T> const c{s.lr,
                                                static_cast<T>(weight_decay),
                                                static_cast<T>(alpha),
                                                static_cast<T>(1.0 - alpha),
                                                static_cast<T>(epsilon),
                                                static_cast<T>(momentum)};
        T* const p = s.p;
        T const* const g = s.g;
        T* const v = s.state[0];
        T* const a = s.state[1];
        T* const b = s.state[2];
        // a and b are null when their buffer is not used; never offset a null pointer.
        auto run = [&]<bool Centered, bool Momentum>() {
            split(s.n, [=](std::size_t i, std::size_t e) {
                detail::rmsprop_update<Centered, Momentum>(e - i, p + i, g + i, v + i, Centered ? a + i : a,
                                                           Momentum ? b + i : b, c);
            });
        };
        if (a && b) run.template operator()<true, true>();
        else if (a) run.template operator()<true, false>();
        else if (b) run.template operator()<false, true>();
        else run.template operator()<false, false>();
    }

    template <class T>
    using state = optim::state<rmsprop, T>;
};

} // namespace htune::optim
