#include <doctest/doctest.h>

#include <htune/pruners.hpp>
#include <htune/samplers/random.hpp>
#include <htune/samplers/tpe.hpp>
#include <htune/space.hpp>
#include <htune/tune/study.hpp>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "files.hpp"

using namespace htune;
using test::read_all;
using test::temp_dir;
using tune::trial_state;

namespace {

using line_space = search_space<uniform<"x", 0.0, 1.0>>;

// Learning curves by trial number: a loss falling from a trial-specific start towards a
// trial-specific floor, with a wiggle; trial 9 and 31 fail at step 6 (nullopt there).
constexpr int n_trials = 60;
constexpr int n_steps = 27;

std::vector<std::vector<std::optional<double>>> make_curves() {
    std::vector<std::vector<std::optional<double>>> curves(n_trials);
    std::uint64_t state = 12345;
    auto const uniform01 = [&] {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        return static_cast<double>(state >> 11) / 9007199254740992.0;
    };
    for (int n = 0; n < n_trials; ++n) {
        double const floor = uniform01(), start = 1.0 + uniform01(), rate = 0.05 + 0.3 * uniform01();
        for (int s = 0; s < n_steps; ++s) {
            if ((n == 9 || n == 31) && s == 6) {
                curves[n].push_back(std::nullopt);
                break;
            }
            curves[n].push_back(floor + (start - floor) * std::exp(-rate * s) + 0.02 * std::sin(7.0 * n + 3.0 * s));
        }
    }
    return curves;
}

// The curves as text: one trial per line, "fail" where it throws.
std::string curves_text(std::vector<std::vector<std::optional<double>>> const& curves, double sign) {
    std::ostringstream out;
    for (auto const& c : curves) {
        for (std::size_t s = 0; s < c.size(); ++s) {
            if (s) out << ' ';
            if (!c[s]) {
                out << "fail";
                continue;
            }
            char buffer[64];
            std::snprintf(buffer, sizeof buffer, "%.17g", sign * *c[s]);
            out << buffer;
        }
        out << '\n';
    }
    return out.str();
}

// Runs the curves through a study with `pruner`, sequentially as Optuna's optimize does; returns
// per trial the step it was pruned at, -1 when complete, -2 when failed.
template <class Pruner>
std::string outcomes(Pruner pruner, bool maximize, std::vector<std::vector<std::optional<double>>> const& curves) {
    double const sign = maximize ? -1.0 : 1.0;
    tune::study<line_space, samplers::random, Pruner> s(
        line_space{}, samplers::random{}, {.goal = maximize ? tune::direction::maximize : tune::direction::minimize},
        nullptr, pruner);
    s.optimize(
        [&](auto& t) {
            auto const& c = curves[t.number()];
            for (std::size_t step = 0; step < c.size(); ++step) {
                if (!c[step]) throw std::runtime_error("fails at step 6");
                t.report(step, sign * *c[step]);
                if (t.should_prune()) t.prune();
            }
            return sign * *c.back();
        },
        n_trials);
    std::string out;
    for (auto const& r : s.trials()) {
        if (!out.empty()) out += ' ';
        if (r.state == trial_state::pruned) out += std::to_string(r.intermediate.back().step);
        else out += r.state == trial_state::complete ? "-1" : "-2";
    }
    return out;
}

} // namespace

