#pragma once
// Adam and AdamW, one implementation, step for step as torch.optim.Adam / AdamW (amsgrad off).
// At step t:
//   p <- p * (1 - lr * weight_decay)                               (AdamW only: decoupled decay)
//   g <- g + weight_decay * p                                      (Adam only: L2 in the gradient)
//   m <- m + (1 - beta1) * (g - m)                                 (torch's lerp)
//   v <- beta2 * v + (1 - beta2) * g * g
//   p <- p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + epsilon)
// The bias corrections are computed once per step, in double, as torch does in Python.

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
// The options Adam and AdamW take, listed once; a foreign one is refused with the list, and the
// instantiation of adam_option<Option> above the error names it.
using adam_option_tags = type_list<tag::beta1, tag::beta2, tag::epsilon, tag::weight_decay>;
template <class Option>
struct adam_option {
    static_assert(is_option<Option>, "htune::optim::adam: a template argument is not an optimizer option; "
                                     "Adam and AdamW take beta1<v>, beta2<v>, epsilon<v>, weight_decay<v>");
    static_assert(!is_option<Option> || mp_contains<adam_option_tags, option_tag_t<Option>>,
                  "htune::optim::adam: an option Adam and AdamW do not take (see adam_option<Option> above); "
                  "they take beta1<v>, beta2<v>, epsilon<v>, weight_decay<v>");
    static constexpr bool value = true;
};

// Per-step constants of the update, already in T.
template <class T>
struct adam_coefficients {
    T decay; // 1 - lr * weight_decay for AdamW, 1 for Adam
    T l2;    // weight_decay for Adam, 0 for AdamW
    T one_minus_beta1;
    T beta2;
    T one_minus_beta2;
    T step_size;      // lr / (1 - beta1^t)
    T inv_bias2_sqrt; // 1 / sqrt(1 - beta2^t)
    T eps;
};

// One loop serves both: with decay == 1 and l2 == 0 the unused term is exact (x * 1 == x,
// g + 0 * p == g), so Adam and AdamW need no branch.
//
// Not inlined, on purpose, like every optimizer's update loop: inlined into different callers
// (the whole-range step and the parts of a thread_team split), g++ fused multiplies and adds
// into FMAs differently and the results differed in the last bit. One copy of the machine code
// makes the update the same bits however the range is split.
template <class T>
[[gnu::noinline]] void adam_update(std::size_t n, T* __restrict p, T const* __restrict g, T* __restrict m,
                                   T* __restrict v, adam_coefficients<T> const c) {
    for_each_chunk(n, [&](std::size_t begin, std::size_t count) {
        T root[sqrt_chunk];
        for (std::size_t k = 0; k < count; ++k) {
            std::size_t const i = begin + k;
            T const gi = g[i] + c.l2 * p[i];
            m[i] = m[i] + c.one_minus_beta1 * (gi - m[i]);
            v[i] = c.beta2 * v[i] + c.one_minus_beta2 * gi * gi;
            root[k] = v[i];
        }
        sqrt_in_place(root, count);
        for (std::size_t k = 0; k < count; ++k) {
            std::size_t const i = begin + k;
            // torch divides by sqrt(1 - beta2^t); multiplying by its reciprocal may differ by an ulp
            // and saves a fifth of the step (one of its two divisions per value).
            T const denom = root[k] * c.inv_bias2_sqrt + c.eps;
            p[i] = p[i] * c.decay - c.step_size * (m[i] / denom);
        }
    });
}

// The hyperparameters and the state of Adam (Decoupled = false) and AdamW (true).
template <bool Decoupled, class... Options>
struct adam_family {
    static_assert((adam_option<Options>::value && ...));

    using htune_role = role::optimizer;
    static constexpr std::string_view name = Decoupled ? "htune::optim::adamw" : "htune::optim::adam";

    double beta1 = option_value<tag::beta1>(0.9, Options{}...);
    double beta2 = option_value<tag::beta2>(0.999, Options{}...);
    double epsilon = option_value<tag::epsilon>(1e-8, Options{}...);
    // PyTorch's defaults: AdamW decays by default, Adam does not.
    double weight_decay = option_value<tag::weight_decay>(Decoupled ? 0.01 : 0.0, Options{}...);

    void htune_slots(auto&& visit) {
        visit(number_slot<option_arg<tag::beta1, Options...>, "optim beta1">(beta1),
              number_slot<option_arg<tag::beta2, Options...>, "optim beta2">(beta2),
              number_slot<option_arg<tag::epsilon, Options...>, "optim epsilon">(epsilon),
              number_slot<option_arg<tag::weight_decay, Options...>, "optim weight_decay">(weight_decay));
    }

    void validate() const {
        check_unit_open(name, "beta1", beta1);
        check_unit_open(name, "beta2", beta2);
        check_positive(name, "epsilon", epsilon);
        check_non_negative(name, "weight_decay", weight_decay);
    }

    // The update rule (optim/state.hpp): two buffers, the first and second moments.
    static constexpr std::size_t buffers = 2;
    bool uses_buffer(std::size_t) const noexcept { return true; }
    double buffer_start(std::size_t) const noexcept { return 0.0; }

    template <class T, class Split>
    void update(step_args<T, 2> const& a, Split& split) const {
        auto const t = static_cast<double>(a.step);
        double const rate = a.lr;
        adam_coefficients<T> c{};
        c.decay = static_cast<T>(Decoupled ? 1.0 - rate * weight_decay : 1.0);
        c.l2 = static_cast<T>(Decoupled ? 0.0 : weight_decay);
        c.one_minus_beta1 = static_cast<T>(1.0 - beta1);
        c.beta2 = static_cast<T>(beta2);
        c.one_minus_beta2 = static_cast<T>(1.0 - beta2);
        c.step_size = static_cast<T>(rate / (1.0 - std::pow(beta1, t)));
        c.inv_bias2_sqrt = static_cast<T>(1.0 / std::sqrt(1.0 - std::pow(beta2, t)));
        c.eps = static_cast<T>(epsilon);
        T* const p = a.p;
        T const* const g = a.g;
        T* const m = a.state[0];
        T* const v = a.state[1];
        split(a.n, [=](std::size_t begin, std::size_t end) {
            adam_update(end - begin, p + begin, g + begin, m + begin, v + begin, c);
        });
    }

    template <class T>
    using state = optim::state<adam_family, T>;
};
} // namespace detail

// Adam: weight decay is an L2 term added to the gradient (torch.optim.Adam).
template <class... Options>
using adam = detail::adam_family<false, Options...>;

// AdamW: weight decay shrinks the parameters directly, outside the adaptive scaling
// (torch.optim.AdamW; weight_decay 0.01 by default).
template <class... Options>
using adamw = detail::adam_family<true, Options...>;

} // namespace htune::optim
