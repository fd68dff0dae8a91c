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

namespace htune::optim {

namespace detail {
// One static_assert per foreign option, because a static_assert message must be a literal.
template <class Option>
struct adagrad_option {
    using Tag = option_tag_t<Option>;
    static_assert(is_option<Option>, "htune::optim::adagrad: a template argument is not an optimizer option; "
                                     "AdaGrad takes lr_decay<v>, weight_decay<v>, initial_accumulator<v>, "
                                     "epsilon<v>");
#define HTUNE_ADAGRAD_REJECT(opt, shown)                                                                               \
    static_assert(!std::is_same_v<Tag, tag::opt>,                                                                      \
                  "htune::optim::adagrad: option " shown " is not an AdaGrad option; AdaGrad takes lr_decay, "         \
                  "weight_decay, initial_accumulator, epsilon")
    HTUNE_ADAGRAD_REJECT(momentum, "momentum<...>");
    HTUNE_ADAGRAD_REJECT(nesterov, "nesterov");
    HTUNE_ADAGRAD_REJECT(beta1, "beta1<...>");
    HTUNE_ADAGRAD_REJECT(beta2, "beta2<...>");
    HTUNE_ADAGRAD_REJECT(alpha, "alpha<...>");
    HTUNE_ADAGRAD_REJECT(centered, "centered");
#undef HTUNE_ADAGRAD_REJECT
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

    template <class T>
    class state {
        static_assert(std::is_floating_point_v<T>, "htune::optim::adagrad::state<T>: T must be a floating type");

    public:
        state(adagrad const& opt, std::size_t n) : m_opt(opt), m_n(n) {
            m_opt.validate();
            m_sum.assign(n, static_cast<T>(m_opt.initial_accumulator));
        }

        void step(std::span<T> params, std::span<T const> grads, T lr) { step(params, grads, lr, serial_ranges{}); }

        // The same update, its loop split by `split` (serial_ranges or a thread_team).
        template <class Split>
        void step(std::span<T> params, std::span<T const> grads, T lr, Split&& split) {
            detail::check_step(name, m_n, params.size(), grads.size(), lr);
            ++m_steps;
            // The decayed rate needs the step count, computed in double as torch does in Python.
            double const clr = lr / (1.0 + static_cast<double>(m_steps - 1) * m_opt.lr_decay);
            T* const p = params.data();
            T const* const g = grads.data();
            T* const s = m_sum.data();
            auto const rate = static_cast<T>(clr);
            auto const wd = static_cast<T>(m_opt.weight_decay);
            auto const eps = static_cast<T>(m_opt.epsilon);
            split(m_n, [=](std::size_t i, std::size_t e) {
                detail::adagrad_update(e - i, p + i, g + i, s + i, rate, wd, eps);
            });
        }

        // Back to the state of a fresh optimizer, keeping the buffers.
        void reset() noexcept {
            std::fill(m_sum.begin(), m_sum.end(), static_cast<T>(m_opt.initial_accumulator));
            m_steps = 0;
        }

        std::size_t size() const noexcept { return m_n; }
        std::size_t steps() const noexcept { return m_steps; }
        adagrad const& hyperparameters() const noexcept { return m_opt; }

    private:
        adagrad m_opt;
        std::size_t m_n;
        std::size_t m_steps = 0;
        std::vector<T> m_sum; // running sum of squared gradients
    };
};

} // namespace htune::optim
