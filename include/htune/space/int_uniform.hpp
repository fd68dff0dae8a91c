#pragma once
// int_uniform<"hidden", Low, High, Options...>: an integer on the grid Low, Low + step, ..., High.
// Options: step<N> (grid spacing) and log (uniform in log space, for widths spanning decades).
// Run-time form: int_uniform<"hidden">{32, 256, {.step = 32}}.

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "../core/fixed_string.hpp"
#include "../core/rng.hpp"
#include "param_common.hpp"
#include "unit_layout.hpp"

namespace htune {

template <std::int64_t N>
struct step {
    static constexpr std::int64_t value = N;
};

// Named log_scale so the option can be spelled without clashing with std::log in user code;
// htune::log is the short alias.
struct log_scale {};
using log = log_scale;

// Options of a run-time int_uniform, with designated initialisers: {.step = 32} or {.log = true}.
struct int_options {
    std::int64_t step = 1;
    bool log = false;
};

namespace detail {
constexpr void validate_int_uniform(std::string_view name, std::int64_t low, std::int64_t high, int_options opt) {
    require(low < high, "htune::int_uniform<\"", name, "\">: low (", low, ") must be < high (", high, ")");
    require(opt.step > 0, "htune::int_uniform<\"", name, "\">: step (", opt.step, ") must be > 0");
    auto const span = static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low);
    require(span % static_cast<std::uint64_t>(opt.step) == 0, "htune::int_uniform<\"", name, "\">: step (", opt.step,
            ") must divide high - low (", span, ")");
    // Beyond 2^53 grid points the unit-interval mapping can no longer tell neighbours apart.
    require(span / static_cast<std::uint64_t>(opt.step) < (std::uint64_t{1} << 53), "htune::int_uniform<\"", name,
            "\">: more than 2^53 grid values");
    require(!opt.log || low > 0, "htune::int_uniform<\"", name, "\">: low (", low, ") must be > 0 with log");
    require(!opt.log || opt.step == 1, "htune::int_uniform<\"", name, "\">: step (", opt.step,
            ") cannot be combined with log");
}

template <class Option>
struct int_option_traits {
    static_assert(sizeof(Option) == 0, "htune::int_uniform: an option must be step<N> or log");
};
template <std::int64_t N>
struct int_option_traits<step<N>> {
    static constexpr void apply(int_options& o) { o.step = N; }
};
template <>
struct int_option_traits<log_scale> {
    static constexpr void apply(int_options& o) { o.log = true; }
};

template <class... Options>
constexpr int_options make_int_options() {
    int_options o;
    (int_option_traits<Options>::apply(o), ...);
    return o;
}
} // namespace detail

template <fixed_string Name, auto Low = runtime_bound, auto High = runtime_bound, class... Options>
class int_uniform {
public:
    using value_type = std::int64_t;
    static constexpr std::string_view name = Name.view();
    static constexpr bool compile_time_bounds = !detail::is_runtime_bound<Low>;
    static_assert(compile_time_bounds != detail::is_runtime_bound<High>,
                  "htune::int_uniform: give both bounds as template arguments, or neither");

private:
    static consteval bool template_bounds_valid() {
        if constexpr (compile_time_bounds) {
            static_assert(std::is_integral_v<decltype(Low)> && std::is_integral_v<decltype(High)>,
                          "htune::int_uniform: bounds must be integers");
            detail::validate_int_uniform(name, Low, High, detail::make_int_options<Options...>());
        }
        return true;
    }

public:
    constexpr int_uniform() noexcept
        requires compile_time_bounds
        : m_low(Low), m_high(High), m_options(detail::make_int_options<Options...>()) {
        static_assert(template_bounds_valid()); // here, not in the class body: see log_uniform
    }

    // Options in the type are the defaults of the run-time ones.
    constexpr int_uniform(std::int64_t low, std::int64_t high,
                          int_options options = detail::make_int_options<Options...>())
        requires(!compile_time_bounds)
        : m_low(low), m_high(high), m_options(options) {
        detail::validate_int_uniform(name, low, high, options);
    }

    constexpr std::int64_t low() const noexcept { return m_low; }
    constexpr std::int64_t high() const noexcept { return m_high; }
    constexpr std::int64_t step_size() const noexcept { return m_options.step; }
    constexpr bool is_log() const noexcept { return m_options.log; }
    // Number of grid values.
    constexpr std::uint64_t count() const noexcept {
        return (static_cast<std::uint64_t>(m_high) - static_cast<std::uint64_t>(m_low)) /
                   static_cast<std::uint64_t>(m_options.step) +
               1;
    }

    // Log ints are continuous in log space (rounded by from_unit), as Optuna treats them.
    constexpr unit_layout layout() const noexcept {
        if (m_options.log) return {unit_kind::continuous, 0, true};
        return {unit_kind::discrete, count(), false};
    }

    // Linear: each grid value owns an equal slice of [0, 1) and maps to its centre. Log: the
    // value's log, with half a unit of padding so that the end values get their fair share.
    double to_unit(std::int64_t x) const noexcept {
        if (m_options.log) return (std::log(static_cast<double>(x)) - log_lo()) / (log_hi() - log_lo());
        auto const index = (static_cast<std::uint64_t>(x) - static_cast<std::uint64_t>(m_low)) /
                           static_cast<std::uint64_t>(m_options.step);
        return index_to_unit(index, count());
    }

    std::int64_t from_unit(double u) const noexcept {
        if (m_options.log) {
            double const x = std::round(std::exp(log_lo() + u * (log_hi() - log_lo())));
            if (!(x >= static_cast<double>(m_low))) return m_low;
            if (x >= static_cast<double>(m_high)) return m_high;
            return static_cast<std::int64_t>(x);
        }
        return at(unit_to_index(u, count()));
    }

    std::int64_t sample(rng& g) const {
        if (m_options.log) return from_unit(uniform01(g));
        return at(uniform_below(g, count())); // exact: no rounding of a double on the way
    }

    constexpr bool contains(std::int64_t x) const noexcept {
        return m_low <= x && x <= m_high &&
               (static_cast<std::uint64_t>(x) - static_cast<std::uint64_t>(m_low)) %
                       static_cast<std::uint64_t>(m_options.step) ==
                   0;
    }

    std::string describe() const {
        return detail::concat("int_uniform<\"", name, "\">[", m_low, ", ", m_high, "]",
                              m_options.step != 1 ? detail::concat(" step ", m_options.step) : std::string{},
                              m_options.log ? " log" : "");
    }

    static void write_value(std::string& out, std::int64_t x) { detail::append_number(out, x); }
    static std::optional<std::int64_t> read_value(std::string_view text) { return detail::parse_int(text); }

private:
    constexpr std::int64_t at(std::uint64_t index) const noexcept {
        return static_cast<std::int64_t>(static_cast<std::uint64_t>(m_low) +
                                         index * static_cast<std::uint64_t>(m_options.step));
    }
    double log_lo() const noexcept { return std::log(static_cast<double>(m_low) - 0.5); }
    double log_hi() const noexcept { return std::log(static_cast<double>(m_high) + 0.5); }

    std::int64_t m_low;
    std::int64_t m_high;
    int_options m_options;
};

} // namespace htune
