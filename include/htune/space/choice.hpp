#pragma once
// choice<"optimizer", sgd<>, adam<>>: a choice between types. The value is the index of the
// alternative; with_index (core/dispatch.hpp) turns it into the type once per trial.
// choice_of<"kernel", "rbf", "linear">: a choice between strings; the value is the string.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "../core/fixed_string.hpp"
#include "../core/rng.hpp"
#include "../core/type_list.hpp"
#include "param_common.hpp"
#include "unit_layout.hpp"

namespace htune {

namespace detail {
constexpr void validate_choice(std::string_view kind, std::string_view name, std::size_t count) {
    require(count > 0, "htune::", kind, "<\"", name, "\">: needs at least one alternative");
}

// A label can stand in config text when it cannot be mistaken for an index or for the text's punctuation.
constexpr bool is_plain_label(std::string_view s) {
    if (s.empty()) return false;
    bool all_digits = true;
    for (char c : s) {
        if (c == ',' || c == '=' || c == '{' || c == '}' || c == ' ' || c == '\t' || c == '\n') return false;
        all_digits = all_digits && c >= '0' && c <= '9';
    }
    return !all_digits;
}

constexpr void validate_choice_labels(std::string_view name, std::span<std::string_view const> labels) {
    validate_choice("choice_of", name, labels.size());
    for (std::size_t i = 0; i < labels.size(); ++i) {
        require(is_plain_label(labels[i]), "htune::choice_of<\"", name, "\">: option \"", labels[i],
                "\" must be non-empty, not a number, and free of spaces and of , = { }");
        for (std::size_t j = 0; j < i; ++j)
            require(labels[j] != labels[i], "htune::choice_of<\"", name, "\">: option \"", labels[i],
                    "\" appears twice");
    }
}

// Alternatives such as optim::adam carry `static constexpr std::string_view name = "htune::optim::adam"`;
// the config text shows the last component.
template <class T>
constexpr std::string_view short_type_name() {
    if constexpr (requires { std::string_view{T::name}; }) {
        std::string_view const full{T::name};
        auto const colon = full.rfind("::");
        return colon == std::string_view::npos ? full : full.substr(colon + 2);
    } else {
        return {};
    }
}

constexpr std::optional<std::size_t> index_of_label(std::span<std::string_view const> labels, std::string_view s) {
    for (std::size_t i = 0; i < labels.size(); ++i)
        if (labels[i] == s) return i;
    return std::nullopt;
}

constexpr bool labels_usable(std::span<std::string_view const> labels) {
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (!is_plain_label(labels[i])) return false;
        for (std::size_t j = 0; j < i; ++j)
            if (labels[j] == labels[i]) return false;
    }
    return true;
}

} // namespace detail

template <fixed_string Name, class... Alternatives>
class choice {
public:
    using value_type = std::size_t;
    using alternatives = type_list<Alternatives...>;
    static constexpr std::string_view name = Name.view();
    static constexpr std::size_t count = sizeof...(Alternatives);
    static constexpr bool compile_time_bounds = true;

private:
    static consteval bool alternatives_valid() {
        detail::validate_choice("choice", name, count);
        return true;
    }

public:
    // Labels shown in config text: the alternatives' short names when every one has a distinct
    // usable name, otherwise the indices.
    static constexpr std::array<std::string_view, count> labels{detail::short_type_name<Alternatives>()...};
    static constexpr bool labelled = detail::labels_usable(labels);

    constexpr choice() noexcept {
        static_assert(alternatives_valid()); // here, not in the class body: see log_uniform
    }

    static constexpr unit_layout layout() noexcept { return {unit_kind::categorical, count, false}; }
    double to_unit(std::size_t i) const noexcept { return index_to_unit(i, count); }
    std::size_t from_unit(double u) const noexcept { return unit_to_index(u, count); }
    std::size_t sample(rng& g) const { return static_cast<std::size_t>(uniform_below(g, count)); }
    constexpr bool contains(std::size_t i) const noexcept { return i < count; }

    std::string describe() const {
        std::string out = detail::concat("choice<\"", name, "\">{");
        for (std::size_t i = 0; i < count; ++i) {
            if (i) out += ", ";
            write_value(out, i);
        }
        return out + "}";
    }

    static void write_value(std::string& out, std::size_t i) {
        if (labelled && i < count) out += labels[i];
        else detail::append_number(out, static_cast<std::int64_t>(i));
    }
    // Accepts the label or the index.
    static std::optional<std::size_t> read_value(std::string_view text) {
        if (labelled)
            if (auto const i = detail::index_of_label(labels, text)) return i;
        auto const i = detail::parse_int(text);
        if (!i || *i < 0 || static_cast<std::size_t>(*i) >= count) return std::nullopt;
        return static_cast<std::size_t>(*i);
    }
};

template <fixed_string Name, fixed_string... Options>
class choice_of {
public:
    using value_type = std::string_view; // views the template arguments: static storage, never dangles
    static constexpr std::string_view name = Name.view();
    static constexpr std::size_t count = sizeof...(Options);
    static constexpr bool compile_time_bounds = true;
    static constexpr std::array<std::string_view, count> labels{Options.view()...};

private:
    static consteval bool options_valid() {
        detail::validate_choice_labels(name, labels);
        return true;
    }

public:
    constexpr choice_of() noexcept {
        static_assert(options_valid()); // here, not in the class body: see log_uniform
    }

    static constexpr std::optional<std::size_t> index_of(std::string_view s) noexcept {
        return detail::index_of_label(labels, s);
    }

    static constexpr unit_layout layout() noexcept { return {unit_kind::categorical, count, false}; }
    double to_unit(std::string_view s) const noexcept { return index_to_unit(index_of(s).value_or(0), count); }
    std::string_view from_unit(double u) const noexcept { return labels[unit_to_index(u, count)]; }
    std::string_view sample(rng& g) const { return labels[uniform_below(g, count)]; }
    constexpr bool contains(std::string_view s) const noexcept { return index_of(s).has_value(); }

    std::string describe() const {
        std::string out = detail::concat("choice_of<\"", name, "\">{");
        for (std::size_t i = 0; i < count; ++i) out += detail::concat(i ? ", " : "", labels[i]);
        return out + "}";
    }

    static void write_value(std::string& out, std::string_view s) { out += s; }
    static std::optional<std::string_view> read_value(std::string_view text) {
        if (auto const i = index_of(text)) return labels[*i];
        return std::nullopt;
    }
};

} // namespace htune
