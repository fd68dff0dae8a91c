#pragma once
// grid: every combination of given values (a full factorial), each once, in an order shuffled by the
// study seed so a study cut short still spreads over the grid. The study ends when the grid is used up.
//
//   samplers::grid g{{"lr", {1e-3, 1e-2, 1e-1}}, {"optimizer", {"sgd", "adam"}}};
//
// Values are written as in config text: numbers, or option labels. A param without an axis takes
// every value when it has finitely many (a choice, a discrete or a linear int_uniform of at most
// 1024 values); a continuous param needs an axis. The k-th trial the sampler proposes (ctx.sampled)
// takes the k-th point of the shuffled grid, so replaying a study gives the same points.
// A conditional param's axis is crossed with the others also where the param ends up absent, so
// such points repeat a config: give conditional params a single value or accept the repeats.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "../core/errors.hpp"
#include "../core/rng.hpp"
#include "../core/roles.hpp"
#include "../space/param_common.hpp"
#include "dimension.hpp"
#include "sampler.hpp"

namespace htune::samplers {

// One value of a grid axis: a number or a label, kept as its config text.
class grid_value {
public:
    grid_value(double x) { htune::detail::append_number(m_text, x); }
    grid_value(int x) { htune::detail::append_number(m_text, static_cast<std::int64_t>(x)); }
    grid_value(long x) { htune::detail::append_number(m_text, static_cast<std::int64_t>(x)); }
    grid_value(long long x) { htune::detail::append_number(m_text, static_cast<std::int64_t>(x)); }
    grid_value(char const* label) : m_text(label) {}
    grid_value(std::string label) : m_text(std::move(label)) {}
    grid_value(std::string_view label) : m_text(label) {}

    std::string const& text() const noexcept { return m_text; }

private:
    std::string m_text;
};

struct grid_axis {
    std::string name;
    std::vector<grid_value> values;
};

class grid {
public:
    using htune_role = role::sampler;
    static constexpr std::string_view name = "grid";
    static constexpr std::uint64_t max_implicit_values = 1024;

    grid() = default;
    grid(std::initializer_list<grid_axis> axes) : m_axes(axes) {
        for (std::size_t i = 0; i < m_axes.size(); ++i) {
            HTUNE_CHECK(!m_axes[i].values.empty(), "htune::samplers::grid: axis \"", m_axes[i].name,
                        "\" has no values");
            for (std::size_t j = 0; j < i; ++j)
                HTUNE_CHECK(m_axes[j].name != m_axes[i].name, "htune::samplers::grid: axis \"", m_axes[i].name,
                            "\" is given twice");
        }
    }

    // Resolves every axis to unit coordinates; names and values are checked against the space here.
    void setup(std::span<dimension const> dims) {
        for (auto const& axis : m_axes) {
            bool found = false;
            for (auto const& d : dims) found = found || d.name == axis.name;
            HTUNE_CHECK(found, "htune::samplers::grid: axis \"", axis.name, "\" names no param of the space");
        }
        m_points.assign(dims.size(), {});
        m_total = 1;
        for (std::size_t i = 0; i < dims.size(); ++i) {
            auto const& d = dims[i];
            auto& points = m_points[i];
            if (auto const* axis = find(d.name)) {
                HTUNE_CHECK(d.unit_of_text != nullptr, "htune::samplers::grid: param \"", d.name,
                            "\" cannot read grid values");
                for (auto const& v : axis->values) {
                    auto const u = d.unit_of_text(v.text());
                    HTUNE_CHECK(u.has_value(), "htune::samplers::grid: axis \"", d.name, "\": \"", v.text(),
                                "\" is not a value of the param");
                    points.push_back(*u);
                }
            } else {
                HTUNE_CHECK(d.kind != dimension_kind::continuous, "htune::samplers::grid: param \"", d.name,
                            "\" is continuous and needs an axis: grid{{\"", d.name, "\", {values...}}, ...}");
                HTUNE_CHECK(d.count <= max_implicit_values, "htune::samplers::grid: param \"", d.name, "\" has ",
                            d.count, " values; give it an axis (at most ", max_implicit_values,
                            " values are taken implicitly)");
                for (std::uint64_t k = 0; k < d.count; ++k) points.push_back(index_to_unit(k, d.count));
            }
            HTUNE_CHECK(m_total <= ~std::uint64_t{0} / points.size(),
                        "htune::samplers::grid: the grid has more than 2^64 points");
            m_total *= points.size();
        }
        m_ready = true;
    }

    std::optional<std::uint64_t> capacity(std::span<dimension const>) const {
        HTUNE_CHECK(m_ready, "htune::samplers::grid: capacity() before setup()");
        return m_total;
    }

    void ask(ask_context const& ctx, std::span<double> unit) {
        HTUNE_CHECK(m_ready, "htune::samplers::grid: ask() before setup()");
        HTUNE_CHECK(ctx.sampled < m_total, "htune::samplers::grid: all ", m_total, " grid points are used");
        std::uint64_t k = permuted(ctx.sampled, ctx.seed);
        // Mixed-radix digits of k, the last param varying fastest.
        for (std::size_t i = unit.size(); i-- > 0;) {
            auto const n = m_points[i].size();
            unit[i] = m_points[i][k % n];
            k /= n;
        }
    }

private:
    grid_axis const* find(std::string_view param) const {
        for (auto const& a : m_axes)
            if (a.name == param) return &a;
        return nullptr;
    }

    // A bijection of [0, total) keyed by the seed, without storing a permutation (grids can be huge):
    // a few rounds of a keyed mixing function on the smallest power of two >= total, walking the
    // cycle until the value falls inside (cycle walking).
    std::uint64_t permuted(std::uint64_t i, std::uint64_t seed) const {
        if (m_total <= 1) return 0;
        int bits = 0;
        while (bits < 64 && (std::uint64_t{1} << bits) < m_total) ++bits;
        std::uint64_t const mask = bits == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
        rng keys = rng::stream(seed, 0x9e1du);
        std::uint64_t k[4];
        for (auto& key : k) key = keys();
        std::uint64_t x = i;
        do {
            for (auto const key : k) {
                // Each step is invertible on `bits` bits: xor-shift, add a key, multiply by an odd number.
                x ^= x >> ((bits + 1) / 2);
                x = (x + key) & mask;
                x = (x * 0x9e3779b97f4a7c15ULL) & mask;
            }
        } while (x >= m_total);
        return x;
    }

    std::vector<grid_axis> m_axes;
    std::vector<std::vector<double>> m_points;
    std::uint64_t m_total = 0;
    bool m_ready = false;
};

} // namespace htune::samplers
