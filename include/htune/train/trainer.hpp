#pragma once
// trainer<Model, Options...>: trains a model with an optimizer, a loss, regularizers, a
// learning-rate schedule, a validation metric and callbacks, each found among Options by its
// role (any order; empty slots take defaults). Numeric settings (epochs, batch size, learning
// rate) are run-time members whose defaults come from the options.
//
// The batch loop is monomorphic and allocation-free after setup: batch buffers, layer outputs,
// gradients and optimizer state are sized once per fit(); rows are gathered into one batch
// buffer; parameters live in one flat buffer updated by one vectorised optimizer loop.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <numeric>
#include <span>
#include <tuple>
#include <type_traits>
#include <vector>

#include "../core/blas.hpp"
#include "../core/concepts/layer.hpp"
#include "../core/concepts/loss.hpp"
#include "../core/concepts/metric.hpp"
#include "../core/concepts/optimizer.hpp"
#include "../core/concepts/regularizer.hpp"
#include "../core/concepts/schedule.hpp"
#include "../core/denormals.hpp"
#include "../core/errors.hpp"
#include "../core/rng.hpp"
#include "../core/slots.hpp"
#include "../core/thread_team.hpp"
#include "../data/dataset.hpp"
#include "../losses/cross_entropy.hpp"
#include "../metrics/classification.hpp"
#include "../metrics/regression.hpp"
#include "../nn/dense.hpp"
#include "../nn/init.hpp"
#include "../nn/network.hpp"
#include "../nn/one_of.hpp"
#include "../nn/sequential.hpp"
#include "../nn/softmax.hpp"
#include "../optim/adam.hpp"
#include "../optim/one_of.hpp"
#include "../optim/schedules.hpp"
#include "callbacks.hpp"
#include "options.hpp"
#include "settings.hpp"

namespace htune::train {

namespace detail {
template <class Model>
struct ends_with_softmax : std::bool_constant<std::is_same_v<Model, nn::softmax>> {};
template <class... L>
struct ends_with_softmax<nn::sequential<L...>> : ends_with_softmax<mp_at<type_list<L...>, sizeof...(L) - 1>> {};

// The model without its final softmax (only called when ends_with_softmax holds).
template <class Model>
struct without_softmax;
template <class... L>
struct without_softmax<nn::sequential<L...>> {
    template <std::size_t... I>
    static auto make(std::index_sequence<I...>) -> nn::sequential<mp_at<type_list<L...>, I>...>;
    using type = decltype(make(std::make_index_sequence<sizeof...(L) - 1>{}));

    // The same layer values, less the last.
    static type convert(nn::sequential<L...> const& m) {
        return [&]<std::size_t... I>(std::index_sequence<I...>) {
            return type{std::tuple<mp_at<type_list<L...>, I>...>(std::get<I>(m.layers)...)};
        }(std::make_index_sequence<sizeof...(L) - 1>{});
    }
};

// The model actually trained: without its final softmax when the loss is fused with it.
template <bool Fuse, class Model>
struct trained_model_of {
    using type = Model;
};
template <class Model>
struct trained_model_of<true, Model> {
    using type = typename without_softmax<Model>::type;
};

template <class Loss>
struct default_metric {
    using type = metrics::accuracy;
};
template <class Loss>
    requires requires { typename Loss::target_kind; }
struct default_metric<Loss> {
    using type = std::conditional_t<std::is_same_v<typename Loss::target_kind, losses::real_values>, metrics::mse,
                                    metrics::accuracy>;
};

template <class Callback>
concept has_hook = requires(Callback& c, epoch_info const& e) { c.on_epoch_end(e); } ||
                   requires(Callback& c, batch_info const& b) { c.on_batch_end(b); };

template <class Tuple>
struct all_regularizers;
template <class... R>
struct all_regularizers<std::tuple<R...>> {
    template <class T>
    static constexpr bool check = (concepts::regularizer<R, T> && ...);
};
template <class Tuple>
struct all_callbacks;
template <class... C>
struct all_callbacks<std::tuple<C...>> : std::bool_constant<(has_hook<C> && ...)> {};

template <class T>
inline constexpr bool is_known_role =
    has_role<T, role::optimizer> || has_role<T, role::loss> || has_role<T, role::regularizer> ||
    has_role<T, role::schedule> || has_role<T, role::metric> || has_role<T, role::callback> ||
    has_role<T, role::setting>;

// Calls each callback's hook when it has one; true when any asks to stop.
template <class Tuple, class Info>
bool call_hooks(Tuple& callbacks, Info const& info) {
    return std::apply(
        [&](auto&... cb) {
            bool stop = false;
            auto call = [&](auto& c) {
                if constexpr (std::is_same_v<Info, epoch_info> && requires { c.on_epoch_end(info); }) {
                    if constexpr (std::is_same_v<decltype(c.on_epoch_end(info)), bool>) stop |= c.on_epoch_end(info);
                    else c.on_epoch_end(info);
                } else if constexpr (std::is_same_v<Info, batch_info> && requires { c.on_batch_end(info); }) {
                    if constexpr (std::is_same_v<decltype(c.on_batch_end(info)), bool>) stop |= c.on_batch_end(info);
                    else c.on_batch_end(info);
                }
            };
            (call(cb), ...);
            return stop;
        },
        callbacks);
}

template <class C>
concept restoring_callback = requires(C& c, epoch_info const& e) {
    { c.improved(e) } -> std::convertible_to<bool>;
    c.restore_best;
    c.reset(true);
};
} // namespace detail

// Loss and score of a model on a data set.
struct evaluation {
    double loss = 0;
    double score = 0; // the trainer's metric (accuracy by default for classification)
};

// What fit() returns: the trained network, its per-epoch history, and ways to use it.
template <class T, class TrainedModel, class Loss, class Metric>
class fit_result {
public:
    using network_type = nn::network<T, TrainedModel>;

