#include <doctest/doctest.h>

#include <htune/samplers/grid.hpp>
#include <htune/samplers/random.hpp>
#include <htune/samplers/sobol.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <vector>

using namespace htune;
using namespace htune::samplers;

namespace {
std::vector<double> ask_once(auto& sampler, std::vector<dimension> const& dims, std::uint64_t seed, std::uint64_t n) {
    std::vector<double> unit(dims.size());
    rng g = rng::stream(seed, n);
    ask_context const ctx{dims, {}, {}, n, n, seed, &g};
    sampler.ask(ctx, std::span<double>(unit));
    return unit;
}

std::vector<dimension> continuous_dims(std::size_t d) {
    std::vector<dimension> dims(d);
    for (auto& x : dims) x.kind = dimension_kind::continuous;
    return dims;
}
} // namespace

static_assert(concepts::sampler<samplers::random>);
static_assert(concepts::sampler<sobol>);
static_assert(concepts::sampler<grid>);

TEST_CASE("random: in the cube, snapped to slice centres, reproducible") {
    std::vector<dimension> dims(3);
    dims[1].kind = dimension_kind::discrete;
    dims[1].count = 4;
    dims[2].kind = dimension_kind::categorical;
    dims[2].count = 3;
    samplers::random r;
    std::set<double> ks;
    for (std::uint64_t n = 0; n < 200; ++n) {
        auto const u = ask_once(r, dims, 1, n);
        CHECK(u[0] >= 0.0);
        CHECK(u[0] <= 1.0);
        ks.insert(u[1]);
        CHECK((u[2] == index_to_unit(0, 3) || u[2] == index_to_unit(1, 3) || u[2] == index_to_unit(2, 3)));
        CHECK(ask_once(r, dims, 1, n) == u);
    }
    CHECK(ks == std::set<double>{0.125, 0.375, 0.625, 0.875});
}

TEST_CASE("sobol: unscrambled direction numbers give the textbook points") {
    auto point = [](auto const& v, std::uint64_t i) {
        std::uint64_t const gray = i ^ (i >> 1);
        std::uint32_t x = 0;
        for (int k = 0; k < 32; ++k)
            if ((gray >> k) & 1u) x ^= v[k];
        return x * 0x1p-32;
    };
    auto const v0 = samplers::detail::sobol_directions(0);
    auto const v1 = samplers::detail::sobol_directions(1);
    auto const v2 = samplers::detail::sobol_directions(2);
    // Points 1..3 in Gray-code order: 1/2, then 3/4 and 1/4 (or 1/4 and 3/4) in every dimension.
    CHECK(point(v0, 1) == 0.5);
    CHECK(point(v0, 2) == 0.75);
    CHECK(point(v0, 3) == 0.25);
    CHECK(point(v1, 1) == 0.5);
    CHECK(point(v1, 2) == 0.25);
    CHECK(point(v1, 3) == 0.75);
    CHECK(point(v2, 1) == 0.5);
    CHECK(point(v2, 2) == 0.25);
    CHECK(point(v2, 3) == 0.75);
    // Direction numbers of dimension 2 (x^2 + x + 1, m = 1, 3): m_3 = 2*m_2 ^ 4*m_1 ^ m_1 = 6 ^ 4 ^ 1 = 3.
    CHECK(v2[0] == 0x80000000u);
    CHECK(v2[1] == 0xC0000000u);
    CHECK(v2[2] == 0x60000000u);
}

TEST_CASE("sobol: every 2^m prefix is balanced in each dimension, and one seed gives one design") {
    auto dims = continuous_dims(10);
    sobol s;
    for (std::uint64_t seed : {1u, 2u}) {
        std::vector<std::vector<double>> points;
        for (std::uint64_t n = 0; n < 64; ++n) points.push_back(ask_once(s, dims, seed, n));
        for (std::size_t j = 0; j < dims.size(); ++j) {
            // 64 points: each of the 64 intervals [k/64, (k+1)/64) holds exactly one.
            std::set<int> cells;
            for (auto const& p : points) cells.insert(static_cast<int>(p[j] * 64));
            CHECK(cells.size() == 64);
            for (auto const& p : points) {
                CHECK(p[j] > 0.0);
                CHECK(p[j] < 1.0);
            }
        }
        // Dimensions 0 and 1: 64 points over an 8 x 8 grid of cells fill every cell once.
        std::set<int> cells;
        for (auto const& p : points) cells.insert(static_cast<int>(p[0] * 8) * 8 + static_cast<int>(p[1] * 8));
        CHECK(cells.size() == 64);
    }
    sobol other;
    CHECK(ask_once(other, dims, 1, 5) == ask_once(s, dims, 1, 5));
    CHECK(ask_once(other, dims, 1, 5) != ask_once(s, dims, 2, 5));
}

TEST_CASE("sobol: integrates more accurately than random points") {
    // The mean of prod(2 x_j) over the cube is 1; quasi-random points get much closer than random ones.
    auto dims = continuous_dims(4);
    auto error = [&](auto& sampler, std::uint64_t seed) {
        double sum = 0;
        for (std::uint64_t n = 0; n < 256; ++n) {
            auto const p = ask_once(sampler, dims, seed, n);
            double prod = 1;
            for (double x : p) prod *= 2 * x;
            sum += prod;
        }
        return std::abs(sum / 256 - 1.0);
    };
    sobol s;
    samplers::random r;
    double es = 0, er = 0;
    for (std::uint64_t seed = 0; seed < 10; ++seed) {
        es += error(s, seed);
        er += error(r, seed);
    }
    CHECK(es < er / 3);
}

TEST_CASE("sobol refuses more dimensions than it has direction numbers for") {
    sobol s;
    auto dims = continuous_dims(samplers::detail::sobol_max_dimensions + 1);
    CHECK_THROWS_AS(s.setup(dims), htune::invalid_argument);
}

TEST_CASE("grid: a bijection onto the grid whatever its size") {
    for (std::uint64_t count : {1u, 2u, 3u, 7u, 64u, 100u}) {
        std::vector<dimension> dims(1);
        dims[0].name = "c";
        dims[0].kind = dimension_kind::categorical;
        dims[0].count = count;
        grid g;
        g.setup(dims);
        CHECK(g.capacity(dims) == count);
        std::set<double> seen;
        for (std::uint64_t n = 0; n < count; ++n) seen.insert(ask_once(g, dims, 3, n)[0]);
        CHECK(seen.size() == count);
    }
}
