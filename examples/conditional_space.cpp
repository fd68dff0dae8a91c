// A mixed space with conditional params: momentum exists only for SGD, the second layer's width
// only when there are two layers. The objective here is a stand-in for training; each trial's config
// prints without the params that are absent.
#include <htune/samplers/tpe.hpp>
#include <htune/space.hpp>
#include <htune/tune/study.hpp>

#include <cmath>
#include <iostream>

using namespace htune;

using space = search_space<choice_of<"optimizer", "sgd", "adam">, log_uniform<"lr", 1e-4, 1e-1>,
                           conditional<uniform<"momentum", 0.0, 0.99>, when<"optimizer", "sgd">>,
                           int_uniform<"layers", 1, 2>, int_uniform<"width_1", 16, 256, step<16>>,
                           conditional<int_uniform<"width_2", 16, 256, step<16>>, when_at_least<"layers", 2>>>;

// A made-up validation loss with its best at sgd, lr 0.01, momentum 0.9, two layers of 128 and 64.
double pretend_validation_loss(space::config const& c) {
    double loss = std::pow(std::log10(c.get<"lr">()) + 2.0, 2);
    if (auto const m = c.get<"momentum">()) loss += 4 * std::pow(*m - 0.9, 2);
    else loss += 0.3; // adam is a little worse on this made-up task
    loss += std::pow((static_cast<double>(c.get<"width_1">()) - 128) / 128, 2);
    if (auto const w = c.get<"width_2">()) loss += std::pow((static_cast<double>(*w) - 64) / 128, 2);
    else loss += 0.2;
    return loss;
}

int main() {
    tune::study<space, samplers::tpe<>> study{{.seed = 1}};
    study.enqueue("{optimizer=adam, lr=0.001, layers=1, width_1=128}"); // a known good start
    study.optimize([](auto const& t) { return pretend_validation_loss(t.params()); }, 120);

    for (std::size_t i = 0; i < 3; ++i) std::cout << "trial " << i << ": " << study.trials()[i].config << '\n';
    std::cout << "best: " << study.best().config << " loss " << study.best_value() << '\n';
}
