#pragma once
// How a param lies in the unit interval that samplers work in (see samplers/dimension.hpp):
//  - continuous: u in [0, 1], in log space for log params;
//  - discrete: `count` ordered values, value i owning [i/count, (i+1)/count) and stored at its centre;
//  - categorical: the same slices, but the order of the options means nothing.

#include <cstdint>

namespace htune {

enum class unit_kind { continuous, discrete, categorical };

struct unit_layout {
    unit_kind kind = unit_kind::continuous;
    std::uint64_t count = 0; // values of a discrete or categorical param; 0 when continuous
    bool log = false;        // sampled in log space
};

// The value index a unit coordinate falls on, for `count` equal slices of [0, 1) (u = 1 falls on the
// last), and the centre of a value's slice. Every discrete and categorical param, and every sampler,
// maps through these two.
inline std::uint64_t unit_to_index(double u, std::uint64_t count) noexcept {
    double const scaled = u * static_cast<double>(count);
    std::uint64_t const index = scaled > 0.0 ? static_cast<std::uint64_t>(scaled) : 0;
    return index < count ? index : count - 1;
}

inline double index_to_unit(std::uint64_t index, std::uint64_t count) noexcept {
    return (static_cast<double>(index) + 0.5) / static_cast<double>(count);
}

} // namespace htune
