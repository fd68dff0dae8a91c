#pragma once
// Minimal type-list algorithms (names follow Boost.Mp11) for composing policies.

#include <cstddef>
#include <type_traits>
#include <utility>

namespace htune {

template <class... T>
struct type_list {};

template <class L>
struct mp_size_impl;
template <class... T>
struct mp_size_impl<type_list<T...>> : std::integral_constant<std::size_t, sizeof...(T)> {};
template <class L>
inline constexpr std::size_t mp_size = mp_size_impl<L>::value;

namespace detail {
template <std::size_t I, class... T>
struct nth_type;
template <class H, class... T>
struct nth_type<0, H, T...> {
    using type = H;
};
template <std::size_t I, class H, class... T>
struct nth_type<I, H, T...> : nth_type<I - 1, T...> {};
} // namespace detail

template <class L, std::size_t I>
struct mp_at_impl;
template <class... T, std::size_t I>
struct mp_at_impl<type_list<T...>, I> {
    static_assert(I < sizeof...(T), "htune::mp_at: index out of range");
    using type = typename detail::nth_type<I, T...>::type;
};
template <class L, std::size_t I>
using mp_at = typename mp_at_impl<L, I>::type;

template <class L, class V>
struct mp_contains_impl;
template <class... T, class V>
struct mp_contains_impl<type_list<T...>, V> : std::bool_constant<(std::is_same_v<T, V> || ...)> {};
template <class L, class V>
inline constexpr bool mp_contains = mp_contains_impl<L, V>::value;

// The index of the first true among Hits; sizeof...(Hits) if none.
template <bool... Hits>
inline constexpr std::size_t first_true = [] {
    constexpr bool hits[] = {Hits..., false};
    std::size_t i = 0;
    while (i < sizeof...(Hits) && !hits[i]) ++i;
    return i;
}();

// Index of the first element satisfying Pred (a class template with ::value); size if none.
template <class L, template <class> class Pred>
struct mp_find_if_impl;
template <class... T, template <class> class Pred>
struct mp_find_if_impl<type_list<T...>, Pred> {
    static constexpr std::size_t value = first_true<Pred<T>::value...>;
};
template <class L, template <class> class Pred>
inline constexpr std::size_t mp_find_if = mp_find_if_impl<L, Pred>::value;

template <class L, template <class> class Pred>
struct mp_count_if_impl;
template <class... T, template <class> class Pred>
struct mp_count_if_impl<type_list<T...>, Pred>
    : std::integral_constant<std::size_t, (std::size_t{0} + ... + std::size_t{Pred<T>::value})> {};
template <class L, template <class> class Pred>
inline constexpr std::size_t mp_count_if = mp_count_if_impl<L, Pred>::value;

template <class L, template <class...> class F>
struct mp_transform_impl;
template <class... T, template <class...> class F>
struct mp_transform_impl<type_list<T...>, F> {
    using type = type_list<F<T>...>;
};
template <class L, template <class...> class F>
using mp_transform = typename mp_transform_impl<L, F>::type;

template <class L, template <class...> class R>
struct mp_rename_impl;
template <class... T, template <class...> class R>
struct mp_rename_impl<type_list<T...>, R> {
    using type = R<T...>;
};
template <class L, template <class...> class R>
using mp_rename = typename mp_rename_impl<L, R>::type;

// Calls f(std::type_identity<T>{}) for each T, in order.
template <class L, class F>
constexpr void mp_for_each(F&& f) {
    [&]<class... T>(type_list<T...>*) { (f(std::type_identity<T>{}), ...); }(static_cast<L*>(nullptr));
}

} // namespace htune
