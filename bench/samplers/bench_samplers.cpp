// htune's runner for bench/run samplers: htune's samplers through tune::study on the test problems,
// printing the JSON lines of bench/peers/samplers_optuna.py (bench/samplers/report.py reads them).
//
//   bench_samplers_htune --mode regret [--samplers gp,tpe,random,cmaes,sobol,tpe_optuna,tpe_uni]
//       [--functions branin,hartmann6,rosenbrock5,ackley10] [--seeds 20] [--seed-base 0] [--trials 200]
//       [--checkpoints 50,100,200]
//   bench_samplers_htune --mode cost [--samplers tpe,gp] [--sizes 100,1000,5000] [--repeats K]
//
// regret: {"runner":"htune_tpe","function":"branin","seed":3,"best":{"50":v,...},"seconds":t}
// cost:   {"runner":"htune_tpe","cost_trials":1000,"ms_per_trial":x,"repeats":k,"ms_min":y}
//         N completed trials at uniform random points of rosenbrock5 are put into a study through
//         enqueue + tell (as Optuna's add_trials: no sampler runs), then `repeats` rounds of
//         ask, evaluate, tell are timed one by one; the median is reported.

#include <htune/problems.hpp>
#include <htune/samplers/cmaes.hpp>
#include <htune/samplers/gp.hpp>
#include <htune/samplers/random.hpp>
#include <htune/samplers/sobol.hpp>
#include <htune/samplers/tpe.hpp>
#include <htune/space.hpp>
#include <htune/tune/study.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

using namespace htune;

