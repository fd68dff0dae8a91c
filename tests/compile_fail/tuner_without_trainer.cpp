// expect: give exactly one trainer, train::trainer<model, options\.\.\.>
// A pipeline needs the trainer it tunes.
#include "common.hpp"

#ifdef HTUNE_COMPILE_FAIL
using pipeline = tune::tuner<cf::space, samplers::random>;
#else
using pipeline = tune::tuner<cf::space, samplers::random, cf::recipe>;
#endif
template void cf::use<pipeline>(data::dataset<float> const&);
