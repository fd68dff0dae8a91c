#pragma once
// Role tags: every policy declares `using htune_role = htune::role::X;`. Concepts check the tag
// first, so "this is not an optimizer" is told apart from "this optimizer lacks step()", and a
// loss is never taken for a regularizer because both happen to have value().

#include <concepts>
#include <type_traits>

namespace htune::role {
struct layer {};
struct initializer {};
struct optimizer {};
struct schedule {};
struct regularizer {};
struct loss {};
struct metric {};
struct setting {}; // a training setting such as epochs<5> or batch_size<64>
struct callback {};
struct sampler {};
struct pruner {};
struct validation {};     // how a tuner turns a config into a score (holdout, k-fold, time-series split)
struct preprocessing {};  // fitted on a fold's training rows, applied to its validation rows
struct hyperparameter {}; // hp<"name">: a slot filled from each trial's config
} // namespace htune::role

namespace htune {

template <class T>
using role_of = typename std::remove_cvref_t<T>::htune_role;

template <class T, class Role>
concept has_role = requires { typename std::remove_cvref_t<T>::htune_role; } && std::same_as<role_of<T>, Role>;

} // namespace htune
