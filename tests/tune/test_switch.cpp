// hp_switch: a choice of types dispatched inside its component (nn::one_of, optim::one_of,
// nn::init::one_of) instead of per trial body. Fewer bodies, the same trials.
#include <doctest/doctest.h>

#include <htune/htune.hpp>

#include <cstdint>
#include <type_traits>

#include "blobs.hpp"

using namespace htune;

namespace {

using test::blobs;

using space = search_space<choice<"act1", nn::relu, nn::tanh, nn::leaky_relu<hp<"slope">{}>>,
                           choice<"act2", nn::relu, nn::sigmoid>,
                           choice<"opt", optim::sgd<optim::momentum<hp<"mom">{}>>, optim::adam<>>,
                           choice<"init", nn::init::he_uniform, nn::init::glorot_normal>, uniform<"slope", 0.01, 0.3>,
                           uniform<"mom", 0.0, 0.95>, log_uniform<"lr", 1e-3, 1e-1>>;

template <template <fixed_string> class H>
using model = nn::sequential<nn::dense<16, H<"init">>, H<"act1">, nn::dense<8>, H<"act2">, nn::dense<3>>;
template <template <fixed_string> class H>
using recipe = train::trainer<model<H>, H<"opt">, train::learning_rate<hp<"lr">{}>, train::epochs<3>>;

using per_trial = tune::tuner<space, samplers::random, recipe<hp>>;
using per_component = tune::tuner<space, samplers::random, recipe<hp_switch>>;

} // namespace

TEST_CASE("hp_switch: one trial body instead of the product of the choices") {
    static_assert(per_trial::trial_bodies == 3 * 2 * 2 * 2);
    static_assert(per_component::trial_bodies == 1);
    using expanded = tune::expand_switches_t<space, model<hp_switch>>;
    static_assert(
        std::is_same_v<std::tuple_element_t<1, decltype(expanded{}.layers)>,
                       tune::switched<"act1", nn::one_of<nn::relu, nn::tanh, nn::leaky_relu<hp<"slope">{}>>>>);
    static_assert(
        std::is_same_v<decltype(std::get<0>(expanded{}.layers).initializer),
                       tune::switched<"init", nn::init::one_of<nn::init::he_uniform, nn::init::glorot_normal>>>);
    // A mix: the optimizer per trial body, the activations and the initializer per component.
    using mixed = train::trainer<model<hp_switch>, hp<"opt">, train::learning_rate<hp<"lr">{}>>;
    using mixed_tuner = tune::tuner<space, samplers::random, mixed>;
    static_assert(mixed_tuner::trial_bodies == 2);
}

TEST_CASE("hp_switch: the same seed gives the same trials, bit for bit, as per-trial dispatch") {
    auto const data = blobs(240, 11);
    tune::tuner_options const options{.trials = 12, .seed = 21, .progress = tune::progress_display::off};
    auto const a = per_trial{}.run(data, options);
    auto const b = per_component{}.run(data, options);
    REQUIRE(a.trials.size() == 12);
    REQUIRE(b.trials.size() == 12);
    std::size_t complete = 0;
    for (std::size_t i = 0; i < 12; ++i) {
        INFO("trial ", i, ": ", a.trials[i].config);
        CHECK(a.trials[i].config == b.trials[i].config);
        CHECK(a.trials[i].state == b.trials[i].state);
        complete += a.trials[i].state == tune::trial_state::complete;
        if (a.trials[i].state == tune::trial_state::complete) CHECK(a.trials[i].value == b.trials[i].value);
    }
    CHECK(complete >= 10);
    CHECK(b.best.value > 0.8);
}

TEST_CASE("hp_switch: the alternative's number slots are bound, and only the chosen one's") {
    using expanded = tune::expand_switches_t<space, model<hp_switch>>;
    space::config c;
    c.set<"act1">(std::size_t{2});
    c.set<"act2">(std::size_t{1});
    c.set<"opt">(std::size_t{1});
    c.set<"init">(std::size_t{1});
    c.set<"slope">(0.2);
    c.set<"mom">(0.5);
    c.set<"lr">(0.01);
    expanded m{};
    tune::bind_numbers(m, c);
    auto const& act1 = std::get<1>(m.layers);
    CHECK(act1.index == 2);
    CHECK(std::get<2>(act1.alternatives).slope == doctest::Approx(0.2));
    CHECK(std::get<3>(m.layers).index == 1);
    CHECK(std::get<0>(m.layers).initializer.index == 1);

    // An alternative with a slot bound to a param absent from the config: only the chosen one is bound.
    using cond_space = search_space<choice<"opt", optim::sgd<optim::momentum<hp<"mom">{}>>, optim::adam<>>,
                                    conditional<uniform<"mom", 0.0, 0.9>, when<"opt", "sgd">>>;
    using cond_opt = tune::expand_switches_t<cond_space, hp_switch<"opt">>;
    cond_space::config adam;
    adam.set<"opt">(std::size_t{1});
    cond_opt o{};
    CHECK_NOTHROW(tune::bind_numbers(o, adam));
    CHECK(o.index == 1);
}
