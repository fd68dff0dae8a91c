#pragma once
// discrete<"p", V...>: one of a finite set of numbers (discrete<"batch", 16, 32, 64>,
// discrete<"p", 0.1, 0.2, 0.5>), or at run time discrete<"p">{0.1, 0.2, 0.5}. The value is the number
// itself: std::int64_t when every V is an integer, double otherwise (and always at run time).

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "../core/fixed_string.hpp"
#include "../core/rng.hpp"
#include "param_common.hpp"
#include "unit_layout.hpp"

namespace htune {

namespace detail {
template <class T>
constexpr void validate_discrete(std::string_view name, std::span<T const> values) {
    require(!values.empty(), "htune::discrete<\"", name, "\">: needs at least one value");
    for (std::size_t i = 0; i < values.size(); ++i) {
        if constexpr (std::is_floating_point_v<T>)
            require(is_finite(values[i]), "htune::discrete<\"", name, "\">: value ", i, " (", values[i],
                    ") must be finite");
        for (std::size_t j = 0; j < i; ++j)
            require(values[j] != values[i], "htune::discrete<\"", name, "\">: value ", values[i], " appears twice");
    }
}
} // namespace detail

template <fixed_string Name, auto... V>
class discrete {
public:
    static constexpr bool compile_time_bounds = sizeof...(V) > 0;
    using value_type =
        std::conditional_t<compile_time_bounds && (std::is_integral_v<decltype(V)> && ...), std::int64_t, double>;
    static constexpr std::string_view name = Name.view();

private:
    static consteval bool template_values_valid() {
        if constexpr (compile_time_bounds) {
            static_assert((std::is_arithmetic_v<decltype(V)> && ...), "htune::discrete: values must be numbers");
            constexpr std::array<value_type, sizeof...(V)> values{static_cast<value_type>(V)...};
            detail::validate_discrete(name, std::span<value_type const>(values));
        }
        return true;
    }

public:
    discrete()
        requires compile_time_bounds
        : m_values{static_cast<value_type>(V)...} {
        static_assert(template_values_valid()); // here, not in the class body: see log_uniform
    }

    discrete(std::initializer_list<double> values)
        requires(!compile_time_bounds)
        : discrete(std::vector<double>(values)) {}

    explicit discrete(std::vector<double> values)
        requires(!compile_time_bounds)
        : m_values(std::move(values)) {
        detail::validate_discrete(name, std::span<double const>(m_values));
    }

    std::span<value_type const> values() const noexcept { return m_values; }
    std::size_t count() const noexcept { return m_values.size(); }

    unit_layout layout() const noexcept { return {unit_kind::discrete, count(), false}; }

    // Index-based: each value owns an equal slice of [0, 1), in the order given.
    double to_unit(value_type x) const noexcept { return index_to_unit(index_of(x), count()); }
    value_type from_unit(double u) const noexcept { return m_values[unit_to_index(u, count())]; }
    value_type sample(rng& g) const { return m_values[uniform_below(g, count())]; }
    bool contains(value_type x) const noexcept { return index_of(x) < count(); }

    std::string describe() const {
        std::string out = detail::concat("discrete<\"", name, "\">{");
        for (std::size_t i = 0; i < count(); ++i) {
            if (i) out += ", ";
            write_value(out, m_values[i]);
        }
        return out + "}";
    }

    static void write_value(std::string& out, value_type x) { detail::append_number(out, x); }
    static std::optional<value_type> read_value(std::string_view text) {
        if constexpr (std::is_integral_v<value_type>) return detail::parse_int(text);
        else return detail::parse_double(text);
    }

private:
    std::size_t index_of(value_type x) const noexcept {
        std::size_t i = 0;
        while (i < count() && !(m_values[i] == x)) ++i;
        return i;
    }

    std::vector<value_type> m_values;
};

} // namespace htune
