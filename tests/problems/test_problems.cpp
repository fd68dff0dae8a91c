#include <doctest/doctest.h>

#include <htune/problems.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <numbers>
#include <string>
#include <vector>

#include "check_invalid.hpp"

using namespace htune;

namespace {
using htune::test::check_invalid;

// The optimum lies in the box, its value is optimum_value(), and every point at a small distance
// along each axis (kept inside the box) is worse.
template <class Problem>
void check_optimum(Problem const& p, double step) {
    CAPTURE(p.name());
    CAPTURE(p.dimensions());
    std::vector<double> x = p.optimum_point();
    REQUIRE(x.size() == p.dimensions());
    for (std::size_t i = 0; i < x.size(); ++i) {
        CHECK(p.lower(i) < p.upper(i));
        CHECK(p.lower(i) <= x[i]);
        CHECK(x[i] <= p.upper(i));
    }
    double const best = p(x);
    CHECK(std::abs(best - p.optimum_value()) < 1e-9);
    for (std::size_t i = 0; i < x.size(); ++i) {
        for (double const sign : {-1.0, 1.0}) {
            std::vector<double> y = x;
            y[i] += sign * step;
            if (y[i] < p.lower(i) || y[i] > p.upper(i)) continue;
            CAPTURE(i);
            CAPTURE(sign);
            CHECK(p(y) > p.optimum_value() + 1e-9);
        }
    }
}

double ackley_reference(std::vector<double> const& z) {
    // Standard (unshifted) Ackley at z, written out independently.
    double sq = 0.0;
    double cs = 0.0;
    for (double v : z) {
        sq += v * v;
        cs += std::cos(2.0 * std::numbers::pi * v);
    }
    double const n = static_cast<double>(z.size());
    return 20.0 + std::exp(1.0) - 20.0 * std::exp(-0.2 * std::sqrt(sq / n)) - std::exp(cs / n);
}
} // namespace

TEST_CASE("problems: names and dimensions") {
    CHECK(problems::branin::name() == "branin");
    CHECK(problems::hartmann6::name() == "hartmann6");
    CHECK(problems::rosenbrock::name() == "rosenbrock");
    CHECK(problems::ackley::name() == "ackley");
    CHECK(problems::branin{}.dimensions() == 2);
    CHECK(problems::hartmann6{}.dimensions() == 6);
    CHECK(problems::rosenbrock{5}.dimensions() == 5);
    CHECK(problems::ackley{10}.dimensions() == 10);
}

TEST_CASE("problems: the optimum has the optimum value and its neighbours are worse") {
    check_optimum(problems::branin{}, 1e-3);
    check_optimum(problems::hartmann6{}, 1e-3);
    for (std::size_t d : {2u, 3u, 5u, 10u}) check_optimum(problems::rosenbrock{d}, 1e-3);
    for (std::size_t d : {1u, 2u, 5u, 10u, 13u}) check_optimum(problems::ackley{d}, 1e-3);
}

TEST_CASE("branin: bounds, the three minimisers and reference values") {
    problems::branin const f;
    CHECK(f.lower(0) == -5.0);
    CHECK(f.upper(0) == 10.0);
    CHECK(f.lower(1) == 0.0);
    CHECK(f.upper(1) == 15.0);
    CHECK(f.optimum_value() == doctest::Approx(0.397887357729738).epsilon(1e-14));
    double const pi = std::numbers::pi;
    std::array<std::array<double, 2>, 3> const minimisers{{{-pi, 12.275}, {pi, 2.275}, {3.0 * pi, 2.475}}};
    for (auto const& m : minimisers) {
        CAPTURE(m[0]);
        CHECK(std::abs(f(m[0], m[1]) - 0.397887357729738) < 1e-12);
        CHECK(f(std::span<double const>(m)) == f(m[0], m[1]));
    }
    // f(0, 0) = (-6)^2 + 10 (1 - 1/(8 pi)) + 10; f(-5, 0) = (-b 25 - 25/pi - 6)^2 + 10 (1 - t) cos(-5) + 10.
    CHECK(f(0.0, 0.0) == doctest::Approx(36.0 + 10.0 * (1.0 - 1.0 / (8.0 * pi)) + 10.0).epsilon(1e-14));
    double const b = 5.1 / (4.0 * pi * pi);
    double const u = -b * 25.0 - 25.0 / pi - 6.0;
    CHECK(f(-5.0, 0.0) ==
          doctest::Approx(u * u + 10.0 * (1.0 - 1.0 / (8.0 * pi)) * std::cos(-5.0) + 10.0).epsilon(1e-14));
    CHECK(f(-5.0, 0.0) == doctest::Approx(308.129096).epsilon(1e-8)); // published value
}

TEST_CASE("hartmann6: bounds and reference values") {
    problems::hartmann6 const f;
    for (std::size_t i = 0; i < 6; ++i) {
        CHECK(f.lower(i) == 0.0);
        CHECK(f.upper(i) == 1.0);
    }
    std::vector<double> const zero(6, 0.0);
    std::vector<double> const half(6, 0.5);
    // Computed independently (Python, the same constants).
    CHECK(f(zero) == doctest::Approx(-0.00508911288366444).epsilon(1e-12));
    CHECK(f(half) == doctest::Approx(-0.5053149917022333).epsilon(1e-12));
    // Within the box every value is in (-3.33, 0).
    CHECK(f(zero) < 0.0);
    CHECK(f(half) > f.optimum_value());
}

