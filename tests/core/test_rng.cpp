#include <doctest/doctest.h>

#include <htune/core/rng.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <vector>

using htune::rng;

TEST_CASE("the same seed gives the same sequence; another seed another") {
    rng a(42), b(42), c(43);
    for (int i = 0; i < 100; ++i) {
        auto const x = a();
        CHECK(x == b());
        CHECK(x != c());
    }
}

TEST_CASE("reference values are pinned (same numbers on every compiler and library)") {
    // If these change, every seeded result of htune changes: bump the major version.
    rng g(0);
    CHECK(g() == 0x99ec5f36cb75f2b4ULL);
    CHECK(g() == 0xbf6e1f784956452aULL);
    auto s = rng::stream(7, 1, 2);
    CHECK(s() == rng::stream(7, 1, 2)());
    rng u(3);
    CHECK(htune::uniform_below(u, 1000) == 690);
}

TEST_CASE("streams are independent and reproducible") {
    std::set<std::uint64_t> firsts;
    for (std::uint64_t trial = 0; trial < 1000; ++trial) {
        auto s = rng::stream(1234, trial);
        firsts.insert(s());
        auto t = rng::stream(1234, trial);
        CHECK(rng::stream(1234, trial) == t);
    }
    CHECK(firsts.size() == 1000);
    CHECK(rng::stream(1, 2, 3)() != rng::stream(1, 3, 2)());
    CHECK(rng::stream(1, 2)() != rng::stream(2, 1)());
    CHECK(rng::stream(5)() != rng::stream(5, 0)());
}

TEST_CASE("uniform01 lies in [0, 1) with the right mean and variance") {
    rng g(9);
    double sum = 0, sq = 0;
    int const n = 200000;
    for (int i = 0; i < n; ++i) {
        double const x = htune::uniform01(g);
        REQUIRE(x >= 0.0);
        REQUIRE(x < 1.0);
        sum += x;
        sq += x * x;
    }
    double const mean = sum / n;
    CHECK(mean == doctest::Approx(0.5).epsilon(0.01));
    CHECK(sq / n - mean * mean == doctest::Approx(1.0 / 12).epsilon(0.02));
}

TEST_CASE("uniform_int covers [low, high] evenly") {
    rng g(11);
    std::vector<int> counts(7, 0);
    int const n = 70000;
    for (int i = 0; i < n; ++i) {
        auto const v = htune::uniform_int(g, -3, 3);
        REQUIRE(v >= -3);
        REQUIRE(v <= 3);
        ++counts[static_cast<std::size_t>(v + 3)];
    }
    for (int c : counts) CHECK(std::abs(c - n / 7) < 500);
    CHECK_THROWS_AS(htune::uniform_int(g, 2, 1), htune::invalid_argument);
    CHECK(htune::uniform_int(g, 5, 5) == 5);
}

TEST_CASE("normal has mean and standard deviation as asked") {
    rng g(5);
    double sum = 0, sq = 0;
    int const n = 200000;
    for (int i = 0; i < n; ++i) {
        double const x = htune::normal(g, 2.0, 3.0);
        sum += x;
        sq += x * x;
    }
    double const mean = sum / n;
    CHECK(mean == doctest::Approx(2.0).epsilon(0.02));
    CHECK(std::sqrt(sq / n - mean * mean) == doctest::Approx(3.0).epsilon(0.01));
    for (int i = 0; i < 1000; ++i) {
        double const t = htune::truncated_normal(g, 0.0, 1.0);
        REQUIRE(std::abs(t) <= 2.0);
    }
}

TEST_CASE("shuffle is a permutation, reproducible from the seed") {
    std::vector<int> a(100), b(100);
    std::iota(a.begin(), a.end(), 0);
    b = a;
    rng g1(3), g2(3);
    htune::shuffle(std::span<int>(a), g1);
    htune::shuffle(std::span<int>(b), g2);
    CHECK(a == b);
    auto sorted = a;
    std::sort(sorted.begin(), sorted.end());
    std::vector<int> expected(100);
    std::iota(expected.begin(), expected.end(), 0);
    CHECK(sorted == expected);
    CHECK(a != expected);
}
