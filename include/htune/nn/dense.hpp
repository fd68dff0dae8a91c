#pragma once
// Fully connected layer: out = in * W + b, with W stored (inputs x units) so that the forward pass
// is one row-major GEMM with no transpose. Backward: dW = in^T * dout, db = column sums of dout,
// din = dout * W^T (skipped for the first layer of a network).

#include <algorithm>
#include <cstddef>
#include <span>

#include "../core/blas.hpp"
#include "../core/concepts/initializer.hpp"
#include "../core/concepts/layer.hpp"
#include "../core/errors.hpp"
#include "../core/hp.hpp"
#include "../core/roles.hpp"
#include "../core/slots.hpp"
#include "../core/tensor.hpp"
#include "init.hpp"
#include "parameterless.hpp"
#include "shape.hpp"

namespace htune::nn {

template <class T, class Init>
class dense_layer;

// Units = 0 means "set at run time": dense<>{.units = 128}; dense<hp<"hidden">{}> is set by a tuner.
template <auto Units = std::size_t{0}, class Init = init::glorot_uniform, bool Bias = true>
struct dense {
    static_assert(concepts::initializer<Init> || holds_hp_v<Init>,
                  "htune::nn::dense<Units, Init>: Init is not an initializer (it needs "
                  "`using htune_role = htune::role::initializer;` and operator()(span, fan_in, fan_out, rng&)); "
                  "see docs/concepts/layer.md");
    using htune_role = role::layer;
    template <class T>
    using impl = dense_layer<T, Init>;

    std::size_t units = slot_count<Units>();
    bool bias = Bias;
    Init initializer{};

    // Binding hook (core/slots.hpp): the width is a number slot, the initializer a type slot.
    void htune_slots(auto&& visit) { visit(number_slot<Units, "nn::dense units">(units), initializer); }
    using type_slots = type_list<Init>;
    template <class I>
    using with_type_slots = dense<Units, I, Bias>;
};

template <class T, class Init>
class dense_layer {
public:
    template <auto Units, bool Bias>
    explicit dense_layer(dense<Units, Init, Bias> const& spec)
        : m_units(spec.units), m_bias(spec.bias), m_init(spec.initializer) {
        HTUNE_CHECK(m_units > 0, "htune::nn::dense: units (", m_units, ") must be > 0");
    }

    shape setup(shape in, std::size_t max_batch) {
        HTUNE_CHECK_AS(shape_error, in.rank == 1, "htune::nn::dense: input sample shape ", in, " has rank ", in.rank,
                       "; dense takes rank-1 samples: put nn::flatten before it");
        m_inputs = in[0];
        m_out.resize({max_batch, m_units});
        m_grad_in.resize({max_batch, m_inputs});
        return shape{m_units};
    }

    std::size_t weight_count() const noexcept { return m_inputs * m_units; }
    std::size_t param_count() const noexcept { return weight_count() + (m_bias ? m_units : 0); }

    void bind(std::span<T> params, std::span<T> grads) {
        HTUNE_ASSERT(params.size() == param_count() && grads.size() == param_count());
        m_params = params;
        m_grads = grads;
    }

    void init(rng& g) {
        m_init(m_params.first(weight_count()), m_inputs, m_units, g);
        std::fill(m_params.begin() + static_cast<std::ptrdiff_t>(weight_count()), m_params.end(), T(0));
    }

    batch_view<T const> forward(batch_view<T const> in, context&) {
        detail::check_batch("dense", in, m_grad_in);
        auto out = rows_of(m_out, in.rows);
        if (m_bias) {
            // Broadcast the bias into the output, then accumulate the product onto it (beta = 1).
            T const* b = m_params.data() + weight_count();
            for (std::size_t r = 0; r < in.rows; ++r) std::copy_n(b, m_units, out.row(r));
        }
        gemm<T>(in, false, weights(), false, out, T(1), m_bias ? T(1) : T(0));
        return out;
    }

    batch_view<T const> backward(batch_view<T const> in, batch_view<T const> grad_out, bool need_input_grad) {
        detail::check_batch("dense", grad_out, m_out);
        batch_view<T> dw{m_grads.data(), m_inputs, m_units};
        gemm<T>(in, true, grad_out, false, dw);
        if (m_bias) {
            T* db = m_grads.data() + weight_count();
            std::fill_n(db, m_units, T(0));
            for (std::size_t r = 0; r < grad_out.rows; ++r) {
                T const* g = grad_out.row(r);
                for (std::size_t c = 0; c < m_units; ++c) db[c] += g[c];
            }
        }
        if (!need_input_grad) return {};
        auto grad_in = rows_of(m_grad_in, grad_out.rows);
        gemm<T>(grad_out, false, weights(), true, grad_in);
        return grad_in;
    }

    std::size_t units() const noexcept { return m_units; }
    std::size_t inputs() const noexcept { return m_inputs; }

private:
    batch_view<T const> weights() const noexcept { return {m_params.data(), m_inputs, m_units}; }

    std::size_t m_units;
    bool m_bias;
    Init m_init;
    std::size_t m_inputs = 0;
    std::span<T> m_params;
    std::span<T> m_grads;
    tensor<T, 2> m_out;
    tensor<T, 2> m_grad_in;
};

} // namespace htune::nn
