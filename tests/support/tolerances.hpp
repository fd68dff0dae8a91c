#pragma once
// Tolerances per floating type for tests that compare computed values.

namespace htune::test {
template <class T>
struct tolerances;
template <>
struct tolerances<float> {
    static constexpr double gradient = 2e-2; // relative error of finite differences in float
    static constexpr double value = 1e-5;
    static constexpr double step = 1e-2;
};
template <>
struct tolerances<double> {
    static constexpr double gradient = 1e-6;
    static constexpr double value = 1e-12;
    static constexpr double step = 1e-6;
};
} // namespace htune::test
