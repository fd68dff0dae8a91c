#include <doctest/doctest.h>

#include <htune/data/preprocess.hpp>

#include <cmath>

#include "data_test_support.hpp"
#include "tolerances.hpp"

using htune::data::minmax_scaler;
using htune::data::standard_scaler;
using htune::test::contains;
using htune::test::thrown_message;

namespace {

template <class T>
double column_mean(htune::tensor<T, 2> const& x, std::size_t c) {
    double s = 0;
    for (std::size_t r = 0; r < x.shape()[0]; ++r) s += x(r, c);
    return s / static_cast<double>(x.shape()[0]);
}

template <class T>
double column_std(htune::tensor<T, 2> const& x, std::size_t c) {
    double const m = column_mean(x, c);
    double s = 0;
    for (std::size_t r = 0; r < x.shape()[0]; ++r) s += (x(r, c) - m) * (x(r, c) - m);
    return std::sqrt(s / static_cast<double>(x.shape()[0]));
}

// Column 0 spread widely, column 1 constant, column 2 small with a large offset.
template <class T>
htune::tensor<T, 2> train_data() {
    return {{T(1), T(0.1), T(1000.5)},
            {T(-4), T(0.1), T(1000.25)},
            {T(10), T(0.1), T(1000.75)},
            {T(3), T(0.1), T(1000.0)},
            {T(5), T(0.1), T(1000.5)}};
}

} // namespace

TEST_CASE_TEMPLATE("standard_scaler gives mean 0 and std 1 per feature; constant features become 0", T, float, double) {
    double const tol = htune::test::tolerances<T>::value * 100;
    auto x = train_data<T>();
    auto const original = x;
    standard_scaler<T> scaler;
    CHECK_FALSE(scaler.fitted());
    scaler.fit_transform(x);
    CHECK(scaler.fitted());
    CHECK(scaler.feature_count() == 3);
    CHECK(scaler.mean()(0) == doctest::Approx(3.0).epsilon(tol));
    CHECK(scaler.mean()(1) == T(0.1));
    CHECK(scaler.scale()(1) == T(1)); // constant: unit scale, no division by zero
    for (std::size_t c : {0u, 2u}) {
        CHECK(column_mean(x, c) == doctest::Approx(0.0).epsilon(tol).scale(1.0));
        CHECK(column_std(x, c) == doctest::Approx(1.0).epsilon(tol));
    }
    for (std::size_t r = 0; r < x.shape()[0]; ++r) {
        CHECK(x(r, 1) == T(0)); // exactly 0, not NaN
        for (std::size_t c = 0; c < 3; ++c) CHECK(std::isfinite(x(r, c)));
    }

    // Test data is scaled with the training statistics, not its own.
    htune::tensor<T, 2> test = {{T(3), T(7), T(1000.5)}};
    scaler.transform(test);
    CHECK(test(0, 0) == doctest::Approx(0.0).scale(1.0));
    CHECK(test(0, 1) == doctest::Approx(7 - 0.1).epsilon(tol));
    CHECK(test(0, 2) > 0);

    scaler.inverse_transform(x);
    for (std::size_t i = 0; i < x.size(); ++i) CHECK(x.data()[i] == doctest::Approx(original.data()[i]).epsilon(tol));
}

TEST_CASE_TEMPLATE("scalers fit on and transform a dataset's features", T, float, double) {
    htune::data::dataset<T> train;
    train.features = train_data<T>();
    train.labels = htune::tensor<std::int32_t, 1>{0, 1, 0, 1, 0};
    train.num_classes = 2;
    auto copy = train;
    standard_scaler<T> s;
    s.fit(train);
    s.transform(train);
    standard_scaler<T>{}.fit_transform(copy);
    CHECK((train.features == copy.features));
    CHECK((train.labels == copy.labels)); // labels untouched

    minmax_scaler<T> m;
    m.fit_transform(train);
    // Fitted on the standardised features: the minimum of column 0 is (-4 - mean) / std.
    CHECK(m.data_min()(0) == doctest::Approx((-4.0 - s.mean()(0)) / s.scale()(0)).epsilon(1e-4));
    CHECK(train.features(1, 0) == T(0));
}

