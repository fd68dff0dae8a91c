// A user's own layer and optimizer, each with a number slot and a type slot, declared in this file
// and tuned through the binding hook (core/slots.hpp) alone: tune/ names neither of them.
#include <doctest/doctest.h>

#include <htune/htune.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <mutex>
#include <set>
#include <span>
#include <tuple>
#include <type_traits>
#include <vector>

#include "blobs.hpp"

using namespace htune;

namespace own {

// What a trial's run-time layer and optimizer state were built with: (gain or scale, which type).
struct built_with {
    double number;
    std::size_t kind;
    auto operator<=>(built_with const&) const = default;
};
std::mutex log_mutex;
std::vector<built_with> layer_log;
std::vector<built_with> optimizer_log;
void record(std::vector<built_with>& log, double number, std::size_t kind) {
    std::lock_guard lock(log_mutex);
    log.push_back({number, kind});
}

template <class T, class Act>
class gained_layer;

// y = Act(gain * x): Gain is a number slot, Act (an activation layer) a type slot.
template <auto Gain = 1.0, class Act = nn::relu>
struct gained {
    using htune_role = role::layer;
    template <class T>
    using impl = gained_layer<T, Act>;

    double gain = slot_number<double, Gain>();
    Act activation{};

    // The binding hook: one line for the slots a tuner fills, two for the type slot beside a value.
    void htune_slots(auto&& visit) { visit(number_slot<Gain, "own::gained gain">(gain), activation); }
    using type_slots = type_list<Act>;
    template <class A>
    using with_type_slots = gained<Gain, A>;
};

template <class T, class Act>
class gained_layer : public nn::parameterless<T> {
public:
    template <auto Gain>
    explicit gained_layer(gained<Gain, Act> const& spec) : m_gain(static_cast<T>(spec.gain)), m_act(spec.activation) {
        record(layer_log, spec.gain, std::is_same_v<Act, nn::relu> ? 0 : 1);
    }
    nn::shape setup(nn::shape in, std::size_t max_batch) {
        m_scaled.resize({max_batch, in.size()});
        m_grad_in.resize({max_batch, in.size()});
        return m_act.setup(in, max_batch);
    }
    batch_view<T const> forward(batch_view<T const> in, nn::context& ctx) {
        auto scaled = rows_of(m_scaled, in.rows);
        for (std::size_t i = 0; i < in.size(); ++i) scaled.data[i] = m_gain * in.data[i];
        return m_act.forward(scaled, ctx);
    }
    batch_view<T const> backward(batch_view<T const> in, batch_view<T const> grad_out, bool need_input_grad) {
        auto const d_scaled = m_act.backward(rows_of(std::as_const(m_scaled), in.rows), grad_out, true);
        if (!need_input_grad) return {};
        auto grad_in = rows_of(m_grad_in, in.rows);
        for (std::size_t i = 0; i < in.size(); ++i) grad_in.data[i] = m_gain * d_scaled.data[i];
        return grad_in;
    }

private:
    T m_gain;
    typename Act::template impl<T> m_act;
    tensor<T, 2> m_scaled;
    tensor<T, 2> m_grad_in;
};

// How the optimizer shapes a gradient: a type slot of its own.
struct as_is {
    static constexpr std::size_t kind = 0;
    template <class T>
    static T shape(T g) noexcept {
        return g;
    }
};
struct clipped {
    static constexpr std::size_t kind = 1;
    template <class T>
    static T shape(T g) noexcept {
        return std::clamp(g, T(-1), T(1));
    }
};

// p <- p - lr * scale * Shape(g): Scale is a number slot, Shape a type slot.
template <auto Scale = 1.0, class Shape = as_is>
struct scaled_sgd {
    using htune_role = role::optimizer;
    double scale = slot_number<double, Scale>();

    void htune_slots(auto&& visit) { visit(number_slot<Scale, "own::scaled_sgd scale">(scale)); }
    using type_slots = type_list<Shape>;
    template <class S>
    using with_type_slots = scaled_sgd<Scale, S>;

    template <class T>
    struct state {
        T scale;
        state(scaled_sgd const& o, std::size_t) : scale(static_cast<T>(o.scale)) {
            record(optimizer_log, o.scale, Shape::kind);
        }
        void step(std::span<T> p, std::span<T const> g, T lr) {
            for (std::size_t i = 0; i < p.size(); ++i) p[i] -= lr * scale * Shape::shape(g[i]);
        }
    };
};

} // namespace own

