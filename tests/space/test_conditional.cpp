#include <doctest/doctest.h>

#include <htune/optim/adam.hpp>
#include <htune/optim/sgd.hpp>
#include <htune/space.hpp>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>

using namespace htune;

namespace {
using space =
    search_space<choice<"optimizer", optim::sgd<>, optim::adam<>>,
                 conditional<uniform<"momentum", 0.0, 0.99>, when<"optimizer", "sgd">>, int_uniform<"depth", 1, 3>,
                 conditional<int_uniform<"width_2", 16, 256, step<16>>, when_at_least<"depth", 2>>,
                 conditional<int_uniform<"width_3", 16, 256, step<16>>, when_at_least<"depth", 3>>,
                 choice_of<"kernel", "rbf", "linear", "poly">,
                 conditional<int_uniform<"degree", 2, 5>, when<"kernel", "poly">>,
                 // nested: present only when degree is, and then only for degree 2
                 conditional<uniform<"coef0", 0.0, 1.0>, when<"degree", "2">>>;
} // namespace

static_assert(std::is_same_v<decltype(std::declval<space::config>().get<"momentum">()), std::optional<double>>);
static_assert(std::is_same_v<decltype(std::declval<space::config>().get<"width_2">()), std::optional<std::int64_t>>);
static_assert(space::parents[0] == -1 && space::parents[1] == 0 && space::parents[3] == 2 && space::parents[7] == 6);
static_assert(space::has_conditions);
static_assert(!search_space<uniform<"x", 0, 1>>::has_conditions);

TEST_CASE("a conditional param is present exactly when its condition holds") {
    space const s;
    rng g(5);
    int with_momentum = 0, with_coef0 = 0;
    for (int i = 0; i < 2000; ++i) {
        auto const c = s.sample(g);
        REQUIRE(s.contains(c));
        CHECK(c.get<"momentum">().has_value() == (c.get<"optimizer">() == 0));
        CHECK(c.get<"width_2">().has_value() == (c.get<"depth">() >= 2));
        CHECK(c.get<"width_3">().has_value() == (c.get<"depth">() >= 3));
        CHECK(c.get<"degree">().has_value() == (c.get<"kernel">() == "poly"));
        CHECK(c.get<"coef0">().has_value() == (c.get<"degree">() == std::optional<std::int64_t>(2)));
        with_momentum += c.get<"momentum">().has_value();
        with_coef0 += c.get<"coef0">().has_value();
    }
    CHECK(with_momentum > 850);
    CHECK(with_momentum < 1150);
    CHECK(with_coef0 > 100); // 1/3 * 1/4 of the draws
    CHECK(with_coef0 < 230);
}

TEST_CASE("absent params are NaN in the unit cube, and from_unit decides presence from the conditions") {
    space const s;
    rng g(3);
    auto c = s.sample(g);
    c.set<"optimizer">(std::size_t{1});
    c.set<"momentum">(std::optional<double>{});
    c.set<"depth">(std::int64_t{1});
    c.set<"width_2">(std::optional<std::int64_t>{});
    c.set<"width_3">(std::optional<std::int64_t>{});
    REQUIRE(s.contains(c));
    auto const u = s.to_unit(c);
    CHECK(std::isnan(u[1]));
    CHECK(std::isnan(u[3]));
    CHECK(s.from_unit(u) == c);

    // A point that has a coordinate for an absent param still yields a config without it; a present
    // param with a NaN coordinate takes the middle of its range.
    auto v = u;
    v[1] = 0.3;
    CHECK(!s.from_unit(v).get<"momentum">().has_value());
    v[0] = 0.25; // sgd
    v[1] = std::nan("");
    CHECK(s.from_unit(v).get<"momentum">() == doctest::Approx(0.495));
}

TEST_CASE("contains rejects presence that contradicts the conditions") {
    space const s;
    rng g(8);
    auto c = s.sample(g);
    c.set<"optimizer">(std::size_t{0});
    c.set<"momentum">(std::optional<double>{0.5});
    REQUIRE(s.contains(c));
    c.set<"momentum">(std::optional<double>{});
    CHECK(!s.contains(c));
    c.set<"optimizer">(std::size_t{1});
    CHECK(s.contains(c));
    c.set<"momentum">(std::optional<double>{0.5});
    CHECK(!s.contains(c));
}

TEST_CASE("config text leaves absent params out and reads them back") {
    space const s;
    rng g(21);
    for (int i = 0; i < 200; ++i) {
        auto const c = s.sample(g);
        auto const text = to_string(c);
        CAPTURE(text);
        CHECK((text.find("momentum=") != std::string::npos) == c.get<"momentum">().has_value());
        CHECK(parse_config<space>(text) == c);
    }
    auto const c = parse_config<space>("{optimizer=adam, depth=1, kernel=rbf}");
    CHECK(!c.get<"momentum">().has_value());
    CHECK(s.contains(c));
    CHECK(to_string(c) == "{optimizer=adam, depth=1, kernel=rbf}");
    CHECK_THROWS_WITH_AS(parse_config<space>("{optimizer=adam, kernel=rbf}"),
                         "htune::parse_config: param \"depth\" missing in \"{optimizer=adam, kernel=rbf}\"",
                         htune::invalid_argument);
}

TEST_CASE("describe shows the condition") {
    space const s;
    auto const text = s.describe();
    CHECK(text.find("uniform<\"momentum\">[0, 0.99] when optimizer in {sgd}") != std::string::npos);
    CHECK(text.find("int_uniform<\"width_2\">[16, 256] step 16 when depth >= 2") != std::string::npos);
}

TEST_CASE("run-time bounds work inside a conditional") {
    using rt_space = search_space<choice_of<"kind", "a", "b">, conditional<uniform<"x">, when<"kind", "b">>>;
    rt_space const s{{}, conditional<uniform<"x">, when<"kind", "b">>{uniform<"x">{-2.0, 2.0}}};
    rng g(1);
    for (int i = 0; i < 100; ++i) {
        auto const c = s.sample(g);
        if (auto const x = c.get<"x">()) CHECK(std::abs(*x) <= 2.0);
    }
    CHECK_THROWS_AS((conditional<uniform<"x">, when<"kind", "b">>{uniform<"x">{2.0, -2.0}}), htune::invalid_argument);
}
