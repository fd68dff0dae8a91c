// Trains a 784-128-10 multilayer perceptron on Fashion-MNIST and prints its test accuracy.
//
//   train_fashion_mnist [data_dir] [epochs]
//
// data_dir holds the four IDX files (gzip or plain); Debian's dataset-fashion-mnist package puts
// them in /usr/share/datasets/fashion-mnist, the default.
#include <htune/htune.hpp>

#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iomanip>
#include <iostream>

using namespace htune;

// The model: flatten the 1x28x28 images, one hidden ReLU layer of 128 units, 10 class scores.
// It ends in softmax; with cross_entropy the trainer fuses the two into one stable step.
using model = nn::sequential<nn::flatten, nn::dense<128>, nn::relu, nn::dense<10>, nn::softmax>;

// The recipe: Adam at 1e-3, batches of 64, 5 epochs, a progress line per epoch.
using recipe = train::trainer<model, optim::adam<>, losses::cross_entropy, train::learning_rate<1e-3>,
                              train::batch_size<64>, train::epochs<5>, train::print_progress>;

int main(int argc, char** argv) try {
    std::filesystem::path const dir = argc > 1 ? argv[1] : "/usr/share/datasets/fashion-mnist";
    auto const train_set =
        data::load_idx<float>(dir / "train-images-idx3-ubyte.gz", dir / "train-labels-idx1-ubyte.gz");
    auto const test_set = data::load_idx<float>(dir / "t10k-images-idx3-ubyte.gz", dir / "t10k-labels-idx1-ubyte.gz");
    std::cout << "Fashion-MNIST: " << train_set.size() << " training and " << test_set.size()
              << " test images of shape " << train_set.sample_shape << '\n';

    recipe trainer;
    if (argc > 2) trainer.epochs = static_cast<std::size_t>(std::atoi(argv[2]));
    auto result = trainer.fit(train_set, /*seed=*/42);
    auto const test = result.evaluate(test_set);
    std::cout << std::fixed << std::setprecision(2) << "test accuracy " << 100 * test.score << "%  (test loss "
              << std::setprecision(4) << test.loss << ")\n";
    return 0;
} catch (std::exception const& e) {
    std::cerr << "error: " << e.what() << '\n';
    return 1;
}
