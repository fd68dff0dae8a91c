// A tuning pipeline with BODIES trial bodies (1, 4, 16, 64 or 256): each type choice multiplies the
// trainer instantiations that the tuner compiles. With -DSWITCH the same choices are bound with
// hp_switch (dispatched inside each component), so every variant compiles to one trial body.
// bench/compile/run.sh compiles it with g++ -O2 and reports time and peak memory per body count.
#include <htune/htune.hpp>

#include <iostream>

#ifndef BODIES
#define BODIES 1
#endif

using namespace htune;

using activations = choice<"act", nn::relu, nn::tanh, nn::sigmoid, nn::leaky_relu<>>;
using activations2 = choice<"act2", nn::relu, nn::tanh, nn::sigmoid, nn::leaky_relu<>>;
using optimizers = choice<"opt", optim::sgd<>, optim::adam<>, optim::rmsprop<>, optim::adagrad<>>;
using initializers =
    choice<"init", nn::init::he_uniform, nn::init::he_normal, nn::init::glorot_uniform, nn::init::glorot_normal>;
using space = search_space<log_uniform<"lr", 1e-4, 1e-1>, int_uniform<"width", 16, 256>, activations, optimizers,
                           initializers, activations2>;

#ifdef SWITCH
#define TYPE_HP hp_switch
constexpr std::size_t expected_bodies = 1;
#else
#define TYPE_HP hp
constexpr std::size_t expected_bodies = BODIES;
#endif

#if BODIES == 1
using model = nn::sequential<nn::flatten, nn::dense<hp<"width">{}>, nn::relu, nn::dense<10>, nn::softmax>;
using recipe = train::trainer<model, optim::adam<>, train::learning_rate<hp<"lr">{}>>;
#elif BODIES == 4
using model = nn::sequential<nn::flatten, nn::dense<hp<"width">{}>, TYPE_HP<"act">, nn::dense<10>, nn::softmax>;
using recipe = train::trainer<model, optim::adam<>, train::learning_rate<hp<"lr">{}>>;
#elif BODIES == 16
using model = nn::sequential<nn::flatten, nn::dense<hp<"width">{}>, TYPE_HP<"act">, nn::dense<10>, nn::softmax>;
using recipe = train::trainer<model, TYPE_HP<"opt">, train::learning_rate<hp<"lr">{}>>;
#elif BODIES == 64
using model =
    nn::sequential<nn::flatten, nn::dense<hp<"width">{}, TYPE_HP<"init">>, TYPE_HP<"act">, nn::dense<10>, nn::softmax>;
using recipe = train::trainer<model, TYPE_HP<"opt">, train::learning_rate<hp<"lr">{}>>;
#elif BODIES == 256
using model = nn::sequential<nn::flatten, nn::dense<hp<"width">{}, TYPE_HP<"init">>, TYPE_HP<"act">, nn::dense<32>,
                             TYPE_HP<"act2">, nn::dense<10>, nn::softmax>;
using recipe = train::trainer<model, TYPE_HP<"opt">, train::learning_rate<hp<"lr">{}>>;
#else
#error "BODIES must be 1, 4, 16, 64 or 256"
#endif

using pipeline = tune::tuner<space, samplers::tpe<>, pruners::median, recipe, tune::holdout<0.2>>;
static_assert(pipeline::trial_bodies == expected_bodies);

int main(int argc, char** argv) {
    if (argc < 3) return 0;
    auto const data = data::load_idx<float>(argv[1], argv[2]);
    std::cout << pipeline{}.run(data, {.trials = 10}) << '\n';
}
