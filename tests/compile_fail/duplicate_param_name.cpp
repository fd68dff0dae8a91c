// expect: two params share the name shown in duplicate_param_name
#include "common.hpp"

#ifdef HTUNE_COMPILE_FAIL
using space = search_space<log_uniform<"lr", 1e-4, 1e-1>, uniform<"lr", 0.0, 1.0>>;
#else
using space = search_space<log_uniform<"lr", 1e-4, 1e-1>, uniform<"momentum", 0.0, 1.0>>;
#endif
using pipeline = tune::tuner<space, train::trainer<nn::sequential<nn::dense<3>>, train::learning_rate<hp<"lr">{}>>>;
template void cf::use<pipeline>(data::dataset<float> const&);
