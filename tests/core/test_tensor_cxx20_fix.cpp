// Pins the xtensor C++20 fix in core/tensor.hpp (upstream issues 1970, 2690, 2701): without it,
// immediate reducers throw bad_array_new_length and pad/tile return zeros at -O2 under C++20.
#include <doctest/doctest.h>

#include <htune/core/tensor.hpp>

#include <type_traits>

TEST_CASE("svector shapes map to xarray temporaries, as in C++17") {
    using shape = xt::svector<std::size_t, 4>;
    using temp = xt::detail::xtype_for_shape<shape>::type<double, xt::layout_type::row_major>;
    CHECK(std::is_same_v<temp, xt::xarray<double, xt::layout_type::row_major>>);
    using fixed = xt::detail::xtype_for_shape<std::array<std::size_t, 3>>::type<double, xt::layout_type::row_major>;
    CHECK(std::is_same_v<fixed, xt::xtensor<double, 3, xt::layout_type::row_major>>);
    // clang 19: the strides type of a dynamic shape was ambiguous (xarray did not compile).
    CHECK(std::is_same_v<xt::get_strides_t<shape>, xt::svector<std::ptrdiff_t, 4>>);
    CHECK(std::is_same_v<xt::get_strides_t<std::array<std::size_t, 2>>, std::array<std::ptrdiff_t, 2>>);
}

TEST_CASE_TEMPLATE("immediate reducers give the C++17 results", T, float, double) {
    xt::xarray<T> a = {{1, 2, 3}, {4, 5, 6}};
    auto total = xt::sum(a, xt::evaluation_strategy::immediate)();
    CHECK(total == doctest::Approx(21));
    xt::xarray<T> by_col = xt::sum(a, {0}, xt::evaluation_strategy::immediate);
    REQUIRE(by_col.shape().size() == 1);
    CHECK(by_col(0) == doctest::Approx(5));
    CHECK(by_col(2) == doctest::Approx(9));
    xt::xarray<T> by_row = xt::amax(a, {1}, xt::evaluation_strategy::immediate);
    CHECK(by_row(0) == doctest::Approx(3));
    CHECK(by_row(1) == doctest::Approx(6));

    xt::xtensor<T, 2> b = {{1, 2, 3}, {4, 5, 6}};
    xt::xtensor<T, 1> col_sum = xt::sum(b, {0}, xt::evaluation_strategy::immediate);
    CHECK(col_sum(1) == doctest::Approx(7));
    CHECK(xt::mean(b, xt::evaluation_strategy::immediate)() == doctest::Approx(3.5));
}

TEST_CASE_TEMPLATE("pad and tile give the C++17 results", T, float, double) {
    xt::xarray<T> a = {{1, 2}, {3, 4}};
    xt::xarray<T> padded = xt::pad(a, 1);
    REQUIRE(padded.shape()[0] == 4);
    CHECK(padded(1, 1) == 1);
    CHECK(padded(2, 2) == 4);
    CHECK(padded(0, 0) == 0);
    CHECK(xt::sum(padded)() == doctest::Approx(10));

    xt::xarray<T> tiled = xt::tile(a, {2, 3});
    REQUIRE(tiled.shape()[0] == 4);
    REQUIRE(tiled.shape()[1] == 6);
    CHECK(tiled(3, 5) == 4);
    CHECK(tiled(2, 4) == 1);
    CHECK(xt::sum(tiled)() == doctest::Approx(60));

    xt::xtensor<T, 2> b = {{1, 2}, {3, 4}};
    xt::xtensor<T, 2> bpadded = xt::pad(b, {{0, 1}, {2, 0}}, xt::pad_mode::constant, T(9));
    CHECK(bpadded(0, 2) == 1);
    CHECK(bpadded(2, 0) == 9);
    xt::xtensor<T, 2> btiled = xt::tile(b, {1, 2});
    CHECK(btiled(1, 3) == 4);
}
