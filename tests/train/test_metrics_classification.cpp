#include <doctest/doctest.h>

#include <htune/core/concepts/metric.hpp>
#include <htune/metrics.hpp>

#include <cstdint>
#include <span>
#include <vector>

namespace m = htune::metrics;
using m::average::binary;
using m::average::of_class;

// Every metric satisfies the metric concept for both float types; a type without the role does not.
namespace {
struct no_role {
    [[maybe_unused]] static constexpr bool higher_is_better = true;
    template <class T>
    double operator()(htune::batch_view<T const>, htune::targets<T> const&) const {
        return 0;
    }
};

template <class M>
constexpr bool is_metric = htune::concepts::metric<M, float> && htune::concepts::metric<M, double>;
} // namespace
static_assert(is_metric<m::accuracy>);
static_assert(is_metric<m::precision<>>);
static_assert(is_metric<m::recall<>>);
static_assert(is_metric<m::f1<>>);
static_assert(is_metric<m::precision<of_class<2>>>);
static_assert(is_metric<m::recall<binary>>);
static_assert(is_metric<m::f1<of_class<0>>>);
static_assert(is_metric<m::mse>);
static_assert(is_metric<m::mae>);
static_assert(is_metric<m::r2>);
static_assert(!htune::concepts::metric<no_role, float>);
static_assert(m::accuracy::higher_is_better && m::f1<>::higher_is_better && m::precision<>::higher_is_better &&
              m::recall<>::higher_is_better);

// Example A of test_metrics_confusion.cpp: true 0 0 0 1 1 2 2 2, argmax 0 0 1 1 1 2 0 0 (three ties).
namespace {
std::vector<std::int32_t> const truth_a = {0, 0, 0, 1, 1, 2, 2, 2};

template <class T>
std::vector<T> scores_a() {
    return {T(0.5), T(0.5), T(0.0), T(2.0), T(-1.0), T(0.5), T(0.1), T(0.7), T(0.2), T(-3),  T(-1),  T(-2),
            T(0.2), T(0.4), T(0.4), T(0),   T(0),    T(1),   T(0.4), T(0.2), T(0.4), T(0.6), T(0.3), T(0.1)};
}

// Binary example: true 1 0 1 1 0 0, predicted 1 0 0 1 1 1.
// Class 1: tp 2, predicted 4, support 3 -> P 1/2, R 2/3, F1 4/7; class 0: P 1/2, R 1/3, F1 2/5.
std::vector<std::int32_t> const truth_d = {1, 0, 1, 1, 0, 0};
template <class T>
std::vector<T> scores_d() {
    return {T(-1), T(2), T(0.9), T(0.1), T(0.5), T(0.5), T(0.2), T(0.8), T(0.3), T(0.7), T(0.4), T(0.6)};
}
} // namespace

TEST_CASE_TEMPLATE("metrics::accuracy counts argmax hits, ties to the first maximum", T, float, double) {
    auto const s = scores_a<T>();
    htune::batch_view<T const> const out{s.data(), 8, 3};
    auto const y = htune::labels_of<T>(truth_a);
    CHECK(m::accuracy{}(out, y) == 0.625);

    // Every row tied: the first column wins everywhere, so only class-0 samples count.
    std::vector<T> flat(24, T(0.25));
    CHECK(m::accuracy{}(htune::batch_view<T const>{flat.data(), 8, 3}, y) == 3.0 / 8);

    // The first rows only (a short last batch).
    CHECK(m::accuracy{}(htune::batch_view<T const>{s.data(), 2, 3}, htune::labels_of<T>(std::span(truth_a).first(2))) ==
          1.0);
}

TEST_CASE_TEMPLATE("metrics::precision, recall, f1: macro averages match scikit-learn", T, float, double) {
    auto const s = scores_a<T>();
    htune::batch_view<T const> const out{s.data(), 8, 3};
    auto const y = htune::labels_of<T>(truth_a);
    CHECK(m::precision<>{}(out, y) == doctest::Approx(0.7222222222222222));
    CHECK(m::recall<>{}(out, y) == doctest::Approx(0.6666666666666666));
    CHECK(m::f1<>{}(out, y) == doctest::Approx(0.6238095238095238));
    CHECK(m::f1<m::average::macro>{}(out, y) == m::f1<>{}(out, y));

    // The same numbers as the confusion matrix of the same data.
    m::confusion_matrix const cm(out, truth_a, 3);
    CHECK(m::precision<>{}(out, y) == cm.macro_precision());
    CHECK(m::recall<>{}(out, y) == cm.macro_recall());
    CHECK(m::f1<>{}(out, y) == cm.macro_f1());
}

