// Bad data sets in memory: empty, NaN or infinite values, labels out of range, counts that do not
// agree, and data whose shape does not fit the model it is trained or evaluated with. Malformed
// values are htune::data_error, sizes that do not fit are htune::shape_error; messages name the
// data set, the sample, the feature and the value.

#include <doctest/doctest.h>

#include <htune/data/dataset.hpp>
#include <htune/data/preprocess.hpp>
#include <htune/data/split.hpp>
#include <htune/losses.hpp>
#include <htune/nn.hpp>
#include <htune/train.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "bad_input_support.hpp"

using htune::data_error;
using htune::invalid_argument;
using htune::shape_error;
using htune::test::expect_throw;

namespace {
// n samples of `features` values, labels cycling through 0..classes-1, all finite.
htune::data::dataset<float> classes_set(std::size_t n, std::size_t features, std::size_t classes) {
    htune::data::dataset<float> d;
    d.features = htune::tensor<float, 2>::from_shape({n, features});
    d.labels = htune::tensor<std::int32_t, 1>::from_shape({n});
    d.num_classes = classes;
    for (std::size_t i = 0; i < n; ++i) {
        d.labels(i) = static_cast<std::int32_t>(i % classes);
        for (std::size_t j = 0; j < features; ++j)
            d.features(i, j) = static_cast<float>((j == i % classes ? 1.0 : 0.0) + 0.01 * static_cast<double>(i % 7));
    }
    return d;
}

htune::data::dataset<double> regression_set(std::size_t n, std::size_t features, std::size_t outputs) {
    htune::data::dataset<double> d;
    d.features = htune::tensor<double, 2>::from_shape({n, features});
    d.targets = htune::tensor<double, 2>::from_shape({n, outputs});
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < features; ++j) d.features(i, j) = 0.1 * static_cast<double>((i + j) % 5);
        for (std::size_t k = 0; k < outputs; ++k) d.targets(i, k) = static_cast<double>(i % 3);
    }
    return d;
}

using mlp = htune::nn::sequential<htune::nn::dense<8>, htune::nn::relu, htune::nn::dense<3>>;
using small_trainer = htune::train::trainer<mlp, htune::train::epochs<1>, htune::train::batch_size<8>>;
} // namespace

TEST_CASE("bad data: an empty data set") {
    htune::data::dataset<float> empty;
    empty.features = htune::tensor<float, 2>::from_shape({0, 4});
    empty.labels = htune::tensor<std::int32_t, 1>::from_shape({0});
    empty.num_classes = 3;
    expect_throw<data_error>([&] { empty.validate("fashion-train"); }, {"htune::data: fashion-train is empty"});
    small_trainer t;
    expect_throw<data_error>([&] { t.fit(empty, 1); }, {"htune::train::trainer", "the training data is empty"});
    // An empty validation set, beside a good training set.
    auto const train_set = classes_set(20, 4, 3);
    expect_throw<data_error>([&] { t.fit(train_set, empty, 1); }, {"htune::data: validation is empty"});
}

TEST_CASE("bad data: a NaN feature names the sample and the feature") {
    auto d = classes_set(30, 4, 3);
    d.features(17, 2) = std::numeric_limits<float>::quiet_NaN();
    expect_throw<data_error>([&] { d.validate("train"); },
                             {"htune::data: train: feature 2 of sample 17 is not finite (nan)"});
    small_trainer t;
    expect_throw<data_error>([&] { t.fit(d, 1); }, {"training: feature 2 of sample 17 is not finite"});
}

TEST_CASE("bad data: an infinite feature, in the training and in the validation set") {
    auto d = classes_set(30, 4, 3);
    d.features(0, 3) = -std::numeric_limits<float>::infinity();
    expect_throw<data_error>([&] { d.validate(); }, {"dataset: feature 3 of sample 0 is not finite (-inf)"});
    auto const good = classes_set(30, 4, 3);
    small_trainer t;
    expect_throw<data_error>([&] { t.fit(good, d, 1); }, {"validation: feature 3 of sample 0 is not finite (-inf)"});
}

