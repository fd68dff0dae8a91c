#pragma once
// Binding hyperparameters into a pipeline: how hp<"name"> in a trainer's type becomes, for one
// trial, a concrete type (type slots) with members set from the config (number slots).
//
//   using model = nn::sequential<nn::dense<hp<"hidden">{}>, hp<"activation">, nn::dense<10>>;
//   using pattern = train::trainer<model, hp<"optimizer">, train::learning_rate<hp<"lr">{}>>;
//
// Type slots: every hp<N> in a type slot must name a `choice<N, A...>` of types in the space. The
// choices a pattern uses (and those its alternatives use in turn) are dispatched once per trial by
// nested with_index into resolve_t<pattern, assignment>, a pattern with each hp replaced by the
// chosen alternative. The number of trial bodies compiled is the product of those choices' sizes
// (type_instantiations).
//
// Switches: hp_switch<N> in a type slot is expanded first into switched<N, C>, where C is the
// switch_over component of the alternatives' role (nn::one_of for layers, optim::one_of for
// optimizers, nn::init::one_of for initializers): it holds every alternative and branches once per
// call, so that choice adds its alternatives to one trial body instead of multiplying the bodies.
// The branch is taken per batch, not per element; what it gives up is inlining across the choice.
//
// Number slots: a template argument hp<N>{} in a number slot (a width, a rate, a setting) is a
// run-time member of the resolved value, set from the config by bind_numbers(); it creates no code.
//
// The binder names no component: it walks the hook each component declares (core/slots.hpp), so a
// user's own layer or optimizer is bound exactly as a built-in one.

#include "bind_numbers.hpp"
#include "bind_types.hpp"
