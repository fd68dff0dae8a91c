#pragma once
// Number slots (tune/bind.hpp): bind_numbers sets every member of a resolved pattern that a number
// slot bound to hp<"name">{} fills, walking the parts each component lists in its hook
// (core/slots.hpp).

#include <cstddef>
#include <optional>
#include <tuple>
#include <type_traits>

#include "../core/dispatch.hpp"
#include "../core/errors.hpp"
#include "../core/fixed_string.hpp"
#include "../core/hp.hpp"
#include "../core/slots.hpp"
#include "../core/type_list.hpp"
#include "../space/search_space.hpp"
#include "bind_types.hpp"

namespace htune::tune {

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

template <class Spec, class Config>
void bind_numbers(Spec& spec, Config const& c);
template <fixed_string N, class Base, class Config>
void bind_numbers(switched<N, Base>& spec, Config const& c);

namespace detail {

template <class T>
struct is_tuple : std::false_type {};
template <class... X>
struct is_tuple<std::tuple<X...>> : std::true_type {};

// The visitor a component's htune_slots (core/slots.hpp) is called with: a number slot is set
// from the config, a tuple is walked element by element, anything else is a part walked in turn.
template <class Config>
struct number_binder {
    Config const& config;

    template <class... Parts>
    void operator()(Parts&&... parts) const {
        (bind_part(parts), ...);
    }

    template <class Part>
    void bind_part(Part& part) const {
        if constexpr (is_number_slot<Part>::value) {
            bind_slot<Part::arg, Part::slot_name>(part.member, config);
        } else if constexpr (is_tuple<Part>::value) {
            std::apply([&](auto&... each) { (bind_part(each), ...); }, part);
        } else {
            bind_numbers(part, config);
        }
    }
};

} // namespace detail

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
// a regularizer) that is bound to an hp, walking the parts each component lists in its binding
// hook, `void htune_slots(auto&& visit)` (core/slots.hpp). A type may instead bind itself with a
// member `template <class Config> void bind_numbers(Config const&)`.
template <class Spec, class Config>
void bind_numbers(Spec& spec, Config const& c) {
    if constexpr (requires { spec.bind_numbers(c); }) spec.bind_numbers(c);
    else if constexpr (requires { spec.htune_slots(detail::number_binder<Config>{c}); })
        spec.htune_slots(detail::number_binder<Config>{c});
}

} // namespace htune::tune
