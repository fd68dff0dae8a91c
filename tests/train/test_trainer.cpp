#include <doctest/doctest.h>

#include <htune/htune.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "allocation_counter.hpp"
#include "allocation_probe.hpp"

using namespace htune;

namespace {
// Two Gaussian blobs per class in 4-D, classes 0..2: learnable but not trivially separable.
data::dataset<float> blobs(std::size_t n, std::uint64_t seed, std::size_t classes = 3) {
    rng g(seed);
    data::dataset<float> d;
    d.features = tensor<float, 2>::from_shape({n, 4});
    d.labels = tensor<std::int32_t, 1>::from_shape({n});
    d.num_classes = classes;
    for (std::size_t i = 0; i < n; ++i) {
        auto const c = static_cast<std::int32_t>(uniform_below(g, classes));
        d.labels(i) = c;
        for (std::size_t j = 0; j < 4; ++j)
            d.features(i, j) = static_cast<float>(normal(g, j == static_cast<std::size_t>(c) ? 1.5 : 0.0, 0.7));
    }
    return d;
}

data::dataset<double> linear_regression(std::size_t n, std::uint64_t seed) {
    rng g(seed);
    data::dataset<double> d;
    d.features = tensor<double, 2>::from_shape({n, 3});
    d.targets = tensor<double, 2>::from_shape({n, 1});
    for (std::size_t i = 0; i < n; ++i) {
        double y = 0.5;
        for (std::size_t j = 0; j < 3; ++j) {
            d.features(i, j) = uniform_real(g, -1.0, 1.0);
            y += (static_cast<double>(j) - 1.0) * d.features(i, j);
        }
        d.targets(i, 0) = y + normal(g, 0.0, 0.01);
    }
    return d;
}

template <class F>
std::string message_of(F&& f) {
    try {
        f();
    } catch (std::exception const& e) {
        return e.what();
    }
    return "(no exception)";
}

using mlp = nn::sequential<nn::dense<16>, nn::relu, nn::dense<3>>;
} // namespace

TEST_CASE("a small MLP learns the blobs and reports its history") {
    auto const train_set = blobs(600, 1);
    auto const test_set = blobs(300, 2);
    train::trainer<mlp, optim::adam<>, train::learning_rate<1e-2>, train::epochs<15>, train::batch_size<32>> t;
    auto result = t.fit(train_set, test_set, 7);
    REQUIRE(result.history.size() == 15);
    CHECK(result.history.back().train_loss < result.history.front().train_loss);
    CHECK(result.history.back().has_validation());
    auto const e = result.evaluate(test_set);
    CHECK(e.score > 0.8);
    CHECK(e.score == doctest::Approx(result.history.back().validation_score));
}

TEST_CASE("the same seed gives the same weights; another seed others") {
    auto const d = blobs(200, 3);
    using model = nn::sequential<nn::dense<16>, nn::relu, nn::dropout<0.2>, nn::dense<3>>;
    train::trainer<model, optim::sgd<optim::momentum<0.9>>, train::epochs<3>, train::batch_size<16>,
                   train::learning_rate<0.05>>
        t;
    auto a = t.fit(d, 11);
    auto b = t.fit(d, 11);
    auto c = t.fit(d, 12);
    auto const pa = a.network().params();
    CHECK(std::equal(pa.begin(), pa.end(), b.network().params().begin()));
    CHECK(!std::equal(pa.begin(), pa.end(), c.network().params().begin()));
}

