#pragma once
// Inverted dropout: in training each value is kept with probability 1 - rate and scaled by
// 1 / (1 - rate), so evaluation is the identity and needs no rescaling.
//
// The keep/drop decisions are counter-based: one 64-bit key per batch from the context's
// generator, and value i is kept when a 32-bit hash of (key, i) reaches the rate's threshold. A
// generator that steps once per value is a serial chain (about 3 ns a value, which made dropout
// 11% of an epoch of a 784-224-10 MLP); the hash of independent counters vectorises.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "../core/concepts/layer.hpp"
#include "../core/errors.hpp"
#include "../core/hp.hpp"
#include "../core/rng.hpp"
#include "../core/roles.hpp"
#include "../core/slots.hpp"
#include "../core/tensor.hpp"
#include "parameterless.hpp"
#include "shape.hpp"

namespace htune::nn {

namespace detail {
// A bijective 32-bit integer hash with low bias ("lowbias32", from Chris Wellons' hash
// prospector, public domain): each output bit flips with probability close to 1/2 when any input
// bit does.
constexpr std::uint32_t mix32(std::uint32_t x) noexcept {
    x ^= x >> 16;
    x *= 0x21f0aaadu;
    x ^= x >> 15;
    x *= 0xd35a2d97u;
    x ^= x >> 15;
    return x;
}
} // namespace detail

template <class T>
class dropout_layer;

template <auto Rate = 0.5>
struct dropout {
    using htune_role = role::layer;
    template <class T>
    using impl = dropout_layer<T>;
    double rate = slot_number<double, Rate>();

    void htune_slots(auto&& visit) { visit(number_slot<Rate, "nn::dropout rate">(rate)); }
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
        // The rate to 2^-32; a rate within 2^-32 of 1 keeps (almost) nothing, as it should.
        auto const threshold = static_cast<std::uint32_t>(std::min(m_rate * 0x1.0p32, 0x1.0p32 - 1.0));
        std::uint64_t const key = (*ctx.generator)();
        auto const key_lo = static_cast<std::uint32_t>(key);
        auto const key_hi = static_cast<std::uint32_t>(key >> 32);
        T* __restrict mask = m_mask.data();
        T* __restrict o = out.data;
        T const* __restrict x = in.data;
        std::size_t const n = in.size();
        // Positions count from the whole batch's first value (context::first_row).
        auto const first = static_cast<std::uint32_t>(ctx.first_row * in.cols);
        for (std::size_t i = 0; i < n; ++i) {
            std::uint32_t const u =
                detail::mix32(detail::mix32(static_cast<std::uint32_t>(i) + first + key_lo) ^ key_hi);
            mask[i] = u >= threshold ? keep_scale : T(0);
            o[i] = x[i] * mask[i];
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
