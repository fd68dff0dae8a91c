#pragma once
// Mean squared error over every output value (as torch.nn.MSELoss with reduction "mean").

#include <cstddef>

#include "../core/concepts/loss.hpp"
#include "../core/errors.hpp"
#include "../core/roles.hpp"
#include "../core/tensor.hpp"
#include "targets.hpp"

namespace htune::losses {

struct mse {
    using htune_role = role::loss;
    using target_kind = real_values;

    template <class T>
    T value(batch_view<T const> out, targets<T> const& y) const {
        check(out, y);
        double total = 0;
        for (std::size_t i = 0; i < out.size(); ++i) {
            double const d = static_cast<double>(out.data[i]) - static_cast<double>(y.values.data[i]);
            total += d * d;
        }
        return static_cast<T>(total / static_cast<double>(out.size()));
    }

    template <class T>
    T value_and_gradient(batch_view<T const> out, targets<T> const& y, batch_view<T> grad) const {
        T const scale = T(2) / static_cast<T>(out.size());
        for (std::size_t i = 0; i < out.size(); ++i) grad.data[i] = scale * (out.data[i] - y.values.data[i]);
        return value(out, y);
    }

private:
    template <class T>
    static void check(batch_view<T const> out, targets<T> const& y) {
        HTUNE_CHECK_AS(shape_error, y.values.rows == out.rows && y.values.cols == out.cols,
                       "htune::losses::mse: outputs (", out.rows, ", ", out.cols, ") and targets (", y.values.rows,
                       ", ", y.values.cols, ") differ in shape");
    }
};

static_assert(concepts::loss<mse>);

} // namespace htune::losses