    fit_result(network_type net, Loss loss, Metric metric, bool outputs_logits)
        : m_net(std::move(net)), m_loss(loss), m_metric(metric), m_outputs_logits(outputs_logits) {}

    std::vector<epoch_info> history;
    bool stopped_early = false;
    bool flush_denormals = true; // as the trainer's setting: predict() and evaluate() compute as training did
    std::size_t best_epoch = 0;  // the epoch whose weights the network holds

    network_type& network() noexcept { return m_net; }
    network_type const& network() const noexcept { return m_net; }

    // Model outputs for every sample (probabilities when the model ends in softmax).
    tensor<T, 2> predict(data::dataset<T> const& d) {
        auto out = raw_outputs(d);
        if (m_outputs_logits) to_probabilities(out);
        return out;
    }

    // The loss on the network's own outputs; the metric on what predict() gives (probabilities
    // when the model ends in softmax), so a metric never sees logits it did not ask for.
    evaluation evaluate(data::dataset<T> const& d) {
        data::detail::check_target_rows(d, "htune::train::fit_result::evaluate: ");
        return score(raw_outputs(d), d);
    }

private:
    template <class M, class... O>
    friend class trainer; // evaluates in parallel on its replicas

    // The loss and the metric of outputs already computed for every sample of d.
    evaluation score(tensor<T, 2> out, data::dataset<T> const& d) const {
        auto const y = d.all_targets();
        batch_view<T const> all{out.data(), out.shape()[0], out.shape()[1]};
        double const loss = static_cast<double>(m_loss.value(all, y));
        if (m_outputs_logits) to_probabilities(out);
        return {loss, static_cast<double>(m_metric(all, y))};
    }

    void check_features(data::dataset<T> const& d) const {
        HTUNE_CHECK_AS(shape_error, d.feature_count() == m_net.input_shape().size(), "htune::train: data has ",
                       d.feature_count(), " features per sample, the model takes ", m_net.input_shape().size(),
                       " (shape ", m_net.input_shape(), ")");
    }

    // Forward passes (not training) of rows [begin, end) of d through `net`, into those rows of out.
    template <class Net>
    static void forward_rows(Net& net, data::dataset<T> const& d, std::size_t begin, std::size_t end,
                             tensor<T, 2>& out) {
        std::size_t const k = out.shape()[1];
        nn::context ctx;
        std::size_t const step = net.max_batch();
        for (std::size_t first = begin; first < end; first += step) {
            std::size_t const rows = std::min(step, end - first);
            batch_view<T const> in{d.features.data() + first * d.feature_count(), rows, d.feature_count()};
            auto const o = net.forward(in, ctx);
            std::copy(o.begin(), o.end(), out.data() + first * k);
        }
    }

