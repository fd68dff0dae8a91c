#pragma once
// Per-feature scaling, fitted on training data and applied unchanged to validation and test data
// (fitting on all of it would leak their statistics into training).
//
// Both scalers reduce to x' = (x - shift) * factor per feature; statistics are accumulated in
// double whatever T is. A constant feature gets a unit range, so it maps to a constant, never NaN.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <vector>

#include "../core/errors.hpp"
#include "../core/roles.hpp"
#include "../core/tensor.hpp"
#include "dataset.hpp"

namespace htune::data {

namespace detail {

// Per-feature shift and factor, and the checks and loops both scalers share.
template <class T>
class affine_scaler {
public:
    bool fitted() const noexcept { return !m_shift.empty(); }
    std::size_t feature_count() const noexcept { return m_shift.size(); }

protected:
    void apply(batch_view<T> x, char const* component) const {
        check(x.cols, component);
        for (std::size_t r = 0; r < x.rows; ++r) {
            T* row = x.row(r);
            for (std::size_t c = 0; c < x.cols; ++c) row[c] = (row[c] - m_shift[c]) * m_factor[c];
        }
    }
    void unapply(batch_view<T> x, char const* component) const {
        check(x.cols, component);
        for (std::size_t r = 0; r < x.rows; ++r) {
            T* row = x.row(r);
            for (std::size_t c = 0; c < x.cols; ++c) row[c] = row[c] / m_factor[c] + m_shift[c];
        }
    }

    // Column-wise min, max, mean and (population) variance in one pass per statistic.
    struct stats {
        std::vector<double> min, max, mean, var;
    };
    static stats compute(batch_view<T const> x, char const* component) {
        HTUNE_CHECK_AS(data_error, x.rows > 0 && x.cols > 0, component, "fit: the data has ", x.rows, " samples and ",
                       x.cols, " features; need at least one of each");
        stats s{std::vector<double>(x.row(0), x.row(0) + x.cols), std::vector<double>(x.row(0), x.row(0) + x.cols),
                std::vector<double>(x.cols, 0.0), std::vector<double>(x.cols, 0.0)};
        for (std::size_t r = 0; r < x.rows; ++r) {
            T const* row = x.row(r);
            for (std::size_t c = 0; c < x.cols; ++c) {
                double const v = row[c];
                s.min[c] = std::min(s.min[c], v);
                s.max[c] = std::max(s.max[c], v);
                s.mean[c] += v;
            }
        }
        for (auto& m : s.mean) m /= static_cast<double>(x.rows);
        for (std::size_t r = 0; r < x.rows; ++r) {
            T const* row = x.row(r);
            for (std::size_t c = 0; c < x.cols; ++c) {
                double const d = row[c] - s.mean[c];
                s.var[c] += d * d;
            }
        }
        for (auto& v : s.var) v /= static_cast<double>(x.rows);
        return s;
    }

    void check(std::size_t cols, char const* component) const {
        HTUNE_CHECK(fitted(), component, "transform called before fit");
        HTUNE_CHECK_AS(shape_error, cols == feature_count(), component, "fitted on ", feature_count(),
                       " features, cannot transform data with ", cols, " features");
    }

    std::vector<T> m_shift;
    std::vector<T> m_factor;
};

} // namespace detail

// Standardises each feature to mean 0 and standard deviation 1: x' = (x - mean) / std.
template <class T>
class standard_scaler : public detail::affine_scaler<T> {
    static constexpr char const* component = "htune::data::standard_scaler: ";

public:
    standard_scaler& fit(batch_view<T const> x) {
        auto const s = this->compute(x, component);
        this->m_shift.assign(x.cols, T{});
        this->m_factor.assign(x.cols, T{1});
        m_mean = tensor<T, 1>(std::array<std::size_t, 1>{x.cols});
        m_scale = tensor<T, 1>(std::array<std::size_t, 1>{x.cols});
        for (std::size_t c = 0; c < x.cols; ++c) {
            bool const constant = s.min[c] == s.max[c];
            double const sd = constant ? 0.0 : std::sqrt(s.var[c]);
            double const scale = sd > 0 ? sd : 1.0;
            // A constant column is shifted by its exact value, so it becomes exactly 0.
            this->m_shift[c] = static_cast<T>(constant ? s.min[c] : s.mean[c]);
            this->m_factor[c] = static_cast<T>(1.0 / scale);
            m_mean(c) = this->m_shift[c];
            m_scale(c) = static_cast<T>(scale);
        }
        return *this;
    }
    standard_scaler& fit(tensor<T, 2> const& x) { return fit(all_rows(x)); }
    standard_scaler& fit(dataset<T> const& d) { return fit(all_rows(d.features)); }