TEST_CASE("bad data: a NaN regression target") {
    auto d = regression_set(12, 3, 2);
    d.targets(5, 1) = std::nan("");
    expect_throw<data_error>([&] { d.validate("house prices"); },
                             {"house prices: target of sample 5 is not finite (nan)"});
}

TEST_CASE("bad data: labels outside [0, num_classes)") {
    auto d = classes_set(25, 4, 3);
    d.labels(11) = 3;
    expect_throw<data_error>([&] { d.validate("train"); }, {"train: label of sample 11 is 3, outside [0, 3)"});
    small_trainer t;
    expect_throw<data_error>([&] { t.fit(d, 1); }, {"training: label of sample 11 is 3, outside [0, 3)"});
    d.labels(11) = -1;
    expect_throw<data_error>([&] { d.validate("train"); }, {"label of sample 11 is -1, outside [0, 3)"});
}

TEST_CASE("bad data: labels out of range for the loss and the metrics when evaluating") {
    auto const train_set = classes_set(30, 4, 3);
    small_trainer t;
    auto fitted = t.fit(train_set, 1);
    auto d = classes_set(10, 4, 3);
    d.labels(4) = 7; // evaluate() takes the data as given; the loss checks each label
    expect_throw<data_error>([&] { (void)fitted.evaluate(d); }, {"label 7 of row 4", "outside [0, 3)"});
}

TEST_CASE("bad data: label and sample counts disagree") {
    auto d = classes_set(10, 4, 2);
    d.labels = htune::tensor<std::int32_t, 1>::from_shape({9});
    for (std::size_t i = 0; i < 9; ++i) d.labels(i) = 0;
    expect_throw<shape_error>([&] { d.validate("train"); }, {"train: 10 samples but 9 labels"});
    small_trainer t;
    expect_throw<shape_error>([&] { t.fit(d, 1); }, {"training: 10 samples but 9 labels"});
    auto r = regression_set(6, 2, 1);
    r.targets = htune::tensor<double, 2>::from_shape({5, 1});
    expect_throw<shape_error>([&] { r.validate("train"); }, {"train: 6 samples but 5 target rows"});
}

TEST_CASE("bad data: a sample shape that does not hold the feature count") {
    auto d = classes_set(10, 5, 3);
    d.sample_shape = htune::nn::shape{1, 2, 2};
    expect_throw<shape_error>([&] { d.validate("images"); },
                              {"images: sample shape (1, 2, 2) holds 4 values but features have 5 columns"});
}

TEST_CASE("bad data: image-shaped samples into a dense model without flatten") {
    auto d = classes_set(10, 4, 3);
    d.sample_shape = htune::nn::shape{1, 2, 2};
    small_trainer t;
    expect_throw<shape_error>([&] { t.fit(d, 1); }, {"htune::nn::dense", "input sample shape (1, 2, 2) has rank 3",
                                                     "put nn::flatten before it"});
}

TEST_CASE("bad data: samples with no features at all") {
    auto d = classes_set(6, 0, 2);
    small_trainer t;
    expect_throw<shape_error>([&] { t.fit(d, 1); }, {"htune::nn::network: empty input shape (0)"});
}

TEST_CASE("bad data: more classes than the model has outputs") {
    auto const d = classes_set(40, 4, 5);
    small_trainer t; // dense<3> at the end
    expect_throw<shape_error>([&] { t.fit(d, 1); },
                              {"the model outputs 3 values per sample but the training data has 5 classes"});
}

TEST_CASE("bad data: validation data with another feature count than the training data") {
    auto const train_set = classes_set(30, 4, 3);
    auto const validation = classes_set(12, 6, 3);
    small_trainer t;
    expect_throw<shape_error>([&] { t.fit(train_set, validation, 1); },
                              {"validation data has 6 features per sample, training data 4"});
}

