#include <doctest/doctest.h>

#include <htune/space/choice.hpp>
#include <htune/space/discrete.hpp>
#include <htune/space/int_uniform.hpp>
#include <htune/space/log_uniform.hpp>
#include <htune/space/uniform.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

#include "check_invalid.hpp"

using namespace htune;

namespace {
using htune::test::check_invalid;

struct alt_a {
    static constexpr std::string_view name = "ns::alpha";
};
struct alt_b {
    static constexpr std::string_view name = "beta";
};
struct unnamed {};

double const inf = std::numeric_limits<double>::infinity();
double const not_a_number = std::numeric_limits<double>::quiet_NaN();
} // namespace

// Template bounds are validated and usable in constant expressions.
static_assert(log_uniform<"lr", 1e-4, 1e-1>{}.low() == 1e-4);
static_assert(log_uniform<"lr", 1e-4, 1e-1>{}.high() == 1e-1);
static_assert(uniform<"x", -5.0, 10.0>{}.contains(0.0));
static_assert(uniform<"x", 0, 1>{}.high() == 1.0); // integer bounds convert
static_assert(int_uniform<"hidden", 32, 256, step<32>>{}.count() == 8);
static_assert(int_uniform<"hidden", 32, 256, step<32>>{}.contains(64));
static_assert(!int_uniform<"hidden", 32, 256, step<32>>{}.contains(65));
static_assert(int_uniform<"units", 1, 1024, htune::log>{}.is_log());
static_assert(choice<"o", alt_a, alt_b>::count == 2);
static_assert(std::is_same_v<choice<"o", alt_a, unnamed>::alternatives, type_list<alt_a, unnamed>>);
static_assert(choice_of<"kernel", "rbf", "linear">::index_of("linear") == 1);
static_assert(uniform<"x">{-5.0, 10.0}.low() == -5.0); // run-time form is constexpr too

static_assert(std::is_same_v<uniform<"x">::value_type, double>);
static_assert(std::is_same_v<int_uniform<"h", 1, 4>::value_type, std::int64_t>);
static_assert(std::is_same_v<discrete<"b", 16, 32>::value_type, std::int64_t>);
static_assert(std::is_same_v<discrete<"p", 0.1, 1>::value_type, double>);
static_assert(std::is_same_v<choice<"o", alt_a>::value_type, std::size_t>);
static_assert(std::is_same_v<choice_of<"k", "a">::value_type, std::string_view>);

TEST_CASE("run-time bounds are checked with the same messages") {
    check_invalid([] { uniform<"x">(1.0, 1.0); }, "htune::uniform<\"x\">: low (1) must be < high (1)");
    check_invalid([] { uniform<"x">(2.5, -1.0); }, "htune::uniform<\"x\">: low (2.5) must be < high (-1)");
    check_invalid([] { uniform<"x">(-inf, 1.0); }, "htune::uniform<\"x\">: low (-inf) must be finite");
    check_invalid([] { uniform<"x">(0.0, not_a_number); }, "htune::uniform<\"x\">: high (nan) must be finite");

    check_invalid([] { log_uniform<"lr">(0.0, 0.1); }, "htune::log_uniform<\"lr\">: low (0) must be > 0");
    check_invalid([] { log_uniform<"lr">(-1e-3, 0.1); }, "htune::log_uniform<\"lr\">: low (-0.001) must be > 0");
    check_invalid([] { log_uniform<"lr">(0.1, 1e-4); }, "htune::log_uniform<\"lr\">: low (0.1) must be < high (1e-04)");
    check_invalid([] { log_uniform<"lr">(1e-4, inf); }, "htune::log_uniform<\"lr\">: high (inf) must be finite");

    check_invalid([] { int_uniform<"h">(5, 5); }, "htune::int_uniform<\"h\">: low (5) must be < high (5)");
    check_invalid([] { int_uniform<"h">(0, 10, {.step = 0}); }, "htune::int_uniform<\"h\">: step (0) must be > 0");
    check_invalid([] { int_uniform<"h">(0, 10, {.step = -2}); }, "htune::int_uniform<\"h\">: step (-2) must be > 0");
    check_invalid([] { int_uniform<"h">(0, 10, {.step = 3}); },
                  "htune::int_uniform<\"h\">: step (3) must divide high - low (10)");
    check_invalid([] { int_uniform<"h">(0, 10, {.log = true}); },
                  "htune::int_uniform<\"h\">: low (0) must be > 0 with log");
    check_invalid([] { int_uniform<"h">(2, 10, {.step = 2, .log = true}); },
                  "htune::int_uniform<\"h\">: step (2) cannot be combined with log");
    check_invalid([] { int_uniform<"h">(std::numeric_limits<std::int64_t>::min(), 0); },
                  "htune::int_uniform<\"h\">: more than 2^53 grid values");

    check_invalid([] { discrete<"p">(std::vector<double>{}); }, "htune::discrete<\"p\">: needs at least one value");
    check_invalid([] { discrete<"p">{0.5, 0.1, 0.5}; }, "htune::discrete<\"p\">: value 0.5 appears twice");
    check_invalid([] { discrete<"p">{0.5, inf}; }, "htune::discrete<\"p\">: value 1 (inf) must be finite");

    // The run-time validation functions are the ones the templates call at compile time.
    check_invalid([] { detail::validate_choice("choice", "o", 0); },
                  "htune::choice<\"o\">: needs at least one alternative");
    std::array<std::string_view, 2> const twice{"rbf", "rbf"};
    check_invalid([&] { detail::validate_choice_labels("k", twice); },
                  "htune::choice_of<\"k\">: option \"rbf\" appears twice");
    std::array<std::string_view, 1> const number{"12"};
    check_invalid(
        [&] { detail::validate_choice_labels("k", number); },
        "htune::choice_of<\"k\">: option \"12\" must be non-empty, not a number, and free of spaces and of , = { }");
}

