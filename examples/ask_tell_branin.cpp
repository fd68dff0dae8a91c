// Ask/tell on any objective: minimise the Branin function with TPE, first by hand, then with optimize().
#include <htune/problems/branin.hpp>
#include <htune/samplers/tpe.hpp>
#include <htune/space.hpp>
#include <htune/tune/study.hpp>

#include <iostream>

using namespace htune;

using space = search_space<uniform<"x", -5.0, 10.0>, uniform<"y", 0.0, 15.0>>;

int main() {
    problems::branin const branin;
    tune::study<space, samplers::tpe<>> study{{.seed = 7}};

    // By hand: ask for a config, evaluate it however you like, tell the result.
    for (int i = 0; i < 60; ++i) {
        auto trial = study.ask();
        study.tell(trial, branin(trial.get<"x">(), trial.get<"y">()));
    }
    // Or let the study drive a callable (exceptions and NaN fail the trial, the study goes on).
    study.optimize([&](auto const& t) { return branin(t.template get<"x">(), t.template get<"y">()); }, 40);

    auto const& best = study.best();
    std::cout << "best of " << study.trials().size() << " trials: " << best.value << " at " << best.config << " (trial "
              << best.number << "); the minimum is " << branin.optimum_value() << '\n';
}
