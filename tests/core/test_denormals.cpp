#include <doctest/doctest.h>

#include <htune/core/denormals.hpp>

#include <cmath>
#include <limits>

namespace {
// A product whose exact value is subnormal; volatile so that it is computed at run time, under the
// thread's mode, and not folded by the compiler.
float subnormal_product() {
    volatile float a = 1e-30f;
    volatile float b = 1e-10f;
    return a * b;
}
// A subnormal operand times a normal one (denormals-are-zero reads it as 0).
float subnormal_operand() {
    volatile float tiny = std::numeric_limits<float>::denorm_min() * 64.0f;
    volatile float one = 1.0f;
    return tiny * one;
}
} // namespace

TEST_CASE("scoped_flush_denormals flushes subnormals inside the scope and restores the mode after") {
    using htune::scoped_flush_denormals;
    if (!scoped_flush_denormals::supported()) {
        scoped_flush_denormals g;
        CHECK(!g.active());
        return;
    }
    REQUIRE(!scoped_flush_denormals::enabled()); // the default floating-point environment
    CHECK(std::fpclassify(subnormal_product()) == FP_SUBNORMAL);
    CHECK(std::fpclassify(subnormal_operand()) == FP_SUBNORMAL);
    {
        scoped_flush_denormals g;
        CHECK(g.active());
        CHECK(scoped_flush_denormals::enabled());
        CHECK(subnormal_product() == 0.0f);
        CHECK(subnormal_operand() == 0.0f);
        volatile float small = 1e-20f;
        CHECK(small * 1e-10f == doctest::Approx(1e-30f).epsilon(1e-6)); // normal results unchanged
        {
            scoped_flush_denormals nested; // already on: restoring keeps it on
            CHECK(scoped_flush_denormals::enabled());
        }
        CHECK(scoped_flush_denormals::enabled());
        {
            scoped_flush_denormals off(false); // asked not to: changes and restores nothing
            CHECK(!off.active());
            CHECK(scoped_flush_denormals::enabled());
        }
    }
    CHECK(!scoped_flush_denormals::enabled());
    CHECK(std::fpclassify(subnormal_product()) == FP_SUBNORMAL);
}
