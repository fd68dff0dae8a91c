// expect: the metric is given twice, in the trainer and in the validation scheme
#include "common.hpp"

#ifdef HTUNE_COMPILE_FAIL
using pipeline = tune::tuner<cf::space, train::trainer<cf::model, metrics::accuracy>, tune::kfold<3, metrics::f1<>>>;
#else
using pipeline = tune::tuner<cf::space, train::trainer<cf::model>, tune::kfold<3, metrics::f1<>>>;
#endif
template void cf::use<pipeline>(data::dataset<float> const&);
