#pragma once
// Cross-entropy losses for classification, averaged over the batch.
//  - softmax_cross_entropy takes logits: log-sum-exp with the row maximum subtracted, so it is
//    stable for any logits; its gradient is (softmax - onehot) / n.
//  - cross_entropy takes probabilities (after a softmax layer). When a model ends in nn::softmax,
//    the trainer skips that layer while training and uses softmax_cross_entropy on the logits:
//    the same loss, with none of the precision lost in log(softmax).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "../core/concepts/loss.hpp"
#include "../core/errors.hpp"
#include "../core/roles.hpp"
#include "../core/tensor.hpp"
#include "targets.hpp"

namespace htune::losses {

namespace detail {
template <class T>
void check_labels(char const* who, batch_view<T const> out, targets<T> const& y) {
    HTUNE_CHECK_AS(shape_error, y.labels.size() == out.rows, "htune::losses::", who, ": ", out.rows,
                   " output rows but ", y.labels.size(), " labels");
}
template <class T>
std::size_t label_at(char const* who, targets<T> const& y, std::size_t r, std::size_t classes) {
    auto const label = y.labels[r];
    if (label < 0 || static_cast<std::size_t>(label) >= classes)
        htune::detail::throw_error<data_error>("htune::losses::", who, ": label ", label, " of row ", r,
                                               " is outside [0, ", classes, ")");
    return static_cast<std::size_t>(label);
}
} // namespace detail

struct softmax_cross_entropy {
    using htune_role = role::loss;
    using target_kind = class_labels;

    template <class T>
    T value(batch_view<T const> out, targets<T> const& y) const {
        return compute<T>(out, y, nullptr);
    }
    template <class T>
    T value_and_gradient(batch_view<T const> out, targets<T> const& y, batch_view<T> grad) const {
        return compute<T>(out, y, &grad);
    }

private:
    template <class T>
    static T compute(batch_view<T const> out, targets<T> const& y, batch_view<T>* grad) {
        detail::check_labels("softmax_cross_entropy", out, y);
        std::size_t const k = out.cols;
        T const inv_n = T(1) / static_cast<T>(out.rows);
        double total = 0;
        for (std::size_t r = 0; r < out.rows; ++r) {
            T const* z = out.row(r);
            std::size_t const label = detail::label_at("softmax_cross_entropy", y, r, k);
            T const m = *std::max_element(z, z + k);
            T sum = 0;
            if (grad) {
                T* g = grad->row(r);
                for (std::size_t c = 0; c < k; ++c) sum += (g[c] = std::exp(z[c] - m));
                T const scale = inv_n / sum;
                for (std::size_t c = 0; c < k; ++c) g[c] *= scale;
                g[label] -= inv_n;
            } else {
                for (std::size_t c = 0; c < k; ++c) sum += std::exp(z[c] - m);
            }
            total += static_cast<double>(std::log(sum) + m - z[label]);
        }
        return static_cast<T>(total / static_cast<double>(out.rows));
    }
};

struct cross_entropy {
    using htune_role = role::loss;
    using target_kind = class_labels;

    template <class T>
    T value(batch_view<T const> out, targets<T> const& y) const {
        return compute<T>(out, y, nullptr);
    }
    template <class T>
    T value_and_gradient(batch_view<T const> out, targets<T> const& y, batch_view<T> grad) const {
        return compute<T>(out, y, &grad);
    }

private:
    // Probabilities are clamped away from 0 so that log and 1/p stay finite.
    template <class T>
    static T compute(batch_view<T const> out, targets<T> const& y, batch_view<T>* grad) {
        detail::check_labels("cross_entropy", out, y);
        T const tiny = std::numeric_limits<T>::min();
        T const inv_n = T(1) / static_cast<T>(out.rows);
        double total = 0;
        for (std::size_t r = 0; r < out.rows; ++r) {
            std::size_t const label = detail::label_at("cross_entropy", y, r, out.cols);
            T const p = std::max(out.row(r)[label], tiny);
            total -= static_cast<double>(std::log(p));
            if (grad) {
                T* g = grad->row(r);
                std::fill_n(g, out.cols, T(0));
                g[label] = -inv_n / p;
            }
        }
        return static_cast<T>(total / static_cast<double>(out.rows));
    }
};

static_assert(concepts::loss<softmax_cross_entropy> && concepts::loss<cross_entropy, double>);

} // namespace htune::losses
