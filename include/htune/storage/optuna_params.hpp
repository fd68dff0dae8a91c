#pragma once
// A space's params as Optuna stores them: a distribution in Optuna's JSON form and each value in its
// internal representation. uniform and log_uniform are FloatDistribution, int_uniform is
// IntDistribution, discrete values and both kinds of choice are CategoricalDistribution (the value is
// the index of the alternative). A conditional param is its inner param when present and is not
// stored when absent, as Optuna leaves out a param a trial never suggested.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "../space/choice.hpp"
#include "../space/conditional.hpp"
#include "../space/discrete.hpp"
#include "../space/int_uniform.hpp"
#include "../space/log_uniform.hpp"
#include "../space/param_common.hpp"
#include "../space/uniform.hpp"
#include "records.hpp"

namespace htune::storage {

namespace detail {

inline void append_json_string(std::string& out, std::string_view s) {
    out += '"';
    for (char const c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char const* hex = "0123456789abcdef";
                    out += "\\u00";
                    out += hex[(c >> 4) & 0xf];
                    out += hex[c & 0xf];
                } else {
                    out += c;
                }
        }
    }
    out += '"';
}

inline std::string float_distribution(double low, double high, bool log) {
    std::string out = R"({"name": "FloatDistribution", "attributes": {"step": null, "low": )";
    htune::detail::append_number(out, low);
    out += ", \"high\": ";
    htune::detail::append_number(out, high);
    out += log ? ", \"log\": true}}" : ", \"log\": false}}";
    return out;
}

template <class Range>
std::string categorical_distribution(Range const& choices) {
    std::string out = R"({"name": "CategoricalDistribution", "attributes": {"choices": [)";
    bool first = true;
    for (auto const& c : choices) {
        if (!first) out += ", ";
        first = false;
        if constexpr (std::is_convertible_v<decltype(c), std::string_view>) append_json_string(out, c);
        else htune::detail::append_number(out, c);
    }
    return out + "]}}";
}

// Index of a double that must be a whole number in [0, count).
inline std::optional<std::size_t> as_index(double x, std::size_t count) {
    if (!(x >= 0.0) || x >= static_cast<double>(count) || x != std::floor(x)) return std::nullopt;
    return static_cast<std::size_t>(x);
}

template <class P>
struct optuna_codec; // one per param kind

template <fixed_string N, auto L, auto H>
struct optuna_codec<uniform<N, L, H>> {
    using param = uniform<N, L, H>;
    static std::string distribution(param const& p) { return float_distribution(p.low(), p.high(), false); }
    static double internal(param const&, double x) { return x; }
    static std::optional<double> value(param const& p, double x) {
        return p.contains(x) ? std::optional<double>(x) : std::nullopt;
    }
};

template <fixed_string N, auto L, auto H>
struct optuna_codec<log_uniform<N, L, H>> {
    using param = log_uniform<N, L, H>;
    static std::string distribution(param const& p) { return float_distribution(p.low(), p.high(), true); }
    static double internal(param const&, double x) { return x; }
    static std::optional<double> value(param const& p, double x) {
        return p.contains(x) ? std::optional<double>(x) : std::nullopt;
    }
};

template <fixed_string N, auto L, auto H, class... O>
struct optuna_codec<int_uniform<N, L, H, O...>> {
    using param = int_uniform<N, L, H, O...>;
    static std::string distribution(param const& p) {
        std::string out = R"({"name": "IntDistribution", "attributes": {"log": )";
        out += p.is_log() ? "true" : "false";
        out += ", \"step\": ";
        htune::detail::append_number(out, p.step_size());
        out += ", \"low\": ";
        htune::detail::append_number(out, p.low());
        out += ", \"high\": ";
        htune::detail::append_number(out, p.high());
        return out + "}}";
    }
    static double internal(param const&, std::int64_t x) { return static_cast<double>(x); }
    static std::optional<std::int64_t> value(param const& p, double x) {
        // Exact below 2^53, which covers any int range a sampler can address.
        if (!(std::fabs(x) < 9007199254740992.0) || x != std::floor(x)) return std::nullopt;
        auto const v = static_cast<std::int64_t>(x);
        return p.contains(v) ? std::optional<std::int64_t>(v) : std::nullopt;
    }
};

template <fixed_string N, auto... V>
struct optuna_codec<discrete<N, V...>> {
    using param = discrete<N, V...>;
    using value_type = typename param::value_type;
    static std::string distribution(param const& p) { return categorical_distribution(p.values()); }
    static double internal(param const& p, value_type x) {
        std::size_t i = 0;
        while (i < p.count() && !(p.values()[i] == x)) ++i;
        return static_cast<double>(i);
    }
    static std::optional<value_type> value(param const& p, double x) {
        if (auto const i = as_index(x, p.count())) return p.values()[*i];
        return std::nullopt;
    }
};