    void transform(batch_view<T> x) const { this->apply(x, component); }
    void transform(tensor<T, 2>& x) const { transform(all_rows(x)); }
    void transform(dataset<T>& d) const { transform(all_rows(d.features)); }

    void fit_transform(tensor<T, 2>& x) { fit(x).transform(x); }
    void fit_transform(dataset<T>& d) { fit(d).transform(d); }

    void inverse_transform(batch_view<T> x) const { this->unapply(x, component); }
    void inverse_transform(tensor<T, 2>& x) const { inverse_transform(all_rows(x)); }

    tensor<T, 1> const& mean() const noexcept { return m_mean; }
    tensor<T, 1> const& scale() const noexcept { return m_scale; } // 1 for a constant feature

private:
    tensor<T, 1> m_mean;
    tensor<T, 1> m_scale;
};

// Maps each feature's [min, max] on the fitted data to [low, high] (default [0, 1]).
template <class T>
class minmax_scaler : public detail::affine_scaler<T> {
    static constexpr char const* component = "htune::data::minmax_scaler: ";

public:
    explicit minmax_scaler(T low = T{0}, T high = T{1}) : m_low(low), m_high(high) {
        HTUNE_CHECK(low < high, component, "feature range low (", low, ") must be < high (", high, ")");
    }

    minmax_scaler& fit(batch_view<T const> x) {
        auto const s = this->compute(x, component);
        this->m_shift.assign(x.cols, T{});
        this->m_factor.assign(x.cols, T{1});
        m_min = tensor<T, 1>(std::array<std::size_t, 1>{x.cols});
        m_max = tensor<T, 1>(std::array<std::size_t, 1>{x.cols});
        double const width = static_cast<double>(m_high) - static_cast<double>(m_low);
        for (std::size_t c = 0; c < x.cols; ++c) {
            double const range = s.max[c] > s.min[c] ? s.max[c] - s.min[c] : 1.0;
            // x' = (x - min) * width / range + low, written as (x - shift) * factor.
            double const factor = width / range;
            this->m_shift[c] = static_cast<T>(s.min[c] - static_cast<double>(m_low) / factor);
            this->m_factor[c] = static_cast<T>(factor);
            m_min(c) = static_cast<T>(s.min[c]);
            m_max(c) = static_cast<T>(s.max[c]);
        }
        return *this;
    }
    minmax_scaler& fit(tensor<T, 2> const& x) { return fit(all_rows(x)); }
    minmax_scaler& fit(dataset<T> const& d) { return fit(all_rows(d.features)); }

    void transform(batch_view<T> x) const { this->apply(x, component); }
    void transform(tensor<T, 2>& x) const { transform(all_rows(x)); }
    void transform(dataset<T>& d) const { transform(all_rows(d.features)); }

    void fit_transform(tensor<T, 2>& x) { fit(x).transform(x); }
    void fit_transform(dataset<T>& d) { fit(d).transform(d); }

    void inverse_transform(batch_view<T> x) const { this->unapply(x, component); }
    void inverse_transform(tensor<T, 2>& x) const { inverse_transform(all_rows(x)); }

    tensor<T, 1> const& data_min() const noexcept { return m_min; }
    tensor<T, 1> const& data_max() const noexcept { return m_max; }
    T low() const noexcept { return m_low; }
    T high() const noexcept { return m_high; }

private:
    T m_low;
    T m_high;
    tensor<T, 1> m_min;
    tensor<T, 1> m_max;
};

// Preprocessing as a role of a tuner's pipeline (tune::tuner<space, trainer, data::standardize>):
// a policy whose `fitter<T>()` makes a scaler that is fitted on each fold's training rows alone and
// transforms that fold's training and validation rows, and, when the best config is refit, is
// fitted on all training rows and transforms the test set. Scaling the whole training set before
// cross-validation instead would leak the validation rows' statistics into the scaler. A policy of
// your own: the role tag and a fitter<T>() whose result has fit(dataset<T> const&) and
// transform(dataset<T>&) const.
struct standardize {
    using htune_role = role::preprocessing;
    template <class T>
    standard_scaler<T> fitter() const {
        return standard_scaler<T>{};
    }
};

// Each feature's [min, max] on the fitted rows mapped to [low, high].
struct min_max {
    using htune_role = role::preprocessing;
    double low = 0.0;
    double high = 1.0;
    template <class T>
    minmax_scaler<T> fitter() const {
        return minmax_scaler<T>(static_cast<T>(low), static_cast<T>(high));
    }
};

} // namespace htune::data
