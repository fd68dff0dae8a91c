// expect: fills a number slot \(Slot\) but its param is not a number
// A dropout rate bound to a choice of types (whose value is an index, not a rate).
#include "common.hpp"

#ifdef HTUNE_COMPILE_FAIL
using model = nn::sequential<nn::dense<16>, nn::relu, nn::dropout<hp<"act">{}>, nn::dense<3>>;
#else
using model = nn::sequential<nn::dense<16>, nn::relu, nn::dropout<hp<"rate">{}>, nn::dense<3>>;
#endif
using pipeline = tune::tuner<cf::space, train::trainer<model>>;
template void cf::use<pipeline>(data::dataset<float> const&);
