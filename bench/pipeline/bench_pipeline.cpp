// htune's side of `bench/run pipeline`; prints one JSON line per run.
//
//   bench_pipeline_htune e2e   ROWS TRIALS SEED [JOBS [DATA_DIR]]
//       the tuning job: TPE + Hyperband over (lr, hidden, dropout, optimizer, activation), 8
//       epochs at batch 64, on the first ROWS Fashion-MNIST training images (holdout 20%); then
//       the best config refit on all ROWS and scored on the 10000 test images;
//   bench_pipeline_htune trial ROWS EPOCHS [DATA_DIR]
//       one trial of a fixed config (784-128-10, ReLU, Adam 1e-3, batch 64) through the tuner;
//   bench_pipeline_htune switch ROWS EPOCHS [DATA_DIR]
//       the trial above with the activation and the optimizer chosen per component
//       (hp_switch: nn::one_of<relu, tanh>, optim::one_of<adam, sgd>), relu and Adam chosen;
//   bench_pipeline_htune hand  ROWS EPOCHS [DATA_DIR]
//       the same work written by hand over xtensor and xtensor-blas: the same split, the same
//       GEMMs, ReLU, fused softmax cross-entropy, Adam, a validation pass after every epoch.
//
// trial and hand bracket the measured part with callgrind's client requests (from before the
// split to after training), so `valgrind --tool=callgrind --instr-atstart=no` counts the same work
// in both; natively they report the seconds of that part.
#include <htune/htune.hpp>

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_STOP_INSTRUMENTATION
#endif

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <numeric>
#include <string>
#include <vector>

using namespace htune;