TEST_CASE("bad data: predicting or evaluating with another feature count than the model was trained on") {
    auto const train_set = classes_set(30, 4, 3);
    small_trainer t;
    auto fitted = t.fit(train_set, 1);
    auto const wide = classes_set(10, 7, 3);
    expect_throw<shape_error>([&] { (void)fitted.predict(wide); },
                              {"htune::train: data has 7 features per sample, the model takes 4 (shape (4))"});
    expect_throw<shape_error>([&] { (void)fitted.evaluate(wide); },
                              {"data has 7 features per sample, the model takes 4"});
}

TEST_CASE("bad data: real targets for a classifier, labels for a regression loss, and wrong target width") {
    auto const reg = regression_set(20, 3, 1);
    htune::train::trainer<htune::nn::sequential<htune::nn::dense<2>>, htune::train::precision<double>,
                          htune::train::epochs<1>>
        classifier;
    expect_throw<data_error>([&] { classifier.fit(reg, 1); },
                             {"the loss takes class labels but the training data has real targets"});
    htune::train::trainer<htune::nn::sequential<htune::nn::dense<2>>, htune::losses::mse,
                          htune::train::precision<double>, htune::train::epochs<1>>
        regressor; // two outputs
    expect_throw<shape_error>([&] { regressor.fit(reg, 1); },
                              {"the model outputs 2 values per sample but the training data has 1 targets per sample"});
    htune::data::dataset<double> labelled;
    labelled.features = htune::tensor<double, 2>::from_shape({4, 3});
    labelled.features.fill(0.5);
    labelled.labels = htune::tensor<std::int32_t, 1>::from_shape({4});
    labelled.labels.fill(1);
    labelled.num_classes = 2;
    expect_throw<data_error>([&] { regressor.fit(labelled, 1); },
                             {"the loss takes real targets but the training data has class labels"});
}

TEST_CASE("bad data: splits and scalers refuse what they cannot use") {
    auto const d = classes_set(10, 4, 2);
    expect_throw<invalid_argument>([&] { (void)htune::data::train_validation_split(d, 1.5, 1); },
                                   {"train_validation_split", "validation_fraction (1.5) must be in (0, 1)"});
    expect_throw<invalid_argument>([&] { (void)htune::data::train_validation_split(d, 0.01, 1); },
                                   {"validation_fraction (0.01) of 10 samples leaves the validation part empty"});
    std::vector<std::size_t> const rows{0, 3, 10};
    expect_throw<invalid_argument>([&] { (void)htune::data::subset(d, rows); },
                                   {"htune::data::subset: rows[2] = 10 is out of range for a data set of 10 samples"});
    htune::data::standard_scaler<float> scaler;
    scaler.fit(d.features);
    auto wide = classes_set(3, 6, 2);
    expect_throw<shape_error>([&] { scaler.transform(wide.features); },
                              {"standard_scaler", "fitted on 4 features, cannot transform data with 6 features"});
}

TEST_CASE("bad data: evaluating data whose label count disagrees with its rows") {
    auto const train_set = classes_set(30, 4, 3);
    small_trainer t;
    auto fitted = t.fit(train_set, 1);
    auto d = classes_set(10, 4, 3);
    d.labels = htune::tensor<std::int32_t, 1>::from_shape({6});
    d.labels.fill(0);
    expect_throw<shape_error>([&] { (void)fitted.evaluate(d); }, {"10 samples but 6 labels"});
}

TEST_CASE("bad data: splitting or subsetting data whose label count disagrees with its rows") {
    auto d = classes_set(10, 4, 2);
    d.labels = htune::tensor<std::int32_t, 1>::from_shape({4});
    d.labels.fill(1);
    expect_throw<shape_error>([&] { (void)htune::data::train_validation_split(d, 0.5, 1, true); },
                              {"train_validation_split", "10 samples but 4 labels"});
    expect_throw<shape_error>([&] { (void)htune::data::train_validation_split(d, 0.5, 1); },
                              {"train_validation_split", "10 samples but 4 labels"});
    std::vector<std::size_t> const rows{1, 8};
    expect_throw<shape_error>([&] { (void)htune::data::subset(d, rows); },
                              {"htune::data::subset", "10 samples but 4 labels"});
}
