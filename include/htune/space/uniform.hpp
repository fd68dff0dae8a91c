#pragma once
// uniform<"x", Low, High>: a real value, uniform on [Low, High]. Bounds in the type
// (uniform<"x", -5.0, 10.0>{}) or, with none in the type, given at run time (uniform<"x">{-5.0, 10.0}).

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
// Shared by the compile-time check (a failure is a compile error) and the run-time constructor.
constexpr void validate_uniform(std::string_view name, double low, double high) {
    require(is_finite(low), "htune::uniform<\"", name, "\">: low (", low, ") must be finite");
    require(is_finite(high), "htune::uniform<\"", name, "\">: high (", high, ") must be finite");
    require(low < high, "htune::uniform<\"", name, "\">: low (", low, ") must be < high (", high, ")");
    // Sampling and the unit-cube mapping go through high - low: an overflow would make every value NaN or low.
    require(is_finite(high - low), "htune::uniform<\"", name, "\">: high - low (", high - low, ") must be finite");
}
} // namespace detail

template <fixed_string Name, auto Low = runtime_bound, auto High = runtime_bound>
class uniform {
public:
    using value_type = double;
    static constexpr std::string_view name = Name.view();
    static constexpr bool compile_time_bounds = !detail::is_runtime_bound<Low>;
    static_assert(compile_time_bounds != detail::is_runtime_bound<High>,
                  "htune::uniform: give both bounds as template arguments, or neither");

private:
    static consteval bool template_bounds_valid() {
        if constexpr (compile_time_bounds)
            detail::validate_uniform(name, detail::bound_as_double<Low>(), detail::bound_as_double<High>());
        return true;
    }

public:
    constexpr uniform() noexcept
        requires compile_time_bounds
        : m_low(detail::bound_as_double<Low>()), m_high(detail::bound_as_double<High>()) {
        static_assert(template_bounds_valid()); // here, not in the class body: see log_uniform
    }

    constexpr uniform(double low, double high)
        requires(!compile_time_bounds)
        : m_low(low), m_high(high) {
        detail::validate_uniform(name, low, high);
    }

    constexpr double low() const noexcept { return m_low; }
    constexpr double high() const noexcept { return m_high; }

    static constexpr unit_layout layout() noexcept { return {unit_kind::continuous, 0, false}; }
    double to_unit(double x) const noexcept { return (x - m_low) / (m_high - m_low); }
    double from_unit(double u) const noexcept {
        double const scale = std::max(std::fabs(m_low), std::fabs(m_high));
        return std::clamp(detail::tidy_decimal(m_low + u * (m_high - m_low), scale), m_low, m_high);
    }
    double sample(rng& g) const noexcept { return uniform_real(g, m_low, m_high); }
    constexpr bool contains(double x) const noexcept { return m_low <= x && x <= m_high; }

    std::string describe() const { return detail::concat("uniform<\"", name, "\">[", m_low, ", ", m_high, "]"); }

    static void write_value(std::string& out, double x) { detail::append_number(out, x); }
    static std::optional<double> read_value(std::string_view text) { return detail::parse_double(text); }

private:
    double m_low;
    double m_high;
};

} // namespace htune
