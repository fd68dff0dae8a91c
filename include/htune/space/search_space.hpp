#pragma once
// search_space<P...>: the named params of a study. Holds the param objects, so bounds given at run
// time travel with the space: search_space<uniform<"x">, uniform<"y", 0.0, 15.0>> s{uniform<"x">{-5.0, 10.0}, {}}.
// Configs are typed by the space (space::config, see config.hpp); the unit cube [0, 1]^size is the
// common coordinate system that samplers work in.

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "../core/fixed_string.hpp"
#include "../core/rng.hpp"
#include "../core/type_list.hpp"
#include "conditional.hpp"
#include "config.hpp"
#include "unit_layout.hpp"

namespace htune {

namespace detail {
template <class... P>
constexpr std::size_t param_index_by_view(std::string_view name) {
    constexpr std::array<std::string_view, sizeof...(P)> names{P::name...};
    std::size_t i = 0;
    while (i < names.size() && names[i] != name) ++i;
    return i;
}

template <class... P>
constexpr std::size_t first_duplicate_name() {
    constexpr std::array<std::string_view, sizeof...(P)> names{P::name...};
    for (std::size_t i = 0; i < names.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (names[i] == names[j]) return i;
    return names.size();
}

template <class Param>
constexpr auto name_as_fixed_string() {
    constexpr std::size_t n = Param::name.size();
    char chars[n + 1]{};
    for (std::size_t i = 0; i < n; ++i) chars[i] = Param::name[i];
    return fixed_string<n + 1>(chars);
}

// Instantiated only for a name given twice: the diagnostic shows it as the template argument.
template <fixed_string Name>
struct duplicate_param_name {
    static_assert(always_false_name<Name>,
                  "htune::search_space: two params share the name shown in duplicate_param_name<...> above");
};

template <class Condition>
constexpr auto parent_name_as_fixed_string() {
    constexpr std::size_t n = Condition::parent.size();
    char chars[n + 1]{};
    for (std::size_t i = 0; i < n; ++i) chars[i] = Condition::parent[i];
    return fixed_string<n + 1>(chars);
}

// Reports a repeated name through duplicate_param_name's own static_assert. The reporter is only
// instantiated (a variable of its type), never evaluated, so that clang says it once.
template <class... P>
constexpr void check_names_distinct() {
    constexpr std::size_t i = first_duplicate_name<P...>();
    if constexpr (i < sizeof...(P)) {
        using param = mp_at<type_list<P...>, i>;
        [[maybe_unused]] duplicate_param_name<name_as_fixed_string<param>()> shown{};
    }
}

// The param that a conditional param at position I depends on must exist and come before it, and
// the values in its condition must be values the parent can take.
template <fixed_string Child, fixed_string Parent>
struct unknown_condition_parent {
    static_assert(always_false_name<Child>, "htune::search_space: the conditional param Child depends on "
                                            "Parent, which is not an earlier param of the space (see "
                                            "unknown_condition_parent<Child, Parent> above)");
};
template <fixed_string Child, fixed_string Parent>
struct unknown_condition_value {
    static_assert(always_false_name<Child>, "htune::search_space: the condition of param Child names a value "
                                            "that param Parent cannot take (or Parent is not numeric for "
                                            "when_at_least); see unknown_condition_value<Child, Parent> above");
};

template <class Param>
struct unwrap_conditional {
    using type = Param;
};
template <class Param, class Condition>
struct unwrap_conditional<conditional<Param, Condition>> {
    using type = Param;
};

template <std::size_t I, class... P>
constexpr void check_condition() {
    using param = mp_at<type_list<P...>, I>;
    if constexpr (is_conditional_param<param>) {
        using cond = typename param::condition;
        constexpr std::size_t j = param_index_by_view<P...>(cond::parent);
        constexpr auto child = name_as_fixed_string<param>();
        if constexpr (j >= I) {
            [[maybe_unused]] unknown_condition_parent<child, parent_name_as_fixed_string<cond>()> shown{};
        } else {
            using parent_param = typename unwrap_conditional<mp_at<type_list<P...>, j>>::type;
            if constexpr (!cond::template values_known<parent_param>()) {
                [[maybe_unused]] unknown_condition_value<child, name_as_fixed_string<parent_param>()> shown{};
            }
        }
    }
}

template <class Param, class... P>
constexpr std::ptrdiff_t parent_index() {
    if constexpr (is_conditional_param<Param>)
        return static_cast<std::ptrdiff_t>(param_index_by_view<P...>(Param::condition::parent));
    else return -1;
}

template <class... P>
constexpr void check_conditions() {
    []<std::size_t... I>(std::index_sequence<I...>) {
        (check_condition<I, P...>(), ...);
    }(std::index_sequence_for<P...>{});
}
} // namespace detail

template <class... P>
class search_space {
    // Distinct names and valid conditions are checked where a space is built, not in the class
    // body: a failed check there makes clang reject every later use of the class as well, and
    // the message drowns in follow-on errors.
    static constexpr void check_well_formed() {
        detail::check_names_distinct<P...>();
        detail::check_conditions<P...>();
    }

public:
    using config = space_config<P...>;
    using params_type = std::tuple<P...>;
    static constexpr std::size_t size = sizeof...(P);
    static constexpr std::array<std::string_view, size> names{P::name...};

