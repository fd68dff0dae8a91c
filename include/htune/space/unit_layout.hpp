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

} // namespace htune