    static void to_probabilities(tensor<T, 2>& out) {
        for (std::size_t r = 0; r < out.shape()[0]; ++r) {
            T* row = out.data() + r * out.shape()[1];
            nn::detail::softmax_row(row, row, out.shape()[1]);
        }
    }

    tensor<T, 2> raw_outputs(data::dataset<T> const& d) {
        check_features(d);
        tensor<T, 2> out = tensor<T, 2>::from_shape({d.size(), m_net.output_shape().size()});
        scoped_flush_denormals flush(flush_denormals);
        forward_rows(m_net, d, 0, d.size(), out);
        return out;
    }

    network_type m_net;
    Loss m_loss;
    Metric m_metric;
    bool m_outputs_logits;
};

template <class Model, class... Options>
class trainer {
    static_assert(has_role<Model, role::layer>,
                  "htune::train::trainer<Model, ...>: Model is not a layer; use nn::sequential<...> (see "
                  "docs/concepts/layer.md)");
    static_assert(
        (detail::is_known_role<Options> && ...),
        "htune::train::trainer<Model, Options...>: an option has no role the trainer takes; options are "
        "optimizers, losses, regularizers, schedules, metrics, callbacks and settings (epochs<N>, "
        "batch_size<N>, learning_rate<V>, shuffle<B>, precision<T>, blas_threads<N>, flush_denormals<B>, threads<N>, "
        "split_batch<B>)");
    static_assert(detail::count_role<role::optimizer, Options...> <= 1,
                  "htune::train::trainer: give at most one optimizer");
    static_assert(detail::count_role<role::loss, Options...> <= 1, "htune::train::trainer: give at most one loss");
    static_assert(detail::count_role<role::schedule, Options...> <= 1,
                  "htune::train::trainer: give at most one schedule (compose them, e.g. linear_warmup<cosine>)");
    static_assert(detail::count_role<role::metric, Options...> <= 1, "htune::train::trainer: give at most one metric");
    static_assert(detail::no_setting_twice<Options...>, "htune::train::trainer: a setting is given twice");

    static constexpr bool model_ends_in_softmax = detail::ends_with_softmax<Model>::value;

public:
    using value_type = typename detail::pick_setting_t<precision_tag, precision<float>, Options...>::type;
    using T = value_type;
    static_assert(std::is_floating_point_v<T>, "htune::train::precision<T>: T must be float or double");

    using optimizer_type = detail::pick_role_t<role::optimizer, optim::adam<>, Options...>;
    using loss_type = detail::pick_role_t<
        role::loss, std::conditional_t<model_ends_in_softmax, losses::cross_entropy, losses::softmax_cross_entropy>,
        Options...>;
    using schedule_type = detail::pick_role_t<role::schedule, optim::constant, Options...>;
    using metric_type = detail::pick_role_t<role::metric, typename detail::default_metric<loss_type>::type, Options...>;
    using regularizer_tuple = detail::all_with_role<role::regularizer, Options...>;
    using callback_tuple = detail::all_with_role<role::callback, Options...>;

    static_assert(concepts::optimizer<optimizer_type, T>,
                  "htune::train::trainer: the optimizer does not meet the optimizer contract (nested state<T> "
                  "constructible from (optimizer, n) with step(params, grads, lr)); see docs/concepts/optimizer.md");
    static_assert(concepts::loss<loss_type, T>,
                  "htune::train::trainer: the loss does not meet the loss contract (target_kind, value, "
                  "value_and_gradient); see docs/concepts/loss.md");
    static_assert(detail::all_regularizers<regularizer_tuple>::template check<T>,
                  "htune::train::trainer: a regularizer does not meet the regularizer contract (penalty(weights) and "
                  "add_gradient(weights, grads)); see docs/concepts/regularizer.md");
    static_assert(detail::all_callbacks<callback_tuple>::value,
                  "htune::train::trainer: a callback has neither on_epoch_end(epoch_info const&) nor "
                  "on_batch_end(batch_info const&) (check the spelling); see docs/getting_started.md");
    static_assert(concepts::schedule<schedule_type>,
                  "htune::train::trainer: the schedule has no factor(optim::progress) -> double");
    static_assert(concepts::metric<metric_type, T>,
                  "htune::train::trainer: the metric does not meet the metric contract (higher_is_better, "
                  "operator()(outputs, targets) -> double); see docs/concepts/metric.md");
    static_assert(!std::is_same_v<loss_type, losses::cross_entropy> || model_ends_in_softmax,
                  "htune::train::trainer: losses::cross_entropy takes probabilities, so the model must end in "
                  "nn::softmax; for a model that outputs logits use losses::softmax_cross_entropy");

