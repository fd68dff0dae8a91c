#pragma once
// Inverted dropout: in training each value is kept with probability 1 - rate and scaled by
// 1 / (1 - rate), so evaluation is the identity and needs no rescaling.

#include <cstddef>
#include <span>

#include "../core/concepts/layer.hpp"
#include "../core/errors.hpp"
#include "../core/hp.hpp"
#include "../core/rng.hpp"
#include "../core/roles.hpp"
#include "../core/tensor.hpp"
#include "parameterless.hpp"
#include "shape.hpp"

namespace htune::nn {

template <class T>
class dropout_layer;

template <auto Rate = 0.5>
struct dropout {
    using htune_role = role::layer;
    template <class T>
    using impl = dropout_layer<T>;
    double rate = htune::detail::slot_number<double, Rate>();
};

template <class T>
class dropout_layer : public parameterless<T> {
public:
    template <auto Rate>
    explicit dropout_layer(dropout<Rate> const& spec) : m_rate(spec.rate) {
        HTUNE_CHECK(m_rate >= 0.0 && m_rate < 1.0, "htune::nn::dropout: rate (", m_rate, ") must be in [0, 1)");
    }

    shape setup(shape in, std::size_t max_batch) {
        m_out.resize({max_batch, in.size()});
        m_mask.resize({max_batch, in.size()});
        m_grad_in.resize({max_batch, in.size()});
        return in;
    }

    batch_view<T const> forward(batch_view<T const> in, context& ctx) {
        m_active = ctx.training && m_rate > 0.0;
        if (!m_active) return in;
        HTUNE_CHECK(ctx.generator != nullptr, "htune::nn::dropout: training needs a generator in the context");
        detail::check_batch("dropout", in, m_out);
        auto out = rows_of(m_out, in.rows);
        T const keep_scale = static_cast<T>(1.0 / (1.0 - m_rate));
        // Compare 53-bit draws against an integer threshold: one generator call per value.
        auto const threshold = static_cast<std::uint64_t>(m_rate * 0x1.0p64);
        T* mask = m_mask.data();
        rng& g = *ctx.generator;
        for (std::size_t i = 0; i < in.size(); ++i) {
            mask[i] = g() >= threshold ? keep_scale : T(0);
            out.data[i] = in.data[i] * mask[i];
        }
        return out;
    }

    batch_view<T const> backward(batch_view<T const>, batch_view<T const> grad_out, bool need_input_grad) {
        if (!need_input_grad) return {};
        if (!m_active) return grad_out;
        auto grad_in = rows_of(m_grad_in, grad_out.rows);
        T const* mask = m_mask.data();
        for (std::size_t i = 0; i < grad_out.size(); ++i) grad_in.data[i] = grad_out.data[i] * mask[i];
        return grad_in;
    }

    double rate() const noexcept { return m_rate; }

private:
    double m_rate;
    bool m_active = false;
    tensor<T, 2> m_out;
    tensor<T, 2> m_mask;
    tensor<T, 2> m_grad_in;
};

} // namespace htune::nn