namespace {

// Params named x0, x1, ... x99.
template <std::size_t I>
constexpr auto coordinate_name() {
    static_assert(I < 100);
    if constexpr (I < 10) {
        constexpr char s[3] = {'x', static_cast<char>('0' + I), 0};
        return fixed_string<3>(s);
    } else {
        constexpr char s[4] = {'x', static_cast<char>('0' + I / 10), static_cast<char>('0' + I % 10), 0};
        return fixed_string<4>(s);
    }
}

template <class Sequence>
struct box_space_of;
template <std::size_t... I>
struct box_space_of<std::index_sequence<I...>> {
    using type = search_space<uniform<coordinate_name<I>()>...>;
    template <class Problem>
    static type make(Problem const& p) {
        return type{uniform<coordinate_name<I>()>{p.lower(I), p.upper(I)}...};
    }
};
template <std::size_t D>
using box = box_space_of<std::make_index_sequence<D>>;

template <class Config>
std::vector<double> point_of(Config const& c) {
    return std::apply([](auto const&... v) { return std::vector<double>{v...}; }, c.values());
}

std::string json_number(double x) {
    if (!std::isfinite(x)) return "null";
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.17g", x);
    return buffer;
}

struct options {
    std::string mode;
    std::vector<std::string> samplers;
    std::vector<std::string> functions{"branin", "hartmann6", "rosenbrock5", "ackley10"};
    int seeds = 20;
    int seed_base = 0;
    std::size_t trials = 200;
    std::vector<std::size_t> checkpoints{50, 100, 200};
    std::vector<std::size_t> sizes{100, 1000, 5000};
    int repeats = 0;
};

std::vector<std::string> split(std::string const& text) {
    std::vector<std::string> out;
    std::stringstream ss(text);
    for (std::string item; std::getline(ss, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

template <std::size_t D, class Sampler, class Problem>
void run_regret(options const& o, std::string const& runner, std::string const& function, Problem const& problem) {
    for (int s = o.seed_base; s < o.seed_base + o.seeds; ++s) {
        tune::study<typename box<D>::type, Sampler> study{
            box<D>::make(problem), Sampler{}, {.seed = static_cast<std::uint64_t>(s)}};
        auto const start = std::chrono::steady_clock::now();
        std::vector<double> best_after;
        double best = std::numeric_limits<double>::infinity();
        for (std::size_t n = 1; n <= o.trials; ++n) {
            auto t = study.ask();
            double const v = problem(point_of(t.params()));
            study.tell(t, v);
            best = std::min(best, v);
            best_after.push_back(best);
        }
        double const seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::cout << "{\"runner\":\"" << runner << "\",\"function\":\"" << function << "\",\"seed\":" << s
                  << ",\"best\":{";
        bool first = true;
        for (auto const c : o.checkpoints) {
            if (c > best_after.size()) continue;
            std::cout << (first ? "" : ",") << '"' << c << "\":" << json_number(best_after[c - 1]);
            first = false;
        }
        std::cout << "},\"seconds\":" << json_number(seconds) << "}" << std::endl;
    }
}

template <class Sampler>
void regret_for(options const& o, std::string const& runner) {
    for (auto const& f : o.functions) {
        if (f == "branin") run_regret<2, Sampler>(o, runner, f, problems::branin{});
        else if (f == "hartmann6") run_regret<6, Sampler>(o, runner, f, problems::hartmann6{});
        else if (f == "rosenbrock5") run_regret<5, Sampler>(o, runner, f, problems::rosenbrock{5});
        else if (f == "ackley10") run_regret<10, Sampler>(o, runner, f, problems::ackley{10});
        else throw invalid_argument("bench_samplers_htune: unknown function " + f);
    }
}

template <class Sampler>
void cost_for(options const& o, std::string const& runner) {
    problems::rosenbrock const problem{5};
    for (auto const n : o.sizes) {
        tune::study<box<5>::type, Sampler> study{box<5>::make(problem), Sampler{}, {.seed = 1}};
        rng g(12345);
        for (std::size_t i = 0; i < n; ++i) {
            box<5>::type::config c;
            std::apply(
                [&](auto&... v) {
                    std::size_t j = 0;
                    ((v = uniform_real(g, problem.lower(j), problem.upper(j)), ++j), ...);
                },
                c.values());
            study.enqueue(c);
            auto t = study.ask();
            study.tell(t, problem(point_of(t.params())));
        }
        int const repeats = o.repeats > 0 ? o.repeats : (n <= 1000 ? 10 : 3);
        std::vector<double> ms;
        for (int k = 0; k < repeats; ++k) {
            auto const start = std::chrono::steady_clock::now();
            auto t = study.ask();
            study.tell(t, problem(point_of(t.params())));
            ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
        }
        std::sort(ms.begin(), ms.end());
        std::cout << "{\"runner\":\"" << runner << "\",\"cost_trials\":" << n
                  << ",\"ms_per_trial\":" << json_number(ms[ms.size() / 2]) << ",\"repeats\":" << repeats
                  << ",\"ms_min\":" << json_number(ms.front()) << "}" << std::endl;
    }
}

template <class F>
void for_sampler(std::string const& name, F&& f) {
    if (name == "tpe") f.template operator()<samplers::tpe<>>("htune_tpe");
    // Optuna 3.1's TPE settings (scores equal to Optuna's), and the defaults without the joint estimator.
    else if (name == "tpe_optuna")
        f.template operator()<samplers::tpe<samplers::optuna_compatible>>("htune_tpe_optuna");
    else if (name == "tpe_uni") f.template operator()<samplers::tpe<samplers::univariate>>("htune_tpe_uni");
    else if (name == "gp") f.template operator()<samplers::gp<>>("htune_gp");
    else if (name == "cmaes") f.template operator()<samplers::cmaes<>>("htune_cmaes");
    else if (name == "random") f.template operator()<samplers::random>("htune_random");
    else if (name == "sobol") f.template operator()<samplers::sobol>("htune_sobol");
    else throw invalid_argument("bench_samplers_htune: unknown sampler " + name);
}

} // namespace

int main(int argc, char** argv) try {
    options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string const key = argv[i], value = argv[i + 1];
        if (key == "--mode") o.mode = value;
        else if (key == "--samplers") o.samplers = split(value);
        else if (key == "--functions") o.functions = split(value);
        else if (key == "--seeds") o.seeds = std::stoi(value);
        else if (key == "--seed-base") o.seed_base = std::stoi(value);
        else if (key == "--trials") o.trials = std::stoul(value);
        else if (key == "--repeats") o.repeats = std::stoi(value);
        else if (key == "--checkpoints" || key == "--sizes") {
            std::vector<std::size_t> list;
            for (auto const& s : split(value)) list.push_back(std::stoul(s));
            (key == "--sizes" ? o.sizes : o.checkpoints) = list;
        } else throw invalid_argument("bench_samplers_htune: unknown option " + key);
    }
    if (o.mode == "regret") {
        if (o.samplers.empty()) o.samplers = {"gp", "tpe", "tpe_optuna", "random", "cmaes", "sobol"};
        for (auto const& s : o.samplers)
            for_sampler(s, [&]<class Sampler>(std::string const& runner) { regret_for<Sampler>(o, runner); });
    } else if (o.mode == "cost") {
        if (o.samplers.empty()) o.samplers = {"tpe", "gp"};
        for (auto const& s : o.samplers)
            for_sampler(s, [&]<class Sampler>(std::string const& runner) { cost_for<Sampler>(o, runner); });
    } else {
        throw invalid_argument("bench_samplers_htune: --mode regret or --mode cost");
    }
    return 0;
} catch (std::exception const& e) {
    std::cerr << e.what() << '\n';
    return 1;
}
