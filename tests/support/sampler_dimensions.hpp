#pragma once
// make_dim: a sampler's view of one param, built by hand for the sampler tests.

#include <htune/samplers/dimension.hpp>

#include <cstddef>
#include <cstdint>

namespace htune::test {

inline samplers::dimension make_dim(samplers::dimension_kind kind, std::uint64_t count = 0,
                                    std::ptrdiff_t parent = -1) {
    samplers::dimension d{};
    d.name = "p";
    d.kind = kind;
    d.count = count;
    d.parent = parent;
    return d;
}

} // namespace htune::test
