#pragma once
// one_of<L...>: one layer out of several, picked at run time by `index`. The run-time layer holds
// the chosen alternative in a std::variant and branches once per call (once per batch in forward
// and in backward), never per element: a choice of activations in every layer of a deep model
// compiles to one trainer instead of one per combination. A tuner builds it from
// hp_switch<"name">; it also serves on its own:
//   nn::sequential<nn::dense<64>, nn::one_of<nn::relu, nn::tanh>, nn::dense<10>> model;
//   std::get<1>(model.layers).index = 1; // tanh

#include <cstddef>
#include <span>
#include <tuple>
#include <utility>
#include <variant>

#include "../core/concepts/layer.hpp"
#include "../core/dispatch.hpp"
#include "../core/errors.hpp"
#include "../core/hp.hpp"
#include "../core/roles.hpp"
#include "../core/slots.hpp"
#include "../core/tensor.hpp"
#include "shape.hpp"

namespace htune::nn {

template <class T, class... Specs>
class one_of_layer;

template <class... Specs>
struct one_of {
    static_assert(sizeof...(Specs) > 0, "htune::nn::one_of: give at least one layer");
    // An alternative given as a pattern (holding hp<"name">) is resolved by a tuner first.
    static_assert(((has_role<Specs, role::layer> || holds_hp_v<Specs>) && ...),
                  "htune::nn::one_of<L...>: every L must be a layer (declare `using htune_role = "
                  "htune::role::layer;` and `template <class T> using impl = ...;`); see docs/concepts/layer.md");
    using htune_role = role::layer;
    template <class T>
    using impl = one_of_layer<T, Specs...>;

    std::size_t index = 0;               // which alternative the layer is
    std::tuple<Specs...> alternatives{}; // their specs (widths, rates, ...)
};

} // namespace htune::nn

// hp_switch<"name"> over layers (core/slots.hpp).
template <class... Specs>
struct htune::switch_over<htune::role::layer, Specs...> {
    using type = htune::nn::one_of<Specs...>;
};

namespace htune::nn {

template <class T, class... Specs>
class one_of_layer {
    using variant_type = std::variant<typename Specs::template impl<T>...>;

    static variant_type make(one_of<Specs...> const& spec) {
        HTUNE_CHECK(spec.index < sizeof...(Specs), "htune::nn::one_of: index (", spec.index,
                    ") must be below the number of alternatives (", sizeof...(Specs), ")");
        return with_index<sizeof...(Specs)>(spec.index, [&](auto i) {
            return variant_type(std::in_place_index<i.value>, std::get<i.value>(spec.alternatives));
        });
    }

public:
    explicit one_of_layer(one_of<Specs...> const& spec) : m_layer(make(spec)) {}

    shape setup(shape in, std::size_t max_batch) {
        return std::visit([&](auto& l) { return l.setup(in, max_batch); }, m_layer);
    }
    std::size_t param_count() const noexcept {
        return std::visit([](auto const& l) -> std::size_t { return l.param_count(); }, m_layer);
    }
    std::size_t weight_count() const noexcept {
        return std::visit([](auto const& l) -> std::size_t { return l.weight_count(); }, m_layer);
    }
    void bind(std::span<T> params, std::span<T> grads) {
        std::visit([&](auto& l) { l.bind(params, grads); }, m_layer);
    }
    void init(rng& g) {
        std::visit([&](auto& l) { l.init(g); }, m_layer);
    }
    batch_view<T const> forward(batch_view<T const> in, context& ctx) {
        return std::visit([&](auto& l) { return l.forward(in, ctx); }, m_layer);
    }
    batch_view<T const> backward(batch_view<T const> in, batch_view<T const> grad_out, bool need_input_grad) {
        return std::visit([&](auto& l) { return l.backward(in, grad_out, need_input_grad); }, m_layer);
    }

    // The network finds weight blocks through this: the chosen layer stands for the whole.
    template <class F>
    void for_each_layer(F&& f) {
        std::visit([&](auto& l) { f(l); }, m_layer);
    }
    template <class F>
    void for_each_layer(F&& f) const {
        std::visit([&](auto const& l) { f(l); }, m_layer);
    }

    std::size_t index() const noexcept { return m_layer.index(); }

private:
    variant_type m_layer;
};

} // namespace htune::nn
