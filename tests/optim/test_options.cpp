#include <doctest/doctest.h>

#include <htune/core/concepts/optimizer.hpp>
#include <htune/core/concepts/regularizer.hpp>
#include <htune/core/concepts/schedule.hpp>
#include <htune/optim.hpp>
#include <htune/regularizers.hpp>

#include <cstddef>
#include <span>
#include <type_traits>

using namespace htune::optim;

// option_value picks the option with the tag, whatever the order, or the fallback.
static_assert(option_value<tag::beta1>(0.9) == 0.9);
static_assert(option_value<tag::beta1>(0.9, beta2<0.5>{}, beta1<0.7>{}) == 0.7);
static_assert(option_value<tag::nesterov>(false, momentum<0.9>{}, nesterov{}));
static_assert(!option_value<tag::centered>(false, momentum<0.9>{}));
static_assert(std::is_same_v<decltype(option_value<tag::momentum>(0.0, momentum<0.5>{})), double>);
static_assert(is_option<momentum<0.9>> && is_option<nesterov> && is_option<centered>);
static_assert(!is_option<int> && !is_option<adam<>>);
static_assert(count_option<tag::beta1, beta1<0.1>, beta2<0.2>, beta1<0.3>> == 2);
static_assert(std::is_same_v<option_tag_t<lr_decay<0.1>>, tag::lr_decay>);
static_assert(std::is_same_v<option_tag_t<double>, tag::none>);

namespace {
// Everything an optimizer needs except the role tag.
struct untagged_optimizer {
    template <class T>
    struct state {
        state(untagged_optimizer const&, std::size_t) {}
        void step(std::span<T>, std::span<T const>, T) {}
    };
};
// The role tag, but a step with the wrong signature.
struct tagged_without_step {
    using htune_role = htune::role::optimizer;
    template <class T>
    struct state {
        state(tagged_without_step const&, std::size_t) {}
    };
};
// The same, tagged: a minimal conforming optimizer.
struct minimal_optimizer {
    using htune_role = htune::role::optimizer;
    template <class T>
    struct state {
        state(minimal_optimizer const&, std::size_t) {}
        void step(std::span<T>, std::span<T const>, T) {}
    };
};
} // namespace

static_assert(!htune::concepts::optimizer<untagged_optimizer, float>);
static_assert(!htune::concepts::optimizer<untagged_optimizer, double>);
static_assert(!htune::concepts::optimizer<tagged_without_step, float>);
static_assert(htune::concepts::optimizer<minimal_optimizer, float>);

// Roles are distinct: no optimizer is a schedule or a regularizer, and the other way round.
static_assert(!htune::concepts::optimizer<cosine<>, float>);
static_assert(!htune::concepts::optimizer<htune::regularizers::l2<>, float>);
static_assert(!htune::concepts::schedule<adam<>>);
static_assert(!htune::concepts::regularizer<sgd<>, float>);

TEST_CASE("optimizers are small copyable values") {
    static_assert(std::is_trivially_copyable_v<adam<>>);
    static_assert(std::is_trivially_copyable_v<sgd<momentum<0.9>>>);
    static_assert(std::is_trivially_copyable_v<rmsprop<>>);
    static_assert(std::is_trivially_copyable_v<adagrad<>>);
    static_assert(sizeof(adam<>) == 4 * sizeof(double));
    adam<beta1<0.95>> a;
    a.beta2 = 0.99;
    auto b = a;
    CHECK(b.beta1 == 0.95);
    CHECK(b.beta2 == 0.99);
    // A state keeps its own copy: changing the optimizer afterwards does not touch it.
    decltype(a)::state<float> s(a, 1);
    a.beta1 = 0.5;
    CHECK(s.hyperparameters().beta1 == 0.95);
}