    // With softmax + cross_entropy the network is trained without its softmax, on the fused and
    // numerically stable softmax_cross_entropy: the same loss and gradient, less work.
    static constexpr bool fuses_softmax = model_ends_in_softmax && std::is_same_v<loss_type, losses::cross_entropy>;
    using trained_model = typename detail::trained_model_of<fuses_softmax, Model>::type;
    using training_loss = std::conditional_t<fuses_softmax, losses::softmax_cross_entropy, loss_type>;
    using result_type = fit_result<T, trained_model, training_loss, metric_type>;

    Model model{};
    optimizer_type optimizer{};
    loss_type loss{};
    schedule_type schedule{};
    metric_type metric{};
    regularizer_tuple regularizers{};
    callback_tuple callbacks{};
    std::size_t epochs = detail::pick_setting_t<epochs_tag, train::epochs<10>, Options...>::value;
    std::size_t batch_size = detail::pick_setting_t<batch_size_tag, train::batch_size<64>, Options...>::value;
    double learning_rate = detail::pick_setting_t<learning_rate_tag, train::learning_rate<1e-3>, Options...>::value;
    bool shuffle = detail::pick_setting_t<shuffle_tag, train::shuffle<true>, Options...>::value;
    int blas_threads =
        detail::pick_setting_t<blas_threads_tag, train::blas_threads<0>, Options...>::value; // 0: library's
    // Subnormal floats flushed to zero while training (see core/denormals.hpp: without it Adam's
    // decaying moments turn subnormal and an epoch can take several times as long).
    bool flush_denormals = detail::pick_setting_t<flush_denormals_tag, train::flush_denormals<true>, Options...>::value;
    // Threads for the trainer's own loops (the optimizer update); see train::threads<N>.
    std::size_t threads = detail::pick_setting_t<threads_tag, train::threads<1>, Options...>::value;
    // With threads > 1, split each batch's rows between the threads too; see train::split_batch<B>.
    bool split_batch = detail::pick_setting_t<split_batch_tag, train::split_batch<false>, Options...>::value;

    trainer() = default;

    // Binding hook (core/slots.hpp): every part a tuner walks for number slots, and the settings
    // that may hold hp<"name">{}.
    void htune_slots(auto&& visit) {
        visit(model, optimizer, loss, schedule, metric, regularizers, callbacks,
              number_slot<detail::pick_setting_t<epochs_tag, train::epochs<10>, Options...>::arg, "train::epochs">(
                  epochs),
              number_slot<detail::pick_setting_t<batch_size_tag, train::batch_size<64>, Options...>::arg,
                          "train::batch_size">(batch_size),
              number_slot<detail::pick_setting_t<learning_rate_tag, train::learning_rate<1e-3>, Options...>::arg,
                          "train::learning_rate">(learning_rate));
    }

    // Trains on `train` from a fresh initialisation; everything random derives from `seed`.
    result_type fit(data::dataset<T> const& train, std::uint64_t seed) { return run(train, nullptr, seed); }
    // Same, validating on `validation` after every epoch.
    result_type fit(data::dataset<T> const& train, data::dataset<T> const& validation, std::uint64_t seed) {
        return run(train, &validation, seed);
    }
    // Same, with an observer that sees every epoch after the callbacks (and may stop training).
    result_type fit(data::dataset<T> const& train, data::dataset<T> const& validation, std::uint64_t seed,
                    epoch_observer observer) {
        return run(train, &validation, seed, observer);
    }

    // The BLAS thread count fit() uses: the one asked for, else the library's own setting. Which
    // is faster depends on the machine and the batch (docs/getting_started.md, "BLAS threads");
    // what always hurts is two thread pools competing for the cores, so parallel trials give each
    // training one thread.
    // With split batches each thread calls BLAS on its own share, so BLAS gets one thread.
    int blas_threads_for(std::size_t /*batch*/) const noexcept {
        if (splits_batches()) return 1;
        return blas_threads > 0 ? blas_threads : htune::blas_threads::get();
    }

