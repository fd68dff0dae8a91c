#pragma once
// with_index<N>(i, f) turns a run-time index into a compile-time one: it calls
// f(std::integral_constant<std::size_t, I>{}) for I == i through a switch, sixteen cases at a
// time (as Boost.Mp11's mp_with_index does), so the compiler can inline every f(I) and build one
// jump table. This is the one way a choice of types becomes code, and it runs once per trial (or
// once per batch for a run-time switch), never in an inner loop.

#include <cstddef>
#include <type_traits>
#include <utility>

#include "errors.hpp"

namespace htune {

template <std::size_t I>
using index_constant = std::integral_constant<std::size_t, I>;

namespace detail {

// Cases Base .. Base + 15 (those below N), then the next sixteen. i is known to be below N.
template <std::size_t N, std::size_t Base, class F>
constexpr decltype(auto) with_index_from(std::size_t i, F& f) {
#define HTUNE_WITH_INDEX_CASE(k)                                                                                       \
    case k:                                                                                                            \
        if constexpr (Base + (k) < N) return f(index_constant<Base + (k)>{});                                          \
        else break;
    switch (i - Base) {
        HTUNE_WITH_INDEX_CASE(0)
        HTUNE_WITH_INDEX_CASE(1)
        HTUNE_WITH_INDEX_CASE(2)
        HTUNE_WITH_INDEX_CASE(3)
        HTUNE_WITH_INDEX_CASE(4)
        HTUNE_WITH_INDEX_CASE(5)
        HTUNE_WITH_INDEX_CASE(6)
        HTUNE_WITH_INDEX_CASE(7)
        HTUNE_WITH_INDEX_CASE(8)
        HTUNE_WITH_INDEX_CASE(9)
        HTUNE_WITH_INDEX_CASE(10)
        HTUNE_WITH_INDEX_CASE(11)
        HTUNE_WITH_INDEX_CASE(12)
        HTUNE_WITH_INDEX_CASE(13)
        HTUNE_WITH_INDEX_CASE(14)
        HTUNE_WITH_INDEX_CASE(15)
        default: break;
    }
#undef HTUNE_WITH_INDEX_CASE
    if constexpr (Base + 16 < N) {
        return with_index_from<N, Base + 16>(i, f);
    } else {
        HTUNE_ASSERT(false); // with_index checked i < N
        return f(index_constant<Base>{});
    }
}

template <class F, std::size_t... I>
inline constexpr bool same_result_for_every_index =
    (std::is_same_v<decltype(std::declval<F&>()(index_constant<0>{})),
                    decltype(std::declval<F&>()(index_constant<I>{}))> &&
     ...);

template <class F, std::size_t... I>
consteval bool check_results(std::index_sequence<I...>) {
    return same_result_for_every_index<F, I...>;
}

} // namespace detail

template <std::size_t N, class F>
constexpr decltype(auto) with_index(std::size_t i, F&& f) {
    static_assert(N > 0, "htune::with_index: N must be at least 1");
    static_assert(detail::check_results<F>(std::make_index_sequence<N>{}),
                  "htune::with_index: f must return the same type for every index");
    HTUNE_CHECK(i < N, "htune::with_index: index ", i, " out of range [0, ", N, ")");
    return detail::with_index_from<N, 0>(i, f);
}

} // namespace htune
