// The GEMM floor of one training epoch of the 784-128-10 MLP: exactly the matrix products that
// forward and backward need, through cblas_sgemm (OpenBLAS), and nothing else (no bias, ReLU,
// softmax, optimizer step or data gather). No training framework can run the epoch faster than
// this on the same BLAS, so htune's epoch time divided by this one is the "floor ratio".
//
//   gemm_floor BATCH [DATA_DIR] [REPEATS] [whole|split]
//
// "split" is the floor of a trainer that splits each batch's rows between two threads
// (htune's train::split_batch): two threads, one BLAS thread each, each running the products of
// its half of every batch's rows with its own buffers, with no synchronisation at all between
// them (a real trainer must also wait for both halves at every batch and sum their gradients).
//
// DATA_DIR is accepted for the runner protocol (bench/README.md) and ignored: the input is a
// 60000x784 row-major matrix of values in [0,1), walked batch by batch, so the epoch streams the
// same 188 MB of input the real trainers read. The last JSON line is the result; the epoch is
// run REPEATS times (default 1) and the fastest is kept, with its process CPU time. When
// BENCH_DEADLINE (seconds) is set and an epoch runs past it, the epoch stops there and its time is
// extrapolated from the samples done ("partial": true).
//
// Per batch of b rows (the last batch has the remainder):
//   forward   H  = X  * W1     (b x 784) * (784 x 128)
//             Y  = H  * W2     (b x 128) * (128 x 10)
//   backward  dW2 = H^T * dY   (128 x b) * (b x 10)
//             dH  = dY * W2^T  (b x 10)  * (10 x 128)
//             dW1 = X^T * dH   (784 x b) * (b x 128)      (no dX for the input layer)

#include <algorithm>
#include <cblas.h>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

extern "C" {
// OpenBLAS extensions; weak so that the program still links against another CBLAS.
int openblas_get_num_threads(void) __attribute__((weak));
void openblas_set_num_threads(int) __attribute__((weak));
char* openblas_get_corename(void) __attribute__((weak));
}

namespace {

constexpr int n_samples = 60000;
constexpr int n_in = 784;
constexpr int n_hidden = 128;
constexpr int n_out = 10;

// Small deterministic generator (splitmix64) so the buffers hold ordinary, non-denormal values.
struct splitmix {
    std::uint64_t s;
    float next01() {
        std::uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        z ^= z >> 31;
        return static_cast<float>(z >> 40) * (1.0f / 16777216.0f);
    }
};

void fill(std::vector<float>& v, splitmix& g, float lo, float hi) {
    for (auto& x : v) x = lo + (hi - lo) * g.next01();
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

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s BATCH [DATA_DIR] [REPEATS]\n", argv[0]);
        return 2;
    }
    int const batch = std::atoi(argv[1]);
    int const repeats = argc > 3 ? std::max(1, std::atoi(argv[3])) : 1;
    if (batch <= 0) {
        std::fprintf(stderr, "gemm_floor: bad batch size '%s'\n", argv[1]);
        return 2;
    }

    std::string const variant = argc > 4 ? argv[4] : "whole";
    if (variant != "whole" && variant != "split") {
        std::fprintf(stderr, "gemm_floor: unknown variant '%s' (whole or split)\n", argv[4]);
        return 2;
    }
    bool const split = variant == "split";
    if (split && openblas_set_num_threads) openblas_set_num_threads(1);
    int const workers = split ? 2 : 1;

    splitmix g{42};
    std::vector<float> X(std::size_t(n_samples) * n_in);
    std::vector<float> W1(std::size_t(n_in) * n_hidden), W2(std::size_t(n_hidden) * n_out);
    fill(X, g, 0.0f, 1.0f);
    fill(W1, g, -0.05f, 0.05f);
    fill(W2, g, -0.1f, 0.1f);
    // Each worker's activations and gradients.
    struct buffers {
        std::vector<float> H, Y, dY, dH, dW1, dW2;
    };
    std::vector<buffers> buf(static_cast<std::size_t>(workers));
    for (auto& w : buf) {
        w.H.resize(std::size_t(batch) * n_hidden);
        w.Y.resize(std::size_t(batch) * n_out);
        w.dY.resize(std::size_t(batch) * n_out);
        w.dH.resize(std::size_t(batch) * n_hidden);
        w.dW1.resize(W1.size());
        w.dW2.resize(W2.size());
        fill(w.dY, g, -0.1f, 0.1f);
        fill(w.H, g, 0.0f, 1.0f);
    }

