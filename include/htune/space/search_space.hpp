#pragma once
// search_space<P...>: the named params of a study. Holds the param objects, so bounds given at run
// time travel with the space: search_space<uniform<"x">, uniform<"y", 0.0, 15.0>> s{uniform<"x">{-5.0, 10.0}, {}}.
// Configs are typed by the space (space::config, see config.hpp); the unit cube [0, 1]^size is the
// common coordinate system that samplers work in.

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "../core/fixed_string.hpp"
#include "../core/rng.hpp"
#include "../core/type_list.hpp"
#include "config.hpp"

namespace htune {

namespace detail {
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
    static constexpr bool value = true; // the static_assert above is the one error
};

template <class... P>
consteval bool names_distinct() {
    constexpr std::size_t i = first_duplicate_name<P...>();
    if constexpr (i < sizeof...(P)) {
        using param = mp_at<type_list<P...>, i>;
        return duplicate_param_name<name_as_fixed_string<param>()>::value;
    }
    return true;
}
} // namespace detail

template <class... P>
class search_space {
    static_assert(detail::names_distinct<P...>());

public:
    using config = space_config<P...>;
    using params_type = std::tuple<P...>;
    static constexpr std::size_t size = sizeof...(P);
    static constexpr std::array<std::string_view, size> names{P::name...};

    constexpr search_space()
        requires(std::is_default_constructible_v<P> && ...)
    = default;
    constexpr explicit search_space(P... params)
        requires(sizeof...(P) > 0)
        : m_params(std::move(params)...) {}

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

    // Draws the params in declaration order, so one seed gives one config on every platform.
    config sample(rng& g) const {
        return std::apply([&](auto const&... p) { return config{p.sample(g)...}; }, m_params);
    }

    std::array<double, size> to_unit(config const& c) const {
        return [&]<std::size_t... I>(std::index_sequence<I...>) {
            return std::array<double, size>{std::get<I>(m_params).to_unit(std::get<I>(c.values()))...};
        }(std::make_index_sequence<size>{});
    }

    config from_unit(std::array<double, size> const& u) const {
        return [&]<std::size_t... I>(std::index_sequence<I...>) {
            return config{std::get<I>(m_params).from_unit(u[I])...};
        }(std::make_index_sequence<size>{});
    }

    bool contains(config const& c) const {
        return [&]<std::size_t... I>(std::index_sequence<I...>) {
            return (std::get<I>(m_params).contains(std::get<I>(c.values())) && ...);
        }(std::make_index_sequence<size>{});
    }

    std::string describe() const {
        std::string out = "search_space{";
        std::apply([&](auto const&... p) {
            std::size_t i = 0;
            ((out += (i++ ? ", " : "") + p.describe()), ...);
        }, m_params);
        return out + "}";
    }

private:
    params_type m_params{};
};

} // namespace htune
