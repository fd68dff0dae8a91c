#pragma once
// sequential<L...>: layers applied in order. It is itself a layer, so it nests (in another
// sequential, a repeat or a one_of); shapes are inferred at setup from the input sample shape.

#include <array>
#include <cstddef>
#include <span>
#include <tuple>
#include <utility>

#include "../core/concepts/layer.hpp"
#include "../core/errors.hpp"
#include "../core/hp.hpp"
#include "../core/roles.hpp"
#include "../core/slots.hpp"
#include "../core/tensor.hpp"
#include "shape.hpp"

namespace htune::nn {

template <class T, class... Specs>
class sequential_layer;

template <class... Specs>
struct sequential {
    static_assert(sizeof...(Specs) > 0, "htune::nn::sequential: give at least one layer");
    // A layer given as hp<"name"> is resolved by a tuner before the model is built; until then
    // only the other layers are checked.
    static_assert(((has_role<Specs, role::layer> || holds_hp_v<Specs>) && ...),
                  "htune::nn::sequential<L...>: every L must be a layer (declare `using htune_role = "
                  "htune::role::layer;` and `template <class T> using impl = ...;`); see docs/concepts/layer.md");
    static_assert(((holds_hp_v<Specs> || concepts::layer<Specs, float>) && ...),
                  "htune::nn::sequential<L...>: a layer's impl<T> does not meet the layer contract (setup, "
                  "param_count, weight_count, bind, init, forward, backward); see docs/concepts/layer.md");
    using htune_role = role::layer;
    template <class T>
    using impl = sequential_layer<T, Specs...>;

    std::tuple<Specs...> layers{};

    void htune_slots(auto&& visit) { visit(layers); }
};

template <class T, class... Specs>
class sequential_layer {
    static constexpr std::size_t count = sizeof...(Specs);

public:
    explicit sequential_layer(sequential<Specs...> const& spec)
        : m_layers(std::apply([](auto const&... s) { return std::tuple<typename Specs::template impl<T>...>(s...); },
                              spec.layers)) {}

    shape setup(shape in, std::size_t max_batch) {
        for_each_indexed([&](auto& layer, std::size_t i) {
            m_shapes[i] = in;
            in = layer.setup(in, max_batch);
        });
        m_shapes[count] = in;
        return in;
    }

    std::size_t param_count() const noexcept {
        return std::apply([](auto const&... l) { return (std::size_t{0} + ... + l.param_count()); }, m_layers);
    }
    // Weights of a composite are not one block; the network asks each member (for_each_layer).
    std::size_t weight_count() const noexcept { return 0; }

    void bind(std::span<T> params, std::span<T> grads) {
        std::size_t offset = 0;
        for_each_indexed([&](auto& layer, std::size_t) {
            std::size_t const n = layer.param_count();
            layer.bind(params.subspan(offset, n), grads.subspan(offset, n));
            offset += n;
        });
    }

    void init(rng& g) {
        for_each_indexed([&](auto& layer, std::size_t) { layer.init(g); });
    }

    batch_view<T const> forward(batch_view<T const> in, context& ctx) {
        for_each_indexed([&](auto& layer, std::size_t i) {
            m_inputs[i] = in;
            in = layer.forward(in, ctx);
        });
        return in;
    }

    // Layers before the first one with parameters need no input gradient unless the caller asks.
    batch_view<T const> backward(batch_view<T const> in, batch_view<T const> grad_out, bool need_input_grad) {
        HTUNE_ASSERT(in.data == m_inputs[0].data);
        (void)in;
        backward_from<count - 1>(grad_out, need_input_grad);
        return m_grad_in;
    }

    // Visits the member layers in order (used to find weight blocks and for inspection).
    template <class F>
    void for_each_layer(F&& f) {
        std::apply([&](auto&... l) { (f(l), ...); }, m_layers);
    }
    template <class F>
    void for_each_layer(F&& f) const {
        std::apply([&](auto const&... l) { (f(l), ...); }, m_layers);
    }

    shape input_shape(std::size_t i) const noexcept { return m_shapes[i]; }
    shape output_shape() const noexcept { return m_shapes[count]; }

    template <std::size_t I>
    auto& layer() noexcept {
        return std::get<I>(m_layers);
    }

private:
    template <class F>
    void for_each_indexed(F&& f) {
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (f(std::get<I>(m_layers), I), ...);
        }(std::index_sequence_for<Specs...>{});
    }

    template <std::size_t I>
    void backward_from(batch_view<T const> grad_out, bool need_input_grad) {
        // Layer I needs to produce an input gradient if anything before it has parameters,
        // or if the caller wants the gradient of the whole block.
        bool const need = I > 0 ? (need_input_grad || params_before<I>()) : need_input_grad;
        auto grad_in = std::get<I>(m_layers).backward(m_inputs[I], grad_out, need);
        if constexpr (I > 0) {
            if (need) backward_from<I - 1>(grad_in, need_input_grad);
            else m_grad_in = {};
        } else {
            m_grad_in = grad_in;
        }
    }

    template <std::size_t I>
    bool params_before() const noexcept {
        return [&]<std::size_t... J>(std::index_sequence<J...>) {
            return (std::size_t{0} + ... + std::get<J>(m_layers).param_count()) > 0;
        }(std::make_index_sequence<I>{});
    }

    std::tuple<typename Specs::template impl<T>...> m_layers;
    std::array<batch_view<T const>, count> m_inputs{};
    std::array<shape, count + 1> m_shapes{};
    batch_view<T const> m_grad_in{};
};

} // namespace htune::nn