namespace {

using clock_type = std::chrono::steady_clock;

std::size_t env_count(char const* name, std::size_t fallback) {
    char const* v = std::getenv(name);
    return v && *v ? static_cast<std::size_t>(std::strtoul(v, nullptr, 10)) : fallback;
}

double seconds_since(clock_type::time_point start) {
    return std::chrono::duration<double>(clock_type::now() - start).count();
}

data::dataset<float> first_rows(data::dataset<float> const& d, std::size_t rows) {
    std::vector<std::size_t> index(std::min(rows, d.size()));
    std::iota(index.begin(), index.end(), std::size_t{0});
    return data::subset(d, std::span<std::size_t const>(index));
}

// The tuning job, as a user writes it (examples/tune_fashion_mnist.cpp without the L2 term).
using e2e_space =
    search_space<log_uniform<"lr", 1e-4, 1e-1>, int_uniform<"hidden", 32, 256, step<32>>, uniform<"dropout", 0.0, 0.5>,
                 choice<"optimizer", optim::sgd<optim::momentum<0.9>>, optim::adam<>>,
                 choice<"activation", nn::relu, nn::tanh>>;
using e2e_model = nn::sequential<nn::flatten, nn::dense<hp<"hidden">{}>, hp<"activation">, nn::dropout<hp<"dropout">{}>,
                                 nn::dense<10>, nn::softmax>;
using e2e_pipeline = tune::tuner<e2e_space, samplers::tpe<>, pruners::hyperband,
                                 train::trainer<e2e_model, hp<"optimizer">, train::learning_rate<hp<"lr">{}>,
                                                losses::cross_entropy, train::epochs<8>, train::batch_size<64>>,
                                 tune::holdout<0.2>>;

int run_e2e(std::size_t rows, std::uint64_t trials, std::uint64_t seed, std::size_t jobs,
            std::filesystem::path const& dir) {
    auto const all = data::load_idx<float>(dir / "train-images-idx3-ubyte.gz", dir / "train-labels-idx1-ubyte.gz");
    auto const test = data::load_idx<float>(dir / "t10k-images-idx3-ubyte.gz", dir / "t10k-labels-idx1-ubyte.gz");
    auto const train = first_rows(all, rows);
    // BENCH_HTUNE_THREADS: threads for each trial's own loops (the optimizer update); the setting's
    // thread count per process comes in BENCH_SETTING_THREADS, for the report.
    e2e_pipeline tuner;
    std::size_t const own_threads = env_count("BENCH_HTUNE_THREADS", 1);
    tuner.settings.threads = own_threads;
    // BENCH_HTUNE_SPLIT=1: those threads also split each batch's rows (train::split_batch).
    bool const split = env_count("BENCH_HTUNE_SPLIT", 0) != 0;
    tuner.settings.split_batch = split;
    auto const start = clock_type::now();
    // BENCH_LAG: tuner_options::lag (unset: the study's default, jobs - 1).
    std::optional<std::uint64_t> lag;
    if (char const* l = std::getenv("BENCH_LAG"); l && *l) lag = std::strtoull(l, nullptr, 10);
    auto const r =
        tuner.run(train, test,
                  {.trials = trials, .seed = seed, .jobs = jobs, .lag = lag, .progress = tune::progress_display::off});
    std::size_t epochs = 0;   // epochs trained over all trials: the work the pruner let through
    double trial_seconds = 0; // summed over trials: over jobs x seconds, the share of time workers were busy
    for (auto const& t : r.trials) {
        epochs += t.intermediate.size();
        trial_seconds += t.duration().count();
    }
    double const seconds = seconds_since(start);
    std::cout << "{\"impl\":\"htune\",\"mode\":\"e2e\",\"rows\":" << train.size() << ",\"trials\":" << r.trials.size()
              << ",\"seed\":" << seed << ",\"seconds\":" << seconds << ",\"trial_seconds\":" << trial_seconds
              << ",\"best_validation\":" << r.best.value << ",\"test\":" << r.test->score
              << ",\"complete\":" << r.count(tune::trial_state::complete)
              << ",\"pruned\":" << r.count(tune::trial_state::pruned) << ",\"epochs\":" << epochs
              << ",\"jobs\":" << jobs << ",\"blas\":" << blas_threads::get() << ",\"threads\":" << own_threads
              << ",\"split_batch\":" << (split && own_threads > 1 ? "true" : "false")
              << ",\"lag\":" << (lag ? std::to_string(*lag) : std::string("null"))
              << ",\"setting_threads\":" << env_count("BENCH_SETTING_THREADS", 0) << ",\"best_config\":\""
              << to_string(r.best.config) << "\"}\n";
    return 0;
}

// One fixed config through the tuner: a one-point grid.
using trial_space =
    search_space<log_uniform<"lr", 1e-4, 1e-1>, int_uniform<"hidden", 32, 256>, int_uniform<"epochs", 1, 50>>;
using trial_pipeline =
    tune::tuner<trial_space, samplers::grid,
                train::trainer<nn::sequential<nn::flatten, nn::dense<hp<"hidden">{}>, nn::relu, nn::dense<10>>,
                               optim::adam<>, losses::softmax_cross_entropy, train::learning_rate<hp<"lr">{}>,
                               train::batch_size<64>, train::epochs<hp<"epochs">{}>>,
                tune::holdout<0.2, void, false>>;

// The same trial with two run-time switches in it: one trial body for 2 x 2 combinations.
using switch_space = search_space<log_uniform<"lr", 1e-4, 1e-1>, int_uniform<"hidden", 32, 256>,
                                  int_uniform<"epochs", 1, 50>, choice<"activation", nn::relu, nn::tanh>,
                                  choice<"optimizer", optim::adam<>, optim::sgd<optim::momentum<0.9>>>>;
using switch_pipeline = tune::tuner<
    switch_space, samplers::grid,
    train::trainer<nn::sequential<nn::flatten, nn::dense<hp<"hidden">{}>, hp_switch<"activation">, nn::dense<10>>,
                   hp_switch<"optimizer">, losses::softmax_cross_entropy, train::learning_rate<hp<"lr">{}>,
                   train::batch_size<64>, train::epochs<hp<"epochs">{}>>,
    tune::holdout<0.2, void, false>>;
static_assert(switch_pipeline::trial_bodies == 1);

int run_trial(std::size_t rows, std::size_t epochs, std::filesystem::path const& dir);

// The hand-written loop: 784-128-10, ReLU, softmax cross-entropy, Adam (PyTorch's defaults), batch
// 64, reshuffled every epoch, validation accuracy after every epoch.
struct hand_mlp {
    static constexpr std::size_t in = 784, hidden = 128, out = 10, batch = 64;
    std::vector<float> params, grads, m, v;
    float *w1, *b1, *w2, *b2, *dw1, *db1, *dw2, *db2;
    tensor<float, 2> x, h, o, dout, dh;
    std::size_t steps = 0;

