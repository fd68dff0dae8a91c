// The pipeline as one type: hp binding (type slots resolved per trial, number slots set from the
// config), the tuner's defaults, holdout and k-fold scoring, pruning between epochs and folds, the
// direction from the metric, the refit on test data, and configuration errors that stop a run.
#include <doctest/doctest.h>

#include <htune/htune.hpp>
#include <htune/storage/journal.hpp> // a tuner opens a journal path only with the journal included

#include <cmath>
#include <cstdint>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>

#include "blobs.hpp"
#include "files.hpp"

using namespace htune;

namespace {

using test::blobs;

// y = 2 x0 - x1 + noise: a regression set.
data::dataset<float> line(std::size_t n, std::uint64_t seed) {
    data::dataset<float> d;
    d.features = tensor<float, 2>::from_shape({n, 2});
    d.targets = tensor<float, 2>::from_shape({n, 1});
    d.sample_shape = nn::shape{2};
    rng g(seed);
    for (std::size_t i = 0; i < n; ++i) {
        double const a = standard_normal(g), b = standard_normal(g);
        d.features(i, 0) = static_cast<float>(a);
        d.features(i, 1) = static_cast<float>(b);
        d.targets(i, 0) = static_cast<float>(2 * a - b + 0.1 * standard_normal(g));
    }
    return d;
}

using bind_space = search_space<int_uniform<"hidden", 8, 64, step<8>>, choice<"act", nn::relu, nn::tanh>,
                                choice<"opt", optim::sgd<optim::momentum<hp<"mom">{}>>, optim::adam<>>,
                                uniform<"mom", 0.0, 0.95>, log_uniform<"lr", 1e-4, 1e-1>, int_uniform<"epochs", 1, 5>,
                                log_uniform<"l2", 1e-6, 1e-2>, uniform<"drop", 0.0, 0.5>>;
using bind_model = nn::sequential<nn::dense<hp<"hidden">{}>, hp<"act">, nn::dropout<hp<"drop">{}>, nn::dense<3>>;
using bind_pattern = train::trainer<bind_model, hp<"opt">, train::learning_rate<hp<"lr">{}>,
                                    train::epochs<hp<"epochs">{}>, regularizers::l2<hp<"l2">{}>>;

} // namespace

TEST_CASE("hp binding: type slots resolve per config, number slots take the config's values") {
    static_assert(std::is_same_v<tune::type_hps_t<bind_space, bind_pattern>, type_list<hp<"act">, hp<"opt">>>);
    static_assert(tune::type_instantiations<bind_space, bind_pattern> == 4);

    bind_space::config c;
    c.set<"hidden">(std::int64_t{24});
    c.set<"act">(std::size_t{1}); // tanh
    c.set<"opt">(std::size_t{0}); // sgd with momentum
    c.set<"mom">(0.8);
    c.set<"lr">(0.03);
    c.set<"epochs">(std::int64_t{3});
    c.set<"l2">(1e-3);
    c.set<"drop">(0.25);

    bool called = false;
    tune::dispatch_pattern<bind_space, bind_pattern>(c, [&](auto type) {
        using resolved = typename decltype(type)::type;
        using expected_model =
            nn::sequential<nn::dense<hp<"hidden">{}>, nn::tanh, nn::dropout<hp<"drop">{}>, nn::dense<3>>;
        resolved t{};
        tune::bind_numbers(t, c);
        if constexpr (std::is_same_v<std::remove_cvref_t<decltype(t.model)>, expected_model> &&
                      std::is_same_v<typename resolved::optimizer_type, optim::sgd<optim::momentum<hp<"mom">{}>>>) {
            called = true;
            CHECK(std::get<0>(t.model.layers).units == 24);
            CHECK(std::get<2>(t.model.layers).rate == doctest::Approx(0.25));
            CHECK(t.optimizer.momentum == doctest::Approx(0.8));
            CHECK(t.learning_rate == doctest::Approx(0.03));
            CHECK(t.epochs == 3);
            CHECK(std::get<0>(t.regularizers).strength == doctest::Approx(1e-3));
        }
    });
    CHECK(called);

    // The other alternatives: relu and Adam.
    c.set<"act">(std::size_t{0});
    c.set<"opt">(std::size_t{1});
    int hits = 0;
    tune::dispatch_pattern<bind_space, bind_pattern>(c, [&](auto type) {
        using resolved = typename decltype(type)::type;
        hits += std::is_same_v<typename resolved::optimizer_type, optim::adam<>> &&
                std::is_same_v<std::tuple_element_t<1, decltype(resolved{}.model.layers)>, nn::relu>;
    });
    CHECK(hits == 1);
}