TEST_CASE("no allocation in the batch loop after the first batch") {
    if (!htune::test::counting_allocations()) return; // sanitizer runtime owns operator new
    using htune::test::allocation_probe;
    std::vector<std::size_t> counts;
    counts.reserve(1000);
    auto const d = blobs(1000, 5); // 1000 = 15 * 64 + 40: the last batch is short
    using model =
        nn::sequential<nn::dense<32>, nn::relu, nn::dropout<0.1>, nn::dense<16>, nn::tanh, nn::dense<3>, nn::softmax>;
    train::trainer<model, optim::adam<>, regularizers::l2<1e-4>, train::epochs<2>, train::batch_size<64>,
                   allocation_probe>
        t;
    std::get<0>(t.callbacks).counts = &counts;
    t.fit(d, 1);
    REQUIRE(counts.size() == 32);
    // Within each epoch, from the end of the first batch to the end of the last: no allocation.
    CHECK(counts[15] == counts[0]);
    CHECK(counts[31] == counts[16]);

    // The same with layers and an optimizer chosen at run time (nn::one_of, optim::one_of).
    counts.clear();
    using switching = nn::sequential<nn::dense<32>, nn::one_of<nn::relu, nn::tanh>, nn::dense<3>, nn::softmax>;
    train::trainer<switching, optim::one_of<optim::sgd<optim::momentum<0.9>>, optim::adam<>>, train::epochs<2>,
                   train::batch_size<64>, allocation_probe>
        s;
    std::get<1>(s.model.layers).index = 1;
    s.optimizer.index = 1;
    std::get<0>(s.callbacks).counts = &counts;
    s.fit(d, 1);
    REQUIRE(counts.size() == 32);
    CHECK(counts[15] == counts[0]);
    CHECK(counts[31] == counts[16]);
}

TEST_CASE("softmax + cross_entropy is fused while training; predict gives probabilities") {
    using model = nn::sequential<nn::dense<8>, nn::tanh, nn::dense<3>, nn::softmax>;
    using fused = train::trainer<model, losses::cross_entropy, train::epochs<5>>;
    static_assert(fused::fuses_softmax);
    static_assert(std::is_same_v<fused::trained_model, nn::sequential<nn::dense<8>, nn::tanh, nn::dense<3>>>);
    static_assert(std::is_same_v<train::trainer<model>::loss_type, losses::cross_entropy>); // default
    static_assert(std::is_same_v<train::trainer<mlp>::loss_type, losses::softmax_cross_entropy>);
    auto const d = blobs(300, 8);
    fused t;
    t.learning_rate = 1e-2;
    auto r = t.fit(d, 3);
    auto const p = r.predict(d);
    REQUIRE(p.shape()[1] == 3);
    for (std::size_t i = 0; i < 10; ++i) CHECK(p(i, 0) + p(i, 1) + p(i, 2) == doctest::Approx(1.0).epsilon(1e-5));
    double ce = 0;
    for (std::size_t i = 0; i < d.size(); ++i)
        ce -= std::log(static_cast<double>(p(i, static_cast<std::size_t>(d.labels(i)))));
    CHECK(r.evaluate(d).loss == doctest::Approx(ce / static_cast<double>(d.size())).epsilon(1e-4));
}

TEST_CASE("regression with mse reaches a good fit") {
    auto const d = linear_regression(500, 4);
    using model = nn::sequential<nn::dense<1>>;
    train::trainer<model, losses::mse, metrics::r2, train::precision<double>, optim::adam<>, train::epochs<60>,
                   train::batch_size<32>, train::learning_rate<0.05>>
        t;
    auto r = t.fit(d, 1);
    CHECK(r.evaluate(d).score > 0.99);
    CHECK(r.evaluate(d).loss < 1e-3);
}

TEST_CASE("early stopping stops and restores the best weights") {
    auto const train_set = blobs(200, 9);
    auto const val = blobs(200, 10);
    train::trainer<mlp, train::early_stopping<2>, train::epochs<200>, train::learning_rate<0.05>> t;
    auto r = t.fit(train_set, val, 2);
    CHECK(r.stopped_early);
    CHECK(r.history.size() < 200);
    double best = 0;
    for (auto const& e : r.history) best = std::max(best, e.validation_score);
    CHECK(r.evaluate(val).score == doctest::Approx(best));
    CHECK(r.history[r.best_epoch].validation_score == doctest::Approx(best));

    // With min_delta, a gain no larger than it does not count as an improvement.
    std::get<0>(t.callbacks).min_delta = 0.5;
    auto coarse = t.fit(train_set, val, 2);
    CHECK(coarse.best_epoch == 0);
    CHECK(coarse.history.size() == 3); // the first epoch, then `patience` epochs without improvement
}

