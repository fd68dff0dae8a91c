#pragma once
// network<T, Model>: a model (any layer, usually a sequential) with its parameters and gradients
// in two flat buffers. One flat buffer lets an optimizer update every parameter in a single
// vectorised loop, and regularizers visit the weight blocks without knowing the layers.

#include <cstddef>
#include <span>
#include <utility>
#include <vector>

#include "../core/concepts/layer.hpp"
#include "../core/errors.hpp"
#include "../core/rng.hpp"
#include "../core/tensor.hpp"
#include "shape.hpp"

namespace htune::nn {

// A block of weights (to be regularised) inside the flat parameter buffer.
struct param_block {
    std::size_t offset = 0;
    std::size_t size = 0;
};

namespace detail {
template <class Layer>
void collect_weight_blocks(Layer const& layer, std::size_t& offset, std::vector<param_block>& out) {
    if constexpr (requires { layer.for_each_layer([](auto const&) {}); }) {
        layer.for_each_layer([&](auto const& inner) { collect_weight_blocks(inner, offset, out); });
    } else {
        if (layer.weight_count() > 0) out.push_back({offset, layer.weight_count()});
        offset += layer.param_count();
    }
}
} // namespace detail

template <class T, class Model>
class network {
    static_assert(has_role<Model, role::layer>,
                  "htune::nn::network<T, Model>: Model is not a layer (use nn::sequential<...> or a type with "
                  "`using htune_role = htune::role::layer;`); see docs/concepts/layer.md");
    static_assert(concepts::layer<Model, T>,
                  "htune::nn::network<T, Model>: Model::impl<T> does not meet the layer contract; see "
                  "docs/concepts/layer.md");

public:
    using value_type = T;
    using layer_type = typename Model::template impl<T>;

    // Builds the layers for samples of `input` shape and batches of up to max_batch rows, and
    // initialises the parameters from `g`.
    network(Model const& model, shape input, std::size_t max_batch, rng& g) : m_layer(model) {
        HTUNE_CHECK(max_batch > 0, "htune::nn::network: max_batch must be > 0");
        HTUNE_CHECK_AS(shape_error, input.size() > 0, "htune::nn::network: empty input shape ", input);
        m_input_shape = input;
        m_output_shape = m_layer.setup(input, max_batch);
        m_max_batch = max_batch;
        std::size_t const n = m_layer.param_count();
        m_params.assign(n, T(0));
        m_grads.assign(n, T(0));
        m_params_view = std::span<T>(m_params);
        m_layer.bind(m_params_view, std::span<T>(m_grads));
        m_layer.init(g);
        std::size_t offset = 0;
        detail::collect_weight_blocks(m_layer, offset, m_weight_blocks);
    }

    // Layers hold spans into the buffers: copying would alias them. Moving keeps the buffers.
    network(network const&) = delete;
    network& operator=(network const&) = delete;
    network(network&&) noexcept = default;
    network& operator=(network&&) noexcept = default;

    batch_view<T const> forward(batch_view<T const> in, context& ctx) {
        HTUNE_CHECK_AS(shape_error, in.cols == m_input_shape.size() && in.rows <= m_max_batch,
                       "htune::nn::network: got a batch (", in.rows, ", ", in.cols, "), expected at most (",
                       m_max_batch, ", ", m_input_shape.size(), ") for samples of shape ", m_input_shape);
        return m_layer.forward(in, ctx);
    }

    // Gradients of all parameters for the last forward pass, given d loss / d output.
    void backward(batch_view<T const> in, batch_view<T const> grad_out) { m_layer.backward(in, grad_out, false); }

    // From now on computes with `owner`'s parameters (which must outlive this network, and be
    // of a network of the same model and input shape) and keeps only its own gradients and
    // activations: a replica for one thread's share of a batch.
    void share_parameters_of(network& owner) {
        HTUNE_CHECK_AS(shape_error,
                       owner.m_input_shape == m_input_shape && owner.m_params_view.size() == m_grads.size(),
                       "htune::nn::network::share_parameters_of: the networks differ (", owner.m_params_view.size(),
                       " and ", m_grads.size(), " parameters)");
        m_layer.bind(owner.m_params_view, std::span<T>(m_grads));
        m_params_view = owner.m_params_view;
        std::vector<T>().swap(m_params);
    }

    std::span<T> params() noexcept { return m_params_view; }
    std::span<T const> params() const noexcept { return m_params_view; }
    std::span<T> grads() noexcept { return m_grads; }
    std::span<T const> grads() const noexcept { return m_grads; }
    std::span<param_block const> weight_blocks() const noexcept { return m_weight_blocks; }

    shape input_shape() const noexcept { return m_input_shape; }
    shape output_shape() const noexcept { return m_output_shape; }
    std::size_t max_batch() const noexcept { return m_max_batch; }
    layer_type& layers() noexcept { return m_layer; }
    layer_type const& layers() const noexcept { return m_layer; }

private:
    layer_type m_layer;
    shape m_input_shape;
    shape m_output_shape;
    std::size_t m_max_batch = 0;
    std::vector<T> m_params; // empty once the network shares another's
    std::vector<T> m_grads;
    std::span<T> m_params_view; // m_params, or the shared ones (moving a vector keeps its buffer)
    std::vector<param_block> m_weight_blocks;
};

} // namespace htune::nn