TEST_CASE("pruners: median, percentile, successive halving and Hyperband decide as Optuna 3.1 does") {
    auto const curves = make_curves();
    temp_dir dir("htune-pruners");
    test::write_all(dir / "min.txt", curves_text(curves, 1.0));
    test::write_all(dir / "max.txt", curves_text(curves, -1.0));

    // name, direction, htune's outcomes, Optuna's pruner expression.
    struct run {
        char const* name;
        bool maximize;
        std::string htune;
        char const* optuna;
    };
    std::vector<run> const runs = {
        {"median", false, outcomes(pruners::median{}, false, curves), "MedianPruner()"},
        {"median_max", true, outcomes(pruners::median{}, true, curves), "MedianPruner()"},
        {"median_warmup", false,
         outcomes(pruners::median{{.startup_trials = 3, .warmup_steps = 4, .interval_steps = 3, .min_trials = 4}},
                  false, curves),
         "MedianPruner(n_startup_trials=3, n_warmup_steps=4, interval_steps=3, n_min_trials=4)"},
        {"percentile25_max", true, outcomes(pruners::percentile{{.percentile = 25.0}}, true, curves),
         "PercentilePruner(25.0)"},
        {"sha_auto", false, outcomes(pruners::successive_halving{}, false, curves), "SuccessiveHalvingPruner()"},
        {"sha_3", true, outcomes(pruners::successive_halving{{.min_resource = 2, .reduction_factor = 3}}, true, curves),
         "SuccessiveHalvingPruner(min_resource=2, reduction_factor=3)"},
        {"sha_bootstrap", false,
         outcomes(pruners::successive_halving{{.min_resource = 1, .reduction_factor = 2, .bootstrap_count = 1}}, false,
                  curves),
         "SuccessiveHalvingPruner(min_resource=1, reduction_factor=2, bootstrap_count=1)"},
        {"hyperband_auto", false, outcomes(pruners::hyperband{}, false, curves), "HyperbandPruner()"},
        {"hyperband_27_max", true, outcomes(pruners::hyperband{{.max_resource = 27}}, true, curves),
         "HyperbandPruner(max_resource=27)"},
        {"hyperband_2", false,
         outcomes(pruners::hyperband{{.min_resource = 2, .max_resource = 26, .reduction_factor = 2}}, false, curves),
         "HyperbandPruner(min_resource=2, max_resource=26, reduction_factor=2)"},
    };

    std::string script =
        "import optuna\n"
        "from optuna.pruners import *\n"
        "optuna.logging.set_verbosity(optuna.logging.ERROR)\n"
        "def curves(path):\n"
        "    return [[None if v == 'fail' else float(v) for v in line.split()] for line in open(path)]\n"
        "def outcomes(pruner, maximize, path):\n"
        "    cs = curves(path)\n"
        "    def objective(trial):\n"
        "        c = cs[trial.number]\n"
        "        for step, v in enumerate(c):\n"
        "            if v is None: raise RuntimeError('fails at step 6')\n"
        "            trial.report(v, step)\n"
        "            if trial.should_prune(): raise optuna.TrialPruned()\n"
        "        return c[-1]\n"
        "    s = optuna.create_study(study_name='htune', pruner=pruner,\n"
        "                            direction='maximize' if maximize else 'minimize')\n"
        "    s.optimize(objective, n_trials=len(cs), catch=(RuntimeError,))\n"
        "    out = []\n"
        "    for t in s.trials:\n"
        "        if t.state == optuna.trial.TrialState.PRUNED: out.append(str(t.last_step))\n"
        "        else: out.append('-1' if t.state == optuna.trial.TrialState.COMPLETE else '-2')\n"
        "    return ' '.join(out)\n";
    for (auto const& r : runs)
        script += std::string("print('") + r.name + "', outcomes(" + r.optuna + ", " + (r.maximize ? "True" : "False") +
                  ", '" + (dir / (r.maximize ? "max.txt" : "min.txt")).string() + "'))\n";
    test::write_all(dir / "check.py", script);
    auto const out = dir / "optuna.out";
    int const rc = std::system(
        ("/usr/bin/python3 -W ignore " + (dir / "check.py").string() + " > " + out.string() + " 2>&1").c_str());
    std::string const text = read_all(out);
    INFO(text);
    REQUIRE(rc == 0);

    std::istringstream lines(text);
    std::string line;
    for (auto const& r : runs) {
        REQUIRE(std::getline(lines, line));
        CAPTURE(r.name);
        CHECK(line == std::string(r.name) + " " + r.htune);
    }
    // The comparison means something only if each pruner pruned some trials and kept others.
    for (auto const& r : runs) {
        CAPTURE(r.name);
        // A rung with bootstrap_count values or fewer prunes: here every trial meets one (Optuna too).
        if (std::string_view(r.name) != "sha_bootstrap") CHECK(r.htune.find("-1") != std::string::npos);
        std::istringstream fields(r.htune);
        int pruned = 0;
        for (std::string f; fields >> f;) pruned += f[0] != '-';
        CHECK(pruned >= 5);
    }
}

namespace {

// A study whose curves depend on the sampled config: fast learners have x near 0.3.
template <class Pruner>
auto pruned_study(Pruner pruner, unsigned jobs) {
    auto s = std::make_unique<tune::study<line_space, samplers::tpe<>, Pruner>>(
        line_space{}, samplers::tpe<>{}, tune::study_options{.seed = 11, .lag = 3}, nullptr, pruner);
    s->optimize(
        [](auto& t) {
            double const x = t.template get<"x">();
            double loss = 0.0;
            for (std::uint64_t step = 0; step < 12; ++step) {
                loss = std::abs(x - 0.3) + std::exp(-0.4 * static_cast<double>(step) * (1.0 - std::abs(x - 0.3)));
                t.report(step, loss);
                if (t.should_prune()) t.prune();
            }
            return loss;
        },
        40, tune::run_options{.jobs = jobs});
    return s;
}

template <class Pruner>
void check_same_for_any_jobs(Pruner pruner) {
    auto const one = pruned_study(pruner, 1);
    std::size_t pruned = 0;
    for (auto const& r : one->trials()) pruned += r.state == trial_state::pruned;
    CHECK(pruned >= 5);
    for (unsigned jobs : {2u, 4u}) {
        CAPTURE(jobs);
        auto const many = pruned_study(pruner, jobs);
        REQUIRE(many->trials().size() == one->trials().size());
        for (std::size_t i = 0; i < one->trials().size(); ++i) {
            CAPTURE(i);
            CHECK(many->trials()[i].state == one->trials()[i].state);
            CHECK(many->trials()[i].config == one->trials()[i].config);
            CHECK(many->trials()[i].intermediate == one->trials()[i].intermediate);
        }
    }
}

} // namespace

