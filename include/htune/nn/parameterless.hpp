#pragma once
// Shared pieces of layers without parameters (activations, softmax, dropout, flatten).

#include <cstddef>
#include <span>

#include "../core/errors.hpp"
#include "../core/rng.hpp"
#include "../core/tensor.hpp"

namespace htune::nn {

// The parameter part of the layer contract for a layer that has none.
template <class T>
struct parameterless {
    std::size_t param_count() const noexcept { return 0; }
    std::size_t weight_count() const noexcept { return 0; }
    void bind(std::span<T>, std::span<T>) {}
    void init(rng&) {}
};

namespace detail {
// A batch fits a layer's buffer: as many columns, at most as many rows.
template <class T, class U>
void check_batch(char const* layer, batch_view<T const> in, tensor<U, 2> const& buffer) {
    HTUNE_CHECK_AS(shape_error, in.cols == buffer.shape()[1] && in.rows <= buffer.shape()[0], "htune::nn::", layer,
                   ": got a batch (", in.rows, ", ", in.cols, "), expected at most (", buffer.shape()[0], ", ",
                   buffer.shape()[1], ")");
}
} // namespace detail

} // namespace htune::nn
