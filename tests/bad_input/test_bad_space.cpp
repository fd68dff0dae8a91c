// Bad search spaces: bounds given at run time that are out of order or out of the param's domain,
// empty choices, steps that do not fit, config text that cannot be read, and configs enqueued
// outside the space. Each error is an htune::invalid_argument naming the param and the bad value.

#include <doctest/doctest.h>

#include <htune/space.hpp>
#include <htune/tune/study.hpp>

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bad_input_support.hpp"

using htune::invalid_argument;
using htune::test::expect_throw;

namespace {
double const inf = std::numeric_limits<double>::infinity();
double const nan_value = std::numeric_limits<double>::quiet_NaN();

using xy_space = htune::search_space<htune::uniform<"x", -5.0, 10.0>, htune::uniform<"y", 0.0, 15.0>>;

// A space with every kind of param, bounds in the types.
using mixed_space =
    htune::search_space<htune::log_uniform<"lr", 1e-4, 1e-1>, htune::int_uniform<"hidden", 32, 256, htune::step<32>>,
                        htune::choice_of<"optimizer", "sgd", "adam">, htune::discrete<"batch", 16, 32, 64>,
                        htune::conditional<htune::uniform<"momentum", 0.0, 0.99>, htune::when<"optimizer", "sgd">>>;
} // namespace

TEST_CASE("bad space: uniform with low > high names the param and both bounds") {
    expect_throw<invalid_argument>([] { htune::uniform<"dropout">(0.5, 0.1); },
                                   {"htune::uniform<\"dropout\">", "low (0.5)", "must be < high (0.1)"});
}

TEST_CASE("bad space: uniform with equal or non-finite bounds") {
    expect_throw<invalid_argument>([] { htune::uniform<"x">(3.0, 3.0); },
                                   {"uniform<\"x\">", "low (3) must be < high (3)"});
    expect_throw<invalid_argument>([] { htune::uniform<"x">(nan_value, 1.0); },
                                   {"uniform<\"x\">", "low (nan) must be finite"});
    expect_throw<invalid_argument>([] { htune::uniform<"x">(0.0, inf); },
                                   {"uniform<\"x\">", "high (inf) must be finite"});
}

TEST_CASE("bad space: uniform whose width overflows a double") {
    // Both bounds are finite, but high - low is not: no value could be sampled or mapped.
    expect_throw<invalid_argument>([] { htune::uniform<"x">(-1e308, 1e308); },
                                   {"htune::uniform<\"x\">", "high - low (inf) must be finite"});
    double const max = std::numeric_limits<double>::max();
    expect_throw<invalid_argument>([&] { htune::uniform<"x">(-max, max); }, {"high - low (inf) must be finite"});
}

TEST_CASE("bad space: log_uniform with low <= 0") {
    expect_throw<invalid_argument>([] { htune::log_uniform<"lr">(0.0, 0.1); },
                                   {"htune::log_uniform<\"lr\">", "low (0) must be > 0"});
    expect_throw<invalid_argument>([] { htune::log_uniform<"l2">(-1e-6, 1e-2); },
                                   {"htune::log_uniform<\"l2\">", "low (-1e-06) must be > 0"});
}

TEST_CASE("bad space: log_uniform with low > high") {
    expect_throw<invalid_argument>([] { htune::log_uniform<"lr">(0.1, 1e-3); },
                                   {"log_uniform<\"lr\">", "low (0.1) must be < high (0.001)"});
}

TEST_CASE("bad space: empty choices (the run-time checks the templates run at compile time)") {
    // choice<"o"> with no alternative is a compile error; the same check at run time:
    expect_throw<invalid_argument>([] { htune::detail::validate_choice("choice", "optimizer", 0); },
                                   {"htune::choice<\"optimizer\">", "needs at least one alternative"});
    expect_throw<invalid_argument>([] { htune::discrete<"batch">(std::vector<double>{}); },
                                   {"htune::discrete<\"batch\">", "needs at least one value"});
    std::array<std::string_view, 0> const none{};
    expect_throw<invalid_argument>([&] { htune::detail::validate_choice_labels("kernel", none); },
                                   {"htune::choice_of<\"kernel\">", "needs at least one alternative"});
}

