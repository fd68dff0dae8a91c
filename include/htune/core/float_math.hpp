#pragma once
// exp, tanh and sigmoid in float, written as plain arithmetic so that a loop over them vectorises.
// libm's tanhf and expf are calls the compiler cannot vectorise: one tanh layer of a 784-128-10
// MLP spent more time in them than in its GEMMs' share. These stay within a few ulp of the
// correctly rounded results (tests/core/test_float_math.cpp measures it) over the whole float range.
//
// The method: x = k ln2 + r with |r| <= ln2 / 2, exp(r) - 1 by its Taylor series to r^7 (the next
// term is below 1e-9 there), scaled by 2^k built from its bits. ln2 is split in a part with few
// bits (k * ln2_hi is exact for |k| < 2^15) and the rest, so that r keeps its precision.

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>

namespace htune::math {

namespace detail {
inline constexpr float log2e = 1.44269504088896341f;
inline constexpr float ln2_hi = 0.693359375f;             // 355 / 512: 9 significant bits
inline constexpr float ln2_lo = -2.12194440054690583e-4f; // ln 2 - ln2_hi
inline constexpr float round_shift = 12582912.0f;         // 1.5 * 2^23: adding it rounds to an integer

// g++ does not vectorise a ?: or std::max on floats that feeds further arithmetic (a compare may
// trap), so the selections below work on the bits, where integer compares and masks vectorise.

// x if x is NaN, else value.
inline float nan_or(float x, float value) noexcept {
    std::uint32_t const bits = std::bit_cast<std::uint32_t>(x);
    std::uint32_t const is_nan = 0u - static_cast<std::uint32_t>((bits & 0x7fffffffu) > 0x7f800000u);
    return std::bit_cast<float>((bits & is_nan) | (std::bit_cast<std::uint32_t>(value) & ~is_nan));
}

// exp(x) - 1 = 2^k (exp(r) - 1) + (2^k - 1), for x <= 0 taken as max(x, -87) (k from -126 to 0).
struct split_exp {
    float scale;   // 2^k
    float expm1_r; // exp(r) - 1
};
inline split_exp split(float x) noexcept {
    // For x <= 0 (and -inf, and NaN with its sign bit set) a larger magnitude has larger bits.
    x = std::bit_cast<float>(std::min(std::bit_cast<std::uint32_t>(x), std::bit_cast<std::uint32_t>(-87.0f)));
    float const k = (x * log2e + round_shift) - round_shift; // round to nearest, no libm call
    float const r = (x - k * ln2_hi) - k * ln2_lo;
    float p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    float const q = r + r * r * p;
    auto const bits = static_cast<std::uint32_t>(static_cast<std::int32_t>(k) + 127) << 23;
    return {std::bit_cast<float>(bits), q};
}
} // namespace detail

// exp(x) - 1 for x <= 0 (below -87 it returns -1 to within float precision).
inline float expm1_nonpositive(float x) noexcept {
    auto const s = detail::split(x);
    return detail::nan_or(x, s.scale * s.expm1_r + (s.scale - 1.0f));
}

// exp(x) for x <= 0 (below -87 it returns exp(-87), about 1.6e-38, instead of a subnormal or 0).
inline float exp_nonpositive(float x) noexcept {
    auto const s = detail::split(x);
    return detail::nan_or(x, s.scale + s.scale * s.expm1_r);
}

// tanh(x) = -m / (2 + m) with m = expm1(-2|x|), the sign restored: no cancellation near 0.
inline float tanh(float x) noexcept {
    float const m = expm1_nonpositive(-2.0f * std::abs(x));
    return detail::nan_or(x, std::copysign(-m / (2.0f + m), x));
}

// 1 / (1 + exp(-x)); exp of a non-positive argument only, so that nothing overflows.
inline float sigmoid(float x) noexcept {
    float const e = exp_nonpositive(-std::abs(x));
    // x < 0: e / (1 + e), else 1 / (1 + e); the factor picked with the sign bit as a mask.
    std::uint32_t const negative = 0u - (std::bit_cast<std::uint32_t>(x) >> 31);
    float const factor = std::bit_cast<float>((std::bit_cast<std::uint32_t>(e) & negative) |
                                              (std::bit_cast<std::uint32_t>(1.0f) & ~negative));
    return detail::nan_or(x, factor / (1.0f + e));
}

} // namespace htune::math
