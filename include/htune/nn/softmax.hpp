#pragma once
// Row-wise softmax. As the last layer before cross_entropy, the trainer fuses both into one
// numerically stable softmax-cross-entropy on the logits; alone it is a layer like any other.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>

#include "../core/concepts/layer.hpp"
#include "../core/errors.hpp"
#include "../core/roles.hpp"
#include "../core/tensor.hpp"
#include "parameterless.hpp"
#include "shape.hpp"

namespace htune::nn {

namespace detail {
// Writes softmax(row) into out, subtracting the row maximum so exp never overflows.
template <class T>
void softmax_row(T const* x, T* out, std::size_t n) noexcept {
    T const m = *std::max_element(x, x + n);
    T sum = 0;
    for (std::size_t c = 0; c < n; ++c) {
        out[c] = std::exp(x[c] - m);
        sum += out[c];
    }
    T const inv = T(1) / sum;
    for (std::size_t c = 0; c < n; ++c) out[c] *= inv;
}
} // namespace detail

template <class T>
class softmax_layer;

struct softmax {
    using htune_role = role::layer;
    template <class T>
    using impl = softmax_layer<T>;
};

template <class T>
class softmax_layer : public parameterless<T> {
public:
    explicit softmax_layer(softmax const&) {}

    shape setup(shape in, std::size_t max_batch) {
        HTUNE_CHECK_AS(shape_error, in.rank == 1, "htune::nn::softmax: input sample shape ", in, " has rank ", in.rank,
                       "; softmax takes rank-1 samples (class scores)");
        m_out.resize({max_batch, in[0]});
        m_grad_in.resize({max_batch, in[0]});
        return in;
    }

    batch_view<T const> forward(batch_view<T const> in, context&) {
        detail::check_batch("softmax", in, m_out);
        auto out = rows_of(m_out, in.rows);
        for (std::size_t r = 0; r < in.rows; ++r) detail::softmax_row(in.row(r), out.row(r), in.cols);
        return out;
    }

    // d in_j = y_j * (g_j - sum_k g_k y_k)
    batch_view<T const> backward(batch_view<T const>, batch_view<T const> grad_out, bool need_input_grad) {
        if (!need_input_grad) return {};
        auto grad_in = rows_of(m_grad_in, grad_out.rows);
        std::size_t const n = grad_out.cols;
        for (std::size_t r = 0; r < grad_out.rows; ++r) {
            T const* g = grad_out.row(r);
            T const* y = m_out.data() + r * n;
            T dot = 0;
            for (std::size_t c = 0; c < n; ++c) dot += g[c] * y[c];
            T* d = grad_in.row(r);
            for (std::size_t c = 0; c < n; ++c) d[c] = y[c] * (g[c] - dot);
        }
        return grad_in;
    }

private:
    tensor<T, 2> m_out;
    tensor<T, 2> m_grad_in;
};

} // namespace htune::nn
