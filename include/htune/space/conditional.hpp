#pragma once
// Conditional params: a param that exists only when an earlier param takes certain values.
//
//   conditional<uniform<"momentum", 0.0, 0.99>, when<"optimizer", "sgd">>      a choice's option
//   conditional<int_uniform<"width_2", 16, 256>, when_at_least<"depth", 2>>     a number's threshold
//
// The value of a conditional param is std::optional<T>: empty when the condition does not hold.
// The parent must come earlier in the space (search_space checks it at compile time), so a config is
// decided in declaration order; a conditional parent that is absent makes its children absent too.
// In the unit cube an absent param is NaN, and samplers learn about it only from trials where it
// was present.

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "../core/fixed_string.hpp"
#include "../core/rng.hpp"
#include "param_common.hpp"
#include "unit_layout.hpp"

namespace htune {

// The parent takes one of the given values, written as in config text: an option's label for
// choice and choice_of (an index for a choice whose types have no names), the number for a numeric
// param (when<"batch", "32", "64">).
template <fixed_string Parent, fixed_string... Values>
struct when {
    static_assert(sizeof...(Values) > 0, "htune::when<Parent, Values...>: give at least one value");
    static constexpr std::string_view parent = Parent.view();

    template <class ParentParam, class V>
    static bool holds(ParentParam const&, V const& value) {
        std::string text;
        ParentParam::write_value(text, value);
        return ((text == Values.view()) || ...);
    }

    static std::string describe() {
        std::string out = detail::concat("when ", parent, " in {");
        std::size_t i = 0;
        ((out += detail::concat(i++ ? ", " : "", Values.view())), ...);
        return out + "}";
    }

    // Every value must name one of a labelled parent's options: a typo is a compile error.
    template <class ParentParam>
    static constexpr bool values_known() {
        if constexpr (requires { ParentParam::labels; }) {
            auto const known = [](std::string_view v) {
                for (std::size_t i = 0; i < ParentParam::labels.size(); ++i) {
                    if (ParentParam::labels[i] == v) return true;
                    if constexpr (requires { ParentParam::labelled; })
                        if (!ParentParam::labelled && v.size() == 1 && std::size_t(v[0] - '0') == i) return true;
                }
                return false;
            };
            return (known(Values.view()) && ...);
        } else {
            return true;
        }
    }
};

// The parent, a number, is at least Min (depth >= 2).
template <fixed_string Parent, auto Min>
struct when_at_least {
    static_assert(std::is_arithmetic_v<decltype(Min)>, "htune::when_at_least<Parent, Min>: Min must be a number");
    static constexpr std::string_view parent = Parent.view();

    template <class ParentParam, class V>
    static bool holds(ParentParam const&, V const& value) {
        static_assert(std::is_arithmetic_v<V>, "htune::when_at_least: the parent param must be numeric");
        return static_cast<double>(value) >= static_cast<double>(Min);
    }

    static std::string describe() { return detail::concat("when ", parent, " >= ", Min); }

    template <class ParentParam>
    static constexpr bool values_known() {
        return std::is_arithmetic_v<typename ParentParam::value_type>;
    }
};

template <class Param, class Condition>
class conditional {
public:
    using param_type = Param;
    using condition = Condition;
    using value_type = std::optional<typename Param::value_type>;
    static constexpr std::string_view name = Param::name;
    static constexpr bool compile_time_bounds = Param::compile_time_bounds;

    constexpr conditional()
        requires std::is_default_constructible_v<Param>
    = default;
    constexpr explicit conditional(Param param) : m_param(std::move(param)) {}

    constexpr Param const& param() const noexcept { return m_param; }

    unit_layout layout() const noexcept { return m_param.layout(); }
    double to_unit(value_type const& v) const noexcept {
        return v ? m_param.to_unit(*v) : std::numeric_limits<double>::quiet_NaN();
    }
    // The space decides presence; these give the value when present.
    value_type from_unit(double u) const noexcept { return m_param.from_unit(u); }
    value_type sample(rng& g) const { return m_param.sample(g); }
    bool contains(value_type const& v) const noexcept { return !v || m_param.contains(*v); }

    std::string describe() const { return detail::concat(m_param.describe(), " ", Condition::describe()); }

    // Config text omits an absent param; a present one is written as its param writes it.
    static void write_value(std::string& out, value_type const& v) {
        if (v) Param::write_value(out, *v);
    }
    static std::optional<value_type> read_value(std::string_view text) {
        if (auto v = Param::read_value(text)) return value_type(std::move(*v));
        return std::nullopt;
    }

private:
    Param m_param{};
};

template <class P>
inline constexpr bool is_conditional_param = false;
template <class Param, class Condition>
inline constexpr bool is_conditional_param<conditional<Param, Condition>> = true;

} // namespace htune
