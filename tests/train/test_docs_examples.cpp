// The code of docs/getting_started.md and docs/concepts/*.md, compiled and run.
//
// Every block between `// docs:begin <page> <name>` and `// docs:end` appears verbatim, as a ```cpp
// block, in docs/<page>; the test case "docs: every marked block appears verbatim in its page"
// checks that, so change a block here and in its page together.
#include <doctest/doctest.h>

#include <htune/htune.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <unistd.h>
#include <vector>

#include "tolerances.hpp"

// ------------------------------------------------------------------------------------------------
// The skeletons of docs/concepts/*.md. Each page shows one; user code needs <htune/htune.hpp>.
namespace docs_examples {

// clang-format off: the block is the page's text
// docs:begin concepts/layer.md scaled_tanh
template <class T>
class scaled_tanh_layer;

// y = scale * tanh(gain * x + bias) for every value of a sample, with a gain and a bias learned
// per value. scale is a hyperparameter: fixed while training, set before.
struct scaled_tanh {
    using htune_role = htune::role::layer; // the role tag
    template <class T>
    using impl = scaled_tanh_layer<T>; // the run-time layer for float and double

    double scale = 1.7159; // LeCun's: with gain 2/3, f(1) = 1 and f(-1) = -1
};

template <class T>
class scaled_tanh_layer {
public:
    explicit scaled_tanh_layer(scaled_tanh const& spec) : m_scale(static_cast<T>(spec.scale)) {}

    // (1) Takes samples of any shape; sizes every buffer for max_batch rows, once.
    htune::nn::shape setup(htune::nn::shape in, std::size_t max_batch) {
        m_size = in.size();
        m_out.resize({max_batch, m_size});
        m_slope.resize({max_batch, m_size});
        m_grad_in.resize({max_batch, m_size});
        return in; // the output sample has the input's shape
    }

    // (2) Gains first: they are the weights that regularizers see. Biases follow.
    std::size_t param_count() const noexcept { return 2 * m_size; }
    std::size_t weight_count() const noexcept { return m_size; }

    // (3) This layer's slices of the network's flat buffers, param_count() values each.
    void bind(std::span<T> params, std::span<T> grads) {
        m_params = params;
        m_grads = grads;
    }

    // (4) Deterministic here; a layer that initialises at random draws from g, and only from g.
    void init(htune::rng&) {
        auto const gain = m_params.first(m_size);
        auto const bias = m_params.subspan(m_size);
        std::fill(gain.begin(), gain.end(), T(2) / T(3));
        std::fill(bias.begin(), bias.end(), T(0));
    }

    // (5) The output rows for the input rows, in a buffer sized by setup: no allocation.
    htune::batch_view<T const> forward(htune::batch_view<T const> in, htune::nn::context&) {
        HTUNE_CHECK_AS(htune::shape_error, in.cols == m_size && in.rows <= m_out.shape()[0],
                       "scaled_tanh: got a batch (", in.rows, ", ", in.cols, "), expected at most (",
                       m_out.shape()[0], ", ", m_size, ")");
        T const* gain = m_params.data();
        T const* bias = gain + m_size;
        auto out = htune::rows_of(m_out, in.rows);
        auto slope = htune::rows_of(m_slope, in.rows);
        for (std::size_t r = 0; r < in.rows; ++r)
            for (std::size_t c = 0; c < m_size; ++c) {
                T const t = std::tanh(gain[c] * in(r, c) + bias[c]);
                out(r, c) = m_scale * t;
                slope(r, c) = m_scale * (T(1) - t * t); // d out / d (gain * x + bias), for backward
            }
        return out;
    }

    // (6) After forward on the same input: overwrites the parameter gradients and, when asked,
    // returns d loss / d input.
    htune::batch_view<T const> backward(htune::batch_view<T const> in, htune::batch_view<T const> grad_out,
                                        bool need_input_grad) {
        T const* gain = m_params.data();
        T* d_gain = m_grads.data();
        T* d_bias = d_gain + m_size;
        std::fill(m_grads.begin(), m_grads.end(), T(0));
        auto grad_in = htune::rows_of(m_grad_in, grad_out.rows);
        for (std::size_t r = 0; r < grad_out.rows; ++r)
            for (std::size_t c = 0; c < m_size; ++c) {
                T const g = grad_out(r, c) * m_slope(r, c);
                d_gain[c] += g * in(r, c);
                d_bias[c] += g;
                if (need_input_grad) grad_in(r, c) = g * gain[c];
            }
        if (!need_input_grad) return {};
        return grad_in;
    }

private:
    T m_scale;
    std::size_t m_size = 0;
    std::span<T> m_params;
    std::span<T> m_grads;
    htune::tensor<T, 2> m_out;
    htune::tensor<T, 2> m_slope;
    htune::tensor<T, 2> m_grad_in;
};
// docs:end
// clang-format on

// clang-format off: the block is the page's text
// docs:begin concepts/optimizer.md gradient_descent
// Plain gradient descent: p <- p - lr * g.
struct gradient_descent {
    using htune_role = htune::role::optimizer; // the role tag

