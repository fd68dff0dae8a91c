#pragma once
// L2 penalty (weight decay as a loss term): 0.5 * strength * sum w^2, gradient strength * w.

#include <cstddef>
#include <span>
#include <string_view>

#include "../core/hp.hpp"
#include "../core/roles.hpp"
#include "../core/slots.hpp"
#include "detail/common.hpp"

namespace htune::regularizers {

template <auto Strength = 1e-4>
struct l2 {
    using htune_role = role::regularizer;
    static constexpr std::string_view name = "htune::regularizers::l2";

    double strength = slot_number<double, Strength>();

    void htune_slots(auto&& visit) { visit(number_slot<Strength, "regularizers::l2 strength">(strength)); }

    void validate() const { detail::check_strength(name, "strength", strength); }

    // Summed in double: a float sum over a large weight block would lose digits.
    template <class T>
    T penalty(std::span<T const> w) const {
        double sum = 0;
        for (std::size_t i = 0; i < w.size(); ++i) {
            auto const x = static_cast<double>(w[i]);
            sum += x * x;
        }
        return static_cast<T>(0.5 * strength * sum);
    }

    template <class T>
    void add_gradient(std::span<T const> w, std::span<T> g) const {
        detail::check_sizes(name, w.size(), g.size());
        auto const s = static_cast<T>(strength);
        T const* const wp = w.data();
        T* const gp = g.data();
        for (std::size_t i = 0; i < w.size(); ++i) gp[i] += s * wp[i];
    }
};

} // namespace htune::regularizers
