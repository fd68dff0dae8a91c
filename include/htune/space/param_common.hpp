#pragma once
// Pieces shared by every param kind: the marker for bounds given at run time, the check that
// turns a bad template bound into a compile error and a bad run-time bound into an exception,
// and number <-> text conversions that round-trip bit for bit.

#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

#include "../core/errors.hpp"

namespace htune {

// Default value of a param's bound template arguments: `uniform<"x">` has its bounds given to the
// constructor at run time, `uniform<"x", -5.0, 10.0>` has them in its type.
struct runtime_bound_t {};
inline constexpr runtime_bound_t runtime_bound{};

namespace detail {

template <auto V>
inline constexpr bool is_runtime_bound = std::is_same_v<std::remove_cv_t<decltype(V)>, runtime_bound_t>;

// Deliberately not constexpr: reached while a template bound is checked in a constant expression,
// the call is the compile error, and the compiler quotes the failing require(...) line below it.
template <class... Args>
[[noreturn]] void invalid_param_bounds(Args const&... args) {
    throw_error<invalid_argument>(args...);
}

// The one check used by every validation function, at compile time and at run time alike.
template <class... Args>
constexpr void require(bool ok, Args const&... args) {
    if (!ok) invalid_param_bounds(args...);
}

// std::isfinite is not constexpr before C++23.
constexpr bool is_finite(double x) noexcept {
    return x == x && x - x == 0.0;
}

// Shortest text that reads back to the same double (std::to_chars without a format).
inline void append_number(std::string& out, double x) {
    char buffer[64];
    auto const [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, x);
    out.append(buffer, ec == std::errc{} ? end : buffer);
}

inline void append_number(std::string& out, std::int64_t x) {
    char buffer[32];
    auto const [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, x);
    out.append(buffer, ec == std::errc{} ? end : buffer);
}

// from_unit goes through arithmetic (and log/exp) that can land a little beside a decimal value: a
// grid point 0.001 would come back as 0.0010000000000000002. tidy_decimal rounds x to 15 significant
// digits of `scale` (the size of the numbers the arithmetic went through: the bounds for a linear
// param, x itself for a log one) when that moves it by at most 4 ulps of scale. Decimal values then
// come back exactly, and any other value moves by less than 1e-15 relative to scale.
inline double tidy_decimal(double x, double scale) noexcept {
    scale = std::fabs(scale);
    if (!(x == x) || x - x != 0.0 || !(scale > 0.0) || scale - scale != 0.0) return x;
    int const digits_before = static_cast<int>(std::floor(std::log10(scale))) + 1;
    int const decimals = 15 - digits_before;
    char buffer[400];
    auto const [end, ec] = decimals >= 0
                               ? std::to_chars(buffer, buffer + sizeof buffer, x, std::chars_format::fixed, decimals)
                               : std::to_chars(buffer, buffer + sizeof buffer, x, std::chars_format::general, 15);
    if (ec != std::errc{}) return x;
    double y = x;
    std::from_chars(buffer, end, y);
    double const ulp = std::nextafter(scale, 2 * scale + 1.0) - scale;
    return std::fabs(y - x) <= 4 * ulp ? y : x;
}

// Whole-text parses: trailing characters make the text invalid.
inline std::optional<double> parse_double(std::string_view text) {
    double x = 0;
    auto const [end, ec] = std::from_chars(text.data(), text.data() + text.size(), x);
    if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return x;
}

inline std::optional<std::int64_t> parse_int(std::string_view text) {
    std::int64_t x = 0;
    auto const [end, ec] = std::from_chars(text.data(), text.data() + text.size(), x);
    if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return x;
}

// Text of a template bound, which may be given as an integer (uniform<"x", 0, 1>).
template <auto V>
constexpr double bound_as_double() {
    static_assert(std::is_arithmetic_v<decltype(V)>, "htune: a param bound must be a number");
    return static_cast<double>(V);
}

} // namespace detail
} // namespace htune
