#pragma once
// Flatten: (C, H, W) samples become rank-1 samples of C*H*W values. Samples are already stored
// flat, one per row, so this layer only changes the shape it reports and copies nothing.

#include <cstddef>
#include <span>

#include "../core/concepts/layer.hpp"
#include "../core/roles.hpp"
#include "../core/tensor.hpp"
#include "parameterless.hpp"
#include "shape.hpp"

namespace htune::nn {

template <class T>
class flatten_layer;

struct flatten {
    using htune_role = role::layer;
    template <class T>
    using impl = flatten_layer<T>;
};

template <class T>
class flatten_layer : public parameterless<T> {
public:
    explicit flatten_layer(flatten const&) {}
    shape setup(shape in, std::size_t) { return shape{in.size()}; }
    batch_view<T const> forward(batch_view<T const> in, context&) { return in; }
    batch_view<T const> backward(batch_view<T const>, batch_view<T const> grad_out, bool need_input_grad) {
        return need_input_grad ? grad_out : batch_view<T const>{};
    }
};

} // namespace htune::nn
