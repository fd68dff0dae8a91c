#pragma once
// Config text: {lr=0.001, hidden=128, optimizer=adam}. Doubles are written in their shortest exact
// form, so parse_config<Space>(to_string(c)) == c bit for bit. Parsing checks the format and each
// value's type, not the bounds: use space.contains() for those.

#include <array>
#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include "../core/errors.hpp"
#include "conditional.hpp"
#include "config.hpp"

namespace htune {

template <class... P>
std::string to_string(space_config<P...> const& c) {
    std::string out = "{";
    bool first = true;
    auto const write = [&]<class Param>(Param const*, auto const& value) {
        if constexpr (is_conditional_param<Param>)
            if (!value) return; // an absent param is left out
        out += first ? "" : ", ";
        first = false;
        out += Param::name;
        out += '=';
        Param::write_value(out, value);
    };
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (write(static_cast<P const*>(nullptr), std::get<I>(c.values())), ...);
    }(std::index_sequence_for<P...>{});
    return out + "}";
}

template <class... P>
std::ostream& operator<<(std::ostream& os, space_config<P...> const& c) {
    return os << to_string(c);
}

namespace detail {
constexpr std::string_view trim(std::string_view s) noexcept {
    auto const blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (!s.empty() && blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && blank(s.back())) s.remove_suffix(1);
    return s;
}

template <class... P>
space_config<P...> parse_config_impl(std::string_view text) {
    constexpr std::size_t n = sizeof...(P);
    constexpr std::array<std::string_view, n> names{P::name...};
    std::string_view body = trim(text);
    HTUNE_CHECK(body.size() >= 2 && body.front() == '{' && body.back() == '}',
                "htune::parse_config: expected {name=value, ...}, got \"", text, "\"");
    body = trim(body.substr(1, body.size() - 2));

    space_config<P...> c;
    std::array<bool, n> seen{};
    while (!body.empty()) {
        std::size_t const comma = body.find(',');
        std::string_view const item = body.substr(0, comma);
        body = comma == std::string_view::npos ? std::string_view{} : body.substr(comma + 1);
        HTUNE_CHECK(comma == std::string_view::npos || !trim(body).empty(), "htune::parse_config: trailing ',' in \"",
                    text, "\"");

        std::size_t const eq = item.find('=');
        HTUNE_CHECK(eq != std::string_view::npos, "htune::parse_config: expected name=value, got \"", trim(item),
                    "\" in \"", text, "\"");
        std::string_view const name = trim(item.substr(0, eq));
        std::string_view const value = trim(item.substr(eq + 1));

        std::size_t index = 0;
        while (index < n && names[index] != name) ++index;
        if (index == n) {
            std::string known;
            for (auto const& k : names) known += (known.empty() ? "" : ", ") + std::string(k);
            throw_error<invalid_argument>("htune::parse_config: unknown param \"", name, "\" in \"", text,
                                          "\" (the space has: ", known, ")");
        }
        HTUNE_CHECK(!seen[index], "htune::parse_config: param \"", name, "\" given twice in \"", text, "\"");
        seen[index] = true;

        bool ok = false;
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            ((I == index ? [&] {
                 if (auto const v = P::read_value(value)) {
                     std::get<I>(c.values()) = *v;
                     ok = true;
                 }
             }()
                         : void()),
             ...);
        }(std::index_sequence_for<P...>{});
        HTUNE_CHECK(ok, "htune::parse_config: param \"", name, "\": invalid value \"", value, "\" in \"", text, "\"");
    }
    constexpr std::array<bool, n> optional{is_conditional_param<P>...};
    for (std::size_t i = 0; i < n; ++i)
        HTUNE_CHECK(seen[i] || optional[i], "htune::parse_config: param \"", names[i], "\" missing in \"", text, "\"");
    return c;
}

template <class Config>
struct config_parser;
template <class... P>
struct config_parser<space_config<P...>> {
    static space_config<P...> parse(std::string_view text) { return parse_config_impl<P...>(text); }
};
} // namespace detail

// Reads the text written by to_string / operator<<; params may come in any order, each exactly once
// (a conditional param may be left out: it is absent). Whether presence fits the conditions is for
// space.contains() to judge.
template <class Space>
typename Space::config parse_config(std::string_view text) {
    return detail::config_parser<typename Space::config>::parse(text);
}

} // namespace htune
