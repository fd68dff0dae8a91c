// htune's runner for bench/run parallel.
//
//   bench_parallel_htune --mode scale [--trials 24] [--steps 150] [--jobs 1,2]
//       Trials of an MLP-shaped GEMM workload (batch 64: 784 -> 128 -> 10, forward and backward,
//       `steps` steps, about 100-150 ms each) run through tune::study::optimize with each jobs
//       value; jobs = 1 twice: with the BLAS library's own thread count and with 1 thread.
//       {"runner":"htune","jobs":N,"blas_threads":B,"trials":T,"seconds":s,"trials_per_s":r,"trial_ms":m}
//   bench_parallel_htune --mode journal [--trials 500] [--reports 10] [--dir DIR]
//       The cost of the journal per trial: trials of an objective that reports `reports`
//       intermediate values and returns at once, in memory and on a journal with and without
//       fdatasync.
//       {"runner":"htune","storage":"memory|journal|journal_nosync","trials":T,"ms_per_trial":x}

#include <htune/core/blas.hpp>
#include <htune/samplers/random.hpp>
#include <htune/samplers/tpe.hpp>
#include <htune/space.hpp>
#include <htune/storage/journal.hpp>
#include <htune/tune/study.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

using namespace htune;

namespace {

using space = search_space<log_uniform<"lr", 1e-4, 1e-1>, uniform<"momentum", 0.0, 0.99>,
                           int_uniform<"width", 64, 256, step<64>>>;

std::vector<std::size_t> parse_list(std::string const& s) {
    std::vector<std::size_t> out;
    std::stringstream in(s);
    std::string item;
    while (std::getline(in, item, ',')) out.push_back(std::stoul(item));
    return out;
}

// An MLP training step's GEMMs on fixed shapes (batch 64, 784 -> 128 -> 10): forward, the two weight
// gradients and the input gradient of the second layer, then an SGD update. Each trial owns its
// buffers, so trials on several threads share nothing.
double mlp_shaped_work(std::size_t steps, double lr) {
    std::size_t const b = 64, in = 784, hidden = 128, out = 10;
    std::vector<float> x(b * in), w1(in * hidden), h(b * hidden), w2(hidden * out), y(b * out);
    std::vector<float> dy(b * out), dw2(hidden * out), dh(b * hidden), dw1(in * hidden);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 7919) % 255) / 255.0f;
    for (std::size_t i = 0; i < w1.size(); ++i) w1[i] = static_cast<float>(((i * 104729) % 2001)) / 1000.0f - 1.0f;
    for (std::size_t i = 0; i < w2.size(); ++i) w2[i] = static_cast<float>(((i * 15485863) % 2001)) / 1000.0f - 1.0f;
    auto view = [](std::vector<float>& v, std::size_t r, std::size_t c) { return batch_view<float>{v.data(), r, c}; };
    auto cview = [](std::vector<float> const& v, std::size_t r, std::size_t c) {
        return batch_view<float const>{v.data(), r, c};
    };
    float const step = static_cast<float>(lr) * 1e-3f;
    for (std::size_t s = 0; s < steps; ++s) {
        gemm<float>(cview(x, b, in), false, cview(w1, in, hidden), false, view(h, b, hidden));
        for (auto& v : h) v = v > 0 ? v : 0;
        gemm<float>(cview(h, b, hidden), false, cview(w2, hidden, out), false, view(y, b, out));
        for (std::size_t i = 0; i < dy.size(); ++i) dy[i] = y[i] * 1e-3f;
        gemm<float>(cview(h, b, hidden), true, cview(dy, b, out), false, view(dw2, hidden, out));
        gemm<float>(cview(dy, b, out), false, cview(w2, hidden, out), true, view(dh, b, hidden));
        gemm<float>(cview(x, b, in), true, cview(dh, b, hidden), false, view(dw1, in, hidden));
        for (std::size_t i = 0; i < w1.size(); ++i) w1[i] -= step * dw1[i];
        for (std::size_t i = 0; i < w2.size(); ++i) w2[i] -= step * dw2[i];
    }
    double sum = 0;
    for (float v : y) sum += v;
    return sum;
}

