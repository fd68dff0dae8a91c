#pragma once
// Binding hyperparameters into a pipeline: how hp<"name"> in a trainer's type becomes, for one
// trial, a concrete type (type slots) with members set from the config (number slots).
//
//   using model = nn::sequential<nn::dense<hp<"hidden">{}>, hp<"activation">, nn::dense<10>>;
//   using pattern = train::trainer<model, hp<"optimizer">, train::learning_rate<hp<"lr">{}>>;
//
// Type slots: every hp<N> in a type slot must name a `choice<N, A...>` of types in the space. The
// choices a pattern uses (and those its alternatives use in turn) are dispatched once per trial by
// nested with_index into resolve_t<pattern, assignment>, a pattern with each hp replaced by the
// chosen alternative. The number of trial bodies compiled is the product of those choices' sizes
// (type_instantiations).
//
// Switches: hp_switch<N> in a type slot is expanded first into switched<N, one_of<A...>> (a layer,
// an optimizer or an initializer that holds every alternative and branches once per call), so
// that choice adds its alternatives to one trial body instead of multiplying the bodies. The
// branch is taken per batch, not per element; what it gives up is inlining across the choice.
//
// Number slots: a template argument hp<N>{} in a number slot (a width, a rate, a setting) is a
// run-time member of the resolved value, set from the config by bind_numbers(); it creates no code.

#include <cmath>
#include <cstddef>
#include <optional>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "../core/dispatch.hpp"
#include "../core/errors.hpp"
#include "../core/fixed_string.hpp"
#include "../core/hp.hpp"
#include "../core/type_list.hpp"
#include "../nn/activations.hpp"
#include "../nn/dense.hpp"
#include "../nn/dropout.hpp"
#include "../nn/init.hpp"
#include "../nn/one_of.hpp"
#include "../nn/repeat.hpp"
#include "../nn/sequential.hpp"
#include "../optim/adam.hpp"
#include "../optim/one_of.hpp"
#include "../optim/options.hpp"
#include "../optim/schedules.hpp"
#include "../regularizers/elastic_net.hpp"
#include "../regularizers/l1.hpp"
#include "../regularizers/l2.hpp"
#include "../space/choice.hpp"
#include "../space/conditional.hpp"
#include "../space/search_space.hpp"
#include "../train/trainer.hpp"