TEST_CASE("bad space: choice_of and discrete with repeated or unusable values") {
    std::array<std::string_view, 3> const twice{"rbf", "linear", "rbf"};
    expect_throw<invalid_argument>([&] { htune::detail::validate_choice_labels("kernel", twice); },
                                   {"choice_of<\"kernel\">", "option \"rbf\" appears twice"});
    std::array<std::string_view, 2> const spaced{"rbf", "two words"};
    expect_throw<invalid_argument>([&] { htune::detail::validate_choice_labels("kernel", spaced); },
                                   {"choice_of<\"kernel\">", "option \"two words\"", "free of spaces"});
    expect_throw<invalid_argument>([] { htune::discrete<"ratio">{0.25, 0.5, 0.25}; },
                                   {"discrete<\"ratio\">", "value 0.25 appears twice"});
    expect_throw<invalid_argument>([] { htune::discrete<"ratio">{0.25, nan_value}; },
                                   {"discrete<\"ratio\">", "value 1 (nan) must be finite"});
}

TEST_CASE("bad space: int_uniform whose step does not divide the range") {
    expect_throw<invalid_argument>([] { htune::int_uniform<"hidden">(32, 250, {.step = 32}); },
                                   {"htune::int_uniform<\"hidden\">", "step (32)", "must divide high - low (218)"});
}

TEST_CASE("bad space: int_uniform with step <= 0, low >= high, log from 0, log with a step") {
    expect_throw<invalid_argument>([] { htune::int_uniform<"h">(0, 10, {.step = 0}); },
                                   {"int_uniform<\"h\">", "step (0) must be > 0"});
    expect_throw<invalid_argument>([] { htune::int_uniform<"h">(0, 10, {.step = -5}); },
                                   {"int_uniform<\"h\">", "step (-5) must be > 0"});
    expect_throw<invalid_argument>([] { htune::int_uniform<"h">(8, 4); },
                                   {"int_uniform<\"h\">", "low (8) must be < high (4)"});
    expect_throw<invalid_argument>([] { htune::int_uniform<"units">(0, 1024, {.log = true}); },
                                   {"int_uniform<\"units\">", "low (0) must be > 0 with log"});
    expect_throw<invalid_argument>([] { htune::int_uniform<"units">(1, 1025, {.step = 4, .log = true}); },
                                   {"int_uniform<\"units\">", "step (4) cannot be combined with log"});
}

TEST_CASE("bad space: run-time bounds with options in the type are checked against those options") {
    // step<4> from the type is the default of the run-time options: 4 does not divide 10.
    using stepped = htune::int_uniform<"width", htune::runtime_bound, htune::runtime_bound, htune::step<4>>;
    expect_throw<invalid_argument>([] { stepped(0, 10); }, {"int_uniform<\"width\">", "step (4)", "high - low (10)"});
    // log from the type: a run-time low of 0 is refused.
    using logged = htune::int_uniform<"units", htune::runtime_bound, htune::runtime_bound, htune::log_scale>;
    expect_throw<invalid_argument>([] { logged(0, 100); }, {"int_uniform<\"units\">", "low (0) must be > 0 with log"});
}

TEST_CASE("bad space: a search_space built from run-time params fails on the bad one") {
    using space = htune::search_space<htune::uniform<"x">, htune::log_uniform<"lr">, htune::int_uniform<"k">>;
    // Bounds "read from a file": the second param's are wrong.
    double const lr_low = 0.0, lr_high = 0.1;
    expect_throw<invalid_argument>(
        [&] {
            space s{htune::uniform<"x">{-5.0, 10.0}, htune::log_uniform<"lr">{lr_low, lr_high},
                    htune::int_uniform<"k">{1, 4}};
            (void)s;
        },
        {"log_uniform<\"lr\">", "low (0) must be > 0"});
    // A study over such a space never starts.
    using study_space = htune::search_space<htune::uniform<"x">>;
    expect_throw<invalid_argument>(
        [] { htune::tune::study<study_space> s{study_space{htune::uniform<"x">{10.0, -5.0}}}; },
        {"uniform<\"x\">", "low (10) must be < high (-5)"});
}

TEST_CASE("bad config text: not {name=value, ...}") {
    expect_throw<invalid_argument>([] { (void)htune::parse_config<xy_space>("x=1, y=2"); },
                                   {"htune::parse_config", "expected {name=value, ...}", "\"x=1, y=2\""});
    expect_throw<invalid_argument>([] { (void)htune::parse_config<xy_space>("{x=1, y}"); },
                                   {"parse_config", "expected name=value, got \"y\""});
    expect_throw<invalid_argument>([] { (void)htune::parse_config<xy_space>("{x=1, y=2,}"); },
                                   {"parse_config", "trailing ','"});
    expect_throw<invalid_argument>([] { (void)htune::parse_config<xy_space>(""); }, {"parse_config", "got \"\""});
}

