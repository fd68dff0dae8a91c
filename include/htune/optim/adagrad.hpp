#pragma once
// AdaGrad, step for step as torch.optim.Adagrad (dense gradients, maximize off). At step t:
//   g <- g + weight_decay * p
//   s <- s + g * g                                  (s starts at initial_accumulator)
//   p <- p - lr / (1 + (t - 1) * lr_decay) * g / (sqrt(s) + epsilon)

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
// The options AdaGrad takes, listed once; a foreign one (an Adam option given to SGD, say) is
// refused with the list, and the instantiation of adagrad_option<Option> above the error names it.
using adagrad_option_tags = type_list<tag::lr_decay, tag::weight_decay, tag::initial_accumulator, tag::epsilon>;
template <class Option>
struct adagrad_option {
    static_assert(is_option<Option>, "htune::optim::adagrad: a template argument is not an optimizer option; "
                                     "AdaGrad takes lr_decay<v>, weight_decay<v>, initial_accumulator<v>, epsilon<v>");
    static_assert(!is_option<Option> || mp_contains<adagrad_option_tags, option_tag_t<Option>>,
                  "htune::optim::adagrad: an option AdaGrad does not take (see adagrad_option<Option> above); "
                  "AdaGrad takes lr_decay<v>, weight_decay<v>, initial_accumulator<v>, epsilon<v>");
    static constexpr bool value = true;
};

template <class T>
[[gnu::noinline]] void adagrad_update(std::size_t n, T* __restrict p, T const* __restrict g, T* __restrict s, T clr,
                                      T wd, T eps) {
    for_each_chunk(n, [&](std::size_t begin, std::size_t count) {
        T root[sqrt_chunk];
        T grad[sqrt_chunk];
        for (std::size_t k = 0; k < count; ++k) {
            std::size_t const i = begin + k;
            grad[k] = g[i] + wd * p[i];
            s[i] = s[i] + grad[k] * grad[k];
            root[k] = s[i];
        }
        sqrt_in_place(root, count);
        for (std::size_t k = 0; k < count; ++k) {
            std::size_t const i = begin + k;
            p[i] = p[i] - clr * (grad[k] / (root[k] + eps));
        }
    });
}
} // namespace detail

template <class... Options>
struct adagrad {
    static_assert((detail::adagrad_option<Options>::value && ...));

    using htune_role = role::optimizer;
    static constexpr std::string_view name = "htune::optim::adagrad";

    double lr_decay = option_value<tag::lr_decay>(0.0, Options{}...);
    double weight_decay = option_value<tag::weight_decay>(0.0, Options{}...);
    double initial_accumulator = option_value<tag::initial_accumulator>(0.0, Options{}...);
    double epsilon = option_value<tag::epsilon>(1e-10, Options{}...);

    void htune_slots(auto&& visit) {
        visit(number_slot<option_arg<tag::lr_decay, Options...>, "optim lr_decay">(lr_decay),
              number_slot<option_arg<tag::weight_decay, Options...>, "optim weight_decay">(weight_decay),
              number_slot<option_arg<tag::initial_accumulator, Options...>, "optim initial_accumulator">(
                  initial_accumulator),
              number_slot<option_arg<tag::epsilon, Options...>, "optim epsilon">(epsilon));
    }

    void validate() const {
        detail::check_non_negative(name, "lr_decay", lr_decay);
        detail::check_non_negative(name, "weight_decay", weight_decay);
        detail::check_non_negative(name, "initial_accumulator", initial_accumulator);
        detail::check_positive(name, "epsilon", epsilon);
    }

    // The update rule (optim/state.hpp): one buffer, the running sum of squared gradients, which
    // starts at initial_accumulator.
    static constexpr std::size_t buffers = 1;
    bool uses_buffer(std::size_t) const noexcept { return true; }
    double buffer_start(std::size_t) const noexcept { return initial_accumulator; }

    template <class T, class Split>
    void update(step_args<T, 1> const& a, Split& split) const {
        // The decayed rate needs the step count, computed in double as torch does in Python.
        double const clr = a.lr / (1.0 + static_cast<double>(a.step - 1) * lr_decay);
        T* const p = a.p;
        T const* const g = a.g;
        T* const s = a.state[0];
        auto const rate = static_cast<T>(clr);
        auto const wd = static_cast<T>(weight_decay);
        auto const eps = static_cast<T>(epsilon);
        split(a.n,
              [=](std::size_t i, std::size_t e) { detail::adagrad_update(e - i, p + i, g + i, s + i, rate, wd, eps); });
    }

    template <class T>
    using state = optim::state<adagrad, T>;
};

} // namespace htune::optim