TEST_CASE("hp binding: a slot whose conditional param is absent fails the trial with a message") {
    using space = search_space<choice_of<"kind", "fixed", "tuned">,
                               conditional<int_uniform<"width", 4, 16>, when<"kind", "tuned">>>;
    using pattern = train::trainer<nn::sequential<nn::dense<hp<"width">{}>, nn::dense<3>>>;
    space::config c;
    c.set<"kind">(std::string_view{"fixed"});
    tune::dispatch_pattern<space, pattern>(c, [&](auto type) {
        typename decltype(type)::type t{};
        std::string message;
        try {
            tune::bind_numbers(t, c);
        } catch (htune::error const& e) {
            message = e.what();
        }
        CHECK(message.find("hp<\"width\"> fills nn::dense units but is absent") != std::string::npos);
    });
}

TEST_CASE("tuner: the short form is a pipeline (TPE, no pruner, holdout 20%, accuracy up)") {
    using space = search_space<int_uniform<"hidden", 4, 32>>;
    using pipeline =
        tune::tuner<space, train::trainer<nn::sequential<nn::dense<hp<"hidden">{}>, nn::relu, nn::dense<3>>,
                                          train::epochs<8>, train::learning_rate<5e-2>>>;
    static_assert(std::is_same_v<pipeline::sampler_type, samplers::tpe<>>);
    static_assert(std::is_same_v<pipeline::pruner_type, pruners::none>);
    static_assert(std::is_same_v<pipeline::validation_type, tune::holdout<>>);
    static_assert(pipeline::goal == tune::direction::maximize);
    static_assert(pipeline::trial_bodies == 1);

    auto const train = blobs(300, 1);
    auto const test = blobs(150, 2);
    auto const r = pipeline{}.run(train, test, {.trials = 4, .seed = 5, .progress = tune::progress_display::off});
    REQUIRE(r.trials.size() == 4);
    CHECK(r.count(tune::trial_state::complete) == 4);
    for (auto const& t : r.trials) {
        REQUIRE(t.intermediate.size() == 8); // one validation score per epoch
        CHECK(t.intermediate.back().value == doctest::Approx(t.value));
    }
    CHECK(r.best.value > 0.8);
    REQUIRE(r.test.has_value());
    CHECK(r.test->score > 0.8);
    CHECK(r.refit_history.size() == 8);
    std::ostringstream text;
    text << r;
    CHECK(text.str().find("best trial") != std::string::npos);

    // The same seed gives the same trials and scores.
    auto const again = pipeline{}.run(train, {.trials = 4, .seed = 5, .progress = tune::progress_display::off});
    for (std::size_t i = 0; i < 4; ++i) {
        CHECK(again.trials[i].config == r.trials[i].config);
        CHECK(again.trials[i].value == r.trials[i].value);
    }
}

namespace {
// Prunes every trial from number 2 on at its first report: deterministic, to see where pruning happens.
struct prune_from_trial_2 {
    using htune_role = role::pruner;
    bool should_prune(pruners::prune_context const& c) const { return c.number >= 2; }
};
} // namespace

