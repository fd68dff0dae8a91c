#pragma once
// Training settings as template options: trainer<model, epochs<5>, batch_size<64>, learning_rate<1e-3>>.
// Each is a default for a run-time member of the trainer, so a value known only at run time
// (a tuned hyperparameter) sets the member and creates no new instantiation; a tuner sets it from
// each trial's config for epochs<hp<"epochs">{}>, batch_size<hp<"batch">{}>, learning_rate<hp<"lr">{}>.

#include <cstddef>

#include "../core/hp.hpp"
#include "../core/roles.hpp"

namespace htune::train {

struct epochs_tag {};
struct batch_size_tag {};
struct learning_rate_tag {};
struct shuffle_tag {};
struct precision_tag {};
struct blas_threads_tag {};
struct flush_denormals_tag {};
struct threads_tag {};
struct split_batch_tag {};

// The shapes of a setting, written once: a count or a rate that a tuner may bind to an hp, and a
// fixed value. Each named setting below is one of them with its tag.
template <class Tag, auto N>
struct count_setting {
    using htune_role = role::setting;
    using tag = Tag;
    static constexpr std::size_t value = htune::detail::slot_count<N>();
    static constexpr auto arg = N;
};
template <class Tag, auto V>
struct number_setting {
    using htune_role = role::setting;
    using tag = Tag;
    static constexpr double value = htune::detail::slot_number<double, V>();
    static constexpr auto arg = V;
};
template <class Tag, class V, V Value>
struct fixed_setting {
    using htune_role = role::setting;
    using tag = Tag;
    static constexpr V value = Value;
};

template <auto N>
struct epochs : count_setting<epochs_tag, N> {};
template <auto N>
struct batch_size : count_setting<batch_size_tag, N> {};
template <auto Rate>
struct learning_rate : number_setting<learning_rate_tag, Rate> {};

// Reshuffle the training set every epoch (default true).
template <bool On>
struct shuffle : fixed_setting<shuffle_tag, bool, On> {};

// The floating type of parameters and activations (default float).
template <class T>
struct precision {
    using htune_role = role::setting;
    using tag = precision_tag;
    using type = T;
};

// Threads for BLAS while training; 0 (the default) keeps the BLAS library's own setting.
template <int N>
struct blas_threads : fixed_setting<blas_threads_tag, int, N> {};

// Flush subnormal floats to zero while training (default true; see core/denormals.hpp). Off
// keeps IEEE gradual underflow, bit for bit as a framework that does not flush, and slower.
template <bool On>
struct flush_denormals : fixed_setting<flush_denormals_tag, bool, On> {};

// Threads for htune's own loops while training (default 1: the calling thread alone). With N > 1
// the optimizer's update of the parameters is split across a team of N threads (the caller and
// N - 1 workers, started for each fit); the result is the same bits on any count. The team does
// not share out BLAS products, which blas_threads<N> governs: on a small machine give one or the
// other more than one thread, as the two pools compete for the same cores.
template <std::size_t N>
struct threads : fixed_setting<threads_tag, std::size_t, N> {};

// With threads<N>, N > 1: split each batch's rows between the N threads as well (data
// parallelism, default false). Each thread runs the forward and backward pass of its share with
// its own activations and gradients and one BLAS thread; the gradients are summed (fused into
// the optimizer's update) before the one update of the shared parameters. Small models gain the
// most: their products are too small for BLAS threads to pay. The result is reproducible for a
// given N but differs from one thread's in the last bits, as sums are taken in another order;
// dropout draws the same masks. Layers that need statistics of the whole batch cannot be split.
template <bool On>
struct split_batch : fixed_setting<split_batch_tag, bool, On> {};

} // namespace htune::train