TEST_CASE("uniform samples stay in bounds and cover them evenly") {
    uniform<"x"> const p{-5.0, 10.0};
    rng g(1);
    std::array<int, 10> bins{};
    int const n = 100000;
    for (int i = 0; i < n; ++i) {
        double const x = p.sample(g);
        REQUIRE(p.contains(x));
        REQUIRE(x < 10.0);
        ++bins[static_cast<std::size_t>((x + 5.0) / 1.5)];
    }
    for (int b : bins) CHECK(std::abs(b - n / 10) < 500); // ~5 sigma
    CHECK(p.describe() == "uniform<\"x\">[-5, 10]");
    CHECK(uniform<"x", -5.0, 10.0>{}.describe() == p.describe());
}

TEST_CASE("log_uniform is uniform in log space") {
    log_uniform<"lr", 1e-4, 1e-1> const p;
    rng g(2);
    std::array<int, 3> decades{};
    int const n = 90000;
    for (int i = 0; i < n; ++i) {
        double const x = p.sample(g);
        REQUIRE(p.contains(x));
        auto const d = static_cast<std::size_t>(std::floor(std::log10(x) + 4.0));
        ++decades[std::min<std::size_t>(d, 2)];
    }
    for (int c : decades) CHECK(std::abs(c - n / 3) < 750);
    CHECK(p.from_unit(0.0) == 1e-4);
    CHECK(p.from_unit(1.0) == 1e-1);
    CHECK(p.from_unit(0.5) == doctest::Approx(std::sqrt(1e-4 * 1e-1)));
}

TEST_CASE("int_uniform with a step hits every grid value and nothing else") {
    int_uniform<"hidden", 32, 256, step<32>> const p;
    rng g(3);
    std::map<std::int64_t, int> counts;
    int const n = 80000;
    for (int i = 0; i < n; ++i) ++counts[p.sample(g)];
    REQUIRE(counts.size() == 8);
    for (auto const& [v, c] : counts) {
        CHECK(p.contains(v));
        CHECK(std::abs(c - n / 8) < 500);
    }
    CHECK(p.describe() == "int_uniform<\"hidden\">[32, 256] step 32");
    // Run-time form, options in the type as defaults.
    int_uniform<"hidden", runtime_bound, runtime_bound, step<4>> const q{0, 8};
    CHECK(q.step_size() == 4);
    CHECK(q.count() == 3);
}

TEST_CASE("int_uniform with log favours small values evenly per decade") {
    int_uniform<"units", 1, 1000, htune::log> const p;
    rng g(4);
    std::array<int, 3> decades{}; // [1, 10), [10, 100), [100, 1000]
    int const n = 90000;
    std::int64_t lo = 1000, hi = 1;
    for (int i = 0; i < n; ++i) {
        std::int64_t const v = p.sample(g);
        REQUIRE(p.contains(v));
        lo = std::min(lo, v);
        hi = std::max(hi, v);
        ++decades[v < 10 ? 0 : v < 100 ? 1 : 2];
    }
    CHECK(lo == 1);
    CHECK(hi == 1000);
    // Half-unit padding makes the first decade [0.5, 9.5): a little less than a third.
    double const total = std::log(1000.5) - std::log(0.5);
    CHECK(decades[0] == doctest::Approx(n * (std::log(9.5) - std::log(0.5)) / total).epsilon(0.03));
    CHECK(decades[1] == doctest::Approx(n * (std::log(99.5) - std::log(9.5)) / total).epsilon(0.03));
    CHECK(p.describe() == "int_uniform<\"units\">[1, 1000] log");
}

