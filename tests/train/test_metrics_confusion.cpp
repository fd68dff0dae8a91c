#include <doctest/doctest.h>

#include <htune/metrics/confusion.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <vector>

// Example A, worked by hand (and equal to scikit-learn's definitions with zero_division=0):
//   true      0 0 0 1 1 2 2 2
//   predicted 0 0 1 1 1 2 0 0     (the argmax of the scores below, ties to the first maximum)
//   matrix (rows true)  [2 1 0]  [0 2 0]  [2 0 1]
//   precision 2/4 2/3 1/1, recall 2/3 2/2 1/3, f1 2*2/(4+3) 2*2/(3+2) 2*1/(1+3), accuracy 5/8
namespace {
std::vector<std::int32_t> const truth_a = {0, 0, 0, 1, 1, 2, 2, 2};
std::vector<std::int32_t> const predicted_a = {0, 0, 1, 1, 1, 2, 0, 0};

template <class T>
std::vector<T> scores_a() {
    return {T(0.5), T(0.5),  T(0.0), // tie between 0 and 1 -> 0
            T(2.0), T(-1.0), T(0.5), // logits
            T(0.1), T(0.7),  T(0.2), //
            T(-3),  T(-1),   T(-2),  // all negative
            T(0.2), T(0.4),  T(0.4), // tie between 1 and 2 -> 1
            T(0),   T(0),    T(1),   //
            T(0.4), T(0.2),  T(0.4), // tie between 0 and 2 -> 0
            T(0.6), T(0.3),  T(0.1)};
}
} // namespace

TEST_CASE_TEMPLATE("confusion_matrix from scores uses the first maximum of each row", T, float, double) {
    auto const s = scores_a<T>();
    htune::batch_view<T const> const scores{s.data(), 8, 3};
    htune::metrics::confusion_matrix const m(scores, truth_a, 3);
    CHECK(m == htune::metrics::confusion_matrix(predicted_a, truth_a, 3));

    CHECK(m.classes() == 3);
    CHECK(m.total() == 8);
    std::size_t const expected[3][3] = {{2, 1, 0}, {0, 2, 0}, {2, 0, 1}};
    for (std::size_t t = 0; t < 3; ++t)
        for (std::size_t p = 0; p < 3; ++p) CHECK(m.count(t, p) == expected[t][p]);
    CHECK(m.counts().size() == 9);
    CHECK(m.counts()[6] == 2);

    CHECK(m.support(0) == 3);
    CHECK(m.support(1) == 2);
    CHECK(m.support(2) == 3);
    CHECK(m.predicted(0) == 4);
    CHECK(m.predicted(1) == 3);
    CHECK(m.predicted(2) == 1);

    CHECK(m.precision(0) == doctest::Approx(0.5));
    CHECK(m.precision(1) == doctest::Approx(2.0 / 3));
    CHECK(m.precision(2) == doctest::Approx(1.0));
    CHECK(m.recall(0) == doctest::Approx(2.0 / 3));
    CHECK(m.recall(1) == doctest::Approx(1.0));
    CHECK(m.recall(2) == doctest::Approx(1.0 / 3));
    CHECK(m.f1(0) == doctest::Approx(4.0 / 7));
    CHECK(m.f1(1) == doctest::Approx(0.8));
    CHECK(m.f1(2) == doctest::Approx(0.5));

    CHECK(m.macro_precision() == doctest::Approx(0.7222222222222222));
    CHECK(m.macro_recall() == doctest::Approx(0.6666666666666666));
    CHECK(m.macro_f1() == doctest::Approx(0.6238095238095238));
    CHECK(m.correct() == 5);
    CHECK(m.accuracy() == 0.625);
    CHECK(m.micro_precision() == 0.625);
    CHECK(m.micro_recall() == 0.625);
    CHECK(m.micro_f1() == 0.625);
}

TEST_CASE("confusion_matrix: the macro F1 is the mean of the per-class F1, not the F1 of the means") {
    htune::metrics::confusion_matrix const m(predicted_a, truth_a, 3);
    double const p = m.macro_precision(), r = m.macro_recall();
    CHECK(m.macro_f1() != doctest::Approx(2 * p * r / (p + r)));
}