    // True when fit() splits each batch's rows between threads.
    bool splits_batches() const noexcept { return split_batch && threads > 1; }

private:
    // The loss the network is trained on: the user's, or its fused form (which has no settings).
    training_loss training_loss_value() const {
        if constexpr (fuses_softmax) return training_loss{};
        else return loss;
    }

    trained_model trained_spec() const {
        if constexpr (fuses_softmax) return detail::without_softmax<Model>::convert(model);
        else return model;
    }

    void check_settings() const {
        HTUNE_CHECK(epochs > 0, "htune::train::trainer: epochs (", epochs, ") must be > 0");
        HTUNE_CHECK(batch_size > 0, "htune::train::trainer: batch_size (", batch_size, ") must be > 0");
        HTUNE_CHECK(threads > 0, "htune::train::trainer: threads (", threads, ") must be > 0");
        HTUNE_CHECK(std::isfinite(learning_rate) && learning_rate > 0, "htune::train::trainer: learning_rate (",
                    learning_rate, ") must be finite and > 0");
        if constexpr (requires { optimizer.validate(); }) optimizer.validate();
        if constexpr (requires { schedule.validate(); }) schedule.validate();
        std::apply(
            [](auto const&... r) {
                (
                    [&] {
                        if constexpr (requires { r.validate(); }) r.validate();
                    }(),
                    ...);
            },
            regularizers);
    }

    void check_data(data::dataset<T> const& d, char const* what, nn::shape out_shape) const {
        d.validate(what);
        constexpr bool classes = std::is_same_v<typename loss_type::target_kind, losses::class_labels>;
        if constexpr (classes) {
            HTUNE_CHECK_AS(data_error, d.is_classification(),
                           "htune::train::trainer: the loss takes class labels but the ", what,
                           " data has real targets (num_classes == 0)");
            HTUNE_CHECK_AS(shape_error, out_shape.size() == d.num_classes, "htune::train::trainer: the model outputs ",
                           out_shape.size(), " values per sample but the ", what, " data has ", d.num_classes,
                           " classes");
        } else {
            HTUNE_CHECK_AS(data_error, !d.is_classification(),
                           "htune::train::trainer: the loss takes real targets but the ", what,
                           " data has class labels");
            HTUNE_CHECK_AS(shape_error, out_shape.size() == d.targets.shape()[1],
                           "htune::train::trainer: the model outputs ", out_shape.size(), " values per sample but the ",
                           what, " data has ", d.targets.shape()[1], " targets per sample");
        }
    }

