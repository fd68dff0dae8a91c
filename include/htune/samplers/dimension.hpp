#pragma once
// What a sampler sees of a search space and of the trials so far, independent of the space's C++
// types: every param is one dimension of the unit cube [0, 1]^d, and every finished trial is a point
// in that cube with a loss. Samplers are written once against this and serve any space.
//
// Unit coordinates (the space's to_unit/from_unit):
//  - continuous: u in [0, 1], already in log space for log params;
//  - discrete (an int_uniform or discrete param with `count` values): value i owns [i/count, (i+1)/count)
//    and is stored as its centre (i + 0.5) / count; from_unit floors u * count;
//  - categorical (a choice with `count` options): the same as discrete, but the order means nothing.
// A param that was inactive in a trial (a conditional param whose condition did not hold) has NaN.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "../space/unit_layout.hpp"

namespace htune::samplers {

using dimension_kind = unit_kind;

struct dimension {
    std::string_view name;
    dimension_kind kind = dimension_kind::continuous;
    std::uint64_t count = 0;    // values of a discrete or categorical dimension; 0 when continuous
    bool log = false;           // the param is sampled in log space (the unit coordinate already is)
    std::ptrdiff_t parent = -1; // the dimension whose value decides whether this one is active, or -1
    // The unit coordinate of a value written as in config text ("0.01", "adam"), or nothing when the
    // text is not a value of the param: for samplers that take user-given points (grid).
    std::function<std::optional<double>(std::string_view)> unit_of_text;
};

inline constexpr double inactive = std::numeric_limits<double>::quiet_NaN();

inline bool is_active(double u) noexcept {
    return !std::isnan(u);
}

using htune::index_to_unit;
using htune::unit_to_index;

// Snaps a coordinate to the centre of its value's slice; continuous coordinates are clamped to [0, 1].
inline double snap_to_unit(dimension const& d, double u) noexcept {
    if (d.kind == dimension_kind::continuous) return u < 0.0 ? 0.0 : (u > 1.0 ? 1.0 : u);
    return index_to_unit(unit_to_index(u, d.count), d.count);
}

// A finished trial as samplers learn from it. Failed trials are never shown to samplers.
struct observation {
    std::uint64_t number = 0;      // the trial number: observations come in increasing number
    std::span<double const> unit;  // one coordinate per dimension; NaN where inactive
    double loss = 0.0;             // finite; lower is better (the study negates a maximised value)
    bool pruned = false;           // stopped early: loss is its last intermediate value
    std::uint64_t pruned_step = 0; // the step of that value (further is better among pruned)
    bool enqueued = false;         // the config came from the user (study::enqueue), not a sampler
};

} // namespace htune::samplers