TEST_CASE("pruners: a study prunes the same trials at the same steps with 1, 2 and 4 jobs (fixed lag)") {
    SUBCASE("median") {
        check_same_for_any_jobs(pruners::median{{.startup_trials = 3}});
    }
    SUBCASE("successive halving") {
        check_same_for_any_jobs(pruners::successive_halving{{.min_resource = 1}});
    }
    SUBCASE("hyperband") {
        check_same_for_any_jobs(pruners::hyperband{{.max_resource = 12}});
    }
}

TEST_CASE("pruners: should_prune is false before a report, with the default pruner, and an error on a finished trial") {
    tune::study<line_space, samplers::random, pruners::median> s(line_space{}, {}, {}, nullptr,
                                                                 pruners::median{{.startup_trials = 1}});
    auto first = s.ask();
    CHECK_FALSE(first.should_prune());
    first.report(0, 1.0);
    CHECK_FALSE(first.should_prune()); // nothing has completed to compare with
    s.tell(first, 1.0);
    auto second = s.ask();
    second.report(0, 2.0);
    CHECK(second.should_prune()); // worse than the median (1.0) of the complete trials at step 0
    s.prune(second);
    CHECK(s.trials()[1].state == trial_state::pruned);
    CHECK_THROWS_WITH_AS(second.should_prune(), doctest::Contains("should_prune: trial 1 is not running"),
                         htune::invalid_argument);

    tune::study<line_space> plain;
    auto t = plain.ask();
    t.report(0, 5.0);
    CHECK_FALSE(t.should_prune());
}

TEST_CASE("pruners: options that cannot work are errors naming the option and the value") {
    CHECK_THROWS_WITH_AS(pruners::percentile({.percentile = 101.0}),
                         doctest::Contains("percentile must be in [0, 100], got 101"), htune::invalid_argument);
    CHECK_THROWS_WITH_AS(pruners::median({.interval_steps = 0}),
                         doctest::Contains("interval_steps must be at least 1, got 0"), htune::invalid_argument);
    CHECK_THROWS_WITH_AS(pruners::median({.min_trials = 0}), doctest::Contains("min_trials must be at least 1, got 0"),
                         htune::invalid_argument);
    CHECK_THROWS_WITH_AS(pruners::successive_halving({.reduction_factor = 1}),
                         doctest::Contains("reduction_factor must be at least 2, got 1"), htune::invalid_argument);
    CHECK_THROWS_WITH_AS(pruners::successive_halving({.min_resource = 0}),
                         doctest::Contains("min_resource must be at least 1, got 0"), htune::invalid_argument);
    CHECK_THROWS_WITH_AS(pruners::hyperband({.min_resource = 5, .max_resource = 4}),
                         doctest::Contains("max_resource (4) must be at least min_resource (5)"),
                         htune::invalid_argument);
    CHECK_THROWS_WITH_AS(pruners::hyperband({.bootstrap_count = 2}),
                         doctest::Contains("bootstrap_count (2) needs a max_resource"), htune::invalid_argument);
}

TEST_CASE("pruners: Hyperband's brackets are Optuna's (crc32 of \"name_number\")") {
    CHECK(pruners::detail::crc32("") == 0u);
    CHECK(pruners::detail::crc32("123456789") == 0xcbf43926u); // the CRC-32 check value
    pruners::hyperband const h({.max_resource = 27});
    CHECK(h.brackets(27) == 4); // floor(log3(27)) + 1
    CHECK(h.brackets(26) == 3);
    std::array<int, 4> per_bracket{};
    for (std::uint64_t n = 0; n < 4000; ++n) ++per_bracket[h.bracket_of("htune", n, 27)];
    // Budgets ceil(4 * 3^s / (s + 1)) for s = 3..0: 27, 12, 6, 4 of 49.
    CHECK(per_bracket[0] == doctest::Approx(4000.0 * 27 / 49).epsilon(0.1));
    CHECK(per_bracket[1] == doctest::Approx(4000.0 * 12 / 49).epsilon(0.15));
    CHECK(per_bracket[3] == doctest::Approx(4000.0 * 4 / 49).epsilon(0.25));
}