    result_type run(data::dataset<T> const& train, data::dataset<T> const* validation, std::uint64_t seed,
                    epoch_observer observer = {}) {
        check_settings();
        std::size_t const n = train.size();
        HTUNE_CHECK_AS(data_error, n > 0, "htune::train::trainer: the training data is empty");
        std::size_t const bs = std::min(batch_size, n);
        std::size_t const max_batch = std::max<std::size_t>(bs, 256); // evaluation runs in larger batches

        scoped_blas_threads blas_guard(blas_threads_for(bs));
        scoped_flush_denormals flush(flush_denormals);
        thread_team team(threads, flush_denormals); // threads == 1: no worker, every loop on this thread
        rng init_gen = rng::stream(seed, 1);
        rng shuffle_gen = rng::stream(seed, 2);
        rng dropout_gen = rng::stream(seed, 3);

        nn::network<T, trained_model> net(trained_spec(), train.input_shape(), max_batch, init_gen);
        check_data(train, "training", net.output_shape());
        if (validation) {
            check_data(*validation, "validation", net.output_shape());
            HTUNE_CHECK_AS(shape_error, validation->feature_count() == train.feature_count(),
                           "htune::train::trainer: validation data has ", validation->feature_count(),
                           " features per sample, training data ", train.feature_count());
        }

        typename optimizer_type::template state<T> opt_state(optimizer, net.params().size());
        // One share of each batch per thread when batches are split, else one share for all rows.
        std::size_t const shares = splits_batches() ? threads : 1;
        std::size_t const share_rows = (bs + shares - 1) / shares;
        std::vector<batch_share> share = make_shares(shares, share_rows, train, net.output_shape().size());
        std::vector<std::size_t> order(n);
        std::iota(order.begin(), order.end(), std::size_t{0});

        std::vector<T> best_params;
        bool const keep_best = reset_callbacks();

        result_type result(std::move(net), training_loss_value(), metric, fuses_softmax);
        result.flush_denormals = flush_denormals;
        auto& network = result.network();
        // Shares after the first run on replicas: their own activations and gradients, the
        // parameters of `network`.
        std::vector<nn::network<T, trained_model>> replicas =
            make_replicas(network, shares, train.input_shape(), std::max(share_rows, max_batch / shares), seed);
        std::size_t const batches = (n + bs - 1) / bs;
        std::size_t step = 0;
        training_loss const loss_fn = training_loss_value();

        for (std::size_t epoch = 0; epoch < epochs; ++epoch) {
            auto const start = std::chrono::steady_clock::now();
            if (shuffle) htune::shuffle(std::span<std::size_t>(order), shuffle_gen);
            double loss_sum = 0;
            double lr = learning_rate;
            for (std::size_t b = 0; b < batches; ++b) {
                std::size_t const first = b * bs;
                std::size_t const rows = std::min(bs, n - first);
                std::size_t const chunk = (rows + shares - 1) / shares; // share 0 is never empty
                for (std::size_t k = 1; k < shares; ++k) share[k].generator = dropout_gen;
                auto run_share = [&](std::size_t k) {
                    auto& sh = share[k];
                    sh.first_row = std::min(rows, k * chunk);
                    sh.rows = std::min(rows, sh.first_row + chunk) - sh.first_row;
                    if (sh.rows == 0) return;
                    auto& net_k = k == 0 ? network : replicas[k - 1];
                    nn::context ctx{true, k == 0 ? &dropout_gen : &sh.generator, sh.first_row};
                    auto work = [&] {
                        data::gather(train, std::span<std::size_t const>(order.data() + first + sh.first_row, sh.rows),
                                     sh.batch);
                        batch_view<T const> x = rows_of(std::as_const(sh.batch.features), sh.rows);
                        auto const out = net_k.forward(x, ctx);
                        auto const y = sh.batch.targets_of_rows(0, sh.rows);
                        auto grad = rows_of(sh.grad_out, sh.rows);
                        sh.loss = loss_fn.value_and_gradient(out, y, grad);
                        // The loss is a mean over the share's rows; the batch's is over all rows.
                        if (sh.rows != rows) {
                            T const scale = static_cast<T>(static_cast<double>(sh.rows) / static_cast<double>(rows));
                            for (std::size_t i = 0; i < grad.size(); ++i) grad.data[i] *= scale;
                        }
                        net_k.backward(x, rows_of(std::as_const(sh.grad_out), sh.rows));
                    };
                    if (k == 0) {
                        work();
                    } else {
                        // A worker must not throw (thread_team): its error is rethrown below.
                        try {
                            work();
                        } catch (...) {
                            sh.error = std::current_exception();
                        }
                    }
                };
                if (shares == 1) run_share(0);
                else team.for_each_thread(run_share);
                for (auto& sh : share)
                    if (sh.error) std::rethrow_exception(std::exchange(sh.error, nullptr));
                T batch_loss = share[0].loss;
                if (shares > 1) {
                    double total = 0;
                    for (auto const& sh : share)
                        if (sh.rows > 0) total += static_cast<double>(sh.loss) * static_cast<double>(sh.rows);
                    batch_loss = static_cast<T>(total / static_cast<double>(rows));
                }
                if (!std::isfinite(batch_loss))
                    htune::detail::throw_error<error>("htune::train::trainer: training diverged: the loss is ",
                                                      batch_loss, " at epoch ", epoch + 1, ", batch ", b + 1,
                                                      " (learning rate ", lr, ")");
                lr = learning_rate * schedule.factor(optim::progress{epoch, epochs, step, epochs * batches});
                update(network, replicas, share, opt_state, static_cast<T>(lr), team);
                ++step;
                loss_sum += static_cast<double>(batch_loss) * static_cast<double>(rows);
                if constexpr (std::tuple_size_v<callback_tuple> > 0) {
                    if (detail::call_hooks(callbacks, batch_info{epoch, b, batches, static_cast<double>(batch_loss)})) {
                        result.stopped_early = true;
                        break;
                    }
                }
            }
            if (end_epoch(result, replicas, validation, team, epoch, n, start, loss_sum, lr, keep_best, best_params,
                          observer))
                break;
        }
        if (keep_best && !best_params.empty())
            std::copy(best_params.begin(), best_params.end(), network.params().begin());
        return result;
    }

