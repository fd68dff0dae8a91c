// Every layer's backward pass against finite differences, in float and double.
#include <doctest/doctest.h>

#include <htune/nn.hpp>

#include "tolerances.hpp"

namespace {
// A layer whose backward pass forgets the factor 2 of x^2: the check must catch it.
struct square_layer {
    template <class S>
    explicit square_layer(S const&) {}
    htune::nn::shape setup(htune::nn::shape in, std::size_t b) {
        out.resize({b, in.size()});
        grad.resize({b, in.size()});
        return in;
    }
    std::size_t param_count() const { return 0; }
    std::size_t weight_count() const { return 0; }
    void bind(std::span<double>, std::span<double>) {}
    void init(htune::rng&) {}
    htune::batch_view<double const> forward(htune::batch_view<double const> in, htune::nn::context&) {
        auto o = htune::rows_of(out, in.rows);
        for (std::size_t i = 0; i < in.size(); ++i) o.data[i] = in.data[i] * in.data[i];
        return o;
    }
    htune::batch_view<double const> backward(htune::batch_view<double const> in, htune::batch_view<double const> g,
                                             bool) {
        auto d = htune::rows_of(grad, in.rows);
        for (std::size_t i = 0; i < in.size(); ++i) d.data[i] = g.data[i] * in.data[i];
        return d;
    }
    htune::tensor<double, 2> out, grad;
};
struct wrong_square {
    using htune_role = htune::role::layer;
    template <class T>
    using impl = square_layer;
};
} // namespace

using namespace htune;
using htune::test::tolerances;

#define CHECK_GRADIENTS(T, spec, in_shape, ...)                                                           \
    do {                                                                                                \
        auto const result = nn::check_gradients<T>(spec, in_shape, ##__VA_ARGS__);                      \
        INFO(result);                                                                                   \
        CHECK(result.max_error() < tolerances<T>::gradient);                                            \
    } while (false)

TEST_CASE_TEMPLATE("dense: gradients of weights, bias and input", T, float, double) {
    CHECK_GRADIENTS(T, nn::dense<4>{}, nn::shape{5});
    CHECK_GRADIENTS(T, (nn::dense<3, nn::init::he_normal, false>{}), nn::shape{7});
    auto const r = nn::check_gradients<T>(nn::dense<>{6}, nn::shape{2});
    CHECK(r.params_checked == 2 * 6 + 6);
    CHECK(r.inputs_checked == 2 * 3);
}

TEST_CASE_TEMPLATE("activations: relu, leaky_relu, sigmoid, tanh", T, float, double) {
    CHECK_GRADIENTS(T, nn::relu{}, nn::shape{6});
    CHECK_GRADIENTS(T, nn::leaky_relu<0.1>{}, nn::shape{6});
    CHECK_GRADIENTS(T, nn::sigmoid{}, nn::shape{2, 3});
    CHECK_GRADIENTS(T, nn::tanh{}, nn::shape{1, 2, 3});
}

TEST_CASE_TEMPLATE("softmax, flatten and dropout", T, float, double) {
    CHECK_GRADIENTS(T, nn::softmax{}, nn::shape{5});
    CHECK_GRADIENTS(T, nn::flatten{}, (nn::shape{2, 2, 2}));
    nn::gradient_check_options training;
    training.training = true;
    CHECK_GRADIENTS(T, nn::dropout<0.3>{}, nn::shape{8}, training);
    CHECK_GRADIENTS(T, nn::dropout<0.3>{}, nn::shape{8}); // evaluation: identity
}

TEST_CASE_TEMPLATE("sequential: gradients flow through every layer", T, float, double) {
    using model = nn::sequential<nn::flatten, nn::dense<6>, nn::tanh, nn::dense<5>, nn::sigmoid, nn::dense<3>,
                                 nn::softmax>;
    CHECK_GRADIENTS(T, model{}, (nn::shape{1, 2, 4}));
    using nested = nn::sequential<nn::sequential<nn::dense<4>, nn::relu>, nn::dense<2>>;
    CHECK_GRADIENTS(T, nested{}, nn::shape{3});
}

TEST_CASE("a wrong gradient is caught") {
    auto const r = nn::check_gradients<double>(wrong_square{}, nn::shape{4});
    CHECK(r.max_input_error > 0.3);
}
