#pragma once
// hp<"name">: a slot of a pipeline filled from each trial's config by the tuner (tune/tuner.hpp).
//
// In a type slot write the type:     sequential<dense<64>, hp<"activation">>, trainer<model, hp<"optimizer">>
// In a number slot write a value:    dense<hp<"hidden">{}>, dropout<hp<"rate">{}>, l2<hp<"l2">{}>
//
// C++ keeps type and value template arguments apart, so one spelling cannot serve both: the `{}`
// makes the placeholder a value, and number slots are declared `auto` so that they take either a
// number or an hp. A number slot bound to an hp is a run-time member set once per trial (no new
// instantiation); a type slot is a choice resolved once per trial by with_index.

#include <cstddef>
#include <limits>
#include <string_view>
#include <type_traits>

#include "fixed_string.hpp"
#include "roles.hpp"

namespace htune {

template <fixed_string Name>
struct hp {
    using htune_role = role::hyperparameter;
    static constexpr std::string_view name = Name.view();
    static constexpr auto fixed_name = Name;
};

// hp_switch<"name">: a type slot chosen per component instead of per trial body. The component
// (a layer, an optimizer, an initializer) holds every alternative of the choice and branches once
// per call (per batch), so the alternatives add to the code instead of multiplying the trial
// bodies. tune/bind.hpp expands it; nn::one_of, optim::one_of and nn::init::one_of do the work.
template <fixed_string Name>
struct hp_switch {
    using htune_role = role::hyperparameter;
    static constexpr std::string_view name = Name.view();
    static constexpr auto fixed_name = Name;
};

template <class T>
struct is_hp : std::false_type {};
template <fixed_string Name>
struct is_hp<hp<Name>> : std::true_type {};

// T is hp<"...">.
template <class T>
inline constexpr bool is_hp_v = is_hp<std::remove_cvref_t<T>>::value;

// T is a component that names its type slots (core/slots.hpp): a template that mixes type and
// number parameters, such as nn::dense<Units, Init>, lists them as `using type_slots = type_list<Init>`.
template <class T>
concept has_type_slots = requires { typename T::type_slots; };

template <class T>
struct holds_hp;

namespace detail {
template <class L>
struct any_holds_hp : std::false_type {};
template <template <class...> class L, class... A>
struct any_holds_hp<L<A...>> : std::bool_constant<(holds_hp<A>::value || ...)> {};

// Only a type that is not a template of types alone gets here, so a pattern such as
// trainer<model, hp<"opt">> is never instantiated to look for type_slots.
template <class T>
consteval bool holds_hp_in_slots() {
    if constexpr (is_hp<T>::value) return true;
    else if constexpr (has_type_slots<T>) return any_holds_hp<typename T::type_slots>::value;
    else return false;
}
} // namespace detail

// T has an hp<"..."> in a type slot, at any depth (sequential<dense<8>, hp<"act">>): it is a
// pattern for a tuner to resolve, not yet a type to instantiate. Every argument of a template of
// types is a type slot; other templates name theirs (has_type_slots).
template <class T>
struct holds_hp : std::bool_constant<detail::holds_hp_in_slots<T>()> {};
template <fixed_string Name>
struct holds_hp<hp_switch<Name>> : std::true_type {};
template <template <class...> class S, class... A>
struct holds_hp<S<A...>> : std::bool_constant<(holds_hp<A>::value || ...)> {};
template <class T>
inline constexpr bool holds_hp_v = holds_hp<std::remove_cvref_t<T>>::value;

// The template argument V (a number slot) is bound to a hyperparameter.
template <auto V>
inline constexpr bool is_bound_arg = is_hp_v<decltype(V)>;

namespace detail {
template <auto V>
inline constexpr bool always_false_arg = false;

// The number a number slot holds. A slot bound to an hp holds NaN until the tuner sets the member,
// so a spec used outside a tuner fails its range check instead of running with a made-up value.
// Anything else in a number slot is a compile error naming the slot.
template <class Number, auto V>
consteval Number slot_number() {
    if constexpr (is_hp_v<decltype(V)>) {
        return std::numeric_limits<Number>::quiet_NaN();
    } else {
        static_assert(std::is_arithmetic_v<decltype(V)> || always_false_arg<V>,
                      "htune: a number slot (a width, a rate, a setting) takes a number or hp<\"name\">{}; "
                      "write the hyperparameter as a value, with {}");
        return static_cast<Number>(V);
    }
}

// A count slot (a width, epochs, a batch size): a non-negative integer or an hp (0 until bound,
// which every count check refuses).
template <auto V>
consteval std::size_t slot_count() {
    if constexpr (is_hp_v<decltype(V)>) {
        return 0;
    } else {
        static_assert(std::is_integral_v<decltype(V)> || always_false_arg<V>,
                      "htune: a count slot (a layer width, epochs, a batch size) takes an integer or "
                      "hp<\"name\">{}");
        if constexpr (std::is_integral_v<decltype(V)>) {
            static_assert(V >= 0, "htune: a count slot (a layer width, epochs, a batch size) must not be negative");
        }
        return static_cast<std::size_t>(V);
    }
}
} // namespace detail

} // namespace htune