    explicit hand_mlp(std::size_t max_rows) {
        std::size_t const n = in * hidden + hidden + hidden * out + out;
        params.assign(n, 0.f);
        grads.assign(n, 0.f);
        m.assign(n, 0.f);
        v.assign(n, 0.f);
        w1 = params.data();
        b1 = w1 + in * hidden;
        w2 = b1 + hidden;
        b2 = w2 + hidden * out;
        dw1 = grads.data();
        db1 = dw1 + in * hidden;
        dw2 = db1 + hidden;
        db2 = dw2 + hidden * out;
        rng g = rng::stream(1, 1);
        auto glorot = [&](float* w, std::size_t fan_in, std::size_t fan_out) {
            double const a = std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
            for (std::size_t i = 0; i < fan_in * fan_out; ++i)
                w[i] = static_cast<float>(a * (2.0 * uniform01(g) - 1.0));
        };
        glorot(w1, in, hidden);
        glorot(w2, hidden, out);
        x.resize({max_rows, in});
        h.resize({max_rows, hidden});
        o.resize({max_rows, out});
        dout.resize({max_rows, out});
        dh.resize({max_rows, hidden});
    }

    static auto view(float* p, std::size_t rows, std::size_t cols) {
        return xt::adapt(p, rows * cols, xt::no_ownership(), std::array{rows, cols});
    }

    // Forward pass of `rows` rows already in x; logits in o.
    void forward(std::size_t rows) {
        auto xv = view(x.data(), rows, in);
        auto hv = view(h.data(), rows, hidden);
        auto ov = view(o.data(), rows, out);
        for (std::size_t r = 0; r < rows; ++r) std::copy_n(b1, hidden, h.data() + r * hidden);
        xt::blas::gemm(xv, view(w1, in, hidden), hv, false, false, 1.f, 1.f);
        float* hp = h.data();
        for (std::size_t i = 0; i < rows * hidden; ++i) hp[i] = hp[i] > 0.f ? hp[i] : 0.f;
        for (std::size_t r = 0; r < rows; ++r) std::copy_n(b2, out, o.data() + r * out);
        xt::blas::gemm(hv, view(w2, hidden, out), ov, false, false, 1.f, 1.f);
    }

    // Softmax cross-entropy gradient into dout (mean over rows); returns the summed loss.
    double loss_and_gradient(std::int32_t const* labels, std::size_t rows) {
        double loss = 0;
        for (std::size_t r = 0; r < rows; ++r) {
            float const* z = o.data() + r * out;
            float* d = dout.data() + r * out;
            float const zmax = *std::max_element(z, z + out);
            float sum = 0;
            for (std::size_t k = 0; k < out; ++k) sum += (d[k] = std::exp(z[k] - zmax));
            for (std::size_t k = 0; k < out; ++k) d[k] = d[k] / sum / static_cast<float>(rows);
            d[labels[r]] -= 1.f / static_cast<float>(rows);
            loss += std::log(sum) + zmax - z[labels[r]];
        }
        return loss;
    }