TEST_CASE_TEMPLATE("minmax_scaler maps the training range to [low, high]", T, float, double) {
    double const tol = htune::test::tolerances<T>::value * 100;
    auto x = train_data<T>();
    minmax_scaler<T> scaler;
    scaler.fit_transform(x);
    CHECK(scaler.data_min()(0) == T(-4));
    CHECK(scaler.data_max()(0) == T(10));
    CHECK(x(1, 0) == T(0)); // the minimum
    CHECK(x(2, 0) == doctest::Approx(1.0).epsilon(tol));
    CHECK(x(0, 0) == doctest::Approx(5.0 / 14).epsilon(tol));
    CHECK(x(3, 2) == T(0));
    CHECK(x(2, 2) == doctest::Approx(1.0).epsilon(tol));
    for (std::size_t r = 0; r < 5; ++r) CHECK(x(r, 1) == T(0)); // constant: the low end, no NaN

    minmax_scaler<T> wide(T(-1), T(1));
    auto y = train_data<T>();
    wide.fit_transform(y);
    CHECK(y(1, 0) == doctest::Approx(-1.0).epsilon(tol));
    CHECK(y(2, 0) == doctest::Approx(1.0).epsilon(tol));
    CHECK(y(0, 0) == doctest::Approx(-1.0 + 2 * 5.0 / 14).epsilon(tol));
    for (std::size_t r = 0; r < 5; ++r) CHECK(y(r, 1) == doctest::Approx(-1.0).epsilon(tol));

    // Values beyond the training range map beyond [low, high]; nothing is clipped.
    htune::tensor<T, 2> test = {{T(24), T(0.1), T(999.0)}};
    scaler.transform(test);
    CHECK(test(0, 0) == doctest::Approx(2.0).epsilon(tol));
    CHECK(test(0, 2) == doctest::Approx(-1.0 / 0.75).epsilon(tol));

    scaler.inverse_transform(test);
    CHECK(test(0, 0) == doctest::Approx(24.0).epsilon(tol));
}

TEST_CASE("scalers reject data with another feature count, use before fit, empty data and bad ranges") {
    standard_scaler<double> s;
    htune::tensor<double, 2> four = {{1, 2, 3, 4}, {5, 6, 7, 8}};
    htune::tensor<double, 2> three = {{1, 2, 3}};
    auto const before = thrown_message<htune::invalid_argument>([&] { s.transform(three); });
    CHECK(contains(before, "htune::data::standard_scaler: transform called before fit"));
    s.fit(four);
    auto const message = thrown_message<htune::shape_error>([&] { s.transform(three); });
    CHECK(contains(message, "htune::data::standard_scaler: "));
    CHECK(contains(message, "fitted on 4 features, cannot transform data with 3 features"));

    minmax_scaler<float> m;
    m.fit(htune::tensor<float, 2>{{1, 2}, {3, 4}});
    htune::tensor<float, 2> wide = {{1, 2, 3}};
    auto const mm = thrown_message<htune::shape_error>([&] { m.transform(wide); });
    CHECK(contains(mm, "htune::data::minmax_scaler: fitted on 2 features, cannot transform data with 3 features"));

    htune::tensor<double, 2> empty(std::array<std::size_t, 2>{0, 3});
    CHECK(contains(thrown_message<htune::data_error>([&] { s.fit(empty); }), "0 samples"));

    auto const range = thrown_message<htune::invalid_argument>([] { minmax_scaler<double>(1.0, 1.0); });
    CHECK(contains(range, "htune::data::minmax_scaler: feature range low (1) must be < high (1)"));
}
