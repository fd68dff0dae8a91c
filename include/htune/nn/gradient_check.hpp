#pragma once
// Finite-difference gradient checks, shipped with the library so that a user-written layer or
// loss is checked the same way as htune's own. The scalar checked is sum(out * R) for a fixed
// random R, whose gradient with respect to the output is R itself.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "../core/concepts/layer.hpp"
#include "../core/concepts/loss.hpp"
#include "../core/rng.hpp"
#include "../core/targets.hpp"
#include "../core/tensor.hpp"
#include "shape.hpp"

namespace htune::nn {

struct gradient_check_options {
    double epsilon = 0;           // finite-difference step; 0 picks 1e-2 for float, 1e-6 for double
    std::size_t batch = 3;        // rows of the random input
    double input_margin = 0.05;   // random inputs keep |x| >= margin, away from ReLU-like kinks
    std::size_t max_checks = 400; // at most this many parameters and inputs each (spread evenly)
    std::uint64_t seed = 1;
    bool training = false; // forward in training mode (dropout uses the same mask every time)
};

struct gradient_check_result {
    double max_param_error = 0; // largest relative error over the checked parameters
    double max_input_error = 0; // same over the checked inputs
    std::size_t params_checked = 0;
    std::size_t inputs_checked = 0;
    std::string worst; // where the largest error was, readable

    double max_error() const noexcept { return std::max(max_param_error, max_input_error); }
    friend std::ostream& operator<<(std::ostream& os, gradient_check_result const& r) {
        return os << "params " << r.max_param_error << " (" << r.params_checked << " checked), inputs "
                  << r.max_input_error << " (" << r.inputs_checked << " checked); worst: " << r.worst;
    }
};

namespace detail {
// |a - n| / max(|a|, |n|, floor): relative where values are large, absolute near zero.
inline double relative_error(double analytic, double numeric, double floor) {
    return std::abs(analytic - numeric) / std::max({std::abs(analytic), std::abs(numeric), floor});
}

inline std::vector<std::size_t> spread_indices(std::size_t n, std::size_t max) {
    std::vector<std::size_t> idx;
    std::size_t const count = std::min(n, max);
    for (std::size_t k = 0; k < count; ++k) idx.push_back(count == n ? k : k * n / count);
    return idx;
}

template <class T>
double default_epsilon(double eps) {
    return eps > 0 ? eps : (sizeof(T) == 4 ? 1e-2 : 1e-6);
}

// Below this magnitude errors count as absolute: float differences are noisy near zero.
template <class T>
constexpr double error_floor() {
    return sizeof(T) == 4 ? 1e-2 : 1e-7;
}

// (f(v + eps) - f(v - eps)) / (2 eps), restoring v afterwards.
template <class T, class F>
double central_difference(T& v, double eps, F&& f) {
    T const saved = v;
    v = static_cast<T>(saved + eps);
    double const plus = f();
    v = static_cast<T>(saved - eps);
    double const minus = f();
    v = saved;
    return (plus - minus) / (2 * eps);
}

// Largest relative error between the analytic gradient g and central differences of f over x.
template <class T, class F>
double worst_difference(std::vector<T>& x, std::vector<T> const& g, double eps, F&& f) {
    double worst = 0;
    for (std::size_t i = 0; i < x.size(); ++i)
        worst = std::max(worst, relative_error(g[i], central_difference(x[i], eps, f), error_floor<T>()));
    return worst;
}
} // namespace detail

// Checks the gradients of a layer spec's impl<T>, for samples of shape `input`.
template <class T, class Spec>
gradient_check_result check_gradients(Spec const& spec, shape input, gradient_check_options const& opt = {}) {
    using layer_type = typename Spec::template impl<T>;
    layer_type layer(spec);
    shape const out_shape = layer.setup(input, opt.batch);
    std::size_t const np = layer.param_count();
    std::vector<T> params(np), grads(np);
    layer.bind(std::span<T>(params), std::span<T>(grads));
    rng g(opt.seed);
    layer.init(g);
    // Biases start at zero; perturb every parameter so that each one matters.
    for (auto& p : params) p += static_cast<T>(uniform_real(g, -0.1, 0.1));

    std::size_t const in_size = input.size() * opt.batch;
    std::vector<T> x(in_size);
    for (auto& v : x) {
        double u = uniform_real(g, opt.input_margin, 1.0);
        v = static_cast<T>(bernoulli(g, 0.5) ? u : -u);
    }
    std::vector<T> r(out_shape.size() * opt.batch);
    for (auto& v : r) v = static_cast<T>(uniform_real(g, -1.0, 1.0));

    batch_view<T const> in{x.data(), opt.batch, input.size()};
    auto objective = [&]() {
        rng forward_gen(opt.seed + 17); // the same stochastic mask for every evaluation
        context ctx{opt.training, &forward_gen};
        auto out = layer.forward(in, ctx);
        double s = 0;
        for (std::size_t i = 0; i < out.size(); ++i) s += static_cast<double>(out.data[i]) * r[i];
        return s;
    };

    {
        rng forward_gen(opt.seed + 17);
        context ctx{opt.training, &forward_gen};
        layer.forward(in, ctx);
    }
    auto const grad_in_view = layer.backward(in, batch_view<T const>{r.data(), opt.batch, out_shape.size()}, true);
    std::vector<T> grad_in(grad_in_view.begin(), grad_in_view.end());
    std::vector<T> const analytic_params = grads;

    double const eps = detail::default_epsilon<T>(opt.epsilon);
    double const floor = detail::error_floor<T>();
    gradient_check_result result;
    auto numeric = [&](T& v) { return detail::central_difference(v, eps, objective); };
    for (std::size_t i : detail::spread_indices(np, opt.max_checks)) {
        double const e = detail::relative_error(analytic_params[i], numeric(params[i]), floor);
        ++result.params_checked;
        if (e > result.max_param_error) {
            result.max_param_error = e;
            result.worst = "parameter " + std::to_string(i);
        }
    }
    if (grad_in.size() == x.size()) {
        for (std::size_t i : detail::spread_indices(x.size(), opt.max_checks)) {
            double const e = detail::relative_error(grad_in[i], numeric(x[i]), floor);
            ++result.inputs_checked;
            if (e > std::max(result.max_input_error, result.max_param_error))
                result.worst = "input " + std::to_string(i);
            result.max_input_error = std::max(result.max_input_error, e);
        }
    }
    return result;
}

// Checks a loss's gradient with respect to the network output at `out` for targets `y`.
template <class T, class Loss>
double check_loss_gradient(Loss const& loss, batch_view<T const> out, targets<T> const& y, double epsilon = 0) {
    std::vector<T> o(out.begin(), out.end());
    std::vector<T> g(o.size());
    batch_view<T const> ov{o.data(), out.rows, out.cols};
    loss.value_and_gradient(ov, y, batch_view<T>{g.data(), out.rows, out.cols});
    return detail::worst_difference(o, g, detail::default_epsilon<T>(epsilon),
                                    [&] { return static_cast<double>(loss.value(ov, y)); });
}

// Checks a regularizer's add_gradient against finite differences of its penalty at weights `w`.
template <class T, class Regularizer>
double check_regularizer_gradient(Regularizer const& r, std::span<T const> w, double epsilon = 0) {
    std::vector<T> x(w.begin(), w.end());
    std::vector<T> g(x.size(), T(0));
    r.add_gradient(std::span<T const>(x), std::span<T>(g));
    return detail::worst_difference(x, g, detail::default_epsilon<T>(epsilon),
                                    [&] { return static_cast<double>(r.penalty(std::span<T const>(x))); });
}

} // namespace htune::nn
