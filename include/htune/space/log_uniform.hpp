#pragma once
// log_uniform<"lr", Low, High>: a positive real value whose logarithm is uniform on
// [log Low, log High]; for rates and penalties that span decades. Bounds in the type or at run time.

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>

#include "../core/fixed_string.hpp"
#include "../core/rng.hpp"
#include "param_common.hpp"
#include "unit_layout.hpp"

namespace htune {

namespace detail {
constexpr void validate_log_uniform(std::string_view name, double low, double high) {
    require(is_finite(low), "htune::log_uniform<\"", name, "\">: low (", low, ") must be finite");
    require(is_finite(high), "htune::log_uniform<\"", name, "\">: high (", high, ") must be finite");
    require(low > 0.0, "htune::log_uniform<\"", name, "\">: low (", low, ") must be > 0");
    require(low < high, "htune::log_uniform<\"", name, "\">: low (", low, ") must be < high (", high, ")");
}
} // namespace detail

template <fixed_string Name, auto Low = runtime_bound, auto High = runtime_bound>
class log_uniform {
public:
    using value_type = double;
    static constexpr std::string_view name = Name.view();
    static constexpr bool compile_time_bounds = !detail::is_runtime_bound<Low>;
    static_assert(compile_time_bounds != detail::is_runtime_bound<High>,
                  "htune::log_uniform: give both bounds as template arguments, or neither");

private:
    static consteval bool template_bounds_valid() {
        if constexpr (compile_time_bounds)
            detail::validate_log_uniform(name, detail::bound_as_double<Low>(), detail::bound_as_double<High>());
        return true;
    }

public:
    // The bounds are checked where the param is built (not in the class body, where a failed check
    // would make clang reject every later use of the class too and bury the message).
    constexpr log_uniform() noexcept
        requires compile_time_bounds
        : m_low(detail::bound_as_double<Low>()), m_high(detail::bound_as_double<High>()) {
        static_assert(template_bounds_valid());
    }

    constexpr log_uniform(double low, double high)
        requires(!compile_time_bounds)
        : m_low(low), m_high(high) {
        detail::validate_log_uniform(name, low, high);
    }

    constexpr double low() const noexcept { return m_low; }
    constexpr double high() const noexcept { return m_high; }

    static constexpr unit_layout layout() noexcept { return {unit_kind::continuous, 0, true}; }
    double to_unit(double x) const noexcept {
        return (std::log(x) - std::log(m_low)) / (std::log(m_high) - std::log(m_low));
    }
    double from_unit(double u) const noexcept {
        if (u <= 0.0) return m_low; // exp(log(x)) need not give x back: the ends are exact
        if (u >= 1.0) return m_high;
        double const log_low = std::log(m_low);
        // exp may land one ulp outside the bounds; the clamp keeps contains() true.
        double const x = std::exp(log_low + u * (std::log(m_high) - log_low));
        return std::clamp(detail::tidy_decimal(x, x), m_low, m_high);
    }
    double sample(rng& g) const noexcept { return from_unit(uniform01(g)); }
    constexpr bool contains(double x) const noexcept { return m_low <= x && x <= m_high; }

    std::string describe() const { return detail::concat("log_uniform<\"", name, "\">[", m_low, ", ", m_high, "]"); }

    static void write_value(std::string& out, double x) { detail::append_number(out, x); }
    static std::optional<double> read_value(std::string_view text) { return detail::parse_double(text); }

private:
    double m_low;
    double m_high;
};

} // namespace htune
