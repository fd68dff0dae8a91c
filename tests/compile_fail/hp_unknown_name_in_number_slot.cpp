// expect: the space has no param with this name
// A typo in a number slot's hp: the diagnostic lists the names the space has.
#include "common.hpp"

#ifdef HTUNE_COMPILE_FAIL
using model = nn::sequential<nn::dense<hp<"widht">{}>, nn::relu, nn::dense<3>>;
#else
using model = nn::sequential<nn::dense<hp<"width">{}>, nn::relu, nn::dense<3>>;
#endif
using pipeline = tune::tuner<cf::space, train::trainer<model>>;
template void cf::use<pipeline>(data::dataset<float> const&);
