#pragma once
// The data area: data sets, loaders (CSV, IDX), scaling, splits and mini-batches.
#include "data/batching.hpp"
#include "data/csv.hpp"
#include "data/dataset.hpp"
#include "data/idx.hpp"
#include "data/kfold.hpp"
#include "data/preprocess.hpp"
#include "data/split.hpp"