    constexpr search_space()
        requires(std::is_default_constructible_v<P> && ...)
    {
        check_well_formed();
    }
    constexpr explicit search_space(P... params)
        requires(sizeof...(P) > 0)
        : m_params(std::move(params)...) {
        check_well_formed();
    }

    template <fixed_string Name>
    constexpr decltype(auto) param() const {
        constexpr std::size_t i = detail::param_index<Name, P...>();
        if constexpr (i == size) {
            static_assert(detail::unknown_param_name<Name, detail::names_text<P...>()>::value);
            return detail::unknown_param_value{};
        } else {
            return std::get<i>(m_params);
        }
    }
    constexpr params_type const& params() const noexcept { return m_params; }

    // Index of the param each param's presence depends on, or -1 for an unconditional param.
    static constexpr std::array<std::ptrdiff_t, size> parents = [] {
        std::array<std::ptrdiff_t, size> out{};
        std::size_t i = 0;
        ((out[i++] = detail::parent_index<P, P...>()), ...);
        return out;
    }();
    static constexpr bool has_conditions = (is_conditional_param<P> || ...);

    std::array<unit_layout, size> layouts() const {
        return std::apply([](auto const&... p) { return std::array<unit_layout, size>{p.layout()...}; }, m_params);
    }

    // Whether param I is present in c, judged from the params before it.
    template <std::size_t I>
    bool active(config const& c) const {
        using param = mp_at<type_list<P...>, I>;
        if constexpr (!is_conditional_param<param>) {
            return true;
        } else {
            constexpr std::size_t j = static_cast<std::size_t>(parents[I]);
            using parent = mp_at<type_list<P...>, j>;
            auto const& value = std::get<j>(c.values());
            if constexpr (is_conditional_param<parent>)
                return active<j>(c) && value.has_value() &&
                       param::condition::holds(std::get<j>(m_params).param(), *value);
            else return param::condition::holds(std::get<j>(m_params), value);
        }
    }

    // Draws the params in declaration order, so one seed gives one config on every platform. An absent
    // conditional param still consumes its draw, so the other params do not depend on presence.
    config sample(rng& g) const {
        config c;
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (sample_one<I>(c, g), ...);
        }(std::make_index_sequence<size>{});
        return c;
    }

    // NaN for absent params.
    std::array<double, size> to_unit(config const& c) const {
        return [&]<std::size_t... I>(std::index_sequence<I...>) {
            return std::array<double, size>{std::get<I>(m_params).to_unit(std::get<I>(c.values()))...};
        }(std::make_index_sequence<size>{});
    }

    // Presence is decided by the conditions, whatever u holds for an absent param.
    config from_unit(std::span<double const, size> u) const {
        config c;
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (from_unit_one<I>(c, u[I]), ...);
        }(std::make_index_sequence<size>{});
        return c;
    }
    config from_unit(std::array<double, size> const& u) const { return from_unit(std::span<double const, size>(u)); }

    // In bounds, and each conditional param present exactly when its condition holds.
    bool contains(config const& c) const {
        return [&]<std::size_t... I>(std::index_sequence<I...>) {
            return (contains_one<I>(c) && ...);
        }(std::make_index_sequence<size>{});
    }

    std::string describe() const {
        std::string out = "search_space{";
        std::apply(
            [&](auto const&... p) {
                std::size_t i = 0;
                ((out += (i++ ? ", " : "") + p.describe()), ...);
            },
            m_params);
        return out + "}";
    }

private:
    template <std::size_t I>
    void sample_one(config& c, rng& g) const {
        auto value = std::get<I>(m_params).sample(g);
        if constexpr (is_conditional_param<mp_at<type_list<P...>, I>>)
            if (!active<I>(c)) value.reset();
        std::get<I>(c.values()) = std::move(value);
    }

    template <std::size_t I>
    void from_unit_one(config& c, double u) const {
        using param = mp_at<type_list<P...>, I>;
        if constexpr (is_conditional_param<param>) {
            if (!active<I>(c)) {
                std::get<I>(c.values()).reset();
                return;
            }
            if (u != u) u = 0.5; // present, but the point had no coordinate for it
        }
        std::get<I>(c.values()) = std::get<I>(m_params).from_unit(u);
    }

    template <std::size_t I>
    bool contains_one(config const& c) const {
        auto const& value = std::get<I>(c.values());
        if constexpr (is_conditional_param<mp_at<type_list<P...>, I>>)
            if (value.has_value() != active<I>(c)) return false;
        return std::get<I>(m_params).contains(value);
    }

    params_type m_params{};
};

} // namespace htune