TEST_CASE_TEMPLATE("metrics::precision, recall, f1 of one class", T, float, double) {
    auto const s = scores_a<T>();
    htune::batch_view<T const> const out{s.data(), 8, 3};
    auto const y = htune::labels_of<T>(truth_a);
    CHECK(m::precision<of_class<0>>{}(out, y) == doctest::Approx(0.5));
    CHECK(m::precision<of_class<1>>{}(out, y) == doctest::Approx(2.0 / 3));
    CHECK(m::precision<of_class<2>>{}(out, y) == doctest::Approx(1.0));
    CHECK(m::recall<of_class<0>>{}(out, y) == doctest::Approx(2.0 / 3));
    CHECK(m::recall<of_class<1>>{}(out, y) == doctest::Approx(1.0));
    CHECK(m::recall<of_class<2>>{}(out, y) == doctest::Approx(1.0 / 3));
    CHECK(m::f1<of_class<0>>{}(out, y) == doctest::Approx(4.0 / 7));
    CHECK(m::f1<of_class<1>>{}(out, y) == doctest::Approx(0.8));
    CHECK(m::f1<of_class<2>>{}(out, y) == doctest::Approx(0.5));

    auto const d = scores_d<T>();
    htune::batch_view<T const> const out_d{d.data(), 6, 2};
    auto const y_d = htune::labels_of<T>(truth_d);
    CHECK(m::precision<binary>{}(out_d, y_d) == doctest::Approx(0.5));
    CHECK(m::recall<binary>{}(out_d, y_d) == doctest::Approx(2.0 / 3));
    CHECK(m::f1<binary>{}(out_d, y_d) == doctest::Approx(4.0 / 7));
    CHECK(m::precision<of_class<0>>{}(out_d, y_d) == doctest::Approx(0.5));
    CHECK(m::recall<of_class<0>>{}(out_d, y_d) == doctest::Approx(1.0 / 3));
    CHECK(m::f1<of_class<0>>{}(out_d, y_d) == doctest::Approx(0.4));
    CHECK(m::f1<>{}(out_d, y_d) == doctest::Approx(0.4857142857142857));
    CHECK(m::accuracy{}(out_d, y_d) == doctest::Approx(0.5));
}

TEST_CASE_TEMPLATE("metrics: a class never predicted or never true scores 0 (zero_division=0)", T, float, double) {
    // Three classes; every sample is predicted 0 or 1. True: 0 1 2 2.
    std::vector<T> const s = {T(1), T(0), T(0), T(0), T(1), T(0), T(0), T(1), T(0), T(0), T(1), T(0)};
    std::vector<std::int32_t> const truth = {0, 1, 2, 2};
    htune::batch_view<T const> const out{s.data(), 4, 3};
    auto const y = htune::labels_of<T>(truth);
    CHECK(m::precision<of_class<2>>{}(out, y) == 0.0);
    CHECK(m::recall<of_class<2>>{}(out, y) == 0.0);
    CHECK(m::f1<of_class<2>>{}(out, y) == 0.0);
    CHECK(m::precision<>{}(out, y) == doctest::Approx(4.0 / 9));
    CHECK(m::recall<>{}(out, y) == doctest::Approx(2.0 / 3));
    CHECK(m::f1<>{}(out, y) == doctest::Approx(0.5));

    // A fourth column that no sample is, or is predicted as, stays out of the macro average.
    std::vector<T> const s4 = {T(1), T(0), T(0), T(-1), T(0), T(1), T(0), T(-1),
                               T(0), T(1), T(0), T(-1), T(0), T(1), T(0), T(-1)};
    htune::batch_view<T const> const out4{s4.data(), 4, 4};
    CHECK(m::f1<of_class<3>>{}(out4, y) == 0.0);
    CHECK(m::precision<>{}(out4, y) == m::precision<>{}(out, y));
    CHECK(m::f1<>{}(out4, y) == m::f1<>{}(out, y));
}

TEST_CASE_TEMPLATE("metrics: classification errors name the sample, the value and both sizes", T, float, double) {
    auto const s = scores_a<T>();
    htune::batch_view<T const> const out{s.data(), 8, 3};
    std::vector<std::int32_t> labels = truth_a;
    labels[2] = -1;
    auto const bad = htune::labels_of<T>(labels);
    CHECK_THROWS_WITH_AS(m::accuracy{}(out, bad),
                         "htune::metrics::accuracy: label -1 of sample 2 is out of range [0, 3)", htune::data_error);
    labels[2] = 3;
    CHECK_THROWS_WITH_AS(m::f1<>{}(out, bad), "htune::metrics::f1: label 3 of sample 2 is out of range [0, 3)",
                         htune::data_error);
    CHECK_THROWS_WITH_AS(m::precision<of_class<1>>{}(out, bad),
                         "htune::metrics::precision: label 3 of sample 2 is out of range [0, 3)", htune::data_error);

    auto const seven = htune::labels_of<T>(std::span(truth_a).first(7));
    CHECK_THROWS_WITH_AS(m::accuracy{}(out, seven),
                         "htune::metrics::accuracy: outputs have shape (8, 3) but there are 7 labels",
                         htune::shape_error);
    CHECK_THROWS_WITH_AS(m::recall<>{}(out, seven),
                         "htune::metrics::recall: outputs have shape (8, 3) but there are 7 labels",
                         htune::shape_error);

    auto const y = htune::labels_of<T>(truth_a);
    CHECK_THROWS_WITH_AS(m::f1<of_class<3>>{}(out, y), "htune::metrics::f1: class 3 out of range [0, 3)",
                         htune::invalid_argument);
    CHECK_THROWS_WITH_AS(m::accuracy{}(htune::batch_view<T const>{s.data(), 8, 1}, y),
                         "htune::metrics::accuracy: outputs have shape (8, 1); need one score column per "
                         "class, at least 2",
                         htune::shape_error);
    CHECK_THROWS_WITH_AS(
        m::accuracy{}(htune::batch_view<T const>{s.data(), 0, 3}, htune::labels_of<T>(std::span<std::int32_t const>{})),
        "htune::metrics::accuracy: no samples", htune::invalid_argument);
    CHECK_THROWS_WITH_AS(m::accuracy{}(out, htune::values_of<T>(out)),
                         "htune::metrics::accuracy: needs class labels, got real-valued targets",
                         htune::invalid_argument);
}
