#pragma once
// The study the MPI tests run: on ranks through mpi_study.cpp, and in one process as the reference.

#include <htune/samplers/tpe.hpp>
#include <htune/space.hpp>
#include <htune/tune/study.hpp>

#include <chrono>
#include <cmath>
#include <stdexcept>
#include <thread>

namespace htune::test {

using mpi_space = search_space<uniform<"x", -5.0, 10.0>, uniform<"y", 0.0, 15.0>,
                               int_uniform<"width", 16, 128, step<16>>, choice_of<"optimizer", "sgd", "adam">>;
using mpi_study = tune::study<mpi_space, samplers::tpe<>>;
inline constexpr std::uint64_t mpi_lag = 3;

// Branin plus the other params; reports two intermediate values; every 7th trial fails.
struct mpi_objective {
    int sleep_ms = 0;
    template <class Trial>
    double operator()(Trial& t) const {
        if (sleep_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
        double const pi = 3.14159265358979323846;
        double const x = t.template get<"x">(), y = t.template get<"y">();
        double const b = 5.1 / (4 * pi * pi), c = 5 / pi, s = 1 / (8 * pi);
        double v = std::pow(y - b * x * x + c * x - 6, 2) + 10 * (1 - s) * std::cos(x) + 10;
        v += static_cast<double>(t.template get<"width">()) / 128.0;
        if (t.template get<"optimizer">() == "adam") v += 0.5;
        t.report(0, v + 2.0);
        t.report(1, v + 1.0);
        if (t.number() % 7 == 5) throw std::runtime_error("planned failure of trial " + std::to_string(t.number()));
        return v;
    }
};

} // namespace htune::test
