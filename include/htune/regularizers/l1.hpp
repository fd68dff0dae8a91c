#pragma once
// L1 penalty (lasso): strength * sum |w|, (sub)gradient strength * sign(w) with sign(0) = 0.

#include <cmath>
#include <cstddef>
#include <span>
#include <string_view>

#include "../core/hp.hpp"
#include "../core/roles.hpp"
#include "../core/slots.hpp"
#include "detail/common.hpp"

namespace htune::regularizers {

template <auto Strength = 1e-4>
struct l1 {
    using htune_role = role::regularizer;
    static constexpr std::string_view name = "htune::regularizers::l1";

    double strength = slot_number<double, Strength>();

    void htune_slots(auto&& visit) { visit(number_slot<Strength, "regularizers::l1 strength">(strength)); }

    void validate() const { detail::check_strength(name, "strength", strength); }

    // Summed in double: a float sum over a large weight block would lose digits.
    template <class T>
    T penalty(std::span<T const> w) const {
        double sum = 0;
        for (std::size_t i = 0; i < w.size(); ++i) sum += std::abs(static_cast<double>(w[i]));
        return static_cast<T>(strength * sum);
    }

    template <class T>
    void add_gradient(std::span<T const> w, std::span<T> g) const {
        detail::check_sizes(name, w.size(), g.size());
        auto const s = static_cast<T>(strength);
        T const* const wp = w.data();
        T* const gp = g.data();
        for (std::size_t i = 0; i < w.size(); ++i) gp[i] += s * detail::sign(wp[i]);
    }
};

} // namespace htune::regularizers