namespace htune::tune {

// In an assignment: hp<Name> in a type slot stands for T.
template <fixed_string Name, class T>
struct assigned {
    static constexpr std::string_view name = Name.view();
    using type = T;
};

// A component chosen at run time from the config's value of Name: Base is nn::one_of,
// optim::one_of or nn::init::one_of of the choice's alternatives.
template <fixed_string Name, class Base>
struct switched : Base {
    static constexpr auto hp_name = Name;
};

namespace detail {

template <class... L>
struct concat_lists;
template <>
struct concat_lists<> {
    using type = type_list<>;
};
template <class... A>
struct concat_lists<type_list<A...>> {
    using type = type_list<A...>;
};
template <class... A, class... B, class... Rest>
struct concat_lists<type_list<A...>, type_list<B...>, Rest...> : concat_lists<type_list<A..., B...>, Rest...> {};

// The list without repeats, first occurrences kept.
template <class Done, class Todo>
struct unique_impl {
    using type = Done;
};
template <class... D, class H, class... T>
struct unique_impl<type_list<D...>, type_list<H, T...>>
    : unique_impl<std::conditional_t<(std::is_same_v<D, H> || ...), type_list<D...>, type_list<D..., H>>,
                  type_list<T...>> {};
template <class L>
using unique_t = typename unique_impl<type_list<>, L>::type;

// The hp<N> in type slots of T, at any depth, in order of appearance.
template <class T>
struct type_hps {
    using type = type_list<>;
};
template <fixed_string N>
struct type_hps<hp<N>> {
    using type = type_list<hp<N>>;
};
template <template <class...> class S, class... X>
struct type_hps<S<X...>> {
    using type = typename concat_lists<typename type_hps<X>::type...>::type;
};
template <auto U, class I, bool B>
struct type_hps<nn::dense<U, I, B>> : type_hps<I> {};
template <auto C, class B>
struct type_hps<nn::repeat<C, B>> : type_hps<B> {};
template <class I, auto W, auto S>
struct type_hps<optim::linear_warmup<I, W, S>> : type_hps<I> {};
template <fixed_string N, class Base>
struct type_hps<switched<N, Base>> : type_hps<Base> {};

// The param of Space named Name, without its condition (space/search_space.hpp unwraps it).
template <class Space, fixed_string Name>
struct param_named;
template <class... P, fixed_string Name>
struct param_named<search_space<P...>, Name> {
    static constexpr std::size_t index = htune::detail::param_index<Name, P...>();
    static constexpr bool found = index < sizeof...(P);
    using type = typename htune::detail::unwrap_conditional<
        typename std::conditional_t<found, mp_at_impl<type_list<P...>, (found ? index : 0)>,
                                    std::type_identity<void>>::type>::type;
};

template <class Param>
struct type_choice_traits {
    static constexpr bool is_type_choice = false;
    using alternatives = type_list<>;
};
template <fixed_string N, class... A>
struct type_choice_traits<choice<N, A...>> {
    static constexpr bool is_type_choice = true;
    using alternatives = type_list<A...>;
};

// Instantiated only for a mistake: the diagnostic shows the name as a template argument.
template <fixed_string Name, fixed_string NamesInSpace>
struct hp_in_type_slot_is_not_in_the_space {
    static_assert(htune::detail::always_false_name<Name>,
                  "htune::tune: hp<Name> stands in a type slot (a layer, an optimizer, a loss, the model) but the "
                  "space has no param of that name; add choice<Name, Types...> to the space (see "
                  "hp_in_type_slot_is_not_in_the_space<Name, NamesInSpace> above)");
    static constexpr bool value = true; // the static_assert above is the one error
};
template <fixed_string Name>
struct hp_in_type_slot_needs_a_choice_of_types {
    static_assert(htune::detail::always_false_name<Name>,
                  "htune::tune: hp<Name> stands in a type slot, so its param must be choice<Name, Types...>; a "
                  "number param belongs in a number slot, written as a value: dense<hp<\"width\">{}>");
    static constexpr bool value = true; // the static_assert above is the one error
};

template <class Space>
struct space_names;
template <class... P>
struct space_names<search_space<P...>> {
    static constexpr auto text = htune::detail::names_text<P...>();
};

template <class Space, class Hp>
struct choice_for;
template <class Space, fixed_string N>
struct choice_for<Space, hp<N>> {
    using lookup = param_named<Space, N>;
    static constexpr bool valid = [] {
        if constexpr (!lookup::found) return false;
        else return type_choice_traits<typename lookup::type>::is_type_choice;
    }();
    static_assert([] {
        if constexpr (!lookup::found)
            return hp_in_type_slot_is_not_in_the_space<N, space_names<Space>::text>::value;
        else if constexpr (!valid)
            return hp_in_type_slot_needs_a_choice_of_types<N>::value;
        else
            return true;
    }());
    using param = std::conditional_t<valid, typename lookup::type, choice<N, void>>;
    using alternatives = typename type_choice_traits<param>::alternatives;
    static constexpr std::size_t count = valid ? mp_size<alternatives> : 1;
};

// The hps of the alternatives of every choice in L, added to L until nothing new appears.
template <class Space, class L>
struct closure;
template <class Space, class... H>
struct closure<Space, type_list<H...>> {
    template <class Hp>
    using alternatives_hps = typename concat_lists<
        typename type_hps<typename choice_for<Space, Hp>::alternatives>::type>::type;
    using grown = unique_t<typename concat_lists<type_list<H...>, alternatives_hps<H>...>::type>;
    using type = typename std::conditional_t<(mp_size<grown> == sizeof...(H)), std::type_identity<grown>,
                                             closure<Space, grown>>::type;
};
template <class Space>
struct closure<Space, type_list<>> {
    using type = type_list<>;
};

// The hp<N> whose assignment is A.
template <fixed_string N, class... A>
struct find_assigned {
    static constexpr std::size_t index = [] {
        constexpr bool hits[] = {(A::name == N.view())..., false};
        std::size_t i = 0;
        while (i < sizeof...(A) && !hits[i]) ++i;
        return i;
    }();
    static_assert(index < sizeof...(A), "htune::tune: internal error: an hp was left out of the dispatch");
    using type = typename mp_at<type_list<A...>, index>::type;
};

} // namespace detail

// The type choices a pattern depends on: hp<N> types, closed over the alternatives' own hps.
template <class Space, class Pattern>
using type_hps_t = typename detail::closure<Space, detail::unique_t<typename detail::type_hps<Pattern>::type>>::type;

// How many trial bodies a pattern compiles into: the product of its type choices' sizes.
template <class Space, class Pattern>
inline constexpr std::size_t type_instantiations = []<class... H>(type_list<H...>*) {
    return (std::size_t{1} * ... * detail::choice_for<Space, H>::count);
}(static_cast<type_hps_t<Space, Pattern>*>(nullptr));

// The pattern with every hp in a type slot replaced as Assignment (a type_list of assigned<>) says.
template <class T, class Assignment>
struct resolve {
    using type = T;
};
template <fixed_string N, class... A>
struct resolve<hp<N>, type_list<A...>> {
    using type = typename resolve<typename detail::find_assigned<N, A...>::type, type_list<A...>>::type;
};
template <template <class...> class S, class... X, class Assignment>
struct resolve<S<X...>, Assignment> {
    using type = S<typename resolve<X, Assignment>::type...>;
};
template <auto U, class I, bool B, class Assignment>
struct resolve<nn::dense<U, I, B>, Assignment> {
    using type = nn::dense<U, typename resolve<I, Assignment>::type, B>;
};
template <class I, auto W, auto S, class Assignment>
struct resolve<optim::linear_warmup<I, W, S>, Assignment> {
    using type = optim::linear_warmup<typename resolve<I, Assignment>::type, W, S>;
};
template <auto C, class B, class Assignment>
struct resolve<nn::repeat<C, B>, Assignment> {
    using type = nn::repeat<C, typename resolve<B, Assignment>::type>;
};
template <fixed_string N, class Base, class Assignment>
struct resolve<switched<N, Base>, Assignment> {
    using type = switched<N, typename resolve<Base, Assignment>::type>;
};
template <class T, class Assignment>
using resolve_t = typename resolve<T, Assignment>::type;

namespace detail {

template <fixed_string Name>
struct hp_switch_needs_layers_optimizers_or_initializers {
    static_assert(htune::detail::always_false_name<Name>,
                  "htune::tune: hp_switch<Name> chooses inside one component at run time, which works for a choice "
                  "of layers, of optimizers or of initializers; the alternatives of choice Name are none of these "
                  "(or a mix): bind it with hp<Name> instead (one trial body per alternative)");
    static constexpr bool value = true; // the static_assert above is the one error
};

// The run-time component for a switch over the alternatives A...
template <fixed_string N, class... A>
struct switch_component {
    static constexpr bool layers = (has_role<A, role::layer> && ...);
    static constexpr bool optimizers = (has_role<A, role::optimizer> && ...);
    static constexpr bool initializers = (has_role<A, role::initializer> && ...);
    static_assert([] {
        if constexpr (layers || optimizers || initializers) return true;
        else return hp_switch_needs_layers_optimizers_or_initializers<N>::value;
    }());
    using type = std::conditional_t<
        layers, switched<N, nn::one_of<A...>>,
        std::conditional_t<optimizers, switched<N, optim::one_of<A...>>,
                           std::conditional_t<initializers, switched<N, nn::init::one_of<A...>>,
                                              mp_at<type_list<A...>, 0>>>>; // the last: a stand-in after the error
};

template <class Space, class T>
struct expand_switches {
    using type = T;
};
template <class Space, class L, fixed_string N>
struct switch_for_list;
template <class Space, class... A, fixed_string N>
struct switch_for_list<Space, type_list<A...>, N> {
    using type = typename switch_component<N, typename expand_switches<Space, A>::type...>::type;
};
template <class Space, fixed_string N>
struct expand_switches<Space, hp_switch<N>> {
    using info = choice_for<Space, hp<N>>; // an unknown name or a number param is reported there
    using type = typename std::conditional_t<info::valid, switch_for_list<Space, typename info::alternatives, N>,
                                             std::type_identity<hp<N>>>::type;
};
template <class Space, template <class...> class S, class... X>
struct expand_switches<Space, S<X...>> {
    using type = S<typename expand_switches<Space, X>::type...>;
};
template <class Space, auto U, class I, bool B>
struct expand_switches<Space, nn::dense<U, I, B>> {
    using type = nn::dense<U, typename expand_switches<Space, I>::type, B>;
};
template <class Space, class I, auto W, auto S>
struct expand_switches<Space, optim::linear_warmup<I, W, S>> {
    using type = optim::linear_warmup<typename expand_switches<Space, I>::type, W, S>;
};
template <class Space, auto C, class B>
struct expand_switches<Space, nn::repeat<C, B>> {
    using type = nn::repeat<C, typename expand_switches<Space, B>::type>;
};

} // namespace detail

// The pattern with every hp_switch<N> replaced by its run-time component.
template <class Space, class Pattern>
using expand_switches_t = typename detail::expand_switches<Space, Pattern>::type;

namespace detail {

template <class Space, class Config, class Done, class... Rest>
struct dispatcher;
template <class Space, class Config, class... Done>
struct dispatcher<Space, Config, type_list<Done...>> {
    template <class F>
    static decltype(auto) run(Config const&, F& f) {
        return f(std::type_identity<type_list<Done...>>{});
    }
};
template <class Space, class Config, class... Done, fixed_string N, class... Rest>
struct dispatcher<Space, Config, type_list<Done...>, hp<N>, Rest...> {
    using choice_info = choice_for<Space, hp<N>>;
    template <class F>
    static decltype(auto) run(Config const& c, F& f) {
        auto const value = c.template get<N>();
        std::size_t index = 0; // an absent conditional choice: its types are not used by this trial
        if constexpr (requires { value.has_value(); }) index = value.value_or(0);
        else index = value;
        return with_index<choice_info::count>(index, [&](auto i) -> decltype(auto) {
            using chosen = mp_at<typename choice_info::alternatives, decltype(i)::value>;
            return dispatcher<Space, Config, type_list<Done..., assigned<N, chosen>>, Rest...>::run(c, f);
        });
    }
};

template <class Space, class Config, class L>
struct dispatch_list;
template <class Space, class Config, class... H>
struct dispatch_list<Space, Config, type_list<H...>> {
    using type = dispatcher<Space, Config, type_list<>, H...>;
};

} // namespace detail

// Calls f(std::type_identity<resolve_t<Pattern, assignment>>{}) for the assignment that config
// chooses: one indirect call per type choice, once per trial.
template <class Space, class Pattern, class F>
decltype(auto) dispatch_pattern(typename Space::config const& config, F&& f) {
    auto resolved = [&f](auto assignment) -> decltype(auto) {
        using A = typename decltype(assignment)::type;
        return f(std::type_identity<resolve_t<Pattern, A>>{});
    };
    using list = type_hps_t<Space, Pattern>;
    return detail::dispatch_list<Space, typename Space::config, list>::type::run(config, resolved);
}

namespace detail {

template <fixed_string Name, fixed_string Slot>
struct hp_in_number_slot_is_not_numeric {
    static_assert(htune::detail::always_false_name<Name>,
                  "htune::tune: hp<Name> fills a number slot (Slot) but its param is not a number (a choice "
                  "goes into a type slot, written hp<Name> without {}); see "
                  "hp_in_number_slot_is_not_numeric<Name, Slot> above");
    static constexpr bool value = true; // the static_assert above is the one error
};
template <fixed_string Name, fixed_string Slot>
struct hp_of_real_numbers_in_a_count_slot {
    static_assert(htune::detail::always_false_name<Name>,
                  "htune::tune: hp<Name> fills a count slot (Slot: a width, epochs, a batch size) but its param "
                  "gives real numbers; declare it with int_uniform or discrete of integers (see "
                  "hp_of_real_numbers_in_a_count_slot<Name, Slot> above)");
    static constexpr bool value = true; // the static_assert above is the one error
};

// Whether the param named Name in a config's space is a choice of types (its value is an index,
// which is not a number to put in a number slot).
template <class Config, fixed_string Name>
struct names_type_choice : std::false_type {};
template <class... P, fixed_string Name>
    requires(htune::detail::param_index<Name, P...>() < sizeof...(P))
struct names_type_choice<space_config<P...>, Name>
    : std::bool_constant<type_choice_traits<typename htune::detail::unwrap_conditional<
          mp_at<type_list<P...>, htune::detail::param_index<Name, P...>()>>::type>::is_type_choice> {};

template <class V>
struct optional_value {
    using type = V;
};
template <class V>
struct optional_value<std::optional<V>> {
    using type = V;
};

} // namespace detail

// Sets `member` from the config when the template argument V is hp<N>{}; does nothing for a number.
template <auto V, fixed_string Slot, class Member, class Config>
void bind_slot(Member& member, Config const& config) {
    if constexpr (is_bound_arg<V>) {
        constexpr auto name = decltype(V)::fixed_name;
        auto const stored = config.template get<name>(); // an unknown name: the error lists the space's names
        using value_type = typename detail::optional_value<std::remove_cvref_t<decltype(stored)>>::type;
        if constexpr (Config::template index_of<name> >= Config::size) {
            // get<> above has said it
        } else if constexpr (!std::is_arithmetic_v<value_type> || detail::names_type_choice<Config, name>::value) {
            static_assert(detail::hp_in_number_slot_is_not_numeric<name, Slot>::value);
        } else if constexpr (std::is_integral_v<Member> && !std::is_integral_v<value_type>) {
            static_assert(detail::hp_of_real_numbers_in_a_count_slot<name, Slot>::value);
        } else {
            value_type value{};
            if constexpr (requires { stored.has_value(); }) {
                HTUNE_CHECK(stored.has_value(), "htune::tune: hp<\"", name.view(), "\"> fills ", Slot.view(),
                            " but is absent from this trial's config (its condition does not hold); a slot the "
                            "trial uses needs a param that is present");
                value = *stored;
            } else {
                value = stored;
            }
            if constexpr (std::is_integral_v<Member>) {
                HTUNE_CHECK(value >= 0, "htune::tune: hp<\"", name.view(), "\"> = ", value, " fills ", Slot.view(),
                            ", which must not be negative");
            }
            member = static_cast<Member>(value);
        }
    }
}

namespace detail {

template <class T>
struct options_of {
    using type = type_list<>;
};
template <template <class...> class S, class... O>
struct options_of<S<O...>> {
    using type = type_list<O...>;
};
template <bool D, class... O>
struct options_of<optim::detail::adam_family<D, O...>> {
    using type = type_list<O...>;
};

// One option of an optimizer (the member it sets shares the option's tag name). A function
// template of its own, so that the member access depends on Spec and the other branches are
// never checked.
template <class O, class Spec, class Config>
void bind_optimizer_option(Spec& spec, Config const& c) {
    if constexpr (requires { O::arg; typename O::option_tag; }) {
        using tag = typename O::option_tag;
        namespace t = optim::tag;
        if constexpr (std::is_same_v<tag, t::momentum>) bind_slot<O::arg, "optim momentum">(spec.momentum, c);
        else if constexpr (std::is_same_v<tag, t::weight_decay>) bind_slot<O::arg, "optim weight_decay">(spec.weight_decay, c);
        else if constexpr (std::is_same_v<tag, t::beta1>) bind_slot<O::arg, "optim beta1">(spec.beta1, c);
        else if constexpr (std::is_same_v<tag, t::beta2>) bind_slot<O::arg, "optim beta2">(spec.beta2, c);
        else if constexpr (std::is_same_v<tag, t::epsilon>) bind_slot<O::arg, "optim epsilon">(spec.epsilon, c);
        else if constexpr (std::is_same_v<tag, t::alpha>) bind_slot<O::arg, "optim alpha">(spec.alpha, c);
        else if constexpr (std::is_same_v<tag, t::initial_accumulator>)
            bind_slot<O::arg, "optim initial_accumulator">(spec.initial_accumulator, c);
        else if constexpr (std::is_same_v<tag, t::lr_decay>) bind_slot<O::arg, "optim lr_decay">(spec.lr_decay, c);
    }
}

// One trainer setting bound to an hp: epochs, batch size, learning rate.
template <class O, class Spec, class Config>
void bind_setting(Spec& spec, Config const& c) {
    if constexpr (requires { typename O::tag; O::arg; }) {
        using tag = typename O::tag;
        if constexpr (std::is_same_v<tag, train::epochs_tag>) bind_slot<O::arg, "train::epochs">(spec.epochs, c);
        else if constexpr (std::is_same_v<tag, train::batch_size_tag>)
            bind_slot<O::arg, "train::batch_size">(spec.batch_size, c);
        else if constexpr (std::is_same_v<tag, train::learning_rate_tag>)
            bind_slot<O::arg, "train::learning_rate">(spec.learning_rate, c);
    }
}

template <class Spec, class Config, class... O>
void bind_optimizer_options(Spec& spec, Config const& c, type_list<O...>*) {
    (bind_optimizer_option<O>(spec, c), ...);
}
template <class Spec, class Config, class... O>
void bind_settings(Spec& spec, Config const& c, type_list<O...>*) {
    (bind_setting<O>(spec, c), ...);
}

template <class T>
struct is_trainer : std::false_type {};
template <class M, class... O>
struct is_trainer<train::trainer<M, O...>> : std::true_type {};

} // namespace detail

template <class Spec, class Config>
void bind_numbers(Spec& spec, Config const& c);

// The number slots of the built-in specs (found by the generic bind_numbers below).
template <auto U, class I, bool B, class Config>
void bind_numbers(nn::dense<U, I, B>& spec, Config const& c) {
    bind_slot<U, "nn::dense units">(spec.units, c);
    bind_numbers(spec.initializer, c);
}
template <auto C, class B, class Config>
void bind_numbers(nn::repeat<C, B>& spec, Config const& c) {
    bind_slot<C, "nn::repeat count">(spec.count, c);
    bind_numbers(spec.block, c);
}
template <auto Size, auto Gamma, class Config>
void bind_numbers(optim::step_decay<Size, Gamma>& spec, Config const& c) {
    bind_slot<Size, "optim::step_decay step_size">(spec.step_size, c);
    bind_slot<Gamma, "optim::step_decay gamma">(spec.gamma, c);
}
template <auto Gamma, class Config>
void bind_numbers(optim::exponential<Gamma>& spec, Config const& c) {
    bind_slot<Gamma, "optim::exponential gamma">(spec.gamma, c);
}
template <auto Eta, class Config>
void bind_numbers(optim::cosine<Eta>& spec, Config const& c) {
    bind_slot<Eta, "optim::cosine eta_min_factor">(spec.eta_min_factor, c);
}
template <class I, auto W, auto S, class Config>
void bind_numbers(optim::linear_warmup<I, W, S>& spec, Config const& c) {
    bind_numbers(spec.inner, c);
    bind_slot<W, "optim::linear_warmup warmup_steps">(spec.warmup_steps, c);
    bind_slot<S, "optim::linear_warmup start_factor">(spec.start_factor, c);
}
template <auto R, class Config>
void bind_numbers(nn::dropout<R>& spec, Config const& c) {
    bind_slot<R, "nn::dropout rate">(spec.rate, c);
}
template <auto S, class Config>
void bind_numbers(nn::leaky_relu<S>& spec, Config const& c) {
    bind_slot<S, "nn::leaky_relu slope">(spec.slope, c);
}
template <auto S, class Config>
void bind_numbers(regularizers::l1<S>& spec, Config const& c) {
    bind_slot<S, "regularizers::l1 strength">(spec.strength, c);
}
template <auto S, class Config>
void bind_numbers(regularizers::l2<S>& spec, Config const& c) {
    bind_slot<S, "regularizers::l2 strength">(spec.strength, c);
}
template <auto S1, auto S2, class Config>
void bind_numbers(regularizers::elastic_net<S1, S2>& spec, Config const& c) {
    bind_slot<S1, "regularizers::elastic_net l1_strength">(spec.l1_strength, c);
    bind_slot<S2, "regularizers::elastic_net l2_strength">(spec.l2_strength, c);
}

// A switch: the alternative the config names, then that alternative's own number slots. An absent
// conditional choice takes the first alternative, as the trial-body dispatch does.
template <fixed_string N, class Base, class Config>
void bind_numbers(switched<N, Base>& spec, Config const& c) {
    auto const value = c.template get<N>();
    std::size_t index = 0;
    if constexpr (requires { value.has_value(); }) index = value.value_or(0);
    else index = value;
    constexpr std::size_t count = std::tuple_size_v<decltype(spec.alternatives)>;
    spec.index = index;
    with_index<count>(index, [&](auto i) { bind_numbers(std::get<i.value>(spec.alternatives), c); });
}

// Sets every number slot of `spec` (a resolved pattern: a trainer, a model, a layer, an optimizer,
// a regularizer) that is bound to an hp. A user type takes part by having a member
// `template <class Config> void bind_numbers(Config const&)`.
template <class Spec, class Config>
void bind_numbers(Spec& spec, Config const& c) {
    if constexpr (requires { spec.bind_numbers(c); }) {
        spec.bind_numbers(c);
    } else if constexpr (detail::is_trainer<Spec>::value) {
        bind_numbers(spec.model, c);
        bind_numbers(spec.optimizer, c);
        bind_numbers(spec.schedule, c);
        std::apply([&](auto&... r) { (bind_numbers(r, c), ...); }, spec.regularizers);
        detail::bind_settings(spec, c, static_cast<typename detail::options_of<Spec>::type*>(nullptr));
    } else if constexpr (requires { spec.layers; std::tuple_size<decltype(spec.layers)>::value; }) {
        std::apply([&](auto&... layer) { (bind_numbers(layer, c), ...); }, spec.layers); // sequential
    } else if constexpr (has_role<Spec, role::optimizer>) {
        detail::bind_optimizer_options(spec, c, static_cast<typename detail::options_of<Spec>::type*>(nullptr));
    }
}

} // namespace htune::tune