TEST_CASE("to_unit and from_unit round trip and stay in bounds") {
    rng g(5);
    uniform<"x"> const u{-5.0, 10.0};
    log_uniform<"lr"> const l{1e-6, 1e-2};
    int_uniform<"h", -7, 93, step<5>> const i;
    int_uniform<"w", 3, 3000, htune::log> const il;
    discrete<"p", 0.1, 0.2, 0.5> const d;
    choice<"o", alt_a, alt_b, unnamed> const c;
    choice_of<"k", "rbf", "linear", "poly"> const s;
    for (int k = 0; k < 2000; ++k) {
        double const x = u.sample(g);
        CHECK(u.from_unit(u.to_unit(x)) == doctest::Approx(x).epsilon(1e-12));
        double const y = l.sample(g);
        CHECK(l.from_unit(l.to_unit(y)) == doctest::Approx(y).epsilon(1e-12));
        std::int64_t const a = i.sample(g);
        CHECK(i.from_unit(i.to_unit(a)) == a);
        std::int64_t const b = il.sample(g);
        CHECK(il.from_unit(il.to_unit(b)) == b);
        double const e = d.sample(g);
        CHECK(d.from_unit(d.to_unit(e)) == e);
        std::size_t const f = c.sample(g);
        CHECK(c.from_unit(c.to_unit(f)) == f);
        std::string_view const h = s.sample(g);
        CHECK(s.from_unit(s.to_unit(h)) == h);

        double const v = uniform01(g);
        CHECK(u.contains(u.from_unit(v)));
        CHECK(l.contains(l.from_unit(v)));
        CHECK(i.contains(i.from_unit(v)));
        CHECK(il.contains(il.from_unit(v)));
        CHECK(d.contains(d.from_unit(v)));
        CHECK(c.contains(c.from_unit(v)));
        CHECK(s.contains(s.from_unit(v)));
    }
    // Ends of the unit interval, and beyond, stay in bounds.
    for (double v : {0.0, 1.0, -0.5, 1.5}) {
        CHECK(u.contains(u.from_unit(v)));
        CHECK(l.contains(l.from_unit(v)));
        CHECK(i.contains(i.from_unit(v)));
        CHECK(il.contains(il.from_unit(v)));
        CHECK(c.contains(c.from_unit(v)));
    }
    CHECK(i.from_unit(0.0) == -7);
    CHECK(i.from_unit(1.0) == 93);
    CHECK(il.from_unit(0.0) == 3);
    CHECK(il.from_unit(1.0) == 3000);
    // Choice maps [0, 1) to indices evenly.
    CHECK(c.from_unit(0.0) == 0);
    CHECK(c.from_unit(0.33) == 0);
    CHECK(c.from_unit(0.34) == 1);
    CHECK(c.from_unit(0.99) == 2);
}

TEST_CASE("discrete and choices sample every value evenly") {
    rng g(6);
    discrete<"batch", 16, 32, 64> const d;
    discrete<"p"> const r{0.1, 0.2, 0.5, 0.9};
    choice<"o", alt_a, alt_b> const c;
    choice_of<"k", "rbf", "linear", "poly"> const s;
    std::map<std::int64_t, int> dc;
    std::map<double, int> rc;
    std::array<int, 2> cc{};
    std::map<std::string_view, int> sc;
    int const n = 60000;
    for (int k = 0; k < n; ++k) {
        ++dc[d.sample(g)];
        ++rc[r.sample(g)];
        ++cc[c.sample(g)];
        ++sc[s.sample(g)];
    }
    REQUIRE(dc.size() == 3);
    for (auto const& [v, count] : dc) CHECK(std::abs(count - n / 3) < 600);
    REQUIRE(rc.size() == 4);
    for (auto const& [v, count] : rc) {
        CHECK(r.contains(v));
        CHECK(std::abs(count - n / 4) < 550);
    }
    for (int count : cc) CHECK(std::abs(count - n / 2) < 650);
    REQUIRE(sc.size() == 3);
    CHECK(!d.contains(17));
    CHECK(!s.contains("RBF"));
    CHECK(d.describe() == "discrete<\"batch\">{16, 32, 64}");
    CHECK(c.describe() == "choice<\"o\">{alpha, beta}");
    CHECK(choice<"o", alt_a, unnamed>{}.describe() == "choice<\"o\">{0, 1}");
    CHECK(s.describe() == "choice_of<\"k\">{rbf, linear, poly}");
}

TEST_CASE("decimal values come back exactly through the unit interval") {
    log_uniform<"lr", 1e-4, 1e-1> const lr;
    uniform<"x", -5.0, 10.0> const x;
    for (double v : {1e-4, 3e-4, 1e-3, 0.002, 0.01, 0.05, 0.1}) CHECK(lr.from_unit(lr.to_unit(v)) == v);
    for (double v : {-4.9, -0.1, 0.3, 1.7, 2.5, 9.99}) CHECK(x.from_unit(x.to_unit(v)) == v);
    // Other values move by a few ulps at most.
    rng g(3);
    for (int i = 0; i < 1000; ++i) {
        double const u = uniform01(g);
        double const raw = std::exp(std::log(1e-4) + u * (std::log(1e-1) - std::log(1e-4)));
        CHECK(std::abs(lr.from_unit(u) - raw) <= 8 * std::numeric_limits<double>::epsilon() * raw);
    }
}
