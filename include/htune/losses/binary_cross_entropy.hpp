#pragma once
// Binary cross-entropy on probabilities (after nn::sigmoid), targets in [0, 1], averaged over every
// output value; log is clamped at -100 as torch.nn.BCELoss does, so p = 0 or 1 stays finite.

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "../core/concepts/loss.hpp"
#include "../core/errors.hpp"
#include "../core/roles.hpp"
#include "../core/tensor.hpp"
#include "targets.hpp"

namespace htune::losses {

struct binary_cross_entropy {
    using htune_role = role::loss;
    using target_kind = real_values;

    template <class T>
    T value(batch_view<T const> out, targets<T> const& y) const {
        check(out, y);
        double total = 0;
        for (std::size_t i = 0; i < out.size(); ++i) {
            double const p = out.data[i];
            double const t = y.values.data[i];
            total -= t * clamped_log(p) + (1 - t) * clamped_log(1 - p);
        }
        return static_cast<T>(total / static_cast<double>(out.size()));
    }

    template <class T>
    T value_and_gradient(batch_view<T const> out, targets<T> const& y, batch_view<T> grad) const {
        T const v = value(out, y);
        double const inv_n = 1.0 / static_cast<double>(out.size());
        constexpr double eps = 1e-12; // keeps the gradient finite at p = 0 or 1
        for (std::size_t i = 0; i < out.size(); ++i) {
            double const p = std::clamp(static_cast<double>(out.data[i]), eps, 1 - eps);
            double const t = y.values.data[i];
            grad.data[i] = static_cast<T>(inv_n * (p - t) / (p * (1 - p)));
        }
        return v;
    }

private:
    static double clamped_log(double p) { return std::max(std::log(p), -100.0); }

    template <class T>
    static void check(batch_view<T const> out, targets<T> const& y) {
        HTUNE_CHECK_AS(shape_error, y.values.rows == out.rows && y.values.cols == out.cols,
                       "htune::losses::binary_cross_entropy: outputs (", out.rows, ", ", out.cols, ") and targets (",
                       y.values.rows, ", ", y.values.cols, ") differ in shape");
    }
};

static_assert(concepts::loss<binary_cross_entropy>);

} // namespace htune::losses
