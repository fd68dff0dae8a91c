#include <doctest/doctest.h>

#include <htune/htune.hpp>

#include <algorithm>
#include <vector>

#include "blobs.hpp"

using namespace htune;

namespace {
// 4 -> 128 -> 64 -> 3: 9091 parameters, above thread_team::min_parallel, so the update is split.
using model = nn::sequential<nn::dense<128>, nn::relu, nn::dense<64>, nn::tanh, nn::dense<3>>;

template <class Optimizer>
void same_bits_on_any_thread_count() {
    auto const d = htune::test::blobs(600, 2);
    train::trainer<model, Optimizer, losses::softmax_cross_entropy, train::epochs<3>, train::batch_size<32>> t;
    auto const one = t.fit(d, 5);
    REQUIRE(one.network().params().size() >= thread_team::min_parallel);
    for (std::size_t threads : {2u, 3u}) {
        t.threads = threads;
        auto const many = t.fit(d, 5);
        auto const a = one.network().params();
        auto const b = many.network().params();
        CHECK(std::equal(a.begin(), a.end(), b.begin(), b.end()));
        CHECK(one.history.back().train_loss == many.history.back().train_loss);
    }
}

// 200 noisy features, 10 classes: gradients of every size, down to the tiny ones of rarely active
// inputs, through 200 -> 96 -> 10 (20266 parameters).
data::dataset<float> wide(std::size_t n, std::uint64_t seed) {
    data::dataset<float> d;
    d.features = tensor<float, 2>::from_shape({n, 200});
    d.labels = tensor<std::int32_t, 1>::from_shape({n});
    d.num_classes = 10;
    d.sample_shape = nn::shape{200};
    rng g(seed);
    for (std::size_t i = 0; i < n; ++i) {
        auto const k = static_cast<std::int32_t>(i % 10);
        d.labels(i) = k;
        for (std::size_t j = 0; j < 200; ++j) {
            bool const active = j % 10 == static_cast<std::size_t>(k) || uniform_real(g, 0.0, 1.0) < 0.05;
            d.features(i, j) = active ? static_cast<float>(uniform_real(g, 0.0, 1.0)) : 0.0f;
        }
    }
    return d;
}

template <class Optimizer>
void same_bits_wide() {
    using wide_model = nn::sequential<nn::dense<96>, nn::tanh, nn::dense<10>>;
    auto const d = wide(640, 3);
    train::trainer<wide_model, Optimizer, losses::softmax_cross_entropy, train::epochs<2>, train::batch_size<64>> t;
    auto const one = t.fit(d, 7);
    t.threads = 2;
    auto const two = t.fit(d, 7);
    auto const a = one.network().params();
    auto const b = two.network().params();
    CHECK(std::equal(a.begin(), a.end(), b.begin(), b.end()));
}
} // namespace

TEST_CASE("trainer threads: the same bits on a wider model, where inlining once changed the rounding") {
    SUBCASE("adam") {
        same_bits_wide<optim::adam<>>();
    }
    SUBCASE("adamw") {
        same_bits_wide<optim::adamw<>>();
    }
    SUBCASE("rmsprop") {
        same_bits_wide<optim::rmsprop<optim::momentum<0.9>>>();
    }
    SUBCASE("adagrad") {
        same_bits_wide<optim::adagrad<>>();
    }
    SUBCASE("sgd") {
        same_bits_wide<optim::sgd<optim::momentum<0.9>, optim::weight_decay<1e-4>>>();
    }
}

TEST_CASE("trainer threads: the optimizer update split across threads gives the same bits") {
    SUBCASE("adam") {
        same_bits_on_any_thread_count<optim::adam<>>();
    }
    SUBCASE("adamw") {
        same_bits_on_any_thread_count<optim::adamw<>>();
    }
    SUBCASE("sgd, nesterov") {
        same_bits_on_any_thread_count<optim::sgd<optim::momentum<0.9>, optim::nesterov>>();
    }
    SUBCASE("sgd, plain") {
        same_bits_on_any_thread_count<optim::sgd<>>();
    }
    SUBCASE("rmsprop, centered with momentum") {
        same_bits_on_any_thread_count<optim::rmsprop<optim::centered, optim::momentum<0.5>>>();
    }
    SUBCASE("rmsprop") {
        same_bits_on_any_thread_count<optim::rmsprop<>>();
    }
    SUBCASE("adagrad") {
        same_bits_on_any_thread_count<optim::adagrad<>>();
    }
    SUBCASE("one_of") {
        same_bits_on_any_thread_count<optim::one_of<optim::sgd<>, optim::adam<>>>();
    }
}

TEST_CASE("trainer threads: the setting, its validation, and flushing on the workers") {
    train::trainer<model, train::threads<2>> t;
    CHECK(t.threads == 2);
    t.threads = 0;
    auto const d = htune::test::blobs(64, 1);
    CHECK_THROWS_WITH(t.fit(d, 1), "htune::train::trainer: threads (0) must be > 0");

    if (scoped_flush_denormals::supported()) {
        thread_team team(2, true);
        std::vector<int> flushed(2, -1);
        team(thread_team::min_parallel * 2, [&](std::size_t begin, std::size_t) {
            flushed[begin == 0 ? 0 : 1] = scoped_flush_denormals::enabled() ? 1 : 0;
        });
        CHECK(flushed[0] == 0); // the caller's mode is the caller's
        CHECK(flushed[1] == 1);
    }
}