    // Hyperparameters (a momentum, a decay) would be public members here, with defaults.

    // The run state of one training run, for n parameters of type T.
    template <class T>
    class state {
    public:
        state(gradient_descent const&, std::size_t n) : m_n(n) {}

        void step(std::span<T> params, std::span<T const> grads, T lr) {
            HTUNE_CHECK_AS(htune::shape_error, params.size() == m_n && grads.size() == m_n,
                           "gradient_descent::state::step: ", params.size(), " parameters and ", grads.size(),
                           " gradients for a state of ", m_n);
            for (std::size_t i = 0; i < m_n; ++i) params[i] -= lr * grads[i];
        }

    private:
        std::size_t m_n;
    };
};
// docs:end
// clang-format on

// clang-format off: the block is the page's text
// docs:begin concepts/regularizer.md l1_l2_mix
// strength * (l1_ratio * sum |w| + (1 - l1_ratio) / 2 * sum w^2): an L1/L2 mix in scikit-learn's
// ElasticNet form, one strength and the share of L1 in it.
struct l1_l2_mix {
    using htune_role = htune::role::regularizer; // the role tag

    double strength = 1e-4;
    double l1_ratio = 0.5; // 1: pure L1, 0: pure L2

    // Optional: the trainer calls validate() before training when it exists.
    void validate() const {
        HTUNE_CHECK(strength >= 0 && std::isfinite(strength), "l1_l2_mix: strength (", strength,
                    ") must be >= 0 and finite");
        HTUNE_CHECK(l1_ratio >= 0 && l1_ratio <= 1, "l1_l2_mix: l1_ratio (", l1_ratio, ") must be in [0, 1]");
    }

    // (1) The penalty of one block of weights, summed in double.
    template <class T>
    T penalty(std::span<T const> w) const {
        double abs_sum = 0, square_sum = 0;
        for (T const x : w) {
            abs_sum += std::abs(static_cast<double>(x));
            square_sum += static_cast<double>(x) * static_cast<double>(x);
        }
        return static_cast<T>(strength * (l1_ratio * abs_sum + 0.5 * (1 - l1_ratio) * square_sum));
    }

    // (2) Adds (never assigns) d penalty / d w to g; sign(0) = 0 leaves a zero weight at zero.
    template <class T>
    void add_gradient(std::span<T const> w, std::span<T> g) const {
        auto const a = static_cast<T>(strength * l1_ratio);
        auto const b = static_cast<T>(strength * (1 - l1_ratio));
        for (std::size_t i = 0; i < w.size(); ++i) {
            T const sign = w[i] > T(0) ? T(1) : (w[i] < T(0) ? T(-1) : T(0));
            g[i] += a * sign + b * w[i];
        }
    }
};
// docs:end
// clang-format on

// clang-format off: the block is the page's text
// docs:begin concepts/loss.md huber
// The Huber loss, averaged over every output value (torch.nn.HuberLoss): with d = out - target,
// d^2 / 2 where |d| <= delta, delta * (|d| - delta / 2) beyond.
struct huber {
    using htune_role = htune::role::loss;           // the role tag
    using target_kind = htune::real_values; // (1) a row of real targets per sample

    double delta = 1.0;

    // (2) The mean loss.
    template <class T>
    T value(htune::batch_view<T const> out, htune::targets<T> const& y) const {
        check(out, y);
        double total = 0;
        for (std::size_t i = 0; i < out.size(); ++i) {
            double const d = std::abs(static_cast<double>(out.data[i]) - y.values.data[i]);
            total += d <= delta ? 0.5 * d * d : delta * (d - 0.5 * delta);
        }
        return static_cast<T>(total / static_cast<double>(out.size()));
    }

    // (3) The mean loss, and d loss / d out written into grad (same shape as out).
    template <class T>
    T value_and_gradient(htune::batch_view<T const> out, htune::targets<T> const& y,
                         htune::batch_view<T> grad) const {
        T const v = value(out, y);
        double const inv_n = 1.0 / static_cast<double>(out.size());
        for (std::size_t i = 0; i < out.size(); ++i) {
            double const d = static_cast<double>(out.data[i]) - static_cast<double>(y.values.data[i]);
            grad.data[i] = static_cast<T>(inv_n * std::clamp(d, -delta, delta));
        }
        return v;
    }

private:
    template <class T>
    static void check(htune::batch_view<T const> out, htune::targets<T> const& y) {
        HTUNE_CHECK_AS(htune::shape_error, y.values.rows == out.rows && y.values.cols == out.cols,
                       "huber: outputs (", out.rows, ", ", out.cols, ") and targets (", y.values.rows, ", ",
                       y.values.cols, ") differ in shape");
    }
};
// docs:end
// clang-format on

// clang-format off: the block is the page's text
// docs:begin concepts/metric.md top2_accuracy
// Share of samples whose label is among the two highest scores (ties count in its favour).
struct top2_accuracy {
    using htune_role = htune::role::metric;        // the role tag
    static constexpr bool higher_is_better = true; // (1) the direction

