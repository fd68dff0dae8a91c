#pragma once
// Element-wise activations. Each is a layer whose backward pass needs only its own output
// (relu: y > 0, sigmoid: y(1-y), tanh: 1-y^2), so no copy of the input is kept.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <type_traits>

#include "../core/concepts/layer.hpp"
#include "../core/errors.hpp"
#include "../core/float_math.hpp"
#include "../core/hp.hpp"
#include "../core/roles.hpp"
#include "../core/slots.hpp"
#include "../core/tensor.hpp"
#include "parameterless.hpp"
#include "shape.hpp"

namespace htune::nn {

// The layer for an element-wise function F: F::apply(x), and F::backward(g, y), the gradient g of
// the output times the derivative at the output y. Both loops are plain select or arithmetic
// expressions over restrict pointers, so that they vectorise (ReLU: maxps and a blend).
template <class T, class F>
class elementwise_layer : public parameterless<T> {
public:
    explicit elementwise_layer(F const& f) : m_f(f) {}

    shape setup(shape in, std::size_t max_batch) {
        m_out.resize({max_batch, in.size()});
        m_grad_in.resize({max_batch, in.size()});
        return in;
    }

    batch_view<T const> forward(batch_view<T const> in, context&) {
        detail::check_batch(F::name, in, m_out);
        auto out = rows_of(m_out, in.rows);
        T const* __restrict x = in.data;
        T* __restrict y = out.data;
        std::size_t const n = in.size();
        for (std::size_t i = 0; i < n; ++i) y[i] = m_f.apply(x[i]);
        return out;
    }

    batch_view<T const> backward(batch_view<T const>, batch_view<T const> grad_out, bool need_input_grad) {
        if (!need_input_grad) return {};
        auto grad_in = rows_of(m_grad_in, grad_out.rows);
        T const* __restrict g = grad_out.data;
        T const* __restrict y = m_out.data();
        T* __restrict d = grad_in.data;
        std::size_t const n = grad_out.size();
        for (std::size_t i = 0; i < n; ++i) d[i] = m_f.backward(g[i], y[i]);
        return grad_in;
    }

private:
    F m_f;
    tensor<T, 2> m_out;
    tensor<T, 2> m_grad_in;
};

struct relu {
    using htune_role = role::layer;
    static constexpr char const* name = "relu";
    template <class T>
    using impl = elementwise_layer<T, relu>;
    template <class T>
    static T apply(T x) noexcept {
        return x > T(0) ? x : T(0);
    }
    template <class T>
    static T backward(T g, T y) noexcept {
        return y > T(0) ? g : T(0);
    }
};

// Slope for negative inputs; with a positive slope the sign of the output is the sign of the input.
template <auto Slope = 0.01>
struct leaky_relu {
    using htune_role = role::layer;
    static constexpr char const* name = "leaky_relu";
    template <class T>
    using impl = elementwise_layer<T, leaky_relu>;
    double slope = slot_number<double, Slope>();
    void htune_slots(auto&& visit) { visit(number_slot<Slope, "nn::leaky_relu slope">(slope)); }

    template <class T>
    T apply(T x) const noexcept {
        return x > T(0) ? x : static_cast<T>(slope) * x;
    }
    template <class T>
    T backward(T g, T y) const noexcept {
        return y > T(0) ? g : static_cast<T>(slope) * g;
    }
};

struct sigmoid {
    using htune_role = role::layer;
    static constexpr char const* name = "sigmoid";
    template <class T>
    using impl = elementwise_layer<T, sigmoid>;
    // exp of a non-positive argument only, so large |x| neither overflows nor loses precision.
    // float: core/float_math.hpp's version, which vectorises.
    template <class T>
    static T apply(T x) noexcept {
        if constexpr (std::is_same_v<T, float>) {
            return math::sigmoid(x);
        } else {
            if (x >= T(0)) return T(1) / (T(1) + std::exp(-x));
            T const e = std::exp(x);
            return e / (T(1) + e);
        }
    }
    template <class T>
    static T backward(T g, T y) noexcept {
        return g * y * (T(1) - y);
    }
};

struct tanh {
    using htune_role = role::layer;
    static constexpr char const* name = "tanh";
    template <class T>
    using impl = elementwise_layer<T, tanh>;
    template <class T>
    static T apply(T x) noexcept {
        if constexpr (std::is_same_v<T, float>) return math::tanh(x); // vectorises; libm's tanhf does not
        else return std::tanh(x);
    }
    template <class T>
    static T backward(T g, T y) noexcept {
        return g * (T(1) - y * y);
    }
};

} // namespace htune::nn
