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

namespace htune::optim {

namespace detail {
// One static_assert per foreign option, because a static_assert message must be a literal.
template <class Option>
struct rmsprop_option {
    using Tag = option_tag_t<Option>;
    static_assert(is_option<Option>, "htune::optim::rmsprop: a template argument is not an optimizer option; "
                                     "RMSprop takes alpha<v>, epsilon<v>, momentum<v>, centered, "
                                     "weight_decay<v>");
#define HTUNE_RMSPROP_REJECT(opt, shown)                                                                               \
    static_assert(!std::is_same_v<Tag, tag::opt>,                                                                      \
                  "htune::optim::rmsprop: option " shown " is not an RMSprop option; RMSprop takes alpha, "            \
                  "epsilon, momentum, centered, weight_decay")
    HTUNE_RMSPROP_REJECT(nesterov, "nesterov");
    HTUNE_RMSPROP_REJECT(beta1, "beta1<...>");
    HTUNE_RMSPROP_REJECT(beta2, "beta2<...>");
    HTUNE_RMSPROP_REJECT(initial_accumulator, "initial_accumulator<...>");
    HTUNE_RMSPROP_REJECT(lr_decay, "lr_decay<...>");
#undef HTUNE_RMSPROP_REJECT
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

    template <class T>
    class state {
        static_assert(std::is_floating_point_v<T>, "htune::optim::rmsprop::state<T>: T must be a floating type");

    public:
        state(rmsprop const& opt, std::size_t n) : m_opt(opt), m_n(n) {
            m_opt.validate();
            m_square_avg.assign(n, T(0));
            if (m_opt.centered) m_grad_avg.assign(n, T(0));
            if (m_opt.momentum > 0) m_velocity.assign(n, T(0));
        }

        void step(std::span<T> params, std::span<T const> grads, T lr) { step(params, grads, lr, serial_ranges{}); }

        // The same update, its loop split by `split` (serial_ranges or a thread_team).
        template <class Split>
        void step(std::span<T> params, std::span<T const> grads, T lr, Split&& split) {
            detail::check_step(name, m_n, params.size(), grads.size(), lr);
            ++m_steps;
            detail::rmsprop_coefficients<T> const c{lr,
                                                    static_cast<T>(m_opt.weight_decay),
                                                    static_cast<T>(m_opt.alpha),
                                                    static_cast<T>(1.0 - m_opt.alpha),
                                                    static_cast<T>(m_opt.epsilon),
                                                    static_cast<T>(m_opt.momentum)};
            T* const p = params.data();
            T const* const g = grads.data();
            T* const v = m_square_avg.data();
            T* const a = m_grad_avg.data();
            T* const b = m_velocity.data();
            bool const is_centered = !m_grad_avg.empty();
            bool const with_momentum = !m_velocity.empty();
            // a and b are null when their buffer is not used; never offset a null pointer.
            auto run = [&]<bool Centered, bool Momentum>() {
                split(m_n, [=](std::size_t i, std::size_t e) {
                    detail::rmsprop_update<Centered, Momentum>(e - i, p + i, g + i, v + i, Centered ? a + i : a,
                                                               Momentum ? b + i : b, c);
                });
            };
            if (is_centered && with_momentum) run.template operator()<true, true>();
            else if (is_centered) run.template operator()<true, false>();
            else if (with_momentum) run.template operator()<false, true>();
            else run.template operator()<false, false>();
        }

        // Back to the state of a fresh optimizer, keeping the buffers.
        void reset() noexcept {
            for (auto* buffer : {&m_square_avg, &m_grad_avg, &m_velocity})
                std::fill(buffer->begin(), buffer->end(), T(0));
            m_steps = 0;
        }

        std::size_t size() const noexcept { return m_n; }
        std::size_t steps() const noexcept { return m_steps; }
        rmsprop const& hyperparameters() const noexcept { return m_opt; }

    private:
        rmsprop m_opt;
        std::size_t m_n;
        std::size_t m_steps = 0;
        std::vector<T> m_square_avg;
        std::vector<T> m_grad_avg; // centered only
        std::vector<T> m_velocity; // momentum > 0 only
    };
};

} // namespace htune::optim