    // (2) The score of all outputs (one row of class scores per sample) against their labels.
    template <class T>
    double operator()(htune::batch_view<T const> out, htune::targets<T> const& y) const {
        HTUNE_CHECK_AS(htune::shape_error, y.labels.size() == out.rows && out.rows > 0 && out.cols >= 2,
                       "top2_accuracy: outputs (", out.rows, ", ", out.cols, ") for ", y.labels.size(),
                       " labels; need a row per label, at least one row and two columns");
        std::size_t hits = 0;
        for (std::size_t r = 0; r < out.rows; ++r) {
            auto const label = y.labels[r];
            HTUNE_CHECK_AS(htune::data_error, label >= 0 && static_cast<std::size_t>(label) < out.cols,
                           "top2_accuracy: label ", label, " of sample ", r, " is outside [0, ", out.cols,
                           ")");
            T const* scores = out.row(r);
            T const mine = scores[label];
            std::size_t higher = 0; // scores above the label's
            for (std::size_t c = 0; c < out.cols; ++c) higher += scores[c] > mine;
            hits += higher <= 1;
        }
        return static_cast<double>(hits) / static_cast<double>(out.rows);
    }
};
// docs:end
// clang-format on

// clang-format off: the block is the page's text
// docs:begin concepts/layer.md run_time_sizes
using wide_model = htune::nn::sequential<htune::nn::dense<>, htune::nn::relu, htune::nn::dropout<>,
                                         htune::nn::dense<3>>;

htune::train::trainer<wide_model> make_trainer(std::size_t width, double dropout_rate) {
    htune::train::trainer<wide_model> trainer;
    std::get<0>(trainer.model.layers).units = width;       // dense<>: no width until one is set
    std::get<2>(trainer.model.layers).rate = dropout_rate; // dropout<>: 0.5 unless set
    return trainer;
}
// docs:end
// clang-format on

// The checks each page shows.

// clang-format off: the block is the page's text
// docs:begin concepts/layer.md static_assert
static_assert(htune::concepts::layer<scaled_tanh, float>);
static_assert(htune::concepts::layer<scaled_tanh, double>);
// docs:end
// clang-format on

// clang-format off: the block is the page's text
// docs:begin concepts/optimizer.md static_assert
static_assert(htune::concepts::optimizer<gradient_descent, float>);
static_assert(htune::concepts::optimizer<gradient_descent, double>);
// docs:end
// clang-format on

// clang-format off: the block is the page's text
// docs:begin concepts/regularizer.md static_assert
static_assert(htune::concepts::regularizer<l1_l2_mix, float>);
static_assert(htune::concepts::regularizer<l1_l2_mix, double>);
// docs:end
// clang-format on

// clang-format off: the block is the page's text
// docs:begin concepts/loss.md static_assert
static_assert(htune::concepts::loss<huber, float>);
static_assert(htune::concepts::loss<huber, double>);
// docs:end
// clang-format on

// clang-format off: the block is the page's text
// docs:begin concepts/metric.md static_assert
static_assert(htune::concepts::metric<top2_accuracy, float>);
static_assert(htune::concepts::metric<top2_accuracy, double>);
// docs:end
// clang-format on

// The role tag is what tells the roles apart: a loss is not a regularizer or a metric.
static_assert(!htune::concepts::regularizer<huber, float> && !htune::concepts::metric<huber, float>);
static_assert(!htune::concepts::loss<l1_l2_mix, float> && !htune::concepts::optimizer<l1_l2_mix, float>);

using htune::test::tolerances;

// clang-format off: the block is the page's text
// docs:begin concepts/layer.md gradient_check
TEST_CASE_TEMPLATE("doc scaled_tanh: gradients match finite differences", T, float, double) {
    // Random inputs and parameters; 3 rows of samples of shape (2, 3).
    auto const result = htune::nn::check_gradients<T>(scaled_tanh{}, htune::nn::shape{2, 3});
    INFO(result); // names the worst parameter or input
    CHECK(result.params_checked == 12);
    CHECK(result.inputs_checked == 18);
    CHECK(result.max_error() < tolerances<T>::gradient);
    scaled_tanh steep;
    steep.scale = 3.0;
    CHECK(htune::nn::check_gradients<T>(steep, htune::nn::shape{4}).max_error() < tolerances<T>::gradient);
}
// docs:end
// clang-format on

// clang-format off: the block is the page's text
// docs:begin concepts/loss.md gradient_check
TEST_CASE_TEMPLATE("doc huber: gradient matches finite differences", T, float, double) {
    // Differences on both sides of delta = 1, none within the finite-difference step of it.
    std::vector<T> out = {T(0.3), T(-2.0), T(1.5), T(0.1), T(-0.4), T(4.0)};
    std::vector<T> target = {T(0.0), T(0.5), T(1.0), T(-1.9), T(-0.2), T(1.0)};
    auto const y = htune::values_of<T>(htune::batch_view<T const>{target.data(), 3, 2});
    htune::batch_view<T const> const o{out.data(), 3, 2};
    CHECK(htune::nn::check_loss_gradient(huber{}, o, y) < tolerances<T>::gradient);
    huber narrow;
    narrow.delta = 0.25;
    CHECK(htune::nn::check_loss_gradient(narrow, o, y) < tolerances<T>::gradient);
}
// docs:end
// clang-format on

// clang-format off: the block is the page's text
// docs:begin concepts/regularizer.md gradient_check
// Central differences of penalty() against add_gradient(), which must add to what g holds.
template <class T, class Regularizer>
double regularizer_gradient_error(Regularizer const& r, std::vector<T> w) {
    double const h = sizeof(T) == 4 ? 1e-2 : 1e-6;     // the step
    double const floor = sizeof(T) == 4 ? 1e-2 : 1e-7; // relative error below, absolute near 0
    std::vector<T> g(w.size(), T(1)); // starts at 1: add_gradient must add, not assign
    r.add_gradient(std::span<T const>(w), std::span<T>(g));
    double worst = 0;
    for (std::size_t i = 0; i < w.size(); ++i) {
        auto plus = w, minus = w;
        plus[i] = static_cast<T>(w[i] + h);
        minus[i] = static_cast<T>(w[i] - h);
        double const step = static_cast<double>(plus[i]) - static_cast<double>(minus[i]); // after rounding
        double const numeric = (static_cast<double>(r.penalty(std::span<T const>(plus))) -
                                static_cast<double>(r.penalty(std::span<T const>(minus)))) / step;
        double const analytic = static_cast<double>(g[i]) - 1.0;
        double const error =
            std::abs(analytic - numeric) / std::max({std::abs(analytic), std::abs(numeric), floor});
        worst = std::max(worst, error);
    }
    return worst;
}

TEST_CASE_TEMPLATE("doc l1_l2_mix: gradient matches finite differences", T, float, double) {
    l1_l2_mix r;
    r.strength = 0.3;
    r.l1_ratio = 0.25;
    // No weight within the step of 0, where |w| has a kink.
    std::vector<T> const w = {T(0.8), T(-1.3), T(0.25), T(-0.05), T(2.0), T(-0.6)};
    CHECK(regularizer_gradient_error<T>(r, w) < tolerances<T>::gradient);
}
// docs:end
// clang-format on

} // namespace docs_examples

