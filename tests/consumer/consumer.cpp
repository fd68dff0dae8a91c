// Trains a tiny network on XOR through the installed or embedded htune and checks it learned.
#include <htune/htune.hpp>

#include <iostream>

int main() {
    using namespace htune;
    data::dataset<float> xor_data;
    xor_data.features = tensor<float, 2>{{0, 0}, {0, 1}, {1, 0}, {1, 1}};
    xor_data.labels = tensor<std::int32_t, 1>{0, 1, 1, 0};
    xor_data.num_classes = 2;
    xor_data.sample_shape = nn::shape{2};
    using model = nn::sequential<nn::dense<16>, nn::tanh, nn::dense<2>>;
    train::trainer<model, optim::adam<>, train::learning_rate<0.05>, train::epochs<300>, train::batch_size<4>> t;
    auto result = t.fit(xor_data, 7);
    double const acc = result.evaluate(xor_data).score;
    std::cout << "htune " << version_string << " consumer: XOR accuracy " << acc << '\n';
    return acc == 1.0 ? 0 : 1;
}