TEST_CASE("an L2 penalty shrinks the weights and is reported") {
    auto const d = blobs(300, 12);
    train::trainer<mlp, train::epochs<10>, train::learning_rate<1e-2>> plain;
    train::trainer<mlp, regularizers::l2<0.05>, train::epochs<10>, train::learning_rate<1e-2>> decayed;
    auto a = plain.fit(d, 1);
    auto b = decayed.fit(d, 1);
    auto norm = [](auto const& net) {
        double s = 0;
        for (auto const& block : net.weight_blocks())
            for (std::size_t i = 0; i < block.size; ++i) s += std::pow(net.params()[block.offset + i], 2);
        return s;
    };
    CHECK(norm(b.network()) < 0.7 * norm(a.network()));
    CHECK(a.history.back().penalty == 0);
    CHECK(b.history.back().penalty == doctest::Approx(0.5 * 0.05 * norm(b.network())).epsilon(1e-3));
}

TEST_CASE("the schedule sets each epoch's learning rate") {
    auto const d = blobs(64, 1);
    train::trainer<mlp, optim::step_decay<>, train::epochs<4>, train::batch_size<64>, train::learning_rate<0.1>> t;
    t.schedule.step_size = 2;
    t.schedule.gamma = 0.5;
    auto r = t.fit(d, 1);
    CHECK(r.history[0].learning_rate == doctest::Approx(0.1));
    CHECK(r.history[1].learning_rate == doctest::Approx(0.1));
    CHECK(r.history[2].learning_rate == doctest::Approx(0.05));
    CHECK(r.history[3].learning_rate == doctest::Approx(0.05));
}

TEST_CASE("bad settings and data fail with messages that name them") {
    auto const d = blobs(50, 1);
    train::trainer<mlp> t;
    t.epochs = 0;
    CHECK(message_of([&] { t.fit(d, 1); }) == "htune::train::trainer: epochs (0) must be > 0");
    t.epochs = 1;
    t.learning_rate = std::nan("");
    CHECK(message_of([&] { t.fit(d, 1); }).find("learning_rate (nan)") != std::string::npos);
    t.learning_rate = 1e-3;

    auto const four = blobs(50, 1, 4);
    CHECK_THROWS_AS(t.fit(four, 1), shape_error);
    CHECK(message_of([&] { t.fit(four, 1); }) ==
          "htune::train::trainer: the model outputs 3 values per sample but the training data has 4 classes");

    auto bad = d;
    bad.features(3, 2) = std::nanf("");
    CHECK_THROWS_AS(t.fit(bad, 1), data_error);
    CHECK(message_of([&] { t.fit(bad, 1); }).find("feature 2 of sample 3 is not finite") != std::string::npos);

    train::trainer<mlp, optim::sgd<>, train::learning_rate<1e12>, train::epochs<5>> diverging;
    CHECK(message_of([&] { diverging.fit(d, 1); }).find("training diverged") != std::string::npos);

    auto const reg = linear_regression(20, 1);
    train::trainer<nn::sequential<nn::dense<2>>, train::precision<double>> classifier;
    CHECK_THROWS_AS(classifier.fit(reg, 1), data_error);
}

TEST_CASE("the trainer flushes subnormals while it trains, when asked, and restores the caller's mode") {
    if (!scoped_flush_denormals::supported()) return;
    struct mode_probe {
        using htune_role = role::callback;
        int* flushed;
        int* batches;
        void on_batch_end(train::batch_info const&) {
            ++*batches;
            *flushed += scoped_flush_denormals::enabled() ? 1 : 0;
        }
    };
    auto const d = blobs(256, 3);
    using model = nn::sequential<nn::dense<8>, nn::relu, nn::dense<3>>;
    train::trainer<model, optim::adam<>, losses::softmax_cross_entropy, train::epochs<2>, train::batch_size<64>,
                   mode_probe>
        t;
    int flushed = 0, batches = 0;
    std::get<0>(t.callbacks) = mode_probe{&flushed, &batches};
    REQUIRE(!scoped_flush_denormals::enabled());
    auto const on = t.fit(d, 4);
    CHECK(batches == 8);
    CHECK(flushed == 8);
    CHECK(!scoped_flush_denormals::enabled());

    t.flush_denormals = false;
    flushed = batches = 0;
    auto const off = t.fit(d, 4);
    CHECK(batches == 8);
    CHECK(flushed == 0);
    // On these values nothing is subnormal: the same training either way.
    auto const a = on.network().params();
    auto const b = off.network().params();
    CHECK(std::equal(a.begin(), a.end(), b.begin(), b.end()));

    // The setting as a template option.
    train::trainer<model, train::flush_denormals<false>> quiet;
    CHECK(!quiet.flush_denormals);
}