// ------------------------------------------------------------------------------------------------
// The programs of docs/getting_started.md.
namespace docs_getting_started {

// clang-format off: the block is the page's text
// docs:begin getting_started.md recipe
using namespace htune;

// The model of the first program, with dropout between the layers.
using model = nn::sequential<nn::flatten, nn::dense<128>, nn::relu, nn::dropout<0.2>, nn::dense<10>,
                             nn::softmax>;

// Options in any order: each is recognised by its role.
using recipe = train::trainer<model,
                              optim::adam<>,                                   // optimizer
                              losses::cross_entropy,                           // loss
                              regularizers::l2<1e-5>,                          // regularizer(s)
                              optim::linear_warmup<optim::cosine<>, 100>,      // schedule
                              train::early_stopping<3>, train::print_progress, // callbacks
                              train::learning_rate<2e-3>, train::batch_size<128>, train::epochs<30>,
                              train::precision<double>>;                       // settings

// Trains on the training files in `dir` (10% held out for validation) and returns the accuracy on
// the test files; progress goes to `log`.
double train_and_test(std::filesystem::path const& dir, std::ostream& log) {
    auto all = data::load_idx<double>(dir / "train-images-idx3-ubyte.gz", dir / "train-labels-idx1-ubyte.gz");
    auto test_set =
        data::load_idx<double>(dir / "t10k-images-idx3-ubyte.gz", dir / "t10k-labels-idx1-ubyte.gz");
    auto [train_set, validation_set] =
        data::train_validation_split(all, 0.1, /*seed=*/1, /*stratified=*/true);

    data::standard_scaler<double> scaler; // statistics of the training part only
    scaler.fit_transform(train_set);
    scaler.transform(validation_set);
    scaler.transform(test_set);

    recipe trainer;
    trainer.learning_rate = 1e-3; // run-time members, defaults from the options
    trainer.schedule.warmup_steps = 200;
    std::get<train::early_stopping<3>>(trainer.callbacks).min_delta = 1e-3;
    std::get<train::print_progress>(trainer.callbacks).out = &log;

    auto result = trainer.fit(train_set, validation_set, /*seed=*/42);
    log << std::setprecision(4);
    for (train::epoch_info const& e : result.history)
        log << "epoch " << e.epoch + 1 << ": validation accuracy " << e.validation_score << ", L2 penalty "
            << e.penalty << '\n';
    log << (result.stopped_early ? "stopped early; " : "") << "weights of epoch " << result.best_epoch + 1
        << '\n';

    tensor<double, 2> const p = result.predict(test_set); // test_set.size() x 10 class probabilities
    std::size_t const first = metrics::argmax(&p(0, 0), 10);
    log << "first test image: class " << first << " with probability " << p(0, first) << '\n';
    return result.evaluate(test_set).score;
}
// docs:end
// clang-format on

// clang-format off: the block is the page's text
// docs:begin getting_started.md csv
// A CSV file with a header line and an integer label column named "species": 80% for training,
// 20% for validation, in the same class proportions, each feature scaled to [0, 1].
data::train_validation<float> load_table(std::filesystem::path const& file) {
    data::csv_options options;
    options.label_name = "species"; // by default the last column
    auto table = data::load_csv<float>(file, options);
    auto parts = data::train_validation_split(table, 0.2, /*seed=*/7, /*stratified=*/true);
    data::minmax_scaler<float> scaler;
    scaler.fit_transform(parts.train);
    scaler.transform(parts.validation);
    return parts;
}
// docs:end
// clang-format on

// clang-format off: the block is the page's text
// docs:begin getting_started.md callback
// Stops training once an epoch's mean training loss falls below `target`.
struct stop_below {
    using htune_role = htune::role::callback;
    double target = 0.1;

