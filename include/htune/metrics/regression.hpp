#pragma once
// Regression metrics over every target column: mse and mae (lower is better), r2 (higher is better).
//
// Outputs and targets have the same shape, one row per sample. Sums run in double whatever T is,
// so a float network on a large validation set loses no digits to accumulation.
// mse and mae average over all entries; r2 averages the per-column scores (scikit-learn's
// multioutput="uniform_average"; the two agree for mse and mae, where every column has as many rows).

#include <cmath>
#include <cstddef>
#include <string_view>

#include "../core/errors.hpp"
#include "../core/roles.hpp"
#include "../core/targets.hpp"
#include "../core/tensor.hpp"

namespace htune::metrics {

namespace detail {

template <class T>
void check_regression(std::string_view who, batch_view<T const> out, targets<T> const& y) {
    HTUNE_CHECK(y.labels.empty(), who, ": needs real-valued targets, got ", y.labels.size(), " class labels");
    HTUNE_CHECK_AS(::htune::shape_error, out.rows == y.values.rows && out.cols == y.values.cols, who,
                   ": outputs have shape (", out.rows, ", ", out.cols, ") but targets have shape (", y.values.rows,
                   ", ", y.values.cols, ")");
    HTUNE_CHECK(out.size() > 0, who, ": no values (outputs have shape (", out.rows, ", ", out.cols, "))");
}

// Mean of f(output - target) over all entries.
template <class T, class F>
double mean_of_errors(batch_view<T const> out, batch_view<T const> y, F f) {
    double sum = 0.0;
    for (std::size_t i = 0; i < out.size(); ++i)
        sum += f(static_cast<double>(out.data[i]) - static_cast<double>(y.data[i]));
    return sum / static_cast<double>(out.size());
}

} // namespace detail

// Mean squared error.
struct mse {
    using htune_role = role::metric;
    static constexpr bool higher_is_better = false;

    template <class T>
    double operator()(batch_view<T const> out, targets<T> const& y) const {
        detail::check_regression("htune::metrics::mse", out, y);
        return detail::mean_of_errors(out, y.values, [](double e) { return e * e; });
    }
};

// Mean absolute error.
struct mae {
    using htune_role = role::metric;
    static constexpr bool higher_is_better = false;

    template <class T>
    double operator()(batch_view<T const> out, targets<T> const& y) const {
        detail::check_regression("htune::metrics::mae", out, y);
        return detail::mean_of_errors(out, y.values, [](double e) { return std::abs(e); });
    }
};

// Coefficient of determination, 1 - SS_res / SS_tot per column, averaged over the columns.
// A column whose targets are all equal has SS_tot = 0: its score is 1 if the predictions match
// exactly and 0 otherwise (scikit-learn's force_finite=True). The test is equality with the first
// target, not SS_tot == 0, because a rounded mean can leave a tiny SS_tot for a constant column.
struct r2 {
    using htune_role = role::metric;
    static constexpr bool higher_is_better = true;

    template <class T>
    double operator()(batch_view<T const> out, targets<T> const& y) const {
        detail::check_regression("htune::metrics::r2", out, y);
        auto const& v = y.values;
        double score_sum = 0.0;
        // Column by column, two passes: strided, but allocation-free and without the cancellation
        // of the one-pass sum-of-squares formula.
        for (std::size_t c = 0; c < v.cols; ++c) {
            double mean = 0.0;
            bool constant = true;
            for (std::size_t i = 0; i < v.rows; ++i) {
                mean += static_cast<double>(v(i, c));
                constant = constant && v(i, c) == v(0, c);
            }
            mean /= static_cast<double>(v.rows);
            double ss_res = 0.0, ss_tot = 0.0;
            for (std::size_t i = 0; i < v.rows; ++i) {
                double const target = static_cast<double>(v(i, c));
                double const e = static_cast<double>(out(i, c)) - target;
                ss_res += e * e;
                ss_tot += (target - mean) * (target - mean);
            }
            if (constant) // NaN predictions stay NaN, so a diverged model is not scored 0 quietly
                score_sum += ss_res == 0.0 ? 1.0 : std::isnan(ss_res) ? ss_res : 0.0;
            else score_sum += 1.0 - ss_res / ss_tot;
        }
        return score_sum / static_cast<double>(v.cols);
    }
};

} // namespace htune::metrics