TEST_CASE("bad config text: an unknown param lists the names the space has") {
    expect_throw<invalid_argument>([] { (void)htune::parse_config<xy_space>("{x=1, z=2}"); },
                                   {"unknown param \"z\"", "(the space has: x, y)"});
}

TEST_CASE("bad config text: a param given twice, or missing") {
    expect_throw<invalid_argument>([] { (void)htune::parse_config<xy_space>("{x=1, y=2, x=3}"); },
                                   {"param \"x\" given twice"});
    expect_throw<invalid_argument>([] { (void)htune::parse_config<xy_space>("{y=2}"); }, {"param \"x\" missing"});
}

TEST_CASE("bad config text: values of the wrong type name the param and the value") {
    expect_throw<invalid_argument>([] { (void)htune::parse_config<xy_space>("{x=1.5.2, y=2}"); },
                                   {"param \"x\": invalid value \"1.5.2\""});
    // An int param does not read a real value; a choice does not read an unknown label or index.
    expect_throw<invalid_argument>(
        [] { (void)htune::parse_config<mixed_space>("{lr=0.01, hidden=64.5, optimizer=adam, batch=32}"); },
        {"param \"hidden\": invalid value \"64.5\""});
    expect_throw<invalid_argument>(
        [] { (void)htune::parse_config<mixed_space>("{lr=0.01, hidden=64, optimizer=adamw, batch=32}"); },
        {"param \"optimizer\": invalid value \"adamw\""});
    expect_throw<invalid_argument>(
        [] { (void)htune::parse_config<mixed_space>("{lr=0.01, hidden=64, optimizer=7, batch=32}"); },
        {"param \"optimizer\": invalid value \"7\""});
}

TEST_CASE("enqueue: a config outside the bounds names the config and the space") {
    htune::tune::study<xy_space> s{{.seed = 1}};
    expect_throw<invalid_argument>(
        [&] { s.enqueue(xy_space::config{10.5, 2.0}); },
        {"htune::tune::study::enqueue", "{x=10.5, y=2}", "is not in the space", "uniform<\"x\">[-5, 10]"});
    // Text that reads fine but is out of bounds, NaN included.
    expect_throw<invalid_argument>([&] { s.enqueue("{x=1, y=-0.5}"); }, {"{x=1, y=-0.5}", "is not in the space"});
    expect_throw<invalid_argument>([&] { s.enqueue("{x=nan, y=1}"); }, {"{x=nan, y=1}", "is not in the space"});
    auto t = s.ask(); // nothing was queued: the sampler proposes
    CHECK(t.number() == 0);
    CHECK(s.trials().size() == 1);
    CHECK(!s.trials()[0].enqueued);
}

TEST_CASE("enqueue: off the int grid, and a conditional param present when its condition fails") {
    htune::tune::study<mixed_space> s{{.seed = 1}};
    // 65 is within [32, 256] but not on the step-32 grid.
    expect_throw<invalid_argument>([&] { s.enqueue("{lr=0.01, hidden=65, optimizer=adam, batch=32}"); },
                                   {"hidden=65", "is not in the space", "int_uniform<\"hidden\">[32, 256] step 32"});
    // 48 is not one of the discrete values.
    expect_throw<invalid_argument>([&] { s.enqueue("{lr=0.01, hidden=64, optimizer=adam, batch=48}"); },
                                   {"batch=48", "is not in the space"});
    // momentum only exists with sgd.
    expect_throw<invalid_argument>(
        [&] { s.enqueue("{lr=0.01, hidden=64, optimizer=adam, batch=32, momentum=0.9}"); },
        {"optimizer=adam", "momentum=0.9", "is not in the space", "when optimizer in {sgd}"});
    // ... and must be there with sgd.
    expect_throw<invalid_argument>([&] { s.enqueue("{lr=0.01, hidden=64, optimizer=sgd, batch=32}"); },
                                   {"optimizer=sgd", "is not in the space"});
    // A text error surfaces as the parser's.
    expect_throw<invalid_argument>([&] { s.enqueue("{lr=0.01}"); }, {"parse_config", "param \"hidden\" missing"});
    s.enqueue("{lr=0.01, hidden=64, optimizer=sgd, batch=32, momentum=0.5}"); // a good one still goes in
    auto t = s.ask();
    CHECK(s.trials()[0].enqueued);
    CHECK(t.get<"momentum">() == std::optional<double>(0.5));
}
