// core/float_math.hpp against the double-precision library functions rounded to float: the error
// in units in the last place over a sweep of float inputs, and the edges.
#include <doctest/doctest.h>

#include <htune/core/float_math.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace {

// Floats in order as integers: key(nextafter(x, +inf)) == key(x) + 1 (0 and -0 share a key).
std::int64_t key(float f) {
    auto const bits = static_cast<std::int64_t>(std::bit_cast<std::int32_t>(f));
    return bits < 0 ? std::int64_t{std::numeric_limits<std::int32_t>::min()} - bits : bits;
}
float from_key(std::int64_t k) {
    auto const bits = k < 0 ? std::int64_t{std::numeric_limits<std::int32_t>::min()} - k : k;
    return std::bit_cast<float>(static_cast<std::int32_t>(bits));
}

// Distance in representable floats.
std::int64_t ulps(float a, float b) {
    auto const d = key(a) - key(b);
    return d < 0 ? -d : d;
}

// Every stride-th float from lo up to hi; f is checked against ref (double), rounded to float.
template <class F, class Ref>
std::int64_t worst_ulps(float lo, float hi, std::int64_t stride, F f, Ref ref, float* where) {
    std::int64_t worst = 0;
    for (std::int64_t k = key(lo); k <= key(hi); k += stride) {
        float const x = from_key(k);
        std::int64_t const e = ulps(f(x), static_cast<float>(ref(static_cast<double>(x))));
        if (e > worst) {
            worst = e;
            *where = x;
        }
    }
    return worst;
}

} // namespace

TEST_CASE("float_math: tanh and sigmoid within 4 ulp over the float range") {
    float at = 0;
    std::int64_t const tanh_err = worst_ulps(
        -20.0f, 20.0f, 257, [](float x) { return htune::math::tanh(x); }, [](double x) { return std::tanh(x); }, &at);
    MESSAGE("tanh: worst ", tanh_err, " ulp, at ", at);
    CHECK(tanh_err <= 4);
    std::int64_t const sigmoid_err = worst_ulps(
        -87.0f, 30.0f, 257, [](float x) { return htune::math::sigmoid(x); },
        [](double x) { return 1.0 / (1.0 + std::exp(-x)); }, &at);
    MESSAGE("sigmoid: worst ", sigmoid_err, " ulp, at ", at);
    CHECK(sigmoid_err <= 4);
    std::int64_t const expm1_err = worst_ulps(
        -87.0f, 0.0f, 257, [](float x) { return htune::math::expm1_nonpositive(x); },
        [](double x) { return std::expm1(x); }, &at);
    MESSAGE("expm1: worst ", expm1_err, " ulp, at ", at);
    CHECK(expm1_err <= 2);
    std::int64_t const exp_err = worst_ulps(
        -87.0f, 0.0f, 257, [](float x) { return htune::math::exp_nonpositive(x); },
        [](double x) { return std::exp(x); }, &at);
    MESSAGE("exp: worst ", exp_err, " ulp, at ", at);
    CHECK(exp_err <= 2);
}

TEST_CASE("float_math: the edges") {
    using htune::math::sigmoid;
    using htune::math::tanh;
    CHECK(tanh(0.0f) == 0.0f);
    CHECK(tanh(1e-30f) == 1e-30f); // tanh(x) = x to float precision near 0
    CHECK(tanh(-1e-6f) == doctest::Approx(-1e-6f).epsilon(1e-6));
    CHECK(tanh(50.0f) == 1.0f);
    CHECK(tanh(-1e30f) == -1.0f);
    CHECK(tanh(std::numeric_limits<float>::infinity()) == 1.0f);
    CHECK(sigmoid(0.0f) == 0.5f);
    CHECK(sigmoid(100.0f) == 1.0f);
    CHECK(sigmoid(-100.0f) >= 0.0f);
    CHECK(sigmoid(-100.0f) < 1e-37f);
    CHECK(std::isnan(tanh(std::numeric_limits<float>::quiet_NaN())));
    CHECK(std::isnan(sigmoid(std::numeric_limits<float>::quiet_NaN())));
}
