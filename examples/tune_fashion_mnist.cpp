// Tunes a multilayer perceptron on Fashion-MNIST: the whole pipeline is one type.
//
//   tune_fashion_mnist [data_dir] [train_images] [trials] [jobs] [journal]
//
// 30 trials of TPE with Hyperband pruning on the epochs, each trained on 80% of the first 20000
// training images and scored on the other 20% after every epoch; the best config is then refit on
// all 20000 and evaluated on the 10000 test images. Give a journal file to keep the study on disk:
// run again with the same file and it resumes.
#include <htune/htune.hpp>
#if HTUNE_EXAMPLE_JOURNAL
#include <htune/storage/journal.hpp> // lets tuner_options::journal open a file (CMake: htune::journal)
#endif

#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <numeric>
#include <vector>

using namespace htune;

// The search space: named hyperparameters, declared as types.
using space = search_space<log_uniform<"lr", 1e-4, 1e-1>, int_uniform<"hidden", 32, 256, step<32>>,
                           uniform<"dropout", 0.0, 0.5>, log_uniform<"l2", 1e-6, 1e-2>,
                           choice<"optimizer", optim::sgd<optim::momentum<0.9>>, optim::adam<>, optim::rmsprop<>>,
                           choice<"activation", nn::relu, nn::tanh>>;

// The model: numbers bound to hyperparameters are written as values (hp<"hidden">{}); a layer
// chosen per trial is written as a type (hp<"activation">).
using model = nn::sequential<nn::flatten, nn::dense<hp<"hidden">{}>, hp<"activation">, nn::dropout<hp<"dropout">{}>,
                             nn::dense<10>, nn::softmax>;

// The whole pipeline is one type: 3 optimizers x 2 activations = 6 trial bodies, chosen once per trial.
using pipeline =
    tune::tuner<space, samplers::tpe<>, pruners::hyperband,
                train::trainer<model, hp<"optimizer">, train::learning_rate<hp<"lr">{}>, regularizers::l2<hp<"l2">{}>,
                               losses::cross_entropy, train::epochs<8>, train::batch_size<64>>,
                tune::holdout<0.2>>;

int main(int argc, char** argv) try {
    std::filesystem::path const dir = argc > 1 ? argv[1] : "/usr/share/datasets/fashion-mnist";
    std::size_t const rows = argc > 2 ? static_cast<std::size_t>(std::atol(argv[2])) : 20000;
    std::uint64_t const trials = argc > 3 ? static_cast<std::uint64_t>(std::atol(argv[3])) : 30;
    std::size_t const jobs = argc > 4 ? static_cast<std::size_t>(std::atol(argv[4])) : 1;
    std::filesystem::path const journal = argc > 5 ? argv[5] : "";

    auto const all_train =
        data::load_idx<float>(dir / "train-images-idx3-ubyte.gz", dir / "train-labels-idx1-ubyte.gz");
    auto const test_set = data::load_idx<float>(dir / "t10k-images-idx3-ubyte.gz", dir / "t10k-labels-idx1-ubyte.gz");
    std::vector<std::size_t> first(std::min(rows, all_train.size()));
    std::iota(first.begin(), first.end(), std::size_t{0});
    auto const train_set = data::subset(all_train, std::span<std::size_t const>(first));
    std::cout << "Fashion-MNIST: tuning on " << train_set.size() << " training images (80% train, 20% validation), "
              << trials << " trials, " << pipeline::trial_bodies << " trial bodies compiled\n";

    auto const result =
        pipeline{}.run(train_set, test_set, {.trials = trials, .seed = 42, .jobs = jobs, .journal = journal});

    auto const& best = result.best;
    std::cout << std::fixed << std::setprecision(2) << result.trials.size() << " trials in " << result.seconds
              << " s: " << result.count(tune::trial_state::complete) << " complete, "
              << result.count(tune::trial_state::pruned) << " pruned by Hyperband, "
              << result.count(tune::trial_state::failed) << " failed\n"
              << "best config (trial " << best.number << "): " << best.config << '\n'
              << "validation accuracy " << 100 * best.value << "%\n"
              << "refit on all " << train_set.size() << " images: test accuracy " << 100 * result.test->score
              << "% (test loss " << std::setprecision(4) << result.test->loss << ")\n";
    return 0;
} catch (std::exception const& e) {
    std::cerr << "error: " << e.what() << '\n';
    return 1;
}
