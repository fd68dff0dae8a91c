#pragma once
// Seeded maximin Latin hypercube designs for the startup trials of model-based samplers.
//
// A design of `size` points in [0, 1]^d: in every dimension each of the `size` equal slices holds
// exactly one point, at a random place inside it, so no point sits on the centre of the box by
// construction. Of several random designs the one with the largest smallest pairwise distance is
// kept. A design is a pure function of (seed, block, size, d): the k-th point a sampler proposes
// takes row k % size of block k / size, so a fresh sampler proposes the same startup points.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <span>
#include <vector>

#include "../../core/rng.hpp"

namespace htune::samplers::gp_detail {

inline constexpr std::uint64_t latin_hypercube_stream = 0x4c48535f64657369ULL; // "LHS_desi"

// Writes row `row` of design `block` (size points in d dimensions) into out (d values in [0, 1)).
inline void latin_hypercube_row(std::uint64_t seed, std::uint64_t block, std::size_t size, std::size_t row,
                                std::span<double> out) {
    std::size_t const d = out.size();
    if (d == 0 || size == 0) return;
    // Fewer tries for big designs: the distance check is quadratic in size.
    std::size_t const tries = size <= 64 ? 32 : (size <= 256 ? 4 : 1);
    std::vector<double> design(size * d), best_design;
    std::vector<std::size_t> perm(size);
    double best_distance = -1.0;
    for (std::size_t t = 0; t < tries; ++t) {
        rng g = rng::stream(seed, latin_hypercube_stream, block, t);
        for (std::size_t j = 0; j < d; ++j) {
            std::iota(perm.begin(), perm.end(), std::size_t{0});
            shuffle(std::span<std::size_t>(perm), g);
            for (std::size_t i = 0; i < size; ++i)
                design[i * d + j] = (static_cast<double>(perm[i]) + uniform01(g)) / static_cast<double>(size);
        }
        double min_distance = std::numeric_limits<double>::infinity();
        for (std::size_t a = 0; a < size; ++a)
            for (std::size_t b = 0; b < a; ++b) {
                double s = 0.0;
                for (std::size_t j = 0; j < d; ++j) {
                    double const diff = design[a * d + j] - design[b * d + j];
                    s += diff * diff;
                }
                min_distance = s < min_distance ? s : min_distance;
            }
        if (min_distance > best_distance) {
            best_distance = min_distance;
            best_design = design;
        }
    }
    for (std::size_t j = 0; j < d; ++j) out[j] = best_design[(row % size) * d + j];
}

} // namespace htune::samplers::gp_detail