TEST_CASE("tuner: k-fold scores the mean over folds and can be pruned between folds") {
    using space = search_space<log_uniform<"lr", 1e-3, 1e-1>, choice<"act", nn::relu, nn::tanh>>;
    using pipeline = tune::tuner<space, samplers::random, prune_from_trial_2,
                                 train::trainer<nn::sequential<nn::dense<16>, hp<"act">, nn::dense<3>>,
                                                train::learning_rate<hp<"lr">{}>, train::epochs<2>>,
                                 tune::stratified_kfold<3, metrics::accuracy>>;
    static_assert(pipeline::trial_bodies == 2);
    auto const r = pipeline{}.run(blobs(240, 3), {.trials = 5, .seed = 9, .progress = tune::progress_display::off});
    REQUIRE(r.trials.size() == 5);
    for (auto const& t : r.trials) {
        if (t.number < 2) {
            CHECK(t.state == tune::trial_state::complete);
            REQUIRE(t.intermediate.size() == 3); // the running mean after each fold
            CHECK(t.intermediate.back().value == doctest::Approx(t.value));
        } else {
            CHECK(t.state == tune::trial_state::pruned);
            CHECK(t.intermediate.size() == 1); // pruned after the first fold
        }
    }
}

TEST_CASE("tuner: holdout reports every epoch, and a pruner stops a trial between epochs") {
    using space = search_space<log_uniform<"lr", 1e-3, 1e-1>>;
    using pipeline = tune::tuner<space, samplers::random, prune_from_trial_2,
                                 train::trainer<nn::sequential<nn::dense<8>, nn::relu, nn::dense<3>>,
                                                train::learning_rate<hp<"lr">{}>, train::epochs<4>>>;
    auto const r = pipeline{}.run(blobs(200, 4), {.trials = 3, .seed = 1, .progress = tune::progress_display::off});
    CHECK(r.trials[0].intermediate.size() == 4);
    CHECK(r.trials[2].state == tune::trial_state::pruned);
    CHECK(r.trials[2].intermediate.size() == 1);
}

TEST_CASE("tuner: the metric decides the direction (MSE down)") {
    using space = search_space<log_uniform<"lr", 1e-3, 1e-1>>;
    using pipeline = tune::tuner<
        space, samplers::random,
        train::trainer<nn::sequential<nn::dense<1>>, losses::mse, train::learning_rate<hp<"lr">{}>, train::epochs<20>>,
        tune::kfold<3>>;
    static_assert(pipeline::goal == tune::direction::minimize);
    auto const r = pipeline{}.run(line(300, 5), {.trials = 6, .seed = 2, .progress = tune::progress_display::off});
    for (auto const& t : r.trials) CHECK(r.best.value <= t.value);
    CHECK(r.best.value < 0.1); // noise variance is 0.01
}

TEST_CASE("tuner: data that does not fit the model stops the run with its error, not 20 failed trials") {
    using space = search_space<log_uniform<"lr", 1e-3, 1e-1>>;
    using pipeline = tune::tuner<space, samplers::random,
                                 train::trainer<nn::sequential<nn::dense<5>>, train::learning_rate<hp<"lr">{}>>>;
    CHECK_THROWS_AS(pipeline{}.run(blobs(60, 1), {.trials = 20, .progress = tune::progress_display::off}),
                    htune::shape_error);
}

TEST_CASE("tuner: a journal resumes the study to its target") {
    test::temp_dir dir;
    auto const path = dir.path / "study.jsonl";
    using space = search_space<log_uniform<"lr", 1e-3, 1e-1>>;
    using pipeline =
        tune::tuner<space, samplers::random,
                    train::trainer<nn::sequential<nn::dense<3>>, train::learning_rate<hp<"lr">{}>, train::epochs<1>>>;
    auto const data = blobs(90, 7);
    auto const first =
        pipeline{}.run(data, {.trials = 3, .seed = 4, .journal = path, .progress = tune::progress_display::off});
    auto const resumed =
        pipeline{}.run(data, {.trials = 5, .seed = 4, .journal = path, .progress = tune::progress_display::off});
    REQUIRE(resumed.trials.size() == 5);
    for (std::size_t i = 0; i < 3; ++i) CHECK(resumed.trials[i].config == first.trials[i].config);
}

