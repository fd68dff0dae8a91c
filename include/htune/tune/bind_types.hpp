#pragma once
// Type slots (tune/bind.hpp): the hp<N> a pattern holds in type slots, the pattern resolved for one
// assignment of them, hp_switch expanded into its run-time component, and the once-per-trial
// dispatch over the type choices. Components are walked through their hook (core/slots.hpp).

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
#include "../core/roles.hpp"
#include "../core/slots.hpp"
#include "../core/type_list.hpp"
#include "../space/choice.hpp"
#include "../space/conditional.hpp"
#include "../space/search_space.hpp"

namespace htune::tune {

// In an assignment: hp<Name> in a type slot stands for T.
template <fixed_string Name, class T>
struct assigned {
    static constexpr std::string_view name = Name.view();
    using type = T;
};

// A component chosen at run time from the config's value of Name: Base is the switch_over
// component of the alternatives' role (nn::one_of, optim::one_of, nn::init::one_of, or a user's).
template <fixed_string Name, class Base>
struct switched : Base {
    static constexpr auto hp_name = Name;
    using type_slots = type_list<Base>;
    template <class B>
    using with_type_slots = switched<Name, B>;
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

// The hp<N> in type slots of T, at any depth, in order of appearance. Every argument of a
// template of types is a type slot; any other component names its own (core/slots.hpp).
template <class T>
struct type_hps;
template <class L>
struct list_type_hps;
template <class... X>
struct list_type_hps<type_list<X...>> {
    using type = typename concat_lists<typename type_hps<X>::type...>::type;
};
template <class T, bool = has_type_slots<T>>
struct named_slot_hps {
    using type = type_list<>;
};
template <class T>
struct named_slot_hps<T, true> : list_type_hps<typename T::type_slots> {};

template <class T>
struct type_hps : named_slot_hps<T> {};
template <fixed_string N>
struct type_hps<hp<N>> {
    using type = type_list<hp<N>>;
};
template <template <class...> class S, class... X>
struct type_hps<S<X...>> : list_type_hps<type_list<X...>> {};

// The param of Space named Name, without its condition (space/search_space.hpp unwraps it).
template <class Space, fixed_string Name>
struct param_named;
template <class... P, fixed_string Name>
struct param_named<search_space<P...>, Name> {
    static constexpr std::size_t index = htune::detail::param_index<Name, P...>();
    static constexpr bool found = index < sizeof...(P);
    using type = typename htune::detail::unwrap_conditional<typename std::conditional_t<
        found, mp_at_impl<type_list<P...>, (found ? index : 0)>, std::type_identity<void>>::type>::type;
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
        if constexpr (!lookup::found) return hp_in_type_slot_is_not_in_the_space<N, space_names<Space>::text>::value;
        else if constexpr (!valid) return hp_in_type_slot_needs_a_choice_of_types<N>::value;
        else return true;
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
    using alternatives_hps =
        typename concat_lists<typename type_hps<typename choice_for<Space, Hp>::alternatives>::type>::type;
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
    static constexpr std::size_t index = first_true<(A::name == N.view())...>;
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

namespace detail {
// T with the types of List in its named type slots.
template <class T, class List>
struct with_slots;
template <class T, class... X>
struct with_slots<T, type_list<X...>> {
    using type = typename T::template with_type_slots<X...>;
};
template <class List, template <class> class F>
struct map_list;
template <class... X, template <class> class F>
struct map_list<type_list<X...>, F> {
    using type = type_list<typename F<X>::type...>;
};
// T rebuilt with F applied to each of its named type slots; T itself when it names none.
template <class T, template <class> class F, bool = has_type_slots<T>>
struct map_named_slots {
    using type = T;
};
template <class T, template <class> class F>
struct map_named_slots<T, F, true> : with_slots<T, typename map_list<typename T::type_slots, F>::type> {};
} // namespace detail

// The pattern with every hp in a type slot replaced as Assignment (a type_list of assigned<>) says.
template <class T, class Assignment>
struct resolve {
    template <class X>
    using each = resolve<X, Assignment>;
    using type = typename detail::map_named_slots<T, each>::type;
};
template <fixed_string N, class... A>
struct resolve<hp<N>, type_list<A...>> {
    using type = typename resolve<typename detail::find_assigned<N, A...>::type, type_list<A...>>::type;
};
template <template <class...> class S, class... X, class Assignment>
struct resolve<S<X...>, Assignment> {
    using type = S<typename resolve<X, Assignment>::type...>;
};
template <class T, class Assignment>
using resolve_t = typename resolve<T, Assignment>::type;

namespace detail {

template <fixed_string Name>
struct hp_switch_needs_layers_optimizers_or_initializers {
    static_assert(htune::detail::always_false_name<Name>,
                  "htune::tune: hp_switch<Name> chooses inside one component at run time, which works for a choice "
                  "of layers, of optimizers or of initializers (a role with a htune::switch_over); the alternatives "
                  "of choice Name are none of these (or a mix): bind it with hp<Name> instead (one trial body per "
                  "alternative)");
    static constexpr bool value = true; // the static_assert above is the one error
};

template <class... A>
consteval bool share_one_role() {
    if constexpr (!(requires { typename A::htune_role; } && ...)) return false;
    else return (std::is_same_v<role_of<A>, role_of<mp_at<type_list<A...>, 0>>> && ...);
}

template <bool Switchable, fixed_string N, class... A>
struct switch_type {
    using type = mp_at<type_list<A...>, 0>; // a stand-in after the error
};
template <fixed_string N, class... A>
struct switch_type<true, N, A...> {
    using type = switched<N, typename switch_over<role_of<mp_at<type_list<A...>, 0>>, A...>::type>;
};

// The run-time component for a switch over the alternatives A...: switch_over of their role.
template <fixed_string N, class... A>
struct switch_component {
    static constexpr bool switchable = [] {
        if constexpr (!share_one_role<A...>()) return false;
        else return requires { typename switch_over<role_of<mp_at<type_list<A...>, 0>>, A...>::type; };
    }();
    static_assert([] {
        if constexpr (switchable) return true;
        else return hp_switch_needs_layers_optimizers_or_initializers<N>::value;
    }());
    using type = typename switch_type<switchable, N, A...>::type;
};

template <class Space, class T>
struct expand_switches {
    template <class X>
    using each = expand_switches<Space, X>;
    using type = typename map_named_slots<T, each>::type;
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

} // namespace htune::tune
