#pragma once
// Elastic net: l1_strength * sum |w| + 0.5 * l2_strength * sum w^2, the sum of l1 and l2 in one
// pass over the weights.

#include <cmath>
#include <cstddef>
#include <span>
#include <string_view>

#include "../core/hp.hpp"
#include "../core/roles.hpp"
#include "../core/slots.hpp"
#include "detail/common.hpp"

namespace htune::regularizers {

template <auto L1Strength = 1e-4, auto L2Strength = 1e-4>
struct elastic_net {
    using htune_role = role::regularizer;
    static constexpr std::string_view name = "htune::regularizers::elastic_net";

    double l1_strength = slot_number<double, L1Strength>();
    double l2_strength = slot_number<double, L2Strength>();

    void htune_slots(auto&& visit) {
        visit(number_slot<L1Strength, "regularizers::elastic_net l1_strength">(l1_strength),
              number_slot<L2Strength, "regularizers::elastic_net l2_strength">(l2_strength));
    }

    void validate() const {
        detail::check_strength(name, "l1_strength", l1_strength);
        detail::check_strength(name, "l2_strength", l2_strength);
    }

    // Summed in double: a float sum over a large weight block would lose digits.
    template <class T>
    T penalty(std::span<T const> w) const {
        double abs_sum = 0, square_sum = 0;
        for (std::size_t i = 0; i < w.size(); ++i) {
            auto const x = static_cast<double>(w[i]);
            abs_sum += std::abs(x);
            square_sum += x * x;
        }
        return static_cast<T>(l1_strength * abs_sum + 0.5 * l2_strength * square_sum);
    }

    template <class T>
    void add_gradient(std::span<T const> w, std::span<T> g) const {
        detail::check_sizes(name, w.size(), g.size());
        auto const a = static_cast<T>(l1_strength);
        auto const b = static_cast<T>(l2_strength);
        T const* const wp = w.data();
        T* const gp = g.data();
        for (std::size_t i = 0; i < w.size(); ++i) gp[i] += a * detail::sign(wp[i]) + b * wp[i];
    }
};

} // namespace htune::regularizers
