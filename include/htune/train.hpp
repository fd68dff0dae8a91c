#pragma once
// The trainer, its settings and callbacks.
#include "train/callbacks.hpp"
#include "train/settings.hpp"
#include "train/trainer.hpp"