    bool on_epoch_end(htune::train::epoch_info const& e) const { return e.train_loss < target; }
};
// docs:end
// clang-format on

} // namespace docs_getting_started

// ------------------------------------------------------------------------------------------------
// Helpers of the tests below (not shown in the docs).
namespace {

using namespace htune;

// A directory in the temporary directory, removed with its contents on scope exit.
class temp_dir {
public:
    temp_dir() {
        auto const now = std::chrono::steady_clock::now().time_since_epoch().count();
        m_path = std::filesystem::temp_directory_path() /
                 ("htune_docs_" + std::to_string(::getpid()) + "_" + std::to_string(now));
        std::filesystem::create_directories(m_path);
    }
    temp_dir(temp_dir const&) = delete;
    temp_dir& operator=(temp_dir const&) = delete;
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(m_path, ec);
    }
    std::filesystem::path const& path() const noexcept { return m_path; }

private:
    std::filesystem::path m_path;
};

// Gaussian blobs in `features` dimensions: class c has mean 1.5 in feature c (mod features).
template <class T>
data::dataset<T> blobs(std::size_t n, std::size_t features, std::size_t classes, std::uint64_t seed) {
    rng g(seed);
    data::dataset<T> d;
    d.features = tensor<T, 2>::from_shape({n, features});
    d.labels = tensor<std::int32_t, 1>::from_shape({n});
    d.num_classes = classes;
    for (std::size_t i = 0; i < n; ++i) {
        auto const c = static_cast<std::size_t>(uniform_below(g, classes));
        d.labels(i) = static_cast<std::int32_t>(c);
        for (std::size_t j = 0; j < features; ++j)
            d.features(i, j) = static_cast<T>(normal(g, j == c % features ? 1.5 : 0.0, 0.7));
    }
    return d;
}

// y = 2 sin(x0) + x1 with a few large outliers, where the Huber loss pays off.
data::dataset<double> wave(std::size_t n, std::uint64_t seed) {
    rng g(seed);
    data::dataset<double> d;
    d.features = tensor<double, 2>::from_shape({n, 2});
    d.targets = tensor<double, 2>::from_shape({n, 1});
    for (std::size_t i = 0; i < n; ++i) {
        double const a = uniform_real(g, -2.0, 2.0), b = uniform_real(g, -1.0, 1.0);
        d.features(i, 0) = a;
        d.features(i, 1) = b;
        d.targets(i, 0) = 2 * std::sin(a) + b + (i % 50 == 0 ? 6.0 : 0.0);
    }
    return d;
}

// Fashion-MNIST-like IDX files (28 x 28 images, labels 0..9) under the names the docs use. The
// loader recognises gzip by its magic bytes, so plain files under .gz names load as well.
void write_fake_fashion_mnist(std::filesystem::path const& dir) {
    auto write = [&](std::string const& images, std::string const& labels, std::size_t n, std::uint64_t seed) {
        rng g(seed);
        std::vector<std::uint8_t> pixels(n * 28 * 28), y(n);
        for (std::size_t i = 0; i < n; ++i) {
            y[i] = static_cast<std::uint8_t>(i % 10);
            for (std::size_t p = 0; p < 28 * 28; ++p) {
                bool const lit = (p / 28) / 3 == y[i] || uniform_below(g, 10) == 0; // a band per class
                pixels[i * 28 * 28 + p] = static_cast<std::uint8_t>(lit ? 200 + uniform_below(g, 56) : 0);
            }
        }
        data::write_idx(dir / images, dir / labels, pixels, y, 28, 28);
    };
    write("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", 200, 1);
    write("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", 50, 2);
}

// Keeps every batch's loss.
struct batch_loss_recorder {
    using htune_role = role::callback;
    std::vector<double>* losses = nullptr;
    void on_batch_end(train::batch_info const& b) { losses->push_back(b.loss); }
};

template <class F>
std::string message_of(F&& f) {
    try {
        f();
    } catch (std::exception const& e) {
        return e.what();
    }
    return "(no exception)";
}

