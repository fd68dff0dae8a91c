#pragma once
// space_config<P...>: one value per param, typed by the space. c.get<"lr">() returns the param's
// value_type; a name the space lacks is a compile error that lists the names it has.

#include <cstddef>
#include <string_view>
#include <tuple>
#include <utility>

#include "../core/fixed_string.hpp"
#include "../core/type_list.hpp"

namespace htune {

namespace detail {
template <class... P>
constexpr std::size_t names_text_size() {
    std::size_t n = 0;
    ((n += P::name.size() + 2), ...);
    return sizeof...(P) > 0 ? n - 2 : 0;
}

// "x, y, lr" as a fixed_string, so that it shows in the compiler's diagnostic as a template argument.
template <class... P>
constexpr auto names_text() {
    constexpr std::size_t n = names_text_size<P...>();
    char chars[n + 1]{};
    std::size_t at = 0;
    auto append = [&](std::string_view s) {
        if (at > 0) {
            chars[at++] = ',';
            chars[at++] = ' ';
        }
        for (char c : s) chars[at++] = c;
    };
    (append(P::name), ...);
    return fixed_string<n + 1>(chars);
}

template <fixed_string Name, class... P>
constexpr std::size_t param_index() {
    return first_true<(P::name == Name.view())...>;
}

template <fixed_string Name>
inline constexpr bool always_false_name = false;

// What get<> returns for an unknown name: converts to anything, so the static_assert stays the only error.
struct unknown_param_value {
    template <class T>
    constexpr operator T() const {
        return T{};
    }
};

// Instantiated only for a name the space lacks: the diagnostic shows both template arguments,
// the name asked for and the names the space has.
template <fixed_string Name, fixed_string NamesInSpace>
struct unknown_param_name {
    static_assert(always_false_name<Name>, "htune::space_config::get<Name>: the space has no param with this name (see "
                                           "unknown_param_name<Name, NamesInSpace> above)");
    static constexpr bool value = true; // the static_assert above is the one error
};
} // namespace detail

template <class... P>
class space_config {
public:
    using values_type = std::tuple<typename P::value_type...>;
    static constexpr std::size_t size = sizeof...(P);

    constexpr space_config() = default;
    constexpr explicit space_config(typename P::value_type... values)
        requires(sizeof...(P) > 0)
        : m_values(std::move(values)...) {}
    constexpr explicit space_config(values_type values) : m_values(std::move(values)) {}

    template <fixed_string Name>
    static constexpr std::size_t index_of = detail::param_index<Name, P...>();

    template <fixed_string Name>
    constexpr auto get() const {
        constexpr std::size_t i = detail::param_index<Name, P...>();
        if constexpr (i == sizeof...(P)) {
            static_assert(detail::unknown_param_name<Name, detail::names_text<P...>()>::value);
            return detail::unknown_param_value{};
        } else {
            return std::get<i>(m_values);
        }
    }

    template <fixed_string Name, class V>
    constexpr void set(V&& value) {
        constexpr std::size_t i = detail::param_index<Name, P...>();
        if constexpr (i == sizeof...(P))
            static_assert(detail::unknown_param_name<Name, detail::names_text<P...>()>::value);
        else std::get<i>(m_values) = std::forward<V>(value);
    }

    constexpr values_type const& values() const noexcept { return m_values; }
    constexpr values_type& values() noexcept { return m_values; }

    friend constexpr bool operator==(space_config const&, space_config const&) = default;

private:
    values_type m_values{};
};

} // namespace htune
