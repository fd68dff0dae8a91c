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
#include "state.hpp"

namespace htune::optim {

namespace detail {
// The options SGD takes, listed once; a foreign one (an Adam option given to SGD, say) is
// refused with the list, and the instantiation of sgd_option<Option> above the error names it.
using sgd_option_tags = type_list<tag::momentum, tag::nesterov, tag::weight_decay>;
template <class Option>
struct sgd_option {
    static_assert(is_option<Option>, "htune::optim::sgd: a template argument is not an optimizer option; "
                                     "SGD takes momentum<v>, nesterov, weight_decay<v>");
    static_assert(!is_option<Option> || mp_contains<sgd_option_tags, option_tag_t<Option>>,
                  "htune::optim::sgd: an option SGD does not take (see sgd_option<Option> above); "
                  "SGD takes momentum<v>, nesterov, weight_decay<v>");
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

    // The update rule (optim/state.hpp): one buffer, the velocity, used with momentum only.
    static constexpr std::size_t buffers = 1;
    bool uses_buffer(std::size_t) const noexcept { return momentum != 0; }
    double buffer_start(std::size_t) const noexcept { return 0.0; }

    template <class T, class Split>
    void update(step_args<T, 1> const& a, Split& split) const {
        auto const wd = static_cast<T>(weight_decay);
        auto const mu = static_cast<T>(momentum);
        T const lr = a.lr;
        T* const p = a.p;
        T const* const g = a.g;
        T* const b = a.state[0];
        if (!b) split(a.n, [=](std::size_t i, std::size_t e) { detail::sgd_plain(e - i, p + i, g + i, lr, wd); });
        else if (nesterov)
            split(a.n,
                  [=](std::size_t i, std::size_t e) { detail::sgd_nesterov(e - i, p + i, g + i, b + i, lr, wd, mu); });
        else
            split(a.n,
                  [=](std::size_t i, std::size_t e) { detail::sgd_momentum(e - i, p + i, g + i, b + i, lr, wd, mu); });
    }

    template <class T>
    using state = optim::state<sgd, T>;
};

} // namespace htune::optim
