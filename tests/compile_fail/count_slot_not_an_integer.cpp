// expect: a count slot \(a layer width, epochs, a batch size\) takes an integer
// A width of 1.5 units.
#include "common.hpp"

#ifdef HTUNE_COMPILE_FAIL
using model = nn::sequential<nn::dense<1.5>, nn::dense<3>>;
#else
using model = nn::sequential<nn::dense<2>, nn::dense<3>>;
#endif
using pipeline = tune::tuner<cf::space, train::trainer<model>>;
template void cf::use<pipeline>(data::dataset<float> const&);
