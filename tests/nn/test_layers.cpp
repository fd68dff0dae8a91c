#include <doctest/doctest.h>

#include <htune/nn.hpp>

#include <cmath>
#include <numeric>
#include <string>
#include <vector>

using namespace htune;

namespace {
template <class T>
std::string what_of(auto&& f) {
    try {
        f();
    } catch (T const& e) {
        return e.what();
    }
    return "(no exception)";
}
} // namespace

TEST_CASE("dense computes in * W + b") {
    nn::dense_layer<double, nn::init::zeros> layer(nn::dense<2, nn::init::zeros>{});
    CHECK(layer.setup(nn::shape{3}, 4) == nn::shape{2});
    CHECK(layer.param_count() == 8);
    CHECK(layer.weight_count() == 6);
    std::vector<double> p = {1, 2, 3, 4, 5, 6, 0.5, -0.5}, g(8);
    layer.bind(p, g);
    tensor<double, 2> x = {{1, 0, 0}, {1, 1, 1}};
    nn::context ctx;
    auto y = layer.forward(all_rows(x), ctx);
    REQUIRE(y.rows == 2);
    CHECK(y(0, 0) == 1.5);
    CHECK(y(0, 1) == 1.5);
    CHECK(y(1, 0) == 9.5);
    CHECK(y(1, 1) == 11.5);
}

TEST_CASE("shape errors name the layer and both shapes") {
    nn::dense_layer<float, nn::init::glorot_uniform> d(nn::dense<4>{});
    auto msg = what_of<shape_error>([&] { d.setup(nn::shape{1, 28, 28}, 8); });
    CHECK(msg.find("htune::nn::dense") != std::string::npos);
    CHECK(msg.find("(1, 28, 28)") != std::string::npos);
    CHECK(msg.find("flatten") != std::string::npos);

    d.setup(nn::shape{3}, 8);
    std::vector<float> p(d.param_count()), g(d.param_count());
    d.bind(p, g);
    tensor<float, 2> wrong = xt::zeros<float>({2, 5});
    nn::context ctx;
    msg = what_of<shape_error>([&] { d.forward(all_rows(wrong), ctx); });
    CHECK(msg.find("(2, 5)") != std::string::npos);
    CHECK(msg.find("(8, 3)") != std::string::npos);
    using zero_units = nn::dense<0, nn::init::zeros>;
    using zeros_layer = nn::dense_layer<float, nn::init::zeros>;
    CHECK_THROWS_AS(zeros_layer(zero_units{}), invalid_argument);
}

TEST_CASE("dropout: rate is validated, evaluation is the identity, training keeps about 1 - rate") {
    CHECK_THROWS_WITH_AS(nn::dropout_layer<float>(nn::dropout<>{1.0}), "htune::nn::dropout: rate (1) must be in [0, 1)",
                         invalid_argument);
    nn::dropout_layer<double> layer(nn::dropout<0.25>{});
    layer.setup(nn::shape{1000}, 10);
    tensor<double, 2> x = xt::ones<double>({10, 1000});
    nn::context eval;
    auto y = layer.forward(all_rows(x), eval);
    CHECK(y.data == x.data());
    rng g(3);
    nn::context train{true, &g};
    y = layer.forward(all_rows(x), train);
    std::size_t kept = 0;
    double sum = 0;
    for (double v : y) {
        kept += v != 0;
        sum += v;
        REQUIRE((v == 0 || std::abs(v - 1 / 0.75) < 1e-12));
    }
    CHECK(static_cast<double>(kept) / 10000 == doctest::Approx(0.75).epsilon(0.03));
    CHECK(sum / 10000 == doctest::Approx(1.0).epsilon(0.03)); // inverted dropout keeps the mean

    // Decisions come from a hash of (key per batch, position): neighbours, and the same position in
    // the next batch, must be independent (kept together with probability 0.75^2).
    std::vector<bool> first(10000);
    for (std::size_t i = 0; i < 10000; ++i) first[i] = y.data[i] != 0;
    std::size_t neighbours = 0;
    for (std::size_t i = 0; i + 1 < 10000; ++i) neighbours += first[i] && first[i + 1];
    CHECK(static_cast<double>(neighbours) / 9999 == doctest::Approx(0.5625).epsilon(0.04));
    y = layer.forward(all_rows(x), train);
    std::size_t again = 0, kept2 = 0;
    for (std::size_t i = 0; i < 10000; ++i) {
        kept2 += y.data[i] != 0;
        again += first[i] && y.data[i] != 0;
    }
    CHECK(static_cast<double>(kept2) / 10000 == doctest::Approx(0.75).epsilon(0.03));
    CHECK(static_cast<double>(again) / 10000 == doctest::Approx(0.5625).epsilon(0.04));

    // The same generator state gives the same decisions.
    rng g1(9), g2(9);
    nn::context c1{true, &g1}, c2{true, &g2};
    nn::dropout_layer<float> a(nn::dropout<0.5>{}), b(nn::dropout<0.5>{});
    a.setup(nn::shape{33}, 3);
    b.setup(nn::shape{33}, 3);
    tensor<float, 2> ones = xt::ones<float>({3, 33});
    auto const za = a.forward(all_rows(ones), c1);
    auto const zb = b.forward(all_rows(ones), c2);
    CHECK(std::equal(za.begin(), za.end(), zb.begin(), zb.end()));
    for (float v : za) REQUIRE((v == 0.0f || v == 2.0f));

    // Rates at the edges of the 2^-32 grid.
    nn::dropout_layer<float> nearly_all(nn::dropout<0.9999999999>{});
    nearly_all.setup(nn::shape{1000}, 1);
    tensor<float, 2> row = xt::ones<float>({1, 1000});
    auto const zn = nearly_all.forward(all_rows(row), train);
    CHECK(std::count(zn.begin(), zn.end(), 0.0f) >= 999);
}