    // One thread's share of a batch: its rows, its gradient of the loss, its generator copy.
    struct batch_share {
        data::dataset<T> batch;
        tensor<T, 2> grad_out;
        rng generator;
        std::size_t first_row = 0;
        std::size_t rows = 0;
        T loss = 0;
        std::exception_ptr error;
    };

    // Buffers for each thread's share of a batch, allocated once per fit.
    static std::vector<batch_share> make_shares(std::size_t shares, std::size_t share_rows,
                                                data::dataset<T> const& train, std::size_t outputs) {
        std::vector<batch_share> share(shares);
        for (auto& sh : share) {
            sh.batch.features.resize({share_rows, train.feature_count()});
            if (train.is_classification()) sh.batch.labels.resize({share_rows});
            else sh.batch.targets.resize({share_rows, train.targets.shape()[1]});
            sh.grad_out = tensor<T, 2>::from_shape({share_rows, outputs});
        }
        return share;
    }

    // The networks of shares 1 .. shares-1: their own activations and gradients, the parameters of
    // `network`; `max_batch` rows (share_rows while training, larger when evaluating in parallel).
    std::vector<nn::network<T, trained_model>> make_replicas(nn::network<T, trained_model>& network, std::size_t shares,
                                                             shape input, std::size_t max_batch,
                                                             std::uint64_t seed) const {
        std::vector<nn::network<T, trained_model>> replicas;
        replicas.reserve(shares - 1);
        for (std::size_t k = 1; k < shares; ++k) {
            rng unused = rng::stream(seed, 4);
            replicas.emplace_back(trained_spec(), input, max_batch, unused);
            replicas.back().share_parameters_of(network);
        }
        return replicas;
    }

    // Resets the callbacks that watch the validation score; true when one restores the best epoch.
    bool reset_callbacks() {
        bool keep_best = false;
        std::apply(
            [&](auto&... cb) {
                (
                    [&] {
                        if constexpr (detail::restoring_callback<std::remove_cvref_t<decltype(cb)>>) {
                            cb.reset(metric_type::higher_is_better);
                            keep_best |= cb.restore_best;
                        }
                    }(),
                    ...);
            },
            callbacks);
        return keep_best;
    }

    // The end of an epoch: its record (validated when there is validation data), the best
    // parameters kept, the callbacks and the observer asked. True when training stops here.
    template <class Replicas>
    bool end_epoch(result_type& result, Replicas& replicas, data::dataset<T> const* validation, thread_team& team,
                   std::size_t epoch, std::size_t n, std::chrono::steady_clock::time_point start, double loss_sum,
                   double lr, bool keep_best, std::vector<T>& best_params, epoch_observer const& observer) {
        auto& network = result.network();
        epoch_info info;
        info.epoch = epoch;
        info.epochs = epochs;
        info.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        info.samples_per_second = static_cast<double>(n) / std::max(info.seconds, 1e-12);
        info.train_loss = loss_sum / static_cast<double>(n);
        info.penalty = regularizer_penalty(network);
        info.learning_rate = lr;
        if (validation) {
            auto const e =
                replicas.empty() ? result.evaluate(*validation) : evaluate_split(result, replicas, *validation, team);
            info.validation_loss = e.loss;
            info.validation_score = e.score;
        }
        bool improved = false;
        std::apply(
            [&](auto&... cb) {
                (
                    [&] {
                        if constexpr (detail::restoring_callback<std::remove_cvref_t<decltype(cb)>>)
                            improved |= cb.improved(info);
                    }(),
                    ...);
            },
            callbacks);
        if (keep_best && improved) {
            best_params.assign(network.params().begin(), network.params().end());
            result.best_epoch = epoch;
        }
        if (!keep_best) result.best_epoch = epoch;
        result.history.push_back(info);
        bool stop = result.stopped_early;
        if constexpr (std::tuple_size_v<callback_tuple> > 0) stop |= detail::call_hooks(callbacks, info);
        if (observer) stop |= observer(info);
        if (stop) result.stopped_early = true;
        return stop;
    }