TEST_CASE("tuner: the architecture itself is a choice between models") {
    using shallow = nn::sequential<nn::dense<3>>;
    using deep = nn::sequential<nn::dense<hp<"width">{}>, nn::relu, nn::dense<3>>;
    using space = search_space<choice<"model", shallow, deep>, int_uniform<"width", 4, 16>>;
    using pipeline =
        tune::tuner<space, samplers::random, train::trainer<hp<"model">, train::epochs<2>, train::learning_rate<5e-2>>>;
    static_assert(pipeline::trial_bodies == 2);
    auto const r = pipeline{}.run(blobs(150, 8), {.trials = 8, .seed = 3, .progress = tune::progress_display::off});
    CHECK(r.count(tune::trial_state::complete) == 8);
    std::set<std::size_t> models;
    for (auto const& t : r.trials) models.insert(t.config.get<"model">());
    CHECK(models.size() == 2);
}

TEST_CASE("tuner: the depth of a model is a number param (nn::repeat), one trial body for every depth") {
    using block = nn::sequential<nn::dense<hp<"width">{}>, nn::relu>;
    using model = nn::sequential<nn::repeat<hp<"depth">{}, block>, nn::dense<3>>;
    using space = search_space<int_uniform<"depth", 0, 3>, int_uniform<"width", 4, 16>>;
    using pipeline =
        tune::tuner<space, samplers::random, train::trainer<model, train::epochs<2>, train::learning_rate<5e-2>>>;
    static_assert(pipeline::trial_bodies == 1);

    // The bound model has as many blocks as the config says.
    space::config c;
    c.set<"depth">(std::int64_t{3});
    c.set<"width">(std::int64_t{8});
    model m{};
    tune::bind_numbers(m, c);
    CHECK(std::get<0>(m.layers).count == 3);
    CHECK(std::get<0>(std::get<0>(m.layers).block.layers).units == 8);
    rng g(1);
    nn::network<float, model> net(m, nn::shape{4}, 8, g);
    CHECK(net.params().size() == (4 * 8 + 8) + 2 * (8 * 8 + 8) + (8 * 3 + 3));

    auto const r = pipeline{}.run(blobs(150, 9), {.trials = 10, .seed = 5, .progress = tune::progress_display::off});
    CHECK(r.count(tune::trial_state::complete) == 10);
    std::set<std::int64_t> depths;
    for (auto const& t : r.trials) depths.insert(t.config.get<"depth">());
    CHECK(depths.size() >= 3);
}

TEST_CASE("hp binding: a schedule is a type slot, and its numbers are number slots") {
    using schedules = choice<"schedule", optim::constant, optim::exponential<hp<"gamma">{}>,
                             optim::linear_warmup<optim::cosine<hp<"eta">{}>, hp<"warmup">{}>>;
    using space = search_space<schedules, uniform<"gamma", 0.5, 0.99>, uniform<"eta", 0.0, 0.5>,
                               int_uniform<"warmup", 0, 200>, log_uniform<"lr", 1e-3, 1e-1>>;
    using pattern = train::trainer<nn::sequential<nn::dense<8>, nn::relu, nn::dense<3>>, hp<"schedule">,
                                   train::learning_rate<hp<"lr">{}>, train::epochs<2>>;
    static_assert(tune::type_instantiations<space, pattern> == 3);
    space::config c;
    c.set<"schedule">(std::size_t{2});
    c.set<"gamma">(0.9);
    c.set<"eta">(0.25);
    c.set<"warmup">(std::int64_t{40});
    c.set<"lr">(0.01);
    bool called = false;
    tune::dispatch_pattern<space, pattern>(c, [&](auto type) {
        typename decltype(type)::type t{};
        tune::bind_numbers(t, c);
        if constexpr (requires { t.schedule.warmup_steps; }) {
            called = true;
            CHECK(t.schedule.warmup_steps == 40);
            CHECK(t.schedule.inner.eta_min_factor == doctest::Approx(0.25));
            CHECK(t.schedule.start_factor == 0.0);
        }
    });
    CHECK(called);

    using pipeline = tune::tuner<space, samplers::random, pattern>;
    auto const r = pipeline{}.run(blobs(150, 12), {.trials = 6, .seed = 2, .progress = tune::progress_display::off});
    CHECK(r.count(tune::trial_state::complete) == 6);
}

