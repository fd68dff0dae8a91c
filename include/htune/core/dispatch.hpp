#pragma once
// with_index<N>(i, f) turns a run-time index into a compile-time one: it calls
// f(std::integral_constant<std::size_t, I>{}) for I == i through a jump table. This is the one
// way a choice of types becomes code, and it runs once per trial, never in an inner loop.

#include <cstddef>
#include <type_traits>
#include <utility>

#include "errors.hpp"

namespace htune {

template <std::size_t I>
using index_constant = std::integral_constant<std::size_t, I>;

namespace detail {
template <class F, std::size_t I>
constexpr decltype(auto) invoke_at(F& f) {
    return f(index_constant<I>{});
}

template <class F, std::size_t... I>
constexpr decltype(auto) with_index_impl(std::size_t i, F& f, std::index_sequence<I...>) {
    using result = decltype(f(index_constant<0>{}));
    static_assert((std::is_same_v<result, decltype(f(index_constant<I>{}))> && ...),
                  "htune::with_index: f must return the same type for every index");
    constexpr result (*table[])(F&) = {&invoke_at<F, I>...};
    return table[i](f);
}
} // namespace detail

template <std::size_t N, class F>
constexpr decltype(auto) with_index(std::size_t i, F&& f) {
    static_assert(N > 0, "htune::with_index: N must be at least 1");
    HTUNE_CHECK(i < N, "htune::with_index: index ", i, " out of range [0, ", N, ")");
    return detail::with_index_impl(i, f, std::make_index_sequence<N>{});
}

} // namespace htune