    // result.evaluate(d), its forward passes shared out between the threads: thread k runs the
    // k-th part of the rows on the network (k = 0) or its replica.
    template <class Net>
    static evaluation evaluate_split(result_type& result, std::vector<Net>& replicas, data::dataset<T> const& d,
                                     thread_team& team) {
        data::detail::check_target_rows(d, "htune::train::fit_result::evaluate: ");
        auto& network = result.network();
        result.check_features(d);
        tensor<T, 2> out = tensor<T, 2>::from_shape({d.size(), network.output_shape().size()});
        std::size_t const parts = replicas.size() + 1;
        std::size_t const chunk = (d.size() + parts - 1) / parts;
        std::vector<std::exception_ptr> errors(parts);
        team.for_each_thread([&](std::size_t k) {
            std::size_t const begin = std::min(d.size(), k * chunk);
            std::size_t const end = std::min(d.size(), begin + chunk);
            try {
                if (k == 0) result_type::forward_rows(network, d, begin, end, out);
                else result_type::forward_rows(replicas[k - 1], d, begin, end, out);
            } catch (...) {
                errors[k] = std::current_exception();
            }
        });
        for (auto& e : errors)
            if (e) std::rethrow_exception(e);
        return result.score(std::move(out), d);
    }

    // A split of [0, n) that first runs `before` on each part: the optimizer's update then reads
    // gradients summed on the same thread a moment before, still in its cache.
    template <class Before>
    struct split_after {
        thread_team& team;
        Before before;
        template <class F>
        void operator()(std::size_t n, F&& f) {
            team(n, [&](std::size_t begin, std::size_t end) {
                before(begin, end);
                f(begin, end);
            });
        }
    };

    // Sums the replicas' gradients into the network's (when the batch was split), adds the
    // regularizers' gradients and takes one optimizer step.
    template <class Net, class State>
    void update(Net& network, std::vector<Net>& replicas, std::vector<batch_share> const& share, State& opt_state, T lr,
                thread_team& team) const {
        constexpr bool splits_step = requires { opt_state.step(network.params(), std::span<T const>(), lr, team); };
        std::span<T const> const grads(network.grads());
        if (replicas.empty()) {
            add_regularizer_gradients(network);
            if constexpr (splits_step) opt_state.step(network.params(), grads, lr, team);
            else opt_state.step(network.params(), grads, lr);
            return;
        }
        auto sum = [&network, &replicas, &share](std::size_t begin, std::size_t end) {
            T* __restrict total = network.grads().data();
            for (std::size_t k = 1; k < share.size(); ++k) {
                if (share[k].rows == 0) continue;
                T const* __restrict g = replicas[k - 1].grads().data();
                for (std::size_t i = begin; i < end; ++i) total[i] += g[i];
            }
        };
        if constexpr (splits_step && std::tuple_size_v<regularizer_tuple> == 0) {
            opt_state.step(network.params(), grads, lr, split_after<decltype(sum)>{team, sum});
        } else {
            team(grads.size(), sum);
            add_regularizer_gradients(network);
            if constexpr (splits_step) opt_state.step(network.params(), grads, lr, team);
            else opt_state.step(network.params(), grads, lr);
        }
    }

    template <class Net>
    void add_regularizer_gradients(Net& net) const {
        if constexpr (std::tuple_size_v<regularizer_tuple> > 0) {
            auto params = net.params();
            auto grads = net.grads();
            for (auto const& block : net.weight_blocks()) {
                std::span<T const> w(params.data() + block.offset, block.size);
                std::span<T> g(grads.data() + block.offset, block.size);
                std::apply([&](auto const&... r) { (r.add_gradient(w, g), ...); }, regularizers);
            }
        }
    }

    template <class Net>
    double regularizer_penalty(Net const& net) const {
        double total = 0;
        if constexpr (std::tuple_size_v<regularizer_tuple> > 0) {
            auto params = net.params();
            for (auto const& block : net.weight_blocks()) {
                std::span<T const> w(params.data() + block.offset, block.size);
                std::apply([&](auto const&... r) { ((total += static_cast<double>(r.penalty(w))), ...); },
                           regularizers);
            }
        }
        return total;
    }
};

// Whether T is a trainer (or a trainer pattern, which this does not instantiate).
template <class T>
struct is_trainer : std::false_type {};
template <class M, class... O>
struct is_trainer<trainer<M, O...>> : std::true_type {};

// A trainer that stands in after a mistake reported elsewhere (a tuner given no trainer), so
// that the message stays the only one.
using stand_in_trainer = trainer<nn::sequential<nn::dense<1>>>;

} // namespace htune::train
