// The mlp benchmark's recipe through dlib: one epoch of 784-128-10 (ReLU), Adam lr 1e-3
// (betas 0.9/0.999, no weight decay), softmax cross-entropy (loss_multiclass_log), on the
// Fashion-MNIST training set with pixels scaled to [0,1].
//
//   mlp_dlib BATCH [DATA_DIR] [REPEATS] [trainer|direct]
//
// dlib's load_mnist_dataset reads only uncompressed IDX files, so the .gz files are read here
// with zlib. Two ways to drive the same network and solver, both exactly one epoch over
// mini-batches of a seeded shuffle:
//   trainer  dnn_trainer<net, adam>::train_one_step per mini-batch (dlib's documented loop; the
//            trainer computes on its own worker thread while the caller prepares the next batch;
//            learning-rate shrinking is switched off so the rate stays 1e-3);
//   direct   (default) the same calls the trainer's worker makes, on the calling thread:
//            net.to_tensor, net.compute_parameter_gradients, net.update_parameters with one adam
//            per computational layer.
// The timed region is the epoch (shuffle, batch conversion, forward, backward, update); REPEATS
// (default 1) epochs run from a fresh network each and the fastest is reported, with its process
// CPU time. When BENCH_DEADLINE (seconds) is set and an epoch runs past it, the epoch stops there
// and its time is extrapolated from the samples done ("partial": true). The last line printed is
// one JSON object (bench/README.md, runner protocol).

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <dlib/dnn.h>
#include <dlib/revision.h>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>
#include <zlib.h>

namespace {

using net_type = dlib::loss_multiclass_log<dlib::fc<10, dlib::relu<dlib::fc<128, dlib::input<dlib::matrix<float>>>>>>;

std::vector<unsigned char> gunzip(std::string const& path) {
    gzFile f = gzopen(path.c_str(), "rb");
    if (!f) throw std::runtime_error("cannot open " + path);
    std::vector<unsigned char> out;
    unsigned char buf[1 << 16];
    for (;;) {
        int n = gzread(f, buf, sizeof buf);
        if (n < 0) {
            gzclose(f);
            throw std::runtime_error("cannot read " + path);
        }
        if (n == 0) break;
        out.insert(out.end(), buf, buf + n);
    }
    gzclose(f);
    return out;
}

std::uint32_t be32(unsigned char const* p) {
    return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | std::uint32_t(p[3]);
}

void load_fashion(std::string const& dir, std::vector<dlib::matrix<float>>& images,
                  std::vector<unsigned long>& labels) {
    auto const img = gunzip(dir + "/train-images-idx3-ubyte.gz");
    auto const lab = gunzip(dir + "/train-labels-idx1-ubyte.gz");
    if (img.size() < 16 || be32(img.data()) != 0x803) throw std::runtime_error("bad image file");
    if (lab.size() < 8 || be32(lab.data()) != 0x801) throw std::runtime_error("bad label file");
    std::size_t const n = be32(img.data() + 4), rows = be32(img.data() + 8), cols = be32(img.data() + 12);
    if (be32(lab.data() + 4) != n || img.size() != 16 + n * rows * cols || lab.size() != 8 + n)
        throw std::runtime_error("inconsistent IDX files");
    images.resize(n);
    labels.resize(n);
    unsigned char const* p = img.data() + 16;
    for (std::size_t i = 0; i < n; ++i) {
        images[i].set_size(long(rows), long(cols));
        float* d = &images[i](0, 0);
        for (std::size_t k = 0; k < rows * cols; ++k) d[k] = float(*p++) / 255.0f;
        labels[i] = lab[8 + i];
    }
}

// Fisher-Yates on both arrays with one generator; dlib matrices swap in O(1).
void shuffle_together(std::vector<dlib::matrix<float>>& x, std::vector<unsigned long>& y, std::mt19937_64& rng) {
    for (std::size_t i = x.size() - 1; i > 0; --i) {
        std::size_t const j = std::uniform_int_distribution<std::size_t>(0, i)(rng);
        if (i != j) {
            x[i].swap(x[j]);
            std::swap(y[i], y[j]);
        }
    }
}

int env_int(char const* name) {
    char const* v = std::getenv(name);
    return v ? std::atoi(v) : 0;
}

double cpu_now() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

struct result {
    double seconds; // for the whole epoch (extrapolated when partial)
    double cpu_seconds;
    double loss;
    std::size_t done; // samples trained on
};

struct stopwatch {
    std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
    double c0 = cpu_now();
    double elapsed() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); }
    result finish(double loss, std::size_t done, std::size_t n) const {
        double const scale = double(n) / double(done);
        return {elapsed() * scale, (cpu_now() - c0) * scale, loss, done};
    }
};

