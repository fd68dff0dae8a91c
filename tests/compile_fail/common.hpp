#pragma once
// Shared by the compile-fail cases: each case is a file whose first line is `// expect: <regex>`;
// compiled with -DHTUNE_COMPILE_FAIL it must fail with a diagnostic matching the regex, and
// without it (its twin, the fix) it must compile.
#include <htune/htune.hpp>

using namespace htune;

namespace cf {
using space = search_space<log_uniform<"lr", 1e-4, 1e-1>, int_uniform<"width", 8, 64>, uniform<"rate", 0.0, 0.5>,
                           choice<"act", nn::relu, nn::tanh>>;
using model = nn::sequential<nn::dense<hp<"width">{}>, hp<"act">, nn::dropout<hp<"rate">{}>, nn::dense<3>>;
using recipe = train::trainer<model, train::learning_rate<hp<"lr">{}>, train::epochs<2>>;

// Instantiates the whole pipeline, as a program that runs it would.
template <class Pipeline>
void use(data::dataset<float> const& d) {
    (void)Pipeline{}.run(d, {.trials = 2});
}
} // namespace cf
