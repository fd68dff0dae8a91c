// expect: log_uniform<.*\) must be > 0
// A log scale needs a positive lower bound.
#include "common.hpp"

#ifdef HTUNE_COMPILE_FAIL
using space = search_space<log_uniform<"lr", 0.0, 1e-1>>;
#else
using space = search_space<log_uniform<"lr", 1e-5, 1e-1>>;
#endif
using pipeline = tune::tuner<space, train::trainer<nn::sequential<nn::dense<3>>, train::learning_rate<hp<"lr">{}>>>;
template void cf::use<pipeline>(data::dataset<float> const&);