result epoch_trainer(std::vector<dlib::matrix<float>>& x, std::vector<unsigned long>& y, std::size_t batch,
                     std::uint64_t seed, double deadline) {
    net_type net;
    dlib::dnn_trainer<net_type, dlib::adam> trainer(net, dlib::adam(0.0f, 0.9f, 0.999f));
    trainer.set_learning_rate(1e-3);
    trainer.set_learning_rate_shrink_factor(1.0); // no automatic shrinking
    trainer.set_iterations_without_progress_threshold(1000000);
    trainer.set_mini_batch_size(batch);
    trainer.be_quiet();
    std::mt19937_64 rng(seed);
    std::size_t done = 0;
    stopwatch sw;
    shuffle_together(x, y, rng);
    for (std::size_t s = 0; s < x.size(); s += batch) {
        std::size_t const e = std::min(x.size(), s + batch);
        trainer.train_one_step(x.begin() + long(s), x.begin() + long(e), y.begin() + long(s));
        done = e;
        if (deadline > 0 && sw.elapsed() > deadline) break;
    }
    trainer.get_net(); // waits until the worker thread has finished every step
    return sw.finish(trainer.get_average_loss(), done, x.size());
}

result epoch_direct(std::vector<dlib::matrix<float>>& x, std::vector<unsigned long>& y, std::size_t batch,
                    std::uint64_t seed, double deadline) {
    net_type net;
    std::vector<dlib::adam> solvers(net_type::num_computational_layers, dlib::adam(0.0f, 0.9f, 0.999f));
    dlib::resizable_tensor t;
    double loss_sum = 0.0;
    std::size_t steps = 0;
    std::mt19937_64 rng(seed);
    std::size_t done = 0;
    stopwatch sw;
    shuffle_together(x, y, rng);
    for (std::size_t s = 0; s < x.size(); s += batch) {
        std::size_t const e = std::min(x.size(), s + batch);
        net.to_tensor(x.begin() + long(s), x.begin() + long(e), t);
        loss_sum += net.compute_parameter_gradients(t, y.begin() + long(s));
        net.update_parameters(dlib::make_sstack(solvers), 1e-3);
        ++steps;
        done = e;
        if (deadline > 0 && sw.elapsed() > deadline) break;
    }
    return sw.finish(loss_sum / double(steps), done, x.size());
}

} // namespace

int main(int argc, char** argv) try {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s BATCH [DATA_DIR] [REPEATS] [trainer|direct]\n", argv[0]);
        return 2;
    }
    long const batch_arg = std::atol(argv[1]);
    std::string const dir = argc > 2 ? argv[2] : "/usr/share/datasets/fashion-mnist";
    int const repeats = argc > 3 ? std::max(1, std::atoi(argv[3])) : 1;
    std::string const mode = argc > 4 ? argv[4] : "direct";
    if (batch_arg <= 0 || (mode != "trainer" && mode != "direct")) {
        std::fprintf(stderr, "mlp_dlib: bad arguments\n");
        return 2;
    }
    auto const batch = std::size_t(batch_arg);

    std::vector<dlib::matrix<float>> x;
    std::vector<unsigned long> y;
    load_fashion(dir, x, y);
    std::vector<dlib::matrix<float>> const x0 = x; // every repeat starts from the same order
    std::vector<unsigned long> const y0 = y;

    char const* dl = std::getenv("BENCH_DEADLINE");
    double const deadline = dl ? std::atof(dl) : 0.0;

    std::vector<result> runs;
    for (int r = 0; r < repeats; ++r) {
        if (r > 0) {
            x = x0;
            y = y0;
        }
        runs.push_back(mode == "trainer" ? epoch_trainer(x, y, batch, 1, deadline)
                                         : epoch_direct(x, y, batch, 1, deadline));
        if (runs.back().done < x.size()) break;
    }
    auto const best =
        std::min_element(runs.begin(), runs.end(), [](auto const& a, auto const& b) { return a.seconds < b.seconds; });
    std::string all;
    for (auto const& r : runs) all += (all.empty() ? "" : ",") + std::to_string(r.seconds);
    std::printf("{\"impl\":\"dlib\",\"batch\":%zu,\"omp\":%d,\"blas\":%d,\"seconds\":%.6f,\"samples\":%zu,"
                "\"sps\":%.1f,\"loss\":%.6f,\"cpu_seconds\":%.6f,\"repeats\":%zu,\"all_seconds\":[%s],"
                "\"partial\":%s,\"samples_done\":%zu,\"mode\":\"%s\",\"dlib\":\"%d.%d.%d\"}\n",
                batch, env_int("OMP_NUM_THREADS"), env_int("OPENBLAS_NUM_THREADS"), best->seconds, x.size(),
                double(x.size()) / best->seconds, best->loss, best->cpu_seconds, runs.size(), all.c_str(),
                best->done < x.size() ? "true" : "false", best->done, mode.c_str(), DLIB_MAJOR_VERSION,
                DLIB_MINOR_VERSION, DLIB_PATCH_VERSION);
    return 0;
} catch (std::exception const& e) {
    std::fprintf(stderr, "mlp_dlib: %s\n", e.what());
    return 1;
}
