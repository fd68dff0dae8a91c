// The classic scikit-learn grid search, written with htune:
//
//   GridSearchCV(LogisticRegression(solver="saga"),
//                {"C": np.logspace(-2, 2, 5), "penalty": ["l1", "l2"]}, cv=StratifiedKFold(5)).fit(X, y)
//
// on 3000 Fashion-MNIST training images (784 pixels, 10 classes); the best config is refit on all
// 3000 and scored on 1000 test images.
//
//   grid_search_logistic [data_dir] [train_rows]
//
// The grid is a study with the grid sampler (10 points, so the study ends after 10 trials); each
// trial runs 5-fold cross-validation and reports the running mean accuracy after every fold, so a
// pruner could stop a hopeless config between folds (here none does: a grid search scores every
// point). The penalty is a choice between two types, dispatched once per trial.
#include <htune/htune.hpp>

#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <numeric>
#include <string>
#include <vector>

using namespace htune;

using space = search_space<log_uniform<"C", 1e-2, 1e2>, choice_of<"penalty", "l1", "l2">>;

// Multinomial logistic regression: one dense layer into softmax, trained on the mean cross-entropy
// plus the penalty. scikit-learn minimises C * sum(loss) + penalty(w); dividing by C * n gives
// mean(loss) + penalty(w) / (C * n), so the penalty's strength is 1 / (C * n).
template <class Penalty>
using logistic_regression =
    train::trainer<nn::sequential<nn::flatten, nn::dense<10>, nn::softmax>, optim::adam<>, losses::cross_entropy,
                   Penalty, train::learning_rate<1e-2>, train::batch_size<64>, train::epochs<10>>;

// Fits the model for `config` on `train` and returns its accuracy on `validation`.
template <class Penalty>
double fit_and_score(double c, data::dataset<float> const& train, data::dataset<float> const& validation,
                     std::uint64_t seed) {
    logistic_regression<Penalty> model;
    std::get<0>(model.regularizers).strength = 1.0 / (c * static_cast<double>(train.size()));
    auto fitted = model.fit(train, seed);
    return fitted.evaluate(validation).score;
}

double fit_and_score(space::config const& config, data::dataset<float> const& train,
                     data::dataset<float> const& validation, std::uint64_t seed) {
    double const c = config.get<"C">();
    return config.get<"penalty">() == "l1" ? fit_and_score<regularizers::l1<>>(c, train, validation, seed)
                                           : fit_and_score<regularizers::l2<>>(c, train, validation, seed);
}

int main(int argc, char** argv) try {
    std::filesystem::path const dir = argc > 1 ? argv[1] : "/usr/share/datasets/fashion-mnist";
    std::size_t const train_rows = argc > 2 ? static_cast<std::size_t>(std::atol(argv[2])) : 3000;
    auto const all_train =
        data::load_idx<float>(dir / "train-images-idx3-ubyte.gz", dir / "train-labels-idx1-ubyte.gz");
    auto const all_test = data::load_idx<float>(dir / "t10k-images-idx3-ubyte.gz", dir / "t10k-labels-idx1-ubyte.gz");
    std::vector<std::size_t> rows(train_rows);
    std::iota(rows.begin(), rows.end(), std::size_t{0});
    auto const train_set = data::subset(all_train, std::span<std::size_t const>(rows));
    rows.resize(1000);
    auto const test_set = data::subset(all_test, std::span<std::size_t const>(rows));

    // The folds are the same for every config, as in GridSearchCV.
    auto const folds = data::kfold_rows(train_set, 5, /*shuffle seed=*/std::uint64_t{0}, /*stratified=*/true);
    samplers::grid grid{{"C", {0.01, 0.1, 1.0, 10.0, 100.0}}, {"penalty", {"l1", "l2"}}};
    tune::study<space, samplers::grid> study(space{}, grid, {.goal = tune::direction::maximize, .seed = 1});

    study.optimize(
        [&](auto& trial) {
            double sum = 0;
            for (std::size_t f = 0; f < folds.size(); ++f) {
                auto const [train, validation] = data::fold(train_set, folds[f]);
                sum += fit_and_score(trial.params(), train, validation, trial.seed());
                trial.report(f, sum / static_cast<double>(f + 1));
            }
            double const mean = sum / static_cast<double>(folds.size());
            std::cout << "  " << trial.params() << "  mean accuracy " << std::fixed << std::setprecision(4) << mean
                      << '\n';
            return mean;
        },
        100,                                        // the grid has 10 points: the study stops there
        {.progress = tune::progress_display::off}); // the lines above say enough

    auto const& best = study.best();
    std::cout << study.trials().size() << " configs, 5 folds each; best " << best.config << " with "
              << std::setprecision(2) << 100 * best.value << "% mean validation accuracy\n";
    double const test_accuracy = fit_and_score(best.config, train_set, test_set, 7);
    std::cout << "refit on all " << train_set.size() << " training images: test accuracy " << 100 * test_accuracy
              << "%\n";
    return 0;
} catch (std::exception const& e) {
    std::cerr << "error: " << e.what() << '\n';
    return 1;
}