    void backward(std::size_t rows) {
        auto xv = view(x.data(), rows, in);
        auto hv = view(h.data(), rows, hidden);
        auto dv = view(dout.data(), rows, out);
        auto dhv = view(dh.data(), rows, hidden);
        auto dw2v = view(dw2, hidden, out);
        xt::blas::gemm(hv, dv, dw2v, true, false, 1.f, 0.f);
        std::fill_n(db2, out, 0.f);
        for (std::size_t r = 0; r < rows; ++r)
            for (std::size_t k = 0; k < out; ++k) db2[k] += dout.data()[r * out + k];
        xt::blas::gemm(dv, view(w2, hidden, out), dhv, false, true, 1.f, 0.f);
        float const* hp = h.data();
        float* dp = dh.data();
        for (std::size_t i = 0; i < rows * hidden; ++i) dp[i] = hp[i] > 0.f ? dp[i] : 0.f;
        auto dw1v = view(dw1, in, hidden);
        xt::blas::gemm(xv, dhv, dw1v, true, false, 1.f, 0.f);
        std::fill_n(db1, hidden, 0.f);
        for (std::size_t r = 0; r < rows; ++r)
            for (std::size_t k = 0; k < hidden; ++k) db1[k] += dp[r * hidden + k];
    }

    void adam(float lr) {
        ++steps;
        float const b1c = 1.f - std::pow(0.9f, static_cast<float>(steps));
        float const b2c = 1.f - std::pow(0.999f, static_cast<float>(steps));
        float const step = lr / b1c;
        float const root_b2c = std::sqrt(b2c);
        std::size_t const n = params.size();
        float* __restrict p = params.data();
        float const* __restrict g = grads.data();
        float* __restrict mp = m.data();
        float* __restrict vp = v.data();
        for (std::size_t i = 0; i < n; ++i) {
            mp[i] = 0.9f * mp[i] + 0.1f * g[i];
            vp[i] = 0.999f * vp[i] + 0.001f * g[i] * g[i];
            p[i] -= step * mp[i] / (std::sqrt(vp[i]) / root_b2c + 1e-8f);
        }
    }
};

double hand_train(data::dataset<float> const& all, std::size_t epochs, double* validation_accuracy) {
    auto const split = data::train_validation_split(all, 0.2, rng::stream(0, 0x5b117u)(), false);
    auto const& tr = split.train;
    auto const& va = split.validation;
    std::size_t const n = tr.size();
    hand_mlp net(std::max<std::size_t>(256, hand_mlp::batch));
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::vector<std::int32_t> labels(hand_mlp::batch);
    rng shuffle_gen = rng::stream(1, 2);
    double loss = 0;
    for (std::size_t e = 0; e < epochs; ++e) {
        htune::shuffle(std::span<std::size_t>(order), shuffle_gen);
        loss = 0;
        for (std::size_t first = 0; first < n; first += hand_mlp::batch) {
            std::size_t const rows = std::min(hand_mlp::batch, n - first);
            for (std::size_t r = 0; r < rows; ++r) {
                std::size_t const row = order[first + r];
                std::copy_n(tr.features.data() + row * hand_mlp::in, hand_mlp::in, net.x.data() + r * hand_mlp::in);
                labels[r] = tr.labels(row);
            }
            net.forward(rows);
            loss += net.loss_and_gradient(labels.data(), rows);
            net.backward(rows);
            net.adam(1e-3f);
        }
        // Validation: forward in batches of 256, accuracy of the argmax.
        std::size_t correct = 0;
        for (std::size_t first = 0; first < va.size(); first += 256) {
            std::size_t const rows = std::min<std::size_t>(256, va.size() - first);
            std::copy_n(va.features.data() + first * hand_mlp::in, rows * hand_mlp::in, net.x.data());
            net.forward(rows);
            for (std::size_t r = 0; r < rows; ++r) {
                float const* z = net.o.data() + r * hand_mlp::out;
                auto const k = static_cast<std::int32_t>(std::max_element(z, z + hand_mlp::out) - z);
                correct += k == va.labels(first + r);
            }
        }
        *validation_accuracy = static_cast<double>(correct) / static_cast<double>(va.size());
    }
    return loss / static_cast<double>(n);
}

int run_trial(std::size_t rows, std::size_t epochs, std::filesystem::path const& dir) {
    auto const all = data::load_idx<float>(dir / "train-images-idx3-ubyte.gz", dir / "train-labels-idx1-ubyte.gz");
    auto const train = first_rows(all, rows);
    trial_pipeline p;
    p.sampler = samplers::grid{{"lr", {1e-3}}, {"hidden", {128.0}}, {"epochs", {static_cast<double>(epochs)}}};
    auto const start = clock_type::now();
    CALLGRIND_START_INSTRUMENTATION;
    auto const r = p.run(train, {.trials = 1, .seed = 0, .progress = tune::progress_display::off});
    CALLGRIND_STOP_INSTRUMENTATION;
    double const seconds = seconds_since(start);
    std::cout << "{\"impl\":\"htune\",\"mode\":\"trial\",\"rows\":" << train.size() << ",\"seconds\":" << seconds
              << ",\"validation\":" << r.best.value << "}\n";
    return 0;
}

int run_switch(std::size_t rows, std::size_t epochs, std::filesystem::path const& dir) {
    auto const all = data::load_idx<float>(dir / "train-images-idx3-ubyte.gz", dir / "train-labels-idx1-ubyte.gz");
    auto const train = first_rows(all, rows);
    switch_pipeline p;
    p.sampler = samplers::grid{{"lr", {1e-3}},
                               {"hidden", {128.0}},
                               {"epochs", {static_cast<double>(epochs)}},
                               {"activation", {"relu"}},
                               {"optimizer", {"adam"}}};
    auto const start = clock_type::now();
    CALLGRIND_START_INSTRUMENTATION;
    auto const r = p.run(train, {.trials = 1, .seed = 0, .progress = tune::progress_display::off});
    CALLGRIND_STOP_INSTRUMENTATION;
    double const seconds = seconds_since(start);
    std::cout << "{\"impl\":\"htune\",\"mode\":\"switch\",\"rows\":" << train.size() << ",\"seconds\":" << seconds
              << ",\"validation\":" << r.best.value << "}\n";
    return 0;
}

int run_hand(std::size_t rows, std::size_t epochs, std::filesystem::path const& dir) {
    auto const all = data::load_idx<float>(dir / "train-images-idx3-ubyte.gz", dir / "train-labels-idx1-ubyte.gz");
    auto const train = first_rows(all, rows);
    auto const start = clock_type::now();
    double accuracy = 0;
    CALLGRIND_START_INSTRUMENTATION;
    double const loss = hand_train(train, epochs, &accuracy);
    CALLGRIND_STOP_INSTRUMENTATION;
    double const seconds = seconds_since(start);
    std::cout << "{\"impl\":\"hand\",\"mode\":\"hand\",\"rows\":" << train.size() << ",\"seconds\":" << seconds
              << ",\"validation\":" << accuracy << ",\"loss\":" << loss << "}\n";
    return 0;
}

} // namespace

