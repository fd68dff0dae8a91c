#pragma once
//! The layer role.
//!
//! A layer is a small value type (the spec, e.g. nn::dense<128>) naming a run-time layer type
//! per value type T: `typename Spec::template impl<T>`, constructible from the spec. The run-time
//! layer L satisfies, for batch views of rows = samples, cols = features of one sample (NCHW
//! samples are stored flat, C*H*W per row):
//!  1. `shape setup(shape in, std::size_t max_batch)` (htune::shape, also nn::shape): checks the input sample shape,
//!     sizes every buffer for max_batch rows once, returns the output sample shape.
//!  2. `std::size_t param_count() const` and `std::size_t weight_count() const` (after setup):
//!     how many parameters it has; the first weight_count are weights (regularised), the rest
//!     biases and the like.
//!  3. `void bind(std::span<T> params, std::span<T> grads)`: the network's flat buffers, sized
//!     param_count, that hold its parameters and their gradients.
//!  4. `void init(rng&)`: fills its parameters (reproducible from the generator).
//!  5. `batch_view<T const> forward(batch_view<T const> in, forward_context&)` (nn::context): output rows for the
//!     input rows (in.rows <= max_batch); never allocates.
//!  6. `batch_view<T const> backward(batch_view<T const> in, batch_view<T const> grad_out,
//!     bool need_input_grad)`: after forward on the same input, writes the parameter gradients
//!     (overwriting) and, if asked, returns the gradient with respect to the input.
//! See docs/concepts/layer.md for a minimal conforming layer.

#include <cstddef>
#include <span>

#include "../forward_context.hpp"
#include "../rng.hpp"
#include "../roles.hpp"
#include "../shape.hpp"
#include "../tensor.hpp"

namespace htune::concepts {

template <class L, class T>
concept layer_impl = requires(L& l, L const& cl, shape const& s, std::size_t n, std::span<T> p, rng& g,
                              batch_view<T const> in, forward_context& ctx, bool flag) {
    { l.setup(s, n) } -> std::same_as<shape>;
    { cl.param_count() } -> std::convertible_to<std::size_t>;
    { cl.weight_count() } -> std::convertible_to<std::size_t>;
    l.bind(p, p);
    l.init(g);
    { l.forward(in, ctx) } -> std::same_as<batch_view<T const>>;
    { l.backward(in, in, flag) } -> std::same_as<batch_view<T const>>;
};

template <class S>
concept layer_spec = has_role<S, role::layer> && requires { typename S::template impl<float>; } &&
                     requires { typename S::template impl<double>; };

template <class S, class T>
concept layer = layer_spec<S> && layer_impl<typename S::template impl<T>, T> &&
                std::constructible_from<typename S::template impl<T>, S const&>;

} // namespace htune::concepts
