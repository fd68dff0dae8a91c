// expect: add choice<Name, Types\.\.\.> to the space
// A layer chosen per trial needs its choice in the space.
#include "common.hpp"

#ifdef HTUNE_COMPILE_FAIL
using model = nn::sequential<nn::dense<16>, hp<"activation">, nn::dense<3>>;
#else
using model = nn::sequential<nn::dense<16>, hp<"act">, nn::dense<3>>;
#endif
using pipeline = tune::tuner<cf::space, train::trainer<model>>;
template void cf::use<pipeline>(data::dataset<float> const&);