TEST_CASE("rosenbrock: bounds and reference values") {
    for (std::size_t d : {2u, 5u, 10u}) {
        problems::rosenbrock const f{d};
        CAPTURE(d);
        CHECK(f.lower(d - 1) == -5.0);
        CHECK(f.upper(d - 1) == 10.0);
        CHECK(f(std::vector<double>(d, 0.0)) == static_cast<double>(d - 1));
        // At -1 everywhere each term is 100 (-1 - 1)^2 + 2^2 = 404.
        CHECK(f(std::vector<double>(d, -1.0)) == 404.0 * static_cast<double>(d - 1));
    }
    problems::rosenbrock const f2{2};
    CHECK(f2(std::vector<double>{-1.2, 1.0}) == doctest::Approx(24.2).epsilon(1e-14));
}

TEST_CASE("ackley: shifted optimum, bounds and reference values") {
    problems::ackley const f{10};
    std::vector<double> const s = f.optimum_point();
    for (std::size_t i = 0; i < 10; ++i) {
        CAPTURE(i);
        CHECK(f.lower(i) == -32.768);
        CHECK(f.upper(i) == 32.768);
        CHECK(s[i] == problems::ackley::shift(i));
        CHECK(s[i] == std::numbers::e + std::numbers::pi * static_cast<double>(1 + (7 * i) % 5) / 2.0);
        // Well off the centre and inside the box.
        CHECK(std::abs(s[i]) > 4.0);
        CHECK(std::abs(s[i]) < 32.768 - 20.0);
        CHECK(s[i] == s[i % 5]);
    }
    CHECK(s[0] == doctest::Approx(4.289078155253941).epsilon(1e-15));
    CHECK(s[1] == doctest::Approx(7.430670808843734).epsilon(1e-15));
    CHECK(s[2] == doctest::Approx(10.572263462433527).epsilon(1e-15));
    CHECK(s[3] == doctest::Approx(5.859874482048838).epsilon(1e-15));
    CHECK(s[4] == doctest::Approx(9.00146713563863).epsilon(1e-15));

    // The centre of the box is far from the optimum (a centre-first design gains nothing).
    std::vector<double> const centre(10, 0.0);
    CHECK(f(centre) > 10.0);
    std::vector<double> minus_s(10);
    for (std::size_t i = 0; i < 10; ++i) minus_s[i] = -s[i];
    CHECK(f(centre) == doctest::Approx(ackley_reference(minus_s)).epsilon(1e-13));

    // f(s + z) is the standard Ackley at z.
    std::vector<double> const z{0.5, -1.0, 2.25, 3.0, -4.5, 0.125, 1.0, -2.0, 6.0, -0.75};
    std::vector<double> x(10);
    for (std::size_t i = 0; i < 10; ++i) x[i] = s[i] + z[i];
    CHECK(f(x) == doctest::Approx(ackley_reference(z)).epsilon(1e-12));
    // A far corner: the exponential term is small, f is close to 20 + e - exp(mean cos).
    std::vector<double> const corner(10, -32.768);
    CHECK(f(corner) > 19.0);
    CHECK(f(corner) < 20.0 + std::numbers::e + 1.0);

    // A standard 1-D reference value: Ackley at z = 1 is 20 + e - 20 exp(-0.2) - e.
    problems::ackley const f1{1};
    CHECK(f1(std::vector<double>{s[0] + 1.0}) == doctest::Approx(20.0 - 20.0 * std::exp(-0.2)).epsilon(1e-12));
}

TEST_CASE("problems: wrong sizes and invalid dimensions throw") {
    std::vector<double> const three(3, 0.0);
    check_invalid([&] { (void)problems::branin{}(three); }, "htune::problems::branin: x has 3 values, expected 2");
    check_invalid([&] { (void)problems::hartmann6{}(three); },
                  "htune::problems::hartmann6: x has 3 values, expected 6");
    check_invalid([&] { (void)problems::rosenbrock{5}(three); },
                  "htune::problems::rosenbrock: x has 3 values, expected 5");
    check_invalid([&] { (void)problems::ackley{10}(three); }, "htune::problems::ackley: x has 3 values, expected 10");
    check_invalid([] { (void)problems::rosenbrock{1}; }, "htune::problems::rosenbrock: dimensions (1) must be >= 2");
    check_invalid([] { (void)problems::rosenbrock{0}; }, "htune::problems::rosenbrock: dimensions (0) must be >= 2");
    check_invalid([] { (void)problems::ackley{0}; }, "htune::problems::ackley: dimensions (0) must be >= 1");
    check_invalid([] { (void)problems::branin{}.lower(2); },
                  "htune::problems::branin: dimension index (2) must be < 2");
    check_invalid([] { (void)problems::ackley{3}.upper(3); },
                  "htune::problems::ackley: dimension index (3) must be < 3");
}
