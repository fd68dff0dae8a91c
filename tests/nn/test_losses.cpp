#include <doctest/doctest.h>

#include <htune/losses.hpp>
#include <htune/nn/gradient_check.hpp>
#include <htune/nn/softmax.hpp>

#include <cmath>
#include <vector>

#include "tolerances.hpp"

using namespace htune;
using htune::test::tolerances;

TEST_CASE_TEMPLATE("softmax_cross_entropy: value, gradient, stability", T, float, double) {
    std::vector<T> z = {1, 2, 3, -1, 0, 1};
    std::vector<std::int32_t> labels = {2, 0};
    batch_view<T const> out{z.data(), 2, 3};
    auto y = losses::labels_of<T>(labels);
    double const l0 = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0)) - 3.0;
    double const l1 = std::log(std::exp(-1.0) + 1.0 + std::exp(1.0)) + 1.0;
    CHECK(losses::softmax_cross_entropy{}.value(out, y) == doctest::Approx((l0 + l1) / 2).epsilon(1e-6));
    CHECK(nn::check_loss_gradient(losses::softmax_cross_entropy{}, out, y) < tolerances<T>::gradient);

    std::vector<T> huge = {T(1000), T(-1000), T(0)};
    std::vector<std::int32_t> one = {0};
    auto v = losses::softmax_cross_entropy{}.value(batch_view<T const>{huge.data(), 1, 3}, losses::labels_of<T>(one));
    CHECK(std::isfinite(v));
    CHECK(v == doctest::Approx(0.0));
}

TEST_CASE_TEMPLATE("cross_entropy on softmax output equals softmax_cross_entropy on logits", T, float, double) {
    std::vector<T> z = {0.5, -0.2, 0.1, 2.0, 1.0, -3.0};
    std::vector<T> p(6);
    nn::detail::softmax_row(z.data(), p.data(), 3);
    nn::detail::softmax_row(z.data() + 3, p.data() + 3, 3);
    std::vector<std::int32_t> labels = {1, 0};
    auto y = losses::labels_of<T>(labels);
    CHECK(losses::cross_entropy{}.value(batch_view<T const>{p.data(), 2, 3}, y) ==
          doctest::Approx(losses::softmax_cross_entropy{}.value(batch_view<T const>{z.data(), 2, 3}, y)).epsilon(1e-5));
    CHECK(nn::check_loss_gradient(losses::cross_entropy{}, batch_view<T const>{p.data(), 2, 3}, y, 1e-4) <
          tolerances<T>::gradient);
}

TEST_CASE_TEMPLATE("mse and binary_cross_entropy", T, float, double) {
    std::vector<T> o = {0.2, 0.7, 0.9, 0.4};
    std::vector<T> t = {0, 1, 1, 0.5};
    auto y = losses::values_of<T>(batch_view<T const>{t.data(), 2, 2});
    batch_view<T const> out{o.data(), 2, 2};
    CHECK(losses::mse{}.value(out, y) == doctest::Approx((0.04 + 0.09 + 0.01 + 0.01) / 4).epsilon(1e-6));
    CHECK(nn::check_loss_gradient(losses::mse{}, out, y) < tolerances<T>::gradient);
    double bce = -(std::log(0.8) + std::log(0.7) + std::log(0.9) + 0.5 * std::log(0.4) + 0.5 * std::log(0.6)) / 4;
    CHECK(losses::binary_cross_entropy{}.value(out, y) == doctest::Approx(bce).epsilon(1e-6));
    CHECK(nn::check_loss_gradient(losses::binary_cross_entropy{}, out, y, sizeof(T) == 4 ? 1e-3 : 1e-6) <
          tolerances<T>::gradient);
}

TEST_CASE("losses reject bad labels and shapes with clear messages") {
    std::vector<float> z = {1, 2, 3};
    std::vector<std::int32_t> bad = {3};
    batch_view<float const> out{z.data(), 1, 3};
    CHECK_THROWS_WITH_AS(losses::softmax_cross_entropy{}.value(out, losses::labels_of<float>(bad)),
                         "htune::losses::softmax_cross_entropy: label 3 of row 0 is outside [0, 3)", data_error);
    std::vector<std::int32_t> two = {0, 1};
    CHECK_THROWS_AS(losses::cross_entropy{}.value(out, losses::labels_of<float>(two)), shape_error);
    std::vector<float> t = {1, 2};
    CHECK_THROWS_AS(losses::mse{}.value(out, losses::values_of<float>(batch_view<float const>{t.data(), 1, 2})),
                    shape_error);
}