int main(int argc, char** argv) try {
    if (argc < 2) {
        std::cerr
            << "usage: bench_pipeline_htune e2e ROWS TRIALS SEED [JOBS [DIR]] | trial|switch|hand ROWS EPOCHS [DIR]\n";
        return 2;
    }
    std::string const mode = argv[1];
    auto arg = [&](int i, long fallback) { return argc > i ? std::atol(argv[i]) : fallback; };
    if (mode == "e2e") {
        std::filesystem::path const dir = argc > 6 ? argv[6] : "/usr/share/datasets/fashion-mnist";
        return run_e2e(static_cast<std::size_t>(arg(2, 10000)), static_cast<std::uint64_t>(arg(3, 30)),
                       static_cast<std::uint64_t>(arg(4, 1)), static_cast<std::size_t>(arg(5, 1)), dir);
    }
    std::filesystem::path const dir = argc > 4 ? argv[4] : "/usr/share/datasets/fashion-mnist";
    auto const rows = static_cast<std::size_t>(arg(2, 10000));
    auto const epochs = static_cast<std::size_t>(arg(3, 2));
    if (mode == "trial") return run_trial(rows, epochs, dir);
    if (mode == "switch") return run_switch(rows, epochs, dir);
    if (mode == "hand") return run_hand(rows, epochs, dir);
    std::cerr << "unknown mode " << mode << '\n';
    return 2;
} catch (std::exception const& e) {
    std::cerr << "error: " << e.what() << '\n';
    return 1;
}
