// optim::state, the run state every optimizer shares, with an update rule written here: sign
// descent with a momentum buffer that starts at a set value. The shell gives it the checks, the
// step count, reset and the split step, and a trainer takes it as any optimizer.

#include <doctest/doctest.h>

#include <htune/core/concepts/optimizer.hpp>
#include <htune/core/thread_team.hpp>
#include <htune/optim/state.hpp>

#include <cmath>
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

namespace {

// p <- p - lr * sign(b), b <- mu * b + g, b starting at `start`.
struct sign_momentum {
    using htune_role = htune::role::optimizer;
    static constexpr std::string_view name = "sign_momentum";
    double mu = 0.5;
    double start = 0.0;

    static constexpr std::size_t buffers = 2;                         // the second one is never used
    bool uses_buffer(std::size_t k) const noexcept { return k == 0; } // ...and stays null
    double buffer_start(std::size_t) const noexcept { return start; }
    void validate() const { HTUNE_CHECK(mu >= 0 && mu < 1, name, ": mu (", mu, ") must be in [0, 1)"); }

    template <class T, class Split>
    void update(htune::optim::step_args<T, 2> const& a, Split& split) const {
        REQUIRE(a.state[1] == nullptr);
        T* const p = a.p;
        T const* const g = a.g;
        T* const b = a.state[0];
        T const lr = a.lr, m = static_cast<T>(mu);
        split(a.n, [=](std::size_t i, std::size_t e) {
            for (; i < e; ++i) {
                b[i] = m * b[i] + g[i];
                p[i] -= lr * (b[i] > 0 ? T(1) : b[i] < 0 ? T(-1) : T(0));
            }
        });
    }

    template <class T>
    using state = htune::optim::state<sign_momentum, T>;
};
static_assert(htune::concepts::optimizer<sign_momentum, float>);
static_assert(htune::concepts::optimizer<sign_momentum, double>);

} // namespace

TEST_CASE("optim::state runs an update rule: steps, buffers, reset") {
    sign_momentum opt{.mu = 0.5, .start = -1.0};
    sign_momentum::state<double> s(opt, 2);
    std::vector<double> p{1.0, 1.0};
    std::vector<double> const g{0.5, 3.0};
    s.step(std::span<double>(p), std::span<double const>(g), 0.1);
    // b = 0.5 * -1 + g = {0, 2.5}: the first stays, the second moves down.
    CHECK(p[0] == 1.0);
    CHECK(p[1] == doctest::Approx(0.9));
    CHECK(s.steps() == 1);
    s.step(std::span<double>(p), std::span<double const>(g), 0.1); // b = {0.5, 4.25}
    CHECK(p[0] == doctest::Approx(0.9));
    CHECK(s.steps() == 2);
    s.reset(); // b back to -1: the first step again
    CHECK(s.steps() == 0);
    std::vector<double> q{1.0, 1.0};
    s.step(std::span<double>(q), std::span<double const>(g), 0.1);
    CHECK(q[0] == 1.0);
    CHECK(q[1] == doctest::Approx(0.9));
    CHECK(s.size() == 2);
    CHECK(s.hyperparameters().start == -1.0);
}

TEST_CASE("optim::state checks every step and the rule's hyperparameters") {
    sign_momentum::state<float> s(sign_momentum{}, 3);
    std::vector<float> p(3), g(2);
    CHECK_THROWS_WITH_AS(s.step(std::span<float>(p), std::span<float const>(g), 0.1f),
                         "sign_momentum::state::step: 3 parameters and 2 gradients for a state of 3",
                         htune::shape_error);
    std::vector<float> g3(3);
    CHECK_THROWS_WITH_AS(s.step(std::span<float>(p), std::span<float const>(g3), -1.0f),
                         doctest::Contains("learning rate (-1) must be >= 0"), htune::invalid_argument);
    CHECK(s.steps() == 0);
    CHECK_THROWS_WITH_AS((sign_momentum::state<float>(sign_momentum{.mu = 1.0}, 3)),
                         "sign_momentum: mu (1) must be in [0, 1)", htune::invalid_argument);
}

TEST_CASE("optim::state: a step split by a thread team gives the serial step's bits") {
    std::size_t const n = 10007;
    std::vector<float> g(n), serial(n, 0.5f), split(n, 0.5f);
    for (std::size_t i = 0; i < n; ++i) g[i] = std::sin(static_cast<float>(i));
    sign_momentum::state<float> a(sign_momentum{}, n), b(sign_momentum{}, n);
    htune::thread_team team(3);
    for (int k = 0; k < 5; ++k) {
        a.step(std::span<float>(serial), std::span<float const>(g), 0.01f);
        b.step(std::span<float>(split), std::span<float const>(g), 0.01f, team);
    }
    CHECK(serial == split);
}
