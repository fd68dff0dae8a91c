// expect: the first argument must be a search_space<params\.\.\.>
// The space comes first; a lone param is not a space.
#include "common.hpp"

#ifdef HTUNE_COMPILE_FAIL
using pipeline = tune::tuner<log_uniform<"lr", 1e-4, 1e-1>, train::trainer<nn::sequential<nn::dense<3>>>>;
#else
using pipeline = tune::tuner<search_space<log_uniform<"lr", 1e-4, 1e-1>>, train::trainer<nn::sequential<nn::dense<3>>>>;
#endif
template void cf::use<pipeline>(data::dataset<float> const&);
