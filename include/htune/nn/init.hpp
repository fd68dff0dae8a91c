#pragma once
// Weight initialisers: He/Kaiming and Glorot/Xavier (uniform and normal), zeros. Each is a policy
// with the initializer role, reproducible from the generator it is given.

#include <cmath>
#include <cstddef>
#include <span>
#include <tuple>

#include "../core/concepts/initializer.hpp"
#include "../core/dispatch.hpp"
#include "../core/rng.hpp"
#include "../core/roles.hpp"
#include "../core/slots.hpp"

namespace htune::nn::init {

namespace detail {
template <class T>
void fill_uniform(std::span<T> w, double bound, rng& g) {
    for (auto& x : w) x = static_cast<T>(uniform_real(g, -bound, bound));
}
template <class T>
void fill_normal(std::span<T> w, double stddev, rng& g) {
    for (auto& x : w) x = static_cast<T>(normal(g, 0.0, stddev));
}
} // namespace detail

// He et al. 2015, for ReLU networks: variance 2 / fan_in.
struct he_uniform {
    using htune_role = role::initializer;
    template <class T>
    void operator()(std::span<T> w, std::size_t fan_in, std::size_t, rng& g) const {
        detail::fill_uniform(w, std::sqrt(6.0 / static_cast<double>(fan_in)), g);
    }
};
struct he_normal {
    using htune_role = role::initializer;
    template <class T>
    void operator()(std::span<T> w, std::size_t fan_in, std::size_t, rng& g) const {
        detail::fill_normal(w, std::sqrt(2.0 / static_cast<double>(fan_in)), g);
    }
};

// Glorot and Bengio 2010: variance 2 / (fan_in + fan_out). The default for dense layers.
struct glorot_uniform {
    using htune_role = role::initializer;
    template <class T>
    void operator()(std::span<T> w, std::size_t fan_in, std::size_t fan_out, rng& g) const {
        detail::fill_uniform(w, std::sqrt(6.0 / static_cast<double>(fan_in + fan_out)), g);
    }
};
struct glorot_normal {
    using htune_role = role::initializer;
    template <class T>
    void operator()(std::span<T> w, std::size_t fan_in, std::size_t fan_out, rng& g) const {
        detail::fill_normal(w, std::sqrt(2.0 / static_cast<double>(fan_in + fan_out)), g);
    }
};

struct zeros {
    using htune_role = role::initializer;
    template <class T>
    void operator()(std::span<T> w, std::size_t, std::size_t, rng&) const {
        for (auto& x : w) x = T(0);
    }
};

// One initializer out of several, picked at run time by `index` (a tuner builds it from
// hp_switch<"name">); it branches once per layer initialisation.
template <class... Inits>
struct one_of {
    static_assert(sizeof...(Inits) > 0, "htune::nn::init::one_of: give at least one initializer");
    static_assert((concepts::initializer<Inits> && ...),
                  "htune::nn::init::one_of<I...>: every I must be an initializer (he_uniform, he_normal, "
                  "glorot_uniform, glorot_normal, zeros or a type meeting docs/concepts/layer.md)");
    using htune_role = role::initializer;

    std::size_t index = 0;
    std::tuple<Inits...> alternatives{};

    template <class T>
    void operator()(std::span<T> w, std::size_t fan_in, std::size_t fan_out, rng& g) const {
        with_index<sizeof...(Inits)>(index, [&](auto i) { std::get<i.value>(alternatives)(w, fan_in, fan_out, g); });
    }
};

static_assert(concepts::initializer<he_uniform> && concepts::initializer<glorot_normal, double>);

} // namespace htune::nn::init

// hp_switch<"name"> over initializers (core/slots.hpp).
template <class... Inits>
struct htune::switch_over<htune::role::initializer, Inits...> {
    using type = htune::nn::init::one_of<Inits...>;
};
