// Validation and preprocessing as policies of the pipeline: the time-ordered split, a scheme written
// in this file, and preprocessing fitted on each fold's training rows alone.
#include <doctest/doctest.h>

#include <htune/htune.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <mutex>
#include <string>
#include <vector>

#include "blobs.hpp"

using namespace htune;

namespace {

std::string rows_text(std::vector<std::size_t> const& rows) {
    std::string s;
    for (auto r : rows) s += std::to_string(r) + ' ';
    return s;
}

// y = x0 + noise in row order; x1 = the row index (time), so a model or a scaler that saw a row
// can be told from one that did not.
data::dataset<float> series(std::size_t n) {
    data::dataset<float> d;
    d.features = tensor<float, 2>::from_shape({n, 2});
    d.targets = tensor<float, 2>::from_shape({n, 1});
    d.sample_shape = shape{2};
    rng g(3);
    for (std::size_t i = 0; i < n; ++i) {
        d.features(i, 0) = static_cast<float>(standard_normal(g));
        d.features(i, 1) = static_cast<float>(i);
        d.targets(i, 0) = d.features(i, 0) + 0.1f * static_cast<float>(standard_normal(g));
    }
    return d;
}

// The largest time index (feature 1, unscaled) each fit saw in its training rows, and the
// smallest in its validation rows, recorded by a scheme's fit.
struct seen {
    float last_train = -1;
    float first_validation = std::numeric_limits<float>::max();
    std::size_t train_rows = 0;
};

} // namespace

TEST_CASE("time_series_rows: scikit-learn's TimeSeriesSplit, split for split") {
    // TimeSeriesSplit(n_splits=3) on 10 rows: test blocks of 10 // 4 = 2 rows at 4, 6, 8.
    auto const plain = data::time_series_rows(10, 3);
    REQUIRE(plain.size() == 3);
    CHECK(rows_text(plain[0].train) == "0 1 2 3 ");
    CHECK(rows_text(plain[0].validation) == "4 5 ");
    CHECK(rows_text(plain[1].train) == "0 1 2 3 4 5 ");
    CHECK(rows_text(plain[2].validation) == "8 9 ");
    // TimeSeriesSplit(n_splits=3, gap=1, max_train_size=3).
    auto const rolling = data::time_series_rows(10, 3, {.gap = 1, .max_train_rows = 3});
    CHECK(rows_text(rolling[0].train) == "0 1 2 "); // train_end 3 is not above max_train_rows
    CHECK(rows_text(rolling[1].train) == "2 3 4 ");
    CHECK(rows_text(rolling[2].train) == "4 5 6 ");
    CHECK(rows_text(rolling[2].validation) == "8 9 ");
    // TimeSeriesSplit(n_splits=2, test_size=3) on 9 rows.
    auto const sized = data::time_series_rows(9, 2, {.validation_rows = 3});
    CHECK(rows_text(sized[0].train) == "0 1 2 ");
    CHECK(rows_text(sized[0].validation) == "3 4 5 ");
    CHECK(rows_text(sized[1].validation) == "6 7 8 ");
    CHECK_THROWS_WITH_AS(data::time_series_rows(5, 5), doctest::Contains("5 rows cannot hold 5 validation blocks"),
                         htune::data_error);
    CHECK_THROWS_AS(data::time_series_rows(10, 0), htune::invalid_argument);
}

namespace {
std::mutex fits_mutex;
std::vector<seen> fits;

// A scheme that wraps the built-in one to look at what its fits are given.
struct watched : tune::time_series_split<4> {
    template <class T, class Fit, class Reporter>
    double score(std::vector<data::fold_rows> const& plan, data::dataset<T> const& d, Fit&& fit, Reporter& r) const {
        auto watching = [&](data::dataset<T> const& tr, data::dataset<T> const& va, std::uint64_t seed,
                            train::epoch_observer o) {
            seen s;
            s.train_rows = tr.size();
            for (std::size_t i = 0; i < tr.size(); ++i) s.last_train = std::max(s.last_train, tr.features(i, 1));
            for (std::size_t i = 0; i < va.size(); ++i)
                s.first_validation = std::min(s.first_validation, va.features(i, 1));
            {
                std::lock_guard lock(fits_mutex);
                fits.push_back(s);
            }
            return fit(tr, va, seed, o);
        };
        return tune::time_series_split<4>::score(plan, d, watching, r);
    }
};
} // namespace

TEST_CASE("tuner: a time-series split never trains on a row after the block it scores") {
    fits.clear();
    static_assert(tune::concepts::validation<watched>);
    using space = search_space<log_uniform<"lr", 1e-3, 1e-1>>;
    using pipeline = tune::tuner<
        space, samplers::random,
        train::trainer<nn::sequential<nn::dense<1>>, losses::mse, train::learning_rate<hp<"lr">{}>, train::epochs<3>>,
        watched>;
    auto const r = pipeline{}.run(series(100), {.trials = 3, .seed = 4, .progress = tune::progress_display::off});
    REQUIRE(r.trials.size() == 3);
    REQUIRE(fits.size() == 12); // 4 splits per trial
    for (std::size_t i = 0; i < fits.size(); ++i) {
        INFO("fit ", i);
        CHECK(fits[i].last_train < fits[i].first_validation);
        CHECK(fits[i].train_rows == 20 + 20 * (i % 4)); // blocks of 100 / 5 = 20 rows: 20, 40, 60, 80
    }
    for (auto const& t : r.trials) CHECK(t.intermediate.size() == 4); // the running mean after each split
}

