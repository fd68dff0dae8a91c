// Bad training settings: zero epochs or batch size, learning rates that are not positive and
// finite, optimizer, schedule, regularizer, layer and callback settings out of range, and a
// training that diverges. Settings are htune::invalid_argument naming the component, the member
// and the value; a diverging training is an htune::error naming the epoch, the batch and the rate.

#include <doctest/doctest.h>

#include <htune/data/batching.hpp>
#include <htune/nn.hpp>
#include <htune/optim.hpp>
#include <htune/regularizers.hpp>
#include <htune/train.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "bad_input_support.hpp"

using htune::invalid_argument;
using htune::test::expect_throw;

namespace {
htune::data::dataset<float> blobs(std::size_t n, std::size_t classes = 3) {
    htune::rng g(5);
    htune::data::dataset<float> d;
    d.features = htune::tensor<float, 2>::from_shape({n, 4});
    d.labels = htune::tensor<std::int32_t, 1>::from_shape({n});
    d.num_classes = classes;
    for (std::size_t i = 0; i < n; ++i) {
        auto const c = static_cast<std::int32_t>(i % classes);
        d.labels(i) = c;
        for (std::size_t j = 0; j < 4; ++j)
            d.features(i, j) = static_cast<float>(htune::normal(g, j == static_cast<std::size_t>(c) ? 1.5 : 0.0, 0.7));
    }
    return d;
}

using mlp = htune::nn::sequential<htune::nn::dense<8>, htune::nn::relu, htune::nn::dense<3>>;
using basic = htune::train::trainer<mlp, htune::train::epochs<2>, htune::train::batch_size<16>>;
} // namespace

TEST_CASE("bad training: zero epochs") {
    auto const d = blobs(40);
    basic t;
    t.epochs = 0;
    expect_throw<invalid_argument>([&] { t.fit(d, 1); }, {"htune::train::trainer: epochs (0) must be > 0"});
}

TEST_CASE("bad training: zero batch size") {
    auto const d = blobs(40);
    basic t;
    t.batch_size = 0;
    expect_throw<invalid_argument>([&] { t.fit(d, 1); }, {"htune::train::trainer: batch_size (0) must be > 0"});
    // The batching helpers refuse it too.
    expect_throw<invalid_argument>([] { (void)htune::data::batch_count(10, 0); },
                                   {"batch_count: batch_size must be > 0"});
    expect_throw<invalid_argument>([] { htune::data::batch_sampler(10, 0, htune::rng(1)); },
                                   {"batch_sampler: batch_size must be > 0"});
}

TEST_CASE("bad training: a batch size larger than the data is taken as the whole data, not an error") {
    // Documented behaviour (trainer.hpp: bs = min(batch_size, n)): one full batch per epoch.
    auto const d = blobs(20);
    basic t;
    t.batch_size = 1000;
    auto r = t.fit(d, 1);
    CHECK(r.history.size() == 2);
    CHECK(std::isfinite(r.history.back().train_loss));
    // An invalid setting is still reported first, whatever the batch size.
    t.learning_rate = -1.0;
    expect_throw<invalid_argument>([&] { t.fit(d, 1); }, {"learning_rate (-1) must be finite and > 0"});
}

TEST_CASE("bad training: learning rate zero or negative") {
    auto const d = blobs(40);
    basic t;
    t.learning_rate = 0.0;
    expect_throw<invalid_argument>([&] { t.fit(d, 1); },
                                   {"htune::train::trainer: learning_rate (0) must be finite and > 0"});
    t.learning_rate = -0.01;
    expect_throw<invalid_argument>([&] { t.fit(d, 1); }, {"learning_rate (-0.01) must be finite and > 0"});
}

TEST_CASE("bad training: learning rate NaN or infinite") {
    auto const d = blobs(40);
    basic t;
    t.learning_rate = std::numeric_limits<double>::quiet_NaN();
    expect_throw<invalid_argument>([&] { t.fit(d, 1); }, {"learning_rate (nan) must be finite and > 0"});
    t.learning_rate = std::numeric_limits<double>::infinity();
    expect_throw<invalid_argument>([&] { t.fit(d, 1); }, {"learning_rate (inf) must be finite and > 0"});
}