TEST_CASE("tuner: settings known only at run time replace the trainer's defaults; an hp still wins") {
    using space = search_space<log_uniform<"lr", 1e-3, 1e-1>, int_uniform<"epochs", 1, 2>>;
    using fixed = tune::tuner<space, samplers::random,
                              train::trainer<nn::sequential<nn::dense<8>, nn::relu, nn::dense<3>>, train::epochs<4>>>;
    fixed p;
    p.settings.epochs = 3;
    p.settings.learning_rate = 0.05;
    auto const r = p.run(blobs(120, 6), {.trials = 2, .seed = 1, .progress = tune::progress_display::off});
    for (auto const& t : r.trials) CHECK(t.intermediate.size() == 3);

    using bound = tune::tuner<space, samplers::random,
                              train::trainer<nn::sequential<nn::dense<8>, nn::relu, nn::dense<3>>,
                                             train::epochs<hp<"epochs">{}>, train::learning_rate<hp<"lr">{}>>>;
    bound q;
    q.settings.epochs = 7;
    auto const s = q.run(blobs(120, 6), {.trials = 3, .seed = 1, .progress = tune::progress_display::off});
    for (auto const& t : s.trials) CHECK(t.intermediate.size() == static_cast<std::size_t>(t.config.get<"epochs">()));
}

TEST_CASE("tuner: split batches as a run setting; the same seed gives the same trials") {
    using space = search_space<log_uniform<"lr", 1e-3, 1e-1>>;
    using pipeline = tune::tuner<space, samplers::random,
                                 train::trainer<nn::sequential<nn::dense<64>, nn::relu, nn::dense<3>>, train::epochs<2>,
                                                train::batch_size<32>, train::learning_rate<hp<"lr">{}>>>;
    pipeline p;
    p.settings.threads = 2;
    p.settings.split_batch = true;
    tune::tuner_options const options{.trials = 3, .seed = 4, .progress = tune::progress_display::off};
    auto const a = p.run(blobs(240, 2), options);
    auto const b = p.run(blobs(240, 2), options);
    p.settings.split_batch = false;
    auto const whole = p.run(blobs(240, 2), options);
    REQUIRE(a.trials.size() == 3);
    for (std::size_t i = 0; i < a.trials.size(); ++i) {
        CHECK(a.trials[i].value == b.trials[i].value);
        CHECK(a.trials[i].intermediate == b.trials[i].intermediate);
        // Rounding apart, the same training: validation accuracy on 48 rows moves by 1/48 at most.
        CHECK(std::abs(a.trials[i].value - whole.trials[i].value) <= 1.0 / 48 + 1e-12);
    }
}

TEST_CASE("tuner: options.lag reaches the study: the same lag gives the same trials with any jobs") {
    using space = search_space<log_uniform<"lr", 1e-3, 1e-1>, int_uniform<"hidden", 4, 32>>;
    using pipeline = tune::tuner<space, samplers::tpe<>,
                                 train::trainer<nn::sequential<nn::dense<hp<"hidden">{}>, nn::relu, nn::dense<3>>,
                                                train::epochs<2>, train::learning_rate<hp<"lr">{}>>>;
    pipeline p;
    p.sampler = samplers::tpe<>{{.startup_trials = 3}};
    auto configs = [&](std::size_t jobs, std::optional<std::uint64_t> lag) {
        auto const r =
            p.run(blobs(120, 6),
                  {.trials = 10, .seed = 3, .jobs = jobs, .lag = lag, .progress = tune::progress_display::off});
        std::vector<std::string> out;
        for (auto const& t : r.trials) out.push_back(to_string(t.config));
        return out;
    };
    auto const lag3_one = configs(1, 3);
    CHECK(configs(2, 3) == lag3_one);
    CHECK(configs(1, std::nullopt) != lag3_one); // lag 0: trial 4 on sees trials 1-3's results
}
