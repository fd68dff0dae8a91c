#pragma once
// Seedable random numbers with independent streams, and distributions of our own.
//
// Streams: rng::stream(seed, a, b, ...) derives a generator from a seed and any number of
// stream ids (study -> trial -> thread), so a trial's numbers depend on (seed, trial number)
// and never on scheduling. The standard library's distributions are implementation-defined
// (libstdc++ and libc++ differ), so the distributions here are written out: one seed gives the
// same numbers with g++ and clang.

#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numbers>
#include <span>
#include <utility>

#include "errors.hpp"

namespace htune {

// SplitMix64: used to expand seeds and to hash stream ids; every input bit affects every output bit.
constexpr std::uint64_t splitmix64(std::uint64_t& state) noexcept {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

// xoshiro256**: fast, 256-bit state, passes BigCrush; satisfies UniformRandomBitGenerator.
class rng {
public:
    using result_type = std::uint64_t;

    constexpr explicit rng(std::uint64_t seed = 0) noexcept { reseed(seed); }

    // A generator for the stream named by (seed, ids...). Different id tuples give independent
    // sequences; the same tuple always gives the same sequence.
    template <class... Ids>
    static constexpr rng stream(std::uint64_t seed, Ids... ids) noexcept {
        std::uint64_t h = seed;
        std::uint64_t mix = splitmix64(h);
        ((mix = hash_combine(mix, static_cast<std::uint64_t>(ids))), ...);
        return rng(mix);
    }

    constexpr void reseed(std::uint64_t seed) noexcept {
        std::uint64_t sm = seed;
        for (auto& w : m_state) w = splitmix64(sm);
    }

    static constexpr result_type min() noexcept { return 0; }
    static constexpr result_type max() noexcept { return std::numeric_limits<result_type>::max(); }

    constexpr result_type operator()() noexcept {
        auto& s = m_state;
        std::uint64_t const result = std::rotl(s[1] * 5, 7) * 9;
        std::uint64_t const t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = std::rotl(s[3], 45);
        return result;
    }

    // A child stream split off this generator (advances this one by one draw).
    constexpr rng split() noexcept { return rng((*this)()); }

    friend constexpr bool operator==(rng const&, rng const&) = default;

private:
    static constexpr std::uint64_t hash_combine(std::uint64_t a, std::uint64_t b) noexcept {
        std::uint64_t s = a ^ (b + 0x632be59bd9b4e019ULL + (a << 6) + (a >> 2));
        return splitmix64(s);
    }

    std::array<std::uint64_t, 4> m_state{};
};

// Uniform double in [0, 1) with 53 random bits.
constexpr double uniform01(rng& g) noexcept {
    return static_cast<double>(g() >> 11) * 0x1.0p-53;
}

// Uniform real in [low, high).
template <class T = double>
constexpr T uniform_real(rng& g, T low, T high) noexcept {
    T const x = static_cast<T>(low + (high - low) * uniform01(g));
    return x < high ? x : low; // rounding in float may reach high
}

// Uniform integer in [0, n) without bias (Lemire's multiply-and-reject).
constexpr std::uint64_t uniform_below(rng& g, std::uint64_t n) {
    HTUNE_CHECK(n > 0, "htune::uniform_below: n must be > 0");
    unsigned __int128 m = static_cast<unsigned __int128>(g()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
        std::uint64_t const threshold = (0 - n) % n;
        while (low < threshold) {
            m = static_cast<unsigned __int128>(g()) * n;
            low = static_cast<std::uint64_t>(m);
        }
    }
    return static_cast<std::uint64_t>(m >> 64);
}

// Uniform integer in [low, high] (both included).
constexpr std::int64_t uniform_int(rng& g, std::int64_t low, std::int64_t high) {
    HTUNE_CHECK(low <= high, "htune::uniform_int: low (", low, ") must be <= high (", high, ")");
    auto const span = static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low);
    if (span == std::numeric_limits<std::uint64_t>::max()) return static_cast<std::int64_t>(g());
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(low) + uniform_below(g, span + 1));
}

// Standard normal through Box-Muller; one pair per call, the second value is dropped so the
// function stays stateless (a stream's n-th draw never depends on what was asked before).
inline double standard_normal(rng& g) noexcept {
    double u1 = uniform01(g);
    while (u1 <= 0.0) u1 = uniform01(g);
    double const u2 = uniform01(g);
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

template <class T = double>
inline T normal(rng& g, T mean, T stddev) noexcept {
    return static_cast<T>(mean + stddev * standard_normal(g));
}

// Normal truncated to [mean - 2 stddev, mean + 2 stddev] by redrawing (as PyTorch's trunc_normal_).
template <class T = double>
inline T truncated_normal(rng& g, T mean, T stddev) noexcept {
    double z = standard_normal(g);
    while (z < -2.0 || z > 2.0) z = standard_normal(g);
    return static_cast<T>(mean + stddev * z);
}

constexpr bool bernoulli(rng& g, double p) noexcept {
    return uniform01(g) < p;
}

// Fisher-Yates shuffle with our uniform_below, so the permutation is the same on every platform.
template <class T>
constexpr void shuffle(std::span<T> items, rng& g) {
    for (std::size_t i = items.size(); i > 1; --i) {
        std::size_t const j = uniform_below(g, i);
        using std::swap;
        swap(items[i - 1], items[j]);
    }
}

} // namespace htune