TEST_CASE("confusion_matrix: empty classes count 0 and are left out of the macro averages") {
    // true 0 0 1 1, predicted 0 2 1 1, four classes: class 2 is predicted but never true, class 3 is
    // absent from both. scikit-learn (labels = union {0, 1, 2}) gives macro P 2/3, R 1/2, F1 5/9.
    std::vector<std::int32_t> const truth = {0, 0, 1, 1}, predicted = {0, 2, 1, 1};
    htune::metrics::confusion_matrix const m(predicted, truth, 4);
    CHECK(m.precision(2) == 0.0); // predicted once, wrongly
    CHECK(m.recall(2) == 0.0);    // no support: zero_division = 0
    CHECK(m.f1(2) == 0.0);
    CHECK(m.precision(3) == 0.0); // never predicted: zero_division = 0
    CHECK(m.recall(3) == 0.0);
    CHECK(m.f1(3) == 0.0);
    CHECK(m.support(3) == 0);
    CHECK(m.macro_precision() == doctest::Approx(2.0 / 3));
    CHECK(m.macro_recall() == doctest::Approx(0.5));
    CHECK(m.macro_f1() == doctest::Approx(5.0 / 9));
    CHECK(m.accuracy() == 0.75);

    // A class with support that is never predicted: precision 0 by zero_division, recall 0.
    std::vector<std::int32_t> const truth_c = {0, 1, 2, 2}, predicted_c = {0, 1, 1, 1};
    htune::metrics::confusion_matrix const c(predicted_c, truth_c, 3);
    CHECK(c.precision(2) == 0.0);
    CHECK(c.recall(2) == 0.0);
    CHECK(c.macro_precision() == doctest::Approx(4.0 / 9));
    CHECK(c.macro_recall() == doctest::Approx(2.0 / 3));
    CHECK(c.macro_f1() == doctest::Approx(0.5));
}

TEST_CASE("confusion_matrix: an empty matrix scores 0 everywhere and accumulates with add and +=") {
    htune::metrics::confusion_matrix m(3);
    CHECK(m.total() == 0);
    CHECK(m.accuracy() == 0.0);
    CHECK(m.macro_precision() == 0.0);
    CHECK(m.macro_recall() == 0.0);
    CHECK(m.macro_f1() == 0.0);
    CHECK(m.f1(1) == 0.0);

    // Two halves of example A add up to the whole.
    for (std::size_t i = 0; i < 4; ++i)
        m.add(static_cast<std::size_t>(truth_a[i]), static_cast<std::size_t>(predicted_a[i]));
    htune::metrics::confusion_matrix rest(3);
    for (std::size_t i = 4; i < 8; ++i)
        rest.add(static_cast<std::size_t>(truth_a[i]), static_cast<std::size_t>(predicted_a[i]));
    m += rest;
    CHECK(m == htune::metrics::confusion_matrix(predicted_a, truth_a, 3));

    htune::metrics::confusion_matrix const d;
    CHECK(d.classes() == 0);
    CHECK(d.accuracy() == 0.0);
}

TEST_CASE_TEMPLATE("confusion_matrix: NaN scores never win the argmax", T, float, double) {
    T const nan = std::numeric_limits<T>::quiet_NaN();
    T const row_a[] = {nan, T(0.2), T(0.7)};
    T const row_b[] = {T(0.9), nan, T(0.1)};
    T const row_c[] = {nan, nan, nan};
    CHECK(htune::metrics::argmax(row_a, 3) == 2);
    CHECK(htune::metrics::argmax(row_b, 3) == 0);
    CHECK(htune::metrics::argmax(row_c, 3) == 0);
    T const tie[] = {T(1), T(3), T(3), T(3)};
    CHECK(htune::metrics::argmax(tie, 4) == 1);
}