TEST_CASE("initialisers have the documented spread and are reproducible") {
    std::vector<double> w(20000);
    rng g(1);
    nn::init::he_normal{}(std::span<double>(w), 100, 50, g);
    double sq = 0;
    for (double v : w) sq += v * v;
    CHECK(std::sqrt(sq / static_cast<double>(w.size())) == doctest::Approx(std::sqrt(2.0 / 100)).epsilon(0.03));
    nn::init::glorot_uniform{}(std::span<double>(w), 100, 50, g);
    double const bound = std::sqrt(6.0 / 150);
    for (double v : w) REQUIRE(std::abs(v) <= bound);
    std::vector<double> a(10), b(10);
    rng g1(5), g2(5);
    nn::init::he_uniform{}(std::span<double>(a), 4, 4, g1);
    nn::init::he_uniform{}(std::span<double>(b), 4, 4, g2);
    CHECK(a == b);
}

TEST_CASE("network: flat buffers, weight blocks and shape inference") {
    using model = nn::sequential<nn::flatten, nn::dense<16>, nn::relu, nn::dropout<0.5>, nn::dense<10>, nn::softmax>;
    rng g(9);
    nn::network<float, model> net(model{}, nn::shape{1, 4, 4}, 32, g);
    CHECK(net.output_shape() == nn::shape{10});
    CHECK(net.params().size() == 16 * 16 + 16 + 16 * 10 + 10);
    REQUIRE(net.weight_blocks().size() == 2);
    CHECK(net.weight_blocks()[0].offset == 0);
    CHECK(net.weight_blocks()[0].size == 256);
    CHECK(net.weight_blocks()[1].offset == 272);
    CHECK(net.weight_blocks()[1].size == 160);

    tensor<float, 2> x = xt::ones<float>({5, 16});
    nn::context ctx;
    auto y = net.forward(all_rows(x), ctx);
    REQUIRE(y.rows == 5);
    for (std::size_t r = 0; r < 5; ++r) {
        double s = 0;
        for (std::size_t c = 0; c < 10; ++c) s += y(r, c);
        CHECK(s == doctest::Approx(1.0).epsilon(1e-5));
    }
    tensor<float, 2> too_many = xt::ones<float>({33, 16});
    CHECK_THROWS_AS(net.forward(all_rows(too_many), ctx), shape_error);

    rng g2(9);
    nn::network<float, model> same(model{}, nn::shape{1, 4, 4}, 32, g2);
    CHECK(std::equal(net.params().begin(), net.params().end(), same.params().begin()));
}