template <fixed_string N, class... A>
struct optuna_codec<choice<N, A...>> {
    using param = choice<N, A...>;
    static std::string distribution(param const&) {
        if constexpr (param::labelled) {
            return categorical_distribution(param::labels);
        } else {
            std::vector<std::int64_t> indices;
            for (std::size_t i = 0; i < param::count; ++i) indices.push_back(static_cast<std::int64_t>(i));
            return categorical_distribution(indices);
        }
    }
    static double internal(param const&, std::size_t i) { return static_cast<double>(i); }
    static std::optional<std::size_t> value(param const&, double x) { return as_index(x, param::count); }
};

template <fixed_string N, fixed_string... O>
struct optuna_codec<choice_of<N, O...>> {
    using param = choice_of<N, O...>;
    static std::string distribution(param const&) { return categorical_distribution(param::labels); }
    static double internal(param const&, std::string_view s) {
        return static_cast<double>(param::index_of(s).value_or(0));
    }
    static std::optional<std::string_view> value(param const&, double x) {
        if (auto const i = as_index(x, param::count)) return param::labels[*i];
        return std::nullopt;
    }
};

template <class P, class C>
struct optuna_codec<conditional<P, C>> {
    using param = conditional<P, C>;
    static std::string distribution(param const& p) { return optuna_codec<P>::distribution(p.param()); }
};

template <class P>
auto const& inner(P const& p) {
    if constexpr (is_conditional_param<P>) return p.param();
    else return p;
}

} // namespace detail

// Each param's name and Optuna distribution, in the space's order.
template <class Space>
std::vector<param_schema> optuna_schema(Space const& space) {
    std::vector<param_schema> out;
    std::apply(
        [&](auto const&... p) {
            (out.push_back({std::string(std::remove_cvref_t<decltype(p)>::name),
                            detail::optuna_codec<std::remove_cvref_t<decltype(p)>>::distribution(p)}),
             ...);
        },
        space.params());
    return out;
}

// A config's internal values, in the space's order; nullopt where a param is absent.
template <class Space>
std::vector<std::optional<double>> optuna_values(Space const& space, typename Space::config const& c) {
    std::vector<std::optional<double>> out;
    out.reserve(Space::size);
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (
            [&] {
                auto const& p = std::get<I>(space.params());
                using param = std::remove_cvref_t<decltype(p)>;
                auto const& v = std::get<I>(c.values());
                if constexpr (is_conditional_param<param>) {
                    using inner = typename param::param_type;
                    out.push_back(v ? std::optional<double>(detail::optuna_codec<inner>::internal(p.param(), *v))
                                    : std::nullopt);
                } else {
                    out.push_back(detail::optuna_codec<param>::internal(p, v));
                }
            }(),
            ...);
    }(std::make_index_sequence<Space::size>{});
    return out;
}

// The config of stored internal values; nullopt with `why` filled when a value does not fit its param
// (outside the bounds, not a valid index) or presence does not fit the conditions.
template <class Space>
std::optional<typename Space::config> config_of_optuna_values(Space const& space,
                                                              std::span<std::optional<double> const> values,
                                                              std::string& why) {
    if (values.size() != Space::size) {
        why = htune::detail::concat("expected ", Space::size, " params, got ", values.size());
        return std::nullopt;
    }
    typename Space::config c;
    bool ok = true;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (
            [&] {
                if (!ok) return;
                auto const& p = std::get<I>(space.params());
                using param = std::remove_cvref_t<decltype(p)>;
                auto const& stored = values[I];
                if constexpr (is_conditional_param<param>) {
                    if (!stored) return; // absent; contains() below judges the conditions
                    if (auto v = detail::optuna_codec<typename param::param_type>::value(p.param(), *stored)) {
                        std::get<I>(c.values()) = *v;
                        return;
                    }
                } else {
                    if (!stored) {
                        why = htune::detail::concat("param \"", param::name, "\" is missing");
                        ok = false;
                        return;
                    }
                    if (auto v = detail::optuna_codec<param>::value(p, *stored)) {
                        std::get<I>(c.values()) = *v;
                        return;
                    }
                }
                why = htune::detail::concat("param \"", param::name, "\": stored value ", *stored, " is not in ",
                                            p.describe());
                ok = false;
            }(),
            ...);
    }(std::make_index_sequence<Space::size>{});
    if (!ok) return std::nullopt;
    if (!space.contains(c)) {
        why = "its params do not fit the space's conditions";
        return std::nullopt;
    }
    return c;
}

} // namespace htune::storage