namespace {
// A scheme of the user's own: a fixed validation set, the last `rows` rows, as a time-ordered
// holdout; reports every epoch like holdout.
struct last_rows {
    using htune_role = role::validation;
    using metric = void;
    std::size_t rows = 25;

    template <class T>
    data::fold_rows plan(data::dataset<T> const& d, std::uint64_t) const {
        data::fold_rows p;
        for (std::size_t i = 0; i < d.size(); ++i) (i + rows < d.size() ? p.train : p.validation).push_back(i);
        return p;
    }
    template <class T, class Fit, class Reporter>
    double score(data::fold_rows const& plan, data::dataset<T> const& d, Fit&& fit, Reporter& r) const {
        auto const parts = data::fold(d, plan);
        auto each_epoch = [&r](train::epoch_info const& e) { r.report(e.epoch, e.validation_score); };
        return fit(parts.train, parts.validation, r.seed(), train::epoch_observer(each_epoch));
    }
};
} // namespace

TEST_CASE("tuner: a validation scheme written by the user") {
    static_assert(tune::concepts::validation<last_rows>);
    using space = search_space<log_uniform<"lr", 1e-3, 1e-1>>;
    using pipeline = tune::tuner<space, samplers::random,
                                 train::trainer<nn::sequential<nn::dense<8>, nn::relu, nn::dense<3>>,
                                                train::learning_rate<hp<"lr">{}>, train::epochs<3>>,
                                 last_rows>;
    auto const r =
        pipeline{}.run(test::blobs(150, 2), {.trials = 3, .seed = 6, .progress = tune::progress_display::off});
    for (auto const& t : r.trials) {
        CHECK(t.state == tune::trial_state::complete);
        REQUIRE(t.intermediate.size() == 3);
        CHECK(t.value >= 0.0);
        CHECK(t.value <= 1.0);
    }
}

namespace {
// A preprocessing policy that records what its scaler was fitted on.
struct recorded_fit {
    std::size_t rows = 0;
    float last_time = -1;
};
std::vector<recorded_fit> scaler_fits;

struct recording_standardize {
    using htune_role = role::preprocessing;
    template <class T>
    struct scaler {
        data::standard_scaler<T> inner;
        void fit(data::dataset<T> const& d) {
            recorded_fit f{d.size(), -1};
            for (std::size_t i = 0; i < d.size(); ++i) f.last_time = std::max(f.last_time, d.features(i, 1));
            scaler_fits.push_back(f);
            inner.fit(d);
        }
        void transform(data::dataset<T>& d) const { inner.transform(d); }
    };
    template <class T>
    scaler<T> fitter() const {
        return {};
    }
};
} // namespace

TEST_CASE("tuner: preprocessing is fitted on each fold's training rows alone, then on all rows for the refit") {
    scaler_fits.clear();
    using space = search_space<log_uniform<"lr", 1e-3, 1e-1>>;
    using recipe =
        train::trainer<nn::sequential<nn::dense<1>>, losses::mse, train::learning_rate<hp<"lr">{}>, train::epochs<3>>;
    using pipeline = tune::tuner<space, samplers::random, recipe, tune::time_series_split<3>, recording_standardize>;
    static_assert(std::is_same_v<pipeline::preprocessing_type, recording_standardize>);
    auto const all = series(120);
    auto const test = series(40);
    auto const r = pipeline{}.run(all, test, {.trials = 2, .seed = 8, .progress = tune::progress_display::off});
    REQUIRE(scaler_fits.size() == 2 * 3 + 1); // every fold of every trial, then the refit
    for (std::size_t i = 0; i < 6; ++i) {
        INFO("fold fit ", i);
        CHECK(scaler_fits[i].rows == 30 * (i % 3 + 1)); // blocks of 120 / 4 = 30
        CHECK(scaler_fits[i].last_time == doctest::Approx(30.0 * static_cast<double>(i % 3 + 1) - 1.0));
    }
    CHECK(scaler_fits.back().rows == 120);
    REQUIRE(r.test.has_value());

    // The built-in policy on features in thousands: the fold's scaler brings them to unit variance.
    using long_recipe =
        train::trainer<nn::sequential<nn::dense<1>>, losses::mse, train::learning_rate<hp<"lr">{}>, train::epochs<40>>;
    using standardized = tune::tuner<search_space<log_uniform<"lr", 2e-2, 1e-1>>, samplers::random, long_recipe,
                                     tune::kfold<3>, data::standardize>;
    auto scaled_set = series(150);
    for (std::size_t i = 0; i < scaled_set.size(); ++i) scaled_set.features(i, 0) *= 1000.0f; // x0 in thousands
    auto const a = standardized{}.run(scaled_set, {.trials = 3, .seed = 2, .progress = tune::progress_display::off});
    CHECK(a.best.value < 0.5); // predicting the mean scores about 1
    static_assert(tune::tuner<space, recipe, data::min_max>::preprocesses);
}