namespace {

static_assert(concepts::layer<own::gained<0.5, nn::tanh>, float> && concepts::layer<own::gained<>, double>);
static_assert(concepts::optimizer<own::scaled_sgd<>, float>);

using space = search_space<uniform<"gain", 0.5, 2.0>, choice<"act", nn::relu, nn::tanh>, uniform<"scale", 0.5, 1.5>,
                           choice<"shape", own::as_is, own::clipped>, log_uniform<"lr", 1e-2, 1e-1>>;
using model = nn::sequential<nn::dense<8>, own::gained<hp<"gain">{}, hp<"act">>, nn::dense<3>>;
using recipe = train::trainer<model, own::scaled_sgd<hp<"scale">{}, hp<"shape">>, train::learning_rate<hp<"lr">{}>,
                              train::epochs<2>>;

} // namespace

TEST_CASE("own components: their type slots are found and resolved at any depth") {
    static_assert(holds_hp_v<own::gained<1.0, hp<"act">>> && !holds_hp_v<own::gained<hp<"gain">{}, nn::relu>>);
    static_assert(std::is_same_v<tune::type_hps_t<space, recipe>, type_list<hp<"act">, hp<"shape">>>);
    static_assert(tune::type_instantiations<space, recipe> == 4);
    using assignment = type_list<tune::assigned<"act", nn::tanh>, tune::assigned<"shape", own::clipped>>;
    using resolved = tune::resolve_t<recipe, assignment>;
    static_assert(std::is_same_v<std::tuple_element_t<1, decltype(resolved{}.model.layers)>,
                                 own::gained<hp<"gain">{}, nn::tanh>>);
    static_assert(std::is_same_v<resolved::optimizer_type, own::scaled_sgd<hp<"scale">{}, own::clipped>>);
}

TEST_CASE("own components: their number slots are set from the config") {
    space::config c;
    c.set<"gain">(1.25);
    c.set<"act">(std::size_t{1});
    c.set<"scale">(0.75);
    c.set<"shape">(std::size_t{1});
    c.set<"lr">(0.05);
    int calls = 0;
    tune::dispatch_pattern<space, recipe>(c, [&](auto type) {
        using resolved = typename decltype(type)::type;
        resolved t{};
        CHECK(std::isnan(std::get<1>(t.model.layers).gain)); // unbound until the config is applied
        tune::bind_numbers(t, c);
        ++calls;
        CHECK(std::get<1>(t.model.layers).gain == doctest::Approx(1.25));
        CHECK(t.optimizer.scale == doctest::Approx(0.75));
        CHECK(t.learning_rate == doctest::Approx(0.05));
        CHECK(std::is_same_v<typename resolved::optimizer_type, own::scaled_sgd<hp<"scale">{}, own::clipped>>);
    });
    CHECK(calls == 1);
}

TEST_CASE("own components: a tuner tunes them, each trial built with its own config") {
    using pipeline = tune::tuner<space, samplers::random, recipe>;
    static_assert(pipeline::trial_bodies == 4);
    own::layer_log.clear();
    own::optimizer_log.clear();
    auto const data = test::blobs(150, 3);
    auto const result = pipeline{}.run(data, {.trials = 10, .seed = 5, .progress = tune::progress_display::off});
    REQUIRE(result.trials.size() == 10);

    std::set<own::built_with> layers(own::layer_log.begin(), own::layer_log.end());
    std::set<own::built_with> optimizers(own::optimizer_log.begin(), own::optimizer_log.end());
    std::set<std::size_t> act_kinds, shape_kinds;
    for (auto const& t : result.trials) {
        INFO(t.config);
        CHECK(t.state == tune::trial_state::complete);
        auto const act = t.config.get<"act">();
        auto const shape = t.config.get<"shape">();
        act_kinds.insert(act);
        shape_kinds.insert(shape);
        CHECK(layers.contains({t.config.get<"gain">(), act}));
        CHECK(optimizers.contains({t.config.get<"scale">(), shape}));
    }
    // Every build came from some trial's config: nothing was built with an unbound (NaN) slot.
    CHECK(layers.size() == 10);
    CHECK(optimizers.size() == 10);
    CHECK(act_kinds.size() == 2);
    CHECK(shape_kinds.size() == 2);
}
