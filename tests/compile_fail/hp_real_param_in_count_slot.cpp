// expect: gives real numbers; declare it with int_uniform or discrete of integers
// A layer width bound to a uniform (real) param.
#include "common.hpp"

#ifdef HTUNE_COMPILE_FAIL
using model = nn::sequential<nn::dense<hp<"rate">{}>, nn::relu, nn::dense<3>>;
#else
using model = nn::sequential<nn::dense<hp<"width">{}>, nn::relu, nn::dense<3>>;
#endif
using pipeline = tune::tuner<cf::space, train::trainer<model>>;
template void cf::use<pipeline>(data::dataset<float> const&);
