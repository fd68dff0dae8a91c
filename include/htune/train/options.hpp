#pragma once
// Finding a trainer's policies among its options by role: trainer<model, adam<>, l2<1e-4>,
// epochs<5>> takes them in any order, and an empty slot takes its default.

#include <cstddef>
#include <tuple>
#include <type_traits>

#include "../core/roles.hpp"
#include "../core/type_list.hpp"

namespace htune::train::detail {

template <class Role>
struct has_role_q {
    template <class T>
    struct fn : std::bool_constant<has_role<T, Role>> {};
};

template <class Role, class... Options>
inline constexpr std::size_t count_role = (std::size_t{0} + ... + std::size_t{has_role<Options, Role>});

// The one option with this role, or Default when there is none.
template <class Role, class Default, class... Options>
struct pick_role {
    using list = type_list<Options...>;
    static constexpr std::size_t index = mp_find_if<list, has_role_q<Role>::template fn>;
    using type = typename std::conditional_t<(index < sizeof...(Options)), mp_at_impl<list, index>,
                                             std::type_identity<Default>>::type;
};
template <class Role, class Default, class... Options>
using pick_role_t = typename pick_role<Role, Default, Options...>::type;

// Every option with this role, as a std::tuple.
template <class Role, class... Options>
using all_with_role = decltype(std::tuple_cat(
    std::declval<std::conditional_t<has_role<Options, Role>, std::tuple<Options>, std::tuple<>>>()...));

template <class Tag>
struct has_tag_q {
    template <class T>
    struct fn : std::false_type {};
    template <class T>
        requires requires { typename T::tag; }
    struct fn<T> : std::is_same<typename T::tag, Tag> {};
};

template <class Tag, class... Options>
inline constexpr std::size_t count_tag = mp_count_if<type_list<Options...>, has_tag_q<Tag>::template fn>;

// No two options carry the same setting tag (epochs<5> and epochs<10>, say): checked for every
// tag the options carry, so a new setting needs no line here.
template <class Option, class... Options>
constexpr bool setting_once() {
    if constexpr (requires { typename Option::tag; }) return count_tag<typename Option::tag, Options...> == 1;
    else return true;
}
template <class... Options>
inline constexpr bool no_setting_twice = (setting_once<Options, Options...>() && ...);

// The setting with this tag, or Default.
template <class Tag, class Default, class... Options>
struct pick_setting {
    using list = type_list<Options...>;
    static constexpr std::size_t index = mp_find_if<list, has_tag_q<Tag>::template fn>;
    using type = typename std::conditional_t<(index < sizeof...(Options)), mp_at_impl<list, index>,
                                             std::type_identity<Default>>::type;
};
template <class Tag, class Default, class... Options>
using pick_setting_t = typename pick_setting<Tag, Default, Options...>::type;

} // namespace htune::train::detail