TEST_CASE("confusion_matrix prints an aligned table") {
    htune::metrics::confusion_matrix const m(predicted_a, truth_a, 3);
    std::ostringstream os;
    os.precision(2); // the caller's settings neither change the table nor are changed by it
    os << m;
    CHECK(os.str() == "true\\pred | 0 1 2 | support precision recall    f1\n"
                      "        0 | 2 1 0 |       3     0.500  0.667 0.571\n"
                      "        1 | 0 2 0 |       2     0.667  1.000 0.800\n"
                      "        2 | 2 0 1 |       3     1.000  0.333 0.500\n"
                      "accuracy 0.625 (5 of 8), macro precision 0.722, recall 0.667, f1 0.624\n");
    CHECK(os.precision() == 2);
    CHECK((os.flags() & std::ios_base::fixed) == 0);

    // Counts wider than the class indices widen every count column alike.
    htune::metrics::confusion_matrix big(2);
    for (int i = 0; i < 120; ++i) big.add(0, 0);
    big.add(1, 0);
    std::ostringstream ob;
    ob << big;
    CHECK(ob.str() == "true\\pred |   0   1 | support precision recall    f1\n"
                      "        0 | 120   0 |     120     0.992  1.000 0.996\n"
                      "        1 |   1   0 |       1     0.000  0.000 0.000\n"
                      "accuracy 0.992 (120 of 121), macro precision 0.496, recall 0.500, f1 0.498\n");
}

TEST_CASE_TEMPLATE("confusion_matrix errors name the sample, the value and both sizes", T, float, double) {
    using htune::metrics::confusion_matrix;
    std::vector<std::int32_t> const truth = {0, 1, 2}, bad_truth = {0, 1, -1}, bad_pred = {0, 3, 1};
    std::vector<std::int32_t> const short_pred = {0, 1};
    CHECK_THROWS_WITH_AS(confusion_matrix(truth, bad_truth, 3),
                         "htune::metrics::confusion_matrix: true label -1 of sample 2 is out of range [0, 3)",
                         htune::data_error);
    CHECK_THROWS_WITH_AS(confusion_matrix(bad_pred, truth, 3),
                         "htune::metrics::confusion_matrix: predicted label 3 of sample 1 is out of range "
                         "[0, 3)",
                         htune::data_error);
    CHECK_THROWS_WITH_AS(confusion_matrix(short_pred, truth, 3),
                         "htune::metrics::confusion_matrix: 2 predicted labels but 3 true labels", htune::shape_error);
    CHECK_THROWS_AS(confusion_matrix(0), htune::invalid_argument);

    auto const s = scores_a<T>();
    htune::batch_view<T const> const scores{s.data(), 8, 3};
    std::vector<std::int32_t> const seven(truth_a.begin(), truth_a.end() - 1);
    auto from_scores = [&](std::span<std::int32_t const> labels, std::size_t classes) {
        return confusion_matrix(scores, labels, classes);
    };
    CHECK_THROWS_WITH_AS(from_scores(seven, 3),
                         "htune::metrics::confusion_matrix: scores have shape (8, 3) but there are 7 labels "
                         "and 3 classes",
                         htune::shape_error);
    CHECK_THROWS_WITH_AS(from_scores(truth_a, 4),
                         "htune::metrics::confusion_matrix: scores have shape (8, 3) but there are 8 labels "
                         "and 4 classes",
                         htune::shape_error);
    std::vector<std::int32_t> labels = truth_a;
    labels[5] = 7;
    CHECK_THROWS_WITH_AS(from_scores(labels, 3),
                         "htune::metrics::confusion_matrix: true label 7 of sample 5 is out of range [0, 3)",
                         htune::data_error);

    confusion_matrix m(3);
    CHECK_THROWS_WITH_AS(m.count(3, 0), "htune::metrics::confusion_matrix::count: (3, 0) out of range [0, 3)",
                         htune::invalid_argument);
    CHECK_THROWS_WITH_AS(m.precision(5), "htune::metrics::confusion_matrix::precision: class 5 out of range [0, 3)",
                         htune::invalid_argument);
    CHECK_THROWS_AS(m.add(0, 3), htune::invalid_argument);
    CHECK_THROWS_WITH_AS(m += confusion_matrix(2),
                         "htune::metrics::confusion_matrix::operator+=: 3 classes and 2 classes", htune::shape_error);
}
