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

namespace htune::optim {

namespace detail {
// One static_assert per foreign option, because a static_assert message must be a literal.
#define HTUNE_ADAM_REJECT(name, shown_name, opt, shown)                                                                \
    static_assert(!std::is_same_v<Tag, tag::opt>, "htune::optim::" name ": option " shown " is not an " shown_name     \
                                                  " option; " shown_name " takes beta1, beta2, epsilon, weight_decay")
#define HTUNE_ADAM_REJECT_ALL(name, shown_name)                                                                        \
    static_assert(is_option<Option>, "htune::optim::" name ": a template argument is not an optimizer "                \
                                     "option; " shown_name " takes beta1<v>, beta2<v>, epsilon<v>, "                   \
                                     "weight_decay<v>");                                                               \
    HTUNE_ADAM_REJECT(name, shown_name, momentum, "momentum<...>");                                                    \
    HTUNE_ADAM_REJECT(name, shown_name, nesterov, "nesterov");                                                         \
    HTUNE_ADAM_REJECT(name, shown_name, alpha, "alpha<...>");                                                          \
    HTUNE_ADAM_REJECT(name, shown_name, centered, "centered");                                                         \
    HTUNE_ADAM_REJECT(name, shown_name, initial_accumulator, "initial_accumulator<...>");                              \
    HTUNE_ADAM_REJECT(name, shown_name, lr_decay, "lr_decay<...>")

template <class Option>
struct adam_option {
    using Tag = option_tag_t<Option>;
    HTUNE_ADAM_REJECT_ALL("adam", "Adam");
    static constexpr bool value = true;
};
template <class Option>
struct adamw_option {
    using Tag = option_tag_t<Option>;
    HTUNE_ADAM_REJECT_ALL("adamw", "AdamW");
    static constexpr bool value = true;
};
#undef HTUNE_ADAM_REJECT_ALL
#undef HTUNE_ADAM_REJECT

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
    static_assert((std::conditional_t<Decoupled, adamw_option<Options>, adam_option<Options>>::value && ...));

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

    template <class T>
    class state {
        static_assert(std::is_floating_point_v<T>, "htune::optim::adam::state<T>: T must be a floating type");

    public:
        state(adam_family const& opt, std::size_t n) : m_opt(opt), m_n(n) {
            m_opt.validate();
            m_m.assign(n, T(0));
            m_v.assign(n, T(0));
        }

        void step(std::span<T> params, std::span<T const> grads, T lr) { step(params, grads, lr, serial_ranges{}); }

        // The same update, its loop split by `split` (serial_ranges or a thread_team): element-wise,
        // so the result is the same bits however it is split.
        template <class Split>
        void step(std::span<T> params, std::span<T const> grads, T lr, Split&& split) {
            check_step(name, m_n, params.size(), grads.size(), lr);
            ++m_steps;
            auto const t = static_cast<double>(m_steps);
            double const rate = lr;
            adam_coefficients<T> c{};
            c.decay = static_cast<T>(Decoupled ? 1.0 - rate * m_opt.weight_decay : 1.0);
            c.l2 = static_cast<T>(Decoupled ? 0.0 : m_opt.weight_decay);
            c.one_minus_beta1 = static_cast<T>(1.0 - m_opt.beta1);
            c.beta2 = static_cast<T>(m_opt.beta2);
            c.one_minus_beta2 = static_cast<T>(1.0 - m_opt.beta2);
            c.step_size = static_cast<T>(rate / (1.0 - std::pow(m_opt.beta1, t)));
            c.inv_bias2_sqrt = static_cast<T>(1.0 / std::sqrt(1.0 - std::pow(m_opt.beta2, t)));
            c.eps = static_cast<T>(m_opt.epsilon);
            T* const p = params.data();
            T const* const g = grads.data();
            T* const m = m_m.data();
            T* const v = m_v.data();
            split(m_n, [=](std::size_t begin, std::size_t end) {
                adam_update(end - begin, p + begin, g + begin, m + begin, v + begin, c);
            });
        }

        // Back to the state of a fresh optimizer, keeping the buffers.
        void reset() noexcept {
            std::fill(m_m.begin(), m_m.end(), T(0));
            std::fill(m_v.begin(), m_v.end(), T(0));
            m_steps = 0;
        }

        std::size_t size() const noexcept { return m_n; }
        std::size_t steps() const noexcept { return m_steps; }
        adam_family const& hyperparameters() const noexcept { return m_opt; }

    private:
        adam_family m_opt;
        std::size_t m_n;
        std::size_t m_steps = 0;
        std::vector<T> m_m; // first moment
        std::vector<T> m_v; // second moment
    };
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
