#pragma once
// Studies: ask/tell and optimize over any objective, with trial records.

#include "tune/bind.hpp"
#include "tune/dimensions.hpp"
#include "tune/progress.hpp"
#include "tune/run_options.hpp"
#include "tune/study.hpp"
#include "tune/trial.hpp"
#include "tune/tuner.hpp"
#include "tune/validation.hpp"
