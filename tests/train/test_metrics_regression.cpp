#include <doctest/doctest.h>

#include <htune/metrics/regression.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "tolerances.hpp"

namespace m = htune::metrics;

// Worked by hand (and equal to scikit-learn's definitions):
//   targets [[1, 0.5], [2, 1.5], [3, -1], [4, 2]], outputs [[1.5, 0.5], [2, 1], [2, -0.5], [4.5, 3]]
//   errors 0.5 0 | 0 -0.5 | -1 0.5 | 0.5 1: mse 3/8, mae 4/8
//   column 0: mean 2.5, SS_tot 5, SS_res 1.5 -> r2 0.7; column 1: mean 0.75, SS_tot 5.25, SS_res 1.5 -> 5/7
namespace {
template <class T>
std::vector<T> targets_r() {
    return {T(1), T(0.5), T(2), T(1.5), T(3), T(-1), T(4), T(2)};
}
template <class T>
std::vector<T> outputs_r() {
    return {T(1.5), T(0.5), T(2), T(1), T(2), T(-0.5), T(4.5), T(3)};
}
} // namespace

TEST_CASE_TEMPLATE("metrics::mse, mae and r2 average over every target column", T, float, double) {
    static_assert(!m::mse::higher_is_better && !m::mae::higher_is_better && m::r2::higher_is_better);
    auto const t = targets_r<T>();
    auto const o = outputs_r<T>();
    htune::batch_view<T const> const out{o.data(), 4, 2};
    auto const y = htune::values_of<T>(htune::batch_view<T const>{t.data(), 4, 2});
    double const tol = htune::test::tolerances<T>::value;
    CHECK(m::mse{}(out, y) == doctest::Approx(0.375).epsilon(tol));
    CHECK(m::mae{}(out, y) == doctest::Approx(0.5).epsilon(tol));
    CHECK(m::r2{}(out, y) == doctest::Approx((0.7 + 5.0 / 7) / 2).epsilon(tol));

    // One column alone (a stride of 2 through the same buffer is not a view we have; copy it).
    std::vector<T> t0, o0;
    for (std::size_t i = 0; i < 4; ++i) {
        t0.push_back(t[2 * i]);
        o0.push_back(o[2 * i]);
    }
    auto const y0 = htune::values_of<T>(htune::batch_view<T const>{t0.data(), 4, 1});
    htune::batch_view<T const> const out0{o0.data(), 4, 1};
    CHECK(m::r2{}(out0, y0) == doctest::Approx(0.7).epsilon(tol));
    CHECK(m::mse{}(out0, y0) == doctest::Approx(1.5 / 4).epsilon(tol));

    // Perfect predictions.
    CHECK(m::mse{}(htune::batch_view<T const>{t.data(), 4, 2}, y) == 0.0);
    CHECK(m::mae{}(htune::batch_view<T const>{t.data(), 4, 2}, y) == 0.0);
    CHECK(m::r2{}(htune::batch_view<T const>{t.data(), 4, 2}, y) == 1.0);

    // Predicting the column means scores 0; worse than that is negative.
    std::vector<T> means = {T(2.5), T(0.75), T(2.5), T(0.75), T(2.5), T(0.75), T(2.5), T(0.75)};
    CHECK(m::r2{}(htune::batch_view<T const>{means.data(), 4, 2}, y) == doctest::Approx(0.0).epsilon(tol));
    std::vector<T> bad = {T(4), T(2), T(3), T(-1), T(2), T(1.5), T(1), T(0.5)};
    CHECK(m::r2{}(htune::batch_view<T const>{bad.data(), 4, 2}, y) < 0.0);
}

TEST_CASE_TEMPLATE("metrics::r2 of constant targets is 1 when exact, else 0 (scikit-learn)", T, float, double) {
    // Column 0 varies (r2 0.7 as above); column 1 is constant 0.1, whose rounded mean is not 0.1.
    std::vector<T> const t = {T(1), T(0.1), T(2), T(0.1), T(3), T(0.1), T(4), T(0.1)};
    std::vector<T> exact = {T(1.5), T(0.1), T(2), T(0.1), T(2), T(0.1), T(4.5), T(0.1)};
    auto const y = htune::values_of<T>(htune::batch_view<T const>{t.data(), 4, 2});
    double const tol = htune::test::tolerances<T>::value;
    CHECK(m::r2{}(htune::batch_view<T const>{exact.data(), 4, 2}, y) == doctest::Approx((0.7 + 1.0) / 2).epsilon(tol));
    auto off = exact;
    off[3] = T(0.2);
    CHECK(m::r2{}(htune::batch_view<T const>{off.data(), 4, 2}, y) == doctest::Approx((0.7 + 0.0) / 2).epsilon(tol));

    // A single sample is a constant column too.
    T const one_t[] = {T(3)}, one_o[] = {T(2)};
    auto const y1 = htune::values_of<T>(htune::batch_view<T const>{one_t, 1, 1});
    CHECK(m::r2{}(htune::batch_view<T const>{one_t, 1, 1}, y1) == 1.0);
    CHECK(m::r2{}(htune::batch_view<T const>{one_o, 1, 1}, y1) == 0.0);

    // A diverged model stays NaN rather than scoring 0.
    off[3] = std::numeric_limits<T>::quiet_NaN();
    CHECK(std::isnan(m::r2{}(htune::batch_view<T const>{off.data(), 4, 2}, y)));
    CHECK(std::isnan(m::mse{}(htune::batch_view<T const>{off.data(), 4, 2}, y)));
}

TEST_CASE_TEMPLATE("metrics: regression errors print both shapes", T, float, double) {
    auto const t = targets_r<T>();
    auto const o = outputs_r<T>();
    htune::batch_view<T const> const out{o.data(), 4, 2};
    auto const y_cols = htune::values_of<T>(htune::batch_view<T const>{t.data(), 8, 1});
    CHECK_THROWS_WITH_AS(m::mse{}(out, y_cols),
                         "htune::metrics::mse: outputs have shape (4, 2) but targets have shape (8, 1)",
                         htune::shape_error);
    auto const y_rows = htune::values_of<T>(htune::batch_view<T const>{t.data(), 3, 2});
    CHECK_THROWS_WITH_AS(m::r2{}(out, y_rows),
                         "htune::metrics::r2: outputs have shape (4, 2) but targets have shape (3, 2)",
                         htune::shape_error);
    std::vector<std::int32_t> const labels = {0, 1, 0, 1};
    CHECK_THROWS_WITH_AS(m::mae{}(out, htune::labels_of<T>(labels)),
                         "htune::metrics::mae: needs real-valued targets, got 4 class labels", htune::invalid_argument);
    auto const empty = htune::values_of<T>(htune::batch_view<T const>{t.data(), 0, 2});
    CHECK_THROWS_WITH_AS(m::mse{}(htune::batch_view<T const>{o.data(), 0, 2}, empty),
                         "htune::metrics::mse: no values (outputs have shape (0, 2))", htune::invalid_argument);
}
