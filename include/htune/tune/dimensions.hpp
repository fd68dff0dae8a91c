#pragma once
// The sampler's view of a search space: one samplers::dimension per param, in declaration order.

#include <array>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "../samplers/dimension.hpp"
#include "../space/conditional.hpp"

namespace htune::tune {

namespace detail {
// The unit coordinate that maps back to exactly this value: to_unit then from_unit can be off by an
// ulp (log params go through log and exp), and a user who asks for lr = 0.001 must get 0.001.
template <class Param, class Value>
double exact_unit(Param const& p, Value const& v) {
    double const u = p.to_unit(v);
    if (p.from_unit(u) == v) return u;
    double up = u, down = u;
    for (int i = 0; i < 64; ++i) {
        up = std::nextafter(up, 2.0);
        down = std::nextafter(down, -1.0);
        if (up <= 1.0 && p.from_unit(up) == v) return up;
        if (down >= 0.0 && p.from_unit(down) == v) return down;
    }
    return u;
}
} // namespace detail

template <class Space>
std::vector<samplers::dimension> dimensions_of(Space const& space) {
    std::vector<samplers::dimension> dims;
    dims.reserve(Space::size);
    auto const layouts = space.layouts();
    std::apply(
        [&](auto const&... params) {
            std::size_t i = 0;
            (([&](auto const& p) {
                 using param = std::remove_cvref_t<decltype(p)>;
                 samplers::dimension d;
                 d.name = param::name;
                 d.kind = layouts[i].kind;
                 d.count = layouts[i].count;
                 d.log = layouts[i].log;
                 d.parent = Space::parents[i];
                 // Reads a value as config text and places it in the unit cube; the param object lives in
                 // the space, which outlives the sampler's setup.
                 d.unit_of_text = [&p](std::string_view text) -> std::optional<double> {
                     auto const v = param::read_value(text);
                     if (!v) return std::nullopt;
                     if constexpr (is_conditional_param<param>) {
                         if (!*v || !p.param().contains(**v)) return std::nullopt;
                         return detail::exact_unit(p.param(), **v);
                     } else {
                         if (!p.contains(*v)) return std::nullopt;
                         return detail::exact_unit(p, *v);
                     }
                 };
                 dims.push_back(std::move(d));
                 ++i;
             }(params)),
             ...);
        },
        space.params());
    return dims;
}

} // namespace htune::tune