    auto const row_major = CblasRowMajor;
    auto const N = CblasNoTrans;
    auto const T = CblasTrans;

    char const* dl = std::getenv("BENCH_DEADLINE");
    double const deadline = dl ? std::atof(dl) : 0.0;

    std::vector<double> times, cpus;
    double checksum = 0.0;
    int done = n_samples;
    for (int r = 0; r < repeats && done == n_samples; ++r) {
        auto const t0 = std::chrono::steady_clock::now();
        double const c0 = cpu_now();
        // Worker `w` of `workers` takes its share of every batch's rows.
        auto epoch = [&](int w, int* done_at) {
            auto& [H, Y, dY, dH, dW1, dW2] = buf[std::size_t(w)];
            for (int start = 0; start < n_samples; start += batch) {
                int const rows = std::min(batch, n_samples - start);
                int const chunk = (rows + workers - 1) / workers;
                int const first = std::min(rows, w * chunk);
                int const b = std::min(rows, first + chunk) - first;
                if (b == 0) continue;
                float const* x = X.data() + std::size_t(start + first) * n_in;
                // forward
                cblas_sgemm(row_major, N, N, b, n_hidden, n_in, 1.0f, x, n_in, W1.data(), n_hidden, 0.0f, H.data(),
                            n_hidden);
                cblas_sgemm(row_major, N, N, b, n_out, n_hidden, 1.0f, H.data(), n_hidden, W2.data(), n_out, 0.0f,
                            Y.data(), n_out);
                // backward
                cblas_sgemm(row_major, T, N, n_hidden, n_out, b, 1.0f, H.data(), n_hidden, dY.data(), n_out, 0.0f,
                            dW2.data(), n_out);
                cblas_sgemm(row_major, N, T, b, n_hidden, n_out, 1.0f, dY.data(), n_out, W2.data(), n_out, 0.0f,
                            dH.data(), n_hidden);
                cblas_sgemm(row_major, T, N, n_in, n_hidden, b, 1.0f, x, n_in, dH.data(), n_hidden, 0.0f, dW1.data(),
                            n_hidden);
                if (deadline > 0 &&
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() > deadline) {
                    *done_at = start + rows;
                    break;
                }
            }
        };
        if (split) {
            int other_done = n_samples;
            std::thread second(epoch, 1, &other_done);
            epoch(0, &done);
            second.join();
            done = std::min(done, other_done);
        } else {
            epoch(0, &done);
        }
        auto const t1 = std::chrono::steady_clock::now();
        double const scale = double(n_samples) / double(done);
        times.push_back(std::chrono::duration<double>(t1 - t0).count() * scale);
        cpus.push_back((cpu_now() - c0) * scale);
        checksum += double(buf[0].dW1[7]) + double(buf[0].dW2[3]) + double(buf[0].Y[1]);
    }

    auto const best_at = std::min_element(times.begin(), times.end()) - times.begin();
    double const best = times[std::size_t(best_at)];
    std::string all;
    for (double t : times) all += (all.empty() ? "" : ",") + std::to_string(t);
    int const blas_threads = openblas_get_num_threads ? openblas_get_num_threads() : 0;
    char const* core = openblas_get_corename ? openblas_get_corename() : "unknown";
    std::printf("{\"impl\":\"gemm_floor\",\"variant\":\"%s\",\"batch\":%d,\"omp\":%d,\"blas\":%d,\"seconds\":%.6f,"
                "\"samples\":%d,\"sps\":%.1f,\"loss\":null,\"cpu_seconds\":%.6f,\"repeats\":%zu,"
                "\"all_seconds\":[%s],\"partial\":%s,\"samples_done\":%d,\"openblas_threads\":%d,"
                "\"openblas_core\":\"%s\",\"checksum\":%.6g}\n",
                variant.c_str(), batch, env_int("OMP_NUM_THREADS"), env_int("OPENBLAS_NUM_THREADS"), best, n_samples,
                n_samples / best, cpus[std::size_t(best_at)], times.size(), all.c_str(),
                done < n_samples ? "true" : "false", done, blas_threads, core, checksum);
    return 0;
}
