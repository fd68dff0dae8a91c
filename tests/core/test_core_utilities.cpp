#include <doctest/doctest.h>

#include <htune/core/dispatch.hpp>
#include <htune/core/errors.hpp>
#include <htune/core/fixed_string.hpp>
#include <htune/core/type_list.hpp>

#include <string>
#include <type_traits>

namespace {
template <htune::fixed_string Name>
struct named {
    static constexpr std::string_view name = Name.view();
};
template <class T>
struct is_int : std::is_same<T, int> {};
} // namespace

TEST_CASE("fixed_string names are template arguments") {
    CHECK(named<"lr">::name == "lr");
    CHECK(std::is_same_v<named<"lr">, named<"lr">>);
    CHECK(!std::is_same_v<named<"lr">, named<"l2">>);
    constexpr htune::fixed_string s = "hidden";
    static_assert(s.size() == 6);
    CHECK(s == htune::fixed_string("hidden"));
    CHECK(!(s == htune::fixed_string("hidde")));
}

TEST_CASE("type_list algorithms") {
    using L = htune::type_list<char, int, double, int>;
    static_assert(htune::mp_size<L> == 4);
    static_assert(std::is_same_v<htune::mp_at<L, 2>, double>);
    static_assert(htune::mp_contains<L, double>);
    static_assert(!htune::mp_contains<L, float>);
    static_assert(htune::mp_find_if<L, is_int> == 1);
    static_assert(htune::mp_find_if<htune::type_list<char>, is_int> == 1);
    static_assert(htune::mp_count_if<L, is_int> == 2);
    static_assert(
        std::is_same_v<htune::mp_transform<L, std::add_pointer_t>, htune::type_list<char*, int*, double*, int*>>);
    std::string seen;
    htune::mp_for_each<L>([&](auto t) { seen += std::to_string(sizeof(typename decltype(t)::type)); });
    CHECK(seen == "1484");
}

TEST_CASE("with_index dispatches a run-time index to a compile-time one") {
    using L = htune::type_list<char, short, double>;
    for (std::size_t i = 0; i < 3; ++i) {
        auto const size = htune::with_index<3>(i, [](auto I) { return sizeof(htune::mp_at<L, I>); });
        CHECK(size == (i == 0 ? 1 : i == 1 ? 2 : 8));
    }
    int calls = 0;
    htune::with_index<2>(1, [&](auto I) { calls += static_cast<int>(I.value) + 10; });
    CHECK(calls == 11);
    CHECK_THROWS_WITH_AS(htune::with_index<3>(3, [](auto) { return 0; }),
                         "htune::with_index: index 3 out of range [0, 3)", htune::invalid_argument);
}

TEST_CASE("HTUNE_CHECK throws with a message naming the value") {
    auto check_positive = [](double lr) { HTUNE_CHECK(lr > 0, "htune::adam: lr (", lr, ") must be > 0"); };
    CHECK_NOTHROW(check_positive(0.1));
    CHECK_THROWS_WITH_AS(check_positive(-1), "htune::adam: lr (-1) must be > 0", htune::invalid_argument);
    auto shape_fail = [] { HTUNE_CHECK_AS(htune::shape_error, false, "shapes (2, 3) and (4, 5)"); };
    CHECK_THROWS_AS(shape_fail(), htune::shape_error);
    CHECK_THROWS_AS(shape_fail(), htune::error);
}
