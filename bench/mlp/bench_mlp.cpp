// htune's side of `bench/run mlp`: one epoch of the 784-128-10 MLP (ReLU, Adam 1e-3, softmax
// cross-entropy) on Fashion-MNIST's training set; prints one JSON line.
//
//   bench_mlp_htune BATCH [DATA_DIR] [REPEATS] [whole|split]
//
// Each repeat trains one epoch from the same seed; the fastest is reported.
// BLAS threads follow OPENBLAS_NUM_THREADS when set (the harness tries the settings), else the
// trainer's own choice; OMP_NUM_THREADS (htune uses no OpenMP) sets the trainer's own threads
// (train::threads, the optimizer update), so the harness's "omp" axis means the same for both;
// the variant "split" also splits each batch's rows between those threads (train::split_batch).
#include <htune/htune.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>

using namespace htune;

using model = nn::sequential<nn::flatten, nn::dense<128>, nn::relu, nn::dense<10>>;

int main(int argc, char** argv) try {
    std::size_t const batch = argc > 1 ? static_cast<std::size_t>(std::atoi(argv[1])) : 64;
    std::filesystem::path const dir = argc > 2 ? argv[2] : "/usr/share/datasets/fashion-mnist";
    auto const train_set =
        data::load_idx<float>(dir / "train-images-idx3-ubyte.gz", dir / "train-labels-idx1-ubyte.gz");

    train::trainer<model, optim::adam<>, losses::softmax_cross_entropy, train::epochs<1>> trainer;
    trainer.batch_size = batch;
    char const* env = std::getenv("OPENBLAS_NUM_THREADS");
    if (env) trainer.blas_threads = std::atoi(env);
    if (char const* own = std::getenv("OMP_NUM_THREADS"); own && std::atoi(own) > 0)
        trainer.threads = static_cast<std::size_t>(std::atoi(own));
    std::string const variant = argc > 4 ? argv[4] : "whole";
    if (variant != "whole" && variant != "split") throw std::invalid_argument("unknown variant " + variant);
    trainer.split_batch = variant == "split";
    int const threads = trainer.blas_threads_for(batch);

    int const repeats = argc > 3 ? std::max(1, std::atoi(argv[3])) : 1;
    train::epoch_info best;
    std::string all;
    for (int r = 0; r < repeats; ++r) {
        auto const e = trainer.fit(train_set, 1).history.front();
        if (r == 0 || e.seconds < best.seconds) best = e;
        if (r) all += ',';
        all += std::to_string(e.seconds);
    }
    std::cout << "{\"impl\":\"htune\",\"batch\":" << batch << ",\"blas\":" << threads
              << ",\"threads\":" << trainer.threads
              << ",\"split_batch\":" << (trainer.splits_batches() ? "true" : "false") << ",\"seconds\":" << best.seconds
              << ",\"samples\":" << train_set.size() << ",\"sps\":" << best.samples_per_second
              << ",\"loss\":" << best.train_loss << ",\"repeats\":" << repeats << ",\"all_seconds\":[" << all << "]}\n";
    return 0;
} catch (std::exception const& e) {
    std::cerr << "error: " << e.what() << '\n';
    return 1;
}