TEST_CASE("bad training: optimizer hyperparameters out of range") {
    auto const d = blobs(40);
    htune::train::trainer<mlp, htune::optim::adam<>, htune::train::epochs<1>> adam;
    adam.optimizer.beta1 = 1.0;
    expect_throw<invalid_argument>([&] { adam.fit(d, 1); }, {"htune::optim::adam: beta1 (1) must be in [0, 1)"});
    adam.optimizer.beta1 = 0.9;
    adam.optimizer.epsilon = 0.0;
    expect_throw<invalid_argument>([&] { adam.fit(d, 1); }, {"htune::optim::adam: epsilon (0) must be > 0 and finite"});
    htune::train::trainer<mlp, htune::optim::sgd<>, htune::train::epochs<1>> sgd;
    sgd.optimizer.nesterov = true; // without momentum
    expect_throw<invalid_argument>([&] { sgd.fit(d, 1); },
                                   {"htune::optim::sgd: nesterov needs momentum > 0 (momentum is 0)"});
    sgd.optimizer.nesterov = false;
    sgd.optimizer.momentum = -0.5;
    expect_throw<invalid_argument>([&] { sgd.fit(d, 1); }, {"htune::optim::sgd: momentum (-0.5) must be in [0, 1)"});
}

TEST_CASE("bad training: schedule and regularizer settings out of range") {
    auto const d = blobs(40);
    htune::train::trainer<mlp, htune::optim::step_decay<>, htune::train::epochs<1>> stepped;
    stepped.schedule.step_size = 0;
    expect_throw<invalid_argument>([&] { stepped.fit(d, 1); }, {"htune::optim::step_decay: step_size (0) must be > 0"});
    stepped.schedule.step_size = 2;
    stepped.schedule.gamma = std::numeric_limits<double>::quiet_NaN();
    expect_throw<invalid_argument>([&] { stepped.fit(d, 1); },
                                   {"htune::optim::step_decay: gamma (nan) must be > 0 and finite"});
    htune::train::trainer<mlp, htune::regularizers::l2<1e-4>, htune::train::epochs<1>> decayed;
    std::get<0>(decayed.regularizers).strength = -1e-3;
    expect_throw<invalid_argument>([&] { decayed.fit(d, 1); }, {"htune::regularizers::l2: strength (-0.001)"});
}

TEST_CASE("bad training: layer sizes and rates out of range") {
    auto const d = blobs(40);
    using drop = htune::nn::sequential<htune::nn::dense<8>, htune::nn::dropout<0.5>, htune::nn::dense<3>>;
    htune::train::trainer<drop, htune::train::epochs<1>> dropped;
    std::get<1>(dropped.model.layers).rate = 1.0;
    expect_throw<invalid_argument>([&] { dropped.fit(d, 1); }, {"htune::nn::dropout: rate (1) must be in [0, 1)"});
    htune::train::trainer<mlp, htune::train::epochs<1>> narrow;
    std::get<0>(narrow.model.layers).units = 0; // a width bound to a hyperparameter that came out as 0
    expect_throw<invalid_argument>([&] { narrow.fit(d, 1); }, {"htune::nn::dense: units (0) must be > 0"});
}

TEST_CASE("bad training: early stopping without patience") {
    auto const d = blobs(40);
    htune::train::trainer<mlp, htune::train::early_stopping<3>, htune::train::epochs<3>> t;
    std::get<0>(t.callbacks).patience = 0;
    expect_throw<invalid_argument>([&] { t.fit(d, d, 1); }, {"htune::train::early_stopping: patience must be > 0"});
    std::get<0>(t.callbacks).patience = 2;
    std::get<0>(t.callbacks).min_delta = -0.1;
    expect_throw<invalid_argument>([&] { t.fit(d, d, 1); }, {"early_stopping: min_delta (-0.1) must be >= 0"});
}

TEST_CASE("bad training: a diverging training is an htune::error naming the epoch, the batch and the rate") {
    auto const d = blobs(60);
    htune::train::trainer<mlp, htune::optim::sgd<>, htune::train::learning_rate<1e12>, htune::train::epochs<5>,
                          htune::train::batch_size<16>>
        t;
    auto const message =
        expect_throw<htune::error>([&] { t.fit(d, 1); }, {"htune::train::trainer: training diverged: the loss is",
                                                          "at epoch", ", batch ", "(learning rate 1e+12)"});
    CHECK((htune::test::contains(message, "nan at epoch") || htune::test::contains(message, "inf at epoch")));
}