std::string read_text(std::filesystem::path const& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

// ------------------------------------------------------------------------------------------------
// The skeletons at work.

TEST_CASE("doc skeletons: values of l1_l2_mix, huber and top2_accuracy") {
    using namespace docs_examples;
    std::vector<double> w = {1.0, -2.0, 0.0, 0.5};
    l1_l2_mix r;
    r.strength = 0.5;
    r.l1_ratio = 0.25;
    CHECK(r.penalty(std::span<double const>(w)) == doctest::Approx(0.5 * (0.25 * 3.5 + 0.5 * 0.75 * 5.25)));
    r.validate();
    r.l1_ratio = 1.5;
    CHECK(message_of([&] { r.validate(); }) == "l1_l2_mix: l1_ratio (1.5) must be in [0, 1]");

    std::vector<double> out = {0.5, 3.0}, target = {0.0, 0.0};
    auto const y = htune::values_of<double>(batch_view<double const>{target.data(), 2, 1});
    CHECK(huber{}.value(batch_view<double const>{out.data(), 2, 1}, y) == doctest::Approx((0.125 + 2.5) / 2));

    // Scores of 3 samples over 4 classes: label ranks first, second (tied) and third.
    std::vector<float> scores = {0.1f, 0.7f, 0.1f, 0.1f, 0.5f, 0.5f, 0.0f, 0.0f, 0.4f, 0.3f, 0.2f, 0.1f};
    std::vector<std::int32_t> labels = {1, 0, 2};
    batch_view<float const> const s{scores.data(), 3, 4};
    CHECK(top2_accuracy{}(s, htune::labels_of<float>(labels)) == doctest::Approx(2.0 / 3));
    labels[2] = 4;
    CHECK_THROWS_AS(top2_accuracy{}(s, htune::labels_of<float>(labels)), data_error);

    gradient_descent::state<float> st(gradient_descent{}, 2);
    std::vector<float> p = {1, 2}, g = {0.5f, -1};
    st.step(std::span<float>(p), std::span<float const>(g), 0.1f);
    CHECK(p == std::vector<float>{0.95f, 2.1f});
    std::vector<float> three(3);
    CHECK_THROWS_AS(st.step(std::span<float>(three), std::span<float const>(g), 0.1f), shape_error);
}

TEST_CASE("doc skeletons: a classifier with scaled_tanh, gradient_descent, l1_l2_mix and top2_accuracy") {
    using namespace docs_examples;
    auto const train_set = blobs<float>(600, 6, 6, 1);
    auto const validation_set = blobs<float>(300, 6, 6, 2);
    using model = nn::sequential<nn::dense<16>, scaled_tanh, nn::dense<6>>;
    train::trainer<model, gradient_descent, l1_l2_mix, top2_accuracy, train::learning_rate<0.1>, train::epochs<15>,
                   train::batch_size<32>>
        t;
    std::get<l1_l2_mix>(t.regularizers).strength = 1e-3;
    auto result = t.fit(train_set, validation_set, 5);
    REQUIRE(result.history.size() == 15);
    INFO("first loss ", result.history.front().train_loss, ", last ", result.history.back().train_loss);
    CHECK(result.history.back().train_loss < 0.6 * result.history.front().train_loss);
    CHECK(result.history.back().penalty > 0);
    CHECK(result.history.back().validation_score > 0.85); // top-2 accuracy
    CHECK(result.evaluate(validation_set).score == doctest::Approx(result.history.back().validation_score));
    // The built-in accuracy on the same outputs is lower than the top-2 one, as it must be.
    auto const p = result.predict(validation_set);
    double const top1 = metrics::accuracy{}(all_rows(p), validation_set.all_targets());
    CHECK(top1 <= result.history.back().validation_score);
    CHECK(top1 > 0.5);
}

TEST_CASE("doc skeletons: a regression with scaled_tanh, gradient_descent and huber, in double") {
    using namespace docs_examples;
    auto const d = wave(400, 3);
    using model = nn::sequential<nn::dense<16>, scaled_tanh, nn::dense<1>>;
    using recipe = train::trainer<model, huber, gradient_descent, train::precision<double>, train::epochs<40>,
                                  train::batch_size<16>, train::learning_rate<0.05>>;
    static_assert(std::is_same_v<recipe::metric_type, metrics::mse>); // the default for real targets
    recipe t;
    auto result = t.fit(d, 9);
    // It learns most within the first epoch, so compare the last epoch with the first batches.
    using with_recorder = train::trainer<model, huber, gradient_descent, train::precision<double>, train::epochs<40>,
                                         train::batch_size<16>, train::learning_rate<0.05>, batch_loss_recorder>;
    with_recorder r;
    std::vector<double> losses;
    std::get<batch_loss_recorder>(r.callbacks).losses = &losses;
    auto recorded = r.fit(d, 9);
    REQUIRE(losses.size() == 40 * 25);
    double const start = (losses[0] + losses[1] + losses[2] + losses[3] + losses[4]) / 5;
    INFO("first batches ", start, ", last epoch ", result.history.back().train_loss);
    CHECK(result.history.back().train_loss < 0.4 * start);
    CHECK(recorded.history.back().train_loss == result.history.back().train_loss); // callbacks change nothing
    // Without the outliers (every 50th sample), the fit is close.
    auto const p = result.predict(d);
    double error = 0;
    std::size_t count = 0;
    for (std::size_t i = 0; i < d.size(); ++i)
        if (i % 50 != 0) {
            error += std::abs(p(i, 0) - d.targets(i, 0));
            ++count;
        }
    CHECK(error / static_cast<double>(count) < 0.25);
}

TEST_CASE("doc layer sizes and rates set at run time") {
    auto trainer = docs_examples::make_trainer(32, 0.1);
    auto result = trainer.fit(blobs<float>(100, 4, 3, 1), /*seed=*/1);
    CHECK(result.network().params().size() == (4 * 32 + 32) + (32 * 3 + 3));
    CHECK(result.network().layers().layer<2>().rate() == 0.1);
    auto zero = docs_examples::make_trainer(0, 0.1);
    CHECK(message_of([&] { zero.fit(blobs<float>(10, 4, 3, 1), 1); }) == "htune::nn::dense: units (0) must be > 0");
}

// ------------------------------------------------------------------------------------------------
// docs/getting_started.md.

TEST_CASE("doc getting started: the Fashion-MNIST recipe runs on small files") {
    temp_dir dir;
    write_fake_fashion_mnist(dir.path());
    std::ostringstream log;
    double const accuracy = docs_getting_started::train_and_test(dir.path(), log);
    INFO(log.str());
    CHECK(accuracy >= 0.0);
    CHECK(accuracy <= 1.0);
    CHECK(log.str().find("epoch   1/30  loss ") != std::string::npos); // print_progress
    CHECK(log.str().find("first test image: class ") != std::string::npos);

    // The defaults the page lists.
    using plain = train::trainer<nn::sequential<nn::dense<3>>>;
    static_assert(std::is_same_v<plain::optimizer_type, optim::adam<>>);
    static_assert(std::is_same_v<plain::loss_type, losses::softmax_cross_entropy>);
    static_assert(std::is_same_v<plain::schedule_type, optim::constant>);
    static_assert(std::is_same_v<plain::metric_type, metrics::accuracy>);
    static_assert(std::is_same_v<plain::value_type, float>);
    using fashion = train::trainer<docs_getting_started::model>;
    static_assert(std::is_same_v<fashion::loss_type, losses::cross_entropy>);
    plain p;
    CHECK(p.epochs == 10);
    CHECK(p.batch_size == 64);
    CHECK(p.learning_rate == 1e-3);
    CHECK(p.shuffle);
    CHECK(p.blas_threads == 0);
    CHECK(p.blas_threads_for(128) == htune::blas_threads::get());
    p.blas_threads = 2;
    CHECK(p.blas_threads_for(64) == 2);
    CHECK(train::trainer<nn::sequential<nn::dense<3>>, train::blas_threads<3>>{}.blas_threads_for(16) == 3);
}

TEST_CASE("doc getting started: a callback of one's own") {
    using mlp = nn::sequential<nn::dense<16>, nn::relu, nn::dense<3>>;
    train::trainer<mlp, docs_getting_started::stop_below, train::epochs<200>, train::learning_rate<0.02>> t;
    std::get<docs_getting_started::stop_below>(t.callbacks).target = 0.5;
    auto result = t.fit(blobs<float>(300, 4, 3, 4), 1);
    CHECK(result.stopped_early);
    REQUIRE(result.history.size() > 1);
    CHECK(result.history.back().train_loss < 0.5);
    CHECK(result.history[result.history.size() - 2].train_loss >= 0.5);
}

TEST_CASE("doc getting started: loading a CSV file") {
    temp_dir dir;
    auto const file = dir.path() / "iris.csv";
    {
        std::ofstream out(file);
        out << "sepal_length,sepal_width,petal_length,petal_width,species\n";
        rng g(3);
        for (int i = 0; i < 30; ++i) {
            int const species = 10 * (i % 3); // labels 0, 10, 20 become classes 0, 1, 2
            for (int j = 0; j < 4; ++j) out << 1.0 + species / 10 + uniform_real(g, 0.0, 0.5) << ',';
            out << species << '\n';
        }
    }
    auto const parts = docs_getting_started::load_table(file);
    CHECK(parts.train.size() == 24);
    CHECK(parts.validation.size() == 6);
    CHECK(parts.train.num_classes == 3);
    CHECK(parts.train.class_names == std::vector<std::string>{"0", "10", "20"});
    CHECK(xt::amin(parts.train.features)() == doctest::Approx(0.0));
    CHECK(xt::amax(parts.train.features)() == doctest::Approx(1.0));
}

TEST_CASE("doc getting started: the error messages it quotes") {
    auto const d = blobs<float>(50, 4, 3, 1);
    using mlp = nn::sequential<nn::dense<16>, nn::relu, nn::dense<3>>;
    train::trainer<mlp> t;
    t.epochs = 0;
    CHECK_THROWS_AS(t.fit(d, 1), htune::invalid_argument);
    CHECK(message_of([&] { t.fit(d, 1); }) == "htune::train::trainer: epochs (0) must be > 0");
    t.epochs = 1;

    auto const four = blobs<float>(50, 4, 4, 1);
    CHECK_THROWS_AS(t.fit(four, 1), shape_error);
    CHECK(message_of([&] { t.fit(four, 1); }) ==
          "htune::train::trainer: the model outputs 3 values per sample but the training data has 4 classes");

    auto bad = d;
    bad.features(3, 2) = std::nanf("");
    CHECK_THROWS_AS(t.fit(bad, 1), data_error);
    CHECK(message_of([&] { t.fit(bad, 1); }) == "htune::data: training: feature 2 of sample 3 is not finite (nan)");

    t.optimizer.beta1 = 1.5;
    CHECK(message_of([&] { t.fit(d, 1); }) == "htune::optim::adam: beta1 (1.5) must be in [0, 1)");
    t.optimizer.beta1 = 0.9;

    train::trainer<mlp, optim::sgd<>, train::learning_rate<1e12>, train::epochs<5>> diverging;
    CHECK_THROWS_AS(diverging.fit(d, 1), htune::error);
    // The rest (the loss, the epoch and batch where it happened) depends on the numerics.
    std::string const diverged = message_of([&] { diverging.fit(d, 1); });
    CHECK(diverged.rfind("htune::train::trainer: training diverged: the loss is ", 0) == 0);

    CHECK(message_of([] { data::load_idx<float>("no-such-images", "no-such-labels"); }) ==
          "htune::data::load_idx: cannot open \"no-such-images\": No such file or directory");
}

TEST_CASE("doc getting started: one seed, the same weights") {
    auto const d = blobs<float>(200, 4, 3, 3);
    using model = nn::sequential<nn::dense<16>, nn::relu, nn::dropout<0.2>, nn::dense<3>>;
    train::trainer<model, train::epochs<2>> t;
    auto a = t.fit(d, 11);
    auto b = t.fit(d, 11);
    auto const pa = a.network().params();
    CHECK(std::equal(pa.begin(), pa.end(), b.network().params().begin()));
}

// ------------------------------------------------------------------------------------------------
// The docs and this file stay in sync.

TEST_CASE("docs: every marked block appears verbatim in its page") {
    // CTest gives the source tree in HTUNE_SOURCE_DIR; run by hand, the binary falls back to
    // __FILE__, which is absolute in a plain CMake build (relative under ccache's base_dir).
    char const* const root = std::getenv("HTUNE_SOURCE_DIR");
    std::filesystem::path const self =
        root ? std::filesystem::path(root) / "tests/train/test_docs_examples.cpp" : std::filesystem::path(__FILE__);
    std::filesystem::path const docs = self.parent_path().parent_path().parent_path() / "docs";
    if (!root && (!self.is_absolute() || !std::filesystem::exists(self))) {
        MESSAGE("source tree not found from __FILE__ (", self.string(), ") and HTUNE_SOURCE_DIR unset; skipped");
        return;
    }
    REQUIRE(std::filesystem::exists(self));
    REQUIRE(std::filesystem::exists(docs));
    std::string const text = read_text(self);
    std::string_view const begin_mark = "// docs:begin ", end_mark = "// docs:end\n";
    std::size_t blocks = 0;
    for (auto at = text.find(begin_mark); at != std::string::npos; at = text.find(begin_mark, at + 1)) {
        if (at > 0 && text[at - 1] != '\n') continue; // a mention, not a marker
        std::size_t const line_end = text.find('\n', at);
        std::istringstream header(text.substr(at + begin_mark.size(), line_end - at - begin_mark.size()));
        std::string page, name;
        header >> page >> name;
        std::size_t const end = text.find(end_mark, line_end);
        REQUIRE(end != std::string::npos);
        std::string const block = "```cpp\n" + text.substr(line_end + 1, end - line_end - 1) + "```\n";
        std::string const md = read_text(docs / page);
        INFO("block ", name, " of docs/", page);
        CHECK(!md.empty());
        CHECK(md.find(block) != std::string::npos);
        ++blocks;
    }
    CHECK(blocks == 17);
}

// docs/guides/persistence.md: a tuner opens a journal path only in a program that includes
// <htune/storage/journal.hpp>. No unit of this test program does, so the path is refused with
// what to include, and no file is made.
TEST_CASE("a tuner's journal path in a program without the journal is refused, naming the include") {
    using pipeline = htune::tune::tuner<
        htune::search_space<htune::log_uniform<"lr", 1e-3, 1e-1>>, htune::samplers::random,
        htune::train::trainer<htune::nn::sequential<htune::nn::dense<4>, htune::nn::relu, htune::nn::dense<3>>,
                              htune::train::learning_rate<htune::hp<"lr">{}>, htune::train::epochs<1>>>;
    auto const path = std::filesystem::temp_directory_path() / "htune_journal_not_included.jsonl";
    std::filesystem::remove(path);
    CHECK_THROWS_WITH_AS(pipeline{}.run(blobs<float>(90, 4, 3, 1),
                                        {.trials = 2, .journal = path, .progress = htune::tune::progress_display::off}),
                         doctest::Contains("#include <htune/storage/journal.hpp>"), htune::error);
    CHECK(!std::filesystem::exists(path));
}
