#pragma once
// Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay,
// step for step as torch.optim.SGD (dampening 0, maximize off):
//   g <- g + weight_decay * p
//   b <- momentum * b + g                        (b starts at 0, so the first b is g, as in torch)
//   g <- nesterov ? g + momentum * b : b
//   p <- p - lr * g

#include <algorithm>
#include <cstddef>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "../core/errors.hpp"
#include "../core/roles.hpp"
#include "../core/thread_team.hpp"
#include "detail/checks.hpp"
#include "options.hpp"

namespace htune::optim {

namespace detail {
// One static_assert per foreign option, because a static_assert message must be a literal.
template <class Option>
struct sgd_option {
    using Tag = option_tag_t<Option>;
    static_assert(is_option<Option>, "htune::optim::sgd: a template argument is not an optimizer option; "
                                     "SGD takes momentum<v>, nesterov, weight_decay<v>");
#define HTUNE_SGD_REJECT(opt, shown)                                                                                   \
    static_assert(!std::is_same_v<Tag, tag::opt>,                                                                      \
                  "htune::optim::sgd: option " shown " is not an SGD option; SGD takes momentum, nesterov, "           \
                  "weight_decay")
    HTUNE_SGD_REJECT(beta1, "beta1<...>");
    HTUNE_SGD_REJECT(beta2, "beta2<...>");
    HTUNE_SGD_REJECT(epsilon, "epsilon<...>");
    HTUNE_SGD_REJECT(alpha, "alpha<...>");
    HTUNE_SGD_REJECT(centered, "centered");
    HTUNE_SGD_REJECT(initial_accumulator, "initial_accumulator<...>");
    HTUNE_SGD_REJECT(lr_decay, "lr_decay<...>");
#undef HTUNE_SGD_REJECT
    static constexpr bool value = true;
};

// The three update loops, split so that no branch is left inside a loop. __restrict: parameters,
// gradients and buffers never overlap, which lets the compiler vectorise without alias checks.
template <class T>
[[gnu::noinline]] void sgd_plain(std::size_t n, T* __restrict p, T const* __restrict g, T lr, T wd) {
    for (std::size_t i = 0; i < n; ++i) p[i] = p[i] - lr * (g[i] + wd * p[i]);
}

template <class T>
[[gnu::noinline]] void sgd_momentum(std::size_t n, T* __restrict p, T const* __restrict g, T* __restrict b, T lr, T wd,
                                    T mu) {
    for (std::size_t i = 0; i < n; ++i) {
        T const gi = g[i] + wd * p[i];
        b[i] = mu * b[i] + gi;
        p[i] = p[i] - lr * b[i];
    }
}

template <class T>
[[gnu::noinline]] void sgd_nesterov(std::size_t n, T* __restrict p, T const* __restrict g, T* __restrict b, T lr, T wd,
                                    T mu) {
    for (std::size_t i = 0; i < n; ++i) {
        T const gi = g[i] + wd * p[i];
        b[i] = mu * b[i] + gi;
        p[i] = p[i] - lr * (gi + mu * b[i]);
    }
}
} // namespace detail

template <class... Options>
struct sgd {
    static_assert((detail::sgd_option<Options>::value && ...));

    using htune_role = role::optimizer;
    static constexpr std::string_view name = "htune::optim::sgd";

    double momentum = option_value<tag::momentum>(0.0, Options{}...);
    bool nesterov = option_value<tag::nesterov>(false, Options{}...);
    double weight_decay = option_value<tag::weight_decay>(0.0, Options{}...);

    void htune_slots(auto&& visit) {
        visit(number_slot<option_arg<tag::momentum, Options...>, "optim momentum">(momentum),
              number_slot<option_arg<tag::weight_decay, Options...>, "optim weight_decay">(weight_decay));
    }

    void validate() const {
        detail::check_unit_open(name, "momentum", momentum);
        detail::check_non_negative(name, "weight_decay", weight_decay);
        HTUNE_CHECK(!nesterov || momentum > 0, name, ": nesterov needs momentum > 0 (momentum is ", momentum, ")");
    }

    template <class T>
    class state {
        static_assert(std::is_floating_point_v<T>, "htune::optim::sgd::state<T>: T must be a floating type");

    public:
        state(sgd const& opt, std::size_t n) : m_opt(opt), m_n(n) {
            m_opt.validate();
            if (m_opt.momentum != 0) m_velocity.assign(n, T(0));
        }

        void step(std::span<T> params, std::span<T const> grads, T lr) { step(params, grads, lr, serial_ranges{}); }

        // The same update, its loop split by `split` (serial_ranges or a thread_team).
        template <class Split>
        void step(std::span<T> params, std::span<T const> grads, T lr, Split&& split) {
            detail::check_step(name, m_n, params.size(), grads.size(), lr);
            ++m_steps;
            auto const wd = static_cast<T>(m_opt.weight_decay);
            auto const mu = static_cast<T>(m_opt.momentum);
            T* const p = params.data();
            T const* const g = grads.data();
            T* const b = m_velocity.data();
            if (m_velocity.empty())
                split(m_n, [=](std::size_t i, std::size_t e) { detail::sgd_plain(e - i, p + i, g + i, lr, wd); });
            else if (m_opt.nesterov)
                split(m_n, [=](std::size_t i, std::size_t e) {
                    detail::sgd_nesterov(e - i, p + i, g + i, b + i, lr, wd, mu);
                });
            else
                split(m_n, [=](std::size_t i, std::size_t e) {
                    detail::sgd_momentum(e - i, p + i, g + i, b + i, lr, wd, mu);
                });
        }

        // Back to the state of a fresh optimizer, keeping the buffers.
        void reset() noexcept {
            std::fill(m_velocity.begin(), m_velocity.end(), T(0));
            m_steps = 0;
        }

        std::size_t size() const noexcept { return m_n; }
        std::size_t steps() const noexcept { return m_steps; }
        sgd const& hyperparameters() const noexcept { return m_opt; }

    private:
        sgd m_opt;
        std::size_t m_n;
        std::size_t m_steps = 0;
        std::vector<T> m_velocity; // empty without momentum
    };
};

} // namespace htune::optim
