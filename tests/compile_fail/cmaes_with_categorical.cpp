// expect: the sampler works on numbers only \(CMA-ES\), but the space has a choice
// CMA-ES cannot sample a choice; the diagnostic names the param.
#include "common.hpp"

#ifdef HTUNE_COMPILE_FAIL
using pipeline = tune::tuner<cf::space, samplers::cmaes<>, cf::recipe>;
#else
using numeric_space =
    search_space<log_uniform<"lr", 1e-4, 1e-1>, int_uniform<"width", 8, 64>, uniform<"rate", 0.0, 0.5>>;
using pipeline = tune::tuner<
    numeric_space, samplers::cmaes<>,
    train::trainer<nn::sequential<nn::dense<hp<"width">{}>, nn::relu, nn::dropout<hp<"rate">{}>, nn::dense<3>>,
                   train::learning_rate<hp<"lr">{}>>>;
#endif
template void cf::use<pipeline>(data::dataset<float> const&);
