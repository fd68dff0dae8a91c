// expect: give at most one sampler
#include "common.hpp"

#ifdef HTUNE_COMPILE_FAIL
using pipeline = tune::tuner<cf::space, samplers::random, samplers::tpe<>, cf::recipe>;
#else
using pipeline = tune::tuner<cf::space, samplers::tpe<>, cf::recipe>;
#endif
template void cf::use<pipeline>(data::dataset<float> const&);
