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

#define CHECK_GRADIENTS(T, spec, in_shape, ...)                                                                        \
    do {                                                                                                               \
        auto const result = nn::check_gradients<T>(spec, in_shape __VA_OPT__(, ) __VA_ARGS__);                         \
        INFO(result);                                                                                                  \
        CHECK(result.max_error() < tolerances<T>::gradient);                                                           \
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
    using model =
        nn::sequential<nn::flatten, nn::dense<6>, nn::tanh, nn::dense<5>, nn::sigmoid, nn::dense<3>, nn::softmax>;
    CHECK_GRADIENTS(T, model{}, (nn::shape{1, 2, 4}));
    using nested = nn::sequential<nn::sequential<nn::dense<4>, nn::relu>, nn::dense<2>>;
    CHECK_GRADIENTS(T, nested{}, nn::shape{3});
}

TEST_CASE_TEMPLATE("one_of: the chosen alternative's gradients", T, float, double) {
    nn::one_of<nn::relu, nn::tanh, nn::dense<3>> spec;
    for (std::size_t i = 0; i < 3; ++i) {
        spec.index = i;
        CHECK_GRADIENTS(T, spec, nn::shape{4});
    }
    auto const r = nn::check_gradients<T>(spec, nn::shape{4}); // index 2: the dense layer
    CHECK(r.params_checked == 4 * 3 + 3);
    using model =
        nn::sequential<nn::dense<5>, nn::one_of<nn::sigmoid, nn::sequential<nn::dense<4>, nn::tanh>>, nn::dense<2>>;
    model m;
    std::get<1>(m.layers).index = 1;
    CHECK_GRADIENTS(T, m, nn::shape{3});
    spec.index = 3;
    CHECK_THROWS_WITH_AS(nn::check_gradients<T>(spec, nn::shape{4}),
                         doctest::Contains("htune::nn::one_of: index (3) must be below the number of alternatives (3)"),
                         htune::error);
}

TEST_CASE_TEMPLATE("repeat: copies of a block, each with its own parameters", T, float, double) {
    using block = nn::sequential<nn::dense<4>, nn::tanh>;
    auto const r = nn::check_gradients<T>(nn::repeat<3, block>{}, nn::shape{5});
    INFO(r);
    CHECK(r.max_error() < tolerances<T>::gradient);
    CHECK(r.params_checked == (5 * 4 + 4) + 2 * (4 * 4 + 4));
    nn::repeat<0, block> none;
    CHECK_GRADIENTS(T, (nn::sequential<nn::dense<3>, decltype(none), nn::sigmoid>{}),
                    nn::shape{2}); // count 0: identity
    nn::repeat<std::size_t{0}, nn::relu> run_time;
    run_time.count = 2;
    nn::sequential<nn::dense<3>, decltype(run_time)> with_run_time_count;
    std::get<1>(with_run_time_count.layers) = run_time;
    auto const two = nn::check_gradients<T>(with_run_time_count, nn::shape{2});
    CHECK(two.max_error() < tolerances<T>::gradient);
    CHECK(two.inputs_checked > 0); // the relu copies pass the gradient on to the input
}

TEST_CASE("a wrong gradient is caught") {
    auto const r = nn::check_gradients<double>(wrong_square{}, nn::shape{4});
    CHECK(r.max_input_error > 0.3);
}