void scale(std::size_t trials, std::size_t steps, std::vector<std::size_t> const& jobs_list) {
    int const library_threads = blas_threads::get();
    struct config {
        std::size_t jobs;
        int blas; // 0: as the run sets it
    };
    std::vector<config> configs;
    for (std::size_t j : jobs_list) {
        if (j == 1) {
            configs.push_back({1, 0});
            if (library_threads > 1) configs.push_back({1, 1});
        } else {
            configs.push_back({j, 0});
        }
    }
    mlp_shaped_work(steps / 4 + 1, 0.01); // warm up the BLAS library and the caches
    for (auto const& c : configs) {
        tune::study<space, samplers::tpe<>> s({.seed = 1, .lag = 3});
        auto const start = std::chrono::steady_clock::now();
        int used = 0;
        s.optimize(
            [&](auto& t) {
                used = blas_threads::get();
                return mlp_shaped_work(steps, t.template get<"lr">());
            },
            trials, {.jobs = c.jobs, .blas_threads = c.blas});
        double const seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        double const rate = static_cast<double>(trials) / seconds;
        double trial_ms = 0;
        for (auto const& r : s.trials()) trial_ms += r.duration().count() * 1e3;
        trial_ms /= static_cast<double>(trials);
        std::printf("{\"runner\":\"htune\",\"jobs\":%zu,\"blas_threads\":%d,\"trials\":%zu,\"seconds\":%.4f,"
                    "\"trials_per_s\":%.4f,\"trial_ms\":%.3f}\n",
                    c.jobs, used, trials, seconds, rate, trial_ms);
        std::fflush(stdout);
    }
}

void journal_cost(std::size_t trials, std::size_t reports, std::filesystem::path const& dir) {
    auto objective = [reports](auto& t) {
        for (std::size_t i = 0; i < reports; ++i) t.report(i, 1.0 / double(i + 1));
        return t.template get<"lr">();
    };
    auto emit = [trials](char const* storage, double seconds) {
        std::printf("{\"runner\":\"htune\",\"storage\":\"%s\",\"trials\":%zu,\"ms_per_trial\":%.4f}\n", storage, trials,
                    seconds * 1e3 / double(trials));
        std::fflush(stdout);
    };
    auto timed = [&](auto&& make) {
        auto s = make();
        auto const start = std::chrono::steady_clock::now();
        s->optimize(objective, trials);
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    using study = tune::study<space, samplers::random>;
    emit("memory", timed([] { return std::make_unique<study>(tune::study_options{.seed = 1}); }));
    for (bool sync : {false, true}) {
        auto const path = dir / (sync ? "sync.jsonl" : "nosync.jsonl");
        std::filesystem::remove(path);
        storage::journal_options o;
        o.sync = sync;
        double const seconds = timed(
            [&] { return std::make_unique<study>(tune::study_options{.seed = 1}, storage::open_journal(path, o)); });
        emit(sync ? "journal" : "journal_nosync", seconds);
        std::filesystem::remove(path);
    }
}

} // namespace

int main(int argc, char** argv) {
    std::string mode = "scale", jobs = "1,2", dir = std::filesystem::temp_directory_path().string();
    std::size_t trials = 0, steps = 150, reports = 10;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string const key = argv[i], value = argv[i + 1];
        if (key == "--mode") mode = value;
        else if (key == "--trials") trials = std::stoul(value);
        else if (key == "--steps") steps = std::stoul(value);
        else if (key == "--jobs") jobs = value;
        else if (key == "--reports") reports = std::stoul(value);
        else if (key == "--dir") dir = value;
        else {
            std::fprintf(stderr, "bench_parallel_htune: unknown argument %s\n", key.c_str());
            return 2;
        }
    }
    if (mode == "scale") scale(trials ? trials : 24, steps, parse_list(jobs));
    else if (mode == "journal") journal_cost(trials ? trials : 500, reports, dir);
    else {
        std::fprintf(stderr, "bench_parallel_htune: unknown mode %s\n", mode.c_str());
        return 2;
    }
}
