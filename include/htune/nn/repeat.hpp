#pragma once
// repeat<Count, Block>: Block applied Count times in a row, each copy with its own parameters.
// Count is a count slot, so a tuner can make the depth of a model a hyperparameter without a new
// instantiation per depth:
//   nn::sequential<nn::repeat<hp<"depth">{}, nn::sequential<nn::dense<hp<"width">{}>, nn::relu>>, nn::dense<10>>
// Every copy shares Block's spec (one width for all); the copies differ only in their weights.
// Count 0 is the identity.

#include <cstddef>
#include <span>
#include <vector>

#include "../core/concepts/layer.hpp"
#include "../core/errors.hpp"
#include "../core/hp.hpp"
#include "../core/roles.hpp"
#include "../core/slots.hpp"
#include "../core/tensor.hpp"
#include "shape.hpp"

namespace htune::nn {

template <class T, class Block>
class repeat_layer;

template <auto Count, class Block>
struct repeat {
    static_assert(has_role<Block, role::layer> || holds_hp_v<Block>,
                  "htune::nn::repeat<Count, Block>: Block must be a layer (declare `using htune_role = "
                  "htune::role::layer;` and `template <class T> using impl = ...;`); see docs/concepts/layer.md");
    using htune_role = role::layer;
    template <class T>
    using impl = repeat_layer<T, Block>;

    std::size_t count = slot_count<Count>();
    Block block{};

    // Binding hook (core/slots.hpp): the depth is a number slot, the block a type slot.
    void htune_slots(auto&& visit) { visit(number_slot<Count, "nn::repeat count">(count), block); }
    using type_slots = type_list<Block>;
    template <class B>
    using with_type_slots = repeat<Count, B>;
};

template <class T, class Block>
class repeat_layer {
    using block_type = typename Block::template impl<T>;

public:
    template <auto Count>
    explicit repeat_layer(repeat<Count, Block> const& spec) {
        m_blocks.reserve(spec.count);
        for (std::size_t i = 0; i < spec.count; ++i) m_blocks.emplace_back(spec.block);
        m_inputs.resize(spec.count);
    }

    shape setup(shape in, std::size_t max_batch) {
        for (auto& b : m_blocks) in = b.setup(in, max_batch);
        return in;
    }

    std::size_t param_count() const noexcept {
        std::size_t n = 0;
        for (auto const& b : m_blocks) n += b.param_count();
        return n;
    }
    // Weights of a composite are not one block; the network asks each copy (for_each_layer).
    std::size_t weight_count() const noexcept { return 0; }

    void bind(std::span<T> params, std::span<T> grads) {
        std::size_t offset = 0;
        for (auto& b : m_blocks) {
            std::size_t const n = b.param_count();
            b.bind(params.subspan(offset, n), grads.subspan(offset, n));
            offset += n;
        }
    }

    void init(rng& g) {
        for (auto& b : m_blocks) b.init(g);
    }

    batch_view<T const> forward(batch_view<T const> in, context& ctx) {
        for (std::size_t i = 0; i < m_blocks.size(); ++i) {
            m_inputs[i] = in;
            in = m_blocks[i].forward(in, ctx);
        }
        return in;
    }

    // Every copy but the first passes its input gradient on; the first only when asked.
    batch_view<T const> backward(batch_view<T const> in, batch_view<T const> grad_out, bool need_input_grad) {
        if (m_blocks.empty()) return need_input_grad ? grad_out : batch_view<T const>{};
        HTUNE_ASSERT(in.data == m_inputs[0].data);
        (void)in;
        for (std::size_t i = m_blocks.size(); i-- > 0;)
            grad_out = m_blocks[i].backward(m_inputs[i], grad_out, i > 0 || need_input_grad);
        return grad_out;
    }

    template <class F>
    void for_each_layer(F&& f) {
        for (auto& b : m_blocks) f(b);
    }
    template <class F>
    void for_each_layer(F&& f) const {
        for (auto const& b : m_blocks) f(b);
    }

    std::size_t size() const noexcept { return m_blocks.size(); }

private:
    std::vector<block_type> m_blocks;
    std::vector<batch_view<T const>> m_inputs;
};

} // namespace htune::nn
